"""Single sign-on (Streamlit's `st.login`, OpenID Connect): e-mail addresses and group claims mapped to
roles by admins.

A person who signs in through the identity provider gets the roles of every mapping that names their
e-mail address or one of their groups (the `groups` claim, or the claim named by LEVERAGE_SSO_GROUPS_CLAIM),
on top of any role given to their account directly. The roles are worked out again at every sign-in,
so removing a mapping (or the person from a group at the provider) takes effect at their next visit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
import sqlalchemy as sa

from leverage.access.audit import Action, AuditLog
from leverage.access.permissions import AccessDenied, Principal, Role
from leverage.access.users import clean_email
from leverage.core.database import Database, StoreError, now_utc
from leverage.core.i18n import _
from leverage.core.schema import EMAIL_MAX, organizations, sso_mappings
from leverage.core.validation import has_control_characters

KINDS = ("email", "group")


def claim_groups(claims: Mapping[str, object], claim: str = "groups") -> list[str]:
    """The groups a provider sent (a list, or one comma-separated text), lower case."""
    found = claims.get(claim)
    if isinstance(found, str):
        found = found.split(",")
    if not isinstance(found, list | tuple):
        return []
    return sorted({str(g).strip().lower() for g in found if str(g).strip()})


def mapped_roles(mappings: pd.DataFrame, email: str, groups: Iterable[str]) -> dict[int, frozenset[Role]]:
    """Roles per organization that `mappings` (kind, value, organization_id, role) give this person."""
    email = (email or "").strip().lower()
    groups = {g.lower() for g in groups}
    hits = mappings[((mappings["kind"] == "email") & (mappings["value"] == email))
                    | ((mappings["kind"] == "group") & mappings["value"].isin(groups))]
    found: dict[int, set[Role]] = {}
    for org, role in zip(hits["organization_id"], hits["role"], strict=True):
        found.setdefault(int(org), set()).add(Role(role))
    return {o: frozenset(r) for o, r in found.items()}


class SsoMappings:
    def __init__(self, db: Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit

    def list(self, organization_ids: list[int] | None = None) -> pd.DataFrame:
        q = (sa.select(sso_mappings.c.id, sso_mappings.c.kind, sso_mappings.c.value, sso_mappings.c.organization_id,
                       organizations.c.name.label("organization"), sso_mappings.c.role)
             .join(organizations, organizations.c.id == sso_mappings.c.organization_id)
             .order_by(organizations.c.name, sso_mappings.c.kind, sso_mappings.c.value))
        if organization_ids is not None:
            q = q.where(sso_mappings.c.organization_id.in_(organization_ids))
        return self.db.frame(q, ["id", "kind", "value", "organization_id", "organization", "role"])

    def add(self, actor: Principal, kind: str, value: str, organization_id: int, role: Role,
            address: str = "") -> None:
        if not actor.can_manage(organization_id):
            raise AccessDenied(_("Only an admin of this organization may map single sign-on users to its roles."))
        if kind not in KINDS:
            raise StoreError(_("A mapping is by e-mail or by group, not {kind!r}.").format(kind=kind))
        value = clean_email(value) if kind == "email" else (value or "").strip().lower()
        if not value or len(value) > EMAIL_MAX or has_control_characters(value):
            raise StoreError(_("Name the group as the identity provider sends it (at most 254 characters)."))
        with self.db.write() as conn:
            exists = conn.execute(sa.select(sso_mappings.c.id).where(
                sso_mappings.c.kind == kind, sso_mappings.c.value == value,
                sso_mappings.c.organization_id == organization_id, sso_mappings.c.role == role.value)).first()
            if exists:
                raise StoreError(_("That mapping exists already."))
            conn.execute(sso_mappings.insert().values(kind=kind, value=value, organization_id=organization_id,
                                                      role=role.value, created_at=now_utc(), created_by=actor.label))
            self.audit.record(actor.label, Action.SSO_MAPPING, organization_id=organization_id, target=value,
                              detail=f"added: {kind} → {role.value}", address=address, conn=conn)

    def remove(self, actor: Principal, mapping_id: int, address: str = "") -> None:
        with self.db.write() as conn:
            row = conn.execute(sa.select(sso_mappings).where(sso_mappings.c.id == mapping_id)).mappings().first()
            if row is None:
                raise StoreError(_("That mapping does not exist."))
            if not actor.can_manage(row["organization_id"]):
                raise AccessDenied(_("Only an admin of this organization may change its single sign-on mappings."))
            conn.execute(sso_mappings.delete().where(sso_mappings.c.id == mapping_id))
            self.audit.record(actor.label, Action.SSO_MAPPING, organization_id=row["organization_id"],
                              target=row["value"], detail=f"removed: {row['kind']} → {row['role']}", address=address,
                              conn=conn)

    def roles_for(self, email: str, groups: Iterable[str]) -> dict[int, frozenset[Role]]:
        return mapped_roles(self.list(), email, groups)
