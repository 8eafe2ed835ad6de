"""Reading a workshop: its state, live counts for the console and projector, answers and results with
the workshop's threshold applied, and the shift between the two votes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from leverage.core.database import aware
from leverage.core.i18n import _
from leverage.core.schema import (
    departments,
    organizations,
    workshop_answers,
    workshop_participants,
    workshop_points,
    workshop_results,
    workshops,
)
from leverage.survey.instrument import Instrument
from leverage.survey.scoring import level_distribution, point_scores
from leverage.survey.store import Store
from leverage.workshops import disclosure, joincode
from leverage.workshops.disclosure import Published
from leverage.workshops.states import (
    EXPORT_COLUMNS,
    WorkshopError,
    respondent_key,
)


@dataclass(frozen=True)
class PointState:
    vote: int
    point: str
    state: str
    revealed: bool
    revealed_seq: int | None


@dataclass(frozen=True)
class Board:
    """What changes only with a facilitator's action (so it is read once per version): the workshop, every
    point of every vote, and every published result."""

    workshop: dict
    points: tuple[PointState, ...]
    published: Mapping[tuple[int, str], tuple[Published, ...]] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return int(self.workshop["version"])

    @property
    def vote(self) -> int:
        return int(self.workshop["vote"])

    @property
    def resets(self) -> int:
        """How often a facilitator has deleted answers (reset a point): what a phone's own answers depend on,
        besides its own sends and the vote."""
        return int(self.workshop["resets"])

    @property
    def min_n(self) -> int:
        return int(self.workshop["min_n"])

    def current(self) -> tuple[PointState, ...]:
        return tuple(p for p in self.points if p.vote == self.vote)

    def state(self, point: str, vote: int | None = None) -> PointState | None:
        vote = vote or self.vote
        return next((p for p in self.points if p.vote == vote and p.point == point), None)

    def history(self, point: str, vote: int | None = None) -> tuple[Published, ...]:
        return self.published.get((vote or self.vote, point), ())

    def latest(self, point: str, vote: int | None = None) -> Published | None:
        found = self.history(point, vote)
        return found[-1] if found else None

    def room(self, point: str, vote: int | None = None) -> Published | None:
        """The publication the room sees for this point (frozen reveal, or the latest when not hidden)."""
        ps = self.state(point, vote)
        if ps is None:
            return None
        latest = self.latest(point, ps.vote)
        seq = disclosure.room_seq(ps.revealed, ps.revealed_seq, bool(self.workshop["hide_results"]),
                                  latest.seq if latest else None)
        return next((p for p in self.history(point, ps.vote) if p.seq == seq), None)


@dataclass(frozen=True)
class Counts:
    """Live counts of the current vote, from one aggregate query."""

    participants: int
    answers: int
    answered: Mapping[str, int]  # point -> people who answered it


class LiveResults:
    """Reads for the console, projector and exports; mixed into `Workshops`."""

    store: Store
    instrument: Instrument
    throttle: joincode.Throttle
    min_n_floor: int

    def effective_min_n(self, min_n: int) -> int:
        """A workshop's threshold, never below the installation's minimum (it may have been raised since)."""
        return max(int(min_n), self.min_n_floor)

    # --- what the live views read ----------------------------------------------------------------------
    def versions(self, workshop_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
        """workshop id -> (version, status), one small query for every workshop a process's phones watch."""
        ids = sorted(set(int(i) for i in workshop_ids))
        if not ids:
            return {}
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(workshops.c.id, workshops.c.version, workshops.c.status)
                                .where(workshops.c.id.in_(ids))).all()
        return {int(r.id): (int(r.version), r.status) for r in rows}

    def board(self, workshop_id: int) -> Board:
        ws = self.get(workshop_id)
        ws["min_n"] = self.effective_min_n(ws["min_n"])
        order = {p.id: k for k, p in enumerate(self.instrument.points)}
        with self.store.engine.connect() as conn:
            pts = conn.execute(sa.select(workshop_points).where(workshop_points.c.workshop_id == workshop_id)).all()
            pubs = conn.execute(sa.select(workshop_results.c.vote, workshop_results.c.leverage_point,
                                          workshop_results.c.seq, workshop_results.c.payload)
                                .where(workshop_results.c.workshop_id == workshop_id)
                                .order_by(workshop_results.c.vote, workshop_results.c.leverage_point,
                                          workshop_results.c.seq)).all()
        points = tuple(sorted((PointState(int(p.vote), p.leverage_point, p.state, bool(p.revealed), p.revealed_seq)
                               for p in pts), key=lambda p: (p.vote, order.get(p.point, 99))))
        published: dict[tuple[int, str], list[Published]] = {}
        for r in pubs:
            published.setdefault((int(r.vote), r.leverage_point), []).append(
                disclosure.published_from(int(r.seq), r.payload))
        return Board(ws, points, {k: tuple(v) for k, v in published.items()})

    def counts(self, workshop_id: int) -> Counts:
        """Participants, answers and people per point of the current vote: one aggregate query."""
        current = sa.select(workshops.c.vote).where(workshops.c.id == workshop_id).scalar_subquery()
        per_point = (sa.select(workshop_answers.c.leverage_point.label("key"),
                               sa.func.count(sa.distinct(workshop_answers.c.participant_id)).label("people"),
                               sa.func.count().label("rows"))
                     .where(workshop_answers.c.workshop_id == workshop_id, workshop_answers.c.vote == current)
                     .group_by(workshop_answers.c.leverage_point))
        joined = (sa.select(sa.literal("*").label("key"), sa.func.count().label("people"),
                            sa.literal(0).label("rows"))
                  .where(workshop_participants.c.workshop_id == workshop_id))
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.union_all(per_point, joined)).all()
        answered = {r.key: int(r.people) for r in rows if r.key != "*"}
        return Counts(next((int(r.people) for r in rows if r.key == "*"), 0),
                      sum(int(r.rows) for r in rows if r.key != "*"), answered)

    # --- reading the workshop -----------------------------------------------------------------------
    def get(self, workshop_id: int) -> dict:
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(workshops).where(workshops.c.id == workshop_id)).mappings().first()
        if row is None:
            raise WorkshopError(_("There is no workshop with id {workshop_id}.").format(workshop_id=workshop_id))
        return self._shape(row)

    @staticmethod
    def _shape(row: Mapping) -> dict:
        out = dict(row)
        out["items"] = out.pop("item_ids").split(",")
        out["expires_at"] = aware(out["expires_at"])
        out["created_at"] = aware(out["created_at"])
        out["ended_at"] = aware(out["ended_at"])
        return out

    def list_workshops(self, organization_id: int) -> pd.DataFrame:
        q = (sa.select(workshops.c.id, workshops.c.title, workshops.c.code, workshops.c.status, workshops.c.vote,
                       workshops.c.round_name, workshops.c.created_at)
             .where(workshops.c.organization_id == organization_id).order_by(workshops.c.id.desc()))
        with self.store.engine.connect() as conn:
            rows = conn.execute(q).all()
        return pd.DataFrame([tuple(r) for r in rows],
                            columns=["id", "title", "code", "status", "vote", "round_name", "created_at"])

    def points(self, workshop_id: int, vote: int | None = None) -> pd.DataFrame:
        """State of each asked point in `vote` (default: the current vote)."""
        vote = vote or self.get(workshop_id)["vote"]
        q = (sa.select(workshop_points.c.leverage_point, workshop_points.c.state, workshop_points.c.revealed)
             .where(workshop_points.c.workshop_id == workshop_id, workshop_points.c.vote == vote))
        with self.store.engine.connect() as conn:
            rows = conn.execute(q).all()
        order = [p.id for p in self.instrument.points]
        frame = pd.DataFrame([tuple(r) for r in rows], columns=["leverage_point", "state", "revealed"])
        return frame.sort_values("leverage_point", key=lambda s: s.map(order.index)).reset_index(drop=True)

    def snapshot(self, workshop_id: int) -> dict:
        """Everything a live view shows, in three queries: the workshop, its points, and counts per point."""
        ws = self.get(workshop_id)
        vote = ws["vote"]
        with self.store.engine.connect() as conn:
            ws["participants"] = int(conn.execute(
                sa.select(sa.func.count()).select_from(workshop_participants)
                .where(workshop_participants.c.workshop_id == workshop_id)).scalar_one())
            answered = dict(conn.execute(
                sa.select(workshop_answers.c.leverage_point,
                          sa.func.count(sa.distinct(workshop_answers.c.participant_id)))
                .where(workshop_answers.c.workshop_id == workshop_id, workshop_answers.c.vote == vote)
                .group_by(workshop_answers.c.leverage_point)).all())
            ws["answers"] = int(conn.execute(
                sa.select(sa.func.count()).select_from(workshop_answers)
                .where(workshop_answers.c.workshop_id == workshop_id, workshop_answers.c.vote == vote)).scalar_one())
        pts = self.points(workshop_id, vote)
        pts["answered"] = pts["leverage_point"].map(answered).fillna(0).astype(int)
        ws["points"] = pts
        return ws

    # --- results -----------------------------------------------------------------------------------
    def answers(self, workshop_id: int, votes: Iterable[int] | None = None) -> pd.DataFrame:
        """Long format (the export): one row per participant × vote × item."""
        ws = self.get(workshop_id)
        q = (sa.select(workshop_answers.c.vote, departments.c.name.label("department"), workshop_participants.c.role,
                       workshop_answers.c.participant_id, workshop_answers.c.item_id,
                       workshop_answers.c.leverage_point, workshop_answers.c.value)
             .select_from(workshop_answers
                          .join(workshop_participants, workshop_participants.c.id == workshop_answers.c.participant_id)
                          .outerjoin(departments, departments.c.id == workshop_participants.c.department_id))
             .where(workshop_answers.c.workshop_id == workshop_id)
             .order_by(workshop_answers.c.vote, workshop_answers.c.participant_id, workshop_answers.c.item_id))
        if votes is not None:
            q = q.where(workshop_answers.c.vote.in_(list(votes)))
        with self.store.engine.connect() as conn:
            rows = conn.execute(q).all()
            org = conn.execute(sa.select(organizations.c.name)
                               .where(organizations.c.id == ws["organization_id"])).scalar_one()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=["vote", "department", "role", "participant_id",
                                                                "item_id", "leverage_point", "value"])
        frame["workshop"] = ws["code"]
        frame["organization"] = org
        frame["round"] = ws["round_name"]
        frame["respondent_id"] = [respondent_key(workshop_id, int(p)) for p in frame["participant_id"]]
        frame["value"] = frame["value"].astype("Int64")
        frame["vote"] = frame["vote"].astype(int)
        return frame[EXPORT_COLUMNS]

    def results(self, workshop_id: int, vote: int | None = None, points: Iterable[str] | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(scores per point, level shares per point) of one vote, the workshop's threshold applied."""
        ws = self.get(workshop_id)
        vote = vote or ws["vote"]
        frame = self.answers(workshop_id, [vote])
        if points is not None:
            frame = frame[frame["leverage_point"].isin(list(points))]
        frame = frame.drop(columns=["workshop", "vote"])
        levels = tuple(self.instrument.level_values)
        min_n = self.effective_min_n(ws["min_n"])
        return (point_scores(frame, (), min_n, include_overall=False), level_distribution(frame, (), min_n, levels))

    def shift(self, workshop_id: int, by: Sequence[str] = (), board: Board | None = None) -> pd.DataFrame:
        """Change of the mean per point (and per role with `by=("role",)`) from vote 1 to vote 2.

        From published results only (a point of vote 2 shows a shift once it has been closed with enough
        people), with the threshold and the subtraction rule (see `disclosure.shift`).
        """
        if tuple(by) not in ((), ("role",)):
            raise WorkshopError(_("The shift is shown per point, or per point and role."))
        board = board or self.board(workshop_id)
        frames = [disclosure.shift(p.point, board.latest(p.point, 1), board.history(p.point, 2), board.min_n,
                                   by_role=bool(by))
                  for p in board.points if p.vote == 2]
        frames = [f for f in frames if not f.empty]
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=disclosure.SHIFT_COLUMNS)
        return out if by else out.drop(columns="role")  # per point: no role column (as the board pack reads it)
