"""Named comparisons between organizations: allowed only when both organizations' admins opt in.

Without it, another organization appears to a person only inside anonymous peer figures
(`leverage.compare.peers`). Each admin opts in towards one named peer; the pair is named to each
other once both rows exist, and either admin may withdraw at any time.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from leverage.access.audit import Action, AuditLog
from leverage.access.permissions import AccessDenied, Permission, Principal
from leverage.core.database import Database, StoreError, now_utc
from leverage.core.i18n import _
from leverage.core.schema import named_comparisons, organizations


class NamedComparisons:
    def __init__(self, db: Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit

    def set(self, actor: Principal, organization_id: int, peer_id: int, agree: bool, address: str = "") -> None:
        if not actor.can(Permission.MANAGE_MEMBERS, organization_id):
            raise AccessDenied(_("Only an admin of the organization may agree to be named to another."))
        if organization_id == peer_id:
            raise StoreError(_("Choose another organization."))
        with self.db.write() as conn:
            if conn.execute(sa.select(organizations.c.id).where(organizations.c.id == peer_id)).first() is None:
                raise StoreError(_("There is no organization with id {peer_id}.").format(peer_id=peer_id))
            where = (named_comparisons.c.organization_id == organization_id) & (named_comparisons.c.peer_id == peer_id)
            exists = conn.execute(sa.select(named_comparisons.c.peer_id).where(where)).first() is not None
            if agree and not exists:
                conn.execute(named_comparisons.insert().values(organization_id=organization_id, peer_id=peer_id,
                                                               created_at=now_utc(), created_by=actor.label))
            elif not agree and exists:
                conn.execute(named_comparisons.delete().where(where))
            else:
                return
            self.audit.record(actor.label, Action.NAMED_COMPARISON, organization_id=organization_id,
                              target=str(peer_id), detail="agreed" if agree else "withdrawn", address=address,
                              conn=conn)

    def agreements(self) -> pd.DataFrame:
        return self.db.frame(sa.select(named_comparisons.c.organization_id, named_comparisons.c.peer_id),
                             ["organization_id", "peer_id"])

    def named_peers(self, organization_ids: list[int]) -> set[int]:
        """Organizations named to a person who holds roles in `organization_ids`: those that agreed with one
        of them, and one of them agreed back."""
        pairs = set(zip(*[self.agreements()[c] for c in ("organization_id", "peer_id")], strict=True))
        mine = set(organization_ids)
        return {int(b) for a, b in pairs if a in mine and (b, a) in pairs and b not in mine}
