"""App servers for the browser tests and benchmarks, started by `scripts/run` exactly as users start one: the
app on a free port with its own environment (a store, a passphrase, a shared PostgreSQL schema), stopped
when the block ends."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60.0


def run_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """Exactly what users run: scripts/run (the shipped configuration), told only where to listen."""
    return [str(ROOT / "scripts" / "run"), "--port", str(port), "--address", address]


@dataclass
class App:
    url: str  # http://127.0.0.1:PORT, no trailing slash
    database_url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        """The server's stdout and stderr so far, for assertion messages."""
        return self.log.read_text(errors="replace")[-6000:]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(app: App) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            pytest.fail(f"streamlit exited with code {app.process.returncode} before answering:\n{app.output()}")
        try:
            with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    pytest.fail(f"streamlit did not answer /_stcore/health within {STARTUP_TIMEOUT:.0f} s:\n{app.output()}")


@contextlib.contextmanager
def streamlit_server(tmp: Path, database_url: str, name: str = "server", port: int | None = None,
                     **env_extra: str) -> Iterator[App]:
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEVERAGE_")}
    env.update(LEVERAGE_DATABASE_URL=database_url, PYTHONUNBUFFERED="1", **env_extra)
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(run_command(port), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = App(f"http://127.0.0.1:{port}", database_url, process, log)
    try:
        _wait_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
