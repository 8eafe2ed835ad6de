"""Reads and writes of the aims register: aims with their interim targets, measurements, annotations.

Every write is one transaction that bumps the store's revision, so the Board and Aims pages, cached
by revision, show a change at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

from leverage.aims.measurements import MeasurementError, check_series
from leverage.aims.register import ANNOTATION_KINDS, TEXT_MAX, Aim, AimError, normalise, validate
from leverage.core.database import Database
from leverage.core.i18n import _
from leverage.core.schema import aim_targets, aims, annotations, measurements


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

    def __init__(self, store: Database) -> None:
        self.store = store

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
            problems.append(_("label: say what happened"))
        elif len(label) > TEXT_MAX:
            problems.append(_("label: longer than {TEXT_MAX} characters").format(TEXT_MAX=TEXT_MAX))
        if kind not in ANNOTATION_KINDS:
            problems.append(_("kind: {kind!r} is not one of {value}").format(
                                kind=kind, value=', '.join(ANNOTATION_KINDS)))
        if not isinstance(on, dt.date):
            problems.append(_("date: not a date"))
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


