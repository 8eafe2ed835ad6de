"""The two engines of `score` agree: DuckDB (fast path for valid parquet) and pyarrow (the reference).

DuckDB answers only when every row is valid; otherwise the pyarrow path runs and names the problem, so
bad input gets the same message whichever engine is installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from leverage.cli.main import main
from leverage.demo.survey import generate
from leverage.survey import score_duckdb
from leverage.survey.responses import normalise_table
from leverage.survey.scoring import score_table

pytestmark = pytest.mark.skipif(not score_duckdb.available(), reason="duckdb is not installed")
GROUPINGS = [[], ["organization"], ["organization", "role"], ["organization", "department", "role", "round"],
             ["department"], ["round", "role"]]


def _assert_same(fast: pa.Table, reference: pa.Table) -> None:
    assert fast.schema == reference.schema
    assert fast.num_rows == reference.num_rows
    for name in fast.column_names:
        a, b = fast.column(name), reference.column(name)
        if name in ("mean", "sd"):
            x, y = a.to_numpy(zero_copy_only=False), b.to_numpy(zero_copy_only=False)
            assert np.array_equal(np.isnan(x), np.isnan(y)), name
            assert np.allclose(x[~np.isnan(x)], y[~np.isnan(y)], rtol=0, atol=1e-12), name
        else:
            assert a.equals(b), name


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("engines") / "demo.parquet"
    generate()["responses"].to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("by", GROUPINGS, ids=lambda b: ",".join(b) or "one-group")
@pytest.mark.parametrize("min_n", [1, 5])
def test_engines_agree_on_the_demo(demo_file: Path, by: list[str], min_n: int) -> None:
    reference = score_table(normalise_table(pq.read_table(demo_file), "demo"), by, min_n)
    _assert_same(score_duckdb.score_parquet(demo_file, by, min_n), reference)


def test_engines_agree_on_edges_and_hive_partitions(tmp_path: Path) -> None:
    rows = pd.DataFrame({
        "organization": ["A"] * 7 + ["B"] * 3,
        "department": ["Ward 1", "Ward 1", None, None, "Ward 1", "Ward 2", "Ward 2", None, None, "X"],
        "role": ["nursing"] * 5 + ["board"] * 2 + ["physician"] * 3,
        "round": ["2026"] * 10,
        "respondent_id": ["r1", "r1", "r2", "r2", "r3", "r4", "r4", "r5", "r6", "r6"],
        "item_id": ["LP1.1", "LP1.2", "LP1.1", "LP2.1", "LP1.1", "LP1.1", "LP1.2", "LP3.1", "LP3.1", "LP3.2"],
        "leverage_point": ["LP1", "LP1", "LP1", "LP2", "LP1", "LP1", "LP1", "LP3", "LP3", "LP3"],
        "value": [1, 2, None, 4, 5, 3, None, None, 2, 5],  # r5 answered only "don't know"
    })
    rows["value"] = rows["value"].astype("Int8")
    folder = tmp_path / "hive"
    for org, part in rows.groupby("organization"):
        target = folder / f"organization={org}"
        target.mkdir(parents=True)
        part.drop(columns="organization").to_parquet(target / "part-0.parquet", index=False)
    hidden = folder / ".cache"
    hidden.mkdir()
    pd.DataFrame({"junk": [1]}).to_parquet(hidden / "summary.parquet")  # skipped, as pyarrow skips it
    from leverage.survey.responses import read_table

    for by in GROUPINGS:
        reference = score_table(normalise_table(read_table(folder, dictionary=True), "x"), by, 1)
        _assert_same(score_duckdb.score_parquet(folder, by, 1), reference)


@pytest.mark.parametrize(("column", "bad"), [("value", 7), ("value", 2.5), ("leverage_point", "LP9"),
                                             ("role", ""), ("item_id", None)])
def test_invalid_rows_leave_the_answer_to_pyarrow(tmp_path: Path, column: str, bad: object) -> None:
    frame = generate()["responses"].head(50).copy()
    if column == "value":
        frame["value"] = frame["value"].astype("float64")
    frame.loc[7, column] = bad
    path = tmp_path / "bad.parquet"
    frame.to_parquet(path, index=False)
    assert score_duckdb.score_parquet(path, ["role"], 1) is None
    out = tmp_path / "out.parquet"
    assert main(["score", str(path), "--by", "role", "--out", str(out)]) == 2  # pyarrow names the problem
    assert not out.exists()


def test_other_inputs_are_not_taken(tmp_path: Path) -> None:
    assert score_duckdb.score_parquet(tmp_path / "missing", [], 1) is None
    csv = tmp_path / "x.csv"
    csv.write_text("a,b\n1,2\n")
    assert score_duckdb.score_parquet(csv, [], 1) is None
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "notes.txt").write_text("not parquet")
    assert score_duckdb.score_parquet(folder, [], 1) is None
    text_values = generate()["responses"].head(20).astype({"value": "string"})
    text_values.to_parquet(tmp_path / "text.parquet", index=False)
    assert score_duckdb.score_parquet(tmp_path / "text.parquet", [], 1) is None  # pyarrow parses text values


def test_cli_engines_write_the_same_file(demo_file: Path, tmp_path: Path) -> None:
    outs = {}
    for engine in ("duckdb", "pyarrow"):
        outs[engine] = tmp_path / f"{engine}.parquet"
        done = subprocess.run([sys.executable, "-m", "leverage", "score", str(demo_file), "--by", "organization,role",
                               "--engine", engine, "--out", str(outs[engine])], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    _assert_same(pq.read_table(outs["duckdb"]), pq.read_table(outs["pyarrow"]))


def test_parquet_statistics_prove_clean_columns_and_never_hide_a_bad_row(tmp_path: Path) -> None:
    """Columns whose row-group statistics prove the rules are not checked row by row; a bad row still sends
    the input to pyarrow, whether the writer kept statistics (they then prove nothing) or not."""
    import duckdb

    frame = generate()["responses"].head(200).copy()
    frame["value"] = frame["value"].astype("Int8")
    clean = tmp_path / "clean.parquet"
    frame.to_parquet(clean, index=False)
    con = duckdb.connect()
    source = "read_parquet($files, hive_partitioning = true, hive_types_autocast = false)"
    types = score_duckdb._types(con, source, [str(clean)])
    assert score_duckdb._proven(con, [str(clean)], types) == {
        "organization", "role", "round", "respondent_id", "item_id", "leverage_point", "value"}
    floats = tmp_path / "floats.parquet"
    frame.astype({"value": "float64"}).to_parquet(floats, index=False)
    assert "value" not in score_duckdb._proven(con, [str(floats)], score_duckdb._types(con, source, [str(floats)]))
    con.close()
    reference = score_table(normalise_table(pq.read_table(clean), "x"), ["role"], 1)
    _assert_same(score_duckdb.score_parquet(clean, ["role"], 1), reference)

    for name, column, bad, statistics in [("int7", "value", 7, True), ("role", "role", "", False),
                                          ("item", "item_id", "", False), ("value", "value", 9, False)]:
        broken = frame.copy()
        broken.loc[11, column] = bad
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.Table.from_pandas(broken, preserve_index=False), path, write_statistics=statistics)
        assert score_duckdb.score_parquet(path, ["role"], 1) is None, name
