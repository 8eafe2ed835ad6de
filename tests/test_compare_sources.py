"""Parquet sources: discovery, validation naming file/column/rows, uploads, the cube cache keyed by identity."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from leverage.compare.sources import CACHE_DIR, Source, cached_cube, check_upload, discover, load, save_upload
from leverage.survey.responses import ResponseDataError


def answers(org: str = "Lakeside", n: int = 6) -> pd.DataFrame:
    return pd.DataFrame([{"organization": org, "department": "Surgery", "role": "board", "round": "2025",
                          "respondent_id": f"r{k}", "item_id": "LP1.1", "leverage_point": "LP1", "value": 1 + k % 5}
                         for k in range(n)])


def write(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path


def test_discover_lists_parquet_files_and_folders_but_not_hidden_or_other_files(tmp_path):
    write(answers(), tmp_path / "one.parquet")
    write(answers(), tmp_path / "national" / "round=2025" / "part-0.parquet")
    write(answers(), tmp_path / ".cache" / "x.parquet")
    (tmp_path / "notes.txt").write_text("not a source")
    (tmp_path / "empty").mkdir()
    assert [s.name for s in discover(tmp_path)] == ["national/", "one.parquet"]
    assert discover(tmp_path / "missing") == []


def test_identity_changes_when_a_file_changes(tmp_path):
    path = write(answers(), tmp_path / "a.parquet")
    source = Source("a.parquet", path)
    before = source.identity
    write(answers(n=9), path)
    os.utime(path, ns=(before[1] + 10**9, before[1] + 10**9))
    assert source.identity != before and source.identity[0] == str(path)


def test_a_folder_source_names_the_bad_file_and_its_row(tmp_path):
    folder = tmp_path / "collab"
    write(answers().drop(columns=["round"]), folder / "round=2025" / "a.parquet")
    bad = answers("Hillside").drop(columns=["round"])
    bad.loc[2, "leverage_point"] = "LP8"
    write(bad, folder / "round=2025" / "b.parquet")
    with pytest.raises(ResponseDataError) as err:
        load(Source("collab/", folder))
    assert str(err.value) == ("collab/round=2025/b.parquet: column 'leverage_point' must be one of LP1..LP7; "
                              "found 'LP8' in row 3")


def test_a_good_folder_loads_with_its_partition_column(tmp_path):
    folder = tmp_path / "collab"
    write(answers().drop(columns=["round"]), folder / "round=2025" / "a.parquet")
    table = load(Source("collab/", folder))
    assert table.num_rows == 6 and set(table.column("round").to_pylist()) == {"2025"}


@pytest.mark.parametrize(("name", "data", "message"), [
    ("scores.csv", b"a,b", "scores.csv: only parquet files can be added"),
    ("broken.parquet", b"not parquet at all", "broken.parquet: not a readable parquet file"),
])
def test_check_upload_refuses_what_is_not_a_parquet_file(name, data, message):
    with pytest.raises(ResponseDataError, match=message):
        check_upload(data, name)


def test_check_upload_names_the_column_and_row():
    bad = answers().astype({"value": str})
    bad.loc[4, "value"] = "often"
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(bad, preserve_index=False), sink)
    with pytest.raises(ResponseDataError, match=r"up\.parquet: column 'value' must be a whole number 1–5 .*'often' "
                                                r"in row 5"):
        check_upload(sink.getvalue(), "up.parquet")


def test_save_upload_never_replaces_a_file(tmp_path):
    first = save_upload(b"one", "My file!.parquet", tmp_path)
    second = save_upload(b"two", "My file!.parquet", tmp_path)
    assert (first.name, second.name) == ("My-file.parquet", "My-file-2.parquet")
    assert first.path.read_bytes() == b"one" and second.path.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_cached_cube_is_reused_for_the_same_identity_and_rebuilt_for_a_new_one(tmp_path):
    path = write(answers(n=6), tmp_path / "a.parquet")
    source = Source("a.parquet", path)
    cube = cached_cube(source, tmp_path)
    cached = list((tmp_path / CACHE_DIR).glob("*.parquet"))
    assert len(cached) == 2
    again = cached_cube(source, tmp_path)
    pd.testing.assert_frame_equal(again.points.reset_index(drop=True), cube.points.reset_index(drop=True),
                                  check_dtype=False)
    assert again.items.equals(cube.items)
    write(answers(n=8), path)
    later = source.identity[1] + 10**9
    os.utime(path, ns=(later, later))
    rebuilt = cached_cube(source, tmp_path)
    overall = rebuilt.points[rebuilt.points["leverage_point"] == "Overall"]
    assert overall["n"].sum() == 8
