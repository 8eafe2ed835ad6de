"""AppTest fixtures: every test gets its own SQLite file, copied from one demo database built per session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from leverage.access.permissions import Role
from leverage.access.service import Access
from leverage.core.settings import load_settings
from leverage.demo.loader import load_demo
from leverage.survey.store import Store
from tests.accounts import invitation_token, make_user  # noqa: F401  (used by the page tests through here)

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


ADMIN_EMAIL = "admin@demo.example"
COOKIE_KEY = "_leverage_cookie"  # ui.auth.COOKIE_KEY: the session cookie a browser session holds


def sign_in(at: AppTest, url: str, email: str = "someone@demo.example", **kwargs) -> AppTest:
    """Give an AppTest session a signed-in user (see make_user); returns the AppTest."""
    at.session_state[COOKIE_KEY] = make_user(url, email, **kwargs)[1]
    return at


class SignedInAppTest(AppTest):
    """AppTest whose first run signs in an installation admin who is admin of every organization (what the
    first-start link makes), so page tests written before sign-in existed keep their assertions."""

    def run(self, *, timeout: float | None = None) -> AppTest:
        if COOKIE_KEY not in self.session_state and os.environ.get("LEVERAGE_DATABASE_URL"):
            url = os.environ["LEVERAGE_DATABASE_URL"]
            store = Store(url)
            try:
                found = Access(store).users.by_email(ADMIN_EMAIL)
            finally:
                store.dispose()
            if found is None:
                self.session_state[COOKIE_KEY] = make_user(url, ADMIN_EMAIL, installation_admin=True,
                                                           every_org=(Role.ADMIN,))[1]
            else:
                store = Store(url)
                try:
                    self.session_state[COOKIE_KEY] = Access(store).sessions.start(int(found["id"]), "test")
                finally:
                    store.dispose()
        return super().run(timeout=timeout)


def signed_in_app() -> AppTest:
    return SignedInAppTest(Path(APP), default_timeout=TIMEOUT)


def anonymous_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


@pytest.fixture
def app() -> AppTest:
    """The app with an admin of every organization signed in (pages/test_access_table.py tests every role)."""
    return signed_in_app()


@pytest.fixture
def anonymous() -> AppTest:
    return anonymous_app()


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
