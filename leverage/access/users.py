"""People and their roles: users, memberships per organization, installation admins.

Every change that grants or takes away access is checked against the acting `Principal` here, not
only on the page, and is written with its audit entry in one transaction: a viewer who reaches an
admin's button through the session state is refused by this module all the same.
"""

from __future__ import annotations

import re

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from leverage.access import passwords
from leverage.access.audit import Action, AuditLog
from leverage.access.permissions import (
    AccessDenied,
    InstallationPermission,
    Permission,
    Principal,
    Role,
)
from leverage.core.database import Database, StoreError, now_utc
from leverage.core.i18n import _
from leverage.core.schema import EMAIL_MAX, NAME_MAX, memberships, organizations, users
from leverage.core.validation import has_control_characters

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: Who acted when no one signed in: an operator at the server's shell.
COMMAND_LINE = Principal(user_id=None, email="command line", installation_admin=True, method="command line",
                         operator=True)


def clean_email(text: str | None) -> str:
    email = (text or "").strip().lower()
    if not email or len(email) > EMAIL_MAX or not _EMAIL.match(email) or has_control_characters(email):
        raise StoreError(_("{value!r} is not an e-mail address.").format(value=(text or '').strip()))
    return email


def clean_person_name(text: str | None) -> str:
    name = (text or "").strip()
    if len(name) > NAME_MAX or has_control_characters(name) or "\n" in name:
        raise StoreError(_("A name may have at most {NAME_MAX} characters on one line.").format(NAME_MAX=NAME_MAX))
    return name


