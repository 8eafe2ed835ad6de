"""Point types when patterns overlap: NHSRplotthedots' priority, worked out by hand.

NHSRplotthedots (`ptd_special_cause_type` in R/ptd_calculate_point_type.R) takes the first pattern that
flags a point: outside the limits (the point's side of the centre), then a trend (the trend's own
direction), then two of three close to a limit (its side), then a shift (its side). The side then becomes
improvement or concern by the direction of improvement, or neutral without one. A point flagged only by
the IHI inner-third rule has no side: neutral, whatever the direction. See docs/statistics.md, "Point
types when patterns overlap". Indices in the comments count the tail's points from 0.
"""

from __future__ import annotations

import pandas as pd
import pytest

from leverage.aims.icons import variation_label
from leverage.aims.spc import analyse


def monthly(values, start: str = "2024-01-01") -> pd.DataFrame:
    return pd.DataFrame({"period": pd.date_range(start, periods=len(values), freq="MS"), "value": values})


def counts(numerators, denominators, start: str = "2024-01-01") -> pd.DataFrame:
    return pd.DataFrame({"period": pd.date_range(start, periods=len(numerators), freq="MS"),
                         "numerator": numerators, "denominator": denominators})


def tail_of(result, k: int) -> tuple[list[list[str]], list[str]]:
    points = result.points.tail(k)
    return [list(s) for s in points["signals"]], points["point_type"].tolist()


HIGH_IS_BETTER = {"up": ("improvement", "concern"), "down": ("concern", "improvement"),
                  "none": ("neutral", "neutral")}


def types_for(sides: str, direction: str) -> list[str]:
    """'H'/'L' per point -> the point types NHSRplotthedots gives them for `direction`."""
    high, low = HIGH_IS_BETTER[direction]
    return [high if s == "H" else low for s in sides]


# --- XmR, MDC rules ----------------------------------------------------------------------------------------
# Baseline (12 points, frozen): 11, 9 alternating -> mean 10, MR̄ 2, limits 10 ± 5.32 = 4.68 .. 15.32,
# sigma 1.7733; close to the upper limit: (13.5467, 15.32], to the lower: [4.68, 6.4533).
MDC_BASE = [11, 9] * 6


def mdc(tail, direction: str):
    return analyse(monthly(MDC_BASE + list(tail)), chart="xmr", rules="mdc", baseline_points=12,
                   direction=direction)


# A: trend with shift. 9 (last baseline point) -> 13.4 rises; then 13.4, 13.0, ..., 11.0 fall: a falling
# trend of seven, all seven above the mean 10 (a shift of seven), none close (all <= 13.5467).
TREND_WITH_SHIFT = [13.4, 13.0, 12.6, 12.2, 11.8, 11.4, 11.0]


@pytest.mark.parametrize("direction", ["up", "down", "none"])
def test_mdc_trend_with_shift_takes_the_trend_direction(direction):
    signals, types = tail_of(mdc(TREND_WITH_SHIFT, direction), 7)
    assert signals == [["shift", "trend"]] * 7
    assert types == types_for("LLLLLLL", direction)  # falling: low, though above the mean


@pytest.mark.parametrize(("direction", "variation"), [
    ("up", "concern_low"), ("down", "improvement_low"), ("none", "neutral_low")])
def test_mdc_variation_icon_of_a_falling_run_above_the_mean(direction, variation):
    # The example in docs/statistics.md: higher is better, a falling run above the mean is a concern.
    assert mdc(TREND_WITH_SHIFT, direction).summary["variation"] == variation


# B: trend with two of three. 9 -> 15.3 rises; 15.3, 15.0, 14.7, 14.2, 13.7, 9.5, 9.0 fall (a trend of
# seven). Close above: 15.3, 15.0, 14.7, 14.2, 13.7 (each in (13.5467, 15.32]); the windows (0,1,2),
# (1,2,3), (2,3,4) hold two or three close points, all three above the mean -> two of three on 0-4.
# Above the mean: 0-4 only (five), so no shift.
TREND_WITH_TWO_OF_THREE = [15.3, 15.0, 14.7, 14.2, 13.7, 9.5, 9.0]


@pytest.mark.parametrize("direction", ["up", "down"])
def test_mdc_trend_with_two_of_three_takes_the_trend_direction(direction):
    signals, types = tail_of(mdc(TREND_WITH_TWO_OF_THREE, direction), 7)
    assert signals == [["trend", "two_of_three"]] * 5 + [["trend"]] * 2
    assert types == types_for("LLLLLLL", direction)


# C: outside with trend. 9 -> 16.5 rises; 16.5, 15.0, 14.0, 12.0, 10.5, 9.6, 9.2 fall (seven). 16.5 > 15.32 is
# outside (high); 15.0 and 14.0 are close, and with 16.5 (outside, not close) the window (0,1,2) holds two
# close points all above the mean -> two of three on 1 and 2. Above the mean: 0-4 (five): no shift.
OUTSIDE_WITH_TREND = [16.5, 15.0, 14.0, 12.0, 10.5, 9.6, 9.2]


