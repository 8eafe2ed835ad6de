"""AppTest: every table offers CSV, Excel and parquet, every chart PNG and SVG, the Aims page the register workbook.

The download buttons make their bytes lazily (on click); the tests catch those callables as the page registers
them and run them, so what a click would download is checked, not only that a button is drawn.
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
from streamlit.testing.v1 import AppTest

from leverage.aims.repository import AimStore
from leverage.reports.chart_images import status
from leverage.survey.store import Store
from tests.helpers import require_component
from tests.pages.conftest import no_errors, org_id

RIVERSIDE = "Riverside Health System"
EVIL = '=HYPERLINK("http://evil","x")'


def _labels(at: AppTest) -> dict[str, str]:
    """Download button key -> label."""
    return {b.key: b.label for b in at.get("download_button")}


def _open(app: AppTest, url: str, page: str) -> AppTest:
    app.session_state["organization_id"] = org_id(url, RIVERSIDE)
    app.run()
    app.switch_page(page).run()
    no_errors(app)
    return app


def test_results_tables_offer_csv_excel_and_parquet_and_charts_png_and_svg(app, db_url, monkeypatch, made) -> None:
    monkeypatch.delenv("LEVERAGE_CHROMIUM", raising=False)
    require_component(status().available, f"the chart buttons need Chromium: {status().reason}")
    at = _open(app, db_url, "pages/results.py")
    labels = _labels(at)
    for table in ("dl_points", "dl_items", "dl_roles", "dl_depts", "dl_change", "dl_focus"):
        assert [labels.get(f"{table}_{fmt}") for fmt in ("csv", "xlsx", "parquet")] == ["CSV", "Excel", "Parquet"]
    for chart in ("img_points", "img_levels", "img_items", "img_change"):
        assert [labels.get(f"{chart}_{fmt}") for fmt in ("png", "svg")] == ["PNG", "SVG"]
    assert len(at.get("plotly_chart")) == 4 and sum(k.startswith("img_") for k in labels) == 2 * 4

    book = openpyxl.load_workbook(io.BytesIO(made["scores-Riverside_Health_System-2026_Autumn.xlsx"]()))
    ws = book.active
    assert ws.title == "scores-Riverside_Health_System"  # the stem cut to Excel's 31 characters, no dangling "-"
    heading = [c.value for c in ws[1]]
    assert heading[:3] == ["leverage_point", "n_respondents", "mean"]
    assert ws.max_row == 1 + 8  # seven leverage points and the overall score
    assert {c.data_type for c in ws["A"][1:]} == {"s"}


def test_chart_buttons_make_real_images(app, db_url, monkeypatch, made) -> None:
    monkeypatch.delenv("LEVERAGE_CHROMIUM", raising=False)
    require_component(status().available, f"drawing chart images needs Chromium: {status().reason}")
    _open(app, db_url, "pages/results.py")
    png = made["scores-chart-Riverside_Health_System-2026_Autumn.png"]()
    svg = made["scores-chart-Riverside_Health_System-2026_Autumn.svg"]()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 2000  # 1000 px x scale 2
    assert svg.lstrip()[:4] == b"<svg" and b"Riverside Health System" in svg


def test_without_chromium_a_caption_says_why_instead_of_buttons(app, db_url, monkeypatch) -> None:
    monkeypatch.setenv("LEVERAGE_CHROMIUM", "off")
    at = _open(app, db_url, "pages/results.py")
    labels = _labels(at)
    assert not any(k.startswith("img_") for k in labels)
    assert labels["dl_points_xlsx"] == "Excel"
    why = [c.value for c in at.caption if c.value.startswith("Chart images (PNG, SVG) cannot be downloaded here")]
    assert len(why) == 4 and "switched off" in why[0]


def test_aims_page_downloads_the_register_with_hostile_text_as_text(app, db_url, monkeypatch, made) -> None:
    monkeypatch.setenv("LEVERAGE_CHROMIUM", "off")  # chart buttons are checked above; keep this test browser-free
    org = org_id(db_url, RIVERSIDE)
    store = Store(db_url)
    try:
        reg = AimStore(store)
        aims = reg.list_aims(org)
        reg.add_annotation(aims[0].id, aims[0].baseline_period or aims[0].deadline, EVIL, "event")
        expected_measurements = len(reg.measurements([a.id for a in aims]))
        expected_notes = len(reg.annotations([a.id for a in aims]))
    finally:
        store.dispose()
    at = _open(app, db_url, "pages/aims.py")
    labels = _labels(at)
    assert labels["aims_register_xlsx"] == "Download the aims register (Excel)"
    first = aims[0].id
    assert [labels.get(f"meas_dl_{first}_{fmt}") for fmt in ("csv", "xlsx", "parquet")] == ["CSV", "Excel", "Parquet"]
    assert labels.get(f"note_dl_{first}_xlsx") == "Excel"

    book = openpyxl.load_workbook(io.BytesIO(made["aims-register-Riverside_Health_System.xlsx"]()))
    assert book.sheetnames == ["Aims", "Measurements", "Annotations"]
    assert [r[1] for r in list(book["Aims"].values)[1:]] == [a.title for a in aims]
    assert book["Measurements"].max_row == 1 + expected_measurements
    assert book["Annotations"].max_row == 1 + expected_notes
    hostile = [c for c in book["Annotations"]["E"] if c.value == "'" + EVIL]
    assert len(hostile) == 1 and hostile[0].data_type == "s"
    assert not [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_aims_page_chart_has_png_and_svg(app, db_url, monkeypatch) -> None:
    monkeypatch.delenv("LEVERAGE_CHROMIUM", raising=False)
    require_component(status().available, f"the chart buttons need Chromium: {status().reason}")
    at = _open(app, db_url, "pages/aims.py")
    labels = _labels(at)
    chart_keys = sorted(k for k in labels if "_img_" in k)
    assert len(chart_keys) == 2 and [labels[k] for k in chart_keys] == ["PNG", "SVG"]


def test_home_chart_has_png_and_svg(app, db_url, monkeypatch) -> None:
    monkeypatch.delenv("LEVERAGE_CHROMIUM", raising=False)
    require_component(status().available, f"the chart buttons need Chromium: {status().reason}")
    app.session_state["organization_id"] = org_id(db_url, RIVERSIDE)
    at = app.run()
    no_errors(at)
    assert {k: v for k, v in _labels(at).items() if k.startswith("img_")} == {"img_home_png": "PNG",
                                                                             "img_home_svg": "SVG"}


def test_board_vital_few_downloads_carry_the_icons_in_words(app, db_url, made) -> None:
    at = _open(app, db_url, "pages/board.py")
    assert [_labels(at).get(f"dl_vital_few_{fmt}") for fmt in ("csv", "xlsx", "parquet")] == ["CSV", "Excel", "Parquet"]
    frame = pd.read_parquet(io.BytesIO(made["vital-few-Riverside_Health_System.parquet"]()))
    table = at.dataframe[0].value
    assert frame["Aim"].tolist() == table["Aim"].tolist()
    assert not frame.astype(str).apply(lambda c: c.str.startswith("data:")).any().any()
    assert set(frame["Variation"]) <= {"Common cause variation", "Special cause improvement (high)",
                                       "Special cause improvement (low)", "Special cause concern (high)",
                                       "Special cause concern (low)", "Special cause (high; no direction set)",
                                       "Special cause (low; no direction set)",
                                       "Not enough data for a variation summary"}


def test_department_named_like_a_formula_arrives_as_text_from_manage_data(app, db_url, made) -> None:
    store = Store(db_url)
    store.add_department(org_id(db_url, RIVERSIDE), EVIL)
    store.dispose()
    _open(app, db_url, "pages/manage_data.py")
    csv_text = made["departments-Riverside_Health_System.csv"]().decode("utf-8")
    assert "'" + EVIL.replace('"', '""') in csv_text
    book = openpyxl.load_workbook(io.BytesIO(made["departments-Riverside_Health_System.xlsx"]()))
    cells = [c for row in book.active.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert [(c.value, c.data_type) for c in cells] == [("'" + EVIL, "s")]
