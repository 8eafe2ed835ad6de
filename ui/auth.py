"""Who is using this browser session, and the checks every page makes before it draws anything.

- **Signed in with the embedded sign-in**: a session row in the database, named by a signed cookie
  (`leverage_session`) that the browser sends when it connects (`st.context.cookies`). The cookie is set
  by a tiny script after a sign-in, because Streamlit has no server-side cookie call; it is `SameSite=Lax`
  and `Secure` on https, and the session behind it can be revoked, so a page reload keeps the person
  signed in and any server of the installation recognises them.
- **Single sign-on**: `st.login` (OpenID Connect) when `[auth]` is configured; the roles come from the
  admins' mappings of e-mail addresses and group claims (`leverage.access.sso`).
- **The facilitator passphrase** (LEVERAGE_FACILITATOR_PASSPHRASE, for small installations): the browser
  session becomes a facilitator of every organization, which opens the workshop console and projector
  and nothing else.
- Otherwise the visitor is anonymous: the sign-in page, joining a workshop, and an invitation's
  self-assessment.

`require(...)` is called first by every page: it stops the page with "sign in" (or "your role does not
open this page") before any data is read. Hiding a page from the navigation is for tidiness only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

import streamlit as st

from leverage.access.audit import Action
from leverage.access.permissions import (
    ANONYMOUS,
    InstallationPermission,
    Permission,
    Principal,
    Role,
    refusal,
)
from leverage.access.service import Access
from leverage.core.clientaddr import client_address, networks
from leverage.core.i18n import _
from ui import browser_script, state

COOKIE = "leverage_session"
COOKIE_DAYS = 7
COOKIE_KEY = "_leverage_cookie"  # the session cookie this browser session holds (set at sign-in)
CLEAR_KEY = "_leverage_clear_cookie"  # the browser still holds a cookie that was signed out
PRINCIPAL_KEY = "_leverage_principal"  # (identity, checked at, Principal): roles re-read every RECHECK_S
PASSPHRASE_KEY = "ws_facilitator"  # this browser session passed the facilitator passphrase
SSO_SEEN_KEY = "_leverage_sso_seen"
RECHECK_S = 30.0
SIGNIN_PAGE = "pages/signin.py"


def access() -> Access:
    return _access(state.settings().database_url)


@st.cache_resource(show_spinner=False)
def _access(url: str) -> Access:
    return Access(state.store(), state.settings().secret_key)


# --- the client --------------------------------------------------------------------------------------------

def address() -> str:
    """The client's address: the socket's peer, or X-Forwarded-For behind a trusted proxy."""
    peer, forwarded = None, None
    try:
        peer = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # no browser connection (AppTest)
        pass
    if not isinstance(peer, str) or not peer:
        peer = "127.0.0.1"  # Streamlit gives no address for a loopback connection
    if not isinstance(forwarded, str):
        forwarded = None
    return client_address(peer, forwarded, networks(state.settings().trusted_proxies))


def _browser_cookie() -> str | None:
    try:
        found = st.context.cookies.get(COOKIE)
    except Exception:  # no browser connection (AppTest)
        return None
    return found if isinstance(found, str) else None


def sso_configured() -> bool:
    """True when `.streamlit/secrets.toml` has an `[auth]` section, so `st.login()` can work."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def _sso_claims() -> dict | None:
    if not sso_configured():
        return None
    try:
        if not st.user.is_logged_in:
            return None
        return st.user.to_dict()
    except Exception:  # st.user unusable without [auth]
        return None


# --- who is here ----------------------------------------------------------------------------------------

def _passphrase_principal() -> Principal:
    orgs = state.cached(state.organizations)
    return Principal(None, "", roles={int(o): frozenset({Role.FACILITATOR}) for o in orgs["id"]},
                     method="passphrase")


def current() -> Principal:
    """The person this browser session serves (re-read from the database at most every RECHECK_S)."""
    claims = _sso_claims()
    cookie = None if claims else (st.session_state.get(COOKIE_KEY) or _browser_cookie())
    if cookie and st.session_state.get(CLEAR_KEY) == cookie:
        cookie = None  # signed out in this session; the browser may still send the old cookie
    identity = ("sso", json.dumps(claims, sort_keys=True, default=str)) if claims else \
        ("cookie", cookie) if cookie else ("passphrase", bool(st.session_state.get(PASSPHRASE_KEY)))
    cached = st.session_state.get(PRINCIPAL_KEY)
    now = time.monotonic()
    if cached and cached[0] == identity and now - cached[1] < RECHECK_S:
        return cached[2]
    principal = ANONYMOUS
    if claims:
        found = access().principal_for_sso(claims, address=address())
        if found is not None:
            principal = found
            if st.session_state.get(SSO_SEEN_KEY) != found.email:
                st.session_state[SSO_SEEN_KEY] = found.email
                access().note_sso_sign_in(found, address())
    elif cookie:
        principal = access().principal_for_session(cookie) or ANONYMOUS
        if principal is ANONYMOUS:
            st.session_state.pop(COOKIE_KEY, None)
    if principal is ANONYMOUS and st.session_state.get(PASSPHRASE_KEY):
        principal = _passphrase_principal()
    st.session_state[PRINCIPAL_KEY] = (identity, now, principal)
    return principal


