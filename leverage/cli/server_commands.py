"""`run`: start the app the one way users run it (scripts/run calls this; tests and benchmarks too).

Why one place: the settings that decide how many phones a server can take (no file watcher, no
garbage collection after every run) live in `.streamlit/config.toml`, and a server started any other
way would measure something users never run. So a caller may add the address to listen on, and nothing
else of `--server.*` unless the shipped configuration sets that same value (`shipped_command` refuses).
Development (`--dev`) turns the file watcher and rerun-on-save on, explicitly.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

from leverage.cli.common import CliError
from leverage.core.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / ".streamlit" / "config.toml"
APP = PROJECT_ROOT / "server.py"  # dashboard.py, served with the phones' long-poll route (ui/live_route.py)
#: Where to listen is the caller's to say; everything else about the server comes from config.toml.
PLACE_FLAGS = {"server.port", "server.address", "server.headless", "server.baseUrlPath"}
DEV_FLAGS = ("--server.fileWatcherType", "auto", "--server.runOnSave", "true")


def shipped_settings(config: Path = CONFIG) -> dict[str, str]:
    """`section.key` -> value (as text, lower-case booleans) of the shipped configuration."""
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    out = {}
    for section, values in data.items():
        for key, value in values.items():
            out[f"{section}.{key}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def _server_flags(args: Sequence[str]) -> list[tuple[str, str | None]]:
    found = []
    for i, arg in enumerate(args):
        if arg.startswith("--server."):
            name, _, value = arg[2:].partition("=")
            found.append((name, value or (args[i + 1] if i + 1 < len(args) else None)))
    return found


def shipped_command(port: int | None = None, address: str | None = None, extra: Sequence[str] = (),
                    dev: bool = False, config: Path = CONFIG) -> list[str]:
    """The `streamlit run` command line of the app, refusing server flags the shipped configuration lacks."""
    shipped = shipped_settings(config)
    for name, value in _server_flags(extra):
        if name not in PLACE_FLAGS and shipped.get(name) != value:
            raise CliError(f"--{name} {value}: the shipped configuration ({config.name}) does not set this; put it "
                           "there so users run it too, or leave it out")
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true"]
    if port is not None:
        command += ["--server.port", str(port)]
    if address is not None:
        command += ["--server.address", address]
    if dev:
        command += list(DEV_FLAGS)
    return command + list(extra)


def first_start_link(port: int | None, address: str | None) -> str | None:
    """On first start with no users: the one-time link that makes its opener the installation admin (the
    habit of Jupyter's token link). None when users exist. There is no default password."""
    from leverage.access.service import Access
    from leverage.access.sessions import signin_url
    from leverage.core.settings import load_settings
    from leverage.survey.store import Store

    settings = load_settings()
    store = Store(settings.database_url)
    try:
        token = Access(store, settings.secret_key).sessions.bootstrap_link()
    finally:
        store.dispose()
    if token is None:
        return None
    host = address if address and address not in {"0.0.0.0", "::"} else "localhost"
    base = settings.public_url or f"http://{host}:{port or 8501}"
    return signin_url(base, token)


def cmd_run(args: argparse.Namespace) -> int:
    command = shipped_command(args.port, args.address, args.streamlit_args, dev=args.dev)
    link = first_start_link(args.port, args.address)
    if link:
        print("\n  No one can sign in yet. Open this one-time link to become the installation admin\n"
              f"  (valid 24 hours, once; every server prints the same link until someone has used it):\n\n    {link}\n",
              flush=True)
    os.chdir(PROJECT_ROOT)
    sys.stdout.flush()
    os.execv(command[0], command)  # the server replaces this process: signals reach it directly
    return 0  # pragma: no cover


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="start the app (what scripts/run does)",
                       description="Start the Streamlit server with the shipped configuration "
                                   "(.streamlit/config.toml). Other arguments go to `streamlit run`, but a "
                                   "--server.* flag the configuration does not set is refused.")
    p.add_argument("--port", type=int, help="port to listen on (default 8501)")
    p.add_argument("--address", help="address to listen on (default: all)")
    p.add_argument("--dev", action="store_true", help="development: reload when a file changes")
    p.set_defaults(streamlit_args=[])
    p.set_defaults(func=cmd_run)
