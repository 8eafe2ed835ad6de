"""The projector as a presentation in Chromium: one 16:9 screen without scrolling at 1920×1080 and 1280×720,
body text ≥ 24 px and chart ticks ≥ 18 px (computed styles), no sidebar or chrome, dark text on white,
and the arrow keys and space step through the slides."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from leverage.survey.store import Store
from leverage.workshops.service import Workshops
from tests.e2e.servers import streamlit_server
from tests.e2e.test_self_assessment_browser import TIMEOUT, wait_idle

pytestmark = pytest.mark.browser

PASS = "projector at the back of the hall"
SIZES = [(1920, 1080), (1280, 720)]

OVERFLOWING = """() => {
  const out = [];
  const all = [document.scrollingElement, ...document.querySelectorAll('*')];
  for (const el of all) {
    if (!el) continue;
    const style = getComputedStyle(el);
    const scrolls = el === document.scrollingElement || ['auto', 'scroll'].includes(style.overflowY);
    if (scrolls && el.scrollHeight > el.clientHeight + 1 && el.clientHeight > 0) {
      out.push(`${el.tagName}.${el.className} ${el.scrollHeight}>${el.clientHeight}`);
    }
  }
  return out;
}"""

SMALL_TEXT = """(min) => {
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const small = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (el.closest('svg') || el.closest('.st-key-proj_space') || el.closest('style')) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < min) small.push(`${node.textContent.trim().slice(0, 30)}: ${size}px`);
  }
  return small;
}"""

TICKS = """() => [...document.querySelectorAll('.xtick text, .ytick text')]
  .map(t => parseFloat(getComputedStyle(t).fontSize))"""

CONTRAST = """() => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const p = document.querySelector('[data-testid="stMain"] [data-testid="stMarkdownContainer"] p');
  const fg = lum(getComputedStyle(p).color);
  const bg = lum(getComputedStyle(document.querySelector('.stApp')).backgroundColor);
  return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("projector")
    db = f"sqlite:///{tmp}/projector.db"
    store = Store(db)
    try:
        org = store.add_organization("Harbour Hospital")
        w = Workshops(store, min_n_floor=3)
        made = w.create(org, "Board away day", ["LP1", "LP2", "LP3"], round_name="Away day", min_n=3)
        people = [w.join(made["code"], f"p{k}") for k in range(4)]
        for vote, values in ((1, (2, 3, 3, 4)), (2, (3, 4, 4, 5))):
            if vote == 2:
                w.start_revote(made["id"])
            w.open_point(made["id"], "LP1")
            for p, v in zip(people, values, strict=True):
                w.submit(p, "LP1", {i.id: v for i in w.instrument.items_for("LP1")})
            w.close_point(made["id"], "LP1")
            w.reveal_point(made["id"], "LP1")
    finally:
        store.dispose()
    with streamlit_server(tmp, db, "projector", LEVERAGE_FACILITATOR_PASSPHRASE=PASS, LEVERAGE_LOAD_DEMO="never",
                          LEVERAGE_MIN_N="3") as app:
        app.workshop_id = made["id"]  # type: ignore[attr-defined]
        yield app


def open_projector(page: Page, server) -> None:
    page.goto(f"{server.url}/projector?ws={server.workshop_id}", wait_until="domcontentloaded")
    # the first page of a fresh server imports the app (slow on a busy machine)
    expect(page.get_by_role("textbox", name="Facilitator passphrase")).to_be_visible(timeout=60_000)
    wait_idle(page)
    page.get_by_role("textbox", name="Facilitator passphrase").fill(PASS)
    page.get_by_role("button", name="Open the console").click()
    expect(heading(page, "LP1")).to_be_visible(timeout=TIMEOUT)  # follows the facilitator's last action
    wait_idle(page)


def heading(page: Page, point: str):
    return page.get_by_role("heading", level=2).filter(has_text=f"{point} ·")


def check_one_screen(page: Page, label: str) -> None:
    assert page.evaluate(OVERFLOWING) == [], f"{label}: scrolls"
    assert page.evaluate(SMALL_TEXT, 24) == [], f"{label}: text under 24 px"
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_test_id("stHeader")).to_be_hidden()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_one_screen_large_type_no_chrome(server, browser: Browser, width: int, height: int):
    ctx = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = ctx.new_page()
        open_projector(page, server)
        expect(page.get_by_role("heading", name="First vote")).to_be_visible()
        expect(page.get_by_role("heading", name="Second vote")).to_be_visible()
        expect(page.get_by_text("Shift since the first vote: +1.00")).to_be_visible()  # 3.00 → 4.00
        expect(page.locator(".xtick text").first).to_be_visible(timeout=TIMEOUT)
        check_one_screen(page, f"point slide at {width}×{height}")
        ticks = page.evaluate(TICKS)
        assert ticks and min(ticks) >= 18, ticks
        assert page.evaluate(CONTRAST) >= 7.0
        page.keyboard.press("ArrowLeft")  # the join slide, with its large QR code
        expect(page.get_by_role("heading", name="Join on your phone")).to_be_visible(timeout=TIMEOUT)
        wait_idle(page)
        check_one_screen(page, f"join slide at {width}×{height}")
        qr_box = page.get_by_test_id("stImage").locator("img").bounding_box()
        assert qr_box["height"] >= 0.4 * height, qr_box
    finally:
        ctx.close()


def test_arrow_keys_and_space_step_through_the_points(server, browser: Browser):
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = ctx.new_page()
        open_projector(page, server)
        # a presenter's first click on the slide: the keys go to the page, not to a field that kept the focus
        page.get_by_role("heading", level=1).first.click()
        page.keyboard.press("ArrowRight")
        expect(heading(page, "LP2")).to_be_visible(timeout=TIMEOUT)
        page.keyboard.press("Space")
        expect(heading(page, "LP3")).to_be_visible(timeout=TIMEOUT)
        page.keyboard.press("ArrowLeft")
        expect(heading(page, "LP2")).to_be_visible(timeout=TIMEOUT)
        page.keyboard.press("ArrowLeft")
        expect(heading(page, "LP1")).to_be_visible(timeout=TIMEOUT)
    finally:
        ctx.close()
