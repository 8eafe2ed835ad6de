"""The store: one SQLAlchemy Core schema that runs on the embedded SQLite file and on PostgreSQL.

Every write is one transaction and bumps a revision counter, so readers can cache results keyed by
(query, revision) and never show stale data after a submission.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from leverage.survey.instrument import Instrument, available_instruments, default_instrument

SCHEMA_VERSION = 1
NAME_MAX = 200
ACTION_MAX = 2000
MAX_FOCUS_MEASURES = 2

metadata = sa.MetaData()

meta = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)
organizations = sa.Table(
    "organizations", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(NAME_MAX), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
departments = sa.Table(
    "departments", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("organization_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(NAME_MAX), nullable=False),
    sa.UniqueConstraint("organization_id", "name"),
)
rounds = sa.Table(
    "rounds", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("organization_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(NAME_MAX), nullable=False),
    sa.Column("instrument_id", sa.String(64), nullable=False),
    sa.Column("instrument_version", sa.String(32), nullable=False),
    sa.Column("opens_on", sa.Date, nullable=False),
    sa.Column("closes_on", sa.Date, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("organization_id", "name"),
    sa.CheckConstraint("closes_on IS NULL OR closes_on >= opens_on", name="round_dates"),
)
respondents = sa.Table(
    "respondents", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("round_id", sa.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("respondent_key", sa.String(64), nullable=False),
    sa.Column("submission_id", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("department_id", sa.ForeignKey("departments.id", ondelete="SET NULL"), nullable=True),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("round_id", "respondent_key"),
)
answers = sa.Table(
    "answers", metadata,
    sa.Column("respondent_id", sa.ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("item_id", sa.String(32), primary_key=True),
    sa.Column("leverage_point", sa.String(8), nullable=False),
    sa.Column("value", sa.SmallInteger, nullable=True),  # NULL = don't know
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
)
focus_measures = sa.Table(
    "focus_measures", metadata,
    sa.Column("respondent_id", sa.ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.SmallInteger, primary_key=True),
    sa.Column("measure", sa.String(NAME_MAX), nullable=False),
)
planned_actions = sa.Table(
    "planned_actions", metadata,
    sa.Column("respondent_id", sa.ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("leverage_point", sa.String(8), primary_key=True),
    sa.Column("action", sa.Text, nullable=False),
)


class StoreError(ValueError):
    """A write was refused; nothing was changed. The message says why in the user's terms."""


@dataclass(frozen=True)
class Submission:
    """One completed self-assessment. `submission_id` makes resending it harmless."""

    submission_id: str
    round_id: int
    role: str
    answers: Mapping[str, int | None]  # item id -> level value, or None for "don't know"
    department_id: int | None = None
    language: str = "en"
    respondent_key: str | None = None


@dataclass(frozen=True)
class SubmitResult:
    respondent_id: int
    respondent_key: str
    created: bool  # False when this submission id had already been stored


@dataclass
class ImportReport:
    organizations: int = 0
    rounds: int = 0
    departments: int = 0
    respondents: int = 0
    answers: int = 0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _clean_name(name: str, what: str) -> str:
    name = (name or "").strip()
    if not name:
        raise StoreError(f"The {what} name is empty.")
    if len(name) > NAME_MAX:
        raise StoreError(f"The {what} name is longer than {NAME_MAX} characters.")
    return name


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (its documented recipe).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # Writers take the write lock up front, so a read-then-write never fails with SQLITE_BUSY
            # half-way; the busy timeout then queues concurrent writers instead.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


