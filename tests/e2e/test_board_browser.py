"""End to end in a real browser: the Board page's table clicks through to an aim's chart, whose points
explain themselves on hover; meeting mode steps from aim to aim."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_self_assessment_browser import TIMEOUT, open_page, wait_idle

pytestmark = pytest.mark.browser

FIRST_AIM = "Cut harm by half"
SECOND_AIM = "Fewer avoidable readmissions"


def test_board_row_opens_the_chart_with_rules_on_hover(desktop_page: Page, app) -> None:
    page = desktop_page
    open_page(page, app, "board")
    grid = page.locator("[data-testid='stDataFrame']").first
    expect(grid).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Select an aim in the table")).to_be_visible(timeout=TIMEOUT)
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 14, box["y"] + 54)  # the first row's selection box, under the header
    wait_idle(page)
    chart = page.locator("[data-testid='stPlotlyChart']").first
    expect(chart).to_be_visible(timeout=TIMEOUT)
    expect(chart.locator(".gtitle")).to_contain_text(FIRST_AIM, timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Questions to ask")).to_be_visible()
    expect(chart.locator(".legendtext", has_text="Required path")).to_have_count(1)
    # the measurement markers are the last traces drawn (after limits, target, path and projection)
    point = chart.locator(".scatterlayer .trace").last.locator(".points path").first
    point.hover(force=True)
    hover = chart.locator(".hoverlayer")
    expect(hover).to_contain_text("Centre", timeout=TIMEOUT)
    expect(hover).to_contain_text(re.compile("common cause|outside the process limits|shift|trend|two of three|"
                                             "astronomical|long run"))


def test_meeting_mode_steps_through_the_aims(desktop_page: Page, app) -> None:
    page = desktop_page
    open_page(page, app, "board")
    page.get_by_text("Meeting mode: one aim per screen, large type").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=FIRST_AIM, exact=True).first).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("button", name="Next →").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=SECOND_AIM, exact=True).first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("[data-testid='stPlotlyChart']").first.locator(".gtitle")).to_contain_text(SECOND_AIM)


def test_board_pack_downloads_from_the_board_page(desktop_page: Page, app, tmp_path) -> None:
    """One click: the pack is built (a progress bar follows it), the browser saves it, and the PDF reads right."""
    from pypdf import PdfReader

    page = desktop_page
    open_page(page, app, "board")
    page.get_by_text("Board pack: the board paper as a PDF or PowerPoint").click()
    download_button = page.get_by_role("button", name="Download the board pack (PDF)")
    expect(download_button).to_be_visible(timeout=TIMEOUT)
    with page.expect_download(timeout=120_000) as caught:
        download_button.click()
        expect(page.locator("[data-testid='stProgress']")).to_be_visible(timeout=TIMEOUT)
    download = caught.value
    expect(page.get_by_text(re.compile(r"The board pack is ready: \d+ pages, 5 of 5 charts drawn"))).to_be_visible(
        timeout=TIMEOUT)
    assert re.fullmatch(r"board-pack-[A-Za-z-]+-\d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    reader = PdfReader(saved)
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert len(reader.pages) >= 2 + 5 + 2
    for title in (FIRST_AIM, SECOND_AIM):
        assert title in text
    assert "Data cut-off:" in text and "Rule set:" in text and "Chart not drawn" not in text
