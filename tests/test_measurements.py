"""Reading and checking measurement series: every problem names its row; files in three formats."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from leverage.aims.measurements import MeasurementError, SeriesKind, check_series, kind_for_chart, read_bytes

VALUES = SeriesKind(counts=False, proportion=False)
PROPORTIONS = kind_for_chart("p")
RATES = kind_for_chart("u")


def test_clean_series_is_sorted_and_typed() -> None:
    frame = pd.DataFrame({"period": ["2025-03-01", "2025-01-01", " 2025-02-01 "], "value": ["3", "1.5", 2]})
    out = check_series(frame, VALUES)
    assert out["period"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-01", "2025-02-01", "2025-03-01"]
    assert out["value"].tolist() == [1.5, 2.0, 3.0]


def test_every_problem_names_its_row() -> None:
    frame = pd.DataFrame({"period": ["2025-01-01", "01/02/2025", "2025-01-01", None],
                          "value": ["1", "2", "x", "4"]})
    with pytest.raises(MeasurementError) as caught:
        check_series(frame, VALUES, "waits.csv")
    problems = caught.value.problems
    assert "row 2: period '01/02/2025' is not an ISO date (YYYY-MM-DD)" in problems
    assert "row 3: value 'x' is not a number" in problems
    assert "row 3: period 2025-01-01 appears more than once" in problems
    assert "row 4: period (empty) is not an ISO date (YYYY-MM-DD)" in problems
    assert str(caught.value).startswith("waits.csv: row 2")


def test_counts_rules_for_proportions_and_rates() -> None:
    frame = pd.DataFrame({"period": ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"],
                          "numerator": [5, 12, -1, 3], "denominator": [10, 10, 10, 0]})
    with pytest.raises(MeasurementError) as caught:
        check_series(frame, PROPORTIONS)
    assert caught.value.problems == [
        "row 2: numerator 12 is larger than the denominator 10 (a proportion cannot exceed 1)",
        "row 3: numerator -1 is negative",
        "row 4: denominator 0 must be positive",
    ]
    with pytest.raises(MeasurementError) as caught:  # a rate may exceed its exposure
        check_series(frame, RATES)
    assert [p.split(":")[0] for p in caught.value.problems] == ["row 3", "row 4"]


def test_missing_columns_and_empty_files() -> None:
    with pytest.raises(MeasurementError, match="missing column"):
        check_series(pd.DataFrame({"period": ["2025-01-01"], "value": [1]}), PROPORTIONS)
    with pytest.raises(MeasurementError, match="no rows"):
        check_series(pd.DataFrame({"period": [], "value": []}), VALUES)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_three_formats_read_the_same(suffix: str) -> None:
    frame = pd.DataFrame({"Period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "Value": [1.5, 2.5]})
    buffer = io.BytesIO()
    if suffix == ".csv":
        buffer.write(frame.assign(Period=frame["Period"].dt.strftime("%Y-%m-%d")).to_csv(index=False).encode())
    elif suffix == ".parquet":
        frame.to_parquet(buffer)
    else:
        frame.to_excel(buffer, index=False)
    out = check_series(read_bytes(buffer.getvalue(), f"data{suffix}"), VALUES)
    assert out["value"].tolist() == [1.5, 2.5]
    assert out["period"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-01", "2025-02-01"]


def test_damaged_or_unknown_files_are_refused_plainly() -> None:
    with pytest.raises(MeasurementError, match="cannot be read as parquet"):
        read_bytes(b"not parquet at all", "x.parquet")
    with pytest.raises(MeasurementError, match="unsupported file type .txt"):
        read_bytes(b"period,value", "x.txt")
