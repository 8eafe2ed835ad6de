"""The participant's side of a workshop: find it by code (throttled), join, and answer an open point."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from leverage.core.database import now_utc
from leverage.core.i18n import _
from leverage.core.schema import (
    departments,
    workshop_answers,
    workshop_participants,
    workshop_points,
    workshops,
)
from leverage.core.throttle import Key, Throttle, wait_text
from leverage.survey.instrument import Instrument
from leverage.survey.store import Store
from leverage.workshops import joincode
from leverage.workshops.states import (
    CLOSED,
    LOCKED,
    OPEN,
    PENDING,
    RUNNING,
    Participant,
    WorkshopError,
)


class Participation:
    """What a phone may do; mixed into `Workshops`."""

    store: Store
    instrument: Instrument
    throttle: Throttle

    # --- participants ------------------------------------------------------------------------------
    def find(self, code: str, client: str | Sequence[Key], now: dt.datetime | None = None) -> dict:
        """The running workshop behind a typed code, or WorkshopError; misses slow the client down.

        `client` is the attempt's throttle keys (`joincode.code_keys(phone, address)`), or one text key
        standing for the phone. A success clears no count (see leverage.core.throttle).
        """
        now = now or now_utc()
        keys = joincode.code_keys(client) if isinstance(client, str) else list(client)
        wait = self.throttle.wait_seconds(keys)
        if wait > 0:
            raise WorkshopError(_("Too many wrong codes. Wait {value}, then try again.").format(value=wait_text(wait)))
        code = joincode.normalise_code(code)
        row = None
        if joincode.looks_like_code(code):
            with self.store.engine.connect() as conn:
                row = conn.execute(sa.select(workshops).where(workshops.c.code == code)).mappings().first()
        if row is None:
            delay = self.throttle.failed(keys)
            extra = " " + _("Wait {value} before the next try.").format(value=wait_text(delay)) if delay else ""
            if joincode.looks_like_code(code):
                raise WorkshopError(_("No workshop has the code {code}. Check the code on the screen and type it "
                                      "again.{extra}").format(code=code, extra=extra))
            raise WorkshopError(_("That is not a workshop code: codes are {CODE_LENGTH} letters and digits, as "
                                  "shown on the screen.{extra}").format(CODE_LENGTH=joincode.CODE_LENGTH, extra=extra))
        ws = self._shape(row)
        if ws["status"] != RUNNING:
            raise WorkshopError(_("This workshop has ended. Thank you for taking part."))
        if ws["expires_at"] <= now:
            raise WorkshopError(_("The code {code} has expired. Ask the facilitator for a new one.").format(code=code))
        return ws

    def join(self, code: str, client_key: str | Sequence[Key], role: str | None = None,
             department_id: int | None = None, roles: Iterable[str] = (), now: dt.datetime | None = None,
             token: str | None = None) -> Participant:
        """Join with `token` (the phone's, drawn before its first request) or a new one.

        Idempotent: a join retried with the same token (its acknowledgement was lost, the phone sent it
        again) returns the participant the first one made, never a second one.
        """
        if token is not None:
            if not joincode.valid_token(token):
                raise WorkshopError(_("This participant link is not valid. Open the join link again."))
            existing = self._by_token(token)
            if existing is not None:
                return self._same_workshop(existing, code)
        ws = self.find(code, client_key, now)
        if role is not None and role not in set(roles):
            raise WorkshopError(_("{role!r} is not a configured role.").format(role=role))
        token = token or joincode.new_token()
        try:
            with self.store.write() as conn:
                if department_id is not None:
                    owner = conn.execute(sa.select(departments.c.organization_id)
                                         .where(departments.c.id == department_id)).scalar()
                    if owner != ws["organization_id"]:
                        raise WorkshopError(_("That department does not belong to this workshop's organization."))
                pid = conn.execute(workshop_participants.insert().values(
                    workshop_id=ws["id"], token=token, role=role, department_id=department_id,
                    joined_at=now or now_utc())).inserted_primary_key[0]
        except sa.exc.IntegrityError:  # the same token joined a moment ago through another request
            existing = self._by_token(token)
            if existing is None:  # pragma: no cover - an integrity error with no row behind it
                raise
            return self._same_workshop(existing, code)
        return Participant(int(pid), ws["id"], token, role, department_id)

    def _by_token(self, token: str) -> tuple[Participant, str] | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(workshop_participants, workshops.c.code)
                .join(workshops, workshops.c.id == workshop_participants.c.workshop_id)
                .where(workshop_participants.c.token == token)).mappings().first()
        if row is None:
            return None
        return (Participant(int(row["id"]), int(row["workshop_id"]), row["token"], row["role"], row["department_id"]),
                row["code"])

    def _same_workshop(self, found: tuple[Participant, str], code: str) -> Participant:
        """The participant a token names, if the link's code is (or was) its workshop's."""
        participant, current = found
        code = joincode.normalise_code(code)
        if not hmac.compare_digest(current, code):
            # The token decides the workshop. A link whose code is now another workshop's is refused; a code
            # this workshop had before `renew_code` is fine (joined people keep their links).
            with self.store.engine.connect() as conn:
                if conn.execute(sa.select(workshops.c.id).where(workshops.c.code == code)).first() is not None:
                    raise WorkshopError(_("This participant link is not valid for this workshop. Open the join link "
                                          "again to join as a new participant."))
        return participant

    def participant(self, code: str, token: str | None) -> Participant:
        """The participant a link names; refused when the token is unknown or the link names another workshop."""
        found = self._by_token(token) if token and joincode.valid_token(token) else None
        if found is None:
            raise WorkshopError(_("This participant link is not valid for this workshop. Open the join link again "
                                  "to join as a new participant."))
        return self._same_workshop(found, code)

    def token_status(self, code: str, token: str | None) -> Participant | None:
        """For a phone's link: its participant, None when the token has not joined yet (the phone drew it
        before joining), or WorkshopError when the token is malformed or belongs to another workshop."""
        if not token or not joincode.valid_token(token):
            raise WorkshopError(_("This participant link is not valid for this workshop. Open the join link again "
                                  "to join as a new participant."))
        found = self._by_token(token)
        return None if found is None else self._same_workshop(found, code)

    def answers_of(self, participant: Participant, vote: int) -> dict[str, int | None]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(workshop_answers.c.item_id, workshop_answers.c.value).where(
                workshop_answers.c.participant_id == participant.id, workshop_answers.c.vote == vote)).all()
        return {r.item_id: r.value for r in rows}

    def submit(self, participant: Participant, point: str, given: Mapping[str, int | None],
               now: dt.datetime | None = None, vote: int | None = None) -> int:
        """Record (or replace) a participant's answers to one open point; returns the answers stored.

        `vote` is the vote the phone's form was drawn for (None: the current one): a form of the first
        vote sent after the second started is refused instead of landing in the wrong vote.

        Idempotent: a resend of answers already stored (the first acknowledgement was lost) is
        acknowledged again, even when the point has closed or the workshop ended since, because nothing
        changes. Locks: the workshop's row and then the point's row are read with a share lock, so a
        facilitator's action (which locks the workshop's row first) and the end of the workshop wait
        for this write, and a write after them sees them: no answer lands on a locked point or after
        the end.
        """
        now = now or now_utc()
        inst = self.instrument
        with self.store.write() as conn:
            ws = conn.execute(sa.select(workshops.c.status, workshops.c.vote, workshops.c.item_ids)
                              .where(workshops.c.id == participant.workshop_id).with_for_update(read=True)).first()
            if ws is None:
                raise WorkshopError(_("This workshop no longer exists."))
            vote = ws.vote if vote is None else int(vote)
            item_point = inst.item_point()
            asked = [i for i in ws.item_ids.split(",") if item_point.get(i) == point]
            if not asked:
                raise WorkshopError(_("{point} is not asked in this workshop.").format(point=point))
            extra = sorted(set(given) - set(asked))
            if extra:
                raise WorkshopError(_("{value} is not a statement of {point} in this workshop.").format(
                                        value=', '.join(extra), point=point))
            missing = [i for i in asked if i not in given]
            if missing:
                raise WorkshopError(_("Answer every statement of {point} (or choose don't know): {value} is still "
                                      "open.").format(point=point, value=', '.join(missing)))
            for item, value in given.items():
                if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                          or not inst.scale_min <= value <= inst.scale_max):
                    raise WorkshopError(_("The answer to {item} must be {scale_min}–{scale_max} or don't know, not "
                                          "{value!r}.").format(
                                            item=item, scale_min=inst.scale_min, scale_max=inst.scale_max, value=value))
            state = conn.execute(sa.select(workshop_points.c.state).where(
                workshop_points.c.workshop_id == participant.workshop_id, workshop_points.c.vote == vote,
                workshop_points.c.leverage_point == point).with_for_update(read=True)).scalar()
            refusal = None
            if ws.status != RUNNING:
                refusal = _("This workshop has ended; answers can no longer change.")
            elif vote != ws.vote:
                refusal = _("The facilitator has started the second vote: your answers to the first vote were not "
                            "changed. Answer again below.")
            elif state is None:
                refusal = _("{point} is not asked in this workshop.").format(point=point)
            elif state != OPEN:
                refusal = {PENDING: _("{point} is not open yet: your answers were not changed."),
                           CLOSED: _("{point} is closed: your answers were not changed."),
                           LOCKED: _("{point} is locked: your answers were not changed.")}[state].format(point=point)
            if refusal is not None:
                stored = dict(conn.execute(sa.select(workshop_answers.c.item_id, workshop_answers.c.value).where(
                    workshop_answers.c.participant_id == participant.id, workshop_answers.c.vote == vote,
                    workshop_answers.c.item_id.in_(asked))).all())
                if len(stored) == len(asked) and all(stored[i] == given[i] for i in asked):
                    return len(asked)  # a resend of what is stored: acknowledged again, nothing changes
                raise WorkshopError(refusal)
            rows = [{"participant_id": participant.id, "vote": vote, "item_id": i,
                     "workshop_id": participant.workshop_id, "leverage_point": point, "value": given[i],
                     "answered_at": now} for i in asked]
            dialect = postgresql if self.store.backend == "postgresql" else sqlite
            stmt = dialect.insert(workshop_answers)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["participant_id", "vote", "item_id"],
                set_={"value": stmt.excluded.value, "answered_at": stmt.excluded.answered_at}), rows)
        return len(rows)
