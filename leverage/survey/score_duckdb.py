"""The `score` contract computed by DuckDB straight from parquet: the fast engine of `python -m leverage score`.

Why DuckDB: at national scale (ten million answers) reading parquet and grouping on both cores is most
of the work, and DuckDB does both in one pass; the pyarrow engine (`leverage.survey.scoring.score_table`)
stays the reference and serves in-memory data and every page. Both engines are checked against each
other in the tests.

The same pass checks every rule of `leverage.survey.responses.normalise_table`; when any row breaks one, or
the input is not plain parquet of the expected types, this returns None and the caller runs the
pyarrow path, which names the file, column and rows at fault. So the messages never differ.
"""

from __future__ import annotations

import os
from pathlib import Path

from leverage.core.columns import GROUP_COLUMNS, IDENTITY, POINT_IDS, RESPONSE_COLUMNS, SCALE_RANGE

TEXT_COLUMNS = [c for c in RESPONSE_COLUMNS if c != "value"]
REQUIRED_TEXT = [c for c in TEXT_COLUMNS if c != "department"]  # department may be empty (not stated)


def available() -> bool:
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return False
    return True


def _files(source: Path) -> list[str] | None:
    """The parquet files pyarrow's dataset would read: names starting with "." or "_" are skipped, as
    pyarrow does. None when anything else is there (the pyarrow path then reports it)."""
    if source.is_file():
        return [str(source)] if source.suffix.lower() == ".parquet" else None
    if not source.is_dir():
        return None
    found = []
    for folder, dirs, names in os.walk(source):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(names):
            if name.startswith((".", "_")):
                continue
            if not name.lower().endswith(".parquet"):
                return None
            found.append(os.path.join(folder, name))
    return found or None


_INTEGER = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
_FLOAT = {"FLOAT", "DOUBLE"}


def _types(con, source_sql: str, files: list[str]) -> dict[str, str] | None:
    """Column -> DuckDB type when text columns are text and `value` is a number; otherwise None (pyarrow decides)."""
    described = con.execute(f"DESCRIBE SELECT * FROM {source_sql}", {"files": files}).fetchall()  # noqa: S608
    types = {row[0]: row[1] for row in described}
    if any(c not in types for c in RESPONSE_COLUMNS):
        return None
    if all(types[c] == "VARCHAR" for c in TEXT_COLUMNS) and types["value"] in _INTEGER | _FLOAT:
        return types
    return None


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _proven(con, files: list[str], types: dict[str, str]) -> set[str]:
    """Columns whose parquet statistics prove the rules for every row, without reading a value.

    Text (not department): no nulls in any row group and a minimum that is not the empty string ('' sorts
    before every other string, under any byte order a writer used). `value` of an integer type: every row
    group's minimum and maximum inside the scale. A row group without statistics proves nothing; those
    columns are checked row by row in the scoring pass, as before. Reading the statistics costs the
    files' footers only (a few milliseconds for ten million answers).
    """
    import duckdb

    low, high = SCALE_RANGE
    try:
        rows = con.execute("""
            SELECT path_in_schema, count(*) AS chunks,
                   count(*) FILTER (WHERE stats_null_count = 0) AS without_nulls,
                   count(*) FILTER (WHERE stats_min_value IS NOT NULL AND stats_min_value <> '') AS nonempty,
                   min(TRY_CAST(stats_min_value AS DOUBLE)) AS low, max(TRY_CAST(stats_max_value AS DOUBLE)) AS high,
                   count(*) FILTER (WHERE stats_min_value IS NULL OR stats_max_value IS NULL) AS unknown
            FROM parquet_metadata($files) GROUP BY path_in_schema""", {"files": files}).fetchall()
    except duckdb.Error:  # no statistics to rely on: everything is checked row by row
        return set()
    proven = set()
    for column, chunks, without_nulls, nonempty, smallest, largest, unknown in rows:
        if column in REQUIRED_TEXT and without_nulls == chunks and nonempty == chunks:
            proven.add(column)
        elif (column == "value" and types.get("value") in _INTEGER and not unknown and smallest is not None
              and low <= smallest and largest <= high):
            proven.add(column)
    return proven


