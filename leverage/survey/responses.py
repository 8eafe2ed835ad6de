"""The long response format shared by the store, the `score` command, imports, exports and comparisons.

One row per answer: organization, department, role, round, respondent_id, item_id, leverage_point,
value (integer on the instrument's scale; null means "don't know").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from leverage.core.atomic import replaced_atomically
from leverage.core.columns import GROUP_COLUMNS, POINT_IDS, RESPONSE_COLUMNS, SCALE_RANGE
from leverage.core.i18n import _
from leverage.survey.instrument import Instrument

__all__ = ["GROUP_COLUMNS", "RESPONSE_COLUMNS", "SCALE_RANGE"]  # re-exported: callers import them from here
MAX_PROBLEMS = 50


class ResponseDataError(ValueError):
    """Response data cannot be used; the message names the file, column and rows at fault."""


@dataclass(frozen=True)
class Problem:
    row: int | None  # 1-based data row (header excluded); None for whole-file problems
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


def read_table(source: str | Path, columns: list[str] | None = None, dictionary: bool = False,
               max_rows: int | None = None, label: str | None = None) -> pa.Table:
    """Read a parquet file, a directory of parquet files (hive partitions allowed) or a CSV file.

    Only the named columns are read, so a wide file costs what the caller needs. With `dictionary`, parquet
    text columns stay dictionary-encoded as stored: several times faster and smaller for millions of rows.
    With `max_rows`, a file with more rows is refused before it is read (parquet: from its metadata) or
    while it is read (CSV: in blocks, so memory stays bounded). `label` names the file in messages (an
    upload's own name, never the temporary file's).
    """
    path = Path(source)
    name = label or str(path)
    if not path.exists():
        raise ResponseDataError(_("{name}: no such file or directory").format(name=name))
    try:
        if path.is_file() and path.suffix.lower() == ".csv":
            if path.stat().st_size == 0:
                raise ResponseDataError(_("{name}: the file is empty (not even a header row)").format(name=name))
            return _read_csv(path, columns, max_rows, name)
        dataset = parquet_dataset(path, dictionary)
        if max_rows is not None:
            rows = dataset.count_rows()  # from the files' metadata: nothing is read yet
            if rows > max_rows:
                raise ResponseDataError(_("{name}: {rows:,} rows; at most {max_rows:,} are accepted "
                                          "(LEVERAGE_MAX_UPLOAD_ROWS)").format(
                                            name=name, rows=rows, max_rows=max_rows))
        wanted = None if columns is None else [c for c in columns if c in dataset.schema.names]
        # Large batches: a few big chunks instead of a hundred small ones for the group-bys that follow.
        return dataset.to_table(columns=wanted, batch_size=1 << 20 if dictionary else 131_072)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OSError, UnicodeDecodeError) as exc:
        # NotImplemented: files of one folder whose types pyarrow cannot cast to one another
        raise ResponseDataError(_("{name}: cannot read the file ({value})").format(
                                    name=name, value=_plain(exc, path, name))) from None


def parquet_dataset(path: Path, dictionary: bool = False) -> ds.FileSystemDataset:
    """A parquet file or folder (hive partitions allowed) as a dataset, nothing read but the footers.

    With `dictionary`, text columns (and partition values) come back dictionary-encoded as parquet stores
    them: several times faster and smaller for millions of rows. Raises pyarrow's or the OS's errors."""
    if not dictionary:
        return ds.dataset(path, format="parquet", partitioning="hive")
    schema = ds.dataset(path, format="parquet", partitioning="hive").schema
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    fmt = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=text))
    return ds.dataset(path, format=fmt, partitioning=ds.HivePartitioning.discover(infer_dictionary=True))


def _plain(exc: Exception, path: Path, name: str) -> str:
    """An error's first line with the file's path replaced by its name (no temporary paths in messages)."""
    return str(exc).splitlines()[0].replace(str(path), name) if str(exc) else type(exc).__name__


def _read_csv(path: Path, columns: list[str] | None, max_rows: int | None, name: str) -> pa.Table:
    """A CSV file as text columns (empty cells null), read in blocks by pyarrow: far less memory than
    pandas' Python strings, and a file over `max_rows` is refused as soon as the count passes it."""
    import pyarrow.csv as pacsv

    with open(path, encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    if not header:
        raise ResponseDataError(_("{name}: the file is empty (not even a header row)").format(name=name))
    wanted = header if columns is None else [c for c in columns if c in header]
    convert = pacsv.ConvertOptions(column_types={c: pa.string() for c in header}, include_columns=wanted,
                                   strings_can_be_null=True, null_values=[""], quoted_strings_can_be_null=True)
    reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 22), convert_options=convert,
                            parse_options=pacsv.ParseOptions(newlines_in_values=True))
    batches, rows = [], 0
    for batch in reader:
        rows += batch.num_rows
        if max_rows is not None and rows > max_rows:
            raise ResponseDataError(_("{name}: more than {max_rows:,} rows; at most {max_rows:,} are accepted "
                                      "(LEVERAGE_MAX_UPLOAD_ROWS)").format(name=name, max_rows=max_rows))
        batches.append(batch)
    table = pa.Table.from_batches(batches, schema=reader.schema)
    return table.select(wanted)


