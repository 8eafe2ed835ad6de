"""The aims register: system-level aims (leverage point 1), their measurements and annotations.

An aim names a whole-system measure, its direction of improvement, a baseline, a target and a
deadline ("how good, by when"), an owner, and how its chart is read (chart type and rule set).
This module holds what an aim is and the checks it must pass; `repository` reads and writes them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, fields, replace

from leverage.aims.measurements import SeriesKind
from leverage.aims.spc_settings import (
    CHART_NAMES,
    DEFAULT_RULES,
    RULE_SET_NAMES,
    RULE_SETS,
    RULES_FOR_CHART,
    rules_problem,
)
from leverage.core.database import StoreError
from leverage.core.i18n import N_, _
from leverage.core.schema import LONG_TEXT_MAX, NAME_MAX
from leverage.core.validation import MAX_MAGNITUDE

DATA_TYPES = {"continuous": "Continuous (a score, a ratio, days…)",
              "proportion": "Proportion (numerator / denominator)",
              "rate": "Rate (events per exposure, e.g. per 1,000 patient days)"}
CHARTS_FOR_TYPE = {"continuous": ("xmr", "run"), "proportion": ("p", "run", "xmr", "p_prime"),
                   "rate": ("u", "run", "xmr", "u_prime")}
DEFAULT_MULTIPLIER = {"continuous": 1.0, "proportion": 100.0, "rate": 1000.0}
CADENCES = {"monthly": 31, "bimonthly": 62, "quarterly": 92}
CADENCE_LABELS = {"monthly": "Every meeting (monthly)", "bimonthly": "Every two months", "quarterly": "Quarterly"}
ANNOTATION_KINDS = {"change": N_("Change tested"), "pdsa": N_("PDSA cycle"), "event": N_("Event"),
                    "astronomical": N_("Astronomical point"), "phase": N_("New phase (limits recalculated)")}
TEXT_MAX = NAME_MAX

class AimError(StoreError):
    """An aim, measurement or annotation that cannot be saved; `problems` names each field at fault."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Aim:
    organization_id: int
    title: str
    measure: str
    data_type: str = "continuous"
    direction: str = "down"
    definition: str = ""
    unit: str = ""
    multiplier: float | None = None  # None: the data type's default (100 for %, 1,000 for rates)
    baseline_period: dt.date | None = None
    baseline_value: float | None = None
    target_value: float | None = None
    deadline: dt.date | None = None
    owner: str = ""
    leverage_points: tuple[int, ...] = (1,)
    public_commitment: bool = False
    chart: str | None = None  # None: the data type's usual chart
    rule_set: str | None = None  # None: the chart's usual rule set (IHI on run charts, MDC on the others)
    review_cadence: str = "monthly"
    baseline_points: int | None = None
    trajectory: tuple[tuple[dt.date, float], ...] = ()
    last_reviewed: dt.date | None = None
    id: int | None = None

    @property
    def counts(self) -> bool:
        """Measured as numerator and denominator (proportions, rates) rather than one value."""
        return self.data_type in ("proportion", "rate")

    @property
    def series_kind(self) -> SeriesKind:
        return SeriesKind(counts=self.counts, proportion=self.data_type == "proportion")

    @property
    def is_complete(self) -> bool:
        """Has all a board needs: a measure, a baseline, a target and a deadline."""
        return bool(self.measure) and None not in (self.baseline_period, self.baseline_value,
                                                   self.target_value, self.deadline)

    def review_due(self, today: dt.date) -> bool:
        if self.last_reviewed is None:
            return True
        return (today - self.last_reviewed).days > CADENCES.get(self.review_cadence, 31)


def normalise(aim: Aim) -> Aim:
    """The aim with text trimmed and defaults filled in (multiplier, chart)."""
    text = {f.name: (getattr(aim, f.name) or "").strip() for f in fields(aim)
            if f.name in ("title", "measure", "definition", "unit", "owner")}
    multiplier = aim.multiplier if aim.multiplier is not None else DEFAULT_MULTIPLIER.get(aim.data_type, 1.0)
    chart = aim.chart or CHARTS_FOR_TYPE.get(aim.data_type, ("xmr",))[0]
    rule_set = aim.rule_set or DEFAULT_RULES.get(chart, "mdc")
    return replace(aim, **text, multiplier=multiplier, chart=chart, rule_set=rule_set,
                   leverage_points=tuple(sorted(set(aim.leverage_points))))


def readable(aim: Aim) -> tuple[Aim, str]:
    """The aim as it is charted, and a note when that differs from how it was saved.

    Aims saved before run charts refused the Making Data Count rule set (which has no run-chart rules) are
    read with the run chart's usual rule set, IHI, and say so; saving the aim again records that choice.
    """
    if aim.chart is None or aim.rule_set is None or rules_problem(aim.chart, aim.rule_set) is None:
        return aim, ""
    usual = DEFAULT_RULES[aim.chart]
    note = _("Saved with the {saved} rule set, which has no rules for a {chart}: read with the {usual} rules. Save "
             "the aim to keep this choice, or choose another chart.").format(
        saved=RULE_SET_NAMES[aim.rule_set], chart=_(CHART_NAMES[aim.chart]).lower(), usual=RULE_SET_NAMES[usual])
    return replace(aim, rule_set=usual), note


