"""Who may do what: the roles of an organization, the permissions each grants, and the signed-in person.

One table (`GRANTS`) answers "which role may do what"; every page and every action asks
`Principal.can(permission, organization_id)`, never a role name, so the table is the one place to read
and to test. Roles are per organization: a person may be an editor of one hospital and a viewer of
another, and sees only organizations where they hold a role. The installation admin manages
organizations and their admins; their access to an organization's data comes, like anyone's, from a
role there (granting one to oneself is possible and lands in the audit log).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from leverage.core.database import StoreError
from leverage.core.i18n import N_, _


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    FACILITATOR = "facilitator"
    VIEWER = "viewer"


ROLE_LABELS = {Role.ADMIN: N_("Admin"), Role.EDITOR: N_("Editor"), Role.FACILITATOR: N_("Facilitator"),
               Role.VIEWER: N_("Viewer")}
ROLE_HELP = {
    Role.ADMIN: N_("users and roles, imports, raw exports, deletions, settings; everything an editor, facilitator "
                   "and viewer may do"),
    Role.EDITOR: N_("aims, measurements, annotations, rounds, departments, invitations; results"),
    Role.FACILITATOR: N_("create and run live workshops"),
    Role.VIEWER: N_("Home, Results, Compare, Board and the board pack: published tables only"),
}


class Permission(StrEnum):
    VIEW_RESULTS = "view_results"  # Home, Results, Compare, Board, board pack: published tables only
    EDIT_AIMS = "edit_aims"  # aims, measurements, annotations, "reviewed"
    MANAGE_ROUNDS = "manage_rounds"  # rounds and departments
    MANAGE_INVITATIONS = "manage_invitations"
    RUN_WORKSHOPS = "run_workshops"
    IMPORT_RESPONSES = "import_responses"
    EXPORT_RAW = "export_raw"  # rows of answers: Manage data's export, the workshop export
    DELETE_DATA = "delete_data"  # deleting an aim
    MANAGE_MEMBERS = "manage_members"  # users and roles, single sign-on mappings, named comparisons
    READ_AUDIT = "read_audit"


class InstallationPermission(StrEnum):
    ADD_ORGANIZATION = "add_organization"
    MANAGE_ANY_MEMBERS = "manage_any_members"  # roles in every organization, installation admins
    MANAGE_SOURCES = "manage_sources"  # parquet comparison sources (stored on the server, seen by all)
    READ_ALL_AUDIT = "read_all_audit"


_VIEWER = frozenset({Permission.VIEW_RESULTS})
_EDITOR = _VIEWER | {Permission.EDIT_AIMS, Permission.MANAGE_ROUNDS, Permission.MANAGE_INVITATIONS}
_FACILITATOR = frozenset({Permission.RUN_WORKSHOPS})
#: Which role may do what (an admin may do everything in the organization).
GRANTS: Mapping[Role, frozenset[Permission]] = {
    Role.VIEWER: _VIEWER,
    Role.EDITOR: _EDITOR,
    Role.FACILITATOR: _FACILITATOR,
    Role.ADMIN: frozenset(Permission),
}


class AccessDenied(StoreError):
    """An action was refused for lack of a role; nothing changed. The message says what is needed."""


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise StoreError(_("{text!r} is not a role; choose one of {value}.").format(
                             text=text, value=', '.join(r.value for r in Role))) from None


@dataclass(frozen=True)
class Principal:
    """The person a page serves: their roles per organization, and how they signed in."""

    user_id: int | None
    email: str
    name: str = ""
    installation_admin: bool = False
    roles: Mapping[int, frozenset[Role]] = field(default_factory=dict)
    method: str = "anonymous"  # anonymous, password, link, sso, passphrase, command line
    operator: bool = False  # the server's shell (the command line): may do everything, signs in nowhere

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def label(self) -> str:
        """Who, in the audit log."""
        return self.email or self.method

    def permissions(self, organization_id: int | None) -> frozenset[Permission]:
        if self.operator:
            return frozenset(Permission)
        if organization_id is None:
            return frozenset()
        return frozenset().union(*(GRANTS[r] for r in self.roles.get(int(organization_id), ())))

    def can(self, permission: Permission | InstallationPermission, organization_id: int | None = None) -> bool:
        if isinstance(permission, InstallationPermission):
            return self.installation_admin or self.operator
        return permission in self.permissions(organization_id)

    def can_anywhere(self, permission: Permission) -> bool:
        return any(permission in self.permissions(o) for o in self.roles)

    def can_manage(self, organization_id: int) -> bool:
        return self.installation_admin or self.can(Permission.MANAGE_MEMBERS, organization_id)

    def organizations(self, permission: Permission | None = None) -> list[int]:
        """Organizations where the person holds a role (granting `permission`, when given)."""
        return sorted(o for o, roles in self.roles.items()
                      if roles and (permission is None or permission in self.permissions(o)))

    def require(self, permission: Permission | InstallationPermission, organization_id: int | None = None) -> None:
        if not self.can(permission, organization_id):
            raise AccessDenied(refusal(permission))


ANONYMOUS = Principal(user_id=None, email="")


def refusal(permission: Permission | InstallationPermission) -> str:
    """What a person lacking `permission` is told."""
    if isinstance(permission, InstallationPermission):
        return _("Only an installation admin may do this.")
    needed = [_(ROLE_LABELS[r]).lower() for r in (Role.VIEWER, Role.FACILITATOR, Role.EDITOR, Role.ADMIN)
              if permission in GRANTS[r]]
    return _("This needs the role {roles} in this organization.").format(roles=_(" or ").join(needed))
