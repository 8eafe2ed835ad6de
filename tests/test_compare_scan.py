"""Scanning a parquet source before its first view: the same verdict and message as reading it whole, the
answers per organization x round, and one organization's rows read from the row groups that hold them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from leverage.compare import sources
from leverage.compare.cube import subset
from leverage.compare.sources import Scan, Source, load, organization_rows, scan
from leverage.survey.aggregate import equal_mask
from leverage.survey.responses import ResponseDataError

TEXT = ["organization", "department", "role", "round", "respondent_id", "item_id", "leverage_point"]


def answers(org: str, n: int, round_name: str = "2025", first: int = 0) -> pd.DataFrame:
    """n respondents of `org` answering LP1.1; values 1..5 in turn."""
    return pd.DataFrame([{"organization": org, "department": "Surgery", "role": "board", "round": round_name,
                          "respondent_id": f"{org[0]}{first + k}", "item_id": "LP1.1", "leverage_point": "LP1",
                          "value": 1 + k % 5} for k in range(n)])


def write(frame: pd.DataFrame, path: Path, **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if "value" in frame and pd.api.types.is_integer_dtype(frame["value"]):
        table = table.set_column(table.column_names.index("value"), "value", table.column("value").cast(pa.int8()))
    pq.write_table(table, path, **options)
    return path


@pytest.fixture
def collab(tmp_path: Path) -> Source:
    """Two rounds as hive partitions. 2024: one file of 6 Lakeside then 4 Hillside answers in row groups of 5
    (Lakeside in row groups 0 and 1, Hillside in 1 only); 2025: 3 Lakeside answers."""
    folder = tmp_path / "collab"
    both = pd.concat([answers("Lakeside", 6, "2024"), answers("Hillside", 4, "2024")], ignore_index=True)
    write(both.drop(columns="round"), folder / "round=2024" / "part-0.parquet", row_group_size=5)
    write(answers("Lakeside", 3, "2025", first=10).drop(columns="round"), folder / "round=2025" / "part-0.parquet")
    return Source("collab/", folder)


def plain(table: pa.Table) -> pd.DataFrame:
    """Rows as plain Python values, sorted, to compare tables read different ways."""
    frame = table.select(sorted(table.column_names)).to_pandas()
    return frame.astype({c: str for c in TEXT}).sort_values(sorted(table.column_names), ignore_index=True)


def test_scan_counts_answers_per_organization_and_round_without_reading_the_source_whole(collab, monkeypatch):
    checked: list[list[str]] = []
    original = sources.normalise_table

    def spy(table, name, *args, **kwargs):
        checked.append(table.column_names)
        return original(table, name, *args, **kwargs)

    monkeypatch.setattr(sources, "normalise_table", spy)
    found = scan(collab)
    assert dict(found.answers) == {("Lakeside", "2024"): 6, ("Hillside", "2024"): 4, ("Lakeside", "2025"): 3}
    assert found.table is None  # the quick path: statistics proved the rest
    # Only what the catalogue needs and what no statistic proves is read and checked.
    assert checked == [["organization", "round", "leverage_point"]]
    # Pieces: 2024's row groups 0 and 1, then 2025's one row group.
    assert found.row_groups == {"Lakeside": (0, 1, 2), "Hillside": (1,)}


def test_organization_rows_are_the_rows_of_the_whole_source_for_that_organization(collab):
    found = scan(collab)
    whole = load(collab)
    for org in ("Lakeside", "Hillside"):
        rows = organization_rows(collab, found, org)
        expected = whole.filter(equal_mask(whole.column("organization"), org))
        assert rows.schema == expected.schema
        assert plain(rows).equals(plain(expected))
    assert organization_rows(collab, found, "Hillside").num_rows == 4
    assert organization_rows(collab, found, "Nowhere").num_rows == 0


def test_a_source_without_statistics_is_checked_by_reading_the_columns(tmp_path):
    path = write(answers("Lakeside", 7), tmp_path / "a.parquet", write_statistics=False)
    found = scan(Source("a.parquet", path))
    assert found.table is None and dict(found.answers) == {("Lakeside", "2025"): 7}


def _bad_value(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[3, "value"] = 7
    return frame


def _empty_id(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[2, "respondent_id"] = ""
    return frame


def _null_role(frame: pd.DataFrame) -> pd.DataFrame:
    frame["role"] = frame["role"].astype(object)
    frame.loc[4, "role"] = None
    return frame


def _bad_point(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[1, "leverage_point"] = "LP8"
    return frame


def _whole_but_unknown(frame: pd.DataFrame) -> pd.DataFrame:
    frame["value"] = frame["value"].astype(float)
    frame.loc[5, "value"] = 2.5
    return frame


def _missing_column(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns="item_id")


@pytest.mark.parametrize("spoil", [_bad_value, _empty_id, _null_role, _bad_point, _whole_but_unknown,
                                   _missing_column])
def test_a_bad_second_file_is_refused_with_the_message_load_gives(tmp_path, spoil):
    folder = tmp_path / "collab"
    write(answers("Lakeside", 6).drop(columns="round"), folder / "round=2025" / "a.parquet")
    write(spoil(answers("Hillside", 6).drop(columns="round")), folder / "round=2025" / "b.parquet")
    source = Source("collab/", folder)
    with pytest.raises(ResponseDataError) as whole:
        load(source)
    with pytest.raises(ResponseDataError) as scanned:
        scan(source)
    assert str(scanned.value) == str(whole.value)


def test_types_load_converts_are_read_and_converted_as_load_does(tmp_path):
    """Values stored as text ("3") and a round partition that looks like a number pass `load`, which converts
    them; the scan reads those columns and converts them the same way."""
    folder = tmp_path / "collab"
    write(answers("Lakeside", 5).astype({"value": str}).drop(columns="round"), folder / "round=2025" / "a.parquet")
    source = Source("collab/", folder)
    found = scan(source)
    assert found.table is None and dict(found.answers) == {("Lakeside", "2025"): 5}
    rows = organization_rows(source, found, "Lakeside")
    assert rows.column("value").to_pylist() == [1, 2, 3, 4, 5] and rows.column("value").type == pa.int8()
    assert plain(rows).equals(plain(load(source)))


def test_files_of_different_types_are_left_to_load(tmp_path, monkeypatch):
    """A second file whose respondent ids are numbers: the statistics of either file cannot stand in for the
    other's rows, so `load` decides (here pyarrow cannot cast the numbers to the first file's text), and the
    scan gives its very message."""
    folder = tmp_path / "collab"
    write(answers("Lakeside", 4), folder / "a.parquet")
    write(answers("Hillside", 3).assign(respondent_id=[7, 8, 9]), folder / "b.parquet")
    source = Source("collab/", folder)
    assert sources._scan(source) is None
    with pytest.raises(ResponseDataError) as whole:
        load(source)
    with pytest.raises(ResponseDataError) as scanned:
        scan(source)
    assert str(scanned.value) == str(whole.value) and "cannot read the file" in str(whole.value)
    # When `load` accepts such a source, the scan keeps the table it read whole.
    kept = load(Source("a.parquet", folder / "a.parquet"))
    monkeypatch.setattr(sources, "load", lambda _source: kept)
    found = scan(source)
    assert isinstance(found, Scan) and found.table is kept
    assert dict(found.answers) == {("Lakeside", "2025"): 4}
    assert organization_rows(source, found, "Lakeside").num_rows == 4


@pytest.mark.parametrize(("column", "stats", "rows", "proven"), [
    ("respondent_id", {"null_count": 0, "min": "a", "max": "z"}, 10, True),
    ("respondent_id", {"null_count": 0, "min": "", "max": "z"}, 10, False),  # '' may be in a row
    ("respondent_id", {"null_count": 1, "min": "a", "max": "z"}, 10, False),
    ("respondent_id", None, 10, False),  # no statistics prove nothing
    ("respondent_id", None, 0, True),  # an empty row group has no bad row
    ("value", {"null_count": 2, "min": 1, "max": 5}, 10, True),
    ("value", {"null_count": 0, "min": 0, "max": 5}, 10, False),
    ("value", {"null_count": 0, "min": 1, "max": 6}, 10, False),
    ("value", {"null_count": 10, "min": None, "max": None}, 10, True),  # all "don't know"
    ("value", {"null_count": 0, "min": "1", "max": "5"}, 10, False),  # text: read and converted
    ("department", None, 10, True),  # any text passes
])
def test_which_statistics_prove_a_column(column, stats, rows, proven):
    class Stats:
        has_null_count = True

        def __init__(self, null_count, min, max):
            self.null_count, self.min, self.max = null_count, min, max
            self.has_min_max = min is not None

    assert sources._proven(column, None if stats is None else Stats(**stats), rows) is proven


def test_the_saved_cube_gives_the_catalogue_and_one_organization_without_reading_it_whole(collab, tmp_path,
                                                                                         monkeypatch):
    """Row groups of 2 rows: each organization's part is read from the row groups that hold it, and is exactly
    `subset` of the whole cube; the catalogue adds up to the answers counted by hand (6 + 4 + 3)."""
    root = tmp_path / "sources"
    assert sources.saved_catalogue(collab, root) is None
    assert sources.saved_organization(collab, root, "Lakeside") is None
    monkeypatch.setattr(sources, "SAVED_ROW_GROUP", 2)
    whole = sources.cached_cube(collab, root)
    points_file, items_file = sources._cube_files(collab, root)
    assert pq.ParquetFile(points_file).metadata.num_row_groups == 3  # 3 units x (LP1, Overall)
    catalogue = sources.saved_catalogue(collab, root)
    assert catalogue.to_dict("records") == [{"organization": "Hillside", "round": "2024", "answers": 4},
                                            {"organization": "Lakeside", "round": "2024", "answers": 6},
                                            {"organization": "Lakeside", "round": "2025", "answers": 3}]
    for org in ("Lakeside", "Hillside"):
        part = sources.saved_organization(collab, root, org)
        expected = subset(whole, org)
        pd.testing.assert_frame_equal(part.points, expected.points)
        assert part.items.equals(expected.items)
    points_file.write_bytes(b"damaged")
    assert sources.saved_catalogue(collab, root) is None
    assert sources.saved_organization(collab, root, "Lakeside") is None
