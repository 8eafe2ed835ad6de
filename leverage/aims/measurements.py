"""Reading and checking measurement series (the input of every run and SPC chart).

One checker serves the `spc` command, the Aims page's upload and its form: a series is refused whole,
with every problem naming its row (1 = the first data row; a CSV's line is the row + 1).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from leverage.aims.spc import ATTRIBUTE_CHARTS
from leverage.core.i18n import _
from leverage.core.validation import MAX_MAGNITUDE

READABLE_SUFFIXES = (".csv", ".parquet", ".xlsx")
MAX_PROBLEMS = 20


class MeasurementError(ValueError):
    """A series that cannot be charted; `problems` lists every reason found (first ones first)."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        super().__init__(f"{source}: {shown}")


@dataclass(frozen=True)
class SeriesKind:
    """Which columns a chart needs: `value`, or `numerator` and `denominator` (proportions or rates)."""

    counts: bool
    proportion: bool  # numerator <= denominator


def kind_for_chart(chart: str) -> SeriesKind:
    return SeriesKind(counts=chart in ATTRIBUTE_CHARTS, proportion=chart in ("p", "p_prime"))


#: Most rows a measurement file may have (also capped by LEVERAGE_MAX_UPLOAD_ROWS): a series of periods,
#: daily for a century, is 36,500; a larger file is a mistake, refused before it fills memory.
MAX_SERIES_ROWS = 100_000


def read_frame(path: Path, max_rows: int | None = None) -> pd.DataFrame:
    """A CSV, parquet or Excel (.xlsx, first sheet) file as a frame, columns lower-cased."""
    suffix = path.suffix.lower()
    if suffix not in READABLE_SUFFIXES:
        raise MeasurementError(str(path.name), [f"unsupported file type {suffix or '(none)'}; "
                                                f"use {', '.join(READABLE_SUFFIXES)}"])
    return read_bytes(path.read_bytes(), path.name, max_rows)


def read_bytes(data: bytes, filename: str, max_rows: int | None = None) -> pd.DataFrame:
    """Uploaded bytes as a frame; the file name's suffix tells the format.

    At most `max_rows` (and MAX_SERIES_ROWS) data rows: parquet is refused from its metadata, CSV and
    Excel while they are read (Excel streamed row by row by openpyxl's read-only mode, never whole)."""
    suffix = Path(filename).suffix.lower()
    limit = min(max_rows or MAX_SERIES_ROWS, MAX_SERIES_ROWS)
    too_many = MeasurementError(filename, [f"more than {limit:,} rows; a measurement series has one row per "
                                           "period"])
    try:
        if suffix == ".csv":
            frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, na_values=[""], nrows=limit + 1)
        elif suffix == ".parquet":
            import pyarrow.parquet as pq

            if pq.ParquetFile(io.BytesIO(data)).metadata.num_rows > limit:
                raise too_many
            frame = pd.read_parquet(io.BytesIO(data))
        elif suffix == ".xlsx":
            frame = _read_xlsx(data, limit, too_many)
        else:
            raise MeasurementError(filename, [f"unsupported file type {suffix or '(none)'}; "
                                              f"use {', '.join(READABLE_SUFFIXES)}"])
    except MeasurementError:
        raise
    except Exception as exc:  # every reader fails differently on a damaged file; report it plainly
        raise MeasurementError(filename, [f"cannot be read as {suffix.lstrip('.')}: {str(exc).splitlines()[0]}"]) \
            from None
    if len(frame) > limit:
        raise too_many
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame


