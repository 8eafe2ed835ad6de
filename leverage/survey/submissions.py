"""Submissions of the self-assessment, the plan each respondent leaves with, and the answers read back
in the long format every score, comparison and export starts from."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from leverage.core.database import Database, StoreError, now_utc
from leverage.core.i18n import _
from leverage.core.schema import (
    LONG_TEXT_MAX,
    NAME_MAX,
    answers,
    departments,
    focus_measures,
    organizations,
    planned_actions,
    respondents,
    rounds,
)
from leverage.survey.instrument import Instrument, available_instruments

MAX_FOCUS_MEASURES = 2


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



class SubmissionRepository(Database):
    """One respondent's submission, plan and answers."""

    # --- submissions -------------------------------------------------------------------------------
    def submit_response(self, submission: Submission, roles: Iterable[str], today: dt.date | None = None,
                        on_insert: Callable[[Connection, int], None] | None = None) -> SubmitResult:
        """Store one self-assessment in one transaction. Resending the same submission id is a no-op.

        `on_insert(conn, respondent_id)` runs inside the transaction after the rows are written (an
        invitation marks itself used there); if it raises, nothing is stored.
        """
        existing = self._find_submission(submission.submission_id)
        if existing is not None:
            return existing
        try:
            return self._insert_submission(submission, set(roles), today or dt.date.today(), on_insert)
        except sa.exc.IntegrityError:
            # The same submission arrived twice at once and the other copy won: answer as for a resend.
            found = self._find_submission(submission.submission_id)
            if found is None:
                raise StoreError(_("This respondent id is already used in the round.")) from None
            return found

    @staticmethod
    def _open_round(conn: Connection, round_id: int, today: dt.date) -> dict:
        rnd = conn.execute(sa.select(rounds).where(rounds.c.id == round_id)).mappings().first()
        if rnd is None:
            raise StoreError(_("There is no assessment round with id {round_id}.").format(round_id=round_id))
        if rnd["closes_on"] is not None and rnd["closes_on"] < today:
            raise StoreError(_("The round {name!r} closed on {closes_on}; it takes no more answers.").format(
                                 name=rnd['name'], closes_on=rnd['closes_on']))
        if rnd["opens_on"] > today:
            raise StoreError(_("The round {name!r} opens on {opens_on}.").format(
                                 name=rnd['name'], opens_on=rnd['opens_on']))
        return dict(rnd)

    def _insert_submission(self, submission: Submission, roles: set[str], today: dt.date,
                           on_insert: Callable[[Connection, int], None] | None = None) -> SubmitResult:
        with self.write() as conn:
            rnd = self._open_round(conn, submission.round_id, today)
            if submission.role not in roles:
                raise StoreError(_("{role!r} is not a configured role.").format(role=submission.role))
            if submission.department_id is not None:
                dep = conn.execute(sa.select(departments.c.organization_id)
                                   .where(departments.c.id == submission.department_id)).scalar()
                if dep != rnd["organization_id"]:
                    raise StoreError(_("The department does not belong to this round's organization."))
            instrument = self._instrument(rnd["instrument_id"], rnd["instrument_version"])
            rows = self._answer_rows(submission.answers, instrument)
            key = submission.respondent_key or "r-" + uuid.uuid5(uuid.NAMESPACE_URL, submission.submission_id).hex[:12]
            now = now_utc()
            rid = conn.execute(respondents.insert().values(
                round_id=submission.round_id, respondent_key=key, submission_id=submission.submission_id,
                role=submission.role, department_id=submission.department_id,
                language=submission.language, submitted_at=now,
            )).inserted_primary_key[0]
            conn.execute(answers.insert(), [dict(r, respondent_id=rid, answered_at=now) for r in rows])
            if on_insert is not None:
                on_insert(conn, int(rid))
            self.bump(conn)
            return SubmitResult(int(rid), key, True)

    def replace_answers(self, respondent_id: int, given: Mapping[str, int | None], today: dt.date | None = None,
                        check: Callable[[Connection], None] | None = None) -> int:
        """Replace a respondent's answers while their round is open (an invited respondent editing their
        submission); `check(conn)` runs first inside the transaction. Returns the answers stored."""
        with self.write() as conn:
            if check is not None:
                check(conn)
            round_id = conn.execute(sa.select(respondents.c.round_id)
                                    .where(respondents.c.id == respondent_id)).scalar()
            if round_id is None:
                raise StoreError(_("That response does not exist."))
            rnd = self._open_round(conn, int(round_id), today or dt.date.today())
            rows = self._answer_rows(given, self._instrument(rnd["instrument_id"], rnd["instrument_version"]))
            conn.execute(answers.delete().where(answers.c.respondent_id == respondent_id))
            now = now_utc()
            conn.execute(answers.insert(), [dict(r, respondent_id=respondent_id, answered_at=now) for r in rows])
            self.bump(conn)
            return len(rows)

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
            raise StoreError(_("The round uses instrument {instrument_id} {version}, which this app does not "
                               "have.").format(instrument_id=instrument_id, version=version)) \
                from None

    @staticmethod
    def _answer_rows(given: Mapping[str, int | None], instrument: Instrument) -> list[dict]:
        item_point = instrument.item_point()
        if not given:
            raise StoreError(_("The submission has no answers."))
        rows = []
        for item_id, value in given.items():
            if item_id not in item_point:
                raise StoreError(_("{item_id!r} is not an item of this round's instrument.").format(item_id=item_id))
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not instrument.scale_min <= value <= instrument.scale_max):
                raise StoreError(_("The answer to {item_id} must be {scale_min}–{scale_max} or don't know, not "
                                   "{value!r}.").format(
                                     item_id=item_id, scale_min=instrument.scale_min,
                                     scale_max=instrument.scale_max, value=value))
            rows.append({"item_id": item_id, "leverage_point": item_point[item_id], "value": value})
        return rows

    # --- plans: the paper's purpose, one or two system-level measures and actions per point ----------
    def save_plan(self, respondent_id: int, measures: list[str], actions: Mapping[str, str]) -> None:
        measures = [m.strip() for m in measures if m and m.strip()]
        if not 1 <= len(measures) <= MAX_FOCUS_MEASURES:
            raise StoreError(_("Choose one or two system-level measures to focus on."))
        if len(set(measures)) != len(measures):
            raise StoreError(_("The two focus measures are the same."))
        if any(len(m) > NAME_MAX for m in measures):
            raise StoreError(_("A focus measure is longer than {NAME_MAX} characters.").format(NAME_MAX=NAME_MAX))
        actions = {p: a.strip() for p, a in actions.items() if a and a.strip()}
        if any(len(a) > LONG_TEXT_MAX for a in actions.values()):
            raise StoreError(_("A planned action is longer than {LONG_TEXT_MAX} characters.").format(
                                 LONG_TEXT_MAX=LONG_TEXT_MAX))
        with self.write() as conn:
            if conn.execute(sa.select(respondents.c.id).where(respondents.c.id == respondent_id)).first() is None:
                raise StoreError(_("That response does not exist."))
            conn.execute(focus_measures.delete().where(focus_measures.c.respondent_id == respondent_id))
            conn.execute(planned_actions.delete().where(planned_actions.c.respondent_id == respondent_id))
            conn.execute(focus_measures.insert(), [
                {"respondent_id": respondent_id, "position": i, "measure": m} for i, m in enumerate(measures, 1)])
            if actions:
                conn.execute(planned_actions.insert(), [
                    {"respondent_id": respondent_id, "leverage_point": p, "action": a} for p, a in actions.items()])
            self.bump(conn)

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
        return self.frame(q, ["measure", "respondents"])

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
        frame = self.frame(q, ["organization", "department", "role", "round", "respondent_id", "item_id",
                                "leverage_point", "value"])
        frame["value"] = frame["value"].astype("Int64")
        return frame

    def respondent_key(self, respondent_id: int) -> str:
        with self.engine.connect() as conn:
            key = conn.execute(sa.select(respondents.c.respondent_key)
                               .where(respondents.c.id == respondent_id)).scalar()
        if key is None:
            raise StoreError(_("That response does not exist."))
        return str(key)

    def respondent_answers(self, respondent_id: int) -> dict[str, int | None]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(answers.c.item_id, answers.c.value)
                                .where(answers.c.respondent_id == respondent_id)).all()
        return {r.item_id: r.value for r in rows}

