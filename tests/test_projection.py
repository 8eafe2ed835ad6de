"""The deadline projection: one target for every state, a deadline already past, and a prediction interval
for the value measured at the deadline (`leverage.aims.prediction`), with its coverage checked.

The full coverage table over 12–60 points is benchmarks/projection_coverage.py; here one condition is
checked on 300 seeded series so that a regression in the method fails the suite.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leverage.aims import prediction
from leverage.aims.prediction import MIN_POINTS, PredictionError, predict
from leverage.aims.projection import METHOD, project
from leverage.aims.register import Aim, normalise
from leverage.aims.view import analyse_aim, questions_to_ask
from leverage.cli.main import main

D = dt.date
NO_NOTES = pd.DataFrame(columns=["id", "aim_id", "on_date", "label", "kind"])


def monthly(n: int, start: str = "2025-01-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="MS")


def ar1(n: int, phi: float, rng: np.random.Generator) -> np.ndarray:
    out = np.empty(n)
    out[0] = rng.standard_normal() / np.sqrt(1 - phi ** 2)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + rng.standard_normal()
    return out


# --- one target decides every state -----------------------------------------------------------------------
def _xmr_aim(**changes) -> Aim:
    base = dict(id=1, organization_id=1, title="Shorter stays", measure="Mean length of stay", unit="days",
                data_type="continuous", direction="down", chart="xmr", baseline_period=D(2024, 1, 1),
                baseline_value=50.0, target_value=40.0, deadline=D(2027, 12, 31))
    return normalise(Aim(**{**base, **changes}))


def _rows(values) -> pd.DataFrame:
    return pd.DataFrame({"aim_id": 1, "period": monthly(len(values), "2024-01-01"), "value": values,
                         "numerator": np.nan, "denominator": np.nan})


STABLE = [50, 52, 49, 51, 50, 48, 51, 50, 49, 52, 50, 51, 49, 50, 51, 50, 49, 51]  # mean 50.1, limits ~46.5 .. 53.7


def test_achieved_is_judged_against_the_target_at_the_deadline_not_an_interim_one():
    # An easy interim target (60, due after the latest month) makes the assurance icon pass; the target at the
    # deadline (40) lies below the lower limit, so for lower-is-better the process cannot meet it: never
    # "achieved and stable".
    aim = _xmr_aim(trajectory=((D(2026, 12, 31), 60.0),))
    view = analyse_aim(aim, _rows(STABLE), NO_NOTES)
    assert view.target_now == 60.0 and view.assurance == "pass"  # the icon: against the target now
    assert view.projection.target == 40.0
    assert view.projection.state == "off_course"
    # with the deadline target itself above the upper limit, it is achieved
    easy = analyse_aim(_xmr_aim(target_value=55.0), _rows(STABLE), NO_NOTES)
    assert easy.projection.state == "achieved"
    assert "target at the deadline" in easy.projection.reason


def test_a_latest_special_cause_concern_is_not_stable():
    # the same stable process then a month far above the upper limit (lower is better: a concern)
    view = analyse_aim(_xmr_aim(target_value=70.0), _rows([*STABLE, 75]), NO_NOTES)
    assert view.result.points["point_type"].iloc[-1] == "concern"
    assert view.projection.state != "achieved"
    calm = analyse_aim(_xmr_aim(target_value=70.0), _rows([*STABLE, 50]), NO_NOTES)
    assert calm.projection.state == "achieved"


def test_interim_targets_never_change_the_state():
    values = list(50 - 0.5 * np.arange(24) + np.tile([0.4, -0.3, 0.1, -0.2], 6))
    plain = analyse_aim(_xmr_aim(target_value=30.0), _rows(values), NO_NOTES)
    with_interim = analyse_aim(_xmr_aim(target_value=30.0, trajectory=((D(2026, 6, 30), 20.0),
                                                                       (D(2027, 6, 30), 45.0))),
                               _rows(values), NO_NOTES)
    def reading(v):
        return v.projection.state, v.projection.reason, v.projection.projected, v.projection.low, v.projection.high

    assert reading(plain) == reading(with_interim)
    assert len(with_interim.path) == 4  # baseline, two interim targets, the deadline: drawn on the path


# --- a deadline already past ------------------------------------------------------------------------------
def test_a_passed_deadline_is_read_from_the_data():
    values = np.arange(24, dtype=float)  # 0, 1, ..., 23 from Jan 2025; Jun 2026 is 17
    periods = monthly(24)
    met = project(periods, values, 17, "2026-06-30", "down")  # 17 <= 17: met
    assert met.state == "met_at_deadline" and met.label == "Deadline passed: met"
    assert met.projected == 17 and met.low is None and met.line is None
    assert "Jun 2026" in met.reason and "met" in met.reason
    missed = project(periods, values, 16.5, "2026-06-30", "down")
    assert missed.state == "missed_at_deadline" and missed.label == "Deadline passed: missed"
    # a deadline on the latest period's date has passed too (the data reach it)
    assert project(periods, values, 30, periods[-1], "down").state == "met_at_deadline"
    early = project(periods, values, 30, "2024-06-30", "down")
    assert early.state == "not_enough_data" and "before the first point" in early.reason


def test_a_passed_deadline_asks_what_was_learned():
    aim = _xmr_aim(deadline=D(2025, 3, 31), baseline_period=D(2023, 1, 1))
    view = analyse_aim(aim, _rows(STABLE), NO_NOTES)
    assert view.projection.state == "missed_at_deadline"
    assert any("has passed and the target was missed" in q for q in questions_to_ask(view, D(2025, 7, 1)))


# --- the prediction interval --------------------------------------------------------------------------------
def test_the_interval_is_for_the_value_not_the_line():
    rng = np.random.default_rng(4)
    values = 30 + 0.2 * np.arange(36) + 2 * rng.standard_normal(36)
    p = predict(monthly(36), values, "2028-12-31")
    assert p.low < p.estimate < p.high and p.level == 0.9
    # at least the scatter's own 90 % spread (± 1.645 · 2) around the line, whatever the slope's precision
    assert p.high - p.low > 2 * 1.645 * 1.5
    # the band runs from the month after the last point to the deadline, ending on the interval
    assert p.band["period"].iloc[0] > monthly(36)[-1] and p.band["period"].iloc[-1] == pd.Timestamp("2028-12-31")
    assert (p.band["low"].iloc[-1], p.band["high"].iloc[-1]) == (pytest.approx(p.low), pytest.approx(p.high))
    assert (p.band["high"] > p.band["low"]).all()
    again = predict(monthly(36), values, "2028-12-31")  # seeded: the same data give the same interval
    assert (again.estimate, again.low, again.high) == (p.estimate, p.low, p.high)


def test_a_wider_level_gives_a_wider_interval():
    values = np.random.default_rng(5).normal(10, 1, 24)
    p80 = predict(monthly(24), values, "2027-06-30", level=0.8)
    p90 = predict(monthly(24), values, "2027-06-30", level=0.9)
    assert p90.low < p80.low < p80.estimate < p80.high < p90.high


def test_autocorrelation_widens_the_interval():
    rng = np.random.default_rng(6)
    shocks = rng.standard_normal(36)
    smooth = np.convolve(shocks, np.ones(4) / 2, mode="same")  # strongly autocorrelated scatter
    independent = predict(monthly(36), shocks, "2028-12-31")
    correlated = predict(monthly(36), smooth * shocks.std() / smooth.std(), "2028-12-31")
    assert correlated.autocorrelation > independent.autocorrelation + 0.3
    assert correlated.high - correlated.low > 1.3 * (independent.high - independent.low)


def test_one_odd_month_does_not_swing_the_line():
    values = 20 + 0.5 * np.arange(24)
    odd = values.copy()
    odd[5] = 200.0
    assert predict(monthly(24), odd, "2027-12-31").slope_per_year == pytest.approx(6.0, rel=0.02)


def test_uneven_and_quarterly_periods():
    quarterly = pd.date_range("2020-01-01", periods=16, freq="QS")
    p = predict(quarterly, np.arange(16.0), "2024-12-31")  # one per quarter: 4 per year
    assert p.slope_per_year == pytest.approx(4.0, rel=0.02)
    gappy = monthly(20).delete([3, 9, 10])  # three months missing
    assert np.isfinite(predict(gappy, np.arange(17.0), "2027-01-01").estimate)


def test_bad_input_is_refused():
    with pytest.raises(PredictionError, match="needs 12"):
        predict(monthly(11), np.arange(11.0), "2027-01-01")
    with pytest.raises(PredictionError, match="not after the last point"):
        predict(monthly(12), np.arange(12.0), "2025-12-01")
    with pytest.raises(PredictionError, match="more than 600 periods"):
        predict(monthly(12), np.arange(12.0), "2090-01-01")


def test_variance_factors_match_the_matrix_formula():
    # 1 + wᵀRw − 2wᵀr computed with explicit matrices, for a gappy design and a forecast 3 steps ahead
    pos = np.array([0, 1, 2, 4, 5, 7, 8, 9, 10, 11, 12, 13], dtype=float)
    at = np.array([16.0])
    X = np.column_stack([np.ones_like(pos), pos])
    w = np.array([1.0, at[0]]) @ np.linalg.pinv(X)
    for phi in (-0.3, 0.0, 0.4, 0.8):
        R = phi ** np.abs(pos[:, None] - pos[None, :])
        r = phi ** (at[0] - pos)
        expected = 1 + w @ R @ w - 2 * w @ r
        got = prediction._variance_factors(pos, at, np.array([phi]))[0, 0]
        assert got == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("phi", "points"), [(0.0, 24), (0.5, 24)])
def test_coverage_of_the_value_at_the_deadline(phi, points):
    # 300 seeded series, deadline 12 months after the last point: the 90 % interval must hold the measured
    # value in 85–95 % of them (the benchmark's tolerance; Monte Carlo SE here ≈ 1.7 points).
    rng = np.random.default_rng([16, int(phi * 10), points])
    reps, horizon, hits = 300, 12, 0
    periods = monthly(points + horizon)
    for _ in range(reps):
        series = 10 + rng.uniform(-1, 1) * np.arange(points + horizon) + ar1(points + horizon, phi, rng)
        p = predict(periods[:points], series[:points], periods[-1])
        hits += p.low <= series[-1] <= p.high
    assert 0.85 <= hits / reps <= 0.95


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=MIN_POINTS, max_size=40),
       st.integers(min_value=1, max_value=60))
def test_any_series_gives_a_finite_ordered_interval(values, months_ahead):
    periods = monthly(len(values))
    p = predict(periods, values, periods[-1] + pd.DateOffset(months=months_ahead))
    assert np.isfinite([p.estimate, p.low, p.high]).all()
    assert p.low <= p.estimate + 1e-6 * max(1.0, abs(p.estimate)) and p.estimate <= p.high + 1e-6 * max(
        1.0, abs(p.estimate))


def test_method_is_stated():
    assert "measured" in METHOD and "autocorrelation" in METHOD and "target at the deadline" in METHOD


# --- the spc command ----------------------------------------------------------------------------------------
def _series_csv(tmp_path, values) -> str:
    path = tmp_path / "series.csv"
    rows = [f"{p.date().isoformat()},{v}" for p, v in zip(monthly(len(values), "2024-01-01"), values, strict=True)]
    path.write_text("period,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_spc_adds_the_projection_with_target_and_deadline(tmp_path, capsys):
    values = [round(50 - 0.4 * i + (0.5 if i % 2 else -0.5), 2) for i in range(24)]
    out = tmp_path / "chart.json"
    code = main(["spc", _series_csv(tmp_path, values), "--chart", "xmr", "--direction", "down", "--target", "35",
                 "--deadline", "2026-12-31", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) == {"points", "summary", "projection"}
    projection = doc["projection"]
    assert {"state", "estimate", "interval", "level", "method"} <= set(projection)
    assert projection["state"] in ("on_course", "at_risk", "off_course")
    assert projection["level"] == 0.9 and projection["target"] == 35 and projection["deadline"] == "2026-12-31"
    low, high = projection["interval"]
    assert low < projection["estimate"] < high
    # the same numbers as the app's reading of the same series
    expected = project(pd.to_datetime([p["period"] for p in doc["points"]]), values, 35, "2026-12-31", "down",
                       limits=(doc["points"][-1]["lower"], doc["points"][-1]["upper"]),
                       latest_type=doc["points"][-1]["point_type"])
    assert projection["estimate"] == pytest.approx(expected.projected)
    assert projection["interval"] == pytest.approx([expected.low, expected.high])


def test_spc_without_a_deadline_keeps_its_json(tmp_path, capsys):
    out = tmp_path / "chart.json"
    assert main(["spc", _series_csv(tmp_path, list(range(12))), "--chart", "xmr", "--target", "3",
                 "--out", str(out)]) == 0
    assert set(json.loads(out.read_text(encoding="utf-8"))) == {"points", "summary"}


@pytest.mark.parametrize(("extra", "message"), [
    (["--deadline", "2027-01-01"], "--deadline needs --target"),
    (["--target", "3", "--deadline", "31/12/2027"], "--deadline: '31/12/2027' is not an ISO date"),
])
def test_spc_projection_bad_input(tmp_path, capsys, extra, message):
    out = tmp_path / "chart.json"
    code = main(["spc", _series_csv(tmp_path, list(range(12))), "--chart", "xmr", *extra, "--out", str(out)])
    assert code == 2 and message in capsys.readouterr().err and not out.exists()


def test_spc_projection_without_direction_says_why(tmp_path, capsys):
    out = tmp_path / "chart.json"
    assert main(["spc", _series_csv(tmp_path, list(range(12))), "--chart", "xmr", "--target", "3", "--deadline",
                 "2027-01-01", "--out", str(out)]) == 0
    projection = json.loads(out.read_text(encoding="utf-8"))["projection"]
    assert projection["state"] == "not_enough_data" and "direction" in projection["reason"]
    assert projection["interval"] is None and projection["estimate"] is None
