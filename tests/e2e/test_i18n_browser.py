"""Languages in a real browser: `?lang=es` translates the page and the navigation and sets `<html lang>`; the
choice is kept in a cookie, so the next visit without `?lang=` is still in Spanish; a browser whose language
is Spanish gets Spanish by default."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import signed_in
from tests.e2e.test_self_assessment_browser import TIMEOUT, wait_idle

pytestmark = pytest.mark.browser

SPANISH_TITLE = "Siete puntos de palanca del liderazgo"


def test_lang_es_translates_page_navigation_and_html_lang_and_is_remembered(browser, app):
    context = signed_in(browser.new_context(viewport={"width": 1400, "height": 1000}), app, "lang@e2e.example")
    try:
        page = context.new_page()
        page.goto(f"{app.url}/?lang=es", wait_until="domcontentloaded")
        wait_idle(page)
        expect(page.get_by_role("heading", name=SPANISH_TITLE)).to_be_visible(timeout=TIMEOUT)
        nav = page.locator("[data-testid='stSidebarNav']")
        expect(nav.get_by_text("Resultados", exact=True)).to_be_visible(timeout=TIMEOUT)
        expect(nav.get_by_text("Junta directiva", exact=True)).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("html")).to_have_attribute("lang", "es", timeout=TIMEOUT)
        cookies = {c["name"]: c["value"] for c in context.cookies(app.url)}
        assert cookies.get("leverage_lang") == "es"
        # a new visit (a new Streamlit session) without ?lang=: the cookie keeps Spanish
        page.goto(f"{app.url}/results", wait_until="domcontentloaded")
        wait_idle(page)
        expect(page.get_by_role("heading", name="Resultados")).to_be_visible(timeout=TIMEOUT)
        # ?lang=en wins over the cookie, and replaces it
        page.goto(f"{app.url}/?lang=en", wait_until="domcontentloaded")
        wait_idle(page)
        expect(page.get_by_role("heading", name="Seven Leadership Leverage Points")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("html")).to_have_attribute("lang", "en", timeout=TIMEOUT)
    finally:
        context.close()


def test_a_spanish_browser_gets_spanish_by_default(browser, app):
    context = signed_in(browser.new_context(locale="es-ES", viewport={"width": 1400, "height": 1000}), app,
                        "browser-es@e2e.example")
    try:
        page = context.new_page()
        page.goto(app.url, wait_until="domcontentloaded")
        wait_idle(page)
        expect(page.get_by_role("heading", name=SPANISH_TITLE)).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("[data-testid='stSidebar']").get_by_text("Idioma", exact=True)).to_be_visible(
            timeout=TIMEOUT)
    finally:
        context.close()
