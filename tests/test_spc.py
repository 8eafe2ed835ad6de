"""Centre lines, limits, baselines, phases, attribute charts and the MDC summary of `leverage.aims.spc`.

Expectations are worked out by hand from docs/statistics.md (#xmr-charts onwards) and the `spc` contract
of issue 3 (the arithmetic is in the comments). Rule-by-rule checks live in test_spc_rules.py.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from leverage.aims.spc import analyse, assurance_of


def monthly(values, start: str = "2024-01-01") -> pd.DataFrame:
    return pd.DataFrame({"period": pd.date_range(start, periods=len(values), freq="MS"), "value": values})


def counts(numerators, denominators, start: str = "2024-01-01") -> pd.DataFrame:
    return pd.DataFrame({"period": pd.date_range(start, periods=len(numerators), freq="MS"),
                         "numerator": numerators, "denominator": denominators})


def flagged(result, signal: str) -> list[int]:
    return [i for i, names in enumerate(result.points["signals"]) if signal in names]


# --- XmR: centre, MR̄, limits -------------------------------------------------------------------------------
XMR = [5, 7, 6, 8, 6, 7, 5, 6, 8, 7, 6, 7]
# sum = 78 -> mean 6.5
# moving ranges 2,1,2,2,1,2,1,2,1,1,1 -> sum 16 over 11 -> MR̄ = 16/11 = 1.454545
# limits 6.5 ± 2.66 * 16/11 = 6.5 ± 3.869091 -> 2.630909 .. 10.369091
XMR_MEAN, XMR_MRBAR = 6.5, 16 / 11


def test_xmr_centre_and_limits_by_hand():
    result = analyse(monthly(XMR), chart="xmr")
    points = result.points
    assert points["centre"].tolist() == pytest.approx([6.5] * 12)
    assert points["lower"].tolist() == pytest.approx([2.630909] * 12, abs=1e-6)
    assert points["upper"].tolist() == pytest.approx([10.369091] * 12, abs=1e-6)
    assert result.summary["rule_set"] == "mdc"
    assert all(not names for names in points["signals"])
    assert set(points["point_type"]) == {"common_cause"}
    assert result.summary["variation"] == "common_cause"


def test_xmr_limits_ignore_order_of_input_rows():
    # rows are sorted by period before the moving ranges are taken
    frame = monthly(XMR).iloc[::-1].reset_index(drop=True)
    result = analyse(frame, chart="xmr")
    assert result.points["value"].tolist() == XMR
    assert result.points["upper"].iloc[0] == pytest.approx(XMR_MEAN + 2.66 * XMR_MRBAR)


# --- moving-range screening ---------------------------------------------------------------------------------
SCREEN = [10, 11, 10, 11, 10, 15, 14, 15, 14, 34, 14, 15]
# sum = 173 -> mean 14.416667
# moving ranges 1,1,1,1,5,1,1,1,20,20,1 -> sum 53 -> MR̄ = 53/11 = 4.818182
# screening: 3.267 * 4.818182 = 15.74 -> drop the two 20s; kept 1*8 + 5 = 13 over 9 -> MR̄ = 1.444444
# once only: a second pass would drop the 5 (3.267 * 1.444 = 4.72 < 5), but screening recomputes once.
SCREEN_MEAN = 173 / 12


def test_screening_is_off_by_default():
    result = analyse(monthly(SCREEN), chart="xmr")
    half_width = 2.66 * 53 / 11  # 12.816364
    assert result.points["centre"].iloc[0] == pytest.approx(SCREEN_MEAN)
    assert result.points["upper"].iloc[0] == pytest.approx(SCREEN_MEAN + half_width)
    assert result.points["lower"].iloc[0] == pytest.approx(SCREEN_MEAN - half_width)


def test_screening_drops_large_moving_ranges_and_recomputes_once():
    result = analyse(monthly(SCREEN), chart="xmr", screen_moving_ranges=True)
    half_width = 2.66 * 13 / 9  # 3.842222
    assert result.points["centre"].iloc[0] == pytest.approx(SCREEN_MEAN)  # the mean is not screened
    assert result.points["upper"].iloc[0] == pytest.approx(SCREEN_MEAN + half_width)  # 18.258889
    assert result.points["lower"].iloc[0] == pytest.approx(SCREEN_MEAN - half_width)  # 10.574444
    assert 9 in flagged(result, "outside_limits")  # 34 is far outside the screened limits


def test_screening_keeps_a_moving_range_at_or_below_the_threshold():
    # x = 10,11,10,11,10,14,15,14,15,14,15,14: moving ranges ten 1s and one 4 -> MR̄ = 14/11 = 1.272727;
    # 3.267 * 1.272727 = 4.158 >= 4 -> nothing is dropped: screened limits = unscreened limits.
    values = [10, 11, 10, 11, 10, 14, 15, 14, 15, 14, 15, 14]  # sum 153 -> mean 12.75
    for screen in (False, True):
        result = analyse(monthly(values), chart="xmr", screen_moving_ranges=screen)
        assert result.points["upper"].iloc[0] == pytest.approx(12.75 + 2.66 * 14 / 11)


def test_screening_drops_a_moving_range_just_above_the_threshold():
    # the 4 becomes 4.3: MR̄ = 14.3/11 = 1.3; 3.267 * 1.3 = 4.2471 < 4.3 -> dropped; MR̄ = 10/10 = 1.
    # sum 52 + 4*14.3 + 3*15.3 = 155.1 -> mean 12.925
    values = [10, 11, 10, 11, 10, 14.3, 15.3, 14.3, 15.3, 14.3, 15.3, 14.3]
    result = analyse(monthly(values), chart="xmr", screen_moving_ranges=True)
    assert result.points["upper"].iloc[0] == pytest.approx(12.925 + 2.66)
    assert result.points["lower"].iloc[0] == pytest.approx(12.925 - 2.66)


# --- trial limits and frozen baselines ----------------------------------------------------------------------
def test_fewer_than_twelve_points_are_trial_limits():
    assert analyse(monthly(XMR[:11]), chart="xmr").summary["trial_limits"] is True
    assert analyse(monthly(XMR), chart="xmr").summary["trial_limits"] is False


def test_trial_limits_follow_the_baseline_not_the_series():
    series = XMR + XMR  # 24 points
    assert analyse(monthly(series), chart="xmr", baseline_points=11).summary["trial_limits"] is True
    assert analyse(monthly(series), chart="xmr", baseline_points=12).summary["trial_limits"] is False


def test_baseline_frozen_on_the_first_k_points_and_extended():
    # first 4 points 10,12,11,13: mean 11.5; moving ranges 2,1,2 -> MR̄ 5/3; limits 11.5 ± 4.433333
    # -> 7.066667 .. 15.933333 for every point, including the later 30 (outside) and 5 (outside).
    values = [10, 12, 11, 13, 12, 30, 11, 5, 12, 11]
    result = analyse(monthly(values), chart="xmr", baseline_points=4)
    assert result.points["centre"].tolist() == pytest.approx([11.5] * 10)
    assert result.points["upper"].tolist() == pytest.approx([15.933333] * 10, abs=1e-6)
    assert result.points["lower"].tolist() == pytest.approx([7.066667] * 10, abs=1e-6)
    assert flagged(result, "outside_limits") == [5, 7]
    assert result.summary["trial_limits"] is True  # 4 < 12 baseline points


# --- phases -------------------------------------------------------------------------------------------------
# phase 1 (Jan-Aug 2024): 9,11,9,11,12,11,12,11 -> mean 86/8 = 10.75
#   moving ranges 2,2,2,1,1,1,1 -> 10/7 -> limits 10.75 ± 2.66*10/7 = 10.75 ± 3.8 -> 6.95 .. 14.55
# phase 2 (Sep 2024-Apr 2025): 22,21,22,18,19,18,22,18 -> mean 160/8 = 20
#   moving ranges (within the phase only) 1,1,4,1,1,4,4 -> 16/7 -> 20 ± 6.08 -> 13.92 .. 26.08
# sides against their own centre: phase 1 - + - + + + + +, phase 2 + + + - - - + -
#   -> 5 above at the end of phase 1 and 3 above at the start of phase 2: 8 if rules ran across.
PHASED = [9, 11, 9, 11, 12, 11, 12, 11, 22, 21, 22, 18, 19, 18, 22, 18]


def test_each_phase_has_its_own_centre_and_limits():
    result = analyse(monthly(PHASED), chart="xmr", phase_starts=["2024-09-01"])
    points = result.points
    assert points["centre"].tolist() == pytest.approx([10.75] * 8 + [20.0] * 8)
    assert points["lower"].tolist() == pytest.approx([6.95] * 8 + [13.92] * 8)
    assert points["upper"].tolist() == pytest.approx([14.55] * 8 + [26.08] * 8)


def test_rules_do_not_run_across_a_phase_boundary():
    result = analyse(monthly(PHASED), chart="xmr", rules="mdc", phase_starts=["2024-09-01"])
    assert flagged(result, "shift") == []
    assert all(not names for names in result.points["signals"])


def test_summary_describes_the_last_phase():
    # phase 2 lower limit 13.92; target 13.5 with higher-is-better: 13.5 <= 13.92 -> pass
    # (phase 1's limits 6.95 .. 14.55 would give hit and miss).
    result = analyse(monthly(PHASED), chart="xmr", phase_starts=["2024-09-01"], direction="up", target=13.5)
    assert result.summary["assurance"] == "pass"
    assert result.summary["trial_limits"] is True  # 8 baseline points in the last phase
    # without the phase: one centre 15.375 for all 16 points
    whole = analyse(monthly(PHASED), chart="xmr")
    assert whole.points["centre"].tolist() == pytest.approx([246 / 16] * 16)


def test_baseline_points_freeze_each_phase():
    # phase 1 first 4: 9,11,9,11 -> mean 10, MR̄ 2 -> 4.68 .. 15.32
    # phase 2 first 4: 22,21,22,18 -> mean 20.75, moving ranges 1,1,4 -> MR̄ 2 -> 15.43 .. 26.07
    result = analyse(monthly(PHASED), chart="xmr", phase_starts=["2024-09-01"], baseline_points=4)
    assert result.points["centre"].tolist() == pytest.approx([10.0] * 8 + [20.75] * 8)
    assert result.points["lower"].tolist() == pytest.approx([4.68] * 8 + [15.43] * 8)
    assert result.points["upper"].tolist() == pytest.approx([15.32] * 8 + [26.07] * 8)


def test_run_chart_phases_use_each_phase_median():
    # phase 1 median of 9,11,9,11,12,11,12,11 = 11; phase 2 median of 22,21,22,18,19,18,22,18 = (19+21)/2 = 20
    result = analyse(monthly(PHASED), chart="run", phase_starts=["2024-09-01"])
    assert result.points["centre"].tolist() == [11.0] * 8 + [20.0] * 8


# --- p chart ------------------------------------------------------------------------------------------------
def test_p_chart_limits_per_subgroup_size_clipped_at_zero():
    # p̄ = (20+5+8+7)/(100+50+25+25) = 40/200 = 0.2; p̄(1-p̄) = 0.16
    #   n=100: sqrt(0.0016) = 0.04 -> 0.2 ± 0.12 = 0.08 .. 0.32
    #   n=50:  sqrt(0.0032) = 0.0565685 -> 0.2 ± 0.1697056 = 0.0302944 .. 0.3697056
    #   n=25:  sqrt(0.0064) = 0.08 -> 0.2 ± 0.24 = -0.04 -> 0 .. 0.44
    result = analyse(counts([20, 5, 8, 7], [100, 50, 25, 25]), chart="p")
    points = result.points
    assert points["value"].tolist() == pytest.approx([0.2, 0.1, 0.32, 0.28])
    assert points["centre"].tolist() == pytest.approx([0.2] * 4)
    assert points["lower"].tolist() == pytest.approx([0.08, 0.0302944, 0.0, 0.0], abs=1e-6)
    assert points["upper"].tolist() == pytest.approx([0.32, 0.3697056, 0.44, 0.44], abs=1e-6)
    assert result.summary["rule_set"] == "mdc"


def test_p_chart_upper_limit_clipped_at_one():
    # p̄ = (80+4+3+9)/(100+4+4+12) = 96/120 = 0.8; p̄(1-p̄) = 0.16
    #   n=100: 0.8 ± 0.12 = 0.68 .. 0.92
    #   n=4:   sqrt(0.04) = 0.2 -> 0.8 ± 0.6 = 0.2 .. 1.4 -> 1
    #   n=12:  sqrt(0.013333) = 0.1154701 -> 0.8 ± 0.3464102 = 0.4535898 .. 1.1464102 -> 1
    result = analyse(counts([80, 4, 3, 9], [100, 4, 4, 12]), chart="p")
    assert result.points["lower"].tolist() == pytest.approx([0.68, 0.2, 0.2, 0.4535898], abs=1e-6)
    assert result.points["upper"].tolist() == pytest.approx([0.92, 1.0, 1.0, 1.0], abs=1e-6)


def test_p_chart_signals_use_each_point_own_limits():
    # baseline = the 4 points above (p̄ 0.2); then 33/100 = 0.33 > 0.32 (its limit at n=100) -> outside,
    # and 10/25 = 0.40 <= 0.44 (its limit at n=25) -> inside, though higher.
    result = analyse(counts([20, 5, 8, 7, 33, 10], [100, 50, 25, 25, 100, 25]), chart="p", baseline_points=4)
    assert result.points["centre"].tolist() == pytest.approx([0.2] * 6)
    assert flagged(result, "outside_limits") == [4]


def test_p_chart_multiplier_scales_values_centre_and_limits():
    # per cent: p̄ 20 %, n=100 limits 8 % .. 32 %
    result = analyse(counts([20, 5, 8, 7], [100, 50, 25, 25]), chart="p", multiplier=100)
    assert result.points["value"].iloc[0] == pytest.approx(20.0)
    assert result.points["centre"].iloc[0] == pytest.approx(20.0)
    assert (result.points["lower"].iloc[0], result.points["upper"].iloc[0]) == pytest.approx((8.0, 32.0))
    assert result.points["upper"].iloc[2] == pytest.approx(44.0)


# --- u chart ------------------------------------------------------------------------------------------------
def test_u_chart_limits_lower_clipped_at_zero_per_thousand():
    # ū = (3+8+1+12)/(1000+2000+500+2500) = 24/6000 = 0.004 -> 4 per 1,000
    #   n=1000: sqrt(0.004/1000) = 0.002 -> ± 0.006 -> -0.002 -> 0 .. 0.010 -> 0 .. 10 per 1,000
    #   n=2000: sqrt(2e-6) = 0.00141421 -> ± 0.00424264 -> 0 .. 8.24264 per 1,000
    #   n=500:  sqrt(8e-6) = 0.00282843 -> ± 0.00848528 -> 0 .. 12.48528 per 1,000
    #   n=2500: sqrt(1.6e-6) = 0.00126491 -> ± 0.00379473 -> 0.20527 .. 7.79473 per 1,000 (not clipped)
    result = analyse(counts([3, 8, 1, 12], [1000, 2000, 500, 2500]), chart="u", multiplier=1000)
    points = result.points
    assert points["value"].tolist() == pytest.approx([3.0, 4.0, 2.0, 4.8])
    assert points["centre"].tolist() == pytest.approx([4.0] * 4)
    assert points["lower"].tolist() == pytest.approx([0.0, 0.0, 0.0, 0.20527], abs=1e-5)
    assert points["upper"].tolist() == pytest.approx([10.0, 8.24264, 12.48528, 7.79473], abs=1e-5)


def test_u_chart_upper_limit_is_not_clipped():
    # ū = 3/2 = 1.5 per unit; n=1: 1.5 + 3*sqrt(1.5) = 5.174235 (a rate may exceed 1)
    result = analyse(counts([2, 1], [1, 1]), chart="u")
    assert result.points["upper"].tolist() == pytest.approx([5.174235] * 2, abs=1e-6)
    assert result.points["lower"].tolist() == pytest.approx([0.0, 0.0])


# --- Laney p′ -----------------------------------------------------------------------------------------------
def test_laney_p_prime_limits():
    # p̄ = (50+140+20+80)/(1000+2000+500+1000) = 290/4500 = 0.0644444
    # sigma_i = sqrt(p̄(1-p̄)/n_i): 0.00776475 (n=1000), 0.00549051 (2000), 0.01098102 (500)
    # z = (p_i - p̄)/sigma_i: (0.05-p̄)/0.00776475 = -1.860259, (0.07-p̄)/0.00549051 = 1.011847,
    #     (0.04-p̄)/0.01098102 = -2.226064, (0.08-p̄)/0.00776475 = 2.003355
    # |Δz| = 2.872106, 3.237911, 4.229419 -> mean 3.446479 -> sigma_z = 3.446479/1.128 = 3.055389
    # limits p̄ ± 3 * sigma_i * sigma_z:
    #   n=1000: ± 0.0711730 -> 0 (clipped) .. 0.1356174;  n=2000: ± 0.0503269 -> 0.0141175 .. 0.1147714
    #   n=500:  ± 0.1006538 -> 0 (clipped) .. 0.1650983
    result = analyse(counts([50, 140, 20, 80], [1000, 2000, 500, 1000]), chart="p_prime")
    points = result.points
    assert points["centre"].tolist() == pytest.approx([290 / 4500] * 4)
    assert points["upper"].tolist() == pytest.approx([0.1356174, 0.1147714, 0.1650983, 0.1356174], abs=1e-6)
    assert points["lower"].tolist() == pytest.approx([0.0, 0.0141175, 0.0, 0.0], abs=1e-6)


def test_laney_sigma_z_by_formula():
    # the same data, with the formula written out: sigma_z = mean |Δz| / 1.128
    num, den = [50, 140, 20, 80], [1000, 2000, 500, 1000]
    p_bar = sum(num) / sum(den)
    sigma = [math.sqrt(p_bar * (1 - p_bar) / n) for n in den]
    z = [(a / n - p_bar) / s for a, n, s in zip(num, den, sigma, strict=True)]
    sigma_z = sum(abs(b - a) for a, b in zip(z, z[1:], strict=False)) / 3 / 1.128
    result = analyse(counts(num, den), chart="p_prime")
    assert result.points["upper"].tolist() == pytest.approx([p_bar + 3 * s * sigma_z for s in sigma])


# --- point types, variation, assurance ----------------------------------------------------------------------
# Baseline (frozen, 12 points): 11,9 alternating -> mean 10, MR̄ 2, limits 4.68 .. 15.32.
BASE = [11, 9] * 6


def xmr_tail(tail, **kwargs):
    return analyse(monthly(BASE + list(tail)), chart="xmr", baseline_points=12, **kwargs)


@pytest.mark.parametrize(("direction", "high_type", "low_type"), [
    ("up", "improvement", "concern"), ("down", "concern", "improvement"), ("none", "neutral", "neutral")])
def test_point_type_follows_the_direction(direction, high_type, low_type):
    # 16 above the upper limit, 10.5 common cause, 4 below the lower limit
    result = xmr_tail([16, 10.5, 4], direction=direction)
    assert result.points["point_type"].tolist()[12:] == [high_type, "common_cause", low_type]
    assert set(result.points["point_type"].iloc[:12]) == {"common_cause"}


@pytest.mark.parametrize(("tail", "direction", "variation"), [
    ([10.5], "up", "common_cause"),
    ([16], "up", "improvement_high"),
    ([4], "down", "improvement_low"),
    ([16], "down", "concern_high"),
    ([4], "up", "concern_low"),
    ([16], "none", "neutral_high"),
    ([4], "none", "neutral_low"),
])
def test_variation_from_the_most_recent_point(tail, direction, variation):
    assert xmr_tail([10.5, *tail], direction=direction).summary["variation"] == variation


def test_variation_is_the_most_recent_point_not_an_earlier_one():
    # an earlier point is outside, the last one is common cause
    assert xmr_tail([16, 10.5], direction="up").summary["variation"] == "common_cause"


def test_variation_of_a_rising_trend_is_high():
    # 8, 8.5, 9, 9.5, 10.5, 11, 11.5 is an MDC trend of seven; the last point is part of it, rising.
    result = xmr_tail([8, 8.5, 9, 9.5, 10.5, 11, 11.5], direction="down")
    assert result.points["point_type"].iloc[-1] == "concern"
    assert result.summary["variation"] == "concern_high"


def test_variation_of_a_run_below_is_low():
    # seven points below the mean, 9 and 8.5 alternating (not close: > 6.4533)
    result = xmr_tail([8.5, 9, 8.5, 9, 8.5, 9, 8.5], direction="up")
    assert result.summary["variation"] == "concern_low"


def test_variation_is_null_with_too_few_points():
    assert analyse(monthly([5]), chart="xmr").summary["variation"] is None


@pytest.mark.parametrize(("direction", "target", "assurance"), [
    # limits 4.68 .. 15.32
    ("up", 4.0, "pass"),  # target <= lower limit: consistently passes
    ("up", 16.0, "fail"),  # target > upper limit: consistently fails
    ("up", 10.0, "hit_and_miss"),
    ("down", 16.0, "pass"),  # mirrored: target >= upper limit
    ("down", 4.0, "fail"),  # target < lower limit
    ("down", 10.0, "hit_and_miss"),
])
def test_assurance_both_directions(direction, target, assurance):
    assert xmr_tail([10.5], direction=direction, target=target).summary["assurance"] == assurance


def test_assurance_boundaries():
    assert assurance_of(5.0, "up", 5.0, 15.0) == "pass"  # target == lower: passes
    assert assurance_of(15.0, "up", 5.0, 15.0) == "hit_and_miss"  # target == upper is not above it
    assert assurance_of(15.0, "down", 5.0, 15.0) == "pass"
    assert assurance_of(5.0, "down", 5.0, 15.0) == "hit_and_miss"


def test_assurance_needs_target_and_direction_and_limits():
    assert xmr_tail([10.5], direction="up").summary["assurance"] is None  # no target
    assert xmr_tail([10.5], direction="none", target=4.0).summary["assurance"] is None  # no direction
    run = analyse(monthly(BASE + [10.5]), chart="run", direction="up", target=4.0)
    assert run.summary["assurance"] is None  # a run chart has no limits


def test_assurance_on_a_p_chart_uses_the_last_point_limits():
    # p̄ = 65/325 = 0.2; the last point has n=25: limits 0 .. 0.44 (at n=100 they would be 0.08 .. 0.32).
    # Lower is better: target 0.45 >= 0.44 -> pass; target 0.40 < 0.44 -> hit and miss (it would pass
    # against the n=100 limits, so this tells the last point's own limits apart).
    frame = counts([20, 5, 8, 7, 20, 5], [100, 50, 25, 25, 100, 25])
    assert analyse(frame, chart="p", direction="down", target=0.45).summary["assurance"] == "pass"
    assert analyse(frame, chart="p", direction="down", target=0.40).summary["assurance"] == "hit_and_miss"


# --- astronomical points ------------------------------------------------------------------------------------
def test_astronomical_points_are_marked_by_the_user():
    values = [11, 9] * 6 + [12]
    result = analyse(monthly(values), chart="run", astronomical=["2025-01-01"], direction="up")
    assert flagged(result, "astronomical") == [12]
    # median of six 9s, six 11s and 12 = 11 (the 7th value); 12 is above it and higher is better
    assert result.points["point_type"].iloc[12] == "improvement"


def test_astronomical_is_never_automatic():
    # a huge value nobody marked is no astronomical signal
    result = analyse(monthly([11, 9] * 6 + [500]), chart="run")
    assert flagged(result, "astronomical") == []


def test_astronomical_on_an_xmr_chart():
    result = xmr_tail([10.5, 9.5], astronomical=["2025-01-01"], direction="down")
    assert flagged(result, "astronomical") == [12]
    # 10.5 is above the mean 10 and lower is better -> a concern
    assert result.points["point_type"].iloc[12] == "concern"


def test_phase_start_between_periods_opens_the_phase_at_the_next_point():
    # a phase named for 15 August 2024 starts with the September point: same split as above
    result = analyse(monthly(PHASED), chart="xmr", phase_starts=["2024-08-15"])
    assert result.points["centre"].tolist() == pytest.approx([10.75] * 8 + [20.0] * 8)


def test_trend_does_not_run_across_a_phase_boundary():
    # phase 1: 10,12,10,12,10,11,12,13 (ends with four rising: 10,11,12,13)
    # phase 2: 14,15,16,14,16,14,16,14 (starts with three rising: 14,15,16)
    # across the boundary 10,11,12,13,14,15,16 would be a trend of seven (MDC)
    values = [10, 12, 10, 12, 10, 11, 12, 13, 14, 15, 16, 14, 16, 14, 16, 14]
    assert flagged(analyse(monthly(values), chart="xmr"), "trend") == [4, 5, 6, 7, 8, 9, 10]  # control: one phase
    result = analyse(monthly(values), chart="xmr", phase_starts=["2024-09-01"])
    assert flagged(result, "trend") == []


def test_p_chart_zero_on_a_clipped_lower_limit_is_not_outside():
    # p̄ = (20+5+8+0)/(100+50+25+25) = 33/200 = 0.165; n=25: 0.165 - 3*sqrt(0.165*0.835/25) = 0.165 - 0.2227 < 0
    # -> lower limit clipped to 0; the value 0 is on it, not below it.
    result = analyse(counts([20, 5, 8, 0], [100, 50, 25, 25]), chart="p")
    assert result.points["lower"].iloc[3] == 0.0
    assert flagged(result, "outside_limits") == []


def test_p_chart_two_of_three_uses_each_point_band():
    # baseline: 20/100, 5/50, 8/25, 7/25 -> p̄ 0.2 (limits at n=100: 0.08 .. 0.32, 2-sigma band up to 0.28;
    # at n=25: up to 0.44, band up to 0.36). Then 30/100 = 0.30 (close at n=100), 8/25 = 0.32 (not close
    # at n=25, though higher), 29/100 = 0.29 (close) -> the two n=100 points are flagged, all three above 0.2.
    frame = counts([20, 5, 8, 7, 30, 8, 29], [100, 50, 25, 25, 100, 25, 100])
    result = analyse(frame, chart="p", baseline_points=4)
    assert flagged(result, "two_of_three") == [4, 6]
    assert flagged(result, "outside_limits") == []


def test_u_chart_target_in_multiplied_units():
    # from the u chart above: last point (n=2500) limits 0.20527 .. 7.79473 per 1,000
    frame = counts([3, 8, 1, 12, 3, 8], [1000, 2000, 500, 2500, 1000, 2000])
    # ū = 35/9000 = 0.0038889 -> 3.8889 per 1,000; last n=2000: 3*sqrt(0.0038889/2000) = 0.0041833
    # -> lower -0.000294 -> 0, upper 8.0722 per 1,000. Higher is better: target 8.5 > 8.07 -> fail;
    # target 5 -> hit and miss. (In unscaled units 5 and 8.5 would both be above 0.008 -> fail.)
    assert analyse(frame, chart="u", multiplier=1000, direction="up", target=8.5).summary["assurance"] == "fail"
    assert analyse(frame, chart="u", multiplier=1000, direction="up", target=5).summary["assurance"] == "hit_and_miss"


def test_laney_u_prime_limits():
    # counts 30, 50, 20, 60 over 10,000 each -> ū = 160/40000 = 0.004; sigma_i = sqrt(0.004/10000) = 0.000632456
    # z = (0.003-0.004)/0.000632456 = -1.581139, 1.581139, -3.162278, 3.162278
    # |Δz| = 3.162278, 4.743417, 6.324555 -> mean 4.743417 -> sigma_z = 4.743417/1.128 = 4.205157
    # limits 0.004 ± 3*0.000632456*4.205157 = 0.004 ± 0.0079787 -> 0 (clipped) .. 0.0119787
    result = analyse(counts([30, 50, 20, 60], [10000] * 4), chart="u_prime")
    assert result.points["upper"].tolist() == pytest.approx([0.0119787] * 4, abs=1e-6)
    assert result.points["lower"].tolist() == pytest.approx([0.0] * 4)
