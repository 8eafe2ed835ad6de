"""The end of a workshop: its answers saved as a round of the organization, atomically with answering."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa

from leverage.core.database import now_utc
from leverage.core.i18n import _
from leverage.core.schema import rounds, workshops
from leverage.survey.instrument import Instrument
from leverage.survey.response_import import ImportReport
from leverage.survey.store import Store
from leverage.workshops.states import ENDED, ENDING, RUNNING, UNSPECIFIED_ROLE, WorkshopError


class Ending:
    """Ending a workshop; mixed into `Workshops`, which provides `get`, `answers` and the store."""

    store: Store
    instrument: Instrument

    # --- the end: into the organization's history -----------------------------------------------------
    def end(self, workshop_id: int, roles: Iterable[str], now: dt.datetime | None = None,
            resume: bool = False) -> ImportReport:
        """Save the answers as a round of the organization (latest vote per item) and close the workshop.

        Atomic with answering: the status changes to "ending" first, in a transaction whose row lock
        waits for every answer in flight (`submit` holds a share lock on the workshop's row and refuses
        once the status is not "running"). So every answer a phone was told is recorded is in the
        import, and none arrives after it. If the import is refused, the status goes back to running and
        nothing was saved. An end interrupted half-way (the server stopped) leaves the status "ending":
        `resume=True` finishes it.
        """
        now = now or now_utc()
        roles = set(roles)
        with self.store.write() as conn:
            allowed = [RUNNING, ENDING] if resume else [RUNNING]
            changed = conn.execute(workshops.update()
                                   .where(workshops.c.id == workshop_id, workshops.c.status.in_(allowed))
                                   .values(status=ENDING, version=workshops.c.version + 1)).rowcount
            if not changed:
                self.get(workshop_id)  # no such workshop: its own message
                raise WorkshopError(_("The workshop has ended; nothing can change any more."))
        try:
            report = self._save_round(workshop_id, roles, now)
        except BaseException:
            with self.store.write() as conn:
                conn.execute(workshops.update().where(workshops.c.id == workshop_id, workshops.c.status == ENDING)
                             .values(status=RUNNING, version=workshops.c.version + 1))
            raise
        ws = self.get(workshop_id)
        with self.store.write() as conn:
            saved = conn.execute(sa.select(rounds.c.id).where(rounds.c.organization_id == ws["organization_id"],
                                                              rounds.c.name == ws["round_name"])).scalar()
            changed = conn.execute(workshops.update().where(workshops.c.id == workshop_id,
                                                            workshops.c.status == ENDING)
                                   .values(status=ENDED, ended_at=now, saved_round_id=saved,
                                           version=workshops.c.version + 1)).rowcount
            if not changed:  # pragma: no cover - two facilitators ended it at the same moment
                raise WorkshopError(_("The workshop was ended by someone else a moment ago."))
            self.store.bump(conn)
        return report

    def _save_round(self, workshop_id: int, roles: set[str], now: dt.datetime) -> ImportReport:
        ws = self.get(workshop_id)
        frame = self.answers(workshop_id)
        frame = (frame.sort_values("vote", kind="stable").drop_duplicates(["respondent_id", "item_id"], keep="last")
                 .drop(columns=["workshop", "vote"]))
        if frame["role"].isna().any():
            if UNSPECIFIED_ROLE not in roles:
                raise WorkshopError(_("Some participants chose no role and the role {UNSPECIFIED_ROLE!r} is not "
                                      "configured; nothing was saved.").format(UNSPECIFIED_ROLE=UNSPECIFIED_ROLE))
            frame["role"] = frame["role"].fillna(UNSPECIFIED_ROLE)
        unknown = sorted(set(frame["role"]) - roles)
        if unknown:
            raise WorkshopError(_("Role(s) {value} are no longer configured; nothing was saved.").format(
                                    value=', '.join(unknown)))
        report = ImportReport()
        if not frame.empty:
            frame["department"] = frame["department"].astype(object).where(frame["department"].notna(), None)
            org = frame["organization"].iloc[0]
            dates = {(org, ws["round_name"]): (now.date(), None, self.instrument.id, self.instrument.version)}
            report = self.store.import_responses(frame.reset_index(drop=True), round_dates=dates)
        return report
