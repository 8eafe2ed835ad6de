"""Start extra `streamlit run` servers with their own environment (a passphrase, a shared PostgreSQL store)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.e2e.conftest import ROOT, App, _free_port, _wait_healthy


@contextlib.contextmanager
def streamlit_server(tmp: Path, database_url: str, name: str = "server", **env_extra: str) -> Iterator[App]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEVERAGE_")}
    env.update(LEVERAGE_DATABASE_URL=database_url, PYTHONUNBUFFERED="1", **env_extra)
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
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
