"""Self-assessment by invitation: one link per respondent, one submission per link.

A link is `<base>/self_assessment?invitation=<id>.<mac>`, where the MAC is an HMAC of the invitation's
id and a random nonce under the installation key: a forged or altered link fails the check before
anything is read, and an unused link can be printed again later (the nonce stays in the database,
the link itself is never stored). A link carries the role and department the roster gave it (the
respondent cannot change them), or lets the respondent choose.

One link, one submission: the first submission marks the invitation used in the same transaction that
stores the answers (a unique respondent per invitation), so two tabs submitting at once store one
response, and the number of answers in a round can never exceed its invitations. Until the round
closes, the same link reopens the answers for editing; used, revoked, expired or forged links get a
clear message and change nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from leverage.access import signing
from leverage.access.audit import Action, AuditLog
from leverage.access.permissions import Permission, Principal
from leverage.core.database import StoreError, aware, now_utc
from leverage.core.i18n import _
from leverage.core.schema import departments, invitations, organizations, respondents, rounds
from leverage.survey.store import Store
from leverage.survey.submissions import Submission, SubmitResult

PURPOSE = "invitation"
DEFAULT_DAYS = 90  # an invitation to a round without a closing date
MAX_BATCH = 5000


@dataclass(frozen=True)
class Invited:
    """What a valid link opens."""

    id: int
    round_id: int
    round_name: str
    organization_id: int
    organization: str
    role: str | None
    department_id: int | None
    respondent_id: int | None  # set once answered: the link then edits those answers

    @property
    def answered(self) -> bool:
        return self.respondent_id is not None


class InvitationRefused(StoreError):
    """A link that opens nothing: the message says why (forged, revoked, expired, round closed)."""


def link_token(key: bytes, invitation_id: int, nonce: str) -> str:
    return f"{invitation_id}.{signing.sign(key, PURPOSE, f'{invitation_id}:{nonce}')}"


def invitation_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/self_assessment?invitation={token}"


class Invitations:
    def __init__(self, store: Store, audit: AuditLog, key: bytes) -> None:
        self.store = store
        self.audit = audit
        self.key = key

    # --- editors ---------------------------------------------------------------------------------------
    def _round(self, conn: Connection, round_id: int) -> dict:
        rnd = conn.execute(sa.select(rounds).where(rounds.c.id == round_id)).mappings().first()
        if rnd is None:
            raise StoreError(_("There is no assessment round with id {round_id}.").format(round_id=round_id))
        return dict(rnd)

    def create(self, actor: Principal, round_id: int, people: list[tuple[str | None, int | None]],
               address: str = "", today: dt.date | None = None) -> list[int]:
        """One invitation per (role, department id) in `people` (None = the respondent chooses)."""
        today = today or dt.date.today()
        if not people:
            raise StoreError(_("Invite at least one person."))
        if len(people) > MAX_BATCH:
            raise StoreError(_("At most {MAX_BATCH:,} invitations at a time.").format(MAX_BATCH=MAX_BATCH))
        with self.store.write() as conn:
            rnd = self._round(conn, round_id)
            actor.require(Permission.MANAGE_INVITATIONS, rnd["organization_id"])
            if rnd["closes_on"] is not None and rnd["closes_on"] < today:
                raise StoreError(_("The round {name!r} closed on {closes_on}: open a new round first.").format(
                                     name=rnd['name'], closes_on=rnd['closes_on']))
            own = set(conn.execute(sa.select(departments.c.id)
                                   .where(departments.c.organization_id == rnd["organization_id"])).scalars())
            if any(d is not None and d not in own for _person, d in people):
                raise StoreError(_("A department does not belong to this round's organization."))
            closes = rnd["closes_on"]
            expires = (dt.datetime.combine(closes + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC) if closes
                       else now_utc() + dt.timedelta(days=DEFAULT_DAYS))
            now = now_utc()
            ids = []
            for role, dept in people:
                ids.append(int(conn.execute(invitations.insert().values(
                    round_id=round_id, nonce=secrets.token_hex(16), role=role, department_id=dept, created_at=now,
                    expires_at=expires, revoked_at=None, submitted_at=None, respondent_id=None,
                    created_by=actor.label)).inserted_primary_key[0]))
            self.audit.record(actor.label, Action.INVITATIONS_CREATED, organization_id=rnd["organization_id"],
                              target=rnd["name"], detail=f"{len(ids)} invitation(s)", address=address, conn=conn)
            self.store.bump(conn)  # the response rate readers show changed
        return ids

    def list(self, round_id: int) -> pd.DataFrame:
        """The round's invitations: id, role, department, status (open, answered, revoked, expired)."""
        q = (sa.select(invitations.c.id, invitations.c.nonce, invitations.c.role, departments.c.name.label("dept"),
                       invitations.c.expires_at, invitations.c.revoked_at, invitations.c.submitted_at)
             .outerjoin(departments, departments.c.id == invitations.c.department_id)
             .where(invitations.c.round_id == round_id).order_by(invitations.c.id))
        frame = self.store.frame(q, ["id", "nonce", "role", "department", "expires_at", "revoked_at",
                                     "submitted_at"])
        now = now_utc()
        frame["status"] = ["revoked" if pd.notna(r) else "answered" if pd.notna(s)
                           else "expired" if aware(pd.Timestamp(e).to_pydatetime()) <= now else "open"
                           for r, s, e in zip(frame["revoked_at"], frame["submitted_at"], frame["expires_at"],
                                              strict=True)]
        frame["token"] = [link_token(self.key, int(i), n) for i, n in zip(frame["id"], frame["nonce"], strict=True)]
        return frame.drop(columns=["nonce", "revoked_at", "submitted_at"])

    def revoke(self, actor: Principal, invitation_ids: list[int], address: str = "") -> int:
        """Withdraw unused invitations; answered ones stay (their answers are kept). Returns how many."""
        with self.store.write() as conn:
            rows = conn.execute(sa.select(invitations.c.id, rounds.c.organization_id, rounds.c.name)
                                .join(rounds, rounds.c.id == invitations.c.round_id)
                                .where(invitations.c.id.in_(invitation_ids))).all()
            for org in {r.organization_id for r in rows}:
                actor.require(Permission.MANAGE_INVITATIONS, org)
            done = conn.execute(invitations.update().where(
                invitations.c.id.in_([r.id for r in rows]), invitations.c.revoked_at.is_(None),
                invitations.c.submitted_at.is_(None)).values(revoked_at=now_utc())).rowcount
            for org in {r.organization_id for r in rows}:
                self.audit.record(actor.label, Action.INVITATION_REVOKED, organization_id=org, target=rows[0].name,
                                  detail=f"{done} invitation(s)", address=address, conn=conn)
            if done:
                self.store.bump(conn)
        return int(done)

    def response_rate(self, round_id: int) -> tuple[int, int]:
        return response_rate(self.store, round_id)

    # --- respondents -------------------------------------------------------------------------------------
    def open(self, token: str | None, today: dt.date | None = None) -> Invited:
        """What a link opens, or InvitationRefused saying why. Changes nothing."""
        with self.store.engine.connect() as conn:
            return self._check(conn, token, today or dt.date.today())

    def _check(self, conn: Connection, token: str | None, today: dt.date) -> Invited:
        forged = InvitationRefused(_("This invitation link is not valid. Open the whole link from your invitation "
                                     "(or scan its QR code again); if it still fails, ask for a new one."))
        text = (token or "").strip()
        ident, _dot, mac = text.partition(".")
        if not ident.isdigit() or len(text) > 100:
            raise forged
        row = conn.execute(
            sa.select(invitations, rounds.c.name.label("round_name"), rounds.c.organization_id,
                      rounds.c.closes_on, rounds.c.opens_on, organizations.c.name.label("organization"))
            .join(rounds, rounds.c.id == invitations.c.round_id)
            .join(organizations, organizations.c.id == rounds.c.organization_id)
            .where(invitations.c.id == int(ident))).mappings().first()
        if row is None or not signing.verify(self.key, PURPOSE, f"{row['id']}:{row['nonce']}", mac):
            raise forged
        if row["revoked_at"] is not None:
            raise InvitationRefused(_("This invitation has been withdrawn by the organization. Ask them for a new "
                                      "one if you should take part."))
        if row["closes_on"] is not None and row["closes_on"] < today:
            raise InvitationRefused(_("The round {round_name} closed on {closes_on:%d %B %Y}: answers can no longer "
                                      "be given or changed.").format(
                                        round_name=row['round_name'], closes_on=row['closes_on']))
        if aware(row["expires_at"]) <= now_utc():
            raise InvitationRefused(_("This invitation has expired. Ask the organization for a new one."))
        if row["opens_on"] > today:
            raise InvitationRefused(_("The round {round_name} opens on {opens_on:%d %B %Y}; come back then.").format(
                                        round_name=row['round_name'], opens_on=row['opens_on']))
        if row["submitted_at"] is not None and row["respondent_id"] is None:
            raise InvitationRefused(_("This invitation has been used, and its answers are no longer held."))
        return Invited(int(row["id"]), int(row["round_id"]), row["round_name"], int(row["organization_id"]),
                       row["organization"], row["role"], row["department_id"],
                       None if row["respondent_id"] is None else int(row["respondent_id"]))

    def refused(self, token: str | None, reason: str, address: str = "") -> None:
        """Log a refused link (forged, revoked, expired, used elsewhere)."""
        ident = (token or "").partition(".")[0][:12]  # the invitation's number, never the link itself
        self.audit.record("anonymous", Action.INVITATION_REFUSED, target=f"invitation {ident or '?'}",
                          detail=reason, address=address)

    def submit(self, token: str, submission: Submission, roles: list[str], today: dt.date | None = None,
               address: str = "") -> SubmitResult:
        """Store the answers of an invited respondent, or replace them when the link was answered before
        (while the round is open). The invitation's role and department win over the submission's."""
        today = today or dt.date.today()
        invited = self.open(token, today)
        if submission.round_id != invited.round_id:
            raise InvitationRefused(_("These answers are for another round than the invitation's."))
        if invited.answered:
            def same_link(conn: Connection) -> None:
                self._check(conn, token, today)

            self.store.replace_answers(invited.respondent_id, submission.answers, today, check=same_link)
            key = self.store.respondent_key(invited.respondent_id)
            return SubmitResult(invited.respondent_id, key, False)
        fixed = Submission(submission.submission_id, invited.round_id, invited.role or submission.role,
                           submission.answers,
                           invited.department_id if invited.role or invited.department_id else submission.department_id,
                           submission.language)

        def mark_used(conn: Connection, respondent_id: int) -> None:
            done = conn.execute(invitations.update().where(
                invitations.c.id == invited.id, invitations.c.submitted_at.is_(None),
                invitations.c.revoked_at.is_(None)).values(submitted_at=now_utc(), respondent_id=respondent_id))
            if done.rowcount != 1:
                raise InvitationRefused(_("This invitation was answered a moment ago (in another window?). Reload "
                                          "the page to see and change those answers."))
            self.audit.record("anonymous", Action.INVITATION_ANSWERED, organization_id=invited.organization_id,
                              target=invited.round_name, detail=f"invitation {invited.id}", address=address,
                              conn=conn)

        result = self.store.submit_response(fixed, roles, today, on_insert=mark_used)
        if not result.created:  # a resend of the same submission: fine only if it is this invitation's
            owner = self._owner(result.respondent_id)
            if owner != invited.id:
                raise InvitationRefused(_("These answers belong to another invitation."))
        return result

    def _owner(self, respondent_id: int) -> int | None:
        with self.store.engine.connect() as conn:
            return conn.execute(sa.select(invitations.c.id)
                                .where(invitations.c.respondent_id == respondent_id)).scalar()


def response_rate(store: Store, round_id: int) -> tuple[int, int]:
    """(invited, answered) of a round: invitations not withdrawn (answered ones count even if withdrawn later),
    and those answered."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(
            sa.func.count().filter(invitations.c.revoked_at.is_(None) | invitations.c.submitted_at.isnot(None)),
            sa.func.count(invitations.c.submitted_at)).where(invitations.c.round_id == round_id)).one()
    return int(row[0]), int(row[1])


def respondent_count(store: Store, round_id: int) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(respondents)
                                .where(respondents.c.round_id == round_id)).scalar_one())
