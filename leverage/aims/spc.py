"""Run charts and Shewhart (SPC) charts, read the way IHI and NHS "Making Data Count" (MDC) teach boards.

One function, `analyse`, computes a chart: centre and limits per phase, the special-cause rules of the
chosen rule set, each point's type, and the MDC variation and assurance summary. The chart drawing,
the Board page's icons, the CLI and exports all read its result, so they can never disagree.

The arithmetic works on NumPy arrays (a board's 1,000-aim batch must take well under a second);
`analyse` wraps the result in a DataFrame for callers. Thresholds are parameters with the published
defaults; see `RULE_SETS` and `rule_parameters`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from leverage.aims.spc_settings import (  # noqa: F401  (re-exported: callers import them from here)
    ATTRIBUTE_CHARTS,
    CHART_NAMES,
    CHARTS,
    DEFAULT_RULES,
    DIRECTIONS,
    RULE_SET_NAMES,
    RULE_SETS,
    RULES_FOR_CHART,
    rules_problem,
)
from leverage.core.i18n import _

SIGNALS = ("outside_limits", "shift", "trend", "two_of_three", "inner_third", "long_run", "astronomical")
POINT_TYPES = ("common_cause", "improvement", "concern", "neutral")
VARIATIONS = ("common_cause", "improvement_high", "improvement_low", "concern_high", "concern_low",
              "neutral_high", "neutral_low", "neutral")  # "neutral": a special cause with no side (inner third)
ASSURANCES = ("pass", "fail", "hit_and_miss")

E2 = 2.66  # XmR: 3 sigma = 2.66 x mean moving range
D4 = 3.267  # upper limit of the moving-range chart, used to screen moving ranges
D2 = 1.128  # Laney: sigma of the z-scores = mean moving range of z / d2
MIN_RUNS_USEFUL = 10  # fewer useful observations: the runs / crossings analysis is not applied
MIN_BASELINE_XMR = 12  # fewer baseline points on an XmR chart: limits are trial limits
MIN_SUMMARY_POINTS = 6  # fewer points in the current phase: no variation or assurance icon
_RELATIVE_TOLERANCE = 1e-9  # a value this close to the centre is "on" it (float noise from means)


class SpcError(ValueError):
    """A chart that cannot be computed as asked (unknown chart or rule set, missing data)."""


@dataclass(frozen=True)
class RuleParameters:
    """The thresholds of one rule set on one kind of chart (all default to the published values)."""

    outside_limits: bool
    shift_length: int | None  # consecutive points on one side of the centre
    shift_skips_centre: bool  # True: points on the centre neither count nor break (IHI); False: they break (MDC)
    trend_length: int | None  # consecutive points each higher (or lower) than the one before
    trend_skips_ties: bool  # True: equal neighbours count once (IHI); False: an equal value breaks (MDC)
    two_of_three: bool
    two_of_three_all_same_side: bool  # MDC: all three points on one side; IHI: the two close points
    inner_third_length: int | None  # IHI: 15 consecutive points within the inner third
    runs_test: bool  # IHI run chart: too few / too many runs (Swed–Eisenhart)
    anhoej: bool  # Anhøj: unusually long run, too few crossings
    runs_alpha: float = 0.025  # each tail of the Swed–Eisenhart distribution
    crossings_quantile: float = 0.05  # of Binomial(u - 1, 0.5)


def rule_parameters(rule_set: str, chart: str) -> RuleParameters:
    """The published thresholds for `rule_set` on `chart` (run charts have no limits)."""
    if rule_set not in RULE_SETS:
        raise SpcError(f"unknown rule set {rule_set!r}; choose one of {', '.join(RULE_SETS)}")
    if chart not in CHARTS:
        raise SpcError(f"unknown chart {chart!r}; choose one of {', '.join(CHARTS)}")
    problem = rules_problem(chart, rule_set)
    if problem:
        raise SpcError(problem)
    limits = chart != "run"
    if rule_set == "ihi":
        return RuleParameters(
            outside_limits=limits, shift_length=8 if limits else 6, shift_skips_centre=True,
            trend_length=6 if limits else 5, trend_skips_ties=True, two_of_three=limits,
            two_of_three_all_same_side=False, inner_third_length=15 if limits else None,
            runs_test=not limits, anhoej=False)
    if rule_set == "mdc":  # Shewhart charts only (see RULES_FOR_CHART)
        return RuleParameters(
            outside_limits=limits, shift_length=7, shift_skips_centre=False, trend_length=7,
            trend_skips_ties=False, two_of_three=limits, two_of_three_all_same_side=True,
            inner_third_length=None, runs_test=False, anhoej=False)
    return RuleParameters(  # Anhøj: runs analysis around the centre (plus the limits on a Shewhart chart)
        outside_limits=limits, shift_length=None, shift_skips_centre=True, trend_length=None,
        trend_skips_ties=True, two_of_three=False, two_of_three_all_same_side=False,
        inner_third_length=None, runs_test=False, anhoej=True)


# --- run-length helpers ----------------------------------------------------------------------------
def _run_starts_lengths(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(a)
    if n == 0:
        return np.empty(0, dtype=int), np.empty(0, dtype=int)
    starts = np.concatenate(([0], np.flatnonzero(a[1:] != a[:-1]) + 1))
    return starts, np.diff(np.concatenate((starts, [n])))


def _long_runs(a: np.ndarray, min_length: int, ignore: object = 0) -> np.ndarray:
    """Mask of elements in runs of equal values at least `min_length` long (runs of `ignore` excluded)."""
    starts, lengths = _run_starts_lengths(a)
    keep = (lengths >= min_length) & (a[starts] != ignore) if len(a) else np.empty(0, dtype=bool)
    return np.repeat(keep, lengths)


def _side_runs(side: np.ndarray, min_length: int, skip_centre: bool) -> np.ndarray:
    """Points in runs of >= min_length on one side; `skip_centre` lets on-centre points neither count nor break."""
    if not skip_centre:
        return _long_runs(side, min_length)
    out = np.zeros(len(side), dtype=bool)
    useful = np.flatnonzero(side != 0)
    out[useful] = _long_runs(side[useful], min_length)
    return out


def _trends(values: np.ndarray, min_length: int, skip_ties: bool, close: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mask, direction) of points in runs of >= min_length points each higher (+1) or lower (-1) than the last.

    With `skip_ties` a value equal to the one before is merged with it (it neither makes nor breaks a
    trend, and is flagged with its group); otherwise it breaks the trend.
    """
    n = len(values)
    mask = np.zeros(n, dtype=bool)
    direction = np.zeros(n, dtype=int)
    if n < 2:
        return mask, direction
    if skip_ties:
        new_group = np.concatenate(([True], ~close))
        group = np.cumsum(new_group) - 1
        kept = values[new_group]
    else:
        group = np.arange(n)
        kept = values
    steps = np.sign(np.diff(kept)).astype(int)
    if not skip_ties:
        steps[close] = 0
    starts, lengths = _run_starts_lengths(steps)
    flagged_groups = np.zeros(len(kept), dtype=bool)
    group_dir = np.zeros(len(kept), dtype=int)
    for start, length in zip(starts, lengths, strict=True):
        if steps[start] != 0 and length + 1 >= min_length:
            flagged_groups[start:start + length + 1] = True
            group_dir[start:start + length + 1] = steps[start]
    mask = flagged_groups[group]
    direction = group_dir[group]
    return mask, direction