def _string(col: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    return col if pa.types.is_string(col.type) or pa.types.is_large_string(col.type) else pc.cast(col, pa.string())


def normalise_table(table: pa.Table, source: str, required: tuple[str, ...] = RESPONSE_COLUMNS,
                    scale: tuple[int, int] = SCALE_RANGE) -> pa.Table:
    """Check the columns and value range of response data and return it with canonical types.

    Vectorised so that ten million rows cost a few passes, not a Python loop. Raises
    ResponseDataError naming the source, the column and the first bad rows.
    """
    missing = [c for c in required if c not in table.column_names]
    if missing:
        raise ResponseDataError(_("{source}: missing column(s) {value}; expected {value2}").format(
                                    source=source, value=', '.join(missing), value2=', '.join(RESPONSE_COLUMNS)))
    columns: dict[str, pa.ChunkedArray] = {}
    for name in required:
        col = table.column(name)
        if name == "value":
            columns[name] = _values(col, source, scale)
            continue
        if _clean_dictionary(col, name):
            columns[name] = col
            continue
        try:
            col = _string(col)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise ResponseDataError(_("{source}: column {name!r} must be text").format(
                source=source, name=name)) from None
        if name != "department":
            empty = pc.fill_null(pc.or_kleene(pc.is_null(col), pc.equal(pc.utf8_length(col), 0)), True)
            if pc.any(empty).as_py():
                raise ResponseDataError(_("{source}: column {name!r} is empty in {value}").format(
                                            source=source, name=name, value=_rows(empty)))
        if name == "leverage_point":
            bad = pc.invert(pc.is_in(col, value_set=pa.array(POINT_IDS)))
            if pc.any(bad).as_py():
                first = col.filter(bad)[0].as_py()
                raise ResponseDataError(_("{source}: column 'leverage_point' must be one of LP1..LP7; found "
                                          "{first!r} in {value}").format(source=source, first=first, value=_rows(bad)))
        columns[name] = col
    return pa.table(columns)


def _clean_dictionary(col: pa.ChunkedArray, name: str) -> bool:
    """True when a dictionary-encoded text column passes the checks on its (small) dictionaries alone.

    Otherwise the caller checks it as plain text, which finds and names the bad rows.
    """
    if not pa.types.is_dictionary(col.type) or not pa.types.is_string(col.type.value_type):
        return False
    if name == "department":
        return True
    if col.null_count:
        return False
    for chunk in col.chunks:
        values = chunk.dictionary
        if values.null_count or pc.any(pc.equal(pc.utf8_length(values), 0)).as_py():
            return False
        if name == "leverage_point" and not pc.all(pc.is_in(values, value_set=pa.array(POINT_IDS))).as_py():
            return False
    return True


def _values(col: pa.ChunkedArray, source: str, scale: tuple[int, int]) -> pa.ChunkedArray:
    low, high = scale
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type) or pa.types.is_dictionary(col.type):
        text = pc.utf8_trim_whitespace(_string(col))
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        try:
            col = pc.cast(text, pa.float64())
        except pa.ArrowInvalid:
            numeric = pc.match_substring_regex(text, r"^-?[0-9]+(\.[0-9]+)?$")
            bad = pc.and_(pc.is_valid(text), pc.invert(pc.fill_null(numeric, False)))
            raise ResponseDataError(_("{source}: column 'value' must be a whole number {low}–{high} or empty (don't "
                                      "know); found {value!r} in {value2}").format(
                                        source=source, low=low, high=high, value=text.filter(bad)[0].as_py(),
                                        value2=_rows(bad))) from None
    if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type) or pa.types.is_null(col.type)):
        raise ResponseDataError(_("{source}: column 'value' must be numeric, not {type}").format(
                                    source=source, type=col.type))
    if pa.types.is_integer(col.type):  # whole numbers already: one min/max pass decides (10 M answers: ~0.1 s)
        extremes = pc.min_max(col).as_py()
        if extremes["min"] is None or (low <= extremes["min"] and extremes["max"] <= high):
            return pc.cast(col, pa.int8())
    as_float = pc.cast(col, pa.float64())
    bad = pc.fill_null(pc.or_(pc.or_(pc.less(as_float, low), pc.greater(as_float, high)),
                              pc.not_equal(pc.floor(as_float), as_float)), False)
    if pc.any(bad).as_py():
        raise ResponseDataError(_("{source}: column 'value' must be a whole number {low}–{high} or empty (don't "
                                  "know); found {value:g} in {value2}").format(
                                    source=source, low=low, high=high, value=as_float.filter(bad)[0].as_py(),
                                    value2=_rows(bad)))
    return pc.cast(as_float, pa.int8())