class Users:
    def __init__(self, db: Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit

    # --- reading ----------------------------------------------------------------------------------
    def count(self) -> int:
        with self.db.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one())

    def get(self, user_id: int) -> dict | None:
        with self.db.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.id == user_id)).mappings().first()
        return dict(row) if row else None

    def by_email(self, email: str) -> dict | None:
        with self.db.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.email == email.strip().lower())).mappings().first()
        return dict(row) if row else None

    def roles_of(self, user_id: int) -> dict[int, frozenset[Role]]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(sa.select(memberships.c.organization_id, memberships.c.role)
                                .where(memberships.c.user_id == user_id)).all()
        found: dict[int, set[Role]] = {}
        for org, role in rows:
            found.setdefault(int(org), set()).add(Role(role))
        return {o: frozenset(r) for o, r in found.items()}

    def principal(self, user_id: int, method: str,
                  extra_roles: dict[int, frozenset[Role]] | None = None) -> Principal | None:
        """The signed-in person as pages see them (None when the user no longer exists)."""
        row = self.get(user_id)
        if row is None:
            return None
        roles = self.roles_of(user_id)
        for org, more in (extra_roles or {}).items():
            roles[org] = roles.get(org, frozenset()) | more
        return Principal(int(row["id"]), row["email"], row["name"], bool(row["installation_admin"]), roles, method)

    def list(self, organization_ids: list[int] | None = None) -> pd.DataFrame:
        """Users with their roles, one row per user × organization (users without a role: one row, no
        organization). `organization_ids` None = everyone (installation admins)."""
        q = (sa.select(users.c.id, users.c.email, users.c.name, users.c.installation_admin, users.c.last_signin_at,
                       organizations.c.id.label("organization_id"), organizations.c.name.label("organization"),
                       memberships.c.role)
             .select_from(users.outerjoin(memberships, memberships.c.user_id == users.c.id)
                          .outerjoin(organizations, organizations.c.id == memberships.c.organization_id))
             .order_by(users.c.email, organizations.c.name, memberships.c.role))
        if organization_ids is not None:
            q = q.where(memberships.c.organization_id.in_(organization_ids))
        frame = self.db.frame(q, ["id", "email", "name", "installation_admin", "last_signin_at", "organization_id",
                                  "organization", "role"])
        if frame.empty:
            return pd.DataFrame(columns=["id", "email", "name", "installation_admin", "last_signin_at",
                                         "organization", "roles"])
        grouped = (frame.groupby(["id", "email", "name", "installation_admin", "organization_id"], dropna=False,
                                 sort=False)
                   .agg(last_signin_at=("last_signin_at", "first"), organization=("organization", "first"),
                        roles=("role", lambda r: ", ".join(sorted(x for x in r if isinstance(x, str)))))
                   .reset_index())
        return grouped[["id", "email", "name", "installation_admin", "last_signin_at", "organization_id",
                        "organization", "roles"]]

    # --- changing -----------------------------------------------------------------------------------
    def _may_manage(self, actor: Principal, organization_id: int | None) -> None:
        if actor.can(InstallationPermission.MANAGE_ANY_MEMBERS):
            return
        if organization_id is None or not actor.can(Permission.MANAGE_MEMBERS, organization_id):
            raise AccessDenied(_("Only an admin of this organization (or an installation admin) may change its "
                                 "users and roles."))

    def add(self, actor: Principal, email: str, name: str = "", *, organization_id: int | None = None,
            roles: tuple[Role, ...] = (), installation_admin: bool = False, address: str = "") -> int:
        """A new user (or an existing one found by e-mail) with `roles` in `organization_id`. No password."""
        email = clean_email(email)
        name = clean_person_name(name)
        if installation_admin and not actor.can(InstallationPermission.MANAGE_ANY_MEMBERS):
            raise AccessDenied(_("Only an installation admin may make installation admins."))
        if not installation_admin or roles:
            self._may_manage(actor, organization_id)
        with self.db.write() as conn:
            found = conn.execute(sa.select(users.c.id).where(users.c.email == email)).scalar()
            if found is None:
                found = conn.execute(users.insert().values(
                    email=email, name=name, password_hash=None, installation_admin=installation_admin,
                    created_at=now_utc())).inserted_primary_key[0]
                self.audit.record(actor.label, Action.USER_ADDED, organization_id=organization_id, target=email,
                                  address=address, conn=conn)
            elif installation_admin:
                self._set_installation_admin(conn, actor, int(found), email, True, address)
            for role in roles:
                self._grant(conn, actor, int(found), email, organization_id, role, address)
        return int(found)

    def _grant(self, conn: Connection, actor: Principal, user_id: int, email: str, organization_id: int | None,
               role: Role, address: str) -> None:
        if organization_id is None:
            raise StoreError(_("Choose the organization the role is for."))
        if conn.execute(sa.select(organizations.c.id).where(organizations.c.id == organization_id)).first() is None:
            raise StoreError(_("There is no organization with id {organization_id}.").format(
                                 organization_id=organization_id))
        exists = conn.execute(sa.select(memberships.c.role).where(
            memberships.c.user_id == user_id, memberships.c.organization_id == organization_id,
            memberships.c.role == role.value)).first()
        if exists is None:
            conn.execute(memberships.insert().values(user_id=user_id, organization_id=organization_id,
                                                     role=role.value))
            self.audit.record(actor.label, Action.ROLE_GRANTED, organization_id=organization_id, target=email,
                              detail=role.value, address=address, conn=conn)

    def set_roles(self, actor: Principal, user_id: int, organization_id: int, roles: set[Role],
                  address: str = "") -> None:
        """Make `roles` the user's roles in the organization (an empty set removes them from it)."""
        self._may_manage(actor, organization_id)
        with self.db.write() as conn:
            email = conn.execute(sa.select(users.c.email).where(users.c.id == user_id)).scalar()
            if email is None:
                raise StoreError(_("That user does not exist."))
            held = {Role(r) for r in conn.execute(sa.select(memberships.c.role).where(
                memberships.c.user_id == user_id, memberships.c.organization_id == organization_id)).scalars()}
            if user_id == actor.user_id and Role.ADMIN in held and Role.ADMIN not in roles \
                    and not actor.installation_admin and self._admins(conn, organization_id) <= 1:
                raise StoreError(_("You are the organization's only admin: make someone else admin first."))
            for role in sorted(held - roles):
                conn.execute(memberships.delete().where(
                    memberships.c.user_id == user_id, memberships.c.organization_id == organization_id,
                    memberships.c.role == role.value))
                self.audit.record(actor.label, Action.ROLE_REVOKED, organization_id=organization_id, target=email,
                                  detail=role.value, address=address, conn=conn)
            for role in sorted(roles - held):
                self._grant(conn, actor, user_id, email, organization_id, role, address)

    @staticmethod
    def _admins(conn: Connection, organization_id: int) -> int:
        return int(conn.execute(sa.select(sa.func.count()).select_from(memberships).where(
            memberships.c.organization_id == organization_id, memberships.c.role == Role.ADMIN.value)).scalar_one())

    def _set_installation_admin(self, conn: Connection, actor: Principal, user_id: int, email: str, value: bool,
                                address: str) -> None:
        if not actor.can(InstallationPermission.MANAGE_ANY_MEMBERS):
            raise AccessDenied(_("Only an installation admin may make or unmake installation admins."))
        if not value:
            others = conn.execute(sa.select(sa.func.count()).select_from(users).where(
                users.c.installation_admin.is_(True), users.c.id != user_id)).scalar_one()
            if others == 0:
                raise StoreError(_("This is the only installation admin: make someone else one first."))
        conn.execute(users.update().where(users.c.id == user_id).values(installation_admin=value))
        self.audit.record(actor.label, Action.INSTALLATION_ADMIN, target=email, detail="yes" if value else "no",
                          address=address, conn=conn)

    def set_installation_admin(self, actor: Principal, user_id: int, value: bool, address: str = "") -> None:
        with self.db.write() as conn:
            email = conn.execute(sa.select(users.c.email).where(users.c.id == user_id)).scalar()
            if email is None:
                raise StoreError(_("That user does not exist."))
            self._set_installation_admin(conn, actor, user_id, email, value, address)

    def remove(self, actor: Principal, user_id: int, address: str = "") -> None:
        """Delete a user with their roles, sessions and links (installation admins only)."""
        if not actor.can(InstallationPermission.MANAGE_ANY_MEMBERS):
            raise AccessDenied(_("Only an installation admin may remove users."))
        with self.db.write() as conn:
            row = conn.execute(sa.select(users.c.email, users.c.installation_admin)
                               .where(users.c.id == user_id)).first()
            if row is None:
                raise StoreError(_("That user does not exist."))
            if row.installation_admin:
                self._set_installation_admin(conn, actor, user_id, row.email, False, address)
            conn.execute(users.delete().where(users.c.id == user_id))
            self.audit.record(actor.label, Action.USER_REMOVED, target=row.email, address=address, conn=conn)

    def set_password(self, actor: Principal, user_id: int, password: str, address: str = "") -> None:
        """Only the person themself sets their password (after signing in with a link)."""
        if actor.user_id != user_id:
            raise AccessDenied(_("People set their own passwords; send them a sign-in link instead."))
        row = self.get(user_id)
        if row is None:
            raise StoreError(_("That user does not exist."))
        passwords.check_new(password, row["email"])
        with self.db.write() as conn:
            conn.execute(users.update().where(users.c.id == user_id)
                         .values(password_hash=passwords.hash_password(password)))
            self.audit.record(actor.label, Action.PASSWORD_SET, target=row["email"], address=address, conn=conn)

    def touch_signin(self, conn: Connection, user_id: int) -> None:
        conn.execute(users.update().where(users.c.id == user_id).values(last_signin_at=now_utc()))
