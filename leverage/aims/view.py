"""One aim, read as a board reads it: its chart, summary icons, projection and questions to ask.

`analyse_aim` is the single function the Aims page, the Board page's table and its charts, and any
export call, so the icons in a summary can never disagree with the chart beside them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from leverage.aims.icons import assurance_label, signal_label, variation_label
from leverage.aims.projection import Projection, project, required_path, target_on
from leverage.aims.register import ANNOTATION_KINDS, Aim, readable
from leverage.aims.repository import AimStore
from leverage.aims.spc import SpcResult, analyse
from leverage.core.i18n import _
from leverage.core.localized import MONTH, fixed, when

SPARKLINE_POINTS = 24


@dataclass
class AimView:
    aim: Aim
    result: SpcResult | None  # None: no measurements yet
    projection: Projection
    path: pd.DataFrame  # required path: period, value
    annotations: pd.DataFrame  # on_date, label, kind
    target_now: float | None

    @property
    def summary(self) -> dict:
        return self.result.summary if self.result else {}

    @property
    def variation(self) -> str | None:
        return self.summary.get("variation")

    @property
    def assurance(self) -> str | None:
        return self.summary.get("assurance")

    @cached_property
    def decimals(self) -> int:
        """The number of decimals every value of this aim is written with (chart, tables, board pack)."""
        aim = self.aim
        values = self.result.points["value"].to_numpy() if self.result is not None else []
        anchors = (aim.baseline_value, aim.target_value, *(v for _day, v in aim.trajectory))
        return measure_decimals(values, anchors)

    def fmt(self, value: float | None, with_unit: bool = False) -> str:
        """A value of this aim as every page writes it: the aim's one precision, and its unit when asked."""
        return format_value(value, self.aim.unit if with_unit else "", self.decimals)

    @property
    def latest(self) -> tuple[pd.Timestamp, float] | None:
        if self.result is None or self.result.points.empty:
            return None
        last = self.result.points.iloc[-1]
        return last["period"], float(last["value"])


def format_value(value: float | None, unit: str = "", decimals: int | None = None) -> str:
    """A measurement as the Board page, the board pack and the deck all show it, thousands separated.

    With `decimals` (an aim's `AimView.decimals`), every value of a measure gets the same number of decimals;
    without, three significant figures (one decimal from ten up).
    """
    if value is None or pd.isna(value):
        return "—"
    if decimals is not None:
        text = fixed(value, decimals)
    else:
        text = f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"
    return f"{text} {unit}".strip()


MAX_DECIMALS = 4


def _decimals_given(values: np.ndarray) -> int:
    """The fewest decimals (up to MAX_DECIMALS) that write every value exactly: the data's own precision."""
    for d in range(MAX_DECIMALS + 1):
        if np.all(np.abs(np.round(values, d) - values) <= 1e-9 * np.maximum(1.0, np.abs(values))):
            return d
    return MAX_DECIMALS