def refresh() -> None:
    """Forget the cached principal (after a sign-in, a sign-out or a change of one's own roles)."""
    st.session_state.pop(PRINCIPAL_KEY, None)


def signed_in(cookie: str) -> None:
    """After a password or link sign-in: hold the cookie in this session, and have the browser keep it."""
    st.session_state[COOKIE_KEY] = cookie
    st.session_state.pop(CLEAR_KEY, None)
    refresh()


def sign_out() -> None:
    principal = current()
    cookie = st.session_state.pop(COOKIE_KEY, None) or _browser_cookie()
    if cookie:
        access().sessions.sign_out(cookie, principal.label, address())
        st.session_state[CLEAR_KEY] = cookie
    elif principal.method == "sso":
        access().audit.record(principal.label, Action.SIGN_OUT, detail="single sign-on", address=address())
    for key in (PASSPHRASE_KEY, SSO_SEEN_KEY, state.ORG_KEY):
        st.session_state.pop(key, None)
    refresh()
    if principal.method == "sso":
        st.logout()


def cookie_script() -> None:
    """Have the browser store (or drop) the session cookie; drawn by the frame on every run until the
    browser's own cookie agrees. Our own static script with a server-made value: never user text."""
    held, sent = st.session_state.get(COOKIE_KEY), _browser_cookie()
    if held and held != sent:
        browser_script.run(browser_script.cookie_js(COOKIE, held, COOKIE_DAYS))
    elif not held and st.session_state.get(CLEAR_KEY) and sent:
        browser_script.run(browser_script.cookie_js(COOKIE, None, 0))


# --- the checks pages make ---------------------------------------------------------------------------------

def _stop_for_sign_in() -> None:
    st.info(_("Sign in to see this page."), icon=":material/lock:")
    st.page_link(SIGNIN_PAGE, label=_("Sign in"), icon=":material/login:")
    st.stop()


def require(*permissions: Permission | InstallationPermission) -> Principal:
    """Stop the page unless someone is signed in who holds one of `permissions` somewhere (none given:
    anyone signed in). Returns the principal."""
    principal = current()
    if not principal.roles and not principal.signed_in:
        _stop_for_sign_in()
    if permissions and not any(principal.can(p) if isinstance(p, InstallationPermission)
                               else principal.can_anywhere(p) for p in permissions):
        if principal.installation_admin and state.cached(state.organizations).empty:
            st.info(_("There is no organization yet. Add one under **Manage data**, or import responses there."))
            st.page_link("pages/manage_data.py", label=_("Go to Manage data"), icon=":material/database:")
            st.stop()
        refused(principal, permissions[0], None, "page")
        st.warning(_("Your roles do not open this page. {reason} Ask an admin of your organization.").format(
            reason=_(refusal(permissions[0]))), icon=":material/lock:")
        st.stop()
    return principal


def organization_page(permission: Permission) -> tuple[Principal, int, str]:
    """Stop unless the organization chosen in the sidebar is one where the person may `permission`;
    returns (principal, organization id, name)."""
    principal = require(permission)
    allowed = principal.organizations(permission)
    selected = state.selected_organization(principal.organizations())
    if selected is None:
        if principal.can(InstallationPermission.ADD_ORGANIZATION) and state.cached(state.organizations).empty:
            st.info(_("There is no organization yet. Add one under **Manage data**, or import responses there."))
            st.page_link("pages/manage_data.py", label=_("Go to Manage data"), icon=":material/database:")
        else:
            st.info(_("You hold no role in any organization yet. Ask an admin to give you one."))
        st.stop()
    org_id, org_name = selected
    if org_id not in allowed:
        from ui.widgets import esc

        st.warning(_("Your role in {organization} does not open this page. {reason} Choose another organization "
                     "in the sidebar, or ask an admin.").format(organization=esc(org_name),
                                                                reason=_(refusal(permission))),
                   icon=":material/lock:")
        st.stop()
    return principal, org_id, org_name


def permit(permission: Permission | InstallationPermission, organization_id: int | None = None,
           what: str = "") -> bool:
    """The check right before an action that changes data: False (logged, with a message) when refused."""
    principal = current()
    if principal.can(permission, organization_id):
        return True
    refused(principal, permission, organization_id, what)
    st.error(_("{reason} Nothing was changed.").format(reason=_(refusal(permission))))
    return False


def refused(principal: Principal, permission: Permission | InstallationPermission, organization_id: int | None,
            what: str) -> None:
    access().audit.record(principal.label or "anonymous", Action.ACCESS_REFUSED, organization_id=organization_id,
                          target=what, detail=str(permission), address=address())


def allowed_organizations(permission: Permission | None = None) -> Iterable[int]:
    return current().organizations(permission)
