"""Signed-in users for tests: a user with roles, and a session as if they had signed in (AppTest and browsers)."""

from __future__ import annotations

import os
from collections.abc import Iterable

from leverage.access.permissions import Role
from leverage.access.service import Access
from leverage.access.users import COMMAND_LINE
from leverage.survey.store import Store

COOKIE = "leverage_session"  # ui.auth.COOKIE


def make_user(url: str, email: str, roles: dict[str, Iterable[Role]] | None = None,
              installation_admin: bool = False, every_org: Iterable[Role] = ()) -> tuple[int, str]:
    """A user with `roles` per organization name (and `every_org` in every organization); returns (id, cookie)
    of a fresh session, as if they had signed in. An existing user of that e-mail gets the roles added."""
    store = Store(url)
    try:
        access = Access(store, os.environ.get("LEVERAGE_SECRET_KEY"))
        uid = access.users.add(COMMAND_LINE, email, installation_admin=installation_admin)
        orgs = store.list_organizations()
        ids = dict(zip(orgs["name"], orgs["id"], strict=True))
        every_org = tuple(every_org)
        wanted = {int(o): set(every_org) for o in orgs["id"]} if every_org else {}
        for name, given in (roles or {}).items():
            wanted.setdefault(int(ids[name]), set()).update(given)
        for org, given in wanted.items():
            access.users.set_roles(COMMAND_LINE, uid, org, given)
        return uid, access.sessions.start(uid, "test")
    finally:
        store.dispose()


def invitation_token(url: str, organization: str, round_name: str, role: str | None = None,
                     department: str | None = None) -> str:
    """A fresh invitation to a round (as an editor would create it); returns the link's token."""
    store = Store(url)
    try:
        access = Access(store, os.environ.get("LEVERAGE_SECRET_KEY"))
        orgs = store.list_organizations()
        org = int(orgs.loc[orgs["name"] == organization, "id"].iloc[0])
        rounds = store.list_rounds(org)
        rid = int(rounds.loc[rounds["name"] == round_name, "id"].iloc[0])
        depts = store.list_departments(org)
        dept = int(depts.loc[depts["name"] == department, "id"].iloc[0]) if department else None
        (inv,) = access.invitations.create(COMMAND_LINE, rid, [(role, dept)])
        return str(access.invitations.list(rid).set_index("id").loc[inv, "token"])
    finally:
        store.dispose()
