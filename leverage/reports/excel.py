"""Excel workbooks of the app's tables, safe to open: text stays text, dates stay dates.

A spreadsheet runs a cell that starts with `=` (and, on import, `+ - @`, tab or CR) as a formula, so a
department named `=HYPERLINK("http://evil","x")` would become a live link. Every text cell is written as a
string cell (never a formula cell), with the same leading quote as the CSV export, so a workbook re-saved
as CSV stays harmless too. No Streamlit import: the pages, the command line and the tests share it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from leverage.aims.register import ANNOTATION_KINDS, CADENCE_LABELS, DATA_TYPES, DEFAULT_MULTIPLIER, Aim
from leverage.aims.spc import CHART_NAMES, RULE_SET_NAMES
from leverage.core.i18n import _
from leverage.survey.responses import neutralise_text

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 1_048_576  # Excel's limit per sheet, the heading row included
MAX_COLUMNS = 16_384
SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_RESERVED_SHEET_NAMES = {"history"}  # Excel keeps this name for itself
MAX_TEXT = 32_767  # characters in one Excel cell
WIDTH_SAMPLE = 1_000  # rows looked at to size a column
MIN_WIDTH, MAX_WIDTH = 6, 60
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


class ExportError(ValueError):
    """A table cannot be written as a workbook (too many rows or columns); the message says which."""


# --- sheet names -------------------------------------------------------------------------------------------

def sheet_names(names: Iterable[object]) -> list[str]:
    """Valid, distinct Excel sheet names for `names`, in order.

    Excel refuses `[ ] : * ? / \\`, names over 31 characters, names that start or end with an apostrophe,
    an empty name and "History", and compares names without regard to case; a refused name makes the
    whole file unreadable, so each name is mended (characters replaced, cut, numbered) rather than refused.
    """
    taken: set[str] = set()
    out = []
    for raw in names:
        name = _SHEET_FORBIDDEN.sub("_", ILLEGAL_CHARACTERS_RE.sub("", str(raw)))
        name = name.strip().strip("'").strip()
        if len(name) > SHEET_NAME_MAX:  # cut, and no dangling separator where the cut fell
            name = name[:SHEET_NAME_MAX].rstrip(" -_.'")
        name = name or "Sheet"
        candidate, n = name, 1
        while candidate.lower() in taken or candidate.lower() in _RESERVED_SHEET_NAMES:
            n += 1
            suffix = f" ({n})"
            candidate = name[:SHEET_NAME_MAX - len(suffix)].rstrip().rstrip("'") + suffix
        taken.add(candidate.lower())
        out.append(candidate)
    return out


# --- cells -------------------------------------------------------------------------------------------------

def _text(value: str) -> str:
    """Text as Excel can hold it: characters XML forbids dropped, cut to Excel's cell limit, quoted if formula-like."""
    return str(neutralise_text(ILLEGAL_CHARACTERS_RE.sub("", value)))[:MAX_TEXT]


def _cell_value(value: object) -> tuple[object, str | None]:
    """(value openpyxl can store, number format or None); text is returned as `str` and written as a string cell."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None, None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return _text(value), None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int | decimal.Decimal):
        return value, None
    if isinstance(value, float):
        if math.isnan(value):
            return None, None
        if math.isinf(value):  # Excel has no infinity: say it in words rather than write a broken number
            return ("inf" if value > 0 else "-inf"), None
        return value, None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # Excel has no time zones: write UTC
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        if value.time() == dt.time(0):
            return value.date(), DATE_FORMAT
        return value, DATETIME_FORMAT
    if isinstance(value, dt.date):
        return value, DATE_FORMAT
    if isinstance(value, dt.time):
        return value.isoformat(), None
    if isinstance(value, pd.Timedelta | dt.timedelta):
        return str(value), None
    return _text(str(value)), None  # lists, tuples, anything else: its text


def _heading(label: object) -> str:
    if isinstance(label, tuple):
        label = " / ".join(str(part) for part in label if str(part) != "")
    return _text(str(label))


def _shown_width(value: object, number_format: str | None) -> int:
    """About how many characters Excel shows for the value: enough to size its column."""
    if number_format:
        return len(number_format)
    if isinstance(value, float):
        return len(f"{value:.6g}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def _write_sheet(ws, frame: pd.DataFrame) -> None:
    rows, columns = frame.shape
    if rows + 1 > MAX_ROWS:
        raise ExportError(_("sheet {title!r}: {rows:,} rows is more than Excel holds ({value:,}); download CSV or "
                            "parquet instead").format(title=ws.title, rows=rows, value=MAX_ROWS - 1))
    if columns > MAX_COLUMNS:
        raise ExportError(_("sheet {title!r}: {columns:,} columns is more than Excel holds ({MAX_COLUMNS:,})").format(
                              title=ws.title, columns=columns, MAX_COLUMNS=MAX_COLUMNS))
    bold = Font(bold=True)
    widths = []
    for j, label in enumerate(frame.columns, start=1):
        text = _heading(label)
        cell = ws.cell(row=1, column=j, value=text)
        cell.data_type = "s"
        cell.font = bold
        widths.append(len(text))
    for j in range(columns):
        values = frame.iloc[:, j].tolist()
        for i, raw in enumerate(values, start=2):
            value, number_format = _cell_value(raw)
            if value is None:
                continue
            cell = ws.cell(row=i, column=j + 1, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula ("=…") or an error code ("#N/A") cell
            if number_format:
                cell.number_format = number_format
            if i - 2 < WIDTH_SAMPLE:
                widths[j] = max(widths[j], _shown_width(value, number_format))
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
    ws.freeze_panes = "A2"


def to_excel_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per table (index left out, as in the CSV export).

    Headings are bold and the heading row stays in view; dates are Excel dates; text is always text.
    Raises ExportError when a table is larger than Excel allows.
    """
    wb = Workbook()
    wb.remove(wb.active)
    items = list(sheets.items()) or [("Sheet", pd.DataFrame())]
    for name, (_key, frame) in zip(sheet_names(k for k, _frame in items), items, strict=True):
        _write_sheet(wb.create_sheet(title=name), frame)
    sink = io.BytesIO()
    wb.save(sink)
    return sink.getvalue()


