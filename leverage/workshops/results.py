"""Reading a workshop: its state, live counts for the console and projector, answers and results with
the workshop's threshold applied, and the shift between the two votes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
import sqlalchemy as sa

from leverage.core.database import aware
from leverage.core.schema import (
    departments,
    organizations,
    workshop_answers,
    workshop_participants,
    workshop_points,
    workshops,
)
from leverage.survey.instrument import Instrument
from leverage.survey.scoring import change_between, level_distribution, point_scores
from leverage.survey.store import Store
from leverage.workshops import joincode
from leverage.workshops.states import (
    EXPORT_COLUMNS,
    UNSPECIFIED_ROLE,
    WorkshopError,
    respondent_key,
)


class LiveResults:
    """Reads for the console, projector and exports; mixed into `Workshops`."""

    store: Store
    instrument: Instrument
    throttle: joincode.Throttle

    # --- reading the workshop -----------------------------------------------------------------------
    def get(self, workshop_id: int) -> dict:
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(workshops).where(workshops.c.id == workshop_id)).mappings().first()
        if row is None:
            raise WorkshopError(f"There is no workshop with id {workshop_id}.")
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
        return (point_scores(frame, (), ws["min_n"], include_overall=False),
                level_distribution(frame, (), ws["min_n"], levels))

    def shift(self, workshop_id: int, by: Sequence[str] = ()) -> pd.DataFrame:
        """Change of the mean per point (and per `by`, e.g. role) from vote 1 to vote 2, threshold applied.

        A group below the threshold in either vote shows no mean and no change.
        """
        ws = self.get(workshop_id)
        frame = self.answers(workshop_id, [1, 2]).drop(columns=["workshop"])
        frame["role"] = frame["role"].fillna(UNSPECIFIED_ROLE)
        first = point_scores(frame[frame["vote"] == 1].drop(columns="vote"), by, ws["min_n"], include_overall=False)
        second = point_scores(frame[frame["vote"] == 2].drop(columns="vote"), by, ws["min_n"], include_overall=False)
        if second.empty:
            return pd.DataFrame(columns=[*by, "leverage_point", "n_respondents", "mean", "n_respondents_previous",
                                         "mean_previous", "change"])
        return change_between(first, second, by)

