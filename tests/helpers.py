"""Helpers shared by every test folder (unit, pages, e2e).

`require_component` is the one place that decides what happens when something a test needs (the
PostgreSQL server, Chromium) is missing: skip with a reason on a developer machine, fail in CI, where
every component is installed and a skip would hide a broken set-up.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from functools import cache

import pytest
import sqlalchemy as sa

POSTGRES_HOST = "127.0.0.1"
POSTGRES_PORT = 5432
POSTGRES_DATABASE = "test"
#: Set this to use another server; otherwise the users below are tried with trust auth.
POSTGRES_URL_ENV = "LEVERAGE_TEST_POSTGRES_URL"
POSTGRES_USERS = ("postgres", "root")


def in_ci() -> bool:
    """True when the environment variable CI is "true" or "1" (GitHub Actions, GitLab, ... set it)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def require_component(available: bool, reason: str) -> None:
    """Do nothing when `available`; otherwise skip the test locally, but fail it in CI."""
    if available:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI must run this test, not skip it)", pytrace=False)
    pytest.skip(reason)


def _candidate_postgres_urls() -> list[str]:
    if os.environ.get(POSTGRES_URL_ENV):
        return [os.environ[POSTGRES_URL_ENV]]
    return [f"postgresql+psycopg://{user}@{POSTGRES_HOST}:{POSTGRES_PORT}/{POSTGRES_DATABASE}"
            for user in POSTGRES_USERS]


@cache
def probe_postgres() -> tuple[str | None, str]:
    """(a working server URL, "") or (None, why none works). Probed once per test session."""
    errors = []
    for url in _candidate_postgres_urls():
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3}, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return url, ""
        except Exception as exc:  # any failure to connect means "not reachable" for the probe
            errors.append(f"{url.split('//')[1].split('@')[0]}: {str(exc).splitlines()[0]}")
        finally:
            engine.dispose()
    return None, "; ".join(errors)


def require_postgres() -> str:
    """The URL of the test server, or skip (locally) / fail (CI) the calling test."""
    url, error = probe_postgres()
    require_component(url is not None, f"PostgreSQL not reachable at {POSTGRES_HOST}:{POSTGRES_PORT}: {error}")
    assert url is not None
    return url


def with_search_path(url: str, schema: str) -> str:
    """`url` with libpq's `options=-csearch_path=<schema>`, so every connection lands in that schema."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@contextlib.contextmanager
def postgres_schema(server_url: str) -> Iterator[str]:
    """A fresh, empty schema for one test; yields a URL whose connections use it, drops it afterwards.

    Dispose every engine made from the yielded URL before the block ends, or the drop waits for it
    (up to the lock timeout, then fails loudly instead of hanging).
    """
    schema = f"t_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield with_search_path(server_url, schema)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text("SET lock_timeout = '15s'"))
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def demo_store_url(folder) -> str:
    """A SQLite store in `folder` holding the demo data (its parquet files written beside it): the board pack's
    and other read-only tests' shared starting point."""
    from leverage.core.settings import load_settings
    from leverage.demo.loader import load_demo
    from leverage.survey.store import Store

    url = f"sqlite:///{folder / 'demo.db'}"
    store = Store(url)
    try:
        load_demo(store, load_settings({}), folder / "demo")
    finally:
        store.dispose()
    return url
