"""The special-cause rules of `leverage.aims.spc`, checked against docs/statistics.md#rule-sets-and-defaults.

Every expectation is worked out by hand from the reference (the arithmetic is in the comments); the
series are built so that exactly one rule is in play at a time. Indices in comments are 0-based.
"""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest
from scipy.stats import binom

from leverage.aims.spc import analyse, crossings_limit, longest_run_limit, runs_limits


def monthly(values, start: str = "2024-01-01") -> pd.DataFrame:
    return pd.DataFrame({"period": pd.date_range(start, periods=len(values), freq="MS"), "value": values})


def flagged(result, signal: str) -> list[int]:
    return [i for i, names in enumerate(result.points["signals"]) if signal in names]


# --- run chart, IHI rules (the default on run charts) -------------------------------------------------------
# 15 values; sorted: 1,1,1,1,2,2,2,5,5,9,9,9,9,9,9 -> the 8th is the median, 5.
# sides:  -  -  -  +  +  0  +  +  +  +  -  -  -  0  -
SHIFT_ACROSS_MEDIAN = [1, 2, 1, 9, 9, 5, 9, 9, 9, 9, 2, 1, 2, 5, 1]
# 15 values; sorted: 1,1,1,1,2,2,3,5,5,8,9,9,9,9,9 -> median 5.
# sides:  -  -  -  +  +  0  +  +  +  -  -  -  0  -  +   (only 5 useful points above in a row)
FIVE_ABOVE_AROUND_MEDIAN = [1, 2, 1, 9, 9, 5, 9, 9, 9, 3, 1, 2, 5, 1, 8]


def test_run_chart_centre_is_the_median_and_has_no_limits():
    result = analyse(monthly(SHIFT_ACROSS_MEDIAN), chart="run")
    assert result.summary["rule_set"] == "ihi"
    assert result.points["centre"].tolist() == [5.0] * 15
    assert result.points["lower"].isna().all() and result.points["upper"].isna().all()


def test_run_chart_median_of_the_baseline_points_only():
    # first 5 points 1,2,1,9,9 -> sorted 1,1,2,9,9 -> median 2 (the whole series' median would be 5)
    result = analyse(monthly(SHIFT_ACROSS_MEDIAN), chart="run", baseline_points=5)
    assert result.points["centre"].tolist() == [2.0] * 15


def test_shift_of_six_skips_a_point_on_the_median():
    # indices 3,4,(5 on the median),6,7,8,9: six useful points above -> a shift on all six.
    result = analyse(monthly(SHIFT_ACROSS_MEDIAN), chart="run")
    shift = flagged(result, "shift")
    assert {3, 4, 6, 7, 8, 9} <= set(shift)
    # nothing else is part of a shift: 0-2 are three below, 10-14 four useful below (13 on the median)
    assert set(shift) - {5} == {3, 4, 6, 7, 8, 9}


def test_five_useful_points_and_one_on_the_median_are_not_a_shift():
    # indices 3,4,(5),6,7,8: the point on the median does not count, so only five above.
    result = analyse(monthly(FIVE_ABOVE_AROUND_MEDIAN), chart="run")
    assert flagged(result, "shift") == []


def test_shift_needs_six_on_the_same_side_below_too():
    # 12 values: sorted 1,1,1,1,1,1,8,8,8,8,8,9 -> median (1+8)/2 = 4.5
    # sides: + - - - - - - + + + + +  -> six below (1-6): a shift; five above (7-11): not.
    values = [9, 1, 1, 1, 1, 1, 1, 8, 8, 8, 8, 8]
    result = analyse(monthly(values), chart="run")
    assert flagged(result, "shift") == [1, 2, 3, 4, 5, 6]


TREND_WITH_TIE = [6, 1, 2, 2, 3, 4, 5, 2, 8, 4, 7, 3]


