"""Will the aim be met by its deadline? A projection boards can question, with its method stated.

Method (shown in the app as `METHOD`): a Theil–Sen line (the median of all pairwise slopes; robust to
an odd month) is fitted to the points of the current phase, and projected to the deadline with a 90 %
interval from the slope's confidence interval, pivoting on the median point. States:

- *achieved and stable*: the chart's assurance passes (the limits lie wholly on the right side of the
  target); on a run chart, which has no limits, every point of the current phase meets the target;
- *on course*: the projected value at the deadline meets the target;
- *at risk*: it does not, but the favourable end of the interval does;
- *off course*: even the favourable end of the interval misses the target;
- *not enough data*: fewer than 6 points in the current phase, or no target, deadline or direction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import theilslopes

STATES = ("achieved", "on_course", "at_risk", "off_course", "not_enough_data")
STATE_LABELS = {"achieved": "Achieved and stable", "on_course": "On course", "at_risk": "At risk",
                "off_course": "Off course", "not_enough_data": "Not enough data"}
MIN_POINTS = 6
CONFIDENCE = 0.90
DAYS_PER_YEAR = 365.25
METHOD = (
    "A Theil–Sen line (the median of all pairwise slopes, so one odd month cannot swing it) is fitted to "
    f"the current phase and projected to the deadline, with a {CONFIDENCE:.0%} interval from the slope's "
    "confidence interval. **Achieved and stable**: the chart's limits lie wholly on the right side of the "
    "target (assurance passes; on a run chart, every point of the phase meets it). **On course**: the "
    "projection meets the target by the deadline. **At risk**: it does not, but the favourable end of the "
    "interval does. **Off course**: even the favourable end misses. **Not enough data**: fewer than "
    f"{MIN_POINTS} points in the current phase, or no target, deadline or direction.")


@dataclass(frozen=True)
class Projection:
    state: str
    reason: str
    projected: float | None = None
    low: float | None = None
    high: float | None = None
    slope_per_year: float | None = None
    line: pd.DataFrame | None = None  # period, value, low, high from the phase start to the deadline

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


def meets(value: float, target: float, direction: str) -> bool:
    """True when `value` is at or better than `target` for the direction of improvement."""
    return value >= target if direction == "up" else value <= target


def project(periods: Sequence[object], values: Sequence[float], target: float | None, deadline: object | None,
            direction: str, assurance: str | None, has_limits: bool = True) -> Projection:
    """The projection of the current phase's points (`periods`, `values`) to `deadline`."""
    missing = [name for name, v in (("target", target), ("deadline", deadline)) if v is None]
    if direction not in ("up", "down"):
        missing.append("direction of improvement")
    if missing:
        return Projection("not_enough_data", f"No {' or '.join(missing)} set.")
    values = np.asarray(values, dtype=float)
    if len(values) < MIN_POINTS:
        return Projection("not_enough_data",
                          f"{len(values)} point(s) in the current phase; the projection needs {MIN_POINTS}.")
    times = pd.to_datetime(pd.Series(periods)).to_numpy(dtype="datetime64[D]")
    start = times[0]
    x = (times - start).astype(float)
    deadline_day = np.datetime64(pd.Timestamp(deadline).date(), "D")
    t = float((deadline_day - start).astype(int))
    slope, _intercept, slope_low, slope_high = theilslopes(values, x, alpha=CONFIDENCE)
    x_med, y_med = float(np.median(x)), float(np.median(values))
    projected = y_med + slope * (t - x_med)
    ends = sorted((y_med + slope_low * (t - x_med), y_med + slope_high * (t - x_med)))
    grid = np.linspace(0.0, max(t, x[-1]), 24)
    line = pd.DataFrame({"period": pd.to_datetime(start) + pd.to_timedelta(grid, unit="D"),
                         "value": y_med + slope * (grid - x_med)})
    bound_a, bound_b = y_med + slope_low * (grid - x_med), y_med + slope_high * (grid - x_med)
    line["low"], line["high"] = np.minimum(bound_a, bound_b), np.maximum(bound_a, bound_b)
    common = dict(projected=float(projected), low=float(ends[0]), high=float(ends[1]),
                  slope_per_year=float(slope * DAYS_PER_YEAR), line=line)
    deadline_text = pd.Timestamp(deadline).date().isoformat()
    achieved = assurance == "pass" if has_limits else bool(all(meets(v, target, direction) for v in values))
    if achieved:
        why = ("The process limits lie wholly on the right side of the target." if has_limits
               else "Every point of the current phase meets the target.")
        return Projection("achieved", why, **common)
    favourable = ends[1] if direction == "up" else ends[0]
    if meets(projected, target, direction):
        return Projection("on_course", f"Projected {projected:.3g} by {deadline_text} against a target of "
                                       f"{target:g}.", **common)
    if meets(favourable, target, direction):
        return Projection("at_risk", f"Projected {projected:.3g} by {deadline_text}, short of {target:g}; only the "
                                     "favourable end of the interval reaches it.", **common)
    return Projection("off_course", f"Projected {projected:.3g} by {deadline_text}; even the favourable end of the "
                                    f"interval ({favourable:.3g}) misses {target:g}.", **common)


def required_path(baseline_period: object | None, baseline_value: float | None, target: float | None,
                  deadline: object | None, trajectory: Sequence[tuple[dt.date, float]] = ()) -> pd.DataFrame:
    """The straight path (through any interim targets) from the baseline to the target at the deadline."""
    if None in (baseline_period, baseline_value, target, deadline):
        return pd.DataFrame(columns=["period", "value"])
    steps = [(pd.Timestamp(baseline_period), float(baseline_value))]
    steps += sorted((pd.Timestamp(d), float(v)) for d, v in trajectory
                    if pd.Timestamp(baseline_period) < pd.Timestamp(d) < pd.Timestamp(deadline))
    steps.append((pd.Timestamp(deadline), float(target)))
    return pd.DataFrame(steps, columns=["period", "value"])


def target_on(day: object, target: float | None, trajectory: Sequence[tuple[dt.date, float]] = ()) -> float | None:
    """The target in force on `day`: the next interim target falling due, else the final target."""
    for when, value in sorted(trajectory):
        if pd.Timestamp(when) >= pd.Timestamp(day):
            return float(value)
    return target
