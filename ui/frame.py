"""The frame every page sits in: page config, configuration check, organization picker, About.

Streamlit treats an app whose entry point sits beside a `pages/` folder as a legacy (v1) multipage app
until the first `st.navigation` call in the process: the first run after a server start goes through an
automatic navigation, and a deep link such as /results runs the page file alone, without dashboard.py.
The design keeps the `pages/` folder, so the frame switches the legacy mode off and reruns: that first
run is a page load, so nothing is lost, and the browser never keeps elements from the legacy layout.
AppTest resets the mode before every run, where a rerun would swallow the click that started it, so
under AppTest the frame is drawn in place instead.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit import config as st_config

from leverage.access.permissions import Principal
from leverage.core.i18n import _
from leverage.core.settings import ConfigError
from ui import auth, language, state, widgets

try:  # internal, so degrade to a no-op if a later Streamlit moves it
    from streamlit.runtime.pages_manager import PagesManager
except ImportError:  # pragma: no cover
    PagesManager = None

_IN_FRAME = "_leverage_in_frame"
#: The page icon, served by the app itself: a `:material/…:` page icon (or an emoji) makes the browser fetch
#: the favicon from a CDN, and no request may leave the server (issue 18).
PAGE_ICON = Path(__file__).with_name("assets") / "leverage.png"
# Static CSS (no user text) on every page (issue 18): a focus ring that shows on any background.
APP_CSS = """<style>
:focus-visible { outline: 3px solid #005A8C !important; outline-offset: 2px; }
</style>"""
# Static CSS (no user text): hides the sidebar, header and toolbar on bare pages.
BARE_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], footer { display: none !important; }
.stMainBlockContainer, [data-testid="stMainBlockContainer"] { padding-top: 1rem; padding-bottom: 0.5rem; }
</style>"""


def _legacy_mode() -> bool:
    return PagesManager is not None and bool(getattr(PagesManager, "uses_pages_directory", False))


def _leave_legacy_mode() -> None:
    PagesManager.uses_pages_directory = False
    # AppTest patches `streamlit.config.get_option`, not the `st.get_option` alias.
    if not st_config.get_option("global.appTest"):
        st.rerun()


_store_opened = False  # this process has opened the store once (the spinner is for that first, slow open)

#: Pages drawn without the app's chrome: the phone page (lean: a room of phones reruns it) and the projector.
BARE_PAGES = ("join", "projector")


def open_page() -> None:
    """What every run needs before anything else: the legacy-mode switch, page config and a working store.

    dashboard.py calls it before building the navigation (which needs to know who is signed in, and so the
    store); `draw` then draws the rest of the frame once the page, and so whether it is bare, is known.
    """
    if _legacy_mode():
        _leave_legacy_mode()
    language.apply()  # before anything is drawn or named, navigation titles included
    st.set_page_config(page_title=_("Leverage · Seven Leadership Leverage Points"), page_icon=str(PAGE_ICON),
                       layout="wide")
    global _store_opened
    try:
        if _store_opened:  # every later run: a dictionary look-up, no spinner timer (a room of phones reruns)
            state.store()
        else:
            with st.spinner(_("Opening the database…")):
                state.store()
            _store_opened = True
    except ConfigError as exc:
        st.error(_("Configuration error: {error}").format(error=exc))
        st.stop()


def draw(principal: Principal | None = None, bare: bool = False, language_control: bool = True) -> Principal:
    """The first-start notice and the sidebar (for a signed-in person only); marks this run as framed and
    returns who is using the session.

    `bare`: no sidebar, header or toolbar, and none of the sidebar's reads (the phone page and the projector).
    `language_control`: the small language control of a bare page (not on the projector: a projected slide
    shows no controls, and its keyboard shortcuts must not meet a focusable control first; its language comes
    from `?lang=`, the cookie or the browser, as the console's does).
    """
    st.session_state[_IN_FRAME] = True
    principal = principal or auth.current()
    st.html(APP_CSS)
    if bare:
        st.html(BARE_CSS)
        language.remember_in_browser()
        if language_control:
            language.picker(compact=True)  # bare pages have no sidebar: a small control at the top
        return principal

    report = state.demo_report()
    if report is not None and not st.session_state.get("demo_announced") and (principal.signed_in or principal.roles):
        st.session_state["demo_announced"] = True
        # In the page, not a toast: a toast is an unnamed dialog to a screen reader and vanishes before it is read.
        st.info(_("The store was empty, so demo data was loaded: {organizations} fictional organizations, "
                  "{respondents} respondents.").format(organizations=report.organizations,
                                                       respondents=report.respondents), icon=":material/info:")
    widgets.show_flash()  # confirmations of the last action, in the page

    auth.cookie_script()
    language.remember_in_browser()
    if not principal.roles and not principal.signed_in:
        language.picker(compact=True)  # anonymous: no sidebar, so a small control at the top
        return principal  # anonymous: no organization, no data, nothing in the sidebar
    with st.sidebar:
        language.picker()
        orgs = state.cached(state.organizations)
        orgs = orgs[orgs["id"].isin(principal.organizations())]
        if not orgs.empty:
            # The choice lives in a plain session key (widget keys are dropped when a widget is not drawn),
            # and the picker is set from it on every run, so it survives page switches.
            state.selected_organization(principal.organizations())
            st.session_state[state.ORG_PICKER_KEY] = st.session_state[state.ORG_KEY]
            names = dict(zip(orgs["id"], orgs["name"], strict=True))
            st.selectbox(_("Organization"), list(names), key=state.ORG_PICKER_KEY, format_func=names.get,
                         on_change=state.organization_picked)
        if state.cached(state.demo_loaded_at):
            st.caption(_(":material/info: This store holds **demo data** (fictional organizations), loaded on "
                         "first start."))
        who = principal.email or _("facilitator (passphrase)")
        # Body text, not a caption: Markdown makes an e-mail address a link, which a caption fades to 2.9:1 contrast.
        st.markdown(f":material/person: {widgets.esc(who)}")
        st.button(_("Sign out"), key="frame_sign_out", on_click=auth.sign_out, icon=":material/logout:",
                  type="tertiary")
        widgets.about()
    return principal


def require(bare: bool = False) -> None:
    """Call first in every page: a page run without dashboard.py reruns inside it (AppTest: draws it)."""
    if not st.session_state.pop(_IN_FRAME, False):
        open_page()
        draw(bare=bare)
        st.session_state.pop(_IN_FRAME, None)