def _rows(mask: pa.ChunkedArray, limit: int = 5) -> str:
    """'rows 3, 9 and 12 more' for a boolean mask (1-based data rows)."""
    idx = pc.indices_nonzero(pc.fill_null(mask, False).combine_chunks()) if isinstance(mask, pa.ChunkedArray) \
        else pc.indices_nonzero(mask)
    rows = [i + 1 for i in idx.slice(0, limit).to_pylist()]
    more = len(idx) - len(rows)
    text = ", ".join(str(r) for r in rows)
    return f"row{'s' if len(idx) > 1 else ''} {text}" + (f" and {more} more" if more else "")


def validate_for_import(frame: pd.DataFrame, instruments: dict[tuple[str, str], Instrument],
                        round_instrument: dict[tuple[str, str], tuple[str, str]], default_instrument: Instrument,
                        roles: set[str]) -> list[Problem]:
    """Row-by-row checks an import needs beyond the format: known items and roles, consistent respondents.

    `round_instrument` maps (organization, round) to the (id, version) of existing rounds; new rounds use
    the default instrument. Returns every problem found (up to MAX_PROBLEMS), so a user fixes a file once.
    """
    problems: list[Problem] = []

    def add(row: int | None, column: str | None, message: str) -> None:
        if len(problems) < MAX_PROBLEMS:
            problems.append(Problem(row, column, message))

    # Vectorised per instrument (usually one), then reported in row order.
    # The instrument of each row, looked up once per organization × round (not per row: memory stays flat).
    grouped = frame.groupby(["organization", "round"], observed=True, sort=False, dropna=False)
    pair = grouped.ngroup().to_numpy()
    per_pair = [round_instrument.get((o, r), default_instrument.key)
                for o, r in grouped[["organization", "round"]].first().itertuples(index=False)]
    uniques = list(dict.fromkeys(per_pair))
    inst_code = np.array([uniques.index(k) for k in per_pair], dtype=np.int32)[pair]
    found: list[tuple[int, str, str]] = []  # (row, column, message)
    bad_role = ~frame["role"].isin(roles)
    for i in frame.index[bad_role][:MAX_PROBLEMS]:
        found.append((i, "role", f"{frame.at[i, 'role']!r} is not a configured role ({', '.join(sorted(roles))})"))
    for code, key in enumerate(uniques):
        inst = instruments.get(key, default_instrument)
        rows = frame[inst_code == code]
        item_point = inst.item_point()
        expected = rows["item_id"].map(item_point)
        for i in rows.index[expected.isna()][:MAX_PROBLEMS]:
            found.append((i, "item_id", f"{rows.at[i, 'item_id']!r} is not an item of instrument {inst.id} "
                                        f"{inst.version}"))
        wrong = expected.notna() & (expected.astype(object) != rows["leverage_point"].astype(object))
        for i in rows.index[wrong][:MAX_PROBLEMS]:
            found.append((i, "leverage_point", f"item {rows.at[i, 'item_id']} belongs to {expected[i]}, "
                                               f"not {rows.at[i, 'leverage_point']}"))
        values = rows["value"]
        out = values.notna() & ((values < inst.scale_min) | (values > inst.scale_max))
        for i in rows.index[out.fillna(False)][:MAX_PROBLEMS]:
            found.append((i, "value", f"{values[i]} is outside the scale {inst.scale_min}–{inst.scale_max}"))
    index = frame.index

    class _Position(dict):  # 1-based row of an index label, computed for the few rows reported
        def __missing__(self, label):
            return int(index.get_loc(label)) + 1

    position = _Position()
    for i, column, message in sorted(found, key=lambda f: position[f[0]]):
        add(position[i], column, message)
    dup = frame.duplicated(["organization", "round", "respondent_id", "item_id"], keep="first")
    for i in dup.index[dup][:10]:
        add(position[i], "item_id", "the same respondent answers this item twice")
    attrs = frame.groupby(["organization", "round", "respondent_id"], dropna=False)[["role", "department"]].nunique(
        dropna=False)
    for (org, rnd, rid), _row in attrs[(attrs["role"] > 1) | (attrs["department"] > 1)].head(10).iterrows():
        mine = (frame["organization"] == org) & (frame["round"] == rnd) & (frame["respondent_id"] == rid)
        rows = [position[i] for i in frame.index[mine][:5]]
        add(rows[0], "respondent_id", f"respondent {rid!r} in {org} / {rnd} has more than one role or department "
                                      f"(rows {', '.join(map(str, rows))})")
    return problems


