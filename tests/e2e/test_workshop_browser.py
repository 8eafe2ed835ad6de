"""A live workshop in a real browser: one facilitator, three participants (one on a phone-sized screen).

Proves join by link, live counts on the console, results hidden until revealed on the projector, the
re-vote and the shift view. The server is `streamlit run` on a fresh SQLite store with the demo data and a
facilitator passphrase in its environment.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.servers import streamlit_server
from tests.e2e.test_self_assessment_browser import TIMEOUT, choose, selectbox, wait_idle

pytestmark = pytest.mark.browser

PASS = "harbour lights at dusk"
LEVELS = {2: "2 Planning", 3: "3 Early deployment", 4: "4 Broad deployment"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ws_e2e")
    with streamlit_server(tmp, f"sqlite:///{tmp}/ws.db", "workshop", LEVERAGE_FACILITATOR_PASSPHRASE=PASS,
                          LEVERAGE_LOAD_DEMO="auto", LEVERAGE_MIN_N="3") as app:
        yield app


def go(page: Page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_idle(page)


def nav(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    wait_idle(page)


def metric(page: Page, label: str):
    label_el = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    return page.get_by_test_id("stMetric").filter(has=label_el).get_by_test_id("stMetricValue")


def join(page: Page, link: str, role: str | None) -> None:
    go(page, link)
    if role:
        choose(page, selectbox(page, "Your role (optional)"), role)
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.get_by_text("Waiting for the facilitator")).to_be_visible(timeout=TIMEOUT)
    assert re.search(r"[?&]t=[\w-]{20,}", page.url), page.url


def answer(page: Page, value: int, wait_for_form_s: float = TIMEOUT) -> None:
    radios = page.locator("[data-testid='stForm'] [data-testid='stRadio']")
    expect(radios).to_have_count(5, timeout=wait_for_form_s)
    wait_idle(page)
    for i in range(5):
        radios.nth(i).get_by_text(LEVELS[value], exact=True).click()
    page.get_by_role("button", name="Save my answers to LP1").click()
    expect(page.get_by_text(re.compile(r"^Recorded at"))).to_be_visible(timeout=TIMEOUT)


def check_until_form(page: Page) -> None:
    """The open point's form shows by itself: the phone follows the room (its long poll reruns the room, about 1 s)."""
    expect(page.locator("[data-testid='stForm'] [data-testid='stRadio']")).to_have_count(5, timeout=TIMEOUT)


def click_key(page: Page, key: str) -> None:
    """A console button by its widget key (Streamlit marks its container with the class st-key-<key>)."""
    page.locator(f".st-key-{key} button").click()
    wait_idle(page)


def open_console(page: Page, base_url: str, passphrase: str, path: str = "workshop") -> None:
    """Open the facilitator console (or the projector) on a server and pass its passphrase gate."""
    page.goto(f"{base_url}/{path}", wait_until="domcontentloaded")
    expect(page.get_by_role("textbox", name="Facilitator passphrase")).to_be_visible(timeout=60_000)
    wait_idle(page)
    page.get_by_role("textbox", name="Facilitator passphrase").fill(passphrase)
    page.get_by_role("button", name="Open the console").click()
    wait_idle(page)


def test_workshop_with_three_participants(server, browser: Browser):
    fac_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    contexts = [fac_ctx]
    try:
        fac = fac_ctx.new_page()
        open_console(fac, server.url, PASS)
        fac.get_by_role("textbox", name="Title", exact=True).fill("Board away day")
        fac.get_by_role("textbox", name="Name of the new round").fill("Workshop e2e")
        fac.get_by_role("spinbutton", name="Anonymity threshold (people)").fill("3")
        fac.get_by_role("button", name="Create the workshop").click()
        wait_idle(fac)
        code_block = fac.get_by_test_id("stCode").filter(has_text="/join?code=")
        expect(code_block).to_be_visible(timeout=TIMEOUT)
        link = code_block.inner_text().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/join\?code=[A-Z0-9]{6}", link), link
        expect(fac.get_by_test_id("stImage")).to_be_visible()  # the QR code

        people = []
        for spec, role in ((None, "Nursing leader"), (None, "Physician leader"), (PHONE, None)):
            ctx = browser.new_context(**spec) if spec else browser.new_context()
            contexts.append(ctx)
            page = ctx.new_page()
            join(page, link, role)
            people.append(page)
        expect(metric(fac, "Participants")).to_have_text("3", timeout=TIMEOUT)

        click_key(fac, "open_LP1")
        expect(fac.get_by_text(re.compile(r"open · 0 answered"))).to_be_visible(timeout=TIMEOUT)
        for page, value in zip(people[:2], (2, 3), strict=True):
            check_until_form(page)
            answer(page, value)
        answer(people[2], 4, wait_for_form_s=30_000)  # the phone finds the open point by itself
        expect(fac.get_by_text(re.compile(r"open · 3 answered"))).to_be_visible(timeout=TIMEOUT)

        proj = fac_ctx.new_page()  # the projector in its own tab, as in a room (the console's link)
        href = fac.get_by_role("link", name="Projector view in a new tab").get_attribute("href")
        open_console(proj, server.url, PASS, "projector?" + href.split("?", 1)[1])
        expect(proj.get_by_text(re.compile("results appear when the point is closed"))).to_be_visible(timeout=TIMEOUT)
        expect(proj.get_by_text(re.compile(r"Mean \d"))).to_have_count(0)
        click_key(fac, "close_LP1")
        expect(proj.get_by_text(re.compile("results are shown when the facilitator reveals them"))).to_be_visible(
            timeout=TIMEOUT)  # the projector follows the console by itself
        click_key(fac, "reveal_LP1")
        expect(fac.get_by_text(re.compile(r"revealed · 3 answered"))).to_be_visible(timeout=TIMEOUT)
        expect(proj.get_by_text(re.compile(r"Mean 3\.00 of 5 · 95% CI .* · n = 3"))).to_be_visible(timeout=TIMEOUT)

        click_key(fac, "ws_revote")
        expect(metric(fac, "Vote")).to_have_text("2 of 2", timeout=TIMEOUT)
        click_key(fac, "open_LP1")
        expect(fac.get_by_text(re.compile(r"open · 0 answered"))).to_be_visible(timeout=TIMEOUT)
        for page in people:
            check_until_form(page)
            expect(page.get_by_text("Second vote, after the discussion.", exact=False)).to_be_visible(timeout=TIMEOUT)
            answer(page, 4)
        click_key(fac, "close_LP1")  # the shift comes from the published result of the closed point
        # the shift view: LP1 from 3.00 (2, 3, 4) to 4.00 (4, 4, 4)
        shift = fac.get_by_test_id("stTable").filter(has_text="Shift").first
        expect(shift).to_contain_text("+1.00", timeout=TIMEOUT)
        expect(shift).to_contain_text("3.00")
        expect(shift).to_contain_text("4.00")
        # per role: one nursing leader is a group below the threshold, so its shift is withheld
        by_role = fac.get_by_test_id("stTable").filter(has_text="Role")
        expect(by_role).to_contain_text("withheld")
        expect(proj.get_by_role("heading", name="Second vote")).to_be_visible(timeout=TIMEOUT)
    finally:
        for ctx in contexts:
            ctx.close()
