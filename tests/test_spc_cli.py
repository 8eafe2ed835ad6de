"""The `python -m leverage spc` contract (issue 3): JSON shape, defaults, CSV and parquet input, bad input.

One case runs a real subprocess (the command as users type it); the rest call `leverage.cli.main.main`,
which is what `python -m leverage` runs, in-process (each interpreter start costs ~2 s of imports).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from leverage.cli.main import main

REPO = Path(__file__).resolve().parent.parent

POINT_KEYS = {"period", "value", "centre", "lower", "upper", "signals", "point_type"}
SUMMARY_KEYS = {"chart", "rule_set", "useful_observations", "runs", "runs_lower", "runs_upper", "longest_run",
                "longest_run_limit", "crossings", "crossings_limit", "variation", "assurance"}
SIGNAL_NAMES = {"outside_limits", "shift", "trend", "two_of_three", "inner_third", "long_run", "astronomical"}
POINT_TYPES = {"common_cause", "improvement", "concern", "neutral"}

# 13 monthly values: 11,9 alternating (mean 10, MR̄ 2 over the first 12) then 16.
# Over all 13 points: mean = (120 + 16)/13 = 10.461538; moving ranges 2 x 11 and 7 -> 29/12 = 2.416667;
# upper limit 10.461538 + 2.66 * 2.416667 = 16.889872 -> 16 is inside; with --baseline-points 12 the
# limits are 4.68 .. 15.32 and 16 is outside.
VALUES = [11, 9] * 6 + [16]
PERIODS = [d.date().isoformat() for d in pd.date_range("2024-01-01", periods=13, freq="MS")]


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def value_csv(tmp_path: Path, values=VALUES, name: str = "series.csv") -> Path:
    return write_csv(tmp_path / name, "period,value", [f"{p},{v}" for p, v in zip(PERIODS, values, strict=False)])


def run_spc(capsys, *args: str) -> tuple[int, str]:
    code = main(["spc", *map(str, args)])
    return code, capsys.readouterr().err


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# --- the JSON shape -----------------------------------------------------------------------------------------
def test_xmr_json_shape(tmp_path, capsys):
    out = tmp_path / "chart.json"
    code, err = run_spc(capsys, value_csv(tmp_path), "--chart", "xmr", "--baseline-points", "12", "--out", out)
    assert code == 0, err
    doc = read_json(out)
    assert set(doc) >= {"points", "summary"}
    assert len(doc["points"]) == 13
    for point in doc["points"]:
        assert POINT_KEYS <= set(point)
        assert set(point["signals"]) <= SIGNAL_NAMES
        assert point["point_type"] in POINT_TYPES
    assert [p["period"] for p in doc["points"]] == PERIODS
    assert [p["value"] for p in doc["points"]] == VALUES
    first, last = doc["points"][0], doc["points"][-1]
    assert (first["centre"], first["lower"], first["upper"]) == pytest.approx((10.0, 4.68, 15.32))
    assert last["signals"] == ["outside_limits"]
    assert last["point_type"] == "neutral"  # direction defaults to none
    summary = doc["summary"]
    assert SUMMARY_KEYS <= set(summary)
    assert (summary["chart"], summary["rule_set"]) == ("xmr", "mdc")
    assert summary["variation"] == "neutral_high"
    assert summary["assurance"] is None  # no target, no direction
    # MDC does not use the runs analysis: those fields are null
    for key in ("runs", "runs_lower", "runs_upper", "longest_run", "longest_run_limit", "crossings",
                "crossings_limit"):
        assert summary[key] is None, key


def test_xmr_limits_from_all_points_without_a_baseline(tmp_path, capsys):
    out = tmp_path / "chart.json"
    code, err = run_spc(capsys, value_csv(tmp_path), "--chart", "xmr", "--out", out)
    assert code == 0, err
    last = read_json(out)["points"][-1]
    assert last["centre"] == pytest.approx(136 / 13)
    assert last["upper"] == pytest.approx(136 / 13 + 2.66 * 29 / 12)
    assert "outside_limits" not in last["signals"]


def test_run_chart_json_has_null_limits_and_runs_summary(tmp_path, capsys):
    # 1,9 alternating, 12 points: median 5, 12 useful, 12 runs; limits 4-10
    values = [1, 9] * 6
    out = tmp_path / "run.json"
    code, err = run_spc(capsys, value_csv(tmp_path, values), "--chart", "run", "--out", out)
    assert code == 0, err
    doc = read_json(out)
    assert all(p["lower"] is None and p["upper"] is None for p in doc["points"])
    assert all(p["centre"] == 5 for p in doc["points"])
    summary = doc["summary"]
    assert (summary["chart"], summary["rule_set"]) == ("run", "ihi")
    assert (summary["useful_observations"], summary["runs"], summary["runs_lower"], summary["runs_upper"]) == \
        (12, 12, 4, 10)
    assert summary["assurance"] is None


def test_run_chart_anhoej_summary(tmp_path, capsys):
    # 20 distinct values, median 10.5; runs: 8 below, 4 above, 1, 3, 1, 3 -> longest 8 > 7, 5 crossings < 6
    values = [5, 2, 7, 1, 8, 3, 6, 4, 15, 12, 18, 11, 9, 14, 20, 13, 10, 17, 16, 19]
    rows = [f"{d.date().isoformat()},{v}" for d, v in zip(pd.date_range("2023-01-01", periods=20, freq="MS"), values,
                                                           strict=True)]
    out = tmp_path / "anhoej.json"
    code, err = run_spc(capsys, write_csv(tmp_path / "a.csv", "period,value", rows), "--chart", "run",
                        "--rules", "anhoej", "--out", out)
    assert code == 0, err
    doc = read_json(out)
    summary = doc["summary"]
    assert summary["rule_set"] == "anhoej"
    assert (summary["longest_run"], summary["longest_run_limit"]) == (8, 7)
    assert (summary["crossings"], summary["crossings_limit"]) == (5, 6)
    assert [i for i, p in enumerate(doc["points"]) if "long_run" in p["signals"]] == list(range(8))


@pytest.mark.parametrize(("chart", "rule_set"), [("run", "ihi"), ("xmr", "mdc"), ("p", "mdc"), ("u", "mdc")])
def test_default_rule_sets(tmp_path, capsys, chart, rule_set):
    if chart in ("p", "u"):
        source = write_csv(tmp_path / "c.csv", "period,numerator,denominator",
                           [f"{p},{n},100" for p, n in zip(PERIODS, [20, 18, 22, 19, 21, 20, 20], strict=False)])
    else:
        source = value_csv(tmp_path)
    out = tmp_path / "out.json"
    code, err = run_spc(capsys, source, "--chart", chart, "--out", out)
    assert code == 0, err
    assert read_json(out)["summary"]["rule_set"] == rule_set


def test_p_chart_values_are_proportions(tmp_path, capsys):
    # p̄ = 40/200 = 0.2; n=100 -> 0.08 .. 0.32; n=25 -> 0 (clipped) .. 0.44
    source = write_csv(tmp_path / "p.csv", "period,numerator,denominator",
                       ["2024-01-01,20,100", "2024-02-01,5,50", "2024-03-01,8,25", "2024-04-01,7,25"])
    out = tmp_path / "p.json"
    code, err = run_spc(capsys, source, "--chart", "p", "--out", out)
    assert code == 0, err
    points = read_json(out)["points"]
    assert [p["value"] for p in points] == pytest.approx([0.2, 0.1, 0.32, 0.28])
    assert (points[0]["lower"], points[0]["upper"]) == pytest.approx((0.08, 0.32))
    assert (points[2]["lower"], points[2]["upper"]) == pytest.approx((0.0, 0.44))


def test_u_chart_accepts_numerator_above_denominator(tmp_path, capsys):
    # a rate (events per patient day) may exceed 1: only p charts refuse numerator > denominator
    source = write_csv(tmp_path / "u.csv", "period,numerator,denominator",
                       ["2024-01-01,150,100", "2024-02-01,120,100", "2024-03-01,130,100"])
    out = tmp_path / "u.json"
    code, err = run_spc(capsys, source, "--chart", "u", "--out", out)
    assert code == 0, err
    assert read_json(out)["points"][0]["value"] == pytest.approx(1.5)


def test_phases_target_direction_through_the_cli(tmp_path, capsys):
    # phase 1 (Jan-Aug): 9,11,9,11,12,11,12,11 -> mean 10.75, limits 6.95 .. 14.55
    # phase 2 (Sep-Apr): 22,21,22,18,19,18,22,18 -> mean 20, limits 13.92 .. 26.08
    # target 13.5, higher is better: 13.5 <= 13.92 (the last phase's lower limit) -> pass
    values = [9, 11, 9, 11, 12, 11, 12, 11, 22, 21, 22, 18, 19, 18, 22, 18]
    rows = [f"{d.date().isoformat()},{v}" for d, v in zip(pd.date_range("2024-01-01", periods=16, freq="MS"), values,
                                                           strict=True)]
    out = tmp_path / "phases.json"
    code, err = run_spc(capsys, write_csv(tmp_path / "ph.csv", "period,value", rows), "--chart", "xmr",
                        "--phase-start", "2024-09-01", "--direction", "up", "--target", "13.5", "--out", out)
    assert code == 0, err
    doc = read_json(out)
    assert [p["centre"] for p in doc["points"]] == pytest.approx([10.75] * 8 + [20.0] * 8)
    assert [p["upper"] for p in doc["points"]] == pytest.approx([14.55] * 8 + [26.08] * 8)
    assert doc["summary"]["assurance"] == "pass"


# --- CSV and parquet give the same answer -------------------------------------------------------------------
def test_parquet_input_matches_csv(tmp_path, capsys):
    frame = pd.DataFrame({"period": pd.to_datetime(PERIODS), "value": [float(v) for v in VALUES]})
    parquet = tmp_path / "series.parquet"
    frame.to_parquet(parquet, index=False)
    out_parquet, out_csv = tmp_path / "from_parquet.json", tmp_path / "from_csv.json"
    code, err = run_spc(capsys, parquet, "--chart", "xmr", "--baseline-points", "12", "--out", out_parquet)
    assert code == 0, err
    code, err = run_spc(capsys, value_csv(tmp_path), "--chart", "xmr", "--baseline-points", "12", "--out", out_csv)
    assert code == 0, err
    assert read_json(out_parquet) == read_json(out_csv)


def test_parquet_counts_with_string_periods(tmp_path, capsys):
    frame = pd.DataFrame({"period": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"],
                          "numerator": [20, 5, 8, 7], "denominator": [100, 50, 25, 25]})
    parquet = tmp_path / "p.parquet"
    frame.to_parquet(parquet, index=False)
    out = tmp_path / "p.json"
    code, err = run_spc(capsys, parquet, "--chart", "p", "--out", out)
    assert code == 0, err
    assert read_json(out)["points"][0]["centre"] == pytest.approx(0.2)


# --- bad input: exit 2, the row named, nothing written ------------------------------------------------------
BAD_INPUTS = {
    "unparseable date": ("xmr", "period,value", ["2024-01-01,5", "2024-02-01,6", "March 2024?,7", "2024-04-01,8"], 3),
    "duplicate period": ("xmr", "period,value", ["2024-01-01,5", "2024-02-01,6", "2024-01-01,7", "2024-04-01,8"], 3),
    "negative denominator": ("u", "period,numerator,denominator",
                             ["2024-01-01,5,100", "2024-02-01,6,-100", "2024-03-01,7,100"], 2),
    "numerator above denominator": ("p", "period,numerator,denominator",
                                    ["2024-01-01,5,100", "2024-02-01,6,100", "2024-03-01,7,100", "2024-04-01,101,100"],
                                    4),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_naming_the_row_and_writes_nothing(tmp_path, capsys, case):
    chart, header, rows, bad_row = BAD_INPUTS[case]
    _assert_refused(tmp_path, capsys, chart, header, rows, bad_row)


@pytest.mark.parametrize(("chart", "header", "rows", "bad_row"), [
    ("p", "period,numerator,denominator", ["2024-01-01,5,100", "2024-02-01,0,0"], 2),  # zero denominator
    ("xmr", "period,value", ["2024-01-01,5", "2024-02-01,6", "2024-03-01,seven"], 3),  # not a number
    ("xmr", "period,value", ["2024-01-01,5", "2024-02-01,", "2024-03-01,7"], 2),  # empty value
])
def test_other_bad_values_name_the_row(tmp_path, capsys, chart, header, rows, bad_row):
    _assert_refused(tmp_path, capsys, chart, header, rows, bad_row)


def _assert_refused(tmp_path, capsys, chart, header, rows, bad_row):
    """Exit 2, the message names the row, and nothing is written (no output, no temporary file)."""
    source = write_csv(tmp_path / "bad.csv", header, rows)
    out = tmp_path / "out.json"
    code, err = run_spc(capsys, source, "--chart", chart, "--out", out)
    assert code == 2
    assert f"row {bad_row}" in err, err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [source]  # no temporary file left behind either


def test_missing_column_is_refused(tmp_path, capsys):
    source = write_csv(tmp_path / "bad.csv", "period,value", ["2024-01-01,5", "2024-02-01,6"])
    out = tmp_path / "out.json"
    code, err = run_spc(capsys, source, "--chart", "p", "--out", out)  # a p chart needs numerator, denominator
    assert code == 2
    assert "numerator" in err and "denominator" in err
    assert not out.exists()


def test_a_phase_start_that_is_not_a_date_is_refused(tmp_path, capsys):
    out = tmp_path / "out.json"
    code, err = run_spc(capsys, value_csv(tmp_path), "--chart", "xmr", "--phase-start", "Sept 2024", "--out", out)
    assert code == 2
    assert "--phase-start: 'Sept 2024' is not an ISO date (YYYY-MM-DD)" in err
    assert not out.exists()


def test_rows_in_any_order_give_the_same_chart(tmp_path, capsys):
    rows = [f"{p},{v}" for p, v in zip(PERIODS, VALUES, strict=True)]
    shuffled = write_csv(tmp_path / "shuffled.csv", "period,value", rows[::-1])
    out_sorted, out_shuffled = tmp_path / "a.json", tmp_path / "b.json"
    assert run_spc(capsys, value_csv(tmp_path), "--chart", "xmr", "--out", out_sorted)[0] == 0
    assert run_spc(capsys, shuffled, "--chart", "xmr", "--out", out_shuffled)[0] == 0
    assert read_json(out_sorted) == read_json(out_shuffled)


def test_bad_input_leaves_an_existing_output_untouched(tmp_path, capsys):
    out = tmp_path / "out.json"
    out.write_text('{"old": true}', encoding="utf-8")
    source = write_csv(tmp_path / "bad.csv", "period,value", ["2024-01-01,5", "2024-01-01,6"])
    code, _ = run_spc(capsys, source, "--chart", "xmr", "--out", out)
    assert code == 2
    assert out.read_text(encoding="utf-8") == '{"old": true}'


def test_p_chart_negative_denominator_named(tmp_path, capsys):
    source = write_csv(tmp_path / "bad.csv", "period,numerator,denominator",
                       ["2024-01-01,5,100", "2024-02-01,6,100", "2024-03-01,0,-4"])
    out = tmp_path / "out.json"
    code, err = run_spc(capsys, source, "--chart", "p", "--out", out)
    assert code == 2 and "row 3" in err and not out.exists()


# --- the command as users type it ---------------------------------------------------------------------------
def test_python_m_leverage_spc_subprocess(tmp_path):
    source = value_csv(tmp_path)
    out = tmp_path / "chart.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "leverage", "spc", str(source), "--chart", "xmr",
                           "--baseline-points", "12", "--direction", "up", "--target", "4", "--out", str(out)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = read_json(out)["summary"]
    # the last point 16 > 15.32 with higher better -> improvement high; target 4 <= 4.68 -> pass
    assert (summary["variation"], summary["assurance"]) == ("improvement_high", "pass")
    bad = write_csv(tmp_path / "bad.csv", "period,value", ["2024-01-01,5", "2024-13-01,6"])
    out_bad = tmp_path / "bad.json"
    done = subprocess.run([sys.executable, "-m", "leverage", "spc", str(bad), "--chart", "xmr", "--out", str(out_bad)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "row 2" in done.stderr
    assert not out_bad.exists()
