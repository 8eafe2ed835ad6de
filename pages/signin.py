"""Sign in (password, one-time link or single sign-on), the first-start link, and one's own account."""

import streamlit as st

from leverage.access.permissions import ROLE_LABELS
from leverage.core.database import StoreError
from leverage.core.i18n import N_, _
from ui import auth, frame, state, widgets

frame.require()

service = auth.access()
principal = auth.current()
token = st.query_params.get("signin")
# How this person signed in, shown after "Signed in as …".
METHODS = {"sso": N_("Signed in as {who} through single sign-on."),
           "link": N_("Signed in as {who} with a one-time link."),
           "password": N_("Signed in as {who} with your password.")}
SIGNED_IN = N_("Signed in as {who}.")  # any other way


def bootstrap_form(raw: str) -> None:
    st.title(_("Welcome to Leverage"))
    st.markdown(_("No one can sign in yet. This one-time link makes **you** the installation admin: you add "
                  "organizations, their admins and further users. Nobody has a password until they choose one."))
    with st.form("bootstrap"):
        email = st.text_input(_("Your e-mail address"), max_chars=254)
        name = st.text_input(_("Your name (optional)"), max_chars=200)
        go = st.form_submit_button(_("Become the installation admin"), type="primary")
    if go:
        try:
            done = service.sessions.redeem_bootstrap(raw, email, name, auth.address())
        except StoreError as exc:
            st.error(widgets.esc(exc))
            return
        auth.signed_in(done.cookie)
        st.query_params.clear()
        st.session_state["signin_flash"] = _("You are the installation admin. Choose a password below so you can "
                                             "sign in again without a link.")
        st.rerun()
    st.stop()


if token:
    status = service.sessions.link_status(token)
    if status == "bootstrap":
        bootstrap_form(token)
    try:
        done = service.sessions.redeem_link(token, auth.address())
    except StoreError as exc:
        st.query_params.clear()
        st.session_state["signin_problem"] = str(exc)
    else:
        auth.signed_in(done.cookie)
        st.query_params.clear()
        st.session_state["signin_flash"] = _("You are signed in.")
    st.rerun()

if principal.signed_in:
    st.title(_("Your account"))
    if flash := st.session_state.pop("signin_flash", None):
        st.success(flash)
    if problem := st.session_state.pop("signin_problem", None):
        st.error(widgets.esc(problem))
    names = state.cached(state.organizations).set_index("id")["name"].to_dict()
    who = f"**{widgets.esc(principal.email)}**" + (f" ({widgets.esc(principal.name)})" if principal.name else "")
    st.markdown(_(METHODS.get(principal.method, SIGNED_IN)).format(who=who))
    if principal.installation_admin:
        st.caption(_("You are an installation admin: you add organizations and their admins."))
    roles = [f"- {widgets.esc(names.get(o, o))}: {', '.join(_(ROLE_LABELS[r]) for r in sorted(rs))}"
             for o, rs in sorted(principal.roles.items(), key=lambda kv: str(names.get(kv[0], kv[0])))]
    st.markdown(_("**Your roles**") + "\n"
                + ("\n".join(roles) if roles else _("none yet: ask an admin of your organization.")))
    if principal.method != "sso":
        with st.form("set_password", clear_on_submit=True):
            st.markdown(_("**Password** (so you can sign in without a link)"))
            new = st.text_input(_("New password"), type="password", max_chars=1024,
                                help=_("At least 12 characters; a few words make a good one."))
            again = st.text_input(_("The same password again"), type="password", max_chars=1024)
            saved = st.form_submit_button(_("Save the password"))
        if saved:
            if new != again:
                st.error(_("The two passwords differ; nothing was changed."))
            else:
                try:
                    service.users.set_password(principal, principal.user_id, new, auth.address())
                except StoreError as exc:
                    st.error(widgets.esc(exc))
                else:
                    st.success(_("Your password is saved."))
    st.button(_("Sign out"), type="primary", on_click=auth.sign_out, icon=":material/logout:", key="signin_sign_out")
    st.stop()

st.title(_("Sign in"))
if problem := st.session_state.pop("signin_problem", None):
    st.error(widgets.esc(problem))
if principal.roles:  # the facilitator passphrase
    st.info(_("This browser session passed the facilitator passphrase: it may open the workshop console and the "
              "projector. Sign in for anything else."))
left, right = st.columns([3, 2], gap="large")
with left:
    if auth.sso_configured():
        st.button(_("Sign in with single sign-on"), type="primary", on_click=st.login, icon=":material/key:")
        st.caption(_("Or with your e-mail address and password:"))
    with st.form("signin"):
        email = st.text_input(_("E-mail address"), max_chars=254)
        password = st.text_input(_("Password"), type="password", max_chars=1024)
        go = st.form_submit_button(_("Sign in"), type="primary")
    if go:
        try:
            done = service.sessions.sign_in(email, password, auth.address())
        except StoreError as exc:
            st.error(widgets.esc(exc))
        else:
            auth.signed_in(done.cookie)
            st.session_state["signin_flash"] = _("You are signed in.")
            st.switch_page("pages/home.py")
    st.caption(_("No password yet? Ask an admin for a one-time sign-in link; after opening it you can choose one."))
with right:
    st.markdown(_("**Taking part in a workshop?** No account needed:"))
    st.page_link("pages/join.py", label=_("Join a workshop"), icon=":material/qr_code_scanner:")
    st.markdown(_("**Invited to the self-assessment?** Open the link from your invitation (or scan its QR code)."))
