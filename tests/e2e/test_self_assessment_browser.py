"""End to end in a real browser: open an invitation link, take the self-assessment, and see the response counted
in Results by a signed-in admin.

The app runs with `streamlit run` on a fresh SQLite store filled with the demo data (the fixtures are in
conftest.py). Every click that submits a form reruns the script, so each step waits for what the rerun
shows rather than for a fixed time.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from playwright.sync_api import Locator, Page, expect

from leverage.survey.store import Store
from tests.accounts import invitation_token

pytestmark = pytest.mark.browser

TIMEOUT = 15_000  # ms: one rerun of the script, with room for a slow CI machine
ORGANIZATION = "Riverside Health System"
OPEN_ROUND = "2026 Autumn"
ROLE_LABEL, ROLE = "Nursing leader", "nursing"
POINTS = 7
ITEMS_PER_POINT = 5
CHOSEN = "3 Early deployment"
DONT_KNOW = "Don't know"


def wait_idle(page: Page) -> None:
    """Wait until Streamlit is connected and has finished the current script run (the app's own state
    attributes; the running indicator alone shows only after a delay)."""
    app = page.locator("[data-testid='stApp']")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=TIMEOUT)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=TIMEOUT)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=TIMEOUT)


def open_page(page: Page, app, path: str) -> None:
    page.goto(f"{app.url}/{path}", wait_until="domcontentloaded")
    wait_idle(page)
    # A deep link on a fresh server once showed a false "Page not found" dialog (URL paths that differed
    # from the page files' names); it must never come back.
    expect(page.get_by_role("dialog", name="Page not found")).to_have_count(0)


def selectbox(scope: Page | Locator, label: str) -> Locator:
    """The text input of a selectbox (a combobox whose value is the shown option)."""
    return scope.get_by_role("combobox", name=label, exact=True)


def choose(page: Page, box: Locator, option: str) -> None:
    """Open a selectbox and click one of its options."""
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option, timeout=TIMEOUT)


def point_radios(page: Page) -> Locator:
    return page.locator("[data-testid='stForm'] [data-testid='stRadio']")


def expect_point(page: Page, k: int) -> None:
    """Point k (1-based) is on screen with its progress text and all its statements."""
    expect(page.get_by_text(f"Leverage point {k} of {POINTS}")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=re.compile(rf"^LP{k}$"))).to_be_visible(timeout=TIMEOUT)
    expect(point_radios(page)).to_have_count(ITEMS_PER_POINT, timeout=TIMEOUT)
    wait_idle(page)


def answer_point(page: Page, k: int, dont_know_first: bool = False) -> None:
    radios = point_radios(page)
    for i in range(ITEMS_PER_POINT):
        option = DONT_KNOW if dont_know_first and i == 0 else CHOSEN
        radios.nth(i).get_by_text(option, exact=True).click()
        expect(radios.nth(i).get_by_role("radio", name=option, exact=True)).to_be_checked()


def start_assessment(page: Page, role_label: str) -> None:
    form = page.locator("[data-testid='stForm']")
    expect(form.get_by_text("Your role", exact=True)).to_be_visible(timeout=TIMEOUT)
    choose(page, selectbox(form, "Your role"), role_label)
    form.get_by_role("button", name="Start the self-assessment").click()
    expect_point(page, 1)


def respondents(store: Store, org_id: int, round_name: str) -> dict[str, tuple[str, list[int | None]]]:
    """respondent key -> (role, answers with None for "don't know") of one round."""
    frame = store.responses(org_id)
    frame = frame[frame["round"] == round_name]
    return {key: (str(group["role"].iloc[0]), [None if pd.isna(v) else int(v) for v in group["value"]])
            for key, group in frame.groupby("respondent_id")}


def invited(app) -> str:
    """The path of a fresh invitation link to the open round of the demo organization."""
    from tests.e2e.conftest import with_demo

    with_demo(app)
    return f"self_assessment?invitation={invitation_token(app.database_url, ORGANIZATION, OPEN_ROUND)}"


def test_complete_self_assessment_in_browser(app, browser) -> None:
    from tests.e2e.conftest import signed_in

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    store = Store(app.database_url)
    try:
        open_page(page, app, invited(app))
        expect(page.get_by_text(f"{ORGANIZATION}, round {OPEN_ROUND}")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("[data-testid='stSidebar']")).to_have_count(0)  # no navigation for a respondent
        wait_idle(page)

        # The state before taking part.
        org_id = int(store.list_organizations().set_index("name").loc[ORGANIZATION, "id"])
        rounds = store.list_rounds(org_id).set_index("name")
        before = int(rounds.loc[OPEN_ROUND, "respondents"])
        keys_before = set(respondents(store, org_id, OPEN_ROUND))
        assert before == len(keys_before) > 0, app.output()

        start_assessment(page, ROLE_LABEL)
        form = page.locator("[data-testid='stForm']")
        answer_point(page, 1, dont_know_first=True)
        form.get_by_role("button", name="Next →").click()
        expect_point(page, 2)

        # Back from point 2: point 1 keeps its answers.
        page.locator("[data-testid='stForm']").get_by_role("button", name="← Back").click()
        expect_point(page, 1)
        expect(page.get_by_text(f"Leverage point 1 of {POINTS} · {ITEMS_PER_POINT} of")).to_be_visible()
        radios = point_radios(page)
        expect(radios.nth(0).get_by_role("radio", name=DONT_KNOW, exact=True)).to_be_checked()
        for i in range(1, ITEMS_PER_POINT):
            expect(radios.nth(i).get_by_role("radio", name=CHOSEN, exact=True)).to_be_checked()
        page.locator("[data-testid='stForm']").get_by_role("button", name="Next →").click()

        for k in range(2, POINTS + 1):
            expect_point(page, k)
            answer_point(page, k)
            forward = "Review answers →" if k == POINTS else "Next →"
            page.locator("[data-testid='stForm']").get_by_role("button", name=forward).click()

        expect(page.get_by_role("heading", name="Review your answers")).to_be_visible(timeout=TIMEOUT)
        wait_idle(page)
        expect(page.get_by_text("still has statements without an answer")).to_have_count(0)
        page.get_by_role("button", name="Submit my answers").click()
        expect(page.get_by_text("Your answers are recorded")).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_role("heading", name="Your profile")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("[data-testid='stPlotlyChart'] .main-svg").first).to_be_visible(timeout=TIMEOUT)
        wait_idle(page)

        # The respondent sees no link to Results (they are not signed in); an admin of the organization does.
        expect(page.get_by_role("link", name="See your organization's results")).to_have_count(0)
        signed_in(context, app)
        open_page(page, app, "results")
        choose(page, selectbox(page.locator("[data-testid='stSidebar']"), "Organization"), ORGANIZATION)
        expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=TIMEOUT)
        expect(page).to_have_url(re.compile(r"/results$"))
        round_box = selectbox(page.locator("[data-testid='stMain']"), "Assessment round")
        expect(round_box).to_have_value(f"{OPEN_ROUND} ({before + 1} respondents)", timeout=TIMEOUT)
        expect(page.locator("[data-testid='stMetric']").filter(has_text="Respondents")).to_contain_text(
            str(before + 1))

        after = respondents(store, org_id, OPEN_ROUND)
        new = set(after) - keys_before
        assert len(after) == before + 1 and len(new) == 1, app.output()
        role, values = after[new.pop()]
        assert role == ROLE
        assert len(values) == POINTS * ITEMS_PER_POINT
        assert values.count(None) == 1  # the one "don't know", stored as NULL
        assert [v for v in values if v is not None] == [3] * (POINTS * ITEMS_PER_POINT - 1)
    finally:
        store.dispose()
        context.close()


def test_first_point_fits_a_phone(app, browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=3)
    page = context.new_page()

    def fits_across(locator: Locator) -> None:
        locator.scroll_into_view_if_needed()
        expect(locator).to_be_in_viewport()
        box = locator.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 391, (
            f"{locator} is cut off at the sides of a 390 px screen: {box}")

    try:
        open_page(page, app, invited(app))
        start_assessment(page, ROLE_LABEL)
        radios = point_radios(page)
        for i in range(ITEMS_PER_POINT):
            fits_across(radios.nth(i))
            for option in ("1 Not started", CHOSEN, "5 Fully embedded", DONT_KNOW):
                fits_across(radios.nth(i).get_by_text(option, exact=True))
        fits_across(page.locator("[data-testid='stForm']").get_by_role("button", name="Next →"))
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner + 1, f"the page scrolls sideways on a phone: scrollWidth {width} > {inner}"
    finally:
        context.close()