#: Longest text each column may hold: what the database stores (leverage/core/schema.py), so a long id is
#: refused with its column and row named, the same on SQLite (which would store it) and PostgreSQL (which
#: would raise an error with SQL in it).
TEXT_LIMITS = {"organization": 200, "department": 200, "round": 200, "role": 32, "respondent_id": 64,
               "item_id": 32, "leverage_point": 8}


def check_text_fields(frame: pd.DataFrame, source: str) -> list[Problem]:
    """Blank (only spaces), over-long and control-character text, per column with its first rows.

    Checked on each column's distinct values, so two million rows cost a few thousand checks."""
    from leverage.core.validation import has_control_characters

    problems: list[Problem] = []
    for column, limit in TEXT_LIMITS.items():
        if column not in frame.columns:
            continue
        values = pd.Series(frame[column].dropna().unique()).astype(str)
        if values.empty:
            continue
        bad = {}
        for value in values:
            if not value.strip():
                bad[value] = "is blank (only spaces)"
            elif len(value) > limit:
                bad[value] = f"is longer than {limit} characters"
            elif has_control_characters(value) or "\n" in value or "\r" in value:
                bad[value] = "contains a control character (such as NUL or a line break)"
        for value, why in list(bad.items())[:MAX_PROBLEMS]:
            rows = np.flatnonzero((frame[column].astype(object) == value).to_numpy())
            shown = value if len(value) <= 40 else value[:40] + "…"
            problems.append(Problem(int(rows[0]) + 1, column, f"{shown!r} {why} (rows "
                                    f"{', '.join(str(r + 1) for r in rows[:5])}{' …' if len(rows) > 5 else ''})"))
    return problems[:MAX_PROBLEMS]


# --- writing -----------------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_text(value: object) -> object:
    """One value made safe for a spreadsheet: text a spreadsheet would run as a formula gets a leading quote."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells a spreadsheet would run as a formula with a quote, so they arrive as text.

    Column headings too (a table pivoted by department has department names as headings), and text held
    in categorical columns, which would otherwise slip past a check on the column's dtype.
    """
    out = frame.copy()
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            out.isetitem(i, column.map(neutralise_text))
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = pd.MultiIndex.from_tuples([tuple(neutralise_text(p) for p in c) for c in out.columns])
    else:
        out.columns = [neutralise_text(c) for c in out.columns]
    return out


def restore_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo `neutralise_formulas` on text read back from our own CSV export."""
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.CategoricalDtype):  # restore the categories, not every cell
            restored = [_restored(v) for v in out[name].cat.categories]
            if len(set(restored)) == len(restored):
                out[name] = out[name].cat.rename_categories(restored)
            else:
                out[name] = out[name].astype(object).map(_restored)
            continue
        if out[name].dtype == object or pd.api.types.is_string_dtype(out[name]):
            out[name] = out[name].map(
                lambda v: v[1:] if isinstance(v, str) and len(v) > 1 and v[0] == "'" and v[1] in _FORMULA_START
                else v)
    return out


def _restored(v: object) -> object:
    return v[1:] if isinstance(v, str) and len(v) > 1 and v[0] == "'" and v[1] in _FORMULA_START else v


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with formula-like text quoted; CRLF line ends (RFC 4180), so a carriage return inside a
    cell is quoted too (with "\n" line ends the csv module leaves a lone CR bare and a reader splits the row)."""
    return neutralise_formulas(frame).to_csv(index=False, quoting=csv.QUOTE_MINIMAL,
                                             lineterminator="\r\n").encode("utf-8")


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
    return sink.getvalue()


def write_table_atomic(table: pa.Table | pd.DataFrame, out: str | Path) -> None:
    """Write .parquet or .csv via a temporary file, so a failure never leaves a partial output."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in {".parquet", ".csv"}:
        raise ValueError(f"{out}: output must end in .parquet or .csv")
    frame = table if isinstance(table, pd.DataFrame) else None
    with replaced_atomically(out) as tmp:
        if suffix == ".parquet":
            pq.write_table(table if isinstance(table, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False),
                           tmp)
        else:
            data = frame if frame is not None else table.to_pandas()
            Path(tmp).write_bytes(to_csv_bytes(data))
