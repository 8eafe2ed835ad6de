"""Browser fixtures: the app served by `streamlit run` on a free port, and Debian's Chromium via Playwright.

Playwright cannot download its own browsers here, so the system Chromium is launched. Without it the
tests skip locally and fail in CI (`tests.helpers.require_component`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from leverage.access.permissions import Role
from leverage.core.settings import load_settings
from leverage.demo.loader import ensure_demo
from leverage.survey.store import Store
from tests.accounts import COOKIE, make_user
from tests.e2e.servers import App, streamlit_server
from tests.helpers import require_component

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The app as `scripts/run` starts it on a fresh SQLite store (demo data loads on the first page view)."""
    tmp = tmp_path_factory.mktemp("e2e")
    with streamlit_server(tmp, f"sqlite:///{tmp}/e2e.db", name="streamlit", LEVERAGE_LOAD_DEMO="auto") as server:
        yield server


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


def with_demo(server: App) -> App:
    """The server's store with the demo data in it now (the server itself loads it on the first page view), so
    users can be given roles in its organizations before a browser opens a page."""
    store = Store(server.database_url)
    try:
        ensure_demo(store, load_settings({"LEVERAGE_DATABASE_URL": server.database_url}))
    finally:
        store.dispose()
    return server


def signed_in(context: BrowserContext, server: App, email: str = "admin@e2e.example", **roles) -> BrowserContext:
    """Give a browser context the session cookie of a user (default: installation admin and admin of every
    organization, what the first-start link makes), as if they had signed in."""
    with_demo(server)
    if not roles:
        roles = {"installation_admin": True, "every_org": (Role.ADMIN,)}
    _, cookie = make_user(server.database_url, email, **roles)
    context.add_cookies([{"name": COOKIE, "value": cookie, "url": server.url}])
    return context


@pytest.fixture
def desktop_page(browser, app):
    """A fresh page at a desktop/projector size (1400 × 1200) with an admin signed in, closed with its context
    after the test."""
    context = signed_in(browser.new_context(viewport={"width": 1400, "height": 1200}), app)
    yield context.new_page()
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Attach the server's output to the report of a failed browser test (a Playwright timeout says nothing
    about a traceback on the server)."""
    report = yield
    server = getattr(item, "funcargs", {}).get("app")
    if report.failed and isinstance(server, App):
        report.sections.append(("streamlit server output", server.output()))
    return report


@pytest.fixture(scope="session")
def tour(tmp_path_factory: pytest.TempPathFactory) -> list:
    """The walk of `tests.e2e.tour` (every page × width × role) on one server, shared by the accessibility,
    offline-assets and chart-legend tests; written to tour.json in its temporary folder for reading failures."""
    from tests.e2e import tour as walk_module

    executable = chromium_path()
    require_component(executable is not None, "Chromium is not installed (expected at /usr/bin/chromium)")
    require_component(walk_module.axe_installed(), "tests/node/node_modules/axe-core is missing (scripts/test "
                                                   "installs it with npm)")
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("tour")
    with streamlit_server(tmp, f"sqlite:///{tmp}/tour.db", name="tour", LEVERAGE_LOAD_DEMO="auto") as server, \
            sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            views = list(walk_module.walk(launched, server))
        finally:
            launched.close()
    walk_module.dump(views, tmp / "tour.json")
    return views
