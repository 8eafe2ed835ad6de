"""`users add | list | remove | link`: accounts from the server's shell, for scripts and recovery.

Operators with shell access need no sign-in (they can read the database anyway); every change is still
written to the audit log, with "command line" as the actor.
"""

from __future__ import annotations

import argparse

from leverage.cli.common import CliError

DEFAULT_BASE_URL = "http://localhost:8501"


def _access():
    from leverage.access.service import Access
    from leverage.core.settings import load_settings
    from leverage.survey.store import Store

    settings = load_settings()
    store = Store(settings.database_url)
    return Access(store, settings.secret_key), store, settings


def _organization(store, name: str | None) -> int:
    if not name:
        raise CliError("--organization: name the organization the role is for (or use --installation-admin)")
    orgs = store.list_organizations()
    found = orgs[orgs["name"].str.lower() == name.strip().lower()]
    if found.empty:
        known = ", ".join(orgs["name"].head(10)) or "none yet"
        raise CliError(f"--organization: no organization is called {name!r} (known: {known})")
    return int(found["id"].iloc[0])


def cmd_users(args: argparse.Namespace) -> int:
    from leverage.access.permissions import Role, parse_role
    from leverage.access.sessions import signin_url
    from leverage.access.users import COMMAND_LINE

    access, store, settings = _access()
    try:
        if args.action == "list":
            frame = access.users.list()
            if frame.empty:
                print("no users yet")
            for rec in frame.itertuples():
                where = f"{rec.organization}: {rec.roles}" if isinstance(rec.organization, str) else "no role"
                admin = " [installation admin]" if rec.installation_admin else ""
                print(f"{rec.email}{admin}  {where}")
            return 0
        if not args.email:
            raise CliError(f"users {args.action}: give the user's e-mail address")
        if args.action == "add":
            if not args.role and not args.installation_admin:
                raise CliError("users add: give --role ROLE --organization NAME, or --installation-admin")
            roles: tuple[Role, ...] = ()
            org = None
            if args.role:
                roles = (parse_role(args.role),)
                org = _organization(store, args.organization)
            access.users.add(COMMAND_LINE, args.email, args.name or "", organization_id=org, roles=roles,
                             installation_admin=args.installation_admin)
            print(f"{args.email.strip().lower()}: " + ", ".join(
                ([f"{roles[0].value} of {args.organization.strip()}"] if roles else [])
                + (["installation admin"] if args.installation_admin else [])))
            return 0
        row = access.users.by_email(args.email)
        if row is None:
            raise CliError(f"no user has the e-mail address {args.email.strip()!r}")
        if args.action == "remove":
            access.users.remove(COMMAND_LINE, int(row["id"]))
            print(f"removed {row['email']}")
            return 0
        token = access.sessions.create_link(COMMAND_LINE, int(row["id"]), args.minutes)
        print(signin_url(args.base_url or settings.public_url or DEFAULT_BASE_URL, token))
        print(f"(one-time link for {row['email']}, valid {args.minutes:g} minutes)")
        return 0
    finally:
        store.dispose()


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not 1 <= value <= 7 * 24 * 60:
        raise argparse.ArgumentTypeError("a link lives from 1 minute to 7 days (10080 minutes)")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="accounts: add, list, remove, print a one-time sign-in link",
                       description="Manage who may sign in. `users add EMAIL --role ROLE --organization NAME` (or "
                                   "--installation-admin), `users list`, `users remove EMAIL`, and `users link EMAIL`, "
                                   "which prints a one-time sign-in link (valid 15 minutes).")
    p.add_argument("action", choices=("add", "list", "remove", "link"))
    p.add_argument("email", nargs="?")
    p.add_argument("--role", help="admin, editor, facilitator or viewer (with --organization)")
    p.add_argument("--organization", help="the organization the role is for, by name")
    p.add_argument("--installation-admin", action="store_true", help="may add organizations and their admins")
    p.add_argument("--name", help="the person's name, shown to admins")
    p.add_argument("--minutes", type=_minutes, default=15.0, help="link: how long it works (default 15)")
    p.add_argument("--base-url", help="link: the app's address (default LEVERAGE_PUBLIC_URL or "
                                      f"{DEFAULT_BASE_URL})")
    p.set_defaults(func=cmd_users)
