"""Mean intervals on the bounded 1–5 scale, perception gaps with multiplicity control, and "not stated" groups.

Intervals (`leverage.survey.intervals`): never outside 1–5, never of zero width from two respondents up,
always holding the group's mean, close to the t interval where the t interval is sound, and covering the
population mean about 95 % of the time in simulation. Gaps (`compare.views.perception_gaps`): Welch tests of
every pair of roles with Holm's adjustment; hand-computed, and a small null simulation (the full one is
benchmarks/perception_gaps_null.py).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from leverage.compare import views as compare
from leverage.compare.cube import build_cube
from leverage.compare.views import describe, holm, welch_test
from leverage.core.columns import NOT_STATED
from leverage.survey.intervals import mean_interval
from leverage.survey.scoring import item_scores, level_distribution, point_scores


# --- bounded intervals -------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(1, 5), min_size=1, max_size=6), min_size=2, max_size=60))
def test_an_interval_stays_on_the_scale_holds_the_mean_and_has_width(groups):
    # each respondent's score is the mean of their items: any group of respondents, any answers
    scores = np.array([np.mean(items) for items in groups])
    low, high = mean_interval(np.array([scores.mean()]), np.array([scores.std(ddof=1)]), np.array([len(scores)]))
    assert 1.0 <= low[0] <= scores.mean() + 1e-12 and scores.mean() - 1e-12 <= high[0] <= 5.0
    assert high[0] - low[0] > 0


@pytest.mark.parametrize(("answer", "n"), [(1, 5), (3, 5), (5, 5), (5, 30), (4, 200)])
def test_everyone_agreeing_is_not_certainty(answer, n):
    low, high = mean_interval(np.array([float(answer)]), np.array([0.0]), np.array([n]))
    assert 1 <= low[0] <= answer <= high[0] <= 5 and high[0] - low[0] > 0.005
    # all at 5: the interval reaches 5 and no further
    if answer == 5:
        assert high[0] == 5.0


def test_one_respondent_has_no_interval():
    low, high = mean_interval(np.array([3.0]), np.array([np.nan]), np.array([1]))
    assert np.isnan(low[0]) and np.isnan(high[0])


def test_away_from_the_ends_it_is_close_to_the_t_interval():
    # 200 respondents, mean 3.1, SD 0.8: t gives 3.1 ± 0.1115; the bounded interval differs by < 0.002
    low, high = mean_interval(np.array([3.1]), np.array([0.8]), np.array([200]))
    half = stats.t.ppf(0.975, 199) * 0.8 / math.sqrt(200)
    assert low[0] == pytest.approx(3.1 - half, abs=0.002) and high[0] == pytest.approx(3.1 + half, abs=0.002)


@pytest.mark.parametrize("shares", [[0.2] * 5, [0.1, 0.2, 0.35, 0.25, 0.1], [0, 0.02, 0.08, 0.3, 0.6],
                                    [0, 0, 0, 0.1, 0.9], [0, 0.05, 0.9, 0.05, 0], [0.45, 0.05, 0, 0.05, 0.45]])
@pytest.mark.parametrize("n", [5, 12])
def test_coverage_of_the_mean_in_simulation(shares, n):
    # 2,000 groups of n respondents answering 4 statements each; the population mean is Σ level × share.
    rng = np.random.default_rng([16, n, int(shares[-1] * 100)])
    answers = rng.choice(5, size=(2000, n, 4), p=shares) + 1
    scores = answers.mean(axis=2)
    truth = float(np.dot(np.arange(1, 6), shares))
    low, high = mean_interval(scores.mean(axis=1), scores.std(axis=1, ddof=1), np.full(2000, n))
    assert np.all(low >= 1) and np.all(high <= 5) and np.all(high > low)
    assert np.mean((low <= truth) & (truth <= high)) >= 0.93


def test_the_t_interval_it_replaces_ran_off_the_scale():
    # 5 respondents, 4 answered 5 and one 4: the t interval 4.8 ± 0.555 ends at 5.36
    scores = np.array([5, 5, 5, 5, 4.0])
    half = stats.t.ppf(0.975, 4) * scores.std(ddof=1) / math.sqrt(5)
    assert scores.mean() + half > 5
    low, high = mean_interval(np.array([scores.mean()]), np.array([scores.std(ddof=1)]), np.array([5]))
    assert high[0] <= 5 and low[0] > 3.5


def test_scoring_and_the_comparison_cube_give_the_same_interval():
    rows = [("O", None, "board", "R", f"r{k}", "LP1.1", "LP1", v) for k, v in enumerate([5, 5, 5, 5, 5, 5])]
    frame = pd.DataFrame(rows, columns=["organization", "department", "role", "round", "respondent_id", "item_id",
                                        "leverage_point", "value"])
    frame["value"] = frame["value"].astype("Int64")
    lp1 = point_scores(frame, (), 5).set_index("leverage_point").loc["LP1"]
    assert lp1["ci_high"] == 5.0 and 4.0 < lp1["ci_low"] < 5.0  # everyone said 5: not a zero-width 5–5
    sums = pd.DataFrame({"n": [6.0], "s1": [30.0], "s2": [150.0], "n_dont_know": [0.0], "level_1": [0.0],
                         "level_2": [0.0], "level_3": [0.0], "level_4": [0.0], "level_5": [6.0]})
    cube_row = describe(sums).iloc[0]
    assert (cube_row["ci_low"], cube_row["ci_high"]) == (pytest.approx(lp1["ci_low"]), 5.0)


# --- perception gaps ----------------------------------------------------------------------------------------
def test_holm_by_hand():
    # p = 0.01, 0.04, 0.03, 0.20 (m = 4): sorted 0.01, 0.03, 0.04, 0.20 -> ×4, ×3, ×2, ×1 = 0.04, 0.09, 0.08,
    # 0.20 -> made monotone: 0.04, 0.09, 0.09, 0.20
    assert holm([0.01, 0.04, 0.03, 0.20]).tolist() == pytest.approx([0.04, 0.09, 0.09, 0.20])
    assert holm([0.5, 0.6]).tolist() == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([]).tolist() == []


def test_welch_test_by_hand_and_with_unanimous_groups():
    # 4.0 (SD 1, n 10) vs 3.0 (SD 2, n 20): t = 1/√0.3 on 27.98 df
    diff, low, high, p = welch_test(4.0, 1.0, 10, 3.0, 2.0, 20)
    assert diff == 1.0 and p == pytest.approx(2 * stats.t.sf(1 / math.sqrt(0.3), 27.9818), abs=1e-6)
    assert low == pytest.approx(-0.12199, abs=1e-4) and high == pytest.approx(2.12199, abs=1e-4)
    # two unanimous groups (SD 0): the variances are floored at 0.25/(n + 1), so the test is defined
    diff, low, high, p = welch_test(5.0, 0.0, 6, 4.0, 0.0, 6)
    se = math.sqrt(2 * 0.25 / 7 / 6)
    assert high - low == pytest.approx(2 * stats.t.ppf(0.975, 10) * se) and 0 < p < 1e-4


def _roles(means: dict[str, float], sd: float = 0.8, n: float = 10.0, points: tuple[str, ...] = ("LP1",)
           ) -> pd.DataFrame:
    return pd.DataFrame([{"role": r, "leverage_point": p, "n": n, "mean": m, "sd": sd, "status": "ok"}
                         for p in points for r, m in means.items()])


def test_the_extreme_pair_is_judged_against_every_comparison_made():
    # Board 3.9, nursing 3.1 (n 10 each, SD 0.8): alone, t = 0.8/√0.128 = 2.236 on 18 df, p = 0.038 < 0.05.
    two = compare.perception_gaps(_roles({"board": 3.9, "nursing": 3.1})).iloc[0]
    assert two["p_value"] == pytest.approx(2 * stats.t.sf(0.8 / math.sqrt(0.128), 18), abs=1e-6)
    assert two["clear"]
    # With six roles on eight rows there are 8 × 15 = 120 comparisons: the same pair is now noise.
    six = {"board": 3.9, "executive": 3.5, "physician": 3.4, "nursing": 3.1, "manager": 3.3, "other": 3.6}
    gaps = compare.perception_gaps(_roles(six, points=("LP1", "LP2", "LP3", "LP4", "LP5", "LP6", "LP7", "Overall")))
    row = gaps.iloc[0]
    assert (row["highest"], row["lowest"]) == ("board", "nursing")
    assert row["p_value"] == pytest.approx(two["p_value"])  # the same test
    assert row["p_holm"] > 0.05 > row["p_value"] and not row["clear"]
    # a gap large enough survives the adjustment
    big = compare.perception_gaps(_roles({**six, "board": 4.9}, points=("LP1", "LP2"))).iloc[0]
    assert big["clear"] and big["p_holm"] < 0.05


def test_perception_gaps_on_null_data_are_rarely_clear():
    # 200 organizations whose six roles answer alike (each respondent has a leaning drawn from one distribution
    # whatever the role, and answers 5 statements per point around it): at most 5 % show any clear gap. The
    # benchmark (benchmarks/perception_gaps_null.py) runs 1,000 through the whole comparison pipeline.
    rng = np.random.default_rng(16)
    points = [f"LP{i}" for i in range(1, 8)]
    clear = 0
    for _ in range(200):
        sizes = {role: int(rng.integers(5, 16)) for role in ("board", "executive", "physician", "nursing",
                                                            "manager", "other")}
        rows = []
        for role, n in sizes.items():
            leaning = rng.normal(3.0, 0.6, n)
            answers = np.clip(np.rint(leaning[:, None, None] + rng.normal(0, 0.8, (n, 7, 5))), 1, 5)
            point_scores_ = answers.mean(axis=2)
            for j, point in enumerate([*points, "Overall"]):
                scores = point_scores_[:, j] if j < 7 else point_scores_.mean(axis=1)
                rows.append({"role": role, "leverage_point": point, "n": float(n), "mean": scores.mean(),
                             "sd": scores.std(ddof=1), "status": "ok"})
        clear += compare.perception_gaps(pd.DataFrame(rows))["clear"].any()
    assert clear / 200 <= 0.05


def test_withheld_and_single_respondent_roles_are_left_out_of_the_family():
    roles = pd.concat([_roles({"board": 4.0, "nursing": 3.0}),
                       pd.DataFrame([{"role": "manager", "leverage_point": "LP1", "n": 1.0, "mean": 1.0,
                                      "sd": np.nan, "status": "ok"},
                                     {"role": "other", "leverage_point": "LP1", "n": 3.0, "mean": np.nan,
                                      "sd": np.nan, "status": "below threshold"}])], ignore_index=True)
    row = compare.perception_gaps(roles).iloc[0]
    assert (row["highest"], row["lowest"]) == ("board", "nursing") and row["p_holm"] == row["p_value"]


# --- "not stated" -------------------------------------------------------------------------------------------
def _answers(departments: list[str | None]) -> pd.DataFrame:
    rows = [("O", d, "board", "R", f"r{k}", item, item[:3], 1 + (k + j) % 5)
            for k, d in enumerate(departments) for j, item in enumerate(("LP1.1", "LP2.1"))]
    frame = pd.DataFrame(rows, columns=["organization", "department", "role", "round", "respondent_id", "item_id",
                                        "leverage_point", "value"])
    frame["value"] = frame["value"].astype("Int64")
    return frame


def test_missing_departments_are_a_group_called_not_stated():
    frame = _answers([None] * 6 + ["ICU"] * 6)
    assert NOT_STATED == "not stated"
    points = point_scores(frame, ("department",), 5)
    assert set(points["department"]) == {"ICU", NOT_STATED}
    assert points.loc[points["department"] == NOT_STATED, "n_respondents"].tolist() == [6, 6, 6]
    levels = level_distribution(frame, ("department",), 5)
    stated = levels[levels["department"] == NOT_STATED]
    assert len(stated) == 2 and stated[["level_1", "level_2", "level_3", "level_4", "level_5"]].notna().all().all()
    assert stated[["level_1", "level_2", "level_3", "level_4", "level_5", "dont_know"]].sum(axis=1).tolist() == [
        pytest.approx(1.0), pytest.approx(1.0)]
    items = item_scores(frame, ("department",), 5)
    assert set(items["department"]) == {"ICU", NOT_STATED}


def test_only_missing_departments_and_missing_roles():
    frame = _answers([None] * 5)
    frame["role"] = None
    levels = level_distribution(frame, ("department", "role"), 5)
    assert levels[["department", "role"]].drop_duplicates().values.tolist() == [[NOT_STATED, NOT_STATED]]
    assert levels["level_1"].notna().all()


def test_the_comparison_cube_names_missing_departments_the_same():
    frame = _answers([None] * 6 + ["ICU"] * 6)
    import pyarrow as pa

    cube = build_cube(pa.Table.from_pandas(frame.assign(value=frame["value"].astype("Int8")), preserve_index=False))
    units = compare.department_units(cube.points.assign(source="s"), "s", "O")
    assert set(units["unit"]) == {"ICU", NOT_STATED}
