"""Bulk import of validated long-format responses: one transaction, all or nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from leverage.core.database import Database, StoreError, chunks, insert_rows, now_utc
from leverage.core.i18n import _
from leverage.core.schema import (
    NAME_MAX,
    answers,
    departments,
    focus_measures,
    organizations,
    planned_actions,
    respondents,
    rounds,
)
from leverage.core.validation import clean_name
from leverage.survey.instrument import default_instrument


@dataclass
class ImportReport:
    organizations: int = 0
    rounds: int = 0
    departments: int = 0
    respondents: int = 0
    answers: int = 0



class ResponseImportRepository(Database):
    """Writes a whole validated response file (new organizations, departments and rounds included)."""

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
        now = now_utc()
        inst = default_instrument()
        with self.write() as conn:
            org_ids = {r.name: r.id for r in conn.execute(sa.select(organizations.c.id, organizations.c.name))}
            for org in sorted(frame["organization"].unique()):
                if org not in org_ids:
                    org_ids[org] = conn.execute(organizations.insert().values(
                        name=clean_name(org, "organization", NAME_MAX), created_at=now)).inserted_primary_key[0]
                    report.organizations += 1
            dep_ids = {(r.organization_id, r.name): r.id for r in conn.execute(
                sa.select(departments.c.id, departments.c.organization_id, departments.c.name))}
            pairs = set(frame[["organization", "department"]].dropna().drop_duplicates().itertuples(index=False))
            pairs |= {(o, d) for o, d in extra_departments if o in org_ids}
            for org, dep in sorted(pairs):
                key = (org_ids[org], dep)
                if key not in dep_ids:
                    dep_ids[key] = conn.execute(departments.insert().values(
                        organization_id=org_ids[org], name=clean_name(dep, "department", NAME_MAX))
                    ).inserted_primary_key[0]
                    report.departments += 1
            round_ids = {(r.organization_id, r.name): r.id for r in conn.execute(
                sa.select(rounds.c.id, rounds.c.organization_id, rounds.c.name))}
            for org, rnd in sorted(frame[["organization", "round"]].drop_duplicates().itertuples(index=False)):
                key = (org_ids[org], rnd)
                if key not in round_ids:
                    opens, closes, inst_id, inst_ver = round_dates.get((org, rnd), (dt.date.today(), None,
                                                                                  inst.id, inst.version))
                    round_ids[key] = conn.execute(rounds.insert().values(
                        organization_id=org_ids[org], name=clean_name(rnd, "round", NAME_MAX), instrument_id=inst_id,
                        instrument_version=inst_ver, opens_on=opens, closes_on=closes, created_at=now,
                    )).inserted_primary_key[0]
                    report.rounds += 1
            people = frame.drop_duplicates(["organization", "round", "respondent_id"])
            wanted = {(round_ids[(org_ids[o], r)], str(k)) for o, r, k in
                      people[["organization", "round", "respondent_id"]].itertuples(index=False)}
            taken = set()
            for chunk in chunks(sorted({rid for rid, _item in wanted}), 500):
                taken |= {(r.round_id, r.respondent_key) for r in conn.execute(
                    sa.select(respondents.c.round_id, respondents.c.respondent_key)
                    .where(respondents.c.round_id.in_(chunk)))}
            clash = sorted(k for k in wanted if k in taken)
            if clash:
                sample = ", ".join(repr(k) for _rid, k in clash[:5])
                raise StoreError(_("{clash} respondent id(s) are already stored in their round ({sample}); nothing "
                                   "was imported. Remove them or import into a new round.").format(
                                     clash=len(clash), sample=sample))
            person_rows = []
            for rec in people.itertuples(index=False):
                rid = round_ids[(org_ids[rec.organization], rec.round)]
                dep = None if pd.isna(rec.department) else dep_ids[(org_ids[rec.organization], rec.department)]
                person_rows.append({
                    "round_id": rid, "respondent_key": str(rec.respondent_id),
                    "submission_id": "import-" + uuid.uuid5(uuid.NAMESPACE_URL, f"{rid}/{rec.respondent_id}").hex,
                    "role": rec.role, "department_id": dep, "language": "en", "submitted_at": now,
                })
            insert_rows(conn, respondents, person_rows)
            ids = {}
            for chunk in chunks(sorted({r["round_id"] for r in person_rows}), 500):
                ids.update({(r.round_id, r.respondent_key): r.id for r in conn.execute(
                    sa.select(respondents.c.id, respondents.c.round_id, respondents.c.respondent_key)
                    .where(respondents.c.round_id.in_(chunk)))})
            # whole columns as Python lists, not itertuples: row by row, pyarrow-backed columns cost 5 µs a cell
            columns = [frame[c].tolist() for c in ("organization", "round", "respondent_id", "item_id",
                                                   "leverage_point", "value")]
            answer_rows = [
                {"respondent_id": ids[(round_ids[(org_ids[o], r)], str(k))], "item_id": item,
                 "leverage_point": point, "value": None if pd.isna(v) else int(v), "answered_at": now}
                for o, r, k, item, point, v in zip(*columns, strict=True)
            ]
            insert_rows(conn, answers, answer_rows)
            if plans is not None and not plans.empty:
                self._insert_plans(conn, plans, lambda o, r, k: ids[(round_ids[(org_ids[o], r)], str(k))])
            self.bump(conn)
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

