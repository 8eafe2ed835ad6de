"""Take the docs' screenshots: sign-in, Users and access, Invitations, and Home and Board in Spanish on a 390 px
phone (Playwright, Debian's Chromium).

    .venv/bin/python docs/images/screenshots.py

Starts the app with scripts/run on a throw-away demo store, signs an admin in, and writes PNGs beside this file.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from leverage.access.permissions import Role  # noqa: E402
from tests.accounts import COOKIE, make_user  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path, with_demo  # noqa: E402
from tests.e2e.servers import streamlit_server  # noqa: E402
from tests.e2e.test_self_assessment_browser import wait_idle  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, \
            streamlit_server(Path(folder), f"sqlite:///{folder}/shots.db", "shots", LEVERAGE_LOAD_DEMO="auto") as app:
        with_demo(app)
        _, cookie = make_user(app.database_url, "ana.admin@riverside.example",
                              roles={"Riverside Health System": [Role.ADMIN]})
        make_user(app.database_url, "ben.board@riverside.example", roles={"Riverside Health System": [Role.VIEWER]})
        make_user(app.database_url, "cy.quality@riverside.example",
                  roles={"Riverside Health System": [Role.EDITOR, Role.FACILITATOR]})
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
            anonymous = browser.new_page(viewport={"width": 1280, "height": 720})
            anonymous.goto(f"{app.url}/signin")
            wait_idle(anonymous)
            anonymous.screenshot(path=HERE / "signin.png")
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_cookies([{"name": COOKIE, "value": cookie, "url": app.url}])
            page = context.new_page()
            page.goto(f"{app.url}/access")
            wait_idle(page)
            expect(page.get_by_role("heading", name="Users and access")).to_be_visible(timeout=30_000)
            page.wait_for_timeout(1500)  # the table is drawn on a canvas
            page.screenshot(path=HERE / "users-and-access.png")
            page.goto(f"{app.url}/invitations")
            wait_idle(page)
            page.get_by_role("button", name="Create invitations").click()
            wait_idle(page)
            expect(page.get_by_text("invitation(s) created")).to_be_visible(timeout=30_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=HERE / "invitations.png")
            phone = browser.new_context(viewport={"width": 390, "height": 2400}, device_scale_factor=1,
                                        locale="es-ES", is_mobile=True, has_touch=True)
            phone.add_cookies([{"name": COOKIE, "value": cookie, "url": app.url}])
            es = phone.new_page()
            for name, path in [("es-home-390.png", ""), ("es-board-390.png", "board")]:
                es.goto(f"{app.url}/{path}?lang=es")
                wait_idle(es)
                expect(es.get_by_role("heading", level=1).first).to_be_visible(timeout=30_000)
                es.wait_for_timeout(2500)  # charts and images settle
                es.screenshot(path=HERE / name)  # a tall phone: Streamlit scrolls inside the page
            browser.close()
    print("wrote", ", ".join(p.name for p in sorted(HERE.glob("*.png"))))


if __name__ == "__main__":
    main()
