"""AppTest fixtures: every test gets its own SQLite file, copied from one demo database built per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from leverage.core.settings import load_settings
from leverage.demo.loader import load_demo
from leverage.survey.store import Store

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard.py")
TIMEOUT = 30


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo_db")
    path = folder / "demo.db"
    store = Store(f"sqlite:///{path}")
    load_demo(store, load_settings({}), folder / "demo")
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()
    return path


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """st.cache_data / st.cache_resource are process-wide: clear them so tests cannot leak into each other."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def db_url(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private copy of the demo database, set as the app's store."""
    path = tmp_path / "app.db"
    shutil.copy(demo_db, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("LEVERAGE_DATABASE_URL", url)
    monkeypatch.delenv("LEVERAGE_MIN_N", raising=False)
    monkeypatch.delenv("LEVERAGE_ROLES", raising=False)
    return url


@pytest.fixture
def empty_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty store that must stay empty (demo loading off)."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("LEVERAGE_DATABASE_URL", url)
    monkeypatch.setenv("LEVERAGE_LOAD_DEMO", "never")
    return url


@pytest.fixture
def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def add_organization(url: str, name: str) -> int:
    store = Store(url)
    try:
        return store.add_organization(name)
    finally:
        store.dispose()


def org_id(url: str, name: str) -> int:
    store = Store(url)
    try:
        orgs = store.list_organizations()
        return int(orgs.loc[orgs["name"] == name, "id"].iloc[0])
    finally:
        store.dispose()


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """File name -> the callable that makes the download's bytes, as registered by the page's last run."""
    found: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return found