class Store:
    """All reads and writes of organizations, rounds, responses and plans."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.local_writes = 0
        self.engine = _engine(url)
        self.create_schema()

    # --- schema ------------------------------------------------------------------------------------
    def create_schema(self) -> None:
        """Create missing tables and record the schema version; refuse a database from a newer app."""
        try:
            metadata.create_all(self.engine)
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError):
            metadata.create_all(self.engine)  # another server created the tables at the same moment
        try:
            with self._write() as conn:
                found = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
                if found is None:
                    self._insert_meta(conn, "schema_version", str(SCHEMA_VERSION))
                    self._insert_meta(conn, "revision", "0")
        except sa.exc.IntegrityError:
            found = None  # another server recorded the version at the same moment
        found = found or self.schema_version()
        if int(found) > SCHEMA_VERSION:
            raise StoreError(f"The database has schema version {found}, newer than this app's "
                             f"{SCHEMA_VERSION}; upgrade the app.")

    def ensure_tables(self, *tables: sa.Table) -> None:
        """Create a feature module's own tables (defined on this module's `metadata`) if missing.

        Features (aims, workshops, ...) keep their tables and queries in their own modules; they call
        this once when they wrap a Store, and write through `write()` and `bump()` like the store does.
        """
        try:
            metadata.create_all(self.engine, tables=list(tables))
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError):
            metadata.create_all(self.engine, tables=list(tables))  # another server raced us

    def write(self) -> AbstractContextManager[Connection]:
        """A write transaction for feature modules; call `bump(conn)` inside it when data changed."""
        return self._write()

    def bump(self, conn: Connection) -> None:
        """Advance the revision inside a write transaction, so every cached reader sees the change."""
        self._bump(conn)

    @staticmethod
    def _insert_meta(conn: Connection, key: str, value: str) -> None:
        conn.execute(meta.insert().values(key=key, value=value))

    def _write(self) -> AbstractContextManager[Connection]:
        """A write transaction (on SQLite it takes the write lock at BEGIN)."""
        return self.engine.execution_options(write=True).begin()

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one())

    def dispose(self) -> None:
        self.engine.dispose()

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    # --- revision: a cheap cache key for everything read from the store ------------------------------
    def revision(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(meta.c.value).where(meta.c.key == "revision")).scalar_one())

    def _bump(self, conn: Connection) -> None:
        self.local_writes += 1  # lets a caching reader see this process's own writes at once
        conn.execute(meta.update().where(meta.c.key == "revision")
                     .values(value=sa.cast(sa.cast(meta.c.value, sa.Integer) + 1, sa.String)))

    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(meta.c.value).where(meta.c.key == key)).scalar()

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as conn:
            if conn.execute(meta.update().where(meta.c.key == key).values(value=value)).rowcount == 0:
                conn.execute(meta.insert().values(key=key, value=value))

    # --- organizations, departments, rounds --------------------------------------------------------
    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(organizations.c.id).limit(1)).first() is None

    def list_organizations(self) -> pd.DataFrame:
        q = sa.select(organizations.c.id, organizations.c.name).order_by(organizations.c.name)
        return self._frame(q, ["id", "name"])

    def add_organization(self, name: str) -> int:
        name = _clean_name(name, "organization")
        with self._write() as conn:
            if conn.execute(sa.select(organizations.c.id).where(organizations.c.name == name)).first():
                raise StoreError(f"An organization called {name!r} already exists.")
            new_id = conn.execute(organizations.insert().values(name=name, created_at=_now())).inserted_primary_key[0]
            self._bump(conn)
            return int(new_id)

    def list_departments(self, organization_id: int) -> pd.DataFrame:
        q = (sa.select(departments.c.id, departments.c.name)
             .where(departments.c.organization_id == organization_id).order_by(departments.c.name))
        return self._frame(q, ["id", "name"])

    def add_department(self, organization_id: int, name: str) -> int:
        name = _clean_name(name, "department")
        with self._write() as conn:
            self._require_organization(conn, organization_id)
            exists = conn.execute(sa.select(departments.c.id).where(
                departments.c.organization_id == organization_id, departments.c.name == name)).first()
            if exists:
                raise StoreError(f"This organization already has a department called {name!r}.")
            new_id = conn.execute(departments.insert().values(organization_id=organization_id, name=name)
                                  ).inserted_primary_key[0]
            self._bump(conn)
            return int(new_id)

    def list_rounds(self, organization_id: int) -> pd.DataFrame:
        """Rounds oldest first, with their respondent counts."""
        n = (sa.select(sa.func.count(respondents.c.id)).where(respondents.c.round_id == rounds.c.id)
             .scalar_subquery())
        q = (sa.select(rounds.c.id, rounds.c.name, rounds.c.instrument_id, rounds.c.instrument_version,
                       rounds.c.opens_on, rounds.c.closes_on, n.label("respondents"))
             .where(rounds.c.organization_id == organization_id).order_by(rounds.c.opens_on, rounds.c.id))
        return self._frame(q, ["id", "name", "instrument_id", "instrument_version", "opens_on", "closes_on",
                               "respondents"])

    def add_round(self, organization_id: int, name: str, instrument: Instrument | None = None,
                  opens_on: dt.date | None = None, closes_on: dt.date | None = None) -> int:
        name = _clean_name(name, "round")
        instrument = instrument or default_instrument()
        opens_on = opens_on or dt.date.today()
        if closes_on is not None and closes_on < opens_on:
            raise StoreError(f"The round closes ({closes_on}) before it opens ({opens_on}).")
        with self._write() as conn:
            self._require_organization(conn, organization_id)
            exists = conn.execute(sa.select(rounds.c.id).where(
                rounds.c.organization_id == organization_id, rounds.c.name == name)).first()
            if exists:
                raise StoreError(f"This organization already has a round called {name!r}.")
            new_id = conn.execute(rounds.insert().values(
                organization_id=organization_id, name=name, instrument_id=instrument.id,
                instrument_version=instrument.version, opens_on=opens_on, closes_on=closes_on, created_at=_now(),
            )).inserted_primary_key[0]
            self._bump(conn)
            return int(new_id)

    def get_round(self, round_id: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(rounds).where(rounds.c.id == round_id)).mappings().first()
            return dict(row) if row else None

    @staticmethod
    def _require_organization(conn: Connection, organization_id: int) -> None:
        if conn.execute(sa.select(organizations.c.id).where(organizations.c.id == organization_id)).first() is None:
            raise StoreError(f"There is no organization with id {organization_id}.")

    # --- submissions -------------------------------------------------------------------------------
    def submit_response(self, submission: Submission, roles: Iterable[str], today: dt.date | None = None
                        ) -> SubmitResult:
        """Store one self-assessment in one transaction. Resending the same submission id is a no-op."""
        existing = self._find_submission(submission.submission_id)
        if existing is not None:
            return existing
        try:
            return self._insert_submission(submission, set(roles), today or dt.date.today())
        except sa.exc.IntegrityError:
            # The same submission arrived twice at once and the other copy won: answer as for a resend.
            found = self._find_submission(submission.submission_id)
            if found is None:
                raise StoreError("This respondent id is already used in the round.") from None
            return found

    def _insert_submission(self, submission: Submission, roles: set[str], today: dt.date) -> SubmitResult:
        with self._write() as conn:
            rnd = conn.execute(sa.select(rounds).where(rounds.c.id == submission.round_id)).mappings().first()
            if rnd is None:
                raise StoreError(f"There is no assessment round with id {submission.round_id}.")
            if rnd["closes_on"] is not None and rnd["closes_on"] < today:
                raise StoreError(f"The round {rnd['name']!r} closed on {rnd['closes_on']}; it takes no more answers.")
            if rnd["opens_on"] > today:
                raise StoreError(f"The round {rnd['name']!r} opens on {rnd['opens_on']}.")
            if submission.role not in roles:
                raise StoreError(f"{submission.role!r} is not a configured role.")
            if submission.department_id is not None:
                dep = conn.execute(sa.select(departments.c.organization_id)
                                   .where(departments.c.id == submission.department_id)).scalar()
                if dep != rnd["organization_id"]:
                    raise StoreError("The department does not belong to this round's organization.")
            instrument = self._instrument(rnd["instrument_id"], rnd["instrument_version"])
            rows = self._answer_rows(submission.answers, instrument)
            key = submission.respondent_key or "r-" + uuid.uuid5(uuid.NAMESPACE_URL, submission.submission_id).hex[:12]
            now = _now()
            rid = conn.execute(respondents.insert().values(
                round_id=submission.round_id, respondent_key=key, submission_id=submission.submission_id,
                role=submission.role, department_id=submission.department_id,
                language=submission.language, submitted_at=now,
            )).inserted_primary_key[0]
            conn.execute(answers.insert(), [dict(r, respondent_id=rid, answered_at=now) for r in rows])
            self._bump(conn)
            return SubmitResult(int(rid), key, True)

    def _find_submission(self, submission_id: str) -> SubmitResult | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(respondents.c.id, respondents.c.respondent_key)
                               .where(respondents.c.submission_id == submission_id)).first()
        return SubmitResult(int(row.id), row.respondent_key, False) if row else None

    @staticmethod
    def _instrument(instrument_id: str, version: str) -> Instrument:
        try:
            return available_instruments()[(instrument_id, version)]
        except KeyError:
            raise StoreError(f"The round uses instrument {instrument_id} {version}, which this app does not have.") \
                from None

    @staticmethod
    def _answer_rows(given: Mapping[str, int | None], instrument: Instrument) -> list[dict]:
        item_point = instrument.item_point()
        if not given:
            raise StoreError("The submission has no answers.")
        rows = []
        for item_id, value in given.items():
            if item_id not in item_point:
                raise StoreError(f"{item_id!r} is not an item of this round's instrument.")
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not instrument.scale_min <= value <= instrument.scale_max):
                raise StoreError(f"The answer to {item_id} must be {instrument.scale_min}–{instrument.scale_max} "
                                 f"or don't know, not {value!r}.")
            rows.append({"item_id": item_id, "leverage_point": item_point[item_id], "value": value})
        return rows

    # --- plans: the paper's purpose, one or two system-level measures and actions per point ----------
    def save_plan(self, respondent_id: int, measures: list[str], actions: Mapping[str, str]) -> None:
        measures = [m.strip() for m in measures if m and m.strip()]
        if not 1 <= len(measures) <= MAX_FOCUS_MEASURES:
            raise StoreError("Choose one or two system-level measures to focus on.")
        if len(set(measures)) != len(measures):
            raise StoreError("The two focus measures are the same.")
        if any(len(m) > NAME_MAX for m in measures):
            raise StoreError(f"A focus measure is longer than {NAME_MAX} characters.")
        actions = {p: a.strip() for p, a in actions.items() if a and a.strip()}
        if any(len(a) > ACTION_MAX for a in actions.values()):
            raise StoreError(f"A planned action is longer than {ACTION_MAX} characters.")
        with self._write() as conn:
            if conn.execute(sa.select(respondents.c.id).where(respondents.c.id == respondent_id)).first() is None:
                raise StoreError("That response does not exist.")
            conn.execute(focus_measures.delete().where(focus_measures.c.respondent_id == respondent_id))
            conn.execute(planned_actions.delete().where(planned_actions.c.respondent_id == respondent_id))
            conn.execute(focus_measures.insert(), [
                {"respondent_id": respondent_id, "position": i, "measure": m} for i, m in enumerate(measures, 1)])
            if actions:
                conn.execute(planned_actions.insert(), [
                    {"respondent_id": respondent_id, "leverage_point": p, "action": a} for p, a in actions.items()])
            self._bump(conn)

    def get_plan(self, respondent_id: int) -> tuple[list[str], dict[str, str]]:
        with self.engine.connect() as conn:
            measures = conn.execute(sa.select(focus_measures.c.measure)
                                    .where(focus_measures.c.respondent_id == respondent_id)
                                    .order_by(focus_measures.c.position)).scalars().all()
            acts = conn.execute(sa.select(planned_actions.c.leverage_point, planned_actions.c.action)
                                .where(planned_actions.c.respondent_id == respondent_id)).all()
        return list(measures), {p: a for p, a in acts}

    def focus_measure_counts(self, round_id: int) -> pd.DataFrame:
        """How many respondents chose each focus measure in a round (counts only: no one is identified)."""
        q = (sa.select(focus_measures.c.measure, sa.func.count().label("respondents"))
             .join(respondents, respondents.c.id == focus_measures.c.respondent_id)
             .where(respondents.c.round_id == round_id)
             .group_by(focus_measures.c.measure).order_by(sa.desc("respondents"), focus_measures.c.measure))
        return self._frame(q, ["measure", "respondents"])

    # --- reading responses in the shared long format ------------------------------------------------
    def responses(self, organization_id: int | None = None, round_ids: Iterable[int] | None = None
                  ) -> pd.DataFrame:
        """Answers in the long format of the `score` contract, filtered in SQL."""
        q = (sa.select(organizations.c.name.label("organization"), departments.c.name.label("department"),
                       respondents.c.role, rounds.c.name.label("round"),
                       respondents.c.respondent_key.label("respondent_id"), answers.c.item_id,
                       answers.c.leverage_point, answers.c.value)
             .select_from(answers.join(respondents, respondents.c.id == answers.c.respondent_id)
                          .join(rounds, rounds.c.id == respondents.c.round_id)
                          .join(organizations, organizations.c.id == rounds.c.organization_id)
                          .outerjoin(departments, departments.c.id == respondents.c.department_id))
             .order_by(organizations.c.name, rounds.c.opens_on, respondents.c.id, answers.c.item_id))
        if organization_id is not None:
            q = q.where(rounds.c.organization_id == organization_id)
        if round_ids is not None:
            q = q.where(rounds.c.id.in_(list(round_ids)))
        frame = self._frame(q, ["organization", "department", "role", "round", "respondent_id", "item_id",
                                "leverage_point", "value"])
        frame["value"] = frame["value"].astype("Int64")
        return frame

    def respondent_answers(self, respondent_id: int) -> dict[str, int | None]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(answers.c.item_id, answers.c.value)
                                .where(answers.c.respondent_id == respondent_id)).all()
        return {r.item_id: r.value for r in rows}

    # --- import: all or nothing ---------------------------------------------------------------------
    def import_responses(self, frame: pd.DataFrame, round_dates: Mapping[tuple[str, str], tuple] | None = None,
                         extra_departments: Iterable[tuple[str, str]] = (), plans: pd.DataFrame | None = None,
                         ) -> ImportReport:
        """Write already-validated long-format responses in one transaction.

        Missing organizations, departments and rounds are created (new rounds use the default instrument
        unless `round_dates` says otherwise). Respondents already in a round are refused, never merged.
        """
        round_dates = round_dates or {}
        report = ImportReport()
        now = _now()
        inst = default_instrument()
        with self._write() as conn:
            org_ids = {r.name: r.id for r in conn.execute(sa.select(organizations.c.id, organizations.c.name))}
            for org in sorted(frame["organization"].unique()):
                if org not in org_ids:
                    org_ids[org] = conn.execute(organizations.insert().values(
                        name=_clean_name(org, "organization"), created_at=now)).inserted_primary_key[0]
                    report.organizations += 1
            dep_ids = {(r.organization_id, r.name): r.id for r in conn.execute(
                sa.select(departments.c.id, departments.c.organization_id, departments.c.name))}
            pairs = set(frame[["organization", "department"]].dropna().drop_duplicates().itertuples(index=False))
            pairs |= {(o, d) for o, d in extra_departments if o in org_ids}
            for org, dep in sorted(pairs):
                key = (org_ids[org], dep)
                if key not in dep_ids:
                    dep_ids[key] = conn.execute(departments.insert().values(
                        organization_id=org_ids[org], name=_clean_name(dep, "department"))).inserted_primary_key[0]
                    report.departments += 1
            round_ids = {(r.organization_id, r.name): r.id for r in conn.execute(
                sa.select(rounds.c.id, rounds.c.organization_id, rounds.c.name))}
            for org, rnd in sorted(frame[["organization", "round"]].drop_duplicates().itertuples(index=False)):
                key = (org_ids[org], rnd)
                if key not in round_ids:
                    opens, closes, inst_id, inst_ver = round_dates.get((org, rnd), (dt.date.today(), None,
                                                                                  inst.id, inst.version))
                    round_ids[key] = conn.execute(rounds.insert().values(
                        organization_id=org_ids[org], name=_clean_name(rnd, "round"), instrument_id=inst_id,
                        instrument_version=inst_ver, opens_on=opens, closes_on=closes, created_at=now,
                    )).inserted_primary_key[0]
                    report.rounds += 1
            people = frame.drop_duplicates(["organization", "round", "respondent_id"])
            wanted = {(round_ids[(org_ids[o], r)], str(k)) for o, r, k in
                      people[["organization", "round", "respondent_id"]].itertuples(index=False)}
            taken = set()
            for chunk in _chunks(sorted({rid for rid, _ in wanted}), 500):
                taken |= {(r.round_id, r.respondent_key) for r in conn.execute(
                    sa.select(respondents.c.round_id, respondents.c.respondent_key)
                    .where(respondents.c.round_id.in_(chunk)))}
            clash = sorted(k for k in wanted if k in taken)
            if clash:
                sample = ", ".join(repr(k) for _, k in clash[:5])
                raise StoreError(f"{len(clash)} respondent id(s) are already stored in their round ({sample}); "
                                 "nothing was imported. Remove them or import into a new round.")
            person_rows = []
            for rec in people.itertuples(index=False):
                rid = round_ids[(org_ids[rec.organization], rec.round)]
                dep = None if pd.isna(rec.department) else dep_ids[(org_ids[rec.organization], rec.department)]
                person_rows.append({
                    "round_id": rid, "respondent_key": str(rec.respondent_id),
                    "submission_id": "import-" + uuid.uuid5(uuid.NAMESPACE_URL, f"{rid}/{rec.respondent_id}").hex,
                    "role": rec.role, "department_id": dep, "language": "en", "submitted_at": now,
                })
            for chunk in _chunks(person_rows, 1000):
                conn.execute(respondents.insert(), chunk)
            ids = {}
            for chunk in _chunks(sorted({r["round_id"] for r in person_rows}), 500):
                ids.update({(r.round_id, r.respondent_key): r.id for r in conn.execute(
                    sa.select(respondents.c.id, respondents.c.round_id, respondents.c.respondent_key)
                    .where(respondents.c.round_id.in_(chunk)))})
            answer_rows = [
                {"respondent_id": ids[(round_ids[(org_ids[o], r)], str(k))], "item_id": item,
                 "leverage_point": point, "value": None if pd.isna(v) else int(v), "answered_at": now}
                for o, r, k, item, point, v in frame[["organization", "round", "respondent_id", "item_id",
                                                      "leverage_point", "value"]].itertuples(index=False)
            ]
            for chunk in _chunks(answer_rows, 5000):
                conn.execute(answers.insert(), chunk)
            if plans is not None and not plans.empty:
                self._insert_plans(conn, plans, lambda o, r, k: ids[(round_ids[(org_ids[o], r)], str(k))])
            self._bump(conn)
        report.respondents = len(person_rows)
        report.answers = len(answer_rows)
        return report

    @staticmethod
    def _insert_plans(conn: Connection, plans: pd.DataFrame, respondent_of) -> None:
        """Plans travel as rows of (organization, round, respondent_id, kind, leverage_point, position, text)."""
        measure_rows, action_rows = [], []
        for rec in plans.itertuples(index=False):
            rid = respondent_of(rec.organization, rec.round, rec.respondent_id)
            if rec.kind == "measure":
                measure_rows.append({"respondent_id": rid, "position": int(rec.position), "measure": rec.text})
            else:
                action_rows.append({"respondent_id": rid, "leverage_point": rec.leverage_point, "action": rec.text})
        if measure_rows:
            conn.execute(focus_measures.insert(), measure_rows)
        if action_rows:
            conn.execute(planned_actions.insert(), action_rows)

    # --- helpers -------------------------------------------------------------------------------------
    def _frame(self, query: sa.Select, columns: list[str]) -> pd.DataFrame:
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def _chunks(seq: list, size: int) -> Iterable[list]:
    for start in range(0, len(seq), size):
        yield seq[start:start + size]