def _scores(source: str | Path, by: list[str], min_n: int, deliver):
    """Check and aggregate `source` in DuckDB, then `deliver(con, final_query)`; None when pyarrow must decide."""
    if any(c not in GROUP_COLUMNS for c in by):
        raise ValueError(f"by: {by} must be among {GROUP_COLUMNS}")
    files = _files(Path(source))
    if files is None:
        return None
    import duckdb

    # The SQL is built only from fixed column names, constants and an int; the file list is a bound parameter.
    resp_keys = by + [c for c in IDENTITY if c not in by]
    keys_sql = ", ".join(map(_quoted, [*resp_keys, "leverage_point"]))
    out_keys = ", ".join(map(_quoted, [*by, "leverage_point"]))
    low, high = SCALE_RANGE
    points = ", ".join(f"'{p}'" for p in POINT_IDS)
    source_sql = "read_parquet($files, hive_partitioning = true, hive_types_autocast = false)"
    # Every column is written as nullable, as the pyarrow engine writes it (DuckDB would mark a column
    # without nulls in this data as required); the CASE is always true here (only groups with respondents).
    nullable_keys = ", ".join(f"CASE WHEN n_respondents > 0 THEN {_quoted(c)} END AS {_quoted(c)}"
                              for c in [*by, "leverage_point"])
    final = f"""
        SELECT {nullable_keys}, CASE WHEN n_respondents > 0 THEN n_respondents END AS n_respondents,
               CASE WHEN n_respondents >= {int(min_n)} THEN mean_all END AS mean,
               CASE WHEN n_respondents >= {int(min_n)} THEN sd_all END AS sd,
               n_respondents < {int(min_n)} AS suppressed
        FROM groups WHERE n_respondents > 0
        ORDER BY {out_keys}"""  # noqa: S608
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false").fetchall()  # a command's stderr is for its one line
        types = _types(con, source_sql, files)
        if types is None:
            return None
        con.execute("SET preserve_insertion_order = false").fetchall()
        proven = _proven(con, files, types)

        def empty(column: str) -> str:
            return f"{_quoted(column)} IS NULL OR {_quoted(column)} = ''"

        # Rules no statistics proved: a key column (one value per respondent x point) is checked once per
        # respondent x point, a column that is not a key once per answer; leverage_point once per group.
        keyed = set(resp_keys)
        per_answer = [empty(c) for c in REQUIRED_TEXT if c not in proven and c not in keyed and c != "leverage_point"]
        if "value" not in proven:
            per_answer.append(f"value IS NOT NULL AND (value < {low} OR value > {high} OR value <> floor(value))")
        per_respondent = [empty(c) for c in REQUIRED_TEXT if c not in proven and c in keyed]
        bad_answers = (f", count(*) FILTER (WHERE {' OR '.join(f'({c})' for c in per_answer)}) AS bad"
                       if per_answer else ", 0 AS bad")
        bad_respondents = (f" + count(*) FILTER (WHERE {' OR '.join(f'({c})' for c in per_respondent)})"
                           if per_respondent else "")
        # One pipelined pass: respondent x point scores with the remaining rule checks alongside, straight into
        # the (small) group table; respondents who scored nothing count for the checks but not for n.
        con.execute(f"""
            CREATE TEMP TABLE groups AS
            WITH per_respondent AS (
                SELECT {keys_sql}, avg(value) AS score, count(value) AS n_scored{bad_answers}
                FROM {source_sql} GROUP BY ALL)
            SELECT {out_keys}, count(*) FILTER (WHERE n_scored > 0) AS n_respondents,
                   avg(score) AS mean_all, stddev_samp(score) AS sd_all, sum(bad){bad_respondents} AS bad
            FROM per_respondent GROUP BY ALL""", {"files": files}).fetchall()  # noqa: S608
        if con.execute(f"""SELECT coalesce(sum(bad), 0) + count(*) FILTER (WHERE leverage_point IS NULL
                                                                     OR leverage_point NOT IN ({points}))
                           FROM groups""").fetchall()[0][0]:  # noqa: S608
            return None
        return deliver(con, final)
    except duckdb.Error:
        return None  # files DuckDB cannot read as one table (mixed schemas, damage): pyarrow reports it
    finally:
        con.close()


def score_parquet(source: str | Path, by: list[str], min_n: int):
    """One row per group × leverage point (by..., leverage_point, n_respondents, mean, sd, suppressed),
    as an Arrow table; None when the input needs the pyarrow path (not parquet, other types, a bad row)."""
    import pyarrow as pa

    result = _scores(source, by, min_n, lambda con, query: con.sql(query).to_arrow_table())
    if result is None:
        return None
    schema = pa.schema([*(pa.field(c, pa.string()) for c in [*by, "leverage_point"]),
                        pa.field("n_respondents", pa.int64()), pa.field("mean", pa.float64()),
                        pa.field("sd", pa.float64()), pa.field("suppressed", pa.bool_())])
    return result.cast(schema)


def write_score_parquet(source: str | Path, by: list[str], min_n: int, out: str | Path) -> int | None:
    """The same table written by DuckDB straight to a parquet file (whole or not at all); its row count,
    or None when the input needs the pyarrow path. Skips loading Arrow and pandas: the command stays quick."""
    from leverage.core.atomic import replaced_atomically

    def copy(con, query: str) -> int:
        with replaced_atomically(out) as tmp:
            written = con.execute(f"COPY ({query}) TO $path (FORMAT parquet)", {"path": tmp}).fetchall()
        return int(written[0][0])  # COPY answers with the number of rows it wrote

    return _scores(source, by, min_n, copy)