def test_trend_of_five_counts_equal_neighbours_once():
    # values 1,2,2,3,4,5 (indices 1-6): the repeated 2 counts once -> 1,2,3,4,5 = five rising points.
    # median of the 12 values: sorted 1,2,2,2,3,3,4,4,5,6,7,8 -> (3+4)/2 = 3.5; no six on one side.
    result = analyse(monthly(TREND_WITH_TIE), chart="run")
    assert flagged(result, "trend") == [1, 2, 3, 4, 5, 6]
    assert flagged(result, "shift") == []


def test_falling_trend_of_five_with_a_tie():
    # reversed: indices 5-10 hold 5,4,3,2,2,1 -> 5,4,3,2,1 = five falling points.
    result = analyse(monthly(TREND_WITH_TIE[::-1]), chart="run")
    assert flagged(result, "trend") == [5, 6, 7, 8, 9, 10]


def test_equal_values_do_not_make_a_trend():
    # indices 1-7: 1,2,2,2,2,3,9 -> distinct rising values 1,2,3,9: four, not five.
    values = [7, 1, 2, 2, 2, 2, 3, 9, 4, 8, 5, 6]
    result = analyse(monthly(values), chart="run")
    assert flagged(result, "trend") == []


def test_four_rising_points_are_not_a_trend():
    # 5,1,2,3,4,0,...: 1,2,3,4 rise (four points) then a fall.
    values = [5, 1, 2, 3, 4, 0, 6, 2, 7, 1]
    assert flagged(analyse(monthly(values), chart="run"), "trend") == []


# --- runs test: limits from the Swed–Eisenhart distribution -------------------------------------------------
PUBLISHED_RUNS_LIMITS = {  # docs/statistics.md#runs-limits-table
    10: (3, 9), 11: (4, 9), 12: (4, 10), 13: (4, 11), 14: (4, 12), 15: (5, 12), 16: (5, 13), 17: (6, 13),
    18: (6, 14), 19: (6, 15), 20: (7, 15), 21: (7, 16), 22: (8, 16), 23: (8, 17), 24: (8, 18), 25: (9, 18),
    26: (9, 19), 27: (10, 19), 28: (10, 20), 29: (10, 21), 30: (11, 21), 40: (15, 27), 50: (19, 33),
    60: (24, 38),
}


@pytest.mark.parametrize("useful", sorted(PUBLISHED_RUNS_LIMITS))
def test_runs_limits_reproduce_the_published_table(useful):
    assert runs_limits(useful) == PUBLISHED_RUNS_LIMITS[useful]


@pytest.mark.parametrize("useful", [10, 11, 14, 17])
def test_runs_limits_match_brute_force_enumeration(useful):
    # Independent check: enumerate every arrangement of n1 = floor(u/2) below and n2 = ceil(u/2) above,
    # count the runs, and apply the definition (L: smallest r with P(R <= r) > 0.025; U: largest r with
    # P(R >= r) > 0.025).
    n1 = useful // 2
    counts: dict[int, int] = {}
    for below in itertools.combinations(range(useful), n1):
        sides = [i in below for i in range(useful)]
        runs = 1 + sum(a != b for a, b in itertools.pairwise(sides))
        counts[runs] = counts.get(runs, 0) + 1
    total = math.comb(useful, n1)
    rs = sorted(counts)
    lower = next(r for r in rs if sum(counts[k] for k in rs if k <= r) / total > 0.025)
    upper = next(r for r in reversed(rs) if sum(counts[k] for k in rs if k >= r) / total > 0.025)
    assert runs_limits(useful) == (lower, upper)


def test_too_few_runs_reported_in_the_summary():
    # SHIFT_ACROSS_MEDIAN: useful sides - - - + + + + + + - - - - (13 useful) -> 2 crossings, 3 runs;
    # L(13) = 4, U(13) = 11 -> too few runs.
    summary = analyse(monthly(SHIFT_ACROSS_MEDIAN), chart="run").summary
    assert summary["useful_observations"] == 13
    assert (summary["runs"], summary["runs_lower"], summary["runs_upper"]) == (3, 4, 11)
    assert summary["runs"] < summary["runs_lower"]


