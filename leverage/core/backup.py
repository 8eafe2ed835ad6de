"""Backups, restores and moving a store between backends: one portable file format, a SQLite database.

Why a SQLite file for every backend: a backup must restore into an empty store on either backend
(SQLite → PostgreSQL and back), so it cannot be `pg_dump`'s format. A SQLite file is one portable file
that holds the tables exactly as the app's migrations make them, the Alembic revision they are at, and
every row; the `sqlite3` shell can read it. It is marked with `PRAGMA application_id`.

Consistency: on SQLite the file is made with SQLite's online backup API (every page copied under one read
transaction, so concurrent writers neither see nor cause a torn copy); on PostgreSQL every table is read
inside one `REPEATABLE READ, READ ONLY` transaction, so all tables come from one snapshot (as `pg_dump`
does), however many servers keep writing.

Restore: the file is copied aside and, when it was made by an older version, upgraded there by the
app's own migrations; the target store must be empty (the check runs again inside the restoring
transaction, under the migration lock on PostgreSQL); every row is inserted in one transaction, so a
failure leaves the target as empty as it was; PostgreSQL's id sequences are then moved past the
restored ids. A file from a newer version (a revision this app does not know) is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from leverage.core import migrations
from leverage.core.database import create_engine
from leverage.core.schema import meta, metadata

#: `PRAGMA application_id` of a backup file ("LEVR"), so a restore can tell our file from any SQLite file.
APPLICATION_ID = 0x4C455652
SQLITE_HEADER = b"SQLite format 3\x00"
CHUNK = 5_000  # rows read and written at a time: memory stays bounded whatever the table's size
#: Rows of `meta` that a freshly migrated store already has: they do not make a store "not empty".
EMPTY_META_KEYS = frozenset({"revision", "schema_version"})


class BackupError(ValueError):
    """A backup or restore was refused; nothing was written. The message says why and what to do."""


@dataclass
class Copied:
    """What a backup or restore copied: rows per table, and the schema revision they are at."""

    revision: str
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def summary(self) -> str:
        busy = [f"{name} {count}" for name, count in self.rows.items() if count]
        return f"{self.total} rows at schema revision {self.revision}" + (f" ({', '.join(busy)})" if busy else "")


def sqlite_path(url: str) -> Path | None:
    """The file of a `sqlite:///path` URL (None for PostgreSQL or an in-memory database)."""
    if not url.startswith("sqlite:///"):
        return None
    path = url.removeprefix("sqlite:///").split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def describe(url: str) -> str:
    """A URL for messages, without any password."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "the database"


# --- reading and writing rows ------------------------------------------------------------------------
def _utc(value):
    """Datetimes travel as aware UTC: SQLite hands back naive UTC; PostgreSQL aware in the session's zone."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value


def table_rows(conn: Connection, table: sa.Table) -> Iterator[list[dict]]:
    """The table's rows in primary-key order, in chunks, streamed (a server-side cursor on PostgreSQL)."""
    names = [c.name for c in table.columns]
    query = sa.select(*table.columns).order_by(*table.primary_key.columns)
    result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(query)
    for part in result.partitions(CHUNK):
        yield [{name: _utc(value) for name, value in zip(names, row, strict=True)} for row in part]


def copy_tables(source: Connection, target: Connection) -> dict[str, int]:
    """Every table of the schema from `source` into `target` (parents before children); rows per table."""
    counts = {}
    for table in metadata.sorted_tables:
        counts[table.name] = 0
        for chunk in table_rows(source, table):
            target.execute(table.insert(), chunk)
            counts[table.name] += len(chunk)
    return counts


def occupied(conn: Connection) -> list[str]:
    """Tables of the schema that hold rows (beyond the bookkeeping rows of a freshly made store)."""
    names = set(sa.inspect(conn).get_table_names())
    found = []
    for table in metadata.sorted_tables:
        if table.name not in names:
            continue
        query = sa.select(sa.literal(1)).select_from(table)
        if table is meta:
            query = query.where(meta.c.key.not_in(sorted(EMPTY_META_KEYS)))
        if conn.execute(query.limit(1)).first() is not None:
            found.append(table.name)
    return found


def reset_sequences(conn: Connection) -> None:
    """PostgreSQL: move each id sequence past the restored ids, so the next insert gets a fresh id."""
    for table in metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer) or keys[0].autoincrement is False:
            continue
        column = keys[0].name
        sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                {"t": table.name, "c": column}).scalar()
        if sequence is None:
            continue
        top = conn.execute(sa.select(sa.func.max(table.c[column]))).scalar()
        conn.execute(sa.text("SELECT setval(CAST(:s AS regclass), :v, :called)"),
                     {"s": sequence, "v": top or 1, "called": top is not None})


# --- backup ---------------------------------------------------------------------------------------------
def _check_source(engine: Engine, url: str) -> str:
    found = migrations.current(engine)
    if found is None:
        raise BackupError(f"{describe(url)} holds no Leverage schema: nothing to back up (start the app or run "
                          "`python -m leverage db upgrade` first)")
    if found not in migrations.known_revisions():
        raise BackupError(f"{describe(url)} is at schema revision {found}, which this version of Leverage does not "
                          "know: back it up with the version that upgraded it")
    if found != migrations.HEAD:
        raise BackupError(f"{describe(url)} is at schema revision {found}, behind this version's {migrations.HEAD}: "
                          "back it up with the version that runs it, then upgrade")
    return found


