"""The self-assessment as a small state machine, free of UI: a draft, its steps, and its submission.

A draft lives in the user's session until submitted; the submission id is fixed when the draft starts,
so a double click or a resend after a dropped connection never stores the response twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pandas as pd

from leverage.survey.instrument import Instrument
from leverage.survey.scoring import item_scores, respondent_profile, strengths_and_gaps
from leverage.survey.submissions import Submission

DONT_KNOW = "dont_know"
Answer = int | str  # a level value, or DONT_KNOW


@dataclass
class Draft:
    organization_id: int
    round_id: int
    role: str
    department_id: int | None
    language: str
    instrument_key: tuple[str, str]
    answers: dict[str, Answer] = field(default_factory=dict)
    step: int = 0  # 0..6: leverage points; 7: review
    submission_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    respondent_id: int | None = None

    @property
    def submitted(self) -> bool:
        return self.respondent_id is not None


def open_rounds(rounds: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Rounds (as `Store.list_rounds` gives them) that take answers today: opened, and not yet closed."""
    is_open = (rounds["opens_on"] <= today) & (rounds["closes_on"].isna() | (rounds["closes_on"] >= today))
    return rounds[is_open]


def review_step(instrument: Instrument) -> int:
    return len(instrument.points)


def unanswered(instrument: Instrument, point_id: str, answers: dict[str, Answer]) -> list[str]:
    """Items of the point still without an answer (a "don't know" counts as an answer)."""
    return [item.id for item in instrument.items_for(point_id) if answers.get(item.id) is None]


def progress(instrument: Instrument, answers: dict[str, Answer]) -> tuple[int, int]:
    answered = sum(1 for item in instrument.items if answers.get(item.id) is not None)
    return answered, len(instrument.items)


def first_incomplete_point(instrument: Instrument, answers: dict[str, Answer]) -> str | None:
    return next((p.id for p in instrument.points if unanswered(instrument, p.id, answers)), None)


def to_submission(draft: Draft) -> Submission:
    return Submission(
        submission_id=draft.submission_id,
        round_id=draft.round_id,
        role=draft.role,
        department_id=draft.department_id,
        language=draft.language,
        answers={item: (None if value == DONT_KNOW else int(value)) for item, value in draft.answers.items()},
    )


def answer_summary(instrument: Instrument, answers: dict[str, Answer]) -> pd.DataFrame:
    """Per point: how many items answered, how many "don't know", how many still open (for the review)."""
    rows = []
    for point in instrument.points:
        items = instrument.items_for(point.id)
        given = [answers.get(i.id) for i in items]
        rows.append({"leverage_point": point.id, "items": len(items),
                     "answered": sum(v is not None for v in given),
                     "dont_know": sum(v == DONT_KNOW for v in given),
                     "open": sum(v is None for v in given)})
    return pd.DataFrame(rows)


def own_profile(instrument: Instrument, answers: dict[str, int | None]) -> dict[str, pd.DataFrame]:
    """A respondent's own point scores, strongest and weakest points, and lowest and highest items."""
    item_point = instrument.item_point()
    points = respondent_profile(answers, item_point)
    frame = pd.DataFrame([{"item_id": i, "leverage_point": item_point[i], "value": v}
                          for i, v in answers.items() if i in item_point])
    frame["value"] = frame["value"].astype("Float64")
    items = item_scores(frame, (), min_n=1)
    found = strengths_and_gaps(points, items, k=2)
    return {"points": points, **found}