# --- runs analysis: Swed–Eisenhart (IHI) and Anhøj ----------------------------------------------------
@lru_cache(maxsize=512)
def runs_limits(useful: int, alpha: float = 0.025) -> tuple[int, int]:
    """(L, U): fewer than L or more than U runs is a signal, from the exact Swed–Eisenhart distribution.

    n1 = floor(u/2), n2 = ceil(u/2); L is the smallest r with P(R <= r) > alpha, U the largest r with
    P(R >= r) > alpha. Reproduces the published u=10: 3–9 and u=30: 11–21.
    """
    n1, n2 = useful // 2, useful - useful // 2
    total = math.comb(n1 + n2, n1)
    probabilities = {}
    for r in range(2, n1 + n2 + 1):
        k, odd = divmod(r, 2)
        if not odd:
            ways = 2 * math.comb(n1 - 1, k - 1) * math.comb(n2 - 1, k - 1)
        else:
            ways = math.comb(n1 - 1, k) * math.comb(n2 - 1, k - 1) + math.comb(n1 - 1, k - 1) * math.comb(n2 - 1, k)
        probabilities[r] = ways / total
    rs = sorted(probabilities)
    cumulative, lower = 0.0, rs[0]
    for r in rs:
        cumulative += probabilities[r]
        if cumulative > alpha:
            lower = r
            break
    cumulative, upper = 0.0, rs[-1]
    for r in reversed(rs):
        cumulative += probabilities[r]
        if cumulative > alpha:
            upper = r
            break
    return lower, upper