def _mark(path: Path) -> None:
    """One self-contained file (no WAL beside it), marked as ours."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.commit()
    finally:
        conn.close()


def _sqlite_snapshot(source: Path, out: Path) -> None:
    """SQLite's online backup API: every page under one read transaction, while servers keep writing."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(out)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _export_snapshot(engine: Engine, out: Path) -> None:
    """Any backend (used for PostgreSQL): the tables as the migrations make them on SQLite, then every row
    read inside one REPEATABLE READ, READ ONLY transaction (one snapshot for all tables)."""
    target = create_engine(f"sqlite:///{out}")
    try:
        migrations.upgrade(target)
        with engine.connect() as src_conn:
            if engine.dialect.name == "postgresql":
                src_conn = src_conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with src_conn.begin(), target.begin() as dst_conn:
                dst_conn.execute(meta.delete())  # the fresh file's own revision row; the source's comes next
                copy_tables(src_conn, dst_conn)
    finally:
        target.dispose()


def backup(url: str, out: str | Path, overwrite: bool = False) -> Copied:
    """A consistent snapshot of the store at `url` as the backup file `out` (written whole or not at all)."""
    out = Path(out)
    if out.is_dir():
        raise BackupError(f"{out} is a folder; name the backup file")
    if out.exists() and not overwrite:
        raise BackupError(f"{out} already exists; choose another name (or --force to replace it)")
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent}: no such folder")
    source = sqlite_path(url)
    if url.startswith("sqlite") and (source is None or not source.is_file()):
        raise BackupError(f"{describe(url)}: no such database file")
    engine = create_engine(url)
    try:
        _check_source(engine, url)
        tmp = out.parent / f".{out.name}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            if source is not None:
                _sqlite_snapshot(source, tmp)
            else:
                _export_snapshot(engine, tmp)
            _mark(tmp)
            copied = inspect_backup(tmp)
            tmp.replace(out)
        finally:
            tmp.unlink(missing_ok=True)
    finally:
        engine.dispose()
    return copied


# --- reading a backup file ------------------------------------------------------------------------------
def _open_file(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not a Leverage backup (not a SQLite database file)")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def backup_revision(path: Path) -> str:
    """The schema revision of a backup file; refused unless it is a Leverage backup or store file."""
    conn = _open_file(path)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if "meta" not in tables or (app_id not in (0, APPLICATION_ID)):
            raise BackupError(f"{path} is not a Leverage backup (no Leverage tables in it)")
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone() if "alembic_version" in tables \
            else None
        if revision is None:
            legacy = conn.execute("SELECT 1 FROM meta WHERE key = 'schema_version'").fetchone()
            if legacy is None:
                raise BackupError(f"{path} is not a Leverage backup (it has no schema revision)")
            return migrations.BASELINE  # made before migrations existed: its tables are the baseline's
        return revision[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as a Leverage backup ({exc})") from None
    finally:
        conn.close()


def inspect_backup(path: str | Path) -> Copied:
    """The revision and rows per table of a backup file (for the command's summary and for checks)."""
    path = Path(path)
    revision = backup_revision(path)
    conn = _open_file(path)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        rows = {t.name: conn.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]  # noqa: S608 (our names)
                for t in metadata.sorted_tables if t.name in tables}
    finally:
        conn.close()
    return Copied(revision, rows)


@contextlib.contextmanager
def _upgraded_copy(path: Path) -> Iterator[Engine]:
    """The backup copied aside and brought to this app's schema by its own migrations (the file is untouched)."""
    revision = backup_revision(path)
    if revision not in migrations.known_revisions():
        raise BackupError(f"{path} was made by a newer version of Leverage (schema revision {revision}, unknown to "
                          "this version): upgrade the app, then restore")
    with tempfile.TemporaryDirectory(prefix="leverage-restore-") as tmp:
        copy = Path(tmp) / "backup.db"
        shutil.copyfile(path, copy)
        engine = create_engine(f"sqlite:///{copy}")
        try:
            migrations.upgrade(engine)
            yield engine
        finally:
            engine.dispose()


# --- restore --------------------------------------------------------------------------------------------
def _refuse_if_occupied(conn: Connection, url: str) -> None:
    busy = occupied(conn)
    if busy:
        raise BackupError(f"{describe(url)} already holds data (tables {', '.join(busy)}): restore only into an "
                          "empty store (a new database, schema or file)")


@contextlib.contextmanager
def _installation_lock(conn: Connection) -> Iterator[None]:
    """PostgreSQL: the migration lock, so no server starts (and migrates or loads demo data) mid-restore."""
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": migrations.LOCK_KEY})
        conn.commit()
    try:
        yield
    finally:
        if postgres:
            conn.rollback()
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": migrations.LOCK_KEY})
            conn.commit()


def restore(path: str | Path, url: str) -> Copied:
    """Every row of the backup file `path` into the empty store at `url`, in one transaction."""
    path = Path(path)
    with _upgraded_copy(path) as source:
        target = create_engine(url)
        try:
            with target.connect() as conn:  # refuse before changing anything (not even the schema)
                _refuse_if_occupied(conn, url)
            migrations.upgrade(target)
            with target.connect() as conn, _installation_lock(conn):
                with conn.execution_options(write=True).begin():
                    _refuse_if_occupied(conn, url)  # again, inside the transaction that writes
                    conn.execute(meta.delete())
                    with source.connect() as src_conn:
                        rows = copy_tables(src_conn, conn)
                    if conn.dialect.name == "postgresql":
                        reset_sequences(conn)
        finally:
            target.dispose()
    return Copied(migrations.HEAD, rows)


def copy_store(source_url: str, target_url: str) -> Copied:
    """Move an installation: a consistent snapshot of `source_url` restored into the empty `target_url`."""
    if sa.engine.make_url(source_url) == sa.engine.make_url(target_url):
        raise BackupError("the source and the target are the same database")
    with tempfile.TemporaryDirectory(prefix="leverage-copy-") as tmp:
        snapshot = Path(tmp) / "snapshot.db"
        backup(source_url, snapshot)
        return restore(snapshot, target_url)