def test_too_many_runs_reported_in_the_summary():
    # 1,9 alternating, 12 points: median 5, 12 useful, 11 crossings -> 12 runs > U(12) = 10.
    summary = analyse(monthly([1, 9] * 6), chart="run").summary
    assert summary["useful_observations"] == 12
    assert (summary["runs"], summary["runs_lower"], summary["runs_upper"]) == (12, 4, 10)
    assert summary["runs"] > summary["runs_upper"]


def test_runs_within_limits():
    # 12 points: 1,1,9,9 repeated: median 5, sides --++--++--++ -> 6 runs, within 4-10.
    summary = analyse(monthly([1, 1, 9, 9] * 3), chart="run").summary
    assert (summary["runs"], summary["runs_lower"], summary["runs_upper"]) == (6, 4, 10)


def test_runs_rule_not_applied_below_ten_useful_observations():
    # 11 values: five 1s, two 5s, four 9s -> median 5 (6th of 1,1,1,1,1,5,5,9,9,9,9); 9 useful points.
    values = [1, 9, 5, 1, 9, 5, 1, 9, 1, 9, 1]
    summary = analyse(monthly(values), chart="run").summary
    assert summary["useful_observations"] == 9
    assert summary["runs"] is None and summary["runs_lower"] is None and summary["runs_upper"] is None
    assert any("runs" in note.lower() for note in summary.get("notes", [])), "the chart must say so"


def test_runs_rule_applied_at_exactly_ten_useful_observations():
    # 1,9 alternating, 10 points: median 5, u = 10, 10 runs > U(10) = 9.
    summary = analyse(monthly([1, 9] * 5), chart="run").summary
    assert (summary["useful_observations"], summary["runs"]) == (10, 10)
    assert (summary["runs_lower"], summary["runs_upper"]) == (3, 9)


# --- Anhøj rules --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("useful", "limit"), [(10, 6), (20, 7), (24, 8), (50, 9)])
def test_longest_run_limit_published_values(useful, limit):
    # round(log2(u) + 3): 6.32 -> 6, 7.32 -> 7, 7.58 -> 8, 8.64 -> 9
    assert longest_run_limit(useful) == limit


@pytest.mark.parametrize(("useful", "limit"), [(20, 6), (30, 10), (40, 14)])
def test_crossings_limit_published_values(useful, limit):
    assert crossings_limit(useful) == limit


@pytest.mark.parametrize("useful", range(10, 61))
def test_crossings_limit_is_the_binomial_fifth_percentile(useful):
    # qbinom(0.05, u - 1, 0.5) == scipy's binom.ppf (smallest k with P(X <= k) >= 0.05)
    assert crossings_limit(useful) == int(binom.ppf(0.05, useful - 1, 0.5))


# 20 distinct values: 1..10 below, 11..20 above -> median 10.5, every point useful.
# sides: 8 below (0-7), 4 above (8-11), 1 below (12), 3 above (13-15), 1 below (16), 3 above (17-19)
ANHOEJ_LONG_RUN = [5, 2, 7, 1, 8, 3, 6, 4, 15, 12, 18, 11, 9, 14, 20, 13, 10, 17, 16, 19]


def test_anhoej_long_run_and_too_few_crossings():
    # u = 20: longest-run limit round(log2 20 + 3) = 7, the first run is 8 > 7 -> long_run on 0-7 only;
    # crossings: -|+ +|- -|+ +|- -|+ = 5 < qbinom(0.05, 19, 0.5) = 6.
    result = analyse(monthly(ANHOEJ_LONG_RUN), chart="run", rules="anhoej")
    summary = result.summary
    assert summary["rule_set"] == "anhoej"
    assert summary["useful_observations"] == 20
    assert (summary["longest_run"], summary["longest_run_limit"]) == (8, 7)
    assert (summary["crossings"], summary["crossings_limit"]) == (5, 6)
    assert flagged(result, "long_run") == list(range(8))


