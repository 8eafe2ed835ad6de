"""`backup`, `restore` and `copy-to`: a consistent snapshot of the store, back into an empty store, and moving
an installation from one database to another (the SQLite default to PostgreSQL)."""

from __future__ import annotations

import argparse
import sys

from leverage.cli.common import CliError
from leverage.core.settings import load_settings


def cmd_backup(args: argparse.Namespace) -> int:
    from leverage.core.backup import BackupError, backup, describe

    url = load_settings().database_url
    try:
        copied = backup(url, args.file, overwrite=args.force)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(f"backed up {describe(url)} to {args.file}: {copied.summary()}", file=sys.stderr)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from leverage.core.backup import BackupError, describe, restore

    url = load_settings().database_url
    try:
        copied = restore(args.file, url)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(f"restored {args.file} into {describe(url)}: {copied.summary()}", file=sys.stderr)
    return 0


def cmd_copy_to(args: argparse.Namespace) -> int:
    from leverage.core.backup import BackupError, copy_store, describe

    source = load_settings().database_url
    target = args.url.strip()
    if not target.startswith(("sqlite:///", "postgresql")):
        raise CliError(f"{describe(target)}: give a SQLAlchemy URL, e.g. postgresql+psycopg://user@host:5432/db")
    try:
        copied = copy_store(source, target)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(f"copied {describe(source)} into {describe(target)}: {copied.summary()}", file=sys.stderr)
    print(f"next: set LEVERAGE_DATABASE_URL={describe(target)} (environment or .streamlit/secrets.toml) and "
          "restart the app; the old store is left as it was", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="a consistent snapshot of the store as one file",
                       description="Write every table of the store (LEVERAGE_DATABASE_URL) to FILE, a SQLite "
                                   "database restorable into an empty store on SQLite or PostgreSQL. SQLite: the "
                                   "online backup API; PostgreSQL: one REPEATABLE READ snapshot. Servers may keep "
                                   "running.")
    p.add_argument("file", help="the backup file to write (e.g. leverage-2026-12-03.db)")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore a backup file into an empty store",
                       description="Insert every row of FILE into the store (LEVERAGE_DATABASE_URL), which must be "
                                   "empty, in one transaction. A backup of an older version is upgraded on the "
                                   "way; one of a newer version is refused.")
    p.add_argument("file", help="a file written by `python -m leverage backup`")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("copy-to", help="copy the store into another, empty database (e.g. SQLite to PostgreSQL)",
                       description="Copy every row of the store (LEVERAGE_DATABASE_URL, default the SQLite file) "
                                   "into the empty database at URL, from one consistent snapshot. The source is "
                                   "left as it was; then point LEVERAGE_DATABASE_URL at URL.")
    p.add_argument("url", help="target, e.g. postgresql+psycopg://leverage@db.example.org:5432/leverage")
    p.set_defaults(func=cmd_copy_to)
