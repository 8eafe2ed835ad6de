"""Schema migrations with Alembic on both backends: a fresh database reaches the newest revision and
matches the schema module exactly; a database from before migrations is stamped and keeps its data;
several servers starting at once migrate once; the `db` command reports and upgrades."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from leverage.core import migrations
from leverage.core.database import create_engine
from leverage.core.schema import metadata
from leverage.survey.store import Store

ROOT = Path(__file__).resolve().parent.parent


def test_head_is_the_newest_script():
    scripts = ScriptDirectory.from_config(migrations._config())
    assert scripts.get_current_head() == migrations.HEAD
    assert migrations.BASELINE in migrations.known_revisions()


def test_a_fresh_database_matches_the_schema_module(store):
    assert store.schema_revision() == migrations.HEAD
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diffs == []
    assert store.revision() == 0


def legacy_database(url: str) -> None:
    """What the app made before migrations: the baseline's tables, a schema_version row, some data."""
    engine = create_engine(url)
    migrations.upgrade(engine, migrations.BASELINE)  # exactly the tables of that time
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE alembic_version"))
        conn.execute(sa.text("DELETE FROM meta"))  # the baseline's revision row; the old app wrote its own
        conn.execute(sa.text("INSERT INTO meta (key, value) VALUES ('schema_version', '1'), ('revision', '7')"))
        conn.execute(sa.text("INSERT INTO organizations (name, created_at) VALUES ('Riverside', :t)"),
                     {"t": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)})
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_database_from_before_migrations_is_stamped_and_keeps_its_data(backend, tmp_path, request):
    url = f"sqlite:///{tmp_path}/old.db" if backend == "sqlite" else request.getfixturevalue("postgres_store_url")
    legacy_database(url)
    store = Store(url)
    try:
        assert store.schema_revision() == migrations.HEAD
        assert store.list_organizations()["name"].tolist() == ["Riverside"]
        assert store.revision() == 7
        store.add_organization("Lakeshore")
        assert store.revision() == 8
    finally:
        store.dispose()


OPEN = "import sys; from leverage.core.database import Database; d = Database(sys.argv[1]); print(d.schema_revision())"


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_servers_starting_together_migrate_once(backend, tmp_path, request):
    url = f"sqlite:///{tmp_path}/new.db" if backend == "sqlite" else request.getfixturevalue("postgres_store_url")
    # four server processes opening one fresh database at the same moment (plain processes, as servers are)
    starts = [subprocess.Popen([sys.executable, "-c", OPEN, url], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(4)]
    reached = [p.communicate(timeout=120) for p in starts]
    assert [out.strip() for out, _ in reached] == [migrations.HEAD] * 4, [err for _, err in reached]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
            assert conn.execute(sa.text("SELECT count(*) FROM meta WHERE key = 'revision'")).scalar_one() == 1
    finally:
        engine.dispose()


def test_the_db_command(tmp_path):
    env = {"LEVERAGE_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "PATH": "/usr/bin:/bin"}

    def db(action: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "leverage", "db", action], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    head = migrations.HEAD
    assert db("current").stdout.strip() == f"(empty database) (behind: the app's newest is {head})"
    upgraded = db("upgrade")
    assert upgraded.returncode == 0 and upgraded.stdout.strip() == f"schema at {head} (was None)"
    assert db("upgrade").stdout.strip() == f"schema at {head} (already up to date)"
    assert db("current").stdout.strip() == f"{head} (up to date)"
    assert "0001_baseline" in db("history").stdout
