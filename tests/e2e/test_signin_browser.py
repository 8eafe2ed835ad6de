"""Sign-in in a real browser, on servers started by scripts/run exactly as users start them.

The first start prints a one-time link; opening it makes the installation admin, whose session survives a
reload and is recognised by a second server on the same database; a password chosen then signs in again;
wrong passwords are throttled and a success does not reset the count; a direct address shows "sign in",
never data; a one-time link from `python -m leverage users link` signs its user in once.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
from playwright.sync_api import Page, expect

from tests.accounts import COOKIE
from tests.e2e.conftest import with_demo
from tests.e2e.servers import ROOT, streamlit_server
from tests.e2e.test_self_assessment_browser import TIMEOUT, wait_idle

pytestmark = pytest.mark.browser

PASSWORD = "harbour lights at dusk"
LINK = re.compile(r"http://\S+/signin\?signin=[\w-]+")


def go(page: Page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_idle(page)


def session_cookie(context, seconds: float = TIMEOUT / 1000) -> str:
    """The session cookie once the page's script has stored it (it runs after the page is drawn)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [c["value"] for c in context.cookies() if c["name"] == COOKIE]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"the browser never stored the session cookie {COOKIE!r}: {context.cookies()}")


def first_start_link(server) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = LINK.search(server.output())
        if found:
            return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no first-start link printed:\n{server.output()}")


def sign_in_with_password(page: Page, email: str, password: str) -> None:
    page.get_by_role("textbox", name="E-mail address").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    wait_idle(page)


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("signin")
    db = f"sqlite:///{tmp}/signin.db"
    with streamlit_server(tmp, db, "a", LEVERAGE_LOAD_DEMO="auto") as a, \
            streamlit_server(tmp, db, "b", LEVERAGE_LOAD_DEMO="auto") as b:
        with_demo(a)  # what the first page view would do, here without a browser waiting on it
        yield a, b


def test_first_start_link_password_reload_second_server_and_sign_out(two_servers, browser):
    a, b = two_servers
    link = first_start_link(a).replace("http://localhost:", "http://127.0.0.1:")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        # a direct address before signing in: "sign in", never data
        go(page, f"{a.url}/results")
        expect(page.get_by_text("Sign in to see this page")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("[data-testid='stMetric']")).to_have_count(0)
        expect(page.locator("[data-testid='stSidebarNav']")).to_have_count(0)

        go(page, link)
        page.get_by_role("textbox", name="Your e-mail address").fill("root@harbour.example")
        page.get_by_role("button", name="Become the installation admin").click()
        wait_idle(page)
        expect(page.get_by_text("You are the installation admin")).to_be_visible(timeout=TIMEOUT)
        page.get_by_role("textbox", name="New password").fill(PASSWORD)
        page.get_by_role("textbox", name="The same password again").fill(PASSWORD)
        page.get_by_role("button", name="Save the password").click()
        expect(page.get_by_text("Your password is saved.")).to_be_visible(timeout=TIMEOUT)

        # the session survives a reload (the cookie) and another server on the same database knows it
        go(page, f"{a.url}/results")
        expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("[data-testid='stMetric']").filter(has_text="Respondents")).to_be_visible()
        page.reload()
        wait_idle(page)
        expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=TIMEOUT)
        go(page, f"{b.url}/results")
        expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=TIMEOUT)

        # the first-start link worked once
        go(page, link)
        expect(page.get_by_text("used already")).to_be_visible(timeout=TIMEOUT)

        # sign out: the next visit is anonymous, on either server
        page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
        wait_idle(page)
        go(page, f"{b.url}/results")
        expect(page.get_by_text("Sign in to see this page")).to_be_visible(timeout=TIMEOUT)

        # wrong passwords: five free, then a wait; the right one after the wait; a success resets nothing
        go(page, f"{a.url}/signin")
        for _ in range(5):
            sign_in_with_password(page, "root@harbour.example", "not the password")
            expect(page.get_by_text("do not match an account").last).to_be_visible(timeout=TIMEOUT)
        sign_in_with_password(page, "root@harbour.example", "not the password")
        expect(page.get_by_text(re.compile(r"Wait 2 s before the next try"))).to_be_visible(timeout=TIMEOUT)
        sign_in_with_password(page, "root@harbour.example", PASSWORD)  # refused at once while blocked
        expect(page.get_by_text("Too many failed sign-ins")).to_be_visible(timeout=TIMEOUT)
        page.wait_for_timeout(2500)
        sign_in_with_password(page, "root@harbour.example", PASSWORD)
        expect(page.get_by_role("heading", name="Seven Leadership Leverage Points")).to_be_visible(timeout=TIMEOUT)
        page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
        wait_idle(page)
        go(page, f"{a.url}/signin")
        sign_in_with_password(page, "root@harbour.example", "wrong once more")
        expect(page.get_by_text(re.compile(r"Wait 4 s before the next try"))).to_be_visible(timeout=TIMEOUT)
    finally:
        context.close()


def test_a_link_from_the_command_line_signs_in_once(two_servers, browser):
    a, _ = two_servers
    env = {"LEVERAGE_DATABASE_URL": a.database_url, "PATH": "/usr/bin:/bin"}

    def cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "leverage", "users", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("add", "viewer@harbour.example", "--role", "viewer", "--organization", "Riverside Health System")
    link = LINK.search(cli("link", "viewer@harbour.example", "--base-url", a.url)).group(0)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        go(page, link)
        expect(page.get_by_role("heading", name="Your account")).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_text("Riverside Health System: Viewer")).to_be_visible()
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav.get_by_role("link", name="Results")).to_be_visible()
        expect(nav.get_by_role("link", name="Manage data")).to_have_count(0)  # not a viewer's page
        session_cookie(context)  # the page stores it with a script: a new address needs it to have run
        go(page, f"{a.url}/manage_data")
        expect(page.get_by_text("Your roles do not open this page")).to_be_visible(timeout=TIMEOUT)
        other = browser.new_context().new_page()
        go(other, link)  # the same link again, elsewhere
        expect(other.get_by_text("used already")).to_be_visible(timeout=TIMEOUT)
        other.context.close()
    finally:
        context.close()
