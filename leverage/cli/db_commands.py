"""`db upgrade | current | history`: the schema's Alembic revision, for operators and upgrades."""

from __future__ import annotations

import argparse

from leverage.core.settings import load_settings


def cmd_db(args: argparse.Namespace) -> int:
    from leverage.core import migrations
    from leverage.core.database import Database

    if args.action == "history":
        print(migrations.history().rstrip())
        return 0
    settings = load_settings()
    database = Database(settings.database_url, migrate=False)
    try:
        if args.action == "current":
            found = migrations.current(database.engine)
            state = "up to date" if found == migrations.HEAD else f"behind: the app's newest is {migrations.HEAD}"
            print(f"{found or '(empty database)'} ({state})")
        else:
            before = migrations.current(database.engine)
            reached = migrations.upgrade(database.engine)
            print(f"schema at {reached}" + (" (already up to date)" if before == reached else f" (was {before})"))
    finally:
        database.dispose()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="the database schema: upgrade, current revision, history",
                       description="The app upgrades the schema when it starts; `db upgrade` does it beforehand "
                                   "(e.g. before starting several servers), `db current` shows the revision.")
    p.add_argument("action", choices=("upgrade", "current", "history"))
    p.set_defaults(func=cmd_db)