def longest_run_limit(useful: int) -> int:
    """Anhøj: a run longer than round(log2(u) + 3) is unusually long."""
    return round(math.log2(useful) + 3)


@lru_cache(maxsize=512)
def crossings_limit(useful: int, quantile: float = 0.05) -> int:
    """Anhøj: fewer crossings than qbinom(0.05, u - 1, 0.5) is a signal (computed exactly, as R's qbinom)."""
    trials = useful - 1
    cumulative = 0.0
    for k in range(trials + 1):
        cumulative += math.comb(trials, k) / 2 ** trials
        if cumulative >= quantile * (1 - 64 * np.finfo(float).eps):  # R's qbinom fuzz
            return k
    return trials


# --- the analysis -------------------------------------------------------------------------------------
@dataclass
class SeriesAnalysis:
    """Arrays for one chart, one entry per point (NaN lower/upper on run charts)."""

    value: np.ndarray
    centre: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    phase: np.ndarray
    baseline: np.ndarray
    signals: list[list[str]]
    point_type: list[str]
    summary: dict


def _phase_index(periods: np.ndarray, phase_starts: Sequence[np.datetime64]) -> np.ndarray:
    if len(phase_starts) == 0:
        return np.zeros(len(periods), dtype=int)
    starts = np.sort(np.array(phase_starts, dtype="datetime64[D]"))
    index = np.searchsorted(starts, periods, side="right")
    # renumber so phases that hold no point disappear: 0, 1, 2, ... in time order
    _values, renumbered = np.unique(index, return_inverse=True)
    return renumbered


def _limits_for_phase(chart: str, value: np.ndarray, numerator: np.ndarray | None, denominator: np.ndarray | None,
                      baseline: np.ndarray, screen: bool, notes: list[str]) -> tuple[float, np.ndarray]:
    """(centre, sigma per point) of one phase; sigma is NaN when it cannot be computed."""
    n = len(value)
    if chart == "run":
        return float(np.median(value[baseline])), np.full(n, np.nan)
    if chart == "xmr":
        base = value[baseline]
        centre = float(base.mean())
        moving = np.abs(np.diff(base))
        if len(moving) == 0:
            notes.append(_("One baseline point: no moving range, so no limits."))
            return centre, np.full(n, np.nan)
        mr_bar = float(moving.mean())
        if screen:
            kept = moving[moving <= D4 * mr_bar]
            if 0 < len(kept) < len(moving):
                notes.append(_("{n} moving range(s) above {d4}×MR̄ screened out.").format(n=len(moving) - len(kept),
                                                                                        d4=D4))
                mr_bar = float(kept.mean())
        return centre, np.full(n, E2 * mr_bar / 3)
    assert numerator is not None and denominator is not None
    base_den = denominator[baseline].sum()
    centre = float(numerator[baseline].sum() / base_den)
    if chart in ("p", "p_prime"):
        sigma = np.sqrt(centre * (1 - centre) / denominator)
    else:
        sigma = np.sqrt(centre / denominator)
    if chart in ("p_prime", "u_prime"):
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (value[baseline] - centre) / sigma[baseline]
        if len(z) < 2 or not np.all(np.isfinite(z)):
            notes.append(_("Laney adjustment not possible (fewer than two baseline points or zero sigma): "
                           "unadjusted limits shown."))
        else:
            sigma = sigma * (np.abs(np.diff(z)).mean() / D2)
    return centre, sigma


