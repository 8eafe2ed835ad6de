"""End to end in a real browser: a table's Excel button, a chart's PNG and SVG buttons and the Aims page's
register button each deliver a file that opens (the bytes are made on the server only when clicked)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_self_assessment_browser import TIMEOUT, open_page

pytestmark = pytest.mark.browser


def _download(page: Page, button) -> bytes:
    expect(button).to_be_visible(timeout=TIMEOUT)
    with page.expect_download(timeout=60_000) as caught:
        button.click()
    path = caught.value.path()
    with open(path, "rb") as f:
        return f.read()


def test_results_excel_png_and_svg_downloads_open(desktop_page: Page, app) -> None:
    page = desktop_page
    open_page(page, app, "results")
    data = _download(page, page.get_by_role("button", name="Excel").first)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert [c.value for c in book.active[1]][:2] == ["leverage_point", "n_respondents"]
    assert book.active.max_row == 1 + 8
    png = _download(page, page.get_by_role("button", name="PNG").first)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    svg = _download(page, page.get_by_role("button", name="SVG").first)
    assert svg.lstrip()[:4] == b"<svg"


def test_aims_register_downloads_as_a_workbook(desktop_page: Page, app) -> None:
    page = desktop_page
    open_page(page, app, "aims")
    data = _download(page, page.get_by_role("button", name="Download the aims register (Excel)"))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Aims", "Measurements", "Annotations"]
    assert book["Aims"].max_row == 1 + 5  # the demo organization's five aims
    assert book["Measurements"].max_row > 1
