"""Schema migrations with Alembic: the revisions in `versions/`, applied when a database is opened.

Why here and not by hand: every server of an installation opens the database at start, so the first
one brings the schema to the newest revision while the others wait on a lock (PostgreSQL: an advisory
lock; SQLite: the write lock of `BEGIN IMMEDIATE`), and none of them runs on a half-migrated schema.
A database made by the app before migrations existed (a `meta.schema_version` row, no
`alembic_version` table) is stamped at the baseline, whose tables it already has, and upgraded from
there. A database at a revision this app does not know was migrated by a newer app: it is refused.
"""

from __future__ import annotations

import io
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

HERE = Path(__file__).resolve().parent
BASELINE = "0001_baseline"
#: The newest revision in versions/ (a test checks it against Alembic's own view of the scripts).
HEAD = "0004_workshop_resets"
#: pg_advisory_lock key: any constant; it only has to be the same in every server of an installation.
LOCK_KEY = 7_180_203_114
VERSION_TABLE = "alembic_version"


class MigrationError(RuntimeError):
    """The schema cannot be brought to this app's revision; the message says what to do."""


def _config(connection: Connection | None = None, stdout: io.StringIO | None = None):
    from alembic.config import Config

    cfg = Config(stdout=stdout) if stdout is not None else Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def _version(conn: Connection) -> str | None:
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _is_legacy(conn: Connection) -> bool:
    """Tables made by `create_all` before migrations: a meta table with a schema_version row."""
    if not sa.inspect(conn).has_table("meta"):
        return False
    return conn.execute(sa.text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar() is not None


def known_revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    return [s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()]


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return _version(conn)


def ensure_current(engine: Engine) -> None:
    """Bring the schema to HEAD unless it is there already (one cheap query in that common case)."""
    with engine.connect() as conn:
        found = _version(conn)
    if found == HEAD:
        return
    upgrade(engine)


def upgrade(engine: Engine, target: str = "head") -> str | None:
    """Apply every missing revision under the installation-wide lock; returns the revision reached."""
    from alembic import command

    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        if postgres:
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            conn.commit()
        try:
            with conn.execution_options(write=True).begin():
                found = _version(conn)
                if found is not None and found not in known_revisions():
                    raise MigrationError(f"The database's schema is at revision {found}, which this version of "
                                         "Leverage does not know: it was upgraded by a newer version. Upgrade the "
                                         "app, or restore a backup made with this version.")
                cfg = _config(conn)
                if found is None and _is_legacy(conn):
                    command.stamp(cfg, BASELINE)
                command.upgrade(cfg, target)
                reached = _version(conn)
        finally:
            if postgres:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                conn.commit()
    return reached


def history() -> str:
    """The revisions, newest first, as Alembic prints them."""
    from alembic import command

    out = io.StringIO()
    command.history(_config(stdout=out))
    return out.getvalue()
