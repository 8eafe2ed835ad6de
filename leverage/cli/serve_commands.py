"""`serve`: a hall's worth of app servers behind HAProxy (scripts/serve calls this).

`serve --workers N --port P` starts N workers on loopback exactly as `scripts/run` starts one (the shipped
`streamlit run` line, `shipped_command`) and HAProxy on P in front of them; `--reload` replaces the running
workers one at a time (after `git pull`, say), `--status` shows them, `--stop` stops everything. The
supervision itself is in `leverage.cli.supervisor`, HAProxy's configuration in `leverage.cli.haproxy`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

from leverage.cli.common import CliError
from leverage.core.settings import DATA_DIR, load_settings

DEFAULT_PORT = 8501
RELOAD_TIMEOUT = 900.0


def default_workers() -> int:
    """One worker per core this process may use (a Streamlit server uses about one core)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        return os.cpu_count() or 1


def state_dir(args: argparse.Namespace) -> Path:
    return Path(args.state_dir) if args.state_dir else DATA_DIR / "serve" / str(args.port)


def read_status(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "status.json").read_text())
    except (OSError, ValueError):
        return None


def _running(folder: Path) -> dict:
    status = read_status(folder)
    if status is None or status.get("state") not in ("running", "stopping"):
        raise CliError(f"nothing is being served with the state folder {folder} (start it with scripts/serve)")
    try:
        os.kill(int(status["pid"]), 0)
    except (ProcessLookupError, PermissionError, ValueError):
        raise CliError(f"the supervisor recorded in {folder}/status.json (pid {status['pid']}) is not running") \
            from None
    return status


def check_tls(text: str | None) -> Path | None:
    """A PEM file holding the certificate chain and its private key (or the key beside it as FILE.key)."""
    if text is None:
        return None
    path = Path(text).resolve()
    if not path.is_file():
        raise CliError(f"--tls-cert: {text}: no such file")
    try:
        pem = path.read_text(encoding="ascii", errors="strict")
    except (OSError, UnicodeDecodeError):
        raise CliError(f"--tls-cert: {text} is not a PEM file (text with BEGIN CERTIFICATE)") from None
    if "BEGIN CERTIFICATE" not in pem:
        raise CliError(f"--tls-cert: {text} holds no certificate (-----BEGIN CERTIFICATE-----)")
    key_beside = Path(str(path) + ".key")
    if "PRIVATE KEY" not in pem and not key_beside.is_file():
        raise CliError(f"--tls-cert: {text} holds no private key; append the key to the file (cat cert.pem key.pem "
                       f"> {path.name}) or put it in {key_beside.name}")
    return path


def _port_free(address: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address if address not in ("", "*") else "0.0.0.0", port))
        except OSError:
            return False
    return True


def _free_ports(count: int) -> list[int]:
    socks, ports = [], []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            socks.append(sock)
            ports.append(sock.getsockname()[1])
    finally:
        for sock in socks:
            sock.close()
    return ports


def plan_from(args: argparse.Namespace):
    from leverage.cli.supervisor import Plan
    from leverage.core.backup import describe

    settings = load_settings()
    workers = args.workers if args.workers is not None else None
    if workers is not None and workers < 1:
        raise CliError("--workers must be at least 1")
    if settings.is_embedded:
        if workers is not None and workers > 1:
            raise CliError(f"--workers {workers}: the store is the SQLite file ({describe(settings.database_url)}), "
                           "which one server process at a time can serve safely; serve several workers from "
                           "PostgreSQL (set LEVERAGE_DATABASE_URL; `python -m leverage copy-to URL` moves the "
                           "data), or use --workers 1")
        workers = 1
    elif workers is None:
        workers = default_workers()
    if not 1 <= args.port <= 65535:
        raise CliError(f"--port {args.port}: not a TCP port")
    tls = check_tls(args.tls_cert)
    if shutil.which("haproxy") is None:
        raise CliError("HAProxy is not installed: scripts/serve installs Debian's haproxy package when run as root "
                       "(or: apt-get install haproxy)")
    if not _port_free(args.address, args.port):
        raise CliError(f"--port {args.port}: the port is in use on {args.address} (another server, or a serve "
                       "already running: see --status)")
    ports = _free_ports(2 * workers)
    return Plan(workers=workers, port=args.port, address=args.address, state_dir=state_dir(args),
                database=describe(settings.database_url), tls_cert=tls,
                worker_ports=[(ports[2 * k], ports[2 * k + 1]) for k in range(workers)])