def validate(aim: Aim) -> list[str]:
    """Every problem with the aim, each naming its field; empty when it can be saved."""
    p: list[str] = []
    for name, limit in (("title", TEXT_MAX), ("measure", TEXT_MAX), ("unit", TEXT_MAX), ("owner", TEXT_MAX),
                        ("definition", LONG_TEXT_MAX)):
        if len(getattr(aim, name)) > limit:
            p.append(_("{name}: longer than {limit} characters").format(name=name, limit=limit))
    if not aim.title:
        p.append(_("title: give the aim a title"))
    if not aim.measure:
        p.append(_("measure: name the system-level measure"))
    if aim.data_type not in DATA_TYPES:
        p.append(_("data type: {data_type!r} is not one of {value}").format(
                     data_type=aim.data_type, value=', '.join(DATA_TYPES)))
    elif aim.chart not in CHARTS_FOR_TYPE[aim.data_type]:
        p.append(_("chart: a {data_type} measure is drawn as {value}").format(
                     data_type=aim.data_type, value=', '.join(CHARTS_FOR_TYPE[aim.data_type])))
    if aim.direction not in ("up", "down"):
        p.append(_("direction: say whether higher (up) or lower (down) is better"))
    if aim.rule_set not in RULE_SETS:
        p.append(_("rule set: {rule_set!r} is not one of {value}").format(
                     rule_set=aim.rule_set, value=', '.join(RULE_SETS)))
    elif aim.chart in RULES_FOR_CHART and rules_problem(aim.chart, aim.rule_set):
        p.append(_("rule set: {value}").format(value=rules_problem(aim.chart, aim.rule_set)))
    if aim.review_cadence not in CADENCES:
        p.append(_("review cadence: {review_cadence!r} is not one of {value}").format(
                     review_cadence=aim.review_cadence, value=', '.join(CADENCES)))
    if aim.multiplier is None or not math.isfinite(aim.multiplier) or aim.multiplier <= 0 \
            or aim.multiplier > MAX_MAGNITUDE:
        p.append(_("multiplier: must be a positive number (e.g. 100 for percent, 1000 for per 1,000)"))
    for name in ("baseline_value", "target_value"):
        value = getattr(aim, name)
        if value is not None and not math.isfinite(value):
            p.append(_("{value}: not a number").format(value=name.replace('_', ' ')))
        elif value is not None and abs(value) > MAX_MAGNITUDE:
            p.append(_("{value}: {value2:g} is beyond ±{MAX_MAGNITUDE:g}").format(
                         value=name.replace('_', ' '), value2=value, MAX_MAGNITUDE=MAX_MAGNITUDE))
        elif (value is not None and aim.data_type == "proportion" and aim.multiplier
              and not 0 <= value <= aim.multiplier):
            p.append(_("{value}: a proportion lies between 0 and {multiplier:g}").format(
                         value=name.replace('_', ' '), multiplier=aim.multiplier))
        elif value is not None and aim.data_type == "rate" and value < 0:
            p.append(_("{value}: a rate cannot be negative").format(value=name.replace('_', ' ')))
    if (aim.baseline_period is None) != (aim.baseline_value is None):
        p.append(_("baseline: give both the baseline period and its value, or neither"))
    if aim.deadline and aim.baseline_period and aim.deadline <= aim.baseline_period:
        p.append(_("deadline: must fall after the baseline period"))
    bad_points = [x for x in aim.leverage_points if x not in range(1, 8)]
    if bad_points:
        p.append(_("leverage points: {bad_points} are not between 1 and 7").format(bad_points=bad_points))
    if aim.baseline_points is not None and aim.baseline_points < 2:
        p.append(_("baseline points: freeze the limits on at least 2 points, or leave it empty"))
    for due, value in aim.trajectory:
        if aim.deadline and due > aim.deadline:
            p.append(_("interim target {value}: falls after the deadline").format(value=due.isoformat()))
        if value is None or not math.isfinite(value):
            p.append(_("interim target {value}: the value is not a number").format(value=due.isoformat()))
        elif abs(value) > MAX_MAGNITUDE:
            p.append(_("interim target {value}: {value2:g} is beyond ±{MAX_MAGNITUDE:g}").format(
                         value=due.isoformat(), value2=value, MAX_MAGNITUDE=MAX_MAGNITUDE))
    if len({d for d, _value in aim.trajectory}) != len(aim.trajectory):
        p.append(_("interim targets: two share a date"))
    return p


def register_evidence(aim_list: list[Aim], today: dt.date) -> dict:
    """What the register shows about leverage point 1: aims complete, public, reviewed on time."""
    complete = [a for a in aim_list if a.is_complete]
    reviewed = [a.last_reviewed for a in aim_list if a.last_reviewed]
    return {"aims": len(aim_list), "complete": len(complete),
            "public": sum(a.public_commitment for a in aim_list),
            "review_overdue": sum(a.review_due(today) for a in aim_list),
            "last_reviewed": max(reviewed) if reviewed else None}