def measure_decimals(values: np.ndarray | list[float], anchors: tuple[float | None, ...] = ()) -> int:
    """One precision for every value of a measure: enough decimals to resolve a third of its month-to-month
    variation (sigma from the mean moving range), never more than the data were given with, and enough to
    write its baseline and targets (`anchors`) as entered."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    decimals = 1
    if len(v) >= 2 and np.any(np.diff(v) != 0):
        sigma = float(np.mean(np.abs(np.diff(v)))) / 1.128
        decimals = math.ceil(-math.log10(sigma / 3)) if sigma > 0 else 1
    elif len(v):
        size = float(np.max(np.abs(v)))
        decimals = 2 - math.floor(math.log10(size)) if size > 0 else 0
    if len(v):
        decimals = min(decimals, _decimals_given(v))
    known = np.asarray([a for a in anchors if a is not None and np.isfinite(a)], dtype=float)
    if len(known):
        decimals = max(decimals, min(_decimals_given(known), 3))
    return int(min(max(decimals, 0), MAX_DECIMALS))


def series_for(aim: Aim, rows: pd.DataFrame) -> pd.DataFrame:
    """The chart input of one aim: period + value, or + numerator/denominator for p and u charts."""
    rows = rows.sort_values("period")
    if aim.chart in ("p", "u", "p_prime", "u_prime"):
        return rows[["period", "numerator", "denominator"]].reset_index(drop=True)
    if aim.counts:  # a proportion or rate drawn as a run or XmR chart: the value in display units
        value = rows["numerator"] / rows["denominator"] * aim.multiplier
        return pd.DataFrame({"period": rows["period"].to_numpy(), "value": value.to_numpy()})
    return rows[["period", "value"]].reset_index(drop=True)


def analyse_aim(aim: Aim, rows: pd.DataFrame, notes: pd.DataFrame, as_of: dt.date | None = None) -> AimView:
    """The aim's chart and projection from its measurements (`rows`) and annotations (`notes`).

    `as_of` leaves out measurements after that date (a board pack cut at a meeting's data date).
    """
    aim, rule_note = readable(aim)
    if as_of is not None:
        rows = rows[rows["period"] <= pd.Timestamp(as_of)]
        notes = notes[notes["on_date"] <= pd.Timestamp(as_of)] if not notes.empty else notes
        aim = as_known_on(aim, as_of)
    notes = notes.sort_values("on_date") if not notes.empty else notes
    path = required_path(aim.baseline_period, aim.baseline_value, aim.target_value, aim.deadline, aim.trajectory)
    if rows.empty:
        return AimView(aim, None, project([], [], aim.target_value, aim.deadline, aim.direction),
                       path, notes, aim.target_value)
    latest_period = rows["period"].max()
    target_now = target_on(latest_period, aim.target_value, aim.trajectory)
    phases = notes.loc[notes["kind"] == "phase", "on_date"].tolist() if not notes.empty else []
    marked = notes.loc[notes["kind"] == "astronomical", "on_date"].tolist() if not notes.empty else []
    astronomical = _periods_containing(rows["period"], marked)
    result = analyse(series_for(aim, rows), chart=aim.chart, rules=aim.rule_set, direction=aim.direction,
                     target=target_now, baseline_points=aim.baseline_points, phase_starts=phases,
                     astronomical=astronomical, multiplier=aim.multiplier)
    if rule_note:
        result.summary["notes"].insert(0, rule_note)
    projection = project_view(aim, result)
    return AimView(aim, result, projection, path, notes, target_now)


def project_view(aim: Aim, result: SpcResult) -> Projection:
    """The aim's projection from its chart: the current phase's points, the latest point's limits and type,
    judged against the target at the deadline (the `spc` command projects through the same function)."""
    decimals = measure_decimals(result.points["value"].to_numpy(),
                                (aim.baseline_value, aim.target_value, *(v for _day, v in aim.trajectory)))
    return project_result(result, aim.target_value, aim.deadline, aim.direction, run_chart=aim.chart == "run",
                          decimals=decimals)


def project_result(result: SpcResult, target: float | None, deadline: object | None, direction: str,
                   run_chart: bool, decimals: int | None = None) -> Projection:
    """The projection of a computed chart (`analyse`'s result) to `deadline` against `target`."""
    points = result.points
    if points.empty:
        return project([], [], target, deadline, direction)
    current = points[points["phase"] == points["phase"].iloc[-1]]
    last = points.iloc[-1]
    limits = None if run_chart else (float(last["lower"]), float(last["upper"]))
    return project(current["period"], current["value"], target, deadline, direction, limits=limits,
                   latest_type=str(last["point_type"]), has_limits=not run_chart, decimals=decimals)


def as_known_on(aim: Aim, as_of: dt.date) -> Aim:
    """The aim as it stood at the cut-off: a board review recorded after it was not known then.

    Only the latest review date is kept, so an aim reviewed after the cut-off counts as not reviewed at it
    (its review shows as due, never as done).
    """
    if aim.last_reviewed is not None and aim.last_reviewed > as_of:
        return replace(aim, last_reviewed=None)
    return aim


def analyse_register(register: AimStore, org_id: int, as_of: dt.date | None = None) -> list[AimView]:
    """Every aim of an organization analysed, in two queries for all its measurements and annotations.

    With `as_of`, only what was known then: later measurements and annotations are left out.
    """
    aims = register.list_aims(org_id)
    ids = [a.id for a in aims]
    rows, notes = register.measurements(ids), register.annotations(ids)
    if as_of is not None and not notes.empty:
        notes = notes[notes["on_date"] <= pd.Timestamp(as_of)]
    by_rows = dict(tuple(rows.groupby("aim_id"))) if not rows.empty else {}
    by_notes = dict(tuple(notes.groupby("aim_id"))) if not notes.empty else {}
    return [analyse_aim(a, by_rows.get(a.id, rows.iloc[0:0]), by_notes.get(a.id, notes.iloc[0:0]), as_of=as_of)
            for a in aims]


def _periods_containing(periods: pd.Series, dates: list[pd.Timestamp]) -> list[pd.Timestamp]:
    """The measurement period each date falls in (the latest period starting on or before it)."""
    known = np.sort(periods.to_numpy(dtype="datetime64[ns]"))
    found = []
    for day in dates:
        i = np.searchsorted(known, np.datetime64(pd.Timestamp(day), "ns"), side="right") - 1
        if i >= 0:
            found.append(pd.Timestamp(known[i]))
    return found


def vital_few(views: list[AimView], today: dt.date) -> pd.DataFrame:
    """The Board page's table: one row per aim, computed only from `analyse_aim` results."""
    rows = []
    for view in views:
        aim, latest = view.aim, view.latest
        values = view.result.points["value"].tail(SPARKLINE_POINTS).round(4).tolist() if view.result else []
        rows.append({
            "aim_id": aim.id, "aim": aim.title, "measure": aim.measure, "unit": aim.unit,
            "latest": latest[1] if latest else np.nan,
            "latest_period": latest[0] if latest else pd.NaT,
            "target": view.target_now, "deadline": pd.Timestamp(aim.deadline) if aim.deadline else pd.NaT,
            "variation": view.variation, "assurance": view.assurance,
            "projection": view.projection.state, "projection_label": view.projection.label,
            "trend": values, "owner": aim.owner, "review_due": aim.review_due(today),
            "last_reviewed": pd.Timestamp(aim.last_reviewed) if aim.last_reviewed else pd.NaT,
            "rule_set": view.summary.get("rule_set", aim.rule_set), "chart": aim.chart,
            "decimals": view.decimals,
        })
    table = pd.DataFrame(rows, columns=["aim_id", "aim", "measure", "unit", "latest", "latest_period", "target",
                                        "deadline", "variation", "assurance", "projection", "projection_label",
                                        "trend", "owner", "review_due", "last_reviewed", "rule_set", "chart",
                                        "decimals"])
    for column in ("variation", "assurance"):  # keep "none yet" as None, not NaN, so it matches the chart's
        table[column] = pd.Series([r[column] for r in rows], index=table.index, dtype=object)
    return table


def _last_signal(view: AimView) -> tuple[pd.Timestamp, list[str]] | None:
    """(first period of the latest point's run, the rules behind the latest point) when the latest point is flagged.

    The run is the consecutive points before it of the same type (improvement, concern or neutral) in the same
    phase: the "since" of "special cause improvement since…". A flagged point of another type, or the start of
    the phase, ends it.
    """
    points = view.result.points if view.result else pd.DataFrame()
    if points.empty or not len(points["signals"].iloc[-1]):
        return None
    types, phases = points["point_type"].to_numpy(), points["phase"].to_numpy()
    last = len(points) - 1
    first = last
    while first > 0 and types[first - 1] == types[last] and phases[first - 1] == phases[last]:
        first -= 1
    return points["period"].iloc[first], list(points["signals"].iloc[last])


def questions_to_ask(view: AimView, today: dt.date) -> list[str]:
    """Plain-language questions for the board, from the same reading as the icons."""
    aim, summary, q = view.aim, view.summary, []
    if view.result is None:
        return [_("There are no measurements yet: who will supply the data, and from when?")]
    signal = _last_signal(view)
    variation = view.variation
    if variation and variation.startswith("concern") and signal:
        rules = "; ".join(signal_label(s) for s in signal[1])
        q.append(_("The chart shows special cause concern ({rules}) since {since}. What happened, is the cause "
                   "understood, and what is being done about it?").format(rules=rules, since=when(signal[0], MONTH)))
    elif variation and variation.startswith("improvement") and signal:
        q.append(_("The chart shows special cause improvement since about {since}. Which change explains it, and "
                   "how will the gain be held and spread?").format(since=when(signal[0], MONTH)))
    elif variation == "neutral":
        q.append(_("Fifteen or more points hug the centre line (the inner-third rule): the measure varies less "
                   "than its limits allow. Has its definition or data source changed, or are the limits computed "
                   "from mixed data?"))
    elif variation and variation.startswith("neutral"):
        q.append(_("Special cause variation with no direction of improvement set: which way is better for this "
                   "measure?"))
    elif variation == "common_cause":
        q.append(_("The variation is common cause: the process is stable. Reacting to single months will not "
                   "change it; what change to the system is being tested?"))
    assurance = view.assurance
    if assurance == "fail":
        q.append(_("As it runs now, the process will not meet the target. What changes are planned, and when "
                   "should their effect show in this chart?"))
    elif assurance == "hit_and_miss":
        q.append(_("The target lies inside the process limits: it will be met in some months and missed in "
                   "others by chance alone. What would make the process capable of meeting it every time?"))
    elif assurance == "pass":
        q.append(_("The process consistently meets the target. Is it time for a more ambitious aim, or to move "
                   "the board's attention to another measure?"))
    state = view.projection.state
    if state in ("at_risk", "off_course"):
        q.append(_("On the present slope the aim will not be met by {deadline}. Does the strategy's portfolio of "
                   "projects add up to the aim (leverage point 2)?").format(deadline=when(aim.deadline, MONTH)))
    elif state == "missed_at_deadline":
        q.append(_("The deadline ({deadline}) has passed and the target was missed. What has the board learned, "
                   "and what is the aim now?").format(deadline=when(aim.deadline, MONTH)))
    elif state == "met_at_deadline":
        q.append(_("The target was met by the deadline ({deadline}). Is the gain being held, and what is the "
                   "next aim?").format(deadline=when(aim.deadline, MONTH)))
    elif state == "not_enough_data":
        q.append(_("{reason} When will there be enough to judge progress?").format(reason=view.projection.reason))
    if summary.get("trial_limits"):
        q.append(_("The limits are trial limits (fewer than 12 baseline points): treat signals with care and "
                   "revise the limits when there is more data."))
    latest = view.latest
    if latest and (pd.Timestamp(today) - latest[0]).days > 92:
        q.append(_("The latest data is from {period}. Why is the measure not more current?").format(
            period=when(latest[0], MONTH)))
    if not aim.owner:
        q.append(_("Who on the executive team owns this aim?"))
    if not aim.is_complete:
        q.append(_("The aim lacks a baseline, target or deadline: how good, by when?"))
    return q


def describe_points(view: AimView) -> pd.Series:
    """Hover text per point: the rules behind each highlighted point, in plain language."""
    if view.result is None:
        return pd.Series(dtype=str)
    return view.result.points["signals"].map(
        lambda s: "; ".join(signal_label(x) for x in s) if len(s) else _("common cause"))


def annotation_kind_label(kind: str) -> str:
    return _(ANNOTATION_KINDS[kind]) if kind in ANNOTATION_KINDS else kind


def summary_labels(view: AimView) -> dict[str, str]:
    return {"variation": variation_label(view.variation), "assurance": assurance_label(view.assurance),
            "projection": view.projection.label}