def analyse_arrays(periods: np.ndarray, value: np.ndarray, chart: str = "xmr", rules: str | None = None,
                   direction: str = "none", target: float | None = None, baseline_points: int | None = None,
                   phase_starts: Sequence[np.datetime64] = (), astronomical: Iterable[np.datetime64] = (),
                   numerator: np.ndarray | None = None, denominator: np.ndarray | None = None,
                   screen_moving_ranges: bool = False, multiplier: float = 1.0,
                   parameters: RuleParameters | None = None) -> SeriesAnalysis:
    """The chart of one series, sorted by period; `value` is the proportion or rate on p/u charts.

    `multiplier` scales the values, centre and limits of p/u charts (100 for percent, 1,000 for per
    1,000 patient days); `target` is in those units.
    """
    rules = rules or DEFAULT_RULES.get(chart, "mdc")
    params = parameters or rule_parameters(rules, chart)
    if direction not in DIRECTIONS:
        raise SpcError(f"unknown direction {direction!r}; choose one of {', '.join(DIRECTIONS)}")
    n = len(value)
    periods = np.asarray(periods, dtype="datetime64[D]")
    value = np.asarray(value, dtype=float)
    if chart in ATTRIBUTE_CHARTS and (numerator is None or denominator is None):
        raise SpcError(f"a {chart} chart needs numerators and denominators")
    notes: list[str] = []
    phase = _phase_index(periods, phase_starts) if n else np.empty(0, dtype=int)
    centre = np.full(n, np.nan)
    sigma = np.full(n, np.nan)
    baseline = np.zeros(n, dtype=bool)
    signal_masks = {name: np.zeros(n, dtype=bool) for name in SIGNALS}
    side_by_signal: dict[str, np.ndarray] = {name: np.zeros(n, dtype=int) for name in SIGNALS}
    astronomical = list(astronomical)
    astro = (np.isin(periods, np.array(astronomical, dtype="datetime64[D]")) if astronomical
             else np.zeros(n, dtype=bool))
    numerator = None if numerator is None else np.asarray(numerator, dtype=float)
    denominator = None if denominator is None else np.asarray(denominator, dtype=float)
    phase_summaries = []
    for p in range(int(phase.max()) + 1 if n else 0):
        idx = np.flatnonzero(phase == p)
        m = len(idx)
        k = m if baseline_points is None else min(baseline_points, m)
        base = np.zeros(m, dtype=bool)
        base[:k] = True
        baseline[idx] = base
        v = value[idx]
        num = None if numerator is None else numerator[idx]
        den = None if denominator is None else denominator[idx]
        c, s = _limits_for_phase(chart, v, num, den, base, screen_moving_ranges, notes)
        centre[idx] = c
        sigma[idx] = s
        phase_summaries.append(_apply_rules(v, c, s, params, idx, signal_masks, side_by_signal, chart))
    signal_masks["astronomical"] |= astro
    scale = multiplier if chart in ATTRIBUTE_CHARTS else 1.0
    value_out, centre_out, sigma_out = value * scale, centre * scale, sigma * scale
    lower = centre_out - 3 * sigma_out
    upper = centre_out + 3 * sigma_out
    if chart in ("p", "p_prime"):
        lower, upper = np.clip(lower, 0, scale), np.clip(upper, 0, scale)
    elif chart in ("u", "u_prime"):
        lower = np.clip(lower, 0, None)
    side = _sides(value_out, centre_out)
    side_by_signal["astronomical"] = side.copy()
    for name in ("outside_limits", "shift", "two_of_three", "long_run"):
        side_by_signal[name] = side
    signals: list[list[str]] = [[] for _point in range(n)]
    any_signal = np.zeros(n, dtype=bool)
    for name in SIGNALS:
        any_signal |= signal_masks[name]
    point_side = [0] * n
    point_type = ["common_cause"] * n
    for i in np.flatnonzero(any_signal):
        signals[i] = [name for name in SIGNALS if signal_masks[name][i]]
        point_side[i] = _point_side(signals[i], side_by_signal, i)
        point_type[i] = _point_type(signals[i], point_side[i], direction)
    summary = _summary(chart, rules, params, direction, target, value_out, centre_out, lower, upper, phase,
                       baseline, point_type, point_side, phase_summaries[-1] if phase_summaries else None)
    summary["notes"] = notes + summary.pop("notes", [])
    return SeriesAnalysis(value=value_out, centre=centre_out, lower=lower, upper=upper, phase=phase,
                          baseline=baseline, signals=signals, point_type=point_type, summary=summary)


