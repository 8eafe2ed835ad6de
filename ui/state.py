"""Settings, the store and cached reads. Every cached result is keyed by the store's revision, so a
submission shows at once while repeated reruns cost a dictionary look-up."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Hashable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from leverage.core.i18n import language
from leverage.core.settings import Settings, load_settings
from leverage.demo.loader import ensure_demo
from leverage.survey import release
from leverage.survey.instrument import Instrument, default_instrument, get_instrument
from leverage.survey.response_import import ImportReport
from leverage.survey.rounds import mark_workshops
from leverage.survey.store import Store

Rev = tuple[int, int]  # (database revision, this process's own writes)
ORG_KEY = "organization_id"  # the chosen organization, kept across pages
ORG_PICKER_KEY = "organization_picker"  # the sidebar widget that sets it


def settings() -> Settings:
    """Settings from the environment, with LEVERAGE_* keys of .streamlit/secrets.toml taking precedence.

    Read once per process (a restart applies new settings); a page asks for them many times a run.
    """
    return _settings()


@st.cache_resource(show_spinner=False)
def _settings() -> Settings:
    env = dict(os.environ)
    try:
        env.update({k: str(v) for k, v in st.secrets.items() if k.startswith("LEVERAGE_")})
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        pass
    return load_settings(env)


@st.cache_resource(show_spinner=False)  # frame.open_page shows a spinner in the reader's language
def _open_store(config: Settings) -> tuple[Store, ImportReport | None]:
    store = Store(config.database_url)
    return store, ensure_demo(store, config)


def store() -> Store:
    return _open_store(settings())[0]


def demo_report() -> ImportReport | None:
    """What was loaded on this process's first start, if the demo was loaded then."""
    return _open_store(settings())[1]


def revision() -> Rev:
    """A cache key for everything read from the store.

    The database revision is read at most once a second per process (a page asks many times a run, and
    Streamlit's own cache costs more than this look-up); this process's own writes count at once, so a
    user always sees what they just saved, and writes by other server processes show within a second.
    """
    s = store()
    now = time.monotonic()
    seen = _REVISIONS.get(s.url)
    if seen is None or now - seen[0] > REVISION_TTL:
        seen = (now, s.revision())
        _REVISIONS[s.url] = seen
    return seen[1], s.local_writes


REVISION_TTL = 1.0
_REVISIONS: dict[str, tuple[float, int]] = {}  # url -> (when read, revision); a stale read only costs a query


def instrument_for(round_row: dict | pd.Series | None) -> Instrument:
    if round_row is None:
        return default_instrument()
    return get_instrument(round_row["instrument_id"], round_row["instrument_version"])


# --- cached reads, keyed by url + revision + the question asked (url and rev are only cache keys) -----

@st.cache_data(max_entries=16, show_spinner=False)
def organizations(url: str, rev: Rev) -> pd.DataFrame:
    return store().list_organizations()


@st.cache_data(max_entries=16, show_spinner=False)
def demo_loaded_at(url: str, rev: Rev) -> str | None:
    return store().get_meta("demo_loaded_at")


@st.cache_data(max_entries=64, show_spinner=False)
def departments(url: str, rev: Rev, org_id: int) -> pd.DataFrame:
    return store().list_departments(org_id)


@st.cache_data(max_entries=64, show_spinner=False)
def rounds(url: str, rev: Rev, org_id: int) -> pd.DataFrame:
    """The organization's rounds oldest first, with `workshop` (True for a round a workshop created)."""
    s = store()
    return mark_workshops(s.list_rounds(org_id), s.workshop_round_ids(org_id))


@st.cache_data(max_entries=16, show_spinner=False)
def round_dates(url: str, rev: Rev) -> pd.DataFrame:
    """Every organization's rounds: organization, round, opens_on, workshop (for ordering by date)."""
    return store().round_dates()


@st.cache_data(max_entries=64, show_spinner=False)
def round_release(url: str, rev: Rev, org_id: int, round_id: int, min_n: int) -> release.Release:
    """The one withheld set of an organization's round: every table of that round publishes from it."""
    return release.decide_answers(store().responses(org_id, [round_id]), min_n, str(org_id), str(round_id))


@st.cache_data(max_entries=64, show_spinner=False)
def round_scores(url: str, rev: Rev, org_id: int, round_id: int, by: tuple[str, ...], min_n: int) -> pd.DataFrame:
    """Point and overall scores of one round, grouped by `by`, withheld as the round's release decides."""
    rel = round_release(url, rev, org_id, round_id, min_n)
    return release.point_table(store().responses(org_id, [round_id]), by, rel)


@st.cache_data(max_entries=64, show_spinner=False)
def round_items(url: str, rev: Rev, org_id: int, round_id: int, by: tuple[str, ...], min_n: int) -> pd.DataFrame:
    rel = round_release(url, rev, org_id, round_id, min_n)
    return release.item_table(store().responses(org_id, [round_id]), by, rel)


@st.cache_data(max_entries=64, show_spinner=False)
def round_levels(url: str, rev: Rev, org_id: int, round_id: int, by: tuple[str, ...], min_n: int) -> pd.DataFrame:
    rel = round_release(url, rev, org_id, round_id, min_n)
    return release.level_table(store().responses(org_id, [round_id]), by, rel)


@st.cache_data(max_entries=32, show_spinner=False)
def focus_measures(url: str, rev: Rev, round_id: int) -> pd.DataFrame:
    return store().focus_measure_counts(round_id)


@st.cache_data(max_entries=64, show_spinner=False)
def response_rate(url: str, rev: Rev, round_id: int) -> tuple[int, int]:
    """(invited, answered) of a round's invitations."""
    from leverage.access.invitations import response_rate as rate

    return rate(store(), round_id)


def cached(fn, *args):
    """Call a cached reader with the current url and revision."""
    return fn(settings().database_url, revision(), *args)


def organization_picked() -> None:
    st.session_state[ORG_KEY] = st.session_state[ORG_PICKER_KEY]


def selected_organization(allowed: list[int] | None = None) -> tuple[int, str] | None:
    """The organization picked in the sidebar among `allowed` (None = every one), or None when there is none.

    A chosen id outside `allowed` (another organization's, set through the session state) is replaced by
    the first allowed one, so a page never reads an organization the person holds no role in.
    """
    orgs = cached(organizations)
    if allowed is not None:
        orgs = orgs[orgs["id"].isin(allowed)]
    if orgs.empty:
        return None
    ids = orgs["id"].tolist()
    org_id = st.session_state.get(ORG_KEY)
    if org_id not in ids:
        org_id = ids[0]
        st.session_state[ORG_KEY] = org_id
    return int(org_id), str(orgs.loc[orgs["id"] == org_id, "name"].iloc[0])


def cached_figure(build: Callable[[], go.Figure], *key: Hashable) -> go.Figure:
    """Build a Plotly figure once per (store revision, key) and share it.

    Building and validating a Plotly figure costs tens of milliseconds, more than every cached read of a
    page together; Streamlit copies the figure when it draws it, so one shared object is safe. `key` must
    name everything the figure shows (which chart, ids, threshold, title); the language is added here.
    """
    return _figure(settings().database_url, revision(), (language(), *key), build)


@st.cache_resource(max_entries=128, show_spinner=False)
def _figure(url: str, rev: Rev, key: tuple, _build: Callable[[], go.Figure]) -> go.Figure:
    return _build()
