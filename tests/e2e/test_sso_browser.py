"""Single sign-on for real: an OpenID Connect provider (the npm package oidc-provider) on loopback, the app
started by scripts/run with an `[auth]` section, and a person who signs in through the provider, gets the role
an admin mapped to their group, uses it, and signs out.

The provider is installed by scripts/test into tests/node; the app reads its `[auth]` section from
`~/.streamlit/secrets.toml` of a temporary home, so a developer's own secrets file is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from leverage.access.audit import AuditLog
from leverage.access.permissions import Role
from leverage.access.service import Access
from leverage.access.users import COMMAND_LINE
from leverage.survey.store import Store
from tests.e2e.conftest import with_demo
from tests.e2e.servers import ROOT, free_port, streamlit_server
from tests.e2e.test_self_assessment_browser import TIMEOUT, wait_idle
from tests.helpers import require_component

pytestmark = pytest.mark.browser

NODE_DIR = ROOT / "tests" / "node"
ORG = "Riverside Health System"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """oidc-provider on a free loopback port, for an app on another free port (known before either starts)."""
    node = shutil.which("node")
    installed = (NODE_DIR / "node_modules" / "oidc-provider" / "package.json").exists()
    require_component(node is not None and installed,
                      "node and tests/node/node_modules/oidc-provider are needed (scripts/test installs them)")
    port, app_port = free_port(), free_port()
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with log.open("wb") as out:
        process = subprocess.Popen([node, "oidc_provider.mjs", str(port), f"http://127.0.0.1:{app_port}/oauth2callback"],
                                   cwd=NODE_DIR, stdout=out, stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"oidc-provider did not start:\n{log.read_text()}")
                time.sleep(0.2)
        yield issuer, app_port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def sso_app(provider, tmp_path_factory):
    issuer, app_port = provider
    tmp = tmp_path_factory.mktemp("sso")
    home = tmp / "home"
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "secrets.toml").write_text(f"""
[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "sso-test-cookie-secret-not-for-production"
client_id = "leverage"
client_secret = "leverage-test-secret"
server_metadata_url = "{issuer}/.well-known/openid-configuration"
# Streamlit asks for prompt=select_account unless told otherwise; oidc-provider knows login and consent only
client_kwargs = {{ scope = "openid email profile groups", prompt = "login" }}
""")
    db = f"sqlite:///{tmp}/sso.db"
    with streamlit_server(tmp, db, "sso", port=app_port, HOME=str(home), LEVERAGE_LOAD_DEMO="auto",
                          PATH=os.environ.get("PATH", "/usr/bin:/bin")) as app:
        with_demo(app)
        store = Store(db)
        try:
            access = Access(store)
            orgs = store.list_organizations()
            org = int(orgs.loc[orgs["name"] == ORG, "id"].iloc[0])
            access.sso.add(COMMAND_LINE, "group", "facilitators", org, Role.FACILITATOR)
        finally:
            store.dispose()
        yield app


def go(page: Page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_idle(page)


def test_sign_in_through_the_provider_get_the_mapped_role_and_sign_out(sso_app, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        go(page, f"{sso_app.url}/workshop")
        expect(page.get_by_text("Sign in to see this page")).to_be_visible(timeout=TIMEOUT)
        go(page, f"{sso_app.url}/signin")
        page.get_by_role("button", name="Sign in with single sign-on").click()
        # the provider's own sign-in and consent pages
        page.locator("input[name=login]").fill("fac-ana", timeout=TIMEOUT)
        page.locator("input[name=password]").fill("anything")
        page.locator("button[type=submit]").click()
        page.locator("button[type=submit]").filter(has_text="Continue").click(timeout=TIMEOUT)
        page.wait_for_url(f"{sso_app.url}/**", timeout=TIMEOUT)
        wait_idle(page)
        sidebar = page.locator("[data-testid='stSidebar']")
        expect(sidebar.get_by_text("fac-ana@harbour.example")).to_be_visible(timeout=TIMEOUT)
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav.get_by_role("link", name="Workshop console")).to_be_visible()
        expect(nav.get_by_role("link", name="Results")).to_have_count(0)  # a facilitator, not a viewer
        go(page, f"{sso_app.url}/workshop")
        expect(page.get_by_role("heading", name="Workshop console")).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_text("Create a workshop")).to_be_visible(timeout=TIMEOUT)
        page.reload()  # Streamlit's own identity cookie keeps the person signed in
        wait_idle(page)
        expect(page.get_by_text("Create a workshop")).to_be_visible(timeout=TIMEOUT)
        go(page, f"{sso_app.url}/results")
        expect(page.get_by_text("Your roles do not open this page")).to_be_visible(timeout=TIMEOUT)

        page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
        end_session = page.get_by_role("button", name="Yes, sign me out")
        page.wait_for_timeout(1000)
        if end_session.count():  # the provider asks to confirm its own sign-out when Streamlit sends us there
            end_session.click()
        go(page, f"{sso_app.url}/workshop")
        expect(page.get_by_text("Sign in to see this page")).to_be_visible(timeout=TIMEOUT)
    finally:
        context.close()
    store = Store(sso_app.database_url)
    try:
        log = AuditLog(store).read()
    finally:
        store.dispose()
    signed = log[(log["actor"] == "fac-ana@harbour.example") & (log["action"] == "sign-in")]
    assert signed["detail"].str.contains("single sign-on").any() and signed["detail"].str.contains("facilitator").any()
    assert ((log["actor"] == "fac-ana@harbour.example") & (log["action"] == "sign-out")).any()


def test_secrets_of_the_test_stay_out_of_the_repository():
    assert not (Path(ROOT) / ".streamlit" / "secrets.toml").exists() or \
        "sso-test-cookie-secret" not in (Path(ROOT) / ".streamlit" / "secrets.toml").read_text()