def frame_to_excel_bytes(frame: pd.DataFrame, sheet: str = "Data") -> bytes:
    """One table as a one-sheet workbook (the Excel download under every table)."""
    return to_excel_bytes({sheet: frame})


# --- the aims register -------------------------------------------------------------------------------------

def _multiplier(aim: Aim) -> float:
    return aim.multiplier if aim.multiplier is not None else DEFAULT_MULTIPLIER.get(aim.data_type, 1.0)


def aims_table(aims: Sequence[Aim]) -> pd.DataFrame:
    """One row per aim with everything a reader of the register needs, in words rather than codes."""
    return pd.DataFrame([{
        "Aim id": a.id,
        "Title": a.title,
        "System-level measure": a.measure,
        "Definition": a.definition,
        "Unit": a.unit,
        "Data type": DATA_TYPES.get(a.data_type, a.data_type),
        "Multiplier": _multiplier(a),
        "Better is": {"down": "Lower", "up": "Higher"}.get(a.direction, a.direction),
        "Chart": CHART_NAMES.get(a.chart, a.chart) if a.chart else "",
        "Rule set": RULE_SET_NAMES.get(a.rule_set, a.rule_set),
        "Limits frozen on first k points": a.baseline_points,
        "Baseline period": a.baseline_period,
        "Baseline value": a.baseline_value,
        "Target value": a.target_value,
        "Deadline": a.deadline,
        "Interim targets": "; ".join(f"{due:%Y-%m-%d}: {value:g}" for due, value in a.trajectory),
        "Executive owner": a.owner,
        "Linked leverage points": ", ".join(f"LP{p}" for p in a.leverage_points),
        "Publicly committed": "yes" if a.public_commitment else "no",
        "Complete (measure, baseline, target, deadline)": "yes" if a.is_complete else "no",
        "Board review": CADENCE_LABELS.get(a.review_cadence, a.review_cadence),
        "Last reviewed": a.last_reviewed,
    } for a in aims], columns=AIM_COLUMNS)


AIM_COLUMNS = ["Aim id", "Title", "System-level measure", "Definition", "Unit", "Data type", "Multiplier",
               "Better is", "Chart", "Rule set", "Limits frozen on first k points", "Baseline period",
               "Baseline value", "Target value", "Deadline", "Interim targets", "Executive owner",
               "Linked leverage points", "Publicly committed", "Complete (measure, baseline, target, deadline)",
               "Board review", "Last reviewed"]
MEASUREMENT_COLUMNS = ["Aim id", "Aim", "Period", "Value", "Numerator", "Denominator", "Charted value"]
ANNOTATION_COLUMNS = ["Aim id", "Aim", "Date", "Kind", "What happened", "Annotation id"]


def measurements_table(aims: Sequence[Aim], measurements: pd.DataFrame) -> pd.DataFrame:
    """One row per measurement with its aim's title and the value the chart plots.

    For proportions and rates the charted value is numerator / denominator x the aim's multiplier, the
    figure the board sees; for continuous measures it is the value itself.
    """
    by_id = {a.id: a for a in aims}
    rows = measurements[measurements["aim_id"].isin(by_id)] if not measurements.empty else measurements
    out = []
    for r in rows.itertuples(index=False):
        aim = by_id[r.aim_id]
        charted = r.value
        if aim.counts:
            charted = (r.numerator / r.denominator * _multiplier(aim)
                       if pd.notna(r.numerator) and pd.notna(r.denominator) and r.denominator else None)
        out.append({"Aim id": aim.id, "Aim": aim.title, "Period": r.period, "Value": r.value,
                    "Numerator": r.numerator, "Denominator": r.denominator, "Charted value": charted})
    return pd.DataFrame(out, columns=MEASUREMENT_COLUMNS)


def annotations_table(aims: Sequence[Aim], annotations: pd.DataFrame) -> pd.DataFrame:
    """One row per annotation with its aim's title and the kind in words."""
    by_id = {a.id: a for a in aims}
    rows = annotations[annotations["aim_id"].isin(by_id)] if not annotations.empty else annotations
    return pd.DataFrame([{"Aim id": r.aim_id, "Aim": by_id[r.aim_id].title, "Date": r.on_date,
                          "Kind": ANNOTATION_KINDS.get(r.kind, r.kind), "What happened": r.label,
                          "Annotation id": r.id} for r in rows.itertuples(index=False)],
                        columns=ANNOTATION_COLUMNS)


def aims_register_workbook(aims: Sequence[Aim], measurements: pd.DataFrame, annotations: pd.DataFrame) -> bytes:
    """The aims register as a workbook: sheets "Aims", "Measurements" and "Annotations".

    `measurements` and `annotations` are `AimStore.measurements` / `.annotations` of the same aims; rows of
    other aims are left out, so a register never carries another organization's data.
    """
    return to_excel_bytes({"Aims": aims_table(aims),
                           "Measurements": measurements_table(aims, measurements),
                           "Annotations": annotations_table(aims, annotations)})
