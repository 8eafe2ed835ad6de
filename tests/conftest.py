"""Shared fixtures: the store on both backends, the PostgreSQL server, the skip-locally/fail-in-CI rule."""

from __future__ import annotations

import pytest

from leverage.survey.store import Store
from tests.helpers import postgres_schema, require_component, require_postgres


@pytest.fixture(name="require_component")
def require_component_fixture():
    """The `require_component(available, reason)` helper, for test folders that prefer a fixture."""
    return require_component


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the PostgreSQL test server (skips locally / fails in CI when it is not reachable)."""
    return require_postgres()


@pytest.fixture
def postgres_store_url(postgres_url: str):
    """A URL into a fresh schema of the test server, dropped after the test."""
    with postgres_schema(postgres_url) as url:
        yield url


@pytest.fixture(params=[
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
])
def store(request: pytest.FixtureRequest, tmp_path) -> Store:
    """An empty store: a SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path}/t.db")
        yield s
        s.dispose()
        return
    url = request.getfixturevalue("postgres_store_url")
    s = Store(url)
    yield s
    s.dispose()