@pytest.mark.parametrize("direction", ["up", "down", "none"])
def test_mdc_outside_with_trend_outside_first(direction):
    signals, types = tail_of(mdc(OUTSIDE_WITH_TREND, direction), 7)
    assert signals == [["outside_limits", "trend"], ["trend", "two_of_three"], ["trend", "two_of_three"],
                       ["trend"], ["trend"], ["trend"], ["trend"]]
    assert types == types_for("HLLLLLL", direction)


def test_mdc_trend_two_of_three_and_shift_together():
    # 9 -> 17 rises; 17, 16.5, 16 (outside), 15.3, 15.0, 14.7, 14.2 fall: a trend of seven, all above the
    # mean (a shift of seven), 15.3 .. 14.2 close (two of three). Outside decides 0-2 (high); the trend
    # decides the rest (low), over two of three and the shift.
    signals, types = tail_of(mdc([17, 16.5, 16, 15.3, 15.0, 14.7, 14.2], "up"), 7)
    assert signals[:3] == [["outside_limits", "shift", "trend"]] * 3
    assert signals[3:] == [["shift", "trend", "two_of_three"]] * 4
    assert types == types_for("HHHLLLL", "up")


def test_mdc_two_of_three_with_shift_share_the_side():
    # 12, 14, 12, 14, 12, 11.5, 12: seven above (a shift), 14 and 14 close (two of three, 1 and 3); both
    # patterns say high. No trend (the values go up and down).
    signals, types = tail_of(mdc([12, 14, 12, 14, 12, 11.5, 12], "down"), 7)
    assert signals[1] == ["shift", "two_of_three"] and signals[3] == ["shift", "two_of_three"]
    assert types == types_for("HHHHHHH", "down")


# --- XmR, IHI rules ----------------------------------------------------------------------------------------
# Baseline (12 points, frozen): 10, 13, 10, 7 repeated -> mean 10, MR̄ 3, limits 10 ± 7.98 = 2.02 .. 17.98,
# sigma 2.66; close (outer third): (15.32, 17.98] and [2.02, 4.68); inner third 7.34 .. 12.66. IHI: a
# shift is 8 on one side, a trend 6, two of three needs only the two close points on one side.
IHI_BASE = [10, 13, 10, 7] * 3


def ihi(tail, direction: str):
    return analyse(monthly(IHI_BASE + list(tail)), chart="xmr", rules="ihi", baseline_points=12,
                   direction=direction)


def test_ihi_trend_with_shift_takes_the_trend_direction():
    # 7 -> 12 rises; 12, 11.8, ..., 10.6 fall: a trend of eight, all above the mean (a shift of eight).
    # The eight are also within the inner third (7.34 .. 12.66) but fewer than fifteen.
    tail = [12, 11.8, 11.6, 11.4, 11.2, 11.0, 10.8, 10.6]
    signals, types = tail_of(ihi(tail, "up"), 8)
    assert signals == [["shift", "trend"]] * 8
    assert types == types_for("L" * 8, "up")
    assert ihi(tail, "up").summary["variation"] == "concern_low"


def test_ihi_trend_with_two_of_three_takes_the_trend_direction():
    # 7 -> 17.5 rises; 17.5, 16.0, 14.0, 12.0, 9.0, 8.0 fall (a trend of six). 17.5 and 16.0 are close
    # above -> two of three on 0 and 1. Above the mean: four, no shift.
    signals, types = tail_of(ihi([17.5, 16.0, 14.0, 12.0, 9.0, 8.0], "down"), 6)
    assert signals == [["trend", "two_of_three"]] * 2 + [["trend"]] * 4
    assert types == types_for("LLLLLL", "down")


def test_ihi_outside_with_trend_outside_first():
    # 7 -> 18.5 rises; 18.5 (outside, > 17.98), 16.0, 14.0, 12.0, 9.0, 8.0 fall (six). 16.0 is the only
    # close point in any window (18.5 is outside, not close): no two of three.
    signals, types = tail_of(ihi([18.5, 16.0, 14.0, 12.0, 9.0, 8.0], "up"), 6)
    assert signals == [["outside_limits", "trend"]] + [["trend"]] * 5
    assert types == types_for("HLLLLL", "up")


@pytest.mark.parametrize("direction", ["up", "down"])
def test_ihi_inner_third_alone_is_neutral_with_no_side_even_with_a_direction(direction):
    # fifteen points 9.5, 10.5 alternating: all within 7.34 .. 12.66, never two on one side, no trend.
    result = ihi([9.5, 10.5] * 7 + [9.5], direction)
    signals, types = tail_of(result, 15)
    assert signals == [["inner_third"]] * 15
    assert types == ["neutral"] * 15
    assert result.summary["variation"] == "neutral"
    label = variation_label(result.summary["variation"])
    assert "no direction set" not in label and "hugging the centre line" in label


def test_ihi_inner_third_does_not_hide_a_side():
    # The same fifteen points then 16.5 and 16.0 (close above, two of three): the last point's side is high.
    result = ihi([9.5, 10.5] * 7 + [9.5, 16.5, 16.0], "up")
    assert list(result.points["signals"].iloc[-1]) == ["two_of_three"]
    assert result.summary["variation"] == "improvement_high"


