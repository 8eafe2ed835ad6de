"""Shared pieces of the live-workshop pages: the Workshops service, short shared caches, the facilitator gate.

Live views (console, projector, a phone waiting for the next point) read through caches with a one-second
lifetime that every session of the process shares: a room of N viewers costs about one query a second
per server, not N. Writes go straight to the database; a facilitator's own action clears the caches so
the console shows it at once.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import plotly.graph_objects as go
import streamlit as st

from leverage.survey.charts import level_distribution_chart
from leverage.workshops import joincode
from leverage.workshops.service import Workshops
from ui import state, widgets

LIVE_TTL = 1.0  # seconds a snapshot is shared between the sessions of one process
AUTH_KEY = "ws_facilitator"  # session flag: this browser session passed the passphrase
WORKSHOP_KEY = "ws_id"  # the workshop this facilitator session runs


def workshops() -> Workshops:
    return _workshops(state.settings().database_url)


@st.cache_resource(show_spinner=False)
def _workshops(url: str) -> Workshops:
    return Workshops(state.store())


@st.cache_data(ttl=LIVE_TTL, max_entries=64, show_spinner=False)
def snapshot(url: str, workshop_id: int) -> dict:
    return workshops().snapshot(workshop_id)


@st.cache_data(ttl=LIVE_TTL, max_entries=64, show_spinner=False)
def results(url: str, workshop_id: int, vote: int, points: tuple[str, ...]):
    return workshops().results(workshop_id, vote, points)


@st.cache_data(ttl=LIVE_TTL, max_entries=32, show_spinner=False)
def shift(url: str, workshop_id: int, by: tuple[str, ...]):
    return workshops().shift(workshop_id, by)


@st.cache_resource(ttl=10, max_entries=32, show_spinner=False)
def distribution_figure(url: str, workshop_id: int, vote: int, points: tuple[str, ...], answers: int,
                        title: str) -> go.Figure:
    """The level-distribution chart of the shown points, rebuilt only when the answer count changes."""
    _, dist = results(url, workshop_id, vote, points)
    fig = level_distribution_chart(dist, workshops().instrument, title)
    fig.update_layout(font={"size": 20})
    return fig


def live(workshop_id: int) -> dict:
    return snapshot(state.settings().database_url, workshop_id)


def changed() -> None:
    """After a facilitator's action: drop the shared snapshots so this view shows it at once."""
    snapshot.clear()
    results.clear()
    shift.clear()


def client_key(prefix: str) -> str:
    """Who is guessing: the client's address (shared by every session from it), else this session."""
    ip = None
    try:
        ip = st.context.ip_address
    except Exception:  # not available under AppTest or behind some proxies
        ip = None
    if not isinstance(ip, str) or not ip:  # AppTest hands back a mock
        ip = "session:" + st.session_state.setdefault("_ws_session", joincode.new_token())
    return f"{prefix}:{ip}"


def base_url() -> str:
    """The address phones should open: LEVERAGE_PUBLIC_URL, else the one this browser used."""
    configured = state.settings().public_url
    if configured:
        return configured
    try:
        parts = urlsplit(st.context.url or "")
    except Exception:  # no browser URL (AppTest)
        parts = None
    if parts and parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return "http://localhost:8501"


def sso_configured() -> bool:
    """True when `.streamlit/secrets.toml` has an `[auth]` section, so `st.login()` can work."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def _sso_gate(emails: tuple[str, ...]) -> bool:
    """Single sign-on for facilitators listed in LEVERAGE_FACILITATOR_EMAILS; True when this user may enter."""
    if st.user.is_logged_in:
        email = st.user.get("email")
        if joincode.email_allowed(email, emails):
            return True
        st.error(f"You are signed in as {widgets.esc(email or 'an account without an e-mail address')}, "
                 "which is not a facilitator of this app.")
        st.button("Sign out", on_click=st.logout)
    else:
        st.button("Sign in with single sign-on", type="primary", on_click=st.login)
    return False


def facilitator_gate() -> None:
    """Stop the page unless this session passed the passphrase (constant-time, throttled) or single sign-on."""
    if st.session_state.get(AUTH_KEY):
        return
    settings = state.settings()
    configured = settings.facilitator_passphrase
    sso = sso_configured() and bool(settings.facilitator_emails)
    if sso and _sso_gate(settings.facilitator_emails):
        st.session_state[AUTH_KEY] = True
        return
    if not configured and not sso:
        st.warning("The facilitator console is locked because no facilitator passphrase is configured.")
        st.markdown("Set one before starting the app, either as an environment variable:\n\n"
                    "```\nLEVERAGE_FACILITATOR_PASSPHRASE='a long phrase only facilitators know' scripts/run\n```\n\n"
                    "or as `LEVERAGE_FACILITATOR_PASSPHRASE = \"…\"` in `.streamlit/secrets.toml` (git-ignored). "
                    "With single sign-on (an `[auth]` section in secrets.toml), list the facilitators' e-mail "
                    "addresses in `LEVERAGE_FACILITATOR_EMAILS` instead. "
                    "Participants never need either: they join with the workshop code.")
        st.stop()
    if not configured:
        st.stop()
    with st.form("ws_gate"):
        given = st.text_input("Facilitator passphrase", type="password")
        submitted = st.form_submit_button("Open the console", type="primary")
    if submitted:
        throttle = workshops().throttle
        key = client_key("pass")
        wait = throttle.wait_seconds(key)
        if wait > 0:
            st.error(f"Too many wrong passphrases. Wait {int(wait) + 1} s, then try again.")
        elif joincode.passphrase_matches(given, configured):
            throttle.succeeded(key)
            st.session_state[AUTH_KEY] = True
            st.rerun()
        else:
            delay = throttle.failed(key)
            st.error("That passphrase is not right." + (f" Wait {int(delay)} s before the next try." if delay else ""))
    st.stop()