def test_anhoej_run_at_the_limit_is_not_long():
    # Move one low value out of the first run: 7 below (0-6), then above 11 at 7, the 8 at 8 ...
    # sides: 7-, +, -, 3+, -, 3+, -, 3+  -> 10 below, 10 above; longest run 7, not > 7.
    # crossings: 1+1+1+1+1+1+1 = 7 >= 6.
    values = [5, 2, 7, 1, 8, 3, 6, 11, 4, 15, 12, 18, 9, 14, 20, 13, 10, 17, 16, 19]
    result = analyse(monthly(values), chart="run", rules="anhoej")
    assert (result.summary["longest_run"], result.summary["longest_run_limit"]) == (7, 7)
    assert (result.summary["crossings"], result.summary["crossings_limit"]) == (7, 6)
    assert flagged(result, "long_run") == []


def test_runs_summary_fields_null_where_the_rule_set_does_not_use_them():
    ihi = analyse(monthly(ANHOEJ_LONG_RUN), chart="run", rules="ihi").summary
    assert ihi["longest_run_limit"] is None and ihi["crossings_limit"] is None
    anhoej = analyse(monthly(ANHOEJ_LONG_RUN), chart="run", rules="anhoej").summary
    assert anhoej["runs_lower"] is None and anhoej["runs_upper"] is None


# --- XmR with the MDC rules (the default) -------------------------------------------------------------------
# Baseline (12 points, frozen with baseline_points=12): 11,9 alternating, ending on 9.
#   mean = (6*11 + 6*9)/12 = 10; moving ranges all 2 -> MR̄ = 2; limits 10 ± 2.66*2 = 4.68 .. 15.32
#   sigma = 5.32/3 = 1.7733; 2-sigma band 10 ± 3.5467 = 6.4533 .. 13.5467
#   close above: (13.5467, 15.32], close below: [4.68, 6.4533)
MDC_BASE = [11, 9] * 6


def mdc(tail, rules: str = "mdc", **kwargs):
    return analyse(monthly(MDC_BASE + list(tail)), chart="xmr", rules=rules, baseline_points=12, **kwargs)


def test_mdc_baseline_alone_is_common_cause():
    result = mdc([])
    assert result.points["centre"].tolist() == pytest.approx([10.0] * 12)
    assert result.points["lower"].tolist() == pytest.approx([4.68] * 12)
    assert result.points["upper"].tolist() == pytest.approx([15.32] * 12)
    assert all(not names for names in result.points["signals"])


def test_mdc_points_outside_the_limits():
    result = mdc([16, 10.5, 4])  # 16 > 15.32, 4 < 4.68
    assert flagged(result, "outside_limits") == [12, 14]


def test_mdc_run_of_seven_on_one_side():
    # 12-18 all above 10 (11/12 alternate: no trend, not close); 11 is 9 (below).
    result = mdc([12, 11, 12, 11, 12, 11, 12])
    assert flagged(result, "shift") == [12, 13, 14, 15, 16, 17, 18]


def test_mdc_six_on_one_side_is_not_a_run():
    result = mdc([12, 11, 12, 11, 12, 11, 9])
    assert flagged(result, "shift") == []


def test_mdc_point_exactly_on_the_mean_breaks_the_run():
    # 12,11,12 | 10 (on the mean) | 11,12,11,12: 3 and 4 above, never 7.
    result = mdc([12, 11, 12, 10, 11, 12, 11, 12])
    assert flagged(result, "shift") == []
    # control: the same series with 11 in place of the 10 is eight above -> a run
    assert flagged(mdc([12, 11, 12, 11, 11, 12, 11, 12]), "shift") == list(range(12, 20))


def test_mdc_trend_of_seven_rising_points():
    # 9 (index 11) -> 8 falls; then 8, 8.5, 9, 9.5, 10.5, 11, 11.5: seven points each higher than the last.
    result = mdc([8, 8.5, 9, 9.5, 10.5, 11, 11.5])
    assert flagged(result, "trend") == [12, 13, 14, 15, 16, 17, 18]