# --- p chart (MDC) -------------------------------------------------------------------------------------------
# Baseline: 12 months of 22, 18 of 100 alternating -> p̄ = 240/1200 = 0.2, sigma = sqrt(0.2*0.8/100) = 0.04,
# limits 0.08 .. 0.32, close above (0.28, 0.32].
P_BASE = [22, 18] * 6


def p_chart(tail, direction: str):
    numerators = P_BASE + list(tail)
    return analyse(counts(numerators, [100] * len(numerators)), chart="p", rules="mdc", baseline_points=12,
                   direction=direction)


def test_p_chart_trend_with_shift():
    # 0.27, 0.26, ..., 0.21: falling seven, all above 0.2 (a shift), none close (0.27 <= 0.28).
    signals, types = tail_of(p_chart([27, 26, 25, 24, 23, 22, 21], "up"), 7)
    assert signals == [["shift", "trend"]] * 7
    assert types == types_for("LLLLLLL", "up")


def test_p_chart_trend_with_two_of_three():
    # 0.31, 0.30, 0.29 close above; 0.26, 0.19, 0.18, 0.17: a falling trend of seven. Windows (0,1,2) and
    # (1,2,3) hold two or more close points, all above 0.2 -> two of three on 0, 1, 2. Above: four, no shift.
    signals, types = tail_of(p_chart([31, 30, 29, 26, 19, 18, 17], "down"), 7)
    assert signals == [["trend", "two_of_three"]] * 3 + [["trend"]] * 4
    assert types == types_for("LLLLLLL", "down")


def test_p_chart_outside_with_trend():
    # 0.33 > 0.32 outside (high); 0.30, 0.27, 0.25, 0.22, 0.19, 0.16 fall (trend of seven with 0.33).
    # Close: 0.30 only, so no two of three. Above 0.2: five, no shift.
    signals, types = tail_of(p_chart([33, 30, 27, 25, 22, 19, 16], "up"), 7)
    assert signals == [["outside_limits", "trend"]] + [["trend"]] * 6
    assert types == types_for("HLLLLLL", "up")


# --- u chart (MDC) -------------------------------------------------------------------------------------------
# Baseline: 12 months of 22, 18 events per 1,000 exposure -> ū = 240/12000 = 0.02,
# sigma = sqrt(0.02/1000) = 0.0044721, limits 0.006584 .. 0.033416, close above (0.028944, 0.033416].
U_BASE = [22, 18] * 6


def u_chart(tail, direction: str):
    numerators = U_BASE + list(tail)
    return analyse(counts(numerators, [1000] * len(numerators)), chart="u", rules="mdc", baseline_points=12,
                   direction=direction, multiplier=1000)


def test_u_chart_outside_with_trend():
    # 35 per 1,000 > 33.416 outside (high); 28, 27, 25, 22, 19, 17 fall (a trend of seven with 35). No
    # close point besides (28 <= 28.944); above 20: five, no shift.
    result = u_chart([35, 28, 27, 25, 22, 19, 17], "down")
    signals, types = tail_of(result, 7)
    assert signals == [["outside_limits", "trend"]] + [["trend"]] * 6
    assert types == types_for("HLLLLLL", "down")
    assert result.summary["variation"] == "improvement_low"


def test_u_chart_trend_with_shift():
    # 27, 26, ..., 21 per 1,000: falling seven, all above 20 (a shift); 27 <= 28.944, none close.
    signals, types = tail_of(u_chart([27, 26, 25, 24, 23, 22, 21], "up"), 7)
    assert signals == [["shift", "trend"]] * 7
    assert types == types_for("LLLLLLL", "up")


def test_u_chart_trend_with_two_of_three():
    # 33, 31, 30 per 1,000 close above (in (28.944, 33.416]); then 26, 19, 18, 17: a falling trend of seven.
    signals, types = tail_of(u_chart([33, 31, 30, 26, 19, 18, 17], "up"), 7)
    assert signals == [["trend", "two_of_three"]] * 3 + [["trend"]] * 4
    assert types == types_for("LLLLLLL", "up")


# --- run charts: the trend's own direction too ---------------------------------------------------------------
def test_run_chart_rising_trend_below_the_median_is_high():
    # IHI run chart: 20 values; the first twelve 11, 9 (median of all 20 = 10.5... see below), then a rising
    # trend of eight below the median: 2, 3, 4, 5, 6, 7, 8, 8.5.
    # sorted: 2,3,4,5,6,7,8,8.5,9,9,9,9,9,9,11,11,11,11,11,11 -> median = (9 + 9)/2 = 9.
    # The eight are all below 9 (a shift of six or more) and rising (a trend of five or more): the trend
    # decides, high.
    values = [11, 9] * 6 + [2, 3, 4, 5, 6, 7, 8, 8.5]
    result = analyse(monthly(values), chart="run", rules="ihi", direction="down")
    signals, types = tail_of(result, 8)
    assert all({"shift", "trend"} <= set(s) for s in signals)
    assert types == types_for("H" * 8, "down")
    assert result.summary["variation"] == "concern_high"
