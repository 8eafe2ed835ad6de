"""Live workshops: every piece of state in the database, so any app server can serve any request.

A workshop asks a chosen set of leverage points and items of one organization. Each point moves
through pending → open → closed (may reopen) → locked (final for this vote); a reset deletes its answers
of the current vote and makes it pending again. Results stay hidden until revealed unless the facilitator
chose otherwise. A second vote (re-vote after discussion) locks the first and asks the same points
again; the shift per point and role compares the two. Ending the workshop saves, per participant and
item, the answer of the latest vote that has one into the organization's history as a round (through
`Store.import_responses`, all or nothing).

Rules that keep a room honest:
- answers are accepted only for a point that is open in the current vote, from a token of this workshop;
  a resend replaces the participant's earlier answer (upsert), so a reload is never counted twice;
- the anonymity threshold applies to every result the room sees;
- participant answers do not bump the store's global revision (that would invalidate every cached reader
  of the app at every tap): live views read through a short time-based cache instead.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from leverage.core.settings import MIN_N_RANGE
from leverage.survey.instrument import Instrument, default_instrument
from leverage.survey.scoring import change_between, level_distribution, point_scores
from leverage.survey.store import (
    NAME_MAX,
    ImportReport,
    Store,
    StoreError,
    departments,
    metadata,
    organizations,
    rounds,
)
from leverage.workshops import joincode

PENDING, OPEN, CLOSED, LOCKED = "pending", "open", "closed", "locked"
RUNNING, ENDED = "running", "ended"
MAX_VOTES = 2
DEFAULT_HOURS = 12
MAX_HOURS = 72
UNSPECIFIED_ROLE = "other"  # saved for participants who chose no role (must be a configured role)

workshops = sa.Table(
    "workshops", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(16), nullable=False, unique=True),
    sa.Column("title", sa.String(NAME_MAX), nullable=False),
    sa.Column("organization_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("round_id", sa.ForeignKey("rounds.id", ondelete="SET NULL"), nullable=True),
    sa.Column("round_name", sa.String(NAME_MAX), nullable=False),
    sa.Column("instrument_id", sa.String(64), nullable=False),
    sa.Column("instrument_version", sa.String(32), nullable=False),
    sa.Column("item_ids", sa.Text, nullable=False),  # comma-separated item ids, in instrument order
    sa.Column("min_n", sa.SmallInteger, nullable=False),
    sa.Column("hide_results", sa.Boolean, nullable=False),
    sa.Column("vote", sa.SmallInteger, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("saved_round_id", sa.Integer, nullable=True),
)
workshop_points = sa.Table(
    "workshop_points", metadata,
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("vote", sa.SmallInteger, primary_key=True),
    sa.Column("leverage_point", sa.String(8), primary_key=True),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("revealed", sa.Boolean, nullable=False),
)
workshop_participants = sa.Table(
    "workshop_participants", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(32), nullable=True),
    sa.Column("department_id", sa.ForeignKey("departments.id", ondelete="SET NULL"), nullable=True),
    sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
)
workshop_answers = sa.Table(
    "workshop_answers", metadata,
    sa.Column("participant_id", sa.ForeignKey("workshop_participants.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("vote", sa.SmallInteger, primary_key=True),
    sa.Column("item_id", sa.String(32), primary_key=True),
    sa.Column("workshop_id", sa.Integer, nullable=False),
    sa.Column("leverage_point", sa.String(8), nullable=False),
    sa.Column("value", sa.SmallInteger, nullable=True),  # NULL = don't know
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_workshop_answers_point", "workshop_id", "vote", "leverage_point"),
)
TABLES = (workshops, workshop_points, workshop_participants, workshop_answers, joincode.attempts)
EXPORT_COLUMNS = ["workshop", "vote", "organization", "department", "role", "round", "respondent_id", "item_id",
                  "leverage_point", "value"]  # no answer times: with role and department they could identify people


class WorkshopError(StoreError):
    """A workshop action was refused and nothing changed; the message says why in the user's terms."""


