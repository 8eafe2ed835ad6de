"""`Access`: the access domain over one store, for the pages and the command line to hold as one object."""

from __future__ import annotations

from collections.abc import Mapping

from leverage.access import signing
from leverage.access.audit import Action, AuditLog
from leverage.access.invitations import Invitations
from leverage.access.named import NamedComparisons
from leverage.access.permissions import InstallationPermission, Principal
from leverage.access.sessions import Sessions
from leverage.access.sso import SsoMappings, claim_groups
from leverage.access.users import Users
from leverage.core.database import now_utc
from leverage.core.throttle import Clock
from leverage.survey.store import Store


class Access:
    """Users, sessions and links, invitations, single sign-on mappings, named comparisons, the audit log."""

    def __init__(self, store: Store, secret_key: str | None = None, clock: Clock = now_utc) -> None:
        self.store = store
        self.key = signing.installation_key(store, secret_key)
        self.audit = AuditLog(store)
        self.users = Users(store, self.audit)
        self.sessions = Sessions(store, self.users, self.audit, self.key, clock)
        self.invitations = Invitations(store, self.audit, self.key)
        self.sso = SsoMappings(store, self.audit)
        self.named = NamedComparisons(store, self.audit)

    def principal_for_session(self, cookie: str | None) -> Principal | None:
        found = self.sessions.resolve(cookie)
        if found is None:
            return None
        return self.users.principal(found[0], found[1])

    def principal_for_sso(self, claims: Mapping[str, object], groups_claim: str = "groups",
                          address: str = "") -> Principal | None:
        """The person an identity provider vouched for: their account (made on first visit, no password) with
        its own roles plus every mapped role. None without an e-mail claim."""
        email = str(claims.get("email") or "").strip().lower()
        if not email:
            return None
        row = self.users.by_email(email)
        if row is None:
            name = str(claims.get("name") or "")[:200]
            sso_actor = Principal(None, "single sign-on", installation_admin=True, method="sso")
            uid = self.users.add(sso_actor, email, name, address=address)
        else:
            uid = int(row["id"])
        return self.users.principal(uid, "sso", self.sso.roles_for(email, claim_groups(claims, groups_claim)))

    def note_sso_sign_in(self, principal: Principal, address: str = "") -> None:
        with self.store.write() as conn:
            self.users.touch_signin(conn, principal.user_id)
            roles = "; ".join(f"{o}: {', '.join(sorted(r))}" for o, r in sorted(principal.roles.items()))
            self.audit.record(principal.email, Action.SIGN_IN, detail=f"single sign-on ({roles or 'no role'})",
                              address=address, conn=conn)

    def add_organization(self, actor: Principal, name: str, address: str = "") -> int:
        actor.require(InstallationPermission.ADD_ORGANIZATION)
        org = self.store.add_organization(name)
        self.audit.record(actor.label, Action.ORGANIZATION_ADDED, organization_id=org, target=name.strip(),
                          address=address)
        return org
