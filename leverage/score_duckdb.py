"""The `score` contract computed by DuckDB straight from parquet: the fast engine of `python -m leverage score`.

Why DuckDB: at national scale (ten million answers) reading parquet and grouping on both cores is most
of the work, and DuckDB does both in one pass; the pyarrow engine (`leverage.scoring.score_table`)
stays the reference and serves in-memory data and every page. Both engines are checked against each
other in the tests.

The same pass checks every rule of `leverage.responses.normalise_table`; when any row breaks one, or
the input is not plain parquet of the expected types, this returns None and the caller runs the
pyarrow path, which names the file, column and rows at fault. So the messages never differ.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa

from leverage.columns import GROUP_COLUMNS, IDENTITY, POINT_IDS, RESPONSE_COLUMNS, SCALE_RANGE

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


def _types_fit(con, source_sql: str, files: list[str]) -> bool:
    """Text columns are text and `value` is a number: otherwise the pyarrow path decides."""
    described = con.execute(f"DESCRIBE SELECT * FROM {source_sql}", {"files": files}).fetchall()  # noqa: S608
    types = {row[0]: row[1] for row in described}
    if any(c not in types for c in RESPONSE_COLUMNS):
        return False
    return all(types[c] == "VARCHAR" for c in TEXT_COLUMNS) and types["value"] in _INTEGER | _FLOAT


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def score_parquet(source: str | Path, by: list[str], min_n: int) -> pa.Table | None:
    """One row per group × leverage point (by..., leverage_point, n_respondents, mean, sd, suppressed).

    None when the input needs the pyarrow path (not parquet, other types, or a row that breaks a rule).
    """
    files = _files(Path(source))
    if files is None:
        return None
    import duckdb

    resp_keys = by + [c for c in IDENTITY if c not in by]
    keys_sql = ", ".join(map(_quoted, [*resp_keys, "leverage_point"]))
    out_keys = ", ".join(map(_quoted, [*by, "leverage_point"]))
    low, high = SCALE_RANGE
    empty_text = " OR ".join(f"{_quoted(c)} IS NULL OR {_quoted(c)} = ''" for c in REQUIRED_TEXT)
    points = ", ".join(f"'{p}'" for p in POINT_IDS)
    # The SQL is built only from fixed column names, constants and an int; the file list is a bound parameter.
    if any(c not in GROUP_COLUMNS for c in by):
        raise ValueError(f"by: {by} must be among {GROUP_COLUMNS}")
    source_sql = "read_parquet($files, hive_partitioning = true, hive_types_autocast = false)"
    con = duckdb.connect()
    try:
        if not _types_fit(con, source_sql, files):
            return None
        con.execute("SET preserve_insertion_order = false").fetchall()
        con.execute(f"""
            CREATE TEMP TABLE per_respondent AS
            SELECT {keys_sql}, avg(value) AS score, count(value) AS n_scored,
                   count(*) FILTER (WHERE value IS NOT NULL AND (value < {low} OR value > {high}
                                                                 OR value <> floor(value))) AS bad_value,
                   count(*) FILTER (WHERE {empty_text}) AS bad_text,
                   count(*) FILTER (WHERE leverage_point NOT IN ({points})) AS bad_point
            FROM {source_sql}
            GROUP BY ALL""", {"files": files}).fetchall()  # noqa: S608
        problems = con.execute("SELECT coalesce(sum(bad_value + bad_text + bad_point), 0) FROM per_respondent"
                               ).fetchall()[0][0]
        if problems:
            return None
        result = con.sql(f"""
            SELECT {out_keys}, count(*) AS n_respondents,
                   CASE WHEN count(*) >= {int(min_n)} THEN avg(score) END AS mean,
                   CASE WHEN count(*) >= {int(min_n)} THEN stddev_samp(score) END AS sd,
                   count(*) < {int(min_n)} AS suppressed
            FROM per_respondent WHERE n_scored > 0
            GROUP BY ALL ORDER BY ALL""").to_arrow_table()  # noqa: S608
    except duckdb.Error:
        return None  # files DuckDB cannot read as one table (mixed schemas, damage): pyarrow reports it
    finally:
        con.close()
    schema = pa.schema([*(pa.field(c, pa.string()) for c in [*by, "leverage_point"]),
                        pa.field("n_respondents", pa.int64()), pa.field("mean", pa.float64()),
                        pa.field("sd", pa.float64()), pa.field("suppressed", pa.bool_())])
    return result.cast(schema)