def _close(a: np.ndarray, b: np.ndarray | float) -> np.ndarray:
    """Equal within float noise (np.isclose's test, without its overhead on short arrays)."""
    return np.abs(a - b) <= 1e-12 + _RELATIVE_TOLERANCE * np.abs(b)


def _sides(value: np.ndarray, centre: np.ndarray | float) -> np.ndarray:
    """+1 above, -1 below, 0 on the centre (within float noise of a computed mean)."""
    return np.where(_close(value, centre), 0, np.sign(value - centre)).astype(int)


def _apply_rules(v: np.ndarray, c: float, sigma: np.ndarray, params: RuleParameters, idx: np.ndarray,
                 masks: dict[str, np.ndarray], sides: dict[str, np.ndarray], chart: str) -> dict:
    """Flag one phase's points in `masks` (global arrays, indexed by `idx`); return its runs analysis."""
    m = len(v)
    side = _sides(v, c)
    limits = np.isfinite(sigma) & (chart != "run")
    upper = c + 3 * sigma
    lower = c - 3 * sigma
    if chart in ("p", "p_prime"):
        upper, lower = np.minimum(upper, 1.0), np.maximum(lower, 0.0)
    elif chart in ("u", "u_prime"):
        lower = np.maximum(lower, 0.0)
    if params.outside_limits:
        masks["outside_limits"][idx] |= limits & ((v > upper) | (v < lower))
    if params.shift_length:
        masks["shift"][idx] |= _side_runs(side, params.shift_length, params.shift_skips_centre)
    if params.trend_length:
        close = _close(v[1:], v[:-1])
        mask, direction = _trends(v, params.trend_length, params.trend_skips_ties, close)
        masks["trend"][idx] |= mask
        sides["trend"][idx] = np.where(mask, direction, sides["trend"][idx])
    if params.two_of_three and m >= 3:
        masks["two_of_three"][idx] |= _two_of_three(v, c, sigma, upper, lower, side, limits,
                                                     params.two_of_three_all_same_side)
    if params.inner_third_length:
        inner = limits & (np.abs(v - c) <= sigma)
        masks["inner_third"][idx] |= _long_runs(inner, params.inner_third_length, ignore=False)
    useful_side = side[side != 0]
    u = len(useful_side)
    crossings = int(np.count_nonzero(useful_side[1:] != useful_side[:-1])) if u else 0
    longest = int(_run_starts_lengths(useful_side)[1].max()) if u else 0
    result = {"useful": u, "runs": crossings + 1 if u else 0, "crossings": crossings, "longest_run": longest,
              "runs_lower": None, "runs_upper": None, "longest_run_limit": None, "crossings_limit": None,
              "applied": u >= MIN_RUNS_USEFUL}
    if u >= MIN_RUNS_USEFUL and params.runs_test:
        result["runs_lower"], result["runs_upper"] = runs_limits(u, params.runs_alpha)
    if u >= MIN_RUNS_USEFUL and params.anhoej:
        limit = longest_run_limit(u)
        result["longest_run_limit"] = limit
        result["crossings_limit"] = crossings_limit(u, params.crossings_quantile)
        long_mask = np.zeros(m, dtype=bool)
        useful_idx = np.flatnonzero(side != 0)
        long_mask[useful_idx] = _long_runs(useful_side, limit + 1)
        masks["long_run"][idx] |= long_mask
    return result


def _two_of_three(v: np.ndarray, c: float, sigma: np.ndarray, upper: np.ndarray, lower: np.ndarray,
                  side: np.ndarray, limits: np.ndarray, all_same_side: bool) -> np.ndarray:
    """Close points (beyond 2 sigma, inside the limits) that are two of three consecutive on one side."""
    flagged = np.zeros(len(v), dtype=bool)
    for sign, close in ((1, limits & (v > c + 2 * sigma) & (v <= upper)),
                        (-1, limits & (v < c - 2 * sigma) & (v >= lower))):
        if np.count_nonzero(close) < 2:
            continue
        hit = (close[:-2].astype(int) + close[1:-1] + close[2:]) >= 2  # windows starting at 0..n-3
        if all_same_side:
            same = side == sign
            hit &= same[:-2] & same[1:-1] & same[2:]
        for start in np.flatnonzero(hit):
            flagged[start:start + 3] |= close[start:start + 3]
    return flagged


