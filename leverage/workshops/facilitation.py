"""The facilitator's side of a workshop: create it, move its points through their states, start the
second vote, and end it into the organization's history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

import sqlalchemy as sa

from leverage.core.database import now_utc
from leverage.core.i18n import _
from leverage.core.schema import (
    NAME_MAX,
    organizations,
    rounds,
    workshop_answers,
    workshop_participants,
    workshop_points,
    workshop_results,
    workshops,
)
from leverage.core.settings import MIN_N_RANGE
from leverage.survey.instrument import Instrument
from leverage.survey.store import Store
from leverage.workshops import disclosure, joincode
from leverage.workshops.states import (
    CLOSED,
    DEFAULT_HOURS,
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
    min_n_floor: int
    effective_min_n: Callable[[int], int]  # from LiveResults

    # --- creating ----------------------------------------------------------------------------------
    def create(self, organization_id: int, title: str, points: Sequence[str], items: Iterable[str] | None = None,
               round_id: int | None = None, round_name: str | None = None, min_n: int = 5,
               hide_results: bool = True, hours: float = DEFAULT_HOURS, now: dt.datetime | None = None) -> dict:
        """A new running workshop with a fresh join code; `items` defaults to every item of `points`."""
        now = now or now_utc()
        title = (title or "").strip()
        if not title:
            raise WorkshopError(_("Give the workshop a title."))
        if len(title) > NAME_MAX:
            raise WorkshopError(_("The title is longer than {NAME_MAX} characters.").format(NAME_MAX=NAME_MAX))
        inst = self.instrument
        known = [p.id for p in inst.points]
        points = list(dict.fromkeys(points))
        if not points:
            raise WorkshopError(_("Choose at least one leverage point to ask."))
        unknown = [p for p in points if p not in known]
        if unknown:
            raise WorkshopError(_("{value} is not a leverage point of the instrument.").format(
                                    value=', '.join(unknown)))
        item_point = inst.item_point()
        chosen = set(items) if items is not None else {i.id for i in inst.items if i.point in points}
        bad = sorted(i for i in chosen if item_point.get(i) not in points)
        if bad:
            raise WorkshopError(_("{value} is not an item of the chosen leverage points.").format(
                                    value=', '.join(bad)))
        empty = [p for p in points if not any(item_point[i] == p for i in chosen)]
        if empty:
            raise WorkshopError(_("Choose at least one statement of {value}, or leave the point out.").format(
                                    value=', '.join(empty)))
        ordered = [i.id for i in inst.items if i.id in chosen]
        low, high = max(MIN_N_RANGE[0], self.min_n_floor), MIN_N_RANGE[1]
        if not low <= int(min_n) <= high:
            raise WorkshopError(_("The anonymity threshold must be between {low} and {high} (this installation's "
                                  "minimum is {min_n_floor}).").format(
                                    low=low, high=high, min_n_floor=self.min_n_floor))
        if not 0 < hours <= MAX_HOURS:
            raise WorkshopError(_("The join code must expire within 0–{MAX_HOURS} hours.").format(MAX_HOURS=MAX_HOURS))
        with self.store.engine.connect() as conn:
            if conn.execute(sa.select(organizations.c.id).where(organizations.c.id == organization_id)).first() is None:
                raise WorkshopError(_("There is no organization with id {organization_id}.").format(
                                        organization_id=organization_id))
            if round_id is not None:
                rnd = conn.execute(sa.select(rounds).where(rounds.c.id == round_id)).mappings().first()
                if rnd is None or rnd["organization_id"] != organization_id:
                    raise WorkshopError(_("That round does not belong to this organization."))
                if (rnd["instrument_id"], rnd["instrument_version"]) != inst.key:
                    raise WorkshopError(_("The round {name!r} uses another instrument; choose a new round.").format(
                                            name=rnd['name']))
                if rnd["closes_on"] is not None and rnd["closes_on"] < now.date():
                    raise WorkshopError(_("The round {name!r} closed on {closes_on}; choose a new round.").format(
                                            name=rnd['name'], closes_on=rnd['closes_on']))
                round_name = rnd["name"]
            else:
                round_name = (round_name or "").strip()
                if not round_name:
                    raise WorkshopError(_("Name the new round the answers will be saved into."))
                if len(round_name) > NAME_MAX:
                    raise WorkshopError(_("The round name is longer than {NAME_MAX} characters.").format(
                                            NAME_MAX=NAME_MAX))
                taken = conn.execute(sa.select(rounds.c.id).where(rounds.c.organization_id == organization_id,
                                                                  rounds.c.name == round_name)).first()
                if taken:
                    raise WorkshopError(_("This organization already has a round called {round_name!r}; choose it "
                                          "as an existing round or pick another name.").format(round_name=round_name))
        row = dict(title=title, organization_id=organization_id, round_id=round_id, round_name=round_name,
                   instrument_id=inst.id, instrument_version=inst.version, item_ids=",".join(ordered),
                   min_n=int(min_n), hide_results=bool(hide_results), vote=1, status=RUNNING, created_at=now,
                   expires_at=now + dt.timedelta(hours=hours))
        for _attempt in range(8):  # a code collision is ~1 in 10^8 per live workshop; retry with a new code
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
        raise WorkshopError(_("Could not draw a free join code; try again."))  # pragma: no cover

    def renew_code(self, workshop_id: int, hours: float = DEFAULT_HOURS, now: dt.datetime | None = None) -> str:
        """A fresh code and expiry (the old code stops working; joined participants keep their links)."""
        now = now or now_utc()
        self._running(workshop_id)
        for _attempt in range(8):
            code = joincode.new_code()
            try:
                with self.store.write() as conn:
                    conn.execute(workshops.update().where(workshops.c.id == workshop_id)
                                 .values(code=code, expires_at=now + dt.timedelta(hours=hours),
                                         version=workshops.c.version + 1))
                return code
            except sa.exc.IntegrityError:
                continue
        raise WorkshopError(_("Could not draw a free join code; try again."))  # pragma: no cover

    # --- facilitator actions on points --------------------------------------------------------------
    def _running(self, workshop_id: int) -> dict:
        ws = self.get(workshop_id)
        if ws["status"] != RUNNING:
            raise WorkshopError(_("The workshop has ended; nothing can change any more."))
        return ws

    def _touch(self, conn, workshop_id: int, point: str | None = None) -> int:
        """Bump the workshop's version (and the point the projector follows) while it runs; returns its vote.

        First in every facilitator transaction: the row lock it takes waits for answers in flight (they
        hold a share lock on the same row), and taking it first keeps the lock order of `submit`.
        """
        values = {"version": workshops.c.version + 1}
        if point is not None:
            values["focus_point"] = point
        changed = conn.execute(workshops.update().where(workshops.c.id == workshop_id, workshops.c.status == RUNNING)
                               .values(**values)).rowcount
        if not changed:
            if conn.execute(sa.select(workshops.c.id).where(workshops.c.id == workshop_id)).first() is None:
                raise WorkshopError(_("There is no workshop with id {workshop_id}.").format(workshop_id=workshop_id))
            raise WorkshopError(_("The workshop has ended; nothing can change any more."))
        return int(conn.execute(sa.select(workshops.c.vote).where(workshops.c.id == workshop_id)).scalar_one())

    def _set_point(self, workshop_id: int, point: str, allowed_from: set[str], values: dict, verb: str) -> None:
        with self.store.write() as conn:
            vote = self._touch(conn, workshop_id, point)
            where = (workshop_points.c.workshop_id == workshop_id, workshop_points.c.vote == vote,
                     workshop_points.c.leverage_point == point)
            row = conn.execute(sa.select(workshop_points.c.state, workshop_points.c.revealed,
                                         workshop_points.c.revealed_seq).where(*where).with_for_update()).first()
            if row is None:
                raise WorkshopError(_("{point} is not asked in this workshop.").format(point=point))
            if row.state not in allowed_from:
                raise WorkshopError(_("{point} is {state}; it cannot be {verb}.").format(
                                        point=point, state=row.state, verb=verb))
            conn.execute(workshop_points.update().where(*where).values(**values))
            if values.get("state") in (CLOSED, LOCKED):
                seq = self._publish(conn, workshop_id, vote, point)
                if seq is not None and row.revealed and row.revealed_seq is None:
                    # revealed before it closed: the room sees this first result (then it stays frozen)
                    conn.execute(workshop_points.update().where(*where).values(revealed_seq=seq))

    def _publish(self, conn, workshop_id: int, vote: int, point: str) -> int | None:
        """Publish the point's result of `vote` if the rules allow (see `disclosure`); returns its seq."""
        min_n = self.effective_min_n(conn.execute(sa.select(workshops.c.min_n)
                                                  .where(workshops.c.id == workshop_id)).scalar_one())
        rows = conn.execute(
            sa.select(workshop_answers.c.participant_id, workshop_participants.c.role, workshop_answers.c.value)
            .join(workshop_participants, workshop_participants.c.id == workshop_answers.c.participant_id)
            .where(workshop_answers.c.workshop_id == workshop_id, workshop_answers.c.vote == vote,
                   workshop_answers.c.leverage_point == point)).all()
        groups = disclosure.aggregate(((r.participant_id, r.role, r.value) for r in rows), UNSPECIFIED_ROLE)
        last = conn.execute(
            sa.select(workshop_results.c.seq, workshop_results.c.n_respondents)
            .where(workshop_results.c.workshop_id == workshop_id, workshop_results.c.vote == vote,
                   workshop_results.c.leverage_point == point)
            .order_by(workshop_results.c.seq.desc()).limit(1)).first()
        if not disclosure.publishable(groups[disclosure.ALL].n, last.n_respondents if last else None, min_n):
            return None
        seq = (last.seq if last else 0) + 1
        conn.execute(workshop_results.insert().values(
            workshop_id=workshop_id, vote=vote, leverage_point=point, seq=seq,
            n_respondents=groups[disclosure.ALL].n, taken_at=now_utc(), payload=disclosure.payload_json(groups)))
        return seq

    def open_point(self, workshop_id: int, point: str) -> None:
        self._set_point(workshop_id, point, {PENDING, CLOSED}, {"state": OPEN}, "opened (reset it to ask again)")

    def close_point(self, workshop_id: int, point: str) -> None:
        self._set_point(workshop_id, point, {OPEN}, {"state": CLOSED}, "closed")

    def lock_point(self, workshop_id: int, point: str) -> None:
        self._set_point(workshop_id, point, {OPEN, CLOSED}, {"state": LOCKED}, "locked")

    def reveal_point(self, workshop_id: int, point: str, revealed: bool = True) -> None:
        """Show the point's newest published result to the room, frozen (or hide it again)."""
        with self.store.write() as conn:
            vote = self._touch(conn, workshop_id, point)
            where = (workshop_points.c.workshop_id == workshop_id, workshop_points.c.vote == vote,
                     workshop_points.c.leverage_point == point)
            state = conn.execute(sa.select(workshop_points.c.state).where(*where).with_for_update()).scalar()
            if state is None:
                raise WorkshopError(_("{point} is not asked in this workshop.").format(point=point))
            if state == PENDING:
                raise WorkshopError(_("{point} is {state}; it cannot be revealed before it has been asked.").format(
                                        point=point, state=state))
            latest = conn.execute(sa.select(sa.func.max(workshop_results.c.seq)).where(
                workshop_results.c.workshop_id == workshop_id, workshop_results.c.vote == vote,
                workshop_results.c.leverage_point == point)).scalar() if revealed else None
            conn.execute(workshop_points.update().where(*where).values(revealed=revealed, revealed_seq=latest))

    def reset_point(self, workshop_id: int, point: str) -> int:
        """Delete the point's answers and results of the current vote and make it pending; returns answers
        deleted."""
        with self.store.write() as conn:
            vote = self._touch(conn, workshop_id, point)
            found = conn.execute(workshop_points.update().where(
                workshop_points.c.workshop_id == workshop_id, workshop_points.c.vote == vote,
                workshop_points.c.leverage_point == point).values(state=PENDING, revealed=False,
                                                                  revealed_seq=None)).rowcount
            if not found:
                raise WorkshopError(_("{point} is not asked in this workshop.").format(point=point))
            # phones keep their own answers between redraws and read them again when this count moves
            conn.execute(workshops.update().where(workshops.c.id == workshop_id)
                         .values(resets=workshops.c.resets + 1))
            conn.execute(workshop_results.delete().where(
                workshop_results.c.workshop_id == workshop_id, workshop_results.c.vote == vote,
                workshop_results.c.leverage_point == point))
            return conn.execute(workshop_answers.delete().where(
                workshop_answers.c.workshop_id == workshop_id, workshop_answers.c.vote == vote,
                workshop_answers.c.leverage_point == point)).rowcount

    def start_revote(self, workshop_id: int) -> int:
        """Lock every point of the current vote (publishing the open ones) and ask them all again; returns
        the new vote number."""
        with self.store.write() as conn:
            vote = self._touch(conn, workshop_id)
            if vote >= MAX_VOTES:
                raise WorkshopError(_("This workshop already has {MAX_VOTES} votes; end it to save the "
                                      "answers.").format(MAX_VOTES=MAX_VOTES))
            new = vote + 1
            pts = conn.execute(sa.select(workshop_points.c.leverage_point, workshop_points.c.state).where(
                workshop_points.c.workshop_id == workshop_id, workshop_points.c.vote == vote)).all()
            for p in pts:
                if p.state == OPEN:
                    self._publish(conn, workshop_id, vote, p.leverage_point)
            conn.execute(workshop_points.update().where(workshop_points.c.workshop_id == workshop_id,
                                                        workshop_points.c.vote == vote).values(state=LOCKED))
            conn.execute(workshops.update().where(workshops.c.id == workshop_id).values(vote=new, focus_point=None))
            conn.execute(workshop_points.insert(), [
                {"workshop_id": workshop_id, "vote": new, "leverage_point": p.leverage_point, "state": PENDING,
                 "revealed": False} for p in pts])
        return new
