"""Backup, restore and copy-to: every row of every table comes back equal, across backends (SQLite ↔ PostgreSQL);
a restore goes only into an empty store and never from a newer schema; a backup is one consistent snapshot
while servers keep writing; PostgreSQL's id sequences continue after the restored ids."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from leverage.access.permissions import Role
from leverage.access.service import Access
from leverage.access.users import COMMAND_LINE
from leverage.aims.repository import AimStore
from leverage.core import backup as backup_mod
from leverage.core import migrations
from leverage.core.backup import APPLICATION_ID, BackupError, backup, copy_store, inspect_backup, restore
from leverage.core.database import create_engine
from leverage.core.schema import metadata
from leverage.core.settings import Settings
from leverage.demo.loader import load_demo
from leverage.survey.store import Store
from leverage.workshops.joincode import CODE_ADDRESS
from leverage.workshops.service import Workshops
from tests.helpers import postgres_schema, require_postgres

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def populate(url: str, folder: Path) -> None:
    """Rows in every table of the schema: the demo (survey and aims), a workshop with answers and a published result,
    a throttled code."""
    store = Store(url)
    try:
        load_demo(store, Settings(database_url=url), folder / "demo")
        org = int(store.list_organizations()["id"].iloc[0])
        service = Workshops(store)
        made = service.create(org, "Backup workshop", ["LP1", "LP2"], round_name="Workshop round", min_n=3)
        service.open_point(made["id"], "LP1")
        for k in range(4):
            p = service.join(made["code"], f"client{k}", role="board", roles=["board"])
            service.submit(p, "LP1", {i.id: 1 + (k % 5) for i in service.instrument.items_for("LP1")})
        service.close_point(made["id"], "LP1")  # publishes the point's result (4 answers, min_n 3)
        service.throttle.failed([(CODE_ADDRESS, "203.0.113.9")])
        aims = AimStore(store)
        aim = aims.list_aims(org)[0]
        aims.add_annotation(aim.id, dt.date(2026, 3, 1), "PDSA 1", "pdsa")
        with store.engine.connect() as conn:
            respondent = conn.execute(sa.text("SELECT min(id) FROM respondents")).scalar_one()
        store.save_plan(respondent, ["Hospital standardised mortality ratio"],
                        {"LP1": "Name the aim in every board paper", "LP3": "Ask about it on every walk-round"})
        access = Access(store, "backup-test-secret-key-0123456789abcdef")
        peer = int(store.list_organizations()["id"].iloc[1])
        uid = access.users.add(COMMAND_LINE, "editor@example.org", "Ed Itor")
        access.users.set_roles(COMMAND_LINE, uid, org, {Role.EDITOR})  # writes the audit log too
        access.sessions.start(uid, "password")
        access.sessions.create_link(COMMAND_LINE, uid)
        round_id = int(store.list_rounds(org)["id"].iloc[0])
        access.invitations.create(COMMAND_LINE, round_id, [("board", None)], today=dt.date(2020, 1, 1))
        access.sso.add(COMMAND_LINE, "group", "leverage-viewers", org, Role.VIEWER)
        access.named.set(COMMAND_LINE, org, peer, agree=True)
    finally:
        store.dispose()


def all_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order, datetimes as aware UTC (how each backend hands them back
    differs; the instant must not)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in metadata.sorted_tables:
                rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
                out[table.name] = [tuple(backup_mod._utc(v) for v in row) for row in rows]
            out["alembic_version"] = [(migrations.current(engine),)]
            return out
    finally:
        engine.dispose()


@pytest.fixture
def new_url(tmp_path, request):
    """Makes URLs of new, empty stores: a SQLite file, or a fresh PostgreSQL schema (dropped afterwards)."""
    schemas = []

    def make(backend: str, name: str = "db") -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path}/{name}.db"
        cm = postgres_schema(require_postgres())
        schemas.append(cm)
        return cm.__enter__()

    yield make
    for cm in reversed(schemas):
        cm.__exit__(None, None, None)


@pytest.fixture(scope="module")
def source_sqlite(tmp_path_factory) -> tuple[str, dict]:
    """A SQLite store with rows in every table, and those rows (made once for the module)."""
    folder = tmp_path_factory.mktemp("source")
    url = f"sqlite:///{folder}/source.db"
    populate(url, folder)
    rows = all_rows(url)
    empty = [name for name, found in rows.items() if not found]
    assert empty == [], f"the fixture must fill every table (empty: {empty})"
    return url, rows


def test_a_backup_file_is_a_marked_sqlite_database_with_every_row(source_sqlite, tmp_path):
    url, rows = source_sqlite
    copied = backup(url, tmp_path / "b.db")
    assert copied.revision == migrations.HEAD
    assert copied.rows == {name: len(found) for name, found in rows.items() if name != "alembic_version"}
    conn = sqlite3.connect(tmp_path / "b.db")
    try:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    finally:
        conn.close()
    assert not list(tmp_path.glob(".b.db*"))  # no temporary left beside it
    assert all_rows(f"sqlite:///{tmp_path}/b.db") == rows


@pytest.mark.postgres
def test_round_trip_sqlite_to_postgres_and_back(source_sqlite, new_url, tmp_path):
    url, rows = source_sqlite
    backup(url, tmp_path / "from_sqlite.db")
    pg = new_url("postgres")
    restored = restore(tmp_path / "from_sqlite.db", pg)
    assert restored.total == sum(len(r) for name, r in rows.items() if name != "alembic_version")
    assert all_rows(pg) == rows

    backup(pg, tmp_path / "from_postgres.db")  # PostgreSQL's export (one REPEATABLE READ snapshot)
    back = new_url("sqlite", "back")
    restore(tmp_path / "from_postgres.db", back)
    assert all_rows(back) == rows


@pytest.mark.parametrize("backend", BACKENDS)
def test_round_trip_on_one_backend(backend, new_url, tmp_path):
    source = new_url(backend, "source")
    populate(source, tmp_path)
    rows = all_rows(source)
    backup(source, tmp_path / "b.db")
    target = new_url(backend, "target")
    restore(tmp_path / "b.db", target)
    assert all_rows(target) == rows


@pytest.mark.parametrize("backend", BACKENDS)
def test_ids_continue_after_the_restored_ones(source_sqlite, backend, new_url, tmp_path):
    url, rows = source_sqlite
    backup(url, tmp_path / "b.db")
    target = new_url(backend)
    restore(tmp_path / "b.db", target)
    store = Store(target)
    try:
        new_id = store.add_organization("After the restore")  # PostgreSQL: the sequence was moved past the ids
        assert new_id == max(r[0] for r in rows["organizations"]) + 1
        assert store.revision() == int(dict(rows["meta"])["revision"]) + 1
    finally:
        store.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_restore_refuses_a_store_that_holds_data_and_changes_nothing(source_sqlite, backend, new_url, tmp_path):
    url, _ = source_sqlite
    backup(url, tmp_path / "b.db")
    target = new_url(backend)
    store = Store(target)
    try:
        store.add_organization("Already here")
    finally:
        store.dispose()
    before = all_rows(target)
    with pytest.raises(BackupError, match=r"already holds data \(tables .*organizations.*\): restore only into an "
                                          r"empty store"):
        restore(tmp_path / "b.db", target)
    assert all_rows(target) == before


@pytest.mark.parametrize("backend", BACKENDS)
def test_restore_into_a_store_the_app_has_opened_but_not_filled(source_sqlite, backend, new_url, tmp_path):
    url, rows = source_sqlite
    backup(url, tmp_path / "b.db")
    target = new_url(backend)
    Store(target).dispose()  # migrated: tables, alembic_version and meta.revision = 0, no data
    restore(tmp_path / "b.db", target)
    assert all_rows(target) == rows


def test_restore_refuses_a_backup_from_a_newer_version(source_sqlite, tmp_path):
    url, _ = source_sqlite
    backup(url, tmp_path / "b.db")
    conn = sqlite3.connect(tmp_path / "b.db")
    conn.execute("UPDATE alembic_version SET version_num = '0999_from_the_future'")
    conn.commit()
    conn.close()
    target = f"sqlite:///{tmp_path}/target.db"
    with pytest.raises(BackupError, match=r"made by a newer version of Leverage \(schema revision 0999_from"):
        restore(tmp_path / "b.db", target)
    assert not (tmp_path / "target.db").exists()  # nothing was made


def test_restore_refuses_files_that_are_not_backups(tmp_path):
    target = f"sqlite:///{tmp_path}/target.db"
    (tmp_path / "text.db").write_text("organization,department\n")
    with pytest.raises(BackupError, match="not a Leverage backup .not a SQLite database file."):
        restore(tmp_path / "text.db", target)
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("CREATE TABLE t (x)")
    other.close()
    with pytest.raises(BackupError, match="not a Leverage backup .no Leverage tables in it."):
        restore(tmp_path / "other.db", target)
    with pytest.raises(BackupError, match="no such file"):
        restore(tmp_path / "missing.db", target)


def test_a_backup_made_before_migrations_existed_is_upgraded_on_restore(tmp_path):
    """A store file from before Alembic (a meta.schema_version row, no alembic_version), copied by sqlite3's
    .backup as the old documentation said, restores: the copy is stamped and upgraded, the file untouched."""
    from tests.test_migrations import legacy_database

    legacy_database(f"sqlite:///{tmp_path}/old.db")
    untouched = (tmp_path / "old.db").read_bytes()
    target = f"sqlite:///{tmp_path}/target.db"
    restore(tmp_path / "old.db", target)
    assert (tmp_path / "old.db").read_bytes() == untouched
    rows = all_rows(target)
    assert [r[1] for r in rows["organizations"]] == ["Riverside"]
    assert rows["alembic_version"] == [(migrations.HEAD,)]


def test_backup_refuses_an_existing_file_and_a_missing_store(source_sqlite, tmp_path):
    url, _ = source_sqlite
    (tmp_path / "b.db").write_bytes(b"keep me")
    with pytest.raises(BackupError, match="already exists"):
        backup(url, tmp_path / "b.db")
    assert (tmp_path / "b.db").read_bytes() == b"keep me"
    backup(url, tmp_path / "b.db", overwrite=True)
    assert inspect_backup(tmp_path / "b.db").revision == migrations.HEAD
    with pytest.raises(BackupError, match="no such database file"):
        backup(f"sqlite:///{tmp_path}/nothing.db", tmp_path / "c.db")
    with pytest.raises(BackupError, match="no such folder"):
        backup(url, tmp_path / "no" / "c.db")


@pytest.mark.postgres
def test_a_postgres_backup_is_one_snapshot_while_a_server_writes(new_url, tmp_path, monkeypatch):
    """A write that commits after the export read `meta` and before it read `organizations` must be in neither:
    the revision and the organizations of the backup come from one snapshot."""
    url = new_url("postgres")
    store = Store(url)
    store.add_organization("First")
    real_rows = backup_mod.table_rows
    wrote = []

    def rows_then_a_concurrent_write(conn, table):
        yield from real_rows(conn, table)
        if table.name == "meta" and not wrote:
            wrote.append(store.add_organization("Committed mid-backup"))  # another connection, committed

    monkeypatch.setattr(backup_mod, "table_rows", rows_then_a_concurrent_write)
    try:
        backup(url, tmp_path / "b.db")
        assert wrote  # the write did happen during the export
        assert store.revision() == 2
    finally:
        store.dispose()
    rows = all_rows(f"sqlite:///{tmp_path}/b.db")
    assert dict(rows["meta"])["revision"] == "1"
    assert [r[1] for r in rows["organizations"]] == ["First"]


def test_a_sqlite_backup_is_consistent_while_a_server_writes(tmp_path):
    """Each write adds an organization and bumps the revision in one transaction: in every backup taken while
    they run, the number of organizations equals the revision."""
    url = f"sqlite:///{tmp_path}/busy.db"
    store = Store(url)
    stop = threading.Event()

    def writer():
        k = 0
        while not stop.is_set() and k < 2000:
            store.add_organization(f"Org {k}")
            k += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for n in range(5):
            backup(url, tmp_path / f"b{n}.db")
            conn = sqlite3.connect(tmp_path / f"b{n}.db")
            revision = int(conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])
            count = conn.execute("SELECT count(*) FROM organizations").fetchone()[0]
            conn.close()
            assert count == revision
    finally:
        stop.set()
        thread.join()
        store.dispose()


@pytest.mark.postgres
def test_copy_to_moves_the_sqlite_default_to_postgres(source_sqlite, new_url):
    url, rows = source_sqlite
    pg = new_url("postgres")
    copied = copy_store(url, pg)
    assert copied.rows["answers"] == len(rows["answers"])
    assert all_rows(pg) == rows
    assert all_rows(url) == rows  # the source is left as it was
    with pytest.raises(BackupError, match="already holds data"):
        copy_store(url, pg)
    with pytest.raises(BackupError, match="the same database"):
        copy_store(url, url)


def _cli(*args: str, url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "leverage", *args], cwd=ROOT, capture_output=True, text=True,
                          env={"LEVERAGE_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}, timeout=180)


def test_the_backup_and_restore_commands(source_sqlite, tmp_path):
    url, rows = source_sqlite
    made = _cli("backup", str(tmp_path / "b.db"), url=url)
    assert made.returncode == 0, made.stderr
    assert f"to {tmp_path / 'b.db'}: {sum(len(r) for n, r in rows.items() if n != 'alembic_version')} rows at " \
           f"schema revision {migrations.HEAD}" in made.stderr
    again = _cli("backup", str(tmp_path / "b.db"), url=url)
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "already exists" in again.stderr

    target = f"sqlite:///{tmp_path}/restored.db"
    done = _cli("restore", str(tmp_path / "b.db"), url=target)
    assert done.returncode == 0, done.stderr
    assert all_rows(target) == rows
    twice = _cli("restore", str(tmp_path / "b.db"), url=target)
    assert twice.returncode == 2 and twice.stderr.count("\n") == 1
    assert twice.stderr.startswith("leverage: error: sqlite:///") and "already holds data" in twice.stderr

    bad = _cli("copy-to", "mysql://x", url=url)
    assert bad.returncode == 2 and "give a SQLAlchemy URL" in bad.stderr


@pytest.mark.postgres
def test_the_copy_to_command(source_sqlite, new_url):
    url, rows = source_sqlite
    pg = new_url("postgres")
    done = _cli("copy-to", pg, url=url)
    assert done.returncode == 0, done.stderr
    assert "next: set LEVERAGE_DATABASE_URL=" in done.stderr
    assert all_rows(pg) == rows
    with_org = Store(pg)
    try:
        assert with_org.list_organizations()["name"].tolist() == sorted(r[1] for r in rows["organizations"])
    finally:
        with_org.dispose()
