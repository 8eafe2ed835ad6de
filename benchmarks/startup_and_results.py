"""Benchmark: how long the app takes to start and to render Results on the demo data.

Prints figures; asserts nothing. Run from the project root:
    .venv/bin/python benchmarks/startup_and_results.py [--repeat 5]

Measures
1. server start: `scripts/run` on a fresh empty SQLite store until /_stcore/health answers;
2. the Home page's chart drawn in a real browser (Debian Chromium via Playwright, if present): on the first
   visit, which loads the demo data into the empty store, and in a new browser on the warm server (for
   scale: a bare Streamlit page with one Plotly chart takes about 4 s on this machine);
3. Results page script time via AppTest on the demo data: first run (cold caches) and cached rerun;
4. Results page in the browser: navigation to /results until its charts are drawn;
5. `python -m leverage score` on the demo parquet (about 21,000 answers).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.e2e.servers import run_command  # noqa: E402  (the app as users start it: scripts/run)

PY = sys.executable
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path) -> tuple[subprocess.Popen, int, float]:
    port = free_port()
    env = {**os.environ, "LEVERAGE_DATABASE_URL": f"sqlite:///{db}"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(run_command(port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                if r.read() == b"ok":
                    return proc, port, time.perf_counter() - t0
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode()) from None
            time.sleep(0.02)


def browser_times(port: int) -> dict[str, float] | None:
    """Seconds until the Home chart is drawn (first visit, which loads the demo; then a new browser context
    on the warm server) and until the Results charts are drawn after a click."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path(CHROMIUM).exists():
        return None
    times = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        for label in ("home_first", "home_warm"):
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            t0 = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
            times[label] = time.perf_counter() - t0
        t0 = time.perf_counter()
        page.locator("[data-testid='stSidebarNav']").get_by_text("Results").click()
        page.get_by_text("Respondents", exact=True).first.wait_for(timeout=60_000)
        page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)
        times["results_click"] = time.perf_counter() - t0
        browser.close()
    return times


def apptest_results(db: Path, repeat: int) -> tuple[float, float]:
    os.environ["LEVERAGE_DATABASE_URL"] = f"sqlite:///{db}"
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()  # opens the store (already holding the demo)
    at.switch_page("pages/results.py")
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    assert not at.exception, at.exception
    reruns = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - t0)
    return first, statistics.median(reruns)


def score_cli(tmp: Path) -> float:
    subprocess.run([PY, "-m", "leverage", "demo", "--out", str(tmp / "demo")], cwd=ROOT, check=True,
                   capture_output=True)
    t0 = time.perf_counter()
    subprocess.run([PY, "-m", "leverage", "score", str(tmp / "demo" / "responses.parquet"), "--by",
                    "organization,round,role", "--out", str(tmp / "scores.parquet")], cwd=ROOT, check=True,
                   capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="cached reruns to time (median reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        db = tmp / "bench.db"
        proc, port, health = start_server(db)
        try:
            print(f"server start to /_stcore/health:                {health:6.2f} s")
            times = browser_times(port)
            if times is None:
                print("browser timings:                                 skipped (no chromium or playwright)")
            else:
                print(f"Home chart drawn, first visit (loads the demo): {times['home_first']:6.2f} s")
                print(f"Home chart drawn, new browser, warm server:     {times['home_warm']:6.2f} s")
                print(f"Results charts drawn after a click:             {times['results_click']:6.2f} s")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        first, rerun = apptest_results(db, args.repeat)
        print(f"Results script, first run (cold caches):        {first:6.3f} s")
        print(f"Results script, cached rerun (median of {args.repeat}):     {rerun:6.3f} s")
        print(f"`leverage score` CLI on the demo (21k answers):  {score_cli(tmp):6.2f} s (incl. interpreter start)")


if __name__ == "__main__":
    main()