def _read_xlsx(data: bytes, limit: int, too_many: MeasurementError) -> pd.DataFrame:
    """The first sheet of a workbook, streamed (openpyxl read-only): rows are read one at a time and the
    read stops as soon as there are too many, so a huge sheet costs neither minutes nor memory."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return pd.DataFrame()
        body = []
        for row in rows:
            if all(v is None for v in row):
                continue
            body.append(row)
            if len(body) > limit:
                raise too_many
    finally:
        book.close()
    width = len(header)
    names = [str(h) if h is not None else f"column {i + 1}" for i, h in enumerate(header)]
    return pd.DataFrame([tuple(r[:width]) + (None,) * (width - len(r)) for r in body], columns=names)


def check_series(frame: pd.DataFrame, kind: SeriesKind, source: str = "input") -> pd.DataFrame:
    """A clean series sorted by period (`period` as datetime64, `value` or `numerator` + `denominator`).

    Raises MeasurementError listing the problems, each naming its row; nothing is half-accepted.
    """
    needed = ["period", "numerator", "denominator"] if kind.counts else ["period", "value"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise MeasurementError(source, [f"missing column(s) {', '.join(missing)}; found "
                                        f"{', '.join(map(str, frame.columns)) or 'none'}"])
    if frame.empty:
        raise MeasurementError(source, ["no rows"])
    frame = frame[needed].reset_index(drop=True)
    problems: list[str] = []
    periods = _parse_periods(frame["period"], problems)
    numbers = {c: _parse_numbers(frame[c], c, problems) for c in needed[1:]}
    rows = np.arange(1, len(frame) + 1)
    valid_periods = periods.notna()
    dupes = periods[valid_periods].duplicated(keep="first")
    for row, when in zip(rows[valid_periods.to_numpy()][dupes.to_numpy()], periods[valid_periods][dupes],
                         strict=True):
        problems.append(_("row {row}: period {value} appears more than once").format(
                            row=row, value=when.date().isoformat()))
    if kind.counts:
        num, den = numbers["numerator"], numbers["denominator"]
        for row in rows[(den <= 0).to_numpy(dtype=bool, na_value=False)]:
            problems.append(_("row {row}: denominator {value:g} must be positive").format(
                                row=row, value=den.iloc[row - 1]))
        for row in rows[(num < 0).to_numpy(dtype=bool, na_value=False)]:
            problems.append(_("row {row}: numerator {value:g} is negative").format(row=row, value=num.iloc[row - 1]))
        if kind.proportion:
            for row in rows[((num > den) & (den > 0)).to_numpy(dtype=bool, na_value=False)]:
                problems.append(_("row {row}: numerator {value:g} is larger than the denominator {value2:g} (a "
                                  "proportion cannot exceed 1)").format(
                                    row=row, value=num.iloc[row - 1], value2=den.iloc[row - 1]))
    if problems:
        problems.sort(key=_row_of)
        raise MeasurementError(source, problems[:MAX_PROBLEMS] + (
            [f"… {len(problems) - MAX_PROBLEMS} more problems"] if len(problems) > MAX_PROBLEMS else []))
    out = pd.DataFrame({"period": periods, **numbers})
    return out.sort_values("period", kind="stable").reset_index(drop=True)


def _row_of(problem: str) -> int:
    try:
        return int(problem.split(":")[0].removeprefix("row "))
    except ValueError:
        return 0


def _parse_periods(column: pd.Series, problems: list[str]) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        parsed = pd.to_datetime(column).dt.tz_localize(None) if getattr(column.dt, "tz", None) else column
        parsed = pd.to_datetime(parsed).dt.normalize()
    else:
        text = column.astype("string").str.strip()
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        if hasattr(parsed.dt, "tz") and parsed.dt.tz is not None:
            parsed = parsed.dt.tz_localize(None)
        parsed = parsed.dt.normalize()
        for row in np.flatnonzero(parsed.isna().to_numpy()):
            shown = text.iloc[row]
            problems.append(_("row {value}: period {value2} is not an ISO date (YYYY-MM-DD)").format(
                                value=row + 1, value2='(empty)' if pd.isna(shown) else repr(str(shown))))
        return parsed
    for row in np.flatnonzero(parsed.isna().to_numpy()):
        problems.append(_("row {value}: period is empty").format(value=row + 1))
    return parsed


def _parse_numbers(column: pd.Series, name: str, problems: list[str]) -> pd.Series:
    if pd.api.types.is_bool_dtype(column):
        numbers = pd.Series(np.nan, index=column.index)
    elif pd.api.types.is_numeric_dtype(column):
        numbers = column.astype(float)
    else:
        numbers = pd.to_numeric(column.astype("string").str.strip(), errors="coerce").astype(float)
    bad = numbers.isna() | ~np.isfinite(numbers.fillna(0))
    for row in np.flatnonzero(bad.to_numpy()):
        shown = column.iloc[row]
        problems.append(_("row {value}: {name} {value2} is not a number").format(
                            value=row + 1, name=name, value2='(empty)' if pd.isna(shown) else repr(str(shown))))
    huge = ~bad & (numbers.abs() > MAX_MAGNITUDE)
    for row in np.flatnonzero(huge.to_numpy()):
        problems.append(_("row {value}: {name} {value2:g} is beyond ±{MAX_MAGNITUDE:g}").format(
                            value=row + 1, name=name, value2=numbers.iloc[row], MAX_MAGNITUDE=MAX_MAGNITUDE))
    return numbers.where(~bad & ~huge)
