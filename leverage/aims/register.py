"""The aims register: system-level aims (leverage point 1), their measurements and annotations.

An aim names a whole-system measure, its direction of improvement, a baseline, a target and a
deadline ("how good, by when"), an owner, and how its chart is read (chart type and rule set).
Tables live here, on the store's metadata; every write bumps the store's revision.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

import pandas as pd
import sqlalchemy as sa

from leverage.aims.measurements import MeasurementError, SeriesKind, check_series
from leverage.aims.spc import RULE_SETS
from leverage.survey.store import Store, StoreError, metadata

DATA_TYPES = {"continuous": "Continuous (a score, a ratio, days…)",
              "proportion": "Proportion (numerator / denominator)",
              "rate": "Rate (events per exposure, e.g. per 1,000 patient days)"}
CHARTS_FOR_TYPE = {"continuous": ("xmr", "run"), "proportion": ("p", "run", "xmr", "p_prime"),
                   "rate": ("u", "run", "xmr", "u_prime")}
DEFAULT_MULTIPLIER = {"continuous": 1.0, "proportion": 100.0, "rate": 1000.0}
CADENCES = {"monthly": 31, "bimonthly": 62, "quarterly": 92}
CADENCE_LABELS = {"monthly": "Every meeting (monthly)", "bimonthly": "Every two months", "quarterly": "Quarterly"}
ANNOTATION_KINDS = {"change": "Change tested", "pdsa": "PDSA cycle", "event": "Event",
                    "astronomical": "Astronomical point", "phase": "New phase (limits recalculated)"}
TEXT_MAX = 200
LONG_TEXT_MAX = 2000

aims = sa.Table(
    "aims", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False, index=True),
    sa.Column("title", sa.String(TEXT_MAX), nullable=False),
    sa.Column("measure", sa.String(TEXT_MAX), nullable=False),
    sa.Column("definition", sa.String(LONG_TEXT_MAX), nullable=False, default=""),
    sa.Column("unit", sa.String(TEXT_MAX), nullable=False, default=""),
    sa.Column("data_type", sa.String(20), nullable=False),
    sa.Column("multiplier", sa.Float, nullable=False),
    sa.Column("direction", sa.String(10), nullable=False),
    sa.Column("baseline_period", sa.Date),
    sa.Column("baseline_value", sa.Float),
    sa.Column("target_value", sa.Float),
    sa.Column("deadline", sa.Date),
    sa.Column("owner", sa.String(TEXT_MAX), nullable=False, default=""),
    sa.Column("leverage_points", sa.String(40), nullable=False, default=""),
    sa.Column("public_commitment", sa.Boolean, nullable=False, default=False),
    sa.Column("chart", sa.String(20), nullable=False),
    sa.Column("rule_set", sa.String(20), nullable=False),
    sa.Column("review_cadence", sa.String(20), nullable=False),
    sa.Column("baseline_points", sa.Integer),
    sa.Column("last_reviewed", sa.Date),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("organization_id", "title", name="uq_aim_title"),
)
aim_targets = sa.Table(
    "aim_targets", metadata,
    sa.Column("aim_id", sa.Integer, sa.ForeignKey("aims.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("due", sa.Date, primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
)
measurements = sa.Table(
    "measurements", metadata,
    sa.Column("aim_id", sa.Integer, sa.ForeignKey("aims.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("period", sa.Date, primary_key=True),
    sa.Column("value", sa.Float),
    sa.Column("numerator", sa.Float),
    sa.Column("denominator", sa.Float),
)
annotations = sa.Table(
    "annotations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("aim_id", sa.Integer, sa.ForeignKey("aims.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("on_date", sa.Date, nullable=False),
    sa.Column("label", sa.String(TEXT_MAX), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
)
TABLES = (aims, aim_targets, measurements, annotations)


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
    rule_set: str = "mdc"
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
    return replace(aim, **text, multiplier=multiplier, chart=chart,
                   leverage_points=tuple(sorted(set(aim.leverage_points))))


def validate(aim: Aim) -> list[str]:
    """Every problem with the aim, each naming its field; empty when it can be saved."""
    p: list[str] = []
    for name, limit in (("title", TEXT_MAX), ("measure", TEXT_MAX), ("unit", TEXT_MAX), ("owner", TEXT_MAX),
                        ("definition", LONG_TEXT_MAX)):
        if len(getattr(aim, name)) > limit:
            p.append(f"{name}: longer than {limit} characters")
    if not aim.title:
        p.append("title: give the aim a title")
    if not aim.measure:
        p.append("measure: name the system-level measure")
    if aim.data_type not in DATA_TYPES:
        p.append(f"data type: {aim.data_type!r} is not one of {', '.join(DATA_TYPES)}")
    elif aim.chart not in CHARTS_FOR_TYPE[aim.data_type]:
        p.append(f"chart: a {aim.data_type} measure is drawn as {', '.join(CHARTS_FOR_TYPE[aim.data_type])}")
    if aim.direction not in ("up", "down"):
        p.append("direction: say whether higher (up) or lower (down) is better")
    if aim.rule_set not in RULE_SETS:
        p.append(f"rule set: {aim.rule_set!r} is not one of {', '.join(RULE_SETS)}")
    if aim.review_cadence not in CADENCES:
        p.append(f"review cadence: {aim.review_cadence!r} is not one of {', '.join(CADENCES)}")
    if aim.multiplier is None or not math.isfinite(aim.multiplier) or aim.multiplier <= 0:
        p.append("multiplier: must be a positive number (e.g. 100 for percent, 1000 for per 1,000)")
    for name in ("baseline_value", "target_value"):
        value = getattr(aim, name)
        if value is not None and not math.isfinite(value):
            p.append(f"{name.replace('_', ' ')}: not a number")
        elif (value is not None and aim.data_type == "proportion" and aim.multiplier
              and not 0 <= value <= aim.multiplier):
            p.append(f"{name.replace('_', ' ')}: a proportion lies between 0 and {aim.multiplier:g}")
        elif value is not None and aim.data_type == "rate" and value < 0:
            p.append(f"{name.replace('_', ' ')}: a rate cannot be negative")
    if (aim.baseline_period is None) != (aim.baseline_value is None):
        p.append("baseline: give both the baseline period and its value, or neither")
    if aim.deadline and aim.baseline_period and aim.deadline <= aim.baseline_period:
        p.append("deadline: must fall after the baseline period")
    bad_points = [x for x in aim.leverage_points if x not in range(1, 8)]
    if bad_points:
        p.append(f"leverage points: {bad_points} are not between 1 and 7")
    if aim.baseline_points is not None and aim.baseline_points < 2:
        p.append("baseline points: freeze the limits on at least 2 points, or leave it empty")
    for due, value in aim.trajectory:
        if aim.deadline and due > aim.deadline:
            p.append(f"interim target {due.isoformat()}: falls after the deadline")
        if value is None or not math.isfinite(value):
            p.append(f"interim target {due.isoformat()}: the value is not a number")
    if len({d for d, _ in aim.trajectory}) != len(aim.trajectory):
        p.append("interim targets: two share a date")
    return p


def _row_to_aim(row: sa.Row, trajectory: tuple[tuple[dt.date, float], ...]) -> Aim:
    points = tuple(int(x) for x in row.leverage_points.split(",") if x)
    return Aim(id=row.id, organization_id=row.organization_id, title=row.title, measure=row.measure,
               definition=row.definition, unit=row.unit, data_type=row.data_type, multiplier=row.multiplier,
               direction=row.direction, baseline_period=row.baseline_period, baseline_value=row.baseline_value,
               target_value=row.target_value, deadline=row.deadline, owner=row.owner, leverage_points=points,
               public_commitment=bool(row.public_commitment), chart=row.chart, rule_set=row.rule_set,
               review_cadence=row.review_cadence, baseline_points=row.baseline_points,
               last_reviewed=row.last_reviewed, trajectory=trajectory)


def _aim_values(aim: Aim) -> dict:
    return dict(organization_id=aim.organization_id, title=aim.title, measure=aim.measure,
                definition=aim.definition, unit=aim.unit, data_type=aim.data_type, multiplier=aim.multiplier,
                direction=aim.direction, baseline_period=aim.baseline_period, baseline_value=aim.baseline_value,
                target_value=aim.target_value, deadline=aim.deadline, owner=aim.owner,
                leverage_points=",".join(map(str, aim.leverage_points)), public_commitment=aim.public_commitment,
                chart=aim.chart, rule_set=aim.rule_set, review_cadence=aim.review_cadence,
                baseline_points=aim.baseline_points)


class AimStore:
    """Reads and writes of the aims register on a `Store` (SQLite or PostgreSQL)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure_tables(*TABLES)

    # --- aims ----------------------------------------------------------------------------------------
    def list_aims(self, organization_id: int) -> list[Aim]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(aims).where(aims.c.organization_id == organization_id)
                                .order_by(aims.c.id)).all()
            targets = conn.execute(sa.select(aim_targets).join(aims, aims.c.id == aim_targets.c.aim_id)
                                   .where(aims.c.organization_id == organization_id)
                                   .order_by(aim_targets.c.due)).all()
        by_aim: dict[int, list] = {}
        for t in targets:
            by_aim.setdefault(t.aim_id, []).append((t.due, t.value))
        return [_row_to_aim(r, tuple(by_aim.get(r.id, ()))) for r in rows]

    def get_aim(self, aim_id: int) -> Aim:
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(aims).where(aims.c.id == aim_id)).first()
            if row is None:
                raise AimError([f"aim {aim_id}: no such aim"])
            targets = conn.execute(sa.select(aim_targets.c.due, aim_targets.c.value)
                                   .where(aim_targets.c.aim_id == aim_id).order_by(aim_targets.c.due)).all()
        return _row_to_aim(row, tuple((t.due, t.value) for t in targets))

    def save_aim(self, aim: Aim) -> int:
        """Create the aim (no id) or update it; refuse it whole, naming each problem."""
        aim = normalise(aim)
        problems = validate(aim)
        if problems:
            raise AimError(problems)
        with self.store.write() as conn:
            clash = conn.execute(sa.select(aims.c.id).where(aims.c.organization_id == aim.organization_id,
                                                             aims.c.title == aim.title)).scalar()
            if clash is not None and clash != aim.id:
                raise AimError([f"title: the organization already has an aim called {aim.title!r}"])
            values = _aim_values(aim)
            if aim.id is None:
                aim_id = int(conn.execute(aims.insert().values(**values, created_at=dt.datetime.now(dt.UTC)))
                             .inserted_primary_key[0])
            else:
                if conn.execute(aims.update().where(aims.c.id == aim.id).values(**values)).rowcount == 0:
                    raise AimError([f"aim {aim.id}: no such aim"])
                aim_id = aim.id
                conn.execute(aim_targets.delete().where(aim_targets.c.aim_id == aim_id))
            if aim.trajectory:
                conn.execute(aim_targets.insert(), [{"aim_id": aim_id, "due": d, "value": float(v)}
                                                    for d, v in aim.trajectory])
            self.store.bump(conn)
            return aim_id

    def delete_aim(self, aim_id: int) -> None:
        with self.store.write() as conn:
            for table in (annotations, measurements, aim_targets):
                conn.execute(table.delete().where(table.c.aim_id == aim_id))
            if conn.execute(aims.delete().where(aims.c.id == aim_id)).rowcount == 0:
                raise AimError([f"aim {aim_id}: no such aim"])
            self.store.bump(conn)

    def mark_reviewed(self, aim_id: int, on: dt.date) -> None:
        with self.store.write() as conn:
            if conn.execute(aims.update().where(aims.c.id == aim_id).values(last_reviewed=on)).rowcount == 0:
                raise AimError([f"aim {aim_id}: no such aim"])
            self.store.bump(conn)

    # --- measurements --------------------------------------------------------------------------------
    def measurements(self, aim_ids: Iterable[int]) -> pd.DataFrame:
        """aim_id, period (datetime64), value, numerator, denominator for the aims, sorted by period."""
        ids = list(aim_ids)
        query = (sa.select(measurements).where(measurements.c.aim_id.in_(ids))
                 .order_by(measurements.c.aim_id, measurements.c.period))
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).all() if ids else []
        frame = pd.DataFrame([tuple(r) for r in rows],
                             columns=["aim_id", "period", "value", "numerator", "denominator"])
        frame["period"] = pd.to_datetime(frame["period"])
        for column in ("value", "numerator", "denominator"):
            frame[column] = frame[column].astype(float)
        return frame

    def save_measurements(self, aim: Aim, frame: pd.DataFrame, source: str = "input",
                          replace_all: bool = False) -> int:
        """Add or overwrite periods from `frame` (checked whole first); `replace_all` drops other periods."""
        try:
            series = check_series(frame, aim.series_kind, source)
        except MeasurementError as exc:
            raise AimError(exc.problems) from None
        if aim.counts:
            rows = [{"aim_id": aim.id, "period": p.date(), "value": None,
                     "numerator": float(n), "denominator": float(d)}
                    for p, n, d in zip(series["period"], series["numerator"], series["denominator"], strict=True)]
        else:
            rows = [{"aim_id": aim.id, "period": p.date(), "value": float(v), "numerator": None, "denominator": None}
                    for p, v in zip(series["period"], series["value"], strict=True)]
        with self.store.write() as conn:
            if conn.execute(sa.select(aims.c.id).where(aims.c.id == aim.id)).first() is None:
                raise AimError([f"aim {aim.id}: no such aim"])
            if replace_all:
                conn.execute(measurements.delete().where(measurements.c.aim_id == aim.id))
            else:
                periods = [r["period"] for r in rows]
                for start in range(0, len(periods), 500):
                    conn.execute(measurements.delete().where(measurements.c.aim_id == aim.id,
                                                             measurements.c.period.in_(periods[start:start + 500])))
            conn.execute(measurements.insert(), rows)
            self.store.bump(conn)
        return len(rows)

    def delete_measurement(self, aim_id: int, period: dt.date) -> None:
        with self.store.write() as conn:
            if conn.execute(measurements.delete().where(measurements.c.aim_id == aim_id,
                                                        measurements.c.period == period)).rowcount == 0:
                raise AimError([f"period {period.isoformat()}: no measurement to delete"])
            self.store.bump(conn)

    # --- annotations ---------------------------------------------------------------------------------
    def annotations(self, aim_ids: Iterable[int]) -> pd.DataFrame:
        ids = list(aim_ids)
        query = (sa.select(annotations.c.id, annotations.c.aim_id, annotations.c.on_date, annotations.c.label,
                           annotations.c.kind).where(annotations.c.aim_id.in_(ids))
                 .order_by(annotations.c.on_date, annotations.c.id))
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).all() if ids else []
        frame = pd.DataFrame([tuple(r) for r in rows], columns=["id", "aim_id", "on_date", "label", "kind"])
        frame["on_date"] = pd.to_datetime(frame["on_date"])
        return frame

    def add_annotation(self, aim_id: int, on: dt.date, label: str, kind: str) -> int:
        label = (label or "").strip()
        problems = []
        if not label:
            problems.append("label: say what happened")
        elif len(label) > TEXT_MAX:
            problems.append(f"label: longer than {TEXT_MAX} characters")
        if kind not in ANNOTATION_KINDS:
            problems.append(f"kind: {kind!r} is not one of {', '.join(ANNOTATION_KINDS)}")
        if not isinstance(on, dt.date):
            problems.append("date: not a date")
        if problems:
            raise AimError(problems)
        with self.store.write() as conn:
            if conn.execute(sa.select(aims.c.id).where(aims.c.id == aim_id)).first() is None:
                raise AimError([f"aim {aim_id}: no such aim"])
            if kind == "phase" and conn.execute(sa.select(annotations.c.id).where(
                    annotations.c.aim_id == aim_id, annotations.c.kind == "phase",
                    annotations.c.on_date == on)).first():
                raise AimError([f"date: a new phase already starts on {on.isoformat()}"])
            new_id = conn.execute(annotations.insert().values(aim_id=aim_id, on_date=on, label=label, kind=kind)
                                  ).inserted_primary_key[0]
            self.store.bump(conn)
            return int(new_id)

    def delete_annotation(self, annotation_id: int) -> None:
        with self.store.write() as conn:
            if conn.execute(annotations.delete().where(annotations.c.id == annotation_id)).rowcount == 0:
                raise AimError([f"annotation {annotation_id}: no such annotation"])
            self.store.bump(conn)


def register_evidence(aim_list: list[Aim], today: dt.date) -> dict:
    """What the register shows about leverage point 1: aims complete, public, reviewed on time."""
    complete = [a for a in aim_list if a.is_complete]
    reviewed = [a.last_reviewed for a in aim_list if a.last_reviewed]
    return {"aims": len(aim_list), "complete": len(complete),
            "public": sum(a.public_commitment for a in aim_list),
            "review_overdue": sum(a.review_due(today) for a in aim_list),
            "last_reviewed": max(reviewed) if reviewed else None}
