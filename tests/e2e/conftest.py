"""Browser fixtures: the app served by `streamlit run` on a free port, and Debian's Chromium via Playwright.

Playwright cannot download its own browsers here, so the system Chromium is launched. Without it the
tests skip locally and fail in CI (`tests.helpers.require_component`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import require_component

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
STARTUP_TIMEOUT = 60.0


def chromium_path() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@dataclass
class App:
    url: str  # http://127.0.0.1:PORT, no trailing slash
    database_url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        """The server's stdout and stderr so far, for assertion messages."""
        return self.log.read_text(errors="replace")[-6000:]


def _free_port() -> int:
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


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """`streamlit run dashboard.py` on a fresh SQLite store (demo data loads on the first page view)."""
    tmp = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{tmp}/e2e.db"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEVERAGE_")}
    env.update(LEVERAGE_DATABASE_URL=database_url, LEVERAGE_LOAD_DEMO="auto", PYTHONUNBUFFERED="1")
    log = tmp / "streamlit.log"
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


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless."""
    executable = chromium_path()
    require_component(executable is not None, "Chromium is not installed (expected at /usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Attach the server's output to the report of a failed browser test (a Playwright timeout says nothing
    about a traceback on the server)."""
    report = yield
    server = getattr(item, "funcargs", {}).get("app")
    if report.failed and isinstance(server, App):
        report.sections.append(("streamlit server output", server.output()))
    return report
