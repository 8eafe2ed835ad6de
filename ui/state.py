"""Settings, the store and cached reads. Every cached result is keyed by the store's revision, so a
submission shows at once while repeated reruns cost a dictionary look-up."""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from leverage import scoring
from leverage.config import Settings, load_settings
from leverage.imports import ensure_demo
from leverage.instrument import Instrument, default_instrument, get_instrument
from leverage.store import ImportReport, Store

ORG_KEY = "organization_id"
ORG_PICKER_KEY = "organization_picker"


def settings() -> Settings:
    """Settings from the environment, with LEVERAGE_* keys of .streamlit/secrets.toml taking precedence."""
    env = dict(os.environ)
    try:
        env.update({k: str(v) for k, v in st.secrets.items() if k.startswith("LEVERAGE_")})
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        pass
    return load_settings(env)


@st.cache_resource(show_spinner="Opening the database…")
def _open_store(url: str, load_demo: str) -> tuple[Store, ImportReport | None]:
    store = Store(url)
    report = ensure_demo(store, load_settings({**os.environ, "LEVERAGE_DATABASE_URL": url,
                                               "LEVERAGE_LOAD_DEMO": load_demo}))
    return store, report


def store() -> Store:
    s = settings()
    return _open_store(s.database_url, s.load_demo)[0]


def demo_report() -> ImportReport | None:
    """What was loaded on this process's first start, if the demo was loaded then."""
    s = settings()
    return _open_store(s.database_url, s.load_demo)[1]


def revision() -> int:
    return store().revision()


def instrument_for(round_row: dict | pd.Series | None) -> Instrument:
    if round_row is None:
        return default_instrument()
    return get_instrument(round_row["instrument_id"], round_row["instrument_version"])


# --- cached reads (keyed by url + revision + the question asked) ------------------------------------

@st.cache_data(max_entries=16, show_spinner=False)
def organizations(url: str, rev: int) -> pd.DataFrame:
    return _open_store_for(url).list_organizations()


@st.cache_data(max_entries=64, show_spinner=False)
def departments(url: str, rev: int, org_id: int) -> pd.DataFrame:
    return _open_store_for(url).list_departments(org_id)


@st.cache_data(max_entries=64, show_spinner=False)
def rounds(url: str, rev: int, org_id: int) -> pd.DataFrame:
    return _open_store_for(url).list_rounds(org_id)


@st.cache_data(max_entries=64, show_spinner=False)
def round_scores(url: str, rev: int, org_id: int, round_id: int, by: tuple[str, ...], min_n: int) -> pd.DataFrame:
    """Point and overall scores of one round, grouped by `by`, threshold applied."""
    return scoring.point_scores(_open_store_for(url).responses(org_id, [round_id]), by, min_n)


@st.cache_data(max_entries=64, show_spinner=False)
def round_items(url: str, rev: int, org_id: int, round_id: int, by: tuple[str, ...], min_n: int) -> pd.DataFrame:
    return scoring.item_scores(_open_store_for(url).responses(org_id, [round_id]), by, min_n)


@st.cache_data(max_entries=64, show_spinner=False)
def round_levels(url: str, rev: int, org_id: int, round_id: int, by: tuple[str, ...], min_n: int) -> pd.DataFrame:
    return scoring.level_distribution(_open_store_for(url).responses(org_id, [round_id]), by, min_n)


@st.cache_data(max_entries=32, show_spinner=False)
def focus_measures(url: str, rev: int, round_id: int) -> pd.DataFrame:
    return _open_store_for(url).focus_measure_counts(round_id)


def _open_store_for(url: str) -> Store:
    s = settings()
    return _open_store(url, s.load_demo)[0]


def cached(fn, *args):
    """Call a cached reader with the current url and revision."""
    return fn(settings().database_url, revision(), *args)


def organization_picked() -> None:
    st.session_state[ORG_KEY] = st.session_state[ORG_PICKER_KEY]


def selected_organization() -> tuple[int, str] | None:
    """The organization picked in the sidebar, or None when the store has none."""
    orgs = cached(organizations)
    if orgs.empty:
        return None
    ids = orgs["id"].tolist()
    org_id = st.session_state.get(ORG_KEY)
    if org_id not in ids:
        org_id = ids[0]
        st.session_state[ORG_KEY] = org_id
    return int(org_id), str(orgs.loc[orgs["id"] == org_id, "name"].iloc[0])
