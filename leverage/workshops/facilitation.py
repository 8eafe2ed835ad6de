"""The facilitator's side of a workshop: create it, move its points through their states, start the
second vote, and end it into the organization's history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from leverage.core.database import now_utc
from leverage.core.schema import (
    NAME_MAX,
    organizations,
    rounds,
    workshop_answers,
    workshop_points,
    workshops,
)
from leverage.core.settings import MIN_N_RANGE
from leverage.survey.instrument import Instrument
from leverage.survey.response_import import ImportReport
from leverage.survey.store import Store
from leverage.workshops import joincode
from leverage.workshops.states import (
    CLOSED,
    DEFAULT_HOURS,
    ENDED,
    LOCKED,
    MAX_HOURS,
    MAX_VOTES,
    OPEN,
    PENDING,
    RUNNING,
    UNSPECIFIED_ROLE,
    WorkshopError,
)


class Facilitation:
    """Facilitator actions; mixed into `Workshops`, which provides `get`, `answers` and the store."""

    store: Store
    instrument: Instrument
    throttle: joincode.Throttle

    # --- creating ----------------------------------------------------------------------------------
    def create(self, organization_id: int, title: str, points: Sequence[str], items: Iterable[str] | None = None,
               round_id: int | None = None, round_name: str | None = None, min_n: int = 5,
               hide_results: bool = True, hours: float = DEFAULT_HOURS, now: dt.datetime | None = None) -> dict:
        """A new running workshop with a fresh join code; `items` defaults to every item of `points`."""
        now = now or now_utc()
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
        now = now or now_utc()
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

    # --- the end: into the organization's history -----------------------------------------------------
    def end(self, workshop_id: int, roles: Iterable[str], now: dt.datetime | None = None) -> ImportReport:
        """Save the answers as a round of the organization (latest vote per item), then close the workshop.

        All or nothing: the import and the status change are separate transactions, so the status is set
        only after the import succeeded, and a second `end` is refused by the status guard.
        """
        now = now or now_utc()
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