# NHSRplotthedots' order (ptd_special_cause_type in R/ptd_calculate_point_type.R): the first pattern that
# flags a point decides its side. Outside the limits (and a point a person marked astronomical) by the point's
# side of the centre; then a trend by its own direction; then two of three; then a shift (and Anhøj's long run,
# a shift by another name). The inner third has no side.
_SIDE_PRIORITY = ("outside_limits", "astronomical", "trend", "two_of_three", "shift", "long_run")


def _point_side(names: list[str], side_by_signal: dict[str, np.ndarray], i: int) -> int:
    """The side (+1 high, -1 low, 0 none) a flagged point signals: that of the first pattern, in
    NHSRplotthedots' priority, that flags it and has a side."""
    for name in _SIDE_PRIORITY:
        if name in names and side_by_signal[name][i] != 0:
            return int(side_by_signal[name][i])
    return 0


def _point_type(signals: list[str], side: int, direction: str) -> str:
    if not signals:
        return "common_cause"
    if direction == "none" or side == 0:
        return "neutral"
    good = 1 if direction == "up" else -1
    return "improvement" if side == good else "concern"


def variation_of(point_type: str, side: int) -> str:
    """MDC variation category of one point, from its type and the side its signal gives it.

    A neutral point with no side (flagged only by the IHI inner-third rule) is "neutral": neither high nor
    low, whatever the direction of improvement.
    """
    if point_type == "common_cause":
        return "common_cause"
    if side == 0:
        return "neutral"
    return f"{point_type}_{'high' if side > 0 else 'low'}"


def assurance_of(target: float | None, direction: str, lower: float, upper: float) -> str | None:
    """MDC assurance: will the process consistently meet the target? None without target, direction or limits."""
    if target is None or direction == "none" or not (np.isfinite(lower) and np.isfinite(upper)):
        return None
    if direction == "up":
        if target <= lower:
            return "pass"
        return "fail" if target > upper else "hit_and_miss"
    if target >= upper:
        return "pass"
    return "fail" if target < lower else "hit_and_miss"


def _summary(chart: str, rules: str, params: RuleParameters, direction: str, target: float | None,
             value: np.ndarray, centre: np.ndarray, lower: np.ndarray, upper: np.ndarray, phase: np.ndarray,
             baseline: np.ndarray, point_type: list[str], point_side: list[int], runs: dict | None) -> dict:
    n = len(value)
    last_phase = int(phase[-1]) if n else 0
    in_last = int(np.count_nonzero(phase == last_phase)) if n else 0
    notes = []
    summary: dict = {"chart": chart, "rule_set": rules, "direction": direction, "target": target,
                     "points": n, "phases": int(phase.max()) + 1 if n else 0, "points_in_phase": in_last,
                     "baseline_points": int(np.count_nonzero(baseline & (phase == last_phase))) if n else 0,
                     "useful_observations": runs["useful"] if runs else 0,
                     "runs": None, "runs_lower": None, "runs_upper": None, "runs_signal": None,
                     "longest_run": None, "longest_run_limit": None, "crossings": None, "crossings_limit": None,
                     "crossings_signal": False, "centre": float(centre[-1]) if n else None,
                     "lower": None, "upper": None, "trial_limits": False, "variation": None, "assurance": None}
    if chart != "run" and n and np.isfinite(lower[-1]):
        summary["lower"], summary["upper"] = float(lower[-1]), float(upper[-1])
    if runs:
        if params.runs_test and runs["applied"]:
            summary.update(runs=runs["runs"], runs_lower=runs["runs_lower"], runs_upper=runs["runs_upper"])
            if runs["runs"] < runs["runs_lower"]:
                summary["runs_signal"] = "too_few"
            elif runs["runs"] > runs["runs_upper"]:
                summary["runs_signal"] = "too_many"
        if params.anhoej and runs["applied"]:
            summary.update(longest_run=runs["longest_run"], longest_run_limit=runs["longest_run_limit"],
                           crossings=runs["crossings"], crossings_limit=runs["crossings_limit"],
                           crossings_signal=runs["crossings"] < runs["crossings_limit"])
        if (params.runs_test or params.anhoej) and not runs["applied"]:
            notes.append(_("Fewer than {minimum} useful observations ({useful}): the runs analysis is not "
                           "applied.").format(minimum=MIN_RUNS_USEFUL, useful=runs["useful"]))
    if chart == "xmr" and n and summary["baseline_points"] < MIN_BASELINE_XMR:
        summary["trial_limits"] = True
        notes.append(_("Trial limits: fewer than {minimum} baseline points ({n}).").format(
            minimum=MIN_BASELINE_XMR, n=summary["baseline_points"]))
    if n and in_last >= MIN_SUMMARY_POINTS:
        summary["variation"] = variation_of(point_type[-1], point_side[-1])
        if chart != "run":
            summary["assurance"] = assurance_of(target, direction, lower[-1], upper[-1])
    elif n:
        notes.append(_("Fewer than {minimum} points in the current phase: no variation or assurance summary "
                       "yet.").format(minimum=MIN_SUMMARY_POINTS))
    summary["notes"] = notes
    return summary