def test_mdc_trend_of_seven_falling_points():
    # 9 (index 11) -> 12 rises; then 12, 11.5, 11, 10.5, 9.5, 9, 8 fall (seven points).
    result = mdc([12, 11.5, 11, 10.5, 9.5, 9, 8])
    assert flagged(result, "trend") == [12, 13, 14, 15, 16, 17, 18]


def test_mdc_six_rising_points_are_not_a_trend():
    result = mdc([8, 8.5, 9, 9.5, 10.5, 11, 10.2])
    assert flagged(result, "trend") == []


def test_mdc_equal_value_breaks_a_trend():
    # 8, 8.5, 9 | 9 (equal) | 9.5, 10.5, 11, 11.5 -> rises of 3 and 5 points, never 7.
    result = mdc([8, 8.5, 9, 9, 9.5, 10.5, 11, 11.5])
    assert flagged(result, "trend") == []


def test_mdc_two_of_three_close_flags_only_the_close_points():
    # 14 (close), 12 (above, not close), 14 (close): all three above the mean -> 12 and 14 flagged.
    result = mdc([14, 12, 14])
    assert flagged(result, "two_of_three") == [12, 14]


def test_mdc_two_of_three_close_below():
    # 6 (close: < 6.4533), 8 (below), 5 (close): all below -> 12 and 14.
    result = mdc([6, 8, 5])
    assert flagged(result, "two_of_three") == [12, 14]


def test_mdc_two_of_three_needs_all_three_on_the_same_side():
    # 14 (close above), 8 (below the mean), 14 (close above): not all on one side -> no signal.
    result = mdc([14, 8, 14])
    assert flagged(result, "two_of_three") == []


def test_mdc_point_outside_the_limits_is_not_close():
    # 14 (close), 16 (outside: > 15.32), 12: only one close point in any window of three.
    result = mdc([14, 16, 12])
    assert flagged(result, "two_of_three") == []
    assert flagged(result, "outside_limits") == [13]


def test_mdc_two_of_three_next_to_an_outside_point():
    # 16 (outside), 14 (close), 12, 14 (close): the window 14,12,14 triggers; 16 stays outside only.
    result = mdc([16, 14, 12, 14])
    assert flagged(result, "two_of_three") == [13, 15]
    assert flagged(result, "outside_limits") == [12]


def test_mdc_one_close_point_is_not_a_signal():
    result = mdc([14, 12, 11])
    assert flagged(result, "two_of_three") == []


# --- XmR with the IHI rules ---------------------------------------------------------------------------------
# Baseline (12 points, frozen): 10,13,10,7 repeated, ending on 7.
#   mean = (10+13+10+7)*3/12 = 10; moving ranges all 3 -> MR̄ = 3; limits 10 ± 7.98 = 2.02 .. 17.98
#   sigma = 2.66; outer third beyond 10 ± 5.32 (15.32 .. 17.98 and 2.02 .. 4.68); inner third 7.34 .. 12.66
#   In the baseline only the 10s are in the inner third (13 and 7 are 3 away), never two in a row.
IHI_BASE = [10, 13, 10, 7] * 3


def ihi(tail):
    return analyse(monthly(IHI_BASE + list(tail)), chart="xmr", rules="ihi", baseline_points=12)


def test_ihi_baseline_alone_is_common_cause():
    result = ihi([])
    assert result.points["lower"].tolist() == pytest.approx([2.02] * 12)
    assert result.points["upper"].tolist() == pytest.approx([17.98] * 12)
    assert all(not names for names in result.points["signals"])


def test_ihi_outside_the_limits():
    assert flagged(ihi([18.5, 11, 1.5]), "outside_limits") == [12, 14]


def test_ihi_eight_on_one_side():
    # 13,12 alternate 8 times above the mean (the last baseline point, 7, is below).
    result = ihi([13, 12] * 4)
    assert flagged(result, "shift") == list(range(12, 20))


def test_ihi_seven_on_one_side_is_not_a_shift():
    result = ihi([13, 12, 13, 12, 13, 12, 13, 7])
    assert flagged(result, "shift") == []


