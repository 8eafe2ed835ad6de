"""Will the aim be met by its deadline? A projection boards can question, with its method stated.

One target decides every state: the target at the deadline (the aim's target). Interim targets are drawn on
the required path and name the "target now" of the assurance icon; they never change the state. States, in
the order they are decided:

- *not enough data*: no target, deadline or direction; no measurement; or, for a projection, fewer than
  `MIN_POINTS` points in the current phase;
- *deadline passed: met / missed*: the deadline falls on or before the latest measurement, so the data say
  whether the aim was met: the latest value measured on or before the deadline, against the target (no
  projection is made into the past);
- *achieved and stable*: the process limits of the current phase lie wholly on the right side of the target
  at the deadline (on a run chart, which has no limits, every point of the phase meets it), and the latest
  point shows no special cause concern;
- *on course*: the value expected at the deadline meets the target;
- *at risk*: it does not, but the favourable end of the 90 % prediction interval does;
- *off course*: even the favourable end of the interval misses the target.

The value expected at the deadline and its interval come from `leverage.aims.prediction` (a Theil–Sen trend
with autocorrelated scatter; the interval is for the value that will be measured, not for the line).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leverage.aims.prediction import LEVEL, METHOD_NAME, MIN_POINTS, PredictionError, predict
from leverage.aims.spc import MIN_SUMMARY_POINTS, assurance_of
from leverage.core.i18n import N_, _
from leverage.core.localized import MONTH, fixed, percent, when

STATES = ("achieved", "on_course", "at_risk", "off_course", "met_at_deadline", "missed_at_deadline",
          "not_enough_data")
STATE_LABELS = {"achieved": N_("Achieved and stable"), "on_course": N_("On course"), "at_risk": N_("At risk"),
                "off_course": N_("Off course"), "met_at_deadline": N_("Deadline passed: met"),
                "missed_at_deadline": N_("Deadline passed: missed"), "not_enough_data": N_("Not enough data")}
CONFIDENCE = LEVEL  # the interval's level, as the app and the board pack state it
METHOD = (
    "A Theil–Sen line (the median of all pairwise slopes, so one odd month cannot swing it) is fitted to the "
    f"latest points of the current phase and carried to the deadline. The {LEVEL:.0%} interval is for the value "
    "that will be **measured** at the deadline, not for the line: it adds the month-to-month scatter and allows "
    "for months that follow each other (autocorrelation), calibrated by simulation so that it holds the measured "
    f"value about {LEVEL:.0%} of the time (benchmarks/projection_coverage.py). Every state is judged against "
    "the target at the deadline; interim targets are drawn on the required path. **Achieved and stable**: the "
    "process limits lie wholly on the right side of that target and the latest point is no special cause "
    "concern (on a run chart, every point of the phase meets it). **On course**: the expected value meets the "
    "target. **At risk**: it does not, but the favourable end of the interval does. **Off course**: even the "
    "favourable end misses. **Deadline passed**: the data already reach the deadline; the value measured then "
    f"is compared with the target. **Not enough data**: fewer than {MIN_POINTS} points in the current phase, or "
    "no target, deadline or direction.")


@dataclass(frozen=True)
class Projection:
    state: str
    reason: str
    projected: float | None = None  # the value expected at the deadline (the measured one once it has passed)
    low: float | None = None
    high: float | None = None
    slope_per_year: float | None = None
    line: pd.DataFrame | None = None  # period, value: the fitted trend from its first point to the deadline
    band: pd.DataFrame | None = None  # period, low, high: the prediction interval from the last point on
    level: float | None = None
    target: float | None = None  # the target every state was judged against: the target at the deadline
    deadline: dt.date | None = None

    @property
    def label(self) -> str:
        return _(STATE_LABELS[self.state])

    @property
    def estimate(self) -> float | None:
        return self.projected

    @property
    def method(self) -> str:
        return METHOD_NAME

    def to_json(self) -> dict:
        """The `spc` command's `projection` object."""
        interval = None if self.low is None or self.high is None else [self.low, self.high]
        return {"state": self.state, "label": self.label, "reason": self.reason, "estimate": self.projected,
                "interval": interval, "level": self.level, "method": METHOD_NAME, "target": self.target,
                "deadline": self.deadline.isoformat() if self.deadline else None}


def meets(value: float, target: float, direction: str) -> bool:
    """True when `value` is at or better than `target` for the direction of improvement."""
    return value >= target if direction == "up" else value <= target


def _day(value: object) -> dt.date:
    return pd.Timestamp(value).date()