def cmd_serve(args: argparse.Namespace) -> int:
    folder = state_dir(args)
    if args.status:
        return _show_status(folder)
    if args.stop:
        return _stop(folder)
    if args.reload:
        return _reload(folder)
    return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    from leverage.cli.supervisor import ServeError, Supervisor, install_signal_handlers
    from leverage.demo.loader import ensure_demo
    from leverage.survey.store import Store

    plan = plan_from(args)
    settings = load_settings()
    # Once, before any worker starts: the schema upgrade and (when the settings ask for it) the demo data, so
    # N workers never race to do either on their first page view.
    store = Store(settings.database_url)
    try:
        revision = store.schema_revision()
        demo = ensure_demo(store, settings)
    finally:
        store.dispose()
    if demo is not None:
        print(f"serve: loaded the demo data into the empty store ({demo.respondents} respondents)", flush=True)
    sup = Supervisor(plan, say=lambda line: print(f"serve: {line}", flush=True))
    install_signal_handlers(sup)
    scheme = "https" if plan.tls_cert else "http"
    try:
        print(f"serve: starting {plan.workers} worker(s) on {plan.database} (schema {revision}); "
              f"state in {plan.state_dir}", flush=True)
        sup.start()
        ports = ", ".join(str(w.port) for w in sup.workers)
        shown = "localhost" if plan.address in ("0.0.0.0", "", "*") else plan.address
        print(f"serve: ready at {scheme}://{shown}:{plan.port} (HAProxy pid {sup.haproxy.pid}) in front of "
              f"{plan.workers} worker(s) on 127.0.0.1 ports {ports}. Ctrl-C stops; `scripts/serve --reload` "
              "replaces the workers one at a time", flush=True)
        sup.watch()
    except ServeError as exc:
        if sup.stopping:
            print("serve: stopped during start", file=sys.stderr)
        else:
            print(f"leverage: error: {exc}", file=sys.stderr)
        sup.stop()
        return 1 if not sup.stopping else 0
    except BaseException:
        sup.stop()
        raise
    print("serve: stopping HAProxy and the workers", flush=True)
    sup.stop()
    print("serve: stopped", flush=True)
    return 0


def _show_status(folder: Path) -> int:
    status = _running(folder)
    scheme = "https" if status.get("tls") else "http"
    print(f"serving {scheme}://{status['address']}:{status['port']} (supervisor pid {status['pid']}, HAProxy pid "
          f"{status['haproxy_pid']}) on {status['database']}")
    for w in status["workers"]:
        print(f"  worker {w['slot']} ({w['server']}): port {w['port']}, pid {w['pid'] or 'restarting'}, "
              f"restarted {w['restarts']} time(s)")
    reload = status.get("reload", {})
    if reload.get("serial"):
        print(f"  last reload: {reload['state']} ({reload['message']})")
    return 0


def _stop(folder: Path) -> int:
    status = _running(folder)
    os.kill(int(status["pid"]), signal.SIGTERM)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = read_status(folder)
        if now and now.get("state") == "stopped":
            print("stopped")
            return 0
        time.sleep(0.25)
    print("leverage: error: the supervisor did not stop within 60 s", file=sys.stderr)
    return 1


def _reload(folder: Path) -> int:
    status = _running(folder)
    serial = int(status.get("reload", {}).get("serial", 0))
    os.kill(int(status["pid"]), signal.SIGHUP)
    print(f"reloading {len(status['workers'])} worker(s) one at a time ...", flush=True)
    deadline = time.monotonic() + RELOAD_TIMEOUT
    said = ""
    while time.monotonic() < deadline:
        now = read_status(folder) or {}
        reload = now.get("reload", {})
        if int(reload.get("serial", 0)) > serial:
            if reload.get("message") and reload["message"] != said:
                said = reload["message"]
                print(f"  {said}", flush=True)
            if reload.get("state") == "done":
                return 0
            if reload.get("state") == "failed":
                print(f"leverage: error: reload failed: {reload.get('message')}", file=sys.stderr)
                return 1
        if now.get("state") != "running":
            print("leverage: error: the supervisor stopped during the reload", file=sys.stderr)
            return 1
        time.sleep(0.25)
    print("leverage: error: the reload did not finish in time; see --status", file=sys.stderr)
    return 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="N app servers behind HAProxy (what scripts/serve does)",
                       description="Start N workers on loopback ports exactly as scripts/run starts one, and HAProxy "
                                   "on --port in front (sticky cookie, websockets, health checks on "
                                   "/_stcore/health). A worker that dies is restarted; --reload replaces them one "
                                   "at a time. Database: LEVERAGE_DATABASE_URL (PostgreSQL for more than one "
                                   "worker).")
    p.add_argument("--workers", type=int, help="number of app servers (default: one per core; 1 on SQLite)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"HAProxy's port (default {DEFAULT_PORT})")
    p.add_argument("--address", default="0.0.0.0", help="HAProxy's address (default: every interface)")
    p.add_argument("--tls-cert", metavar="FILE", help="serve https with this PEM (certificate chain and key)")
    p.add_argument("--state-dir", help="folder for the configuration, logs and status (default data/serve/PORT)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--reload", action="store_true", help="replace the running workers one at a time")
    group.add_argument("--status", action="store_true", help="show the running workers")
    group.add_argument("--stop", action="store_true", help="stop HAProxy and the workers")
    p.set_defaults(func=cmd_serve)