def test_ihi_trend_of_six():
    # 7 (index 11) -> 5 falls; 5, 6, 8, 9, 11, 12: six rising points.
    result = ihi([5, 6, 8, 9, 11, 12])
    assert flagged(result, "trend") == [12, 13, 14, 15, 16, 17]


def test_ihi_five_rising_points_are_not_a_trend():
    result = ihi([5, 6, 8, 9, 11, 8])
    assert flagged(result, "trend") == []


def test_ihi_two_of_three_in_the_outer_third():
    # 16 (outer third), 13 (not), 16 (outer third), same side -> the two 16s.
    result = ihi([16, 13, 16])
    assert flagged(result, "two_of_three") == [12, 14]


def test_ihi_two_of_three_third_point_anywhere():
    # IHI asks only that the two outer-third points be on the same side: 16, 8 (below the mean), 16.
    result = ihi([16, 8, 16])
    assert flagged(result, "two_of_three") == [12, 14]


def test_ihi_two_of_three_below():
    # 4 (outer third below: < 4.68), 9, 3 (outer third) -> 12 and 14.
    result = ihi([4, 9, 3])
    assert flagged(result, "two_of_three") == [12, 14]


def test_ihi_two_of_three_must_be_on_the_same_side():
    # 16 (outer third above), 10, 4 (outer third below): two in the outer third but on opposite sides.
    result = ihi([16, 10, 4])
    assert flagged(result, "two_of_three") == []


def test_ihi_fifteen_in_the_inner_third():
    # 9 and 11 are 1 from the mean (<= 2.66): fifteen of them in a row; index 11 (7) is not inner.
    result = ihi([9, 11] * 7 + [9])
    assert flagged(result, "inner_third") == list(range(12, 27))


def test_ihi_fourteen_in_the_inner_third_are_not_a_signal():
    result = ihi([9, 11] * 7 + [13])
    assert flagged(result, "inner_third") == []


def test_mdc_does_not_use_the_inner_third_rule():
    # the MDC rule set has no inner-third rule: 27 points hugging the mean stay common cause
    result = mdc([11, 9] * 7 + [11])
    assert flagged(result, "inner_third") == []


# --- point types on a run chart -----------------------------------------------------------------------------
def test_run_chart_shift_and_trend_point_types():
    # TREND_WITH_TIE has a rising trend (1-6); higher is better -> improvement; lower is better -> concern.
    up = analyse(monthly(TREND_WITH_TIE), chart="run", direction="up")
    down = analyse(monthly(TREND_WITH_TIE), chart="run", direction="down")
    assert up.points["point_type"].tolist()[1:7] == ["improvement"] * 6
    assert down.points["point_type"].tolist()[1:7] == ["concern"] * 6
    assert up.points["point_type"].iloc[0] == "common_cause"
    # the shift below (1-6) of the 9,1,1,1,1,1,1,8,... series: lower is better -> improvement
    shift = analyse(monthly([9, 1, 1, 1, 1, 1, 1, 8, 8, 8, 8, 8]), chart="run", direction="down")
    assert shift.points["point_type"].tolist()[1:7] == ["improvement"] * 6


def test_runs_summary_describes_the_last_phase():
    # 16 values: 9,11,9,11,12,11,12,11 | 22,21,22,18,19,18,22,18
    # one phase: median (12+18)/2 = 15, 16 useful, sides 8 below then 8 above -> 2 runs; L(16) = 5 -> too few
    values = [9, 11, 9, 11, 12, 11, 12, 11, 22, 21, 22, 18, 19, 18, 22, 18]
    whole = analyse(monthly(values), chart="run").summary
    assert (whole["useful_observations"], whole["runs"], whole["runs_lower"], whole["runs_upper"]) == (16, 2, 5, 13)
    # phase 2 alone (from September): median (19+21)/2 = 20, 8 useful -> fewer than 10: runs not applied
    last = analyse(monthly(values), chart="run", phase_starts=["2024-09-01"]).summary
    assert last["useful_observations"] == 8
    assert last["runs"] is None and last["runs_lower"] is None
