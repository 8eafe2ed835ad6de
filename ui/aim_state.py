"""Cached reads of the aims register, keyed like every other read by (database url, revision)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from leverage.aims.register import Aim
from leverage.aims.repository import AimStore
from leverage.aims.view import AimView, analyse_register
from ui import state


@st.cache_resource(show_spinner=False)
def _register(url: str) -> AimStore:
    return AimStore(state.store())


def register() -> AimStore:
    """The aims register on the app's store (its tables are created once per process)."""
    return _register(state.settings().database_url)


@st.cache_resource(max_entries=32, show_spinner=False)
def _views(url: str, rev: state.Rev, org_id: int) -> list[AimView]:
    return analyse_register(register(), org_id)


def views(org_id: int) -> list[AimView]:
    """Every aim of the organization, analysed (shared, read-only objects: never modify them)."""
    return _views(state.settings().database_url, state.revision(), org_id)


def view(org_id: int, aim_id: int) -> AimView | None:
    return next((v for v in views(org_id) if v.aim.id == aim_id), None)


def aims(org_id: int) -> list[Aim]:
    return [v.aim for v in views(org_id)]


def today() -> dt.date:
    return dt.date.today()