# --- the public wrapper on pandas data ------------------------------------------------------------------
@dataclass
class SpcResult:
    """A computed chart: one row per point plus the summary (the `spc` CLI's JSON, as a frame)."""

    points: pd.DataFrame
    summary: dict

    def to_json_dict(self) -> dict:
        points = []
        run = self.summary["chart"] == "run"
        for row in self.points.itertuples(index=False):
            points.append({
                "period": row.period.date().isoformat(), "value": _num(row.value), "centre": _num(row.centre),
                "lower": None if run else _num(row.lower), "upper": None if run else _num(row.upper),
                "signals": list(row.signals), "point_type": row.point_type, "phase": int(row.phase),
                "baseline": bool(row.baseline)})
        return {"points": points, "summary": self.summary}


def _num(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def analyse(data: pd.DataFrame, chart: str = "xmr", rules: str | None = None, direction: str = "none",
            target: float | None = None, baseline_points: int | None = None,
            phase_starts: Iterable[object] = (), astronomical: Iterable[object] = (),
            screen_moving_ranges: bool = False, multiplier: float = 1.0) -> SpcResult:
    """Chart `data` (columns `period` and `value`, or `period`, `numerator`, `denominator` for p/u charts).

    Rows are sorted by period; phases start at `phase_starts` (a point on that date opens the phase);
    `astronomical` lists periods a person judged astronomical.
    """
    if chart not in CHARTS:
        raise SpcError(f"unknown chart {chart!r}; choose one of {', '.join(CHARTS)}")
    frame = data.sort_values("period", kind="stable").reset_index(drop=True)
    periods = pd.to_datetime(frame["period"]).to_numpy(dtype="datetime64[D]")
    numerator = denominator = None
    if chart in ATTRIBUTE_CHARTS:
        numerator = frame["numerator"].to_numpy(dtype=float)
        denominator = frame["denominator"].to_numpy(dtype=float)
        value = numerator / denominator
    else:
        value = frame["value"].to_numpy(dtype=float)
    result = analyse_arrays(periods, value, chart=chart, rules=rules, direction=direction, target=target,
                            baseline_points=baseline_points, phase_starts=_dates(phase_starts),
                            astronomical=_dates(astronomical), numerator=numerator, denominator=denominator,
                            screen_moving_ranges=screen_moving_ranges, multiplier=multiplier)
    points = pd.DataFrame({
        "period": pd.to_datetime(periods), "value": result.value, "centre": result.centre,
        "lower": result.lower, "upper": result.upper, "signals": result.signals,
        "point_type": result.point_type, "phase": result.phase, "baseline": result.baseline})
    if chart in ATTRIBUTE_CHARTS:
        points["numerator"], points["denominator"] = numerator, denominator
    return SpcResult(points=points, summary=result.summary)


def _dates(items: Iterable[object]) -> list[np.datetime64]:
    return [np.datetime64(pd.Timestamp(x).date(), "D") for x in items]
