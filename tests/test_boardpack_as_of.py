"""The board pack says what was known at its cut-off: reviews, annotations, and the dates in its questions."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from leverage.aims.register import Aim, normalise
from leverage.aims.repository import AimStore
from leverage.aims.view import analyse_aim, questions_to_ask
from leverage.core.settings import load_settings
from leverage.reports.boardpack.content import gather
from leverage.reports.boardpack.layout import summary
from leverage.survey.store import Store

D = dt.date


def _aim(**changes) -> Aim:
    base = dict(id=1, organization_id=1, title="Fewer falls", measure="Falls per 1,000 bed days", direction="down",
                data_type="continuous", chart="xmr", baseline_points=12, target_value=2.0,
                deadline=D(2027, 12, 31))
    return normalise(Aim(**{**base, **changes}))


def _rows(values, start: str = "2025-01-01") -> pd.DataFrame:
    return pd.DataFrame({"aim_id": 1, "period": pd.date_range(start, periods=len(values), freq="MS"),
                         "value": values, "numerator": float("nan"), "denominator": float("nan")})


def _notes(*notes) -> pd.DataFrame:
    return pd.DataFrame([(i, 1, pd.Timestamp(d), label, kind) for i, (d, label, kind) in enumerate(notes)],
                        columns=["id", "aim_id", "on_date", "label", "kind"])


@pytest.fixture
def register(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'asof.db'}")
    org = store.add_organization("Harbour Hospital")
    reg = AimStore(store)
    aim_id = reg.save_aim(_aim(id=None, organization_id=org))
    reg.save_measurements(reg.get_aim(aim_id), _rows([11, 9] * 10)[["period", "value"]])
    reg.mark_reviewed(aim_id, D(2026, 11, 20))
    reg.add_annotation(aim_id, D(2025, 6, 1), "Falls huddles", "change")
    reg.add_annotation(aim_id, D(2026, 11, 25), "Phase recorded after the cut-off", "phase")
    yield store, aim_id
    store.dispose()


def test_a_review_after_the_cut_off_is_not_done(register):
    store, _ = register
    before = gather(store, load_settings({}), "Harbour Hospital", as_of=D(2026, 10, 31))
    row = before.summary.iloc[0]
    assert bool(row.review_due) and pd.isna(row.last_reviewed)
    assert summary(before).blocks[1].rows[0].cells[-1] == "due"
    after = gather(store, load_settings({}), "Harbour Hospital", as_of=D(2026, 11, 30))
    assert not bool(after.summary.iloc[0].review_due)
    assert summary(after).blocks[1].rows[0].cells[-1] == "done"


def test_annotations_after_the_cut_off_are_left_out(register):
    store, _ = register
    view = gather(store, load_settings({}), "Harbour Hospital", as_of=D(2026, 10, 31)).views[0]
    assert view.annotations["label"].tolist() == ["Falls huddles"]
    assert view.summary["phases"] == 1  # the later phase annotation does not split the chart
    # and analyse_aim alone applies the same cut-off to annotations
    notes = _notes((D(2025, 6, 1), "Falls huddles", "change"), (D(2026, 11, 25), "Later", "astronomical"))
    alone = analyse_aim(_aim(), _rows([11, 9] * 10), notes, as_of=D(2026, 10, 31))
    assert alone.annotations["label"].tolist() == ["Falls huddles"]
    assert not any("astronomical" in s for s in alone.result.points["signals"])


def test_improvement_since_starts_at_the_latest_run_of_improvement_not_an_earlier_concern():
    # Frozen baseline 11, 9 (limits 4.68 .. 15.32), lower is better; twelve common-cause months; then 16
    # (above: concern, Jan 2027), 4 and 4.5 (below: improvement, Feb and Mar 2027). Improvement since Feb 2027,
    # not Jan (the old reading took the whole run of flagged points).
    view = analyse_aim(_aim(), _rows([11, 9] * 6 + [10, 10.5, 9.5, 10, 10.5, 9.5, 10, 10.5, 9.5, 10, 10.5, 10,
                                                   16, 4, 4.5]), _notes())
    assert view.result.points["point_type"].tolist()[-3:] == ["concern", "improvement", "improvement"]
    questions = questions_to_ask(view, D(2027, 4, 1))
    assert any("special cause improvement since about Feb 2027" in q for q in questions), questions


def test_improvement_since_does_not_reach_back_across_a_phase():
    # A run chart (IHI), lower is better. Phase 1 (2025): 10, 12 three times, then 5, 4 three times: median
    # 7.5, the last six below it (a shift: improvement, Jul-Dec 2025). Phase 2 from Jan 2026: 8, 7, 6, 5, 4, 3
    # falling (a trend of six: improvement). The latest run of improvement starts in Jan 2026.
    aim = _aim(chart="run", rule_set="ihi", baseline_points=None)
    view = analyse_aim(aim, _rows([10, 12] * 3 + [5, 4] * 3 + [8, 7, 6, 5, 4, 3]),
                       _notes((D(2026, 1, 1), "New falls pathway", "phase")))
    types = view.result.points["point_type"].tolist()
    assert types[6:] == ["improvement"] * 12  # flagged without a break across the boundary
    questions = questions_to_ask(view, D(2026, 7, 1))
    assert any("special cause improvement since about Jan 2026" in q for q in questions), questions