def _fmt(value: float, decimals: int | None = None) -> str:
    """A value in a reason: the measure's own precision when known, else three significant figures."""
    if decimals is not None:
        return fixed(value, decimals)
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def project(periods: Sequence[object], values: Sequence[float], target: float | None, deadline: object | None,
            direction: str, limits: tuple[float, float] | None = None, latest_type: str | None = None,
            has_limits: bool | None = None, decimals: int | None = None) -> Projection:
    """The state of the aim from the current phase's points (`periods`, `values`), against `target` at `deadline`.

    `limits` are the latest point's process limits (None on a run chart); `latest_type` is the latest point's
    type ("concern" keeps an aim from being "achieved and stable"). `has_limits=False` says "run chart" when
    no limits are given (kept for callers that name it). `decimals` writes the values in the reason with the
    measure's one precision.
    """
    missing = [name for name, v in ((_("target"), target), (_("deadline"), deadline)) if v is None]
    if direction not in ("up", "down"):
        missing.append(_("direction of improvement"))
    if missing:
        return Projection("not_enough_data", _("No {missing} set.").format(
            missing=functools.reduce(lambda a, b: _("{a} or {b}").format(a=a, b=b), missing)))
    assert target is not None and deadline is not None
    values = np.asarray(values, dtype=float)
    stamps = pd.to_datetime(pd.Series(list(periods)))
    due = _day(deadline)
    common = dict(target=float(target), deadline=due)
    if len(values) == 0:
        return Projection("not_enough_data", _("No measurements yet."), **common)
    if due <= stamps.iloc[-1].date():
        return _deadline_passed(stamps, values, float(target), due, direction, common, decimals)
    run_chart = limits is None if has_limits is None else not has_limits
    if len(values) >= MIN_SUMMARY_POINTS:
        achieved = _achieved(values, float(target), direction, None if run_chart else limits, latest_type)
        if achieved:
            return Projection("achieved", achieved, **common)
    if len(values) < MIN_POINTS:
        return Projection("not_enough_data", _("{n} point(s) in the current phase; the projection needs "
                                               "{needed}.").format(n=len(values), needed=MIN_POINTS), **common)
    try:
        p = predict(stamps, values, due)
    except PredictionError as exc:
        return Projection("not_enough_data", _("No projection: {reason}.").format(reason=exc), **common)
    shown = dict(projected=p.estimate, low=p.low, high=p.high, slope_per_year=p.slope_per_year, line=p.line,
                 band=p.band, level=p.level, **common)
    by = when(due)
    interval = _("{level} interval {low} to {high}").format(level=percent(p.level), low=_fmt(p.low, decimals),
                                                             high=_fmt(p.high, decimals))
    goal = _fmt(float(target), decimals) if decimals is not None else f"{target:g}"
    favourable = p.high if direction == "up" else p.low
    if meets(p.estimate, target, direction):
        return Projection("on_course", _("Expected {estimate} by {when} ({interval}) against a target of "
                                         "{goal}.").format(estimate=_fmt(p.estimate, decimals), when=by,
                                                           interval=interval, goal=goal), **shown)
    if meets(favourable, target, direction):
        return Projection("at_risk", _("Expected {estimate} by {when} ({interval}), short of {goal}; only the "
                                       "favourable end of the interval reaches it.").format(
                                           estimate=_fmt(p.estimate, decimals), when=by, interval=interval,
                                           goal=goal), **shown)
    return Projection("off_course", _("Expected {estimate} by {when} ({interval}); even the favourable end "
                                      "misses {goal}.").format(estimate=_fmt(p.estimate, decimals), when=by,
                                                               interval=interval, goal=goal), **shown)


def _achieved(values: np.ndarray, target: float, direction: str, limits: tuple[float, float] | None,
              latest_type: str | None) -> str:
    """Why the aim is achieved and stable ("" when it is not)."""
    if latest_type == "concern":
        return ""
    if limits is None:
        if all(meets(v, target, direction) for v in values):
            return _("Every point of the current phase meets the target at the deadline.")
        return ""
    lower, upper = limits
    if assurance_of(target, direction, lower, upper) == "pass":
        return _("The process limits lie wholly on the right side of the target at the deadline.")
    return ""


def _deadline_passed(stamps: pd.Series, values: np.ndarray, target: float, due: dt.date, direction: str,
                     common: dict, decimals: int | None = None) -> Projection:
    """The deadline is on or before the latest measurement: the value measured at the deadline decides."""
    known = np.flatnonzero((stamps.dt.date <= due).to_numpy())
    if len(known) == 0:
        return Projection("not_enough_data", _("The deadline, {due}, falls before the first point of the current "
                                               "phase: set a new deadline.").format(due=when(due)), **common)
    i = int(known[-1])
    value, measured = float(values[i]), stamps.iloc[i]
    met = meets(value, target, direction)
    goal = _fmt(target, decimals) if decimals is not None else f"{target:g}"
    return Projection("met_at_deadline" if met else "missed_at_deadline",
                      (_("The deadline, {due}, has passed: {value} was measured for {period} against a target of "
                         "{goal} (met).") if met else
                       _("The deadline, {due}, has passed: {value} was measured for {period} against a target of "
                         "{goal} (missed).")).format(due=when(due), value=_fmt(value, decimals),
                                                     period=when(measured, MONTH), goal=goal),
                      projected=value, **common)


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
    for due_on, value in sorted(trajectory):
        if pd.Timestamp(due_on) >= pd.Timestamp(day):
            return float(value)
    return target
