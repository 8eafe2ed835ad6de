"""The audit log: who did what, when, in which organization, from which address. Append-only.

Appending is the only write this module offers, and the database refuses UPDATE and DELETE on the
table (triggers made by migration 0002_access), so not even a bug can rewrite history. Admins read
their organizations' entries and download them; installation admins read all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from leverage.core.database import Database, now_utc
from leverage.core.schema import EMAIL_MAX, LONG_TEXT_MAX, audit_log


class Action(StrEnum):
    SIGN_IN = "sign-in"
    SIGN_IN_FAILED = "sign-in failed"
    SIGN_IN_REFUSED = "sign-in throttled"
    SIGN_OUT = "sign-out"
    LINK_CREATED = "sign-in link created"
    LINK_REFUSED = "sign-in link refused"
    USER_ADDED = "user added"
    USER_REMOVED = "user removed"
    ROLE_GRANTED = "role granted"
    ROLE_REVOKED = "role revoked"
    INSTALLATION_ADMIN = "installation admin changed"
    PASSWORD_SET = "password set"
    SSO_MAPPING = "single sign-on mapping changed"
    NAMED_COMPARISON = "named comparison changed"
    ORGANIZATION_ADDED = "organization added"
    INVITATIONS_CREATED = "invitations created"
    INVITATION_REVOKED = "invitation revoked"
    INVITATION_REFUSED = "invitation refused"
    INVITATION_ANSWERED = "invitation answered"
    IMPORT = "responses imported"
    RAW_EXPORT = "raw export"
    DELETION = "deletion"
    WORKSHOP_CREATED = "workshop created"
    WORKSHOP_ENDED = "workshop ended"
    ACCESS_REFUSED = "access refused"
    SOURCE_ADDED = "comparison source added"


COLUMNS = ["at", "actor", "action", "organization_id", "target", "detail", "address"]


def _clip(text: object, limit: int) -> str:
    text = str(text or "")
    return text if len(text) <= limit else text[:limit - 1] + "…"


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, actor: str, action: Action | str, *, organization_id: int | None = None, target: str = "",
               detail: str = "", address: str = "", conn: Connection | None = None,
               at: dt.datetime | None = None) -> None:
        """Append one entry (inside `conn`'s transaction when given, so the entry and the change land together)."""
        row = {"at": at or now_utc(), "actor": _clip(actor or "anonymous", EMAIL_MAX), "action": str(action),
               "organization_id": organization_id, "target": _clip(target, EMAIL_MAX),
               "detail": _clip(detail, LONG_TEXT_MAX), "address": _clip(address, 64)}
        if conn is not None:
            conn.execute(audit_log.insert().values(**row))
            return
        with self.db.write() as own:
            own.execute(audit_log.insert().values(**row))

    def read(self, organization_ids: Iterable[int] | None = None, limit: int = 5000,
             actions: Iterable[str] | None = None) -> pd.DataFrame:
        """Entries, newest first; `organization_ids` None = all (installation admins), else those
        organizations' entries."""
        q = sa.select(*[audit_log.c[c] for c in COLUMNS]).order_by(audit_log.c.id.desc()).limit(limit)
        if organization_ids is not None:
            q = q.where(audit_log.c.organization_id.in_(list(organization_ids)))
        if actions is not None:
            q = q.where(audit_log.c.action.in_(list(actions)))
        frame = self.db.frame(q, COLUMNS)
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        return frame
