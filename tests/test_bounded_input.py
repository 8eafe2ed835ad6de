"""Bounded input and validation: caps checked before or while parsing, messages that name the field (never
SQL, never a temporary path), the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import math

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from leverage.aims.measurements import MeasurementError, read_bytes
from leverage.aims.register import Aim, AimError, validate
from leverage.aims.repository import AimStore
from leverage.compare.sources import check_upload as check_source
from leverage.core.settings import ConfigError, Settings, load_settings
from leverage.core.validation import MAX_MAGNITUDE, number_problem
from leverage.survey.imports import check_upload
from leverage.survey.responses import RESPONSE_COLUMNS, ResponseDataError, read_table

SMALL = Settings(max_upload_rows=1_000, max_upload_mb=1)


def responses(rows: int, **changes) -> pd.DataFrame:
    frame = pd.DataFrame({"organization": "North", "department": "ED", "role": "board", "round": "2026",
                          "respondent_id": [f"r{i // 7}" for i in range(rows)],
                          "item_id": [f"LP{i % 7 + 1}.1" for i in range(rows)],
                          "leverage_point": [f"LP{i % 7 + 1}" for i in range(rows)], "value": 3})
    for column, values in changes.items():
        frame[column] = values
    return frame[list(RESPONSE_COLUMNS)]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    sink = io.BytesIO()
    frame.to_parquet(sink, index=False)
    return sink.getvalue()


def test_the_row_cap_is_a_setting_with_a_range():
    assert load_settings({}).max_upload_rows == 2_000_000
    assert load_settings({"LEVERAGE_MAX_UPLOAD_ROWS": "5000"}).max_upload_rows == 5000
    for bad in ("many", "10", "999999999"):
        with pytest.raises(ConfigError, match="LEVERAGE_MAX_UPLOAD_ROWS"):
            load_settings({"LEVERAGE_MAX_UPLOAD_ROWS": bad})


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_response_upload_over_the_row_cap_is_refused_by_its_name(store, fmt):
    data = csv_bytes(responses(1_001)) if fmt == "csv" else parquet_bytes(responses(1_001))
    check = check_upload(data, f"big.{fmt}", store, SMALL)
    assert not check.ok
    message = str(check.problems[0])
    assert message.startswith(f"big.{fmt}:") and "1,000" in message and "LEVERAGE_MAX_UPLOAD_ROWS" in message
    assert "/tmp" not in message and "upload." not in message
    assert check_upload(csv_bytes(responses(700)), "ok.csv", store, SMALL).ok


def test_a_response_upload_over_the_size_cap_is_refused_before_reading(store):
    check = check_upload(b"x" * (1024 * 1024 + 1), "huge.csv", store, SMALL)
    assert [str(p) for p in check.problems] == ["huge.csv: larger than 1 MB (LEVERAGE_MAX_UPLOAD_MB)"]


def test_a_damaged_upload_names_the_upload_not_the_temporary_file(store):
    check = check_upload(b"PAR1" + bytes(200), "broken.parquet", store, SMALL)
    message = str(check.problems[0])
    assert message.startswith("broken.parquet: cannot read the file") and "/tmp" not in message


def test_the_csv_cap_stops_reading_early(tmp_path):
    path = tmp_path / "many.csv"
    path.write_bytes(csv_bytes(responses(50_000)))
    with pytest.raises(ResponseDataError, match="more than 10,000 rows"):
        read_table(path, list(RESPONSE_COLUMNS), max_rows=10_000, label="many.csv")
    table = read_table(path, list(RESPONSE_COLUMNS), max_rows=60_000)
    assert table.num_rows == 50_000 and table.column("value").type == pa.string()


@pytest.mark.parametrize("column, value, words", [
    ("organization", "   ", "is blank"),
    ("department", "\t ", "is blank"),
    ("round", "Q1\x00", "control character"),
    ("respondent_id", "r" * 65, "longer than 64"),
    ("item_id", "LP1." + "9" * 40, "longer than 32"),
    ("role", "board\nmember", "control character"),
])
def test_bad_text_in_an_upload_is_named_by_column_and_row_on_both_backends(store, column, value, words):
    frame = responses(14)
    frame.loc[3, column] = value
    check = check_upload(csv_bytes(frame), "r.csv", store, Settings())
    assert not check.ok
    text = "; ".join(str(p) for p in check.problems)
    assert f"row 4, column {column!r}" in text and words in text, text
    assert "SELECT" not in text and "INSERT" not in text
    assert store.responses().empty  # nothing written


def test_the_compare_upload_checks_size_and_rows_from_the_metadata():
    data = parquet_bytes(responses(1_001))
    with pytest.raises(ResponseDataError, match="1,001 rows; at most 1,000"):
        check_source(data, "big.parquet", max_mb=1, max_rows=1_000)
    with pytest.raises(ResponseDataError, match="larger than 1 MB"):
        check_source(b"x" * (2**20 + 1), "huge.parquet", max_mb=1)
    assert check_source(data, "fine.parquet", max_mb=1, max_rows=2_000).num_rows == 1_001


def _xlsx(rows: int) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["period", "value"])
    start = dt.date(2020, 1, 1)
    for i in range(rows):
        sheet.append([start + dt.timedelta(days=i), float(i)])
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()


def test_measurement_files_over_the_row_cap_are_refused_in_every_format():
    frame = pd.DataFrame({"period": pd.date_range("2020-01-01", periods=60).strftime("%Y-%m-%d"), "value": 1.0})
    for name, data in (("m.csv", csv_bytes(frame)), ("m.parquet", parquet_bytes(frame)), ("m.xlsx", _xlsx(60))):
        with pytest.raises(MeasurementError, match="more than 50 rows"):
            read_bytes(data, name, max_rows=50)
        assert len(read_bytes(data, name, max_rows=100)) == 60
    read = read_bytes(_xlsx(3), "m.xlsx")
    assert list(read.columns) == ["period", "value"] and read["value"].tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("value", ["1e308", "-2e12", "nan", "inf"])
def test_measurements_beyond_range_or_not_numbers_are_refused_on_both_backends(store, value):
    aims = AimStore(store)
    org = store.add_organization("North")
    aim_id = aims.save_aim(Aim(organization_id=org, title="Falls", measure="Falls per 1,000 bed days"))
    aim = aims.get_aim(aim_id)
    frame = pd.DataFrame({"period": ["2026-01-01", "2026-02-01"], "value": ["3", value]})
    with pytest.raises(AimError) as caught:
        aims.save_measurements(aim, frame, source="m.csv")
    text = str(caught.value)
    assert "row 2: value" in text and "SQL" not in text and "INSERT" not in text
    assert aims.measurements([aim_id]).empty  # nothing saved


@pytest.mark.parametrize("field, value", [("target_value", 1e308), ("baseline_value", math.inf),
                                          ("target_value", math.nan), ("multiplier", 1e300)])
def test_aim_targets_beyond_range_are_refused(field, value):
    fields = {"baseline_value": 5.0, "target_value": 2.0, "multiplier": 1.0, field: value}
    aim = Aim(organization_id=1, title="Falls", measure="Falls", baseline_period=dt.date(2025, 1, 1),
              deadline=dt.date(2027, 1, 1), **fields)
    problems = validate(aim)
    assert any(p.startswith(field.replace("_value", "").replace("_", " ")) for p in problems), problems


def test_number_problem_names_the_field():
    assert number_problem(3.0, "value") is None
    assert number_problem(MAX_MAGNITUDE * 10, "target") == "target: 1e+13 is beyond ±1e+12"
    assert number_problem(float("nan"), "target") == "target: nan is not a number"


def test_names_are_refused_alike_on_both_backends(store):
    from leverage.core.database import StoreError

    for name, words in (("   ", "is empty"), ("a\x00b", "control character"), ("x" * 201, "longer than 200")):
        with pytest.raises(StoreError, match=words):
            store.add_organization(name)
    assert store.list_organizations().empty


def test_parquet_row_count_comes_from_metadata(tmp_path):
    path = tmp_path / "r.parquet"
    pq.write_table(pa.Table.from_pandas(responses(2_000)), path)
    with pytest.raises(ResponseDataError, match="2,000 rows; at most 1,000"):
        read_table(path, list(RESPONSE_COLUMNS), max_rows=1_000, label="r.parquet")
