"""Exports: CSV and Excel keep hostile text inert, Excel keeps unicode and dates, the aims register workbook."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from leverage.aims.register import Aim
from leverage.aims.repository import AimStore
from leverage.reports.chart_images import figure_image, status
from leverage.reports.excel import (
    MAX_ROWS,
    ExportError,
    aims_register_workbook,
    frame_to_excel_bytes,
    sheet_names,
    to_excel_bytes,
)
from leverage.survey.responses import to_csv_bytes
from leverage.survey.store import Store
from tests.helpers import require_component

EVIL = '=HYPERLINK("http://evil","x")'
HOSTILE = [EVIL, "+1+2", "-3+4", "@SUM(A1)", "\t=1", "\r=1"]
D = dt.date


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _cells(ws) -> list:
    return [c for row in ws.iter_rows() for c in row]


def _no_formulas(book: openpyxl.Workbook) -> None:
    formulas = [(ws.title, c.coordinate, c.value) for ws in book.worksheets for c in _cells(ws) if c.data_type == "f"]
    assert formulas == []


# --- formula injection -------------------------------------------------------------------------------------
def test_csv_quotes_formula_text_in_cells_and_headings() -> None:
    frame = pd.DataFrame({"department": [*HOSTILE, "Surgery"], "n": range(7)})
    frame[EVIL] = "x"  # a table pivoted by department has department names as headings
    rows = list(csv.reader(io.StringIO(to_csv_bytes(frame).decode("utf-8"), newline="")))
    assert rows[0] == ["department", "n", "'" + EVIL]
    assert [r[0] for r in rows[1:]] == ["'" + EVIL, "'+1+2", "'-3+4", "'@SUM(A1)", "'\t=1", "'\r=1", "Surgery"]
    assert [r[1] for r in rows[1:]] == ["0", "1", "2", "3", "4", "5", "6"]  # numbers are left alone


def test_csv_quotes_formula_text_in_categorical_columns() -> None:
    frame = pd.DataFrame({"department": pd.Categorical([EVIL, "Surgery"])})
    assert to_csv_bytes(frame).decode("utf-8").splitlines()[1:] == ['"\'=HYPERLINK(""http://evil"",""x"")"',
                                                                     "Surgery"]


def test_excel_writes_hostile_text_as_quoted_string_cells() -> None:
    frame = pd.DataFrame({"department": [*HOSTILE, "#N/A", "Surgery"], "n": range(8)})
    frame[EVIL] = 1
    book = _book(to_excel_bytes({"Scores": frame}))
    ws = book["Scores"]
    _no_formulas(book)
    assert ws["C1"].value == "'" + EVIL and ws["C1"].data_type == "s"
    col = [ws.cell(row=i, column=1) for i in range(2, 10)]
    assert [c.value for c in col] == ["'" + EVIL, "'+1+2", "'-3+4", "'@SUM(A1)", "'\t=1", "'\r=1", "#N/A", "Surgery"]
    assert {c.data_type for c in col} == {"s"}  # "#N/A" is text, not an error cell
    assert [ws.cell(row=i, column=2).value for i in range(2, 10)] == list(range(8))
    assert {ws.cell(row=i, column=2).data_type for i in range(2, 10)} == {"n"}


def test_excel_hostile_text_is_neither_a_formula_nor_a_link_in_the_raw_xml() -> None:
    import zipfile

    data = frame_to_excel_bytes(pd.DataFrame({"department": [EVIL]}))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        names = z.namelist()
    assert "<f>" not in sheet and "hyperlink" not in sheet.replace("HYPERLINK(", "")
    assert not any("hyperlink" in n.lower() for n in names)
    assert '<c r="A2" t="inlineStr"><is><t>\'=HYPERLINK("http://evil","x")</t></is></c>' in sheet


# --- what survives ------------------------------------------------------------------------------------------
def test_excel_keeps_unicode_numbers_booleans_and_empty_cells() -> None:
    frame = pd.DataFrame({"name": ["Zürich Spital ✓", "Ærø 病院", None], "mean": [3.25, float("nan"), 1.0],
                          "ok": [True, False, True]})
    ws = _book(to_excel_bytes({"T": frame}))["T"]
    assert [c.value for c in ws[1]] == ["name", "mean", "ok"]
    assert [c.value for c in ws["A"][1:]] == ["Zürich Spital ✓", "Ærø 病院", None]
    assert [c.value for c in ws["B"][1:]] == [3.25, None, 1.0]
    assert [c.value for c in ws["C"][1:]] == [True, False, True]


def test_csv_keeps_unicode() -> None:
    frame = pd.DataFrame({"name": ["Zürich Spital ✓", "Ærø 病院"]})
    assert pd.read_csv(io.BytesIO(to_csv_bytes(frame)))["name"].tolist() == ["Zürich Spital ✓", "Ærø 病院"]


def test_excel_keeps_dates_as_dates_and_times_when_there_are_any() -> None:
    frame = pd.DataFrame({
        "period": pd.to_datetime(["2026-01-01", "2026-02-01", None]),
        "on": [D(2025, 12, 31), None, D(2024, 2, 29)],
        "at": pd.to_datetime(["2026-03-04 05:06:07", "2026-03-04 00:00:00", None], format="ISO8601"),
        "utc": pd.to_datetime(["2026-06-01 12:00:00+02:00", None, None], format="ISO8601", utc=True),
    })
    ws = _book(to_excel_bytes({"Dates": frame}))["Dates"]
    assert [c.value for c in ws["A"][1:]] == [dt.datetime(2026, 1, 1), dt.datetime(2026, 2, 1), None]
    assert [c.value for c in ws["B"][1:]] == [dt.datetime(2025, 12, 31), None, dt.datetime(2024, 2, 29)]
    assert ws["A2"].is_date and ws["A2"].number_format == "yyyy-mm-dd"
    assert ws["B2"].is_date and ws["B4"].number_format == "yyyy-mm-dd"
    assert ws["C2"].value == dt.datetime(2026, 3, 4, 5, 6, 7) and ws["C2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws["C3"].value == dt.datetime(2026, 3, 4) and ws["C3"].number_format == "yyyy-mm-dd"
    assert ws["D2"].value == dt.datetime(2026, 6, 1, 10, 0)  # 12:00 at +02:00 is 10:00 UTC


def test_excel_heading_is_bold_frozen_and_columns_sized() -> None:
    frame = pd.DataFrame({"id": [1, 2], "a long department name": ["x" * 30, "y"], "notes": ["z" * 500, ""]})
    ws = _book(to_excel_bytes({"T": frame}))["T"]
    assert all(c.font.bold for c in ws[1]) and not ws["A2"].font.bold
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 6  # "id" and 1-digit numbers: the minimum
    assert ws.column_dimensions["B"].width == 32  # 30 characters + 2
    assert ws.column_dimensions["C"].width == 60  # capped


def test_excel_drops_characters_xml_cannot_hold() -> None:
    ws = _book(to_excel_bytes({"T": pd.DataFrame({"x": ["a\x00b\x07c"]})}))["T"]
    assert ws["A2"].value == "abc"


def test_too_many_rows_for_excel_is_refused_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    import leverage.reports.excel as exports

    monkeypatch.setattr(exports, "MAX_ROWS", 3)
    with pytest.raises(ExportError, match="3 rows is more than Excel holds"):
        to_excel_bytes({"T": pd.DataFrame({"x": [1, 2, 3]})})
    assert MAX_ROWS == 1_048_576


# --- sheet names --------------------------------------------------------------------------------------------
def test_sheet_names_are_valid_and_unique() -> None:
    names = sheet_names(["Scores", "scores", "a/b:c*d?e[f]g\\h", "x" * 40, "x" * 40, "", "'quoted'", "History"])
    assert names == ["Scores", "scores (2)", "a_b_c_d_e_f_g_h", "x" * 31, "x" * 27 + " (2)", "Sheet",
                     "quoted", "History (2)"]
    assert all(len(n) <= 31 for n in names)
    assert sheet_names(["scores-Riverside_Health_System-2026_Autumn", "a-"]) == ["scores-Riverside_Health_System",
                                                                                 "a-"]
    assert len({n.lower() for n in names}) == len(names)


def test_workbook_uses_the_mended_names_and_keeps_every_sheet() -> None:
    book = _book(to_excel_bytes({"Scores/2026": pd.DataFrame({"a": [1]}), "SCORES_2026": pd.DataFrame({"b": [2]})}))
    assert book.sheetnames == ["Scores_2026", "SCORES_2026 (2)"]
    assert book["SCORES_2026 (2)"]["A2"].value == 2


# --- the aims register --------------------------------------------------------------------------------------
def _register(store: Store) -> tuple[int, list[Aim], AimStore]:
    org = store.add_organization("Trust")
    other = store.add_organization("Other Trust")
    reg = AimStore(store)
    harm = reg.save_aim(Aim(organization_id=org, title=EVIL, measure="Adverse events per 1,000 patient days",
                            data_type="rate", direction="down", baseline_period=D(2024, 1, 1), baseline_value=60.0,
                            target_value=30.0, deadline=D(2027, 12, 31), owner="CMO", leverage_points=(1, 3),
                            public_commitment=True, trajectory=((D(2026, 6, 30), 45.0),)))
    wait = reg.save_aim(Aim(organization_id=org, title="Shorter waits", measure="Days to third next available",
                            data_type="continuous", direction="down", owner="COO", review_cadence="quarterly"))
    elsewhere = reg.save_aim(Aim(organization_id=other, title="Not ours", measure="m", data_type="continuous"))
    aims = {a.id: a for a in reg.list_aims(org)}
    reg.save_measurements(aims[harm], pd.DataFrame({"period": ["2026-01-01", "2026-02-01"],
                                                    "numerator": [12, 9], "denominator": [4000, 3000]}))
    reg.save_measurements(aims[wait], pd.DataFrame({"period": ["2026-01-01"], "value": [21.5]}))
    reg.save_measurements(reg.list_aims(other)[0], pd.DataFrame({"period": ["2026-01-01"], "value": [1.0]}))
    reg.add_annotation(harm, D(2026, 1, 15), "@SUM(1) bundle", "change")
    reg.add_annotation(wait, D(2026, 2, 1), "New booking system", "phase")
    reg.add_annotation(elsewhere, D(2026, 2, 1), "not ours", "event")
    return org, list(aims.values()), reg


def test_aims_register_workbook_has_one_row_per_aim_measurement_and_annotation(store: Store) -> None:
    _, aims, reg = _register(store)
    ids = [a.id for a in aims]
    book = _book(aims_register_workbook(aims, reg.measurements(ids), reg.annotations(ids)))
    assert book.sheetnames == ["Aims", "Measurements", "Annotations"]
    _no_formulas(book)

    rows = list(book["Aims"].values)
    heading, body = rows[0], rows[1:]
    assert len(body) == 2
    harm, wait = (dict(zip(heading, r, strict=True)) for r in body)
    assert harm["Title"] == "'" + EVIL and book["Aims"]["B2"].data_type == "s"
    assert harm["Chart"] == "u chart" and harm["Rule set"] == "NHS Making Data Count"
    assert harm["Better is"] == "Lower"
    assert harm["Multiplier"] == 1000
    assert harm["Baseline period"] == dt.datetime(2024, 1, 1) and harm["Deadline"] == dt.datetime(2027, 12, 31)
    assert harm["Baseline value"] == 60 and harm["Target value"] == 30
    assert harm["Interim targets"] == "2026-06-30: 45"
    assert harm["Executive owner"] == "CMO" and harm["Linked leverage points"] == "LP1, LP3"
    assert harm["Publicly committed"] == "yes" and harm["Complete (measure, baseline, target, deadline)"] == "yes"
    assert harm["Last reviewed"] is None and harm["Aim id"] == aims[0].id
    assert wait["Board review"] == "Quarterly" and wait["Complete (measure, baseline, target, deadline)"] == "no"

    measurements = list(book["Measurements"].values)
    assert measurements[0] == ("Aim id", "Aim", "Period", "Value", "Numerator", "Denominator", "Charted value")
    assert len(measurements) == 1 + 3  # the other organization's measurement is not included
    first, second, third = measurements[1:]
    assert first[1:] == ("'" + EVIL, dt.datetime(2026, 1, 1), None, 12, 4000, pytest.approx(3.0))  # 12/4000*1000
    assert second[5:] == (3000, pytest.approx(3.0))  # 9/3000*1000
    assert third[1:] == ("Shorter waits", dt.datetime(2026, 1, 1), 21.5, None, None, 21.5)

    notes = list(book["Annotations"].values)
    assert notes[0] == ("Aim id", "Aim", "Date", "Kind", "What happened", "Annotation id")
    assert len(notes) == 1 + 2
    assert notes[1][1:5] == ("'" + EVIL, dt.datetime(2026, 1, 15), "Change tested", "'@SUM(1) bundle")
    assert notes[2][1:5] == ("Shorter waits", dt.datetime(2026, 2, 1), "New phase (limits recalculated)",
                             "New booking system")


def test_aims_register_leaves_out_rows_of_aims_not_listed(store: Store) -> None:
    _, aims, reg = _register(store)
    everything = range(1, 100)  # the other organization's aim too
    book = _book(aims_register_workbook(aims[1:], reg.measurements(everything), reg.annotations(everything)))
    assert [r[1] for r in list(book["Measurements"].values)[1:]] == ["Shorter waits"]
    assert [r[1] for r in list(book["Annotations"].values)[1:]] == ["Shorter waits"]


def test_empty_register_still_has_three_sheets_with_headings() -> None:
    empty_m = pd.DataFrame(columns=["aim_id", "period", "value", "numerator", "denominator"])
    empty_a = pd.DataFrame(columns=["id", "aim_id", "on_date", "label", "kind"])
    book = _book(aims_register_workbook([], empty_m, empty_a))
    assert book.sheetnames == ["Aims", "Measurements", "Annotations"]
    assert [len(list(ws.values)) for ws in book.worksheets] == [1, 1, 1]
    assert next(book["Aims"].values)[:3] == ("Aim id", "Title", "System-level measure")


# --- chart images (need Chromium) ---------------------------------------------------------------------------
def test_chart_downloads_make_real_png_and_svg() -> None:
    import plotly.graph_objects as go

    found = status()
    require_component(found.available, f"Chromium is needed to draw chart images: {found.reason}")
    fig = go.Figure(go.Bar(x=["LP1", "LP2"], y=[3.2, 4.1]), layout={"title": {"text": "Zürich ✓"}})
    png = figure_image(fig, "png", height=400, scale=2.0)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == 2000 and int.from_bytes(png[20:24], "big") == 800  # 1000x400 x2
    svg = figure_image(fig, "svg", height=400).decode("utf-8")
    assert svg.lstrip().startswith("<svg") and "Zürich ✓" in svg
