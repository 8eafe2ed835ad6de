"""End to end in a real browser: Compare draws the departments' heat map with withheld cells marked, not
coloured, and switches to the funnel plot."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_self_assessment_browser import TIMEOUT, open_page, wait_idle

pytestmark = pytest.mark.browser


def test_heat_map_marks_withheld_departments_and_the_funnel_follows(desktop_page: Page, app) -> None:
    page = desktop_page
    open_page(page, app, "compare")
    chart = page.locator("[data-testid='stPlotlyChart']").first
    expect(chart).to_be_visible(timeout=TIMEOUT)
    expect(chart.locator(".gtitle")).to_contain_text(re.compile(r"minus the\s*organization mean"),
                                                      timeout=TIMEOUT)  # titles wrap: lines join without a space
    # The demo's first organization has a department below the threshold and one withheld with it.
    expect(chart.get_by_text("below n").first).to_be_visible(timeout=TIMEOUT)
    expect(chart.get_by_text("withheld").first).to_be_visible()
    page.locator("button", has_text="Funnel").first.click(force=True)
    wait_idle(page)
    funnel = page.locator("[data-testid='stPlotlyChart']").first
    expect(funnel.locator(".gtitle")).to_contain_text("against respondents", timeout=TIMEOUT)
    expect(funnel.locator(".legendtext", has_text="99.8 % limits")).to_have_count(1)