@dataclass(frozen=True)
class Participant:
    id: int
    workshop_id: int
    token: str
    role: str | None
    department_id: int | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite returns naive UTC datetimes
        return value.replace(tzinfo=dt.UTC)
    return value


def respondent_key(workshop_id: int, participant_id: int) -> str:
    """The pseudonymous respondent id a participant gets in exports and in the saved round."""
    return f"ws{workshop_id}-p{participant_id}"


class Workshops:
    """Create and run workshops on a Store (SQLite or PostgreSQL)."""

    def __init__(self, store: Store, instrument: Instrument | None = None) -> None:
        self.store = store
        self.instrument = instrument or default_instrument()
        store.ensure_tables(*TABLES)
        self.throttle = joincode.Throttle(store)

    # --- creating ----------------------------------------------------------------------------------
    def create(self, organization_id: int, title: str, points: Sequence[str], items: Iterable[str] | None = None,
               round_id: int | None = None, round_name: str | None = None, min_n: int = 5,
               hide_results: bool = True, hours: float = DEFAULT_HOURS, now: dt.datetime | None = None) -> dict:
        """A new running workshop with a fresh join code; `items` defaults to every item of `points`."""
        now = now or _now()
        title = (title or "").strip()
        if not title:
            raise WorkshopError("Give the workshop a title.")
        if len(title) > NAME_MAX:
            raise WorkshopError(f"The title is longer than {NAME_MAX} characters.")
        inst = self.instrument
        known = [p.id for p in inst.points]
        points = list(dict.fromkeys(points))
        if not points:
            raise WorkshopError("Choose at least one leverage point to ask.")
        unknown = [p for p in points if p not in known]
        if unknown:
            raise WorkshopError(f"{', '.join(unknown)} is not a leverage point of the instrument.")
        item_point = inst.item_point()
        chosen = set(items) if items is not None else {i.id for i in inst.items if i.point in points}
        bad = sorted(i for i in chosen if item_point.get(i) not in points)
        if bad:
            raise WorkshopError(f"{', '.join(bad)} is not an item of the chosen leverage points.")
        empty = [p for p in points if not any(item_point[i] == p for i in chosen)]
        if empty:
            raise WorkshopError(f"Choose at least one statement of {', '.join(empty)}, or leave the point out.")
        ordered = [i.id for i in inst.items if i.id in chosen]
        low, high = MIN_N_RANGE
        if not low <= int(min_n) <= high:
            raise WorkshopError(f"The anonymity threshold must be between {low} and {high}.")
        if not 0 < hours <= MAX_HOURS:
            raise WorkshopError(f"The join code must expire within 0–{MAX_HOURS} hours.")
        with self.store.engine.connect() as conn:
            if conn.execute(sa.select(organizations.c.id).where(organizations.c.id == organization_id)).first() is None:
                raise WorkshopError(f"There is no organization with id {organization_id}.")
            if round_id is not None:
                rnd = conn.execute(sa.select(rounds).where(rounds.c.id == round_id)).mappings().first()
                if rnd is None or rnd["organization_id"] != organization_id:
                    raise WorkshopError("That round does not belong to this organization.")
                if (rnd["instrument_id"], rnd["instrument_version"]) != inst.key:
                    raise WorkshopError(f"The round {rnd['name']!r} uses another instrument; choose a new round.")
                if rnd["closes_on"] is not None and rnd["closes_on"] < now.date():
                    raise WorkshopError(f"The round {rnd['name']!r} closed on {rnd['closes_on']}; choose a new round.")
                round_name = rnd["name"]
            else:
                round_name = (round_name or "").strip()
                if not round_name:
                    raise WorkshopError("Name the new round the answers will be saved into.")
                if len(round_name) > NAME_MAX:
                    raise WorkshopError(f"The round name is longer than {NAME_MAX} characters.")
                taken = conn.execute(sa.select(rounds.c.id).where(rounds.c.organization_id == organization_id,
                                                                  rounds.c.name == round_name)).first()
                if taken:
                    raise WorkshopError(f"This organization already has a round called {round_name!r}; "
                                        "choose it as an existing round or pick another name.")
        row = dict(title=title, organization_id=organization_id, round_id=round_id, round_name=round_name,
                   instrument_id=inst.id, instrument_version=inst.version, item_ids=",".join(ordered),
                   min_n=int(min_n), hide_results=bool(hide_results), vote=1, status=RUNNING, created_at=now,
                   expires_at=now + dt.timedelta(hours=hours))
        for _ in range(8):  # a code collision is ~1 in 10^8 per live workshop; retry with a new code
            code = joincode.new_code()
            try:
                with self.store.write() as conn:
                    wid = conn.execute(workshops.insert().values(code=code, **row)).inserted_primary_key[0]
                    conn.execute(workshop_points.insert(), [
                        {"workshop_id": wid, "vote": 1, "leverage_point": p, "state": PENDING, "revealed": False}
                        for p in sorted(points, key=known.index)])
                    self.store.bump(conn)
                return self.get(int(wid))
            except sa.exc.IntegrityError:
                continue
        raise WorkshopError("Could not draw a free join code; try again.")  # pragma: no cover

    def renew_code(self, workshop_id: int, hours: float = DEFAULT_HOURS, now: dt.datetime | None = None) -> str:
        """A fresh code and expiry (the old code stops working; joined participants keep their links)."""
        now = now or _now()
        self._running(workshop_id)
        for _ in range(8):
            code = joincode.new_code()
            try:
                with self.store.write() as conn:
                    conn.execute(workshops.update().where(workshops.c.id == workshop_id)
                                 .values(code=code, expires_at=now + dt.timedelta(hours=hours)))
                return code
            except sa.exc.IntegrityError:
                continue
        raise WorkshopError("Could not draw a free join code; try again.")  # pragma: no cover

    # --- reading the workshop -----------------------------------------------------------------------
    def get(self, workshop_id: int) -> dict:
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(workshops).where(workshops.c.id == workshop_id)).mappings().first()
        if row is None:
            raise WorkshopError(f"There is no workshop with id {workshop_id}.")
        return self._shape(row)

    @staticmethod
    def _shape(row: Mapping) -> dict:
        out = dict(row)
        out["items"] = out.pop("item_ids").split(",")
        out["expires_at"] = _aware(out["expires_at"])
        out["created_at"] = _aware(out["created_at"])
        out["ended_at"] = _aware(out["ended_at"])
        return out

    def list_workshops(self, organization_id: int) -> pd.DataFrame:
        q = (sa.select(workshops.c.id, workshops.c.title, workshops.c.code, workshops.c.status, workshops.c.vote,
                       workshops.c.round_name, workshops.c.created_at)
             .where(workshops.c.organization_id == organization_id).order_by(workshops.c.id.desc()))
        with self.store.engine.connect() as conn:
            rows = conn.execute(q).all()
        return pd.DataFrame([tuple(r) for r in rows],
                            columns=["id", "title", "code", "status", "vote", "round_name", "created_at"])

    def points(self, workshop_id: int, vote: int | None = None) -> pd.DataFrame:
        """State of each asked point in `vote` (default: the current vote)."""
        vote = vote or self.get(workshop_id)["vote"]
        q = (sa.select(workshop_points.c.leverage_point, workshop_points.c.state, workshop_points.c.revealed)
             .where(workshop_points.c.workshop_id == workshop_id, workshop_points.c.vote == vote))
        with self.store.engine.connect() as conn:
            rows = conn.execute(q).all()
        order = [p.id for p in self.instrument.points]
        frame = pd.DataFrame([tuple(r) for r in rows], columns=["leverage_point", "state", "revealed"])
        return frame.sort_values("leverage_point", key=lambda s: s.map(order.index)).reset_index(drop=True)

    def snapshot(self, workshop_id: int) -> dict:
        """Everything a live view shows, in three queries: the workshop, its points, and counts per point."""
        ws = self.get(workshop_id)
        vote = ws["vote"]
        with self.store.engine.connect() as conn:
            ws["participants"] = int(conn.execute(
                sa.select(sa.func.count()).select_from(workshop_participants)
                .where(workshop_participants.c.workshop_id == workshop_id)).scalar_one())
            answered = dict(conn.execute(
                sa.select(workshop_answers.c.leverage_point,
                          sa.func.count(sa.distinct(workshop_answers.c.participant_id)))
                .where(workshop_answers.c.workshop_id == workshop_id, workshop_answers.c.vote == vote)
                .group_by(workshop_answers.c.leverage_point)).all())
            ws["answers"] = int(conn.execute(
                sa.select(sa.func.count()).select_from(workshop_answers)
                .where(workshop_answers.c.workshop_id == workshop_id, workshop_answers.c.vote == vote)).scalar_one())
        pts = self.points(workshop_id, vote)
        pts["answered"] = pts["leverage_point"].map(answered).fillna(0).astype(int)
        ws["points"] = pts
        return ws

    # --- facilitator actions on points --------------------------------------------------------------
    def _running(self, workshop_id: int) -> dict:
        ws = self.get(workshop_id)
        if ws["status"] != RUNNING:
            raise WorkshopError("The workshop has ended; nothing can change any more.")
        return ws

    def _set_point(self, workshop_id: int, point: str, allowed_from: set[str], values: dict, verb: str) -> None:
        ws = self._running(workshop_id)
        with self.store.write() as conn:
            row = conn.execute(sa.select(workshop_points.c.state).where(
                workshop_points.c.workshop_id == workshop_id, workshop_points.c.vote == ws["vote"],
                workshop_points.c.leverage_point == point).with_for_update()).first()
            if row is None:
                raise WorkshopError(f"{point} is not asked in this workshop.")
            if row.state not in allowed_from:
                raise WorkshopError(f"{point} is {row.state}; it cannot be {verb}.")
            conn.execute(workshop_points.update().where(
                workshop_points.c.workshop_id == workshop_id, workshop_points.c.vote == ws["vote"],
                workshop_points.c.leverage_point == point).values(**values))

    def open_point(self, workshop_id: int, point: str) -> None:
        self._set_point(workshop_id, point, {PENDING, CLOSED}, {"state": OPEN}, "opened (reset it to ask again)")

    def close_point(self, workshop_id: int, point: str) -> None:
        self._set_point(workshop_id, point, {OPEN}, {"state": CLOSED}, "closed")

    def lock_point(self, workshop_id: int, point: str) -> None:
        self._set_point(workshop_id, point, {OPEN, CLOSED}, {"state": LOCKED}, "locked")

    def reveal_point(self, workshop_id: int, point: str, revealed: bool = True) -> None:
        self._set_point(workshop_id, point, {OPEN, CLOSED, LOCKED}, {"revealed": revealed},
                        "revealed before it has been asked")

    def reset_point(self, workshop_id: int, point: str) -> int:
        """Delete the point's answers of the current vote and make it pending; returns answers deleted."""
        ws = self._running(workshop_id)
        with self.store.write() as conn:
            found = conn.execute(workshop_points.update().where(
                workshop_points.c.workshop_id == workshop_id, workshop_points.c.vote == ws["vote"],
                workshop_points.c.leverage_point == point).values(state=PENDING, revealed=False)).rowcount
            if not found:
                raise WorkshopError(f"{point} is not asked in this workshop.")
            return conn.execute(workshop_answers.delete().where(
                workshop_answers.c.workshop_id == workshop_id, workshop_answers.c.vote == ws["vote"],
                workshop_answers.c.leverage_point == point)).rowcount

    def start_revote(self, workshop_id: int) -> int:
        """Lock every point of the current vote and ask them all again; returns the new vote number."""
        ws = self._running(workshop_id)
        if ws["vote"] >= MAX_VOTES:
            raise WorkshopError(f"This workshop already has {MAX_VOTES} votes; end it to save the answers.")
        new = ws["vote"] + 1
        with self.store.write() as conn:
            changed = conn.execute(workshops.update().where(workshops.c.id == workshop_id,
                                                            workshops.c.vote == ws["vote"]).values(vote=new)).rowcount
            if not changed:
                raise WorkshopError("The re-vote was started by someone else a moment ago.")
            conn.execute(workshop_points.update().where(workshop_points.c.workshop_id == workshop_id,
                                                        workshop_points.c.vote == ws["vote"]).values(state=LOCKED))
            pts = conn.execute(sa.select(workshop_points.c.leverage_point).where(
                workshop_points.c.workshop_id == workshop_id, workshop_points.c.vote == ws["vote"])).scalars().all()
            conn.execute(workshop_points.insert(), [
                {"workshop_id": workshop_id, "vote": new, "leverage_point": p, "state": PENDING, "revealed": False}
                for p in pts])
        return new

    # --- participants ------------------------------------------------------------------------------
    def find(self, code: str, client_key: str, now: dt.datetime | None = None) -> dict:
        """The running workshop behind a typed code, or WorkshopError; misses slow the client down."""
        now = now or _now()
        wait = self.throttle.wait_seconds(client_key, now)
        if wait > 0:
            raise WorkshopError(f"Too many wrong codes. Wait {int(np.ceil(wait))} s, then try again.")
        code = joincode.normalise_code(code)
        row = None
        if joincode.looks_like_code(code):
            with self.store.engine.connect() as conn:
                row = conn.execute(sa.select(workshops).where(workshops.c.code == code)).mappings().first()
        if row is None:
            delay = self.throttle.failed(client_key, now)
            extra = f" Wait {int(np.ceil(delay))} s before the next try." if delay else ""
            if joincode.looks_like_code(code):
                raise WorkshopError(f"No workshop has the code {code}. Check the code on the screen and type it "
                                    f"again.{extra}")
            raise WorkshopError(f"That is not a workshop code: codes are {joincode.CODE_LENGTH} letters and digits, "
                                f"as shown on the screen.{extra}")
        ws = self._shape(row)
        if ws["status"] != RUNNING:
            raise WorkshopError("This workshop has ended. Thank you for taking part.")
        if ws["expires_at"] <= now:
            raise WorkshopError(f"The code {code} has expired. Ask the facilitator for a new one.")
        self.throttle.succeeded(client_key)
        return ws

    def join(self, code: str, client_key: str, role: str | None = None, department_id: int | None = None,
             roles: Iterable[str] = (), now: dt.datetime | None = None) -> Participant:
        ws = self.find(code, client_key, now)
        if role is not None and role not in set(roles):
            raise WorkshopError(f"{role!r} is not a configured role.")
        with self.store.write() as conn:
            if department_id is not None:
                owner = conn.execute(sa.select(departments.c.organization_id)
                                     .where(departments.c.id == department_id)).scalar()
                if owner != ws["organization_id"]:
                    raise WorkshopError("That department does not belong to this workshop's organization.")
            token = joincode.new_token()
            pid = conn.execute(workshop_participants.insert().values(
                workshop_id=ws["id"], token=token, role=role, department_id=department_id,
                joined_at=now or _now())).inserted_primary_key[0]
        return Participant(int(pid), ws["id"], token, role, department_id)

    def participant(self, code: str, token: str | None) -> Participant:
        """The participant a link names; refused when the token is unknown or the link names another workshop."""
        refused = WorkshopError("This participant link is not valid for this workshop. Open the join link again "
                                "to join as a new participant.")
        if not token or len(token) > 64:
            raise refused
        code = joincode.normalise_code(code)
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(workshop_participants, workshops.c.code)
                .join(workshops, workshops.c.id == workshop_participants.c.workshop_id)
                .where(workshop_participants.c.token == token)).mappings().first()
        if row is None:
            raise refused
        if not hmac.compare_digest(row["code"], code):
            # The token decides the workshop. A link whose code is now another workshop's is refused; a code
            # this workshop had before `renew_code` is fine (joined people keep their links).
            with self.store.engine.connect() as conn:
                if conn.execute(sa.select(workshops.c.id).where(workshops.c.code == code)).first() is not None:
                    raise refused
        return Participant(int(row["id"]), int(row["workshop_id"]), row["token"], row["role"], row["department_id"])

    def answers_of(self, participant: Participant, vote: int) -> dict[str, int | None]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(workshop_answers.c.item_id, workshop_answers.c.value).where(
                workshop_answers.c.participant_id == participant.id, workshop_answers.c.vote == vote)).all()
        return {r.item_id: r.value for r in rows}

    def submit(self, participant: Participant, point: str, given: Mapping[str, int | None],
               now: dt.datetime | None = None) -> int:
        """Record (or replace) a participant's answers to one open point; returns the answers stored.

        The point's row is read with a share lock, so a facilitator's close or lock waits for this write
        and a write after the lock sees it: no answer lands on a locked point.
        """
        now = now or _now()
        inst = self.instrument
        with self.store.write() as conn:
            ws = conn.execute(sa.select(workshops.c.status, workshops.c.vote, workshops.c.item_ids)
                              .where(workshops.c.id == participant.workshop_id)).first()
            if ws is None or ws.status != RUNNING:
                raise WorkshopError("This workshop has ended; answers can no longer change.")
            state = conn.execute(sa.select(workshop_points.c.state).where(
                workshop_points.c.workshop_id == participant.workshop_id, workshop_points.c.vote == ws.vote,
                workshop_points.c.leverage_point == point).with_for_update(read=True)).scalar()
            if state is None:
                raise WorkshopError(f"{point} is not asked in this workshop.")
            if state != OPEN:
                what = {PENDING: "is not open yet", CLOSED: "is closed", LOCKED: "is locked"}[state]
                raise WorkshopError(f"{point} {what}: your answers were not changed.")
            item_point = inst.item_point()
            asked = [i for i in ws.item_ids.split(",") if item_point.get(i) == point]
            extra = sorted(set(given) - set(asked))
            if extra:
                raise WorkshopError(f"{', '.join(extra)} is not a statement of {point} in this workshop.")
            missing = [i for i in asked if i not in given]
            if missing:
                raise WorkshopError(f"Answer every statement of {point} (or choose don't know): "
                                    f"{', '.join(missing)} is still open.")
            for item, value in given.items():
                if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                          or not inst.scale_min <= value <= inst.scale_max):
                    raise WorkshopError(f"The answer to {item} must be {inst.scale_min}–{inst.scale_max} or "
                                        f"don't know, not {value!r}.")
            rows = [{"participant_id": participant.id, "vote": ws.vote, "item_id": i,
                     "workshop_id": participant.workshop_id, "leverage_point": point, "value": given[i],
                     "answered_at": now} for i in asked]
            dialect = postgresql if self.store.backend == "postgresql" else sqlite
            stmt = dialect.insert(workshop_answers)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["participant_id", "vote", "item_id"],
                set_={"value": stmt.excluded.value, "answered_at": stmt.excluded.answered_at}), rows)
        return len(rows)

    # --- results -----------------------------------------------------------------------------------
    def answers(self, workshop_id: int, votes: Iterable[int] | None = None) -> pd.DataFrame:
        """Long format (the export): one row per participant × vote × item."""
        ws = self.get(workshop_id)
        q = (sa.select(workshop_answers.c.vote, departments.c.name.label("department"), workshop_participants.c.role,
                       workshop_answers.c.participant_id, workshop_answers.c.item_id,
                       workshop_answers.c.leverage_point, workshop_answers.c.value)
             .select_from(workshop_answers
                          .join(workshop_participants, workshop_participants.c.id == workshop_answers.c.participant_id)
                          .outerjoin(departments, departments.c.id == workshop_participants.c.department_id))
             .where(workshop_answers.c.workshop_id == workshop_id)
             .order_by(workshop_answers.c.vote, workshop_answers.c.participant_id, workshop_answers.c.item_id))
        if votes is not None:
            q = q.where(workshop_answers.c.vote.in_(list(votes)))
        with self.store.engine.connect() as conn:
            rows = conn.execute(q).all()
            org = conn.execute(sa.select(organizations.c.name)
                               .where(organizations.c.id == ws["organization_id"])).scalar_one()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=["vote", "department", "role", "participant_id",
                                                                "item_id", "leverage_point", "value"])
        frame["workshop"] = ws["code"]
        frame["organization"] = org
        frame["round"] = ws["round_name"]
        frame["respondent_id"] = [respondent_key(workshop_id, int(p)) for p in frame["participant_id"]]
        frame["value"] = frame["value"].astype("Int64")
        frame["vote"] = frame["vote"].astype(int)
        return frame[EXPORT_COLUMNS]

    def results(self, workshop_id: int, vote: int | None = None, points: Iterable[str] | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(scores per point, level shares per point) of one vote, the workshop's threshold applied."""
        ws = self.get(workshop_id)
        vote = vote or ws["vote"]
        frame = self.answers(workshop_id, [vote])
        if points is not None:
            frame = frame[frame["leverage_point"].isin(list(points))]
        frame = frame.drop(columns=["workshop", "vote"])
        levels = tuple(self.instrument.level_values)
        return (point_scores(frame, (), ws["min_n"], include_overall=False),
                level_distribution(frame, (), ws["min_n"], levels))

    def shift(self, workshop_id: int, by: Sequence[str] = ()) -> pd.DataFrame:
        """Change of the mean per point (and per `by`, e.g. role) from vote 1 to vote 2, threshold applied.

        A group below the threshold in either vote shows no mean and no change.
        """
        ws = self.get(workshop_id)
        frame = self.answers(workshop_id, [1, 2]).drop(columns=["workshop"])
        frame["role"] = frame["role"].fillna(UNSPECIFIED_ROLE)
        first = point_scores(frame[frame["vote"] == 1].drop(columns="vote"), by, ws["min_n"], include_overall=False)
        second = point_scores(frame[frame["vote"] == 2].drop(columns="vote"), by, ws["min_n"], include_overall=False)
        if second.empty:
            return pd.DataFrame(columns=[*by, "leverage_point", "n_respondents", "mean", "n_respondents_previous",
                                         "mean_previous", "change"])
        return change_between(first, second, by)

    # --- the end: into the organization's history -----------------------------------------------------
    def end(self, workshop_id: int, roles: Iterable[str], now: dt.datetime | None = None) -> ImportReport:
        """Save the answers as a round of the organization (latest vote per item), then close the workshop.

        All or nothing: the import and the status change are separate transactions, so the status is set
        only after the import succeeded, and a second `end` is refused by the status guard.
        """
        now = now or _now()
        ws = self._running(workshop_id)
        roles = set(roles)
        frame = self.answers(workshop_id)
        frame = (frame.sort_values("vote").drop_duplicates(["respondent_id", "item_id"], keep="last")
                 .drop(columns=["workshop", "vote"]))
        if frame["role"].isna().any():
            if UNSPECIFIED_ROLE not in roles:
                raise WorkshopError(f"Some participants chose no role and the role {UNSPECIFIED_ROLE!r} is not "
                                    "configured; nothing was saved.")
            frame["role"] = frame["role"].fillna(UNSPECIFIED_ROLE)
        unknown = sorted(set(frame["role"]) - roles)
        if unknown:
            raise WorkshopError(f"Role(s) {', '.join(unknown)} are no longer configured; nothing was saved.")
        report = ImportReport()
        if not frame.empty:
            frame["department"] = frame["department"].astype(object).where(frame["department"].notna(), None)
            org = frame["organization"].iloc[0]
            dates = {(org, ws["round_name"]): (now.date(), None, self.instrument.id, self.instrument.version)}
            report = self.store.import_responses(frame.reset_index(drop=True), round_dates=dates)
        with self.store.write() as conn:
            saved = conn.execute(sa.select(rounds.c.id).where(rounds.c.organization_id == ws["organization_id"],
                                                              rounds.c.name == ws["round_name"])).scalar()
            changed = conn.execute(workshops.update().where(workshops.c.id == workshop_id,
                                                            workshops.c.status == RUNNING)
                                   .values(status=ENDED, ended_at=now, saved_round_id=saved)).rowcount
            if not changed:  # pragma: no cover - two facilitators ended it at the same moment
                raise WorkshopError("The workshop was ended by someone else a moment ago.")
            self.store.bump(conn)
        return report
