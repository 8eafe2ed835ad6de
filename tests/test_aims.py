"""The aims register (SQLite and PostgreSQL), its validation, the projection and the aim reading."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from leverage.aims.projection import project, required_path, target_on
from leverage.aims.register import Aim, AimError, normalise, register_evidence, validate
from leverage.aims.repository import AimStore
from leverage.aims.view import analyse_aim, questions_to_ask, series_for, vital_few
from leverage.demo.aims import aims_for, load_demo_aims
from leverage.survey.store import Store

D = dt.date


def _aim(org_id: int, **changes) -> Aim:
    base = dict(organization_id=org_id, title="Cut harm", measure="Adverse events per 1,000 patient days",
                data_type="rate", direction="down", baseline_period=D(2024, 1, 1), baseline_value=60.0,
                target_value=30.0, deadline=D(2027, 12, 31), owner="CMO")
    return Aim(**{**base, **changes})


# --- validation ----------------------------------------------------------------------------------------
def test_defaults_follow_the_data_type() -> None:
    assert normalise(_aim(1)).multiplier == 1000 and normalise(_aim(1)).chart == "u"
    assert normalise(_aim(1, data_type="proportion", target_value=10)).multiplier == 100
    assert normalise(_aim(1, data_type="continuous")).chart == "xmr"


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": ""}, "title"),
    ({"measure": " "}, "measure"),
    ({"direction": "sideways"}, "direction"),
    ({"data_type": "continuous", "chart": "p"}, "chart"),
    ({"data_type": "proportion", "target_value": 140.0}, "target value"),
    ({"baseline_value": None}, "baseline"),
    ({"deadline": D(2023, 1, 1)}, "deadline"),
    ({"leverage_points": (0, 8)}, "leverage points"),
    ({"rule_set": "westgard"}, "rule set"),
    ({"baseline_points": 1}, "baseline points"),
    ({"trajectory": ((D(2029, 1, 1), 40.0),)}, "interim target"),
    ({"multiplier": -5.0}, "multiplier"),
])
def test_validation_names_the_field(changes: dict, field: str) -> None:
    problems = validate(normalise(_aim(1, **changes)))
    assert any(p.startswith(field) for p in problems), problems


def test_a_valid_aim_has_no_problems() -> None:
    assert validate(normalise(_aim(1))) == []


# --- the register on both backends ----------------------------------------------------------------------
def test_save_read_update_and_refuse_duplicates(store: Store) -> None:
    org = store.add_organization("Trust")
    reg = AimStore(store)
    rev = store.revision()
    aim_id = reg.save_aim(_aim(org, trajectory=((D(2026, 12, 31), 40.0),), leverage_points=(3, 1)))
    assert store.revision() == rev + 1
    aim = reg.get_aim(aim_id)
    assert aim.title == "Cut harm" and aim.leverage_points == (1, 3) and aim.trajectory == ((D(2026, 12, 31), 40.0),)
    reg.save_aim(_aim(org, id=aim_id, title="Cut harm by half", trajectory=()))
    assert reg.get_aim(aim_id).title == "Cut harm by half" and reg.get_aim(aim_id).trajectory == ()
    reg.save_aim(_aim(org, title="Other"))
    with pytest.raises(AimError, match="already has an aim"):
        reg.save_aim(_aim(org, title="Other", id=aim_id))
    assert [a.title for a in reg.list_aims(org)] == ["Cut harm by half", "Other"]


def test_invalid_aim_writes_nothing(store: Store) -> None:
    org = store.add_organization("Trust")
    reg = AimStore(store)
    rev = store.revision()
    with pytest.raises(AimError) as caught:
        reg.save_aim(_aim(org, title="", direction="x"))
    assert len(caught.value.problems) == 2
    assert reg.list_aims(org) == [] and store.revision() == rev


def test_measurements_upsert_and_all_or_nothing(store: Store) -> None:
    org = store.add_organization("Trust")
    reg = AimStore(store)
    aim = reg.get_aim(reg.save_aim(_aim(org)))
    first = pd.DataFrame({"period": ["2025-01-01", "2025-02-01"], "numerator": [30, 20],
                          "denominator": [500, 400]})
    assert reg.save_measurements(aim, first) == 2
    bad = pd.DataFrame({"period": ["2025-02-01", "2025-03-01"], "numerator": [10, 5], "denominator": [400, -1]})
    with pytest.raises(AimError, match="row 2: denominator -1 must be positive"):
        reg.save_measurements(aim, bad)
    rows = reg.measurements([aim.id])
    assert rows["numerator"].tolist() == [30, 20]  # the bad file changed nothing
    reg.save_measurements(aim, pd.DataFrame({"period": ["2025-02-01"], "numerator": [25], "denominator": [400]}))
    assert reg.measurements([aim.id])["numerator"].tolist() == [30, 25]
    reg.save_measurements(aim, pd.DataFrame({"period": ["2025-05-01"], "numerator": [1], "denominator": [10]}),
                          replace_all=True)
    assert reg.measurements([aim.id])["period"].dt.date.tolist() == [D(2025, 5, 1)]
    reg.delete_measurement(aim.id, D(2025, 5, 1))
    assert reg.measurements([aim.id]).empty
    with pytest.raises(AimError, match="no measurement"):
        reg.delete_measurement(aim.id, D(2025, 5, 1))


def test_annotations_and_reviews(store: Store) -> None:
    org = store.add_organization("Trust")
    reg = AimStore(store)
    aim_id = reg.save_aim(_aim(org))
    note = reg.add_annotation(aim_id, D(2025, 6, 1), "Bundle live", "phase")
    with pytest.raises(AimError, match="already starts"):
        reg.add_annotation(aim_id, D(2025, 6, 1), "Again", "phase")
    with pytest.raises(AimError) as caught:
        reg.add_annotation(aim_id, D(2025, 6, 1), "", "gossip")
    assert len(caught.value.problems) == 2
    assert reg.annotations([aim_id])["label"].tolist() == ["Bundle live"]
    reg.delete_annotation(note)
    assert reg.annotations([aim_id]).empty
    reg.mark_reviewed(aim_id, D(2026, 11, 1))
    assert reg.get_aim(aim_id).last_reviewed == D(2026, 11, 1)
    reg.delete_aim(aim_id)
    assert reg.list_aims(org) == []


def test_register_evidence_counts_complete_public_and_overdue() -> None:
    today = D(2026, 11, 26)
    aims = [normalise(_aim(1, public_commitment=True, last_reviewed=D(2026, 11, 20))),
            normalise(_aim(1, title="B", target_value=None, last_reviewed=D(2026, 8, 1))),
            normalise(_aim(1, title="C", review_cadence="quarterly"))]
    ev = register_evidence(aims, today)
    assert ev == {"aims": 3, "complete": 2, "public": 1, "review_overdue": 2, "last_reviewed": D(2026, 11, 20)}


# --- projection --------------------------------------------------------------------------------------------
def _monthly(values) -> pd.DatetimeIndex:
    return pd.date_range("2025-01-01", periods=len(values), freq="MS")


def test_projection_on_a_perfect_line() -> None:
    # y falls 1 per 100 days exactly (12 points, one every 100 days): Theil–Sen recovers the slope, there is no
    # scatter, and the interval collapses on the line. Deadline day 1500: 50 - 15 = 35.
    days = np.arange(0, 1200, 100)
    periods = pd.Timestamp("2025-01-01") + pd.to_timedelta(days, unit="D")
    values = 50 - days / 100
    deadline = pd.Timestamp("2025-01-01") + pd.Timedelta(days=1500)
    on = project(periods, values, 36, deadline, "down")
    assert on.state == "on_course" and on.projected == pytest.approx(35.0)
    assert (on.low, on.high) == (pytest.approx(35.0), pytest.approx(35.0))
    assert on.slope_per_year == pytest.approx(-3.6525)
    assert project(periods, values, 34, deadline, "down").state == "off_course"
    # higher is better, limits 40 .. 60 wholly above a target of 34: achieved and stable
    assert project(periods, values, 34, deadline, "up", limits=(40.0, 60.0)).state == "achieved"


def test_projection_at_risk_when_only_the_interval_reaches_the_target() -> None:
    rng = np.random.default_rng(1)
    values = 50 - 0.3 * np.arange(24) + rng.normal(0, 2, 24)
    periods = _monthly(values)
    deadline = periods[-1] + pd.Timedelta(days=365)
    result = project(periods, values, 40, deadline, "down")
    assert result.low < result.projected < result.high
    target = (result.projected + result.low) / 2  # between the favourable end and the projection
    assert project(periods, values, target, deadline, "down").state == "at_risk"
    assert project(periods, values, result.low - 1, deadline, "down").state == "off_course"
    assert project(periods, values, result.projected + 0.01, deadline, "down").state == "on_course"


def test_projection_needs_twelve_points_a_target_and_a_direction() -> None:
    # Behaviour changed with the prediction interval (issue 16): its coverage is checked from 12 points.
    eleven = project(_monthly(range(11)), range(11), 30, "2027-01-01", "up")
    assert eleven.state == "not_enough_data" and "11 point(s)" in eleven.reason and "needs 12" in eleven.reason
    assert project(_monthly(range(12)), range(12), 30, "2027-01-01", "up").state != "not_enough_data"
    assert "No target" in project(_monthly(range(12)), range(12), None, "2027-01-01", "up").reason
    assert project(_monthly(range(12)), range(12), 9, "2027-01-01", "none").state == "not_enough_data"


def test_run_chart_achieved_when_every_point_of_the_phase_meets_the_target() -> None:
    values = [5, 6, 5, 4, 6, 5]
    assert project(_monthly(values), values, 6, "2027-01-01", "down", has_limits=False).state == "achieved"
    assert project(_monthly(values), values, 5, "2027-01-01", "down", has_limits=False).state != "achieved"


def test_required_path_and_target_in_force() -> None:
    path = required_path(D(2025, 1, 1), 60, 30, D(2027, 12, 31), [(D(2026, 12, 31), 40), (D(2030, 1, 1), 1)])
    assert path["value"].tolist() == [60, 40, 30]  # an interim target after the deadline is ignored
    assert required_path(None, 60, 30, D(2027, 12, 31)).empty
    assert target_on(D(2026, 6, 1), 30, [(D(2026, 12, 31), 40)]) == 40
    assert target_on(D(2027, 2, 1), 30, [(D(2026, 12, 31), 40)]) == 30


# --- the aim reading: one function for chart, icons and questions -----------------------------------------
def test_series_for_scales_counts_drawn_as_xmr() -> None:
    aim = normalise(_aim(1, data_type="proportion", chart="xmr", baseline_value=20, target_value=10))
    rows = pd.DataFrame({"period": pd.to_datetime(["2025-01-01"]), "value": [np.nan], "numerator": [5.0],
                         "denominator": [20.0]})
    assert series_for(aim, rows)["value"].tolist() == [25.0]


def test_vital_few_and_chart_agree_on_every_aim() -> None:
    today = D(2026, 11, 26)
    views = []
    for i, demo in enumerate(aims_for(1, "Riverside Health System")):
        aim = normalise(demo.aim)
        aim = Aim(**{**aim.__dict__, "id": i + 1})
        notes = pd.DataFrame([(0, aim.id, pd.Timestamp(d), label, kind) for d, label, kind in demo.notes],
                             columns=["id", "aim_id", "on_date", "label", "kind"])
        views.append(analyse_aim(aim, demo.measurements, notes))
    table = vital_few(views, today)
    assert len(table) == 5
    for view, row in zip(views, table.itertuples(), strict=True):
        assert row.variation == view.result.summary["variation"]
        assert row.assurance == view.result.summary["assurance"]
        assert row.latest == pytest.approx(view.result.points["value"].iloc[-1])
        assert questions_to_ask(view, today)
    harm = views[0]
    assert harm.result.summary["phases"] == 2  # the "phase" annotation rebased the limits
    experience = views[2]
    flagged = experience.result.points[experience.result.points["signals"].map(lambda s: "astronomical" in s)]
    assert len(flagged) == 1
    access = views[4]
    assert access.result.summary["rule_set"] == "ihi" and access.result.summary["assurance"] is None


def test_as_of_cuts_later_measurements() -> None:
    demo = aims_for(1, "Lakeshore University Medical Center")[3]
    aim = Aim(**{**normalise(demo.aim).__dict__, "id": 1})
    empty = pd.DataFrame(columns=["id", "aim_id", "on_date", "label", "kind"])
    view = analyse_aim(aim, demo.measurements, empty, as_of=D(2026, 6, 30))
    assert view.latest[0] == pd.Timestamp("2026-06-01")


def test_demo_aims_load_for_every_demo_organization(store: Store) -> None:
    for name in ("Riverside Health System", "Northfield Community Hospital", "Lakeshore University Medical Center",
                 "Somewhere Else"):
        store.add_organization(name)
    assert load_demo_aims(store) == 15
    reg = AimStore(store)
    orgs = store.list_organizations().set_index("name")["id"]
    riverside = reg.list_aims(int(orgs["Riverside Health System"]))
    months = reg.measurements([riverside[0].id])
    assert len(months) == 48 and len(reg.annotations([a.id for a in riverside])) >= 5
    assert reg.list_aims(int(orgs["Somewhere Else"])) == []
    lakeshore = reg.list_aims(int(orgs["Lakeshore University Medical Center"]))
    assert len(reg.measurements([lakeshore[0].id])) == 24


def test_an_astronomical_date_marks_the_period_it_falls_in() -> None:
    aim = Aim(**{**normalise(_aim(1, data_type="continuous")).__dict__, "id": 1})
    rows = pd.DataFrame({"aim_id": 1, "period": pd.date_range("2025-01-01", periods=8, freq="MS"),
                         "value": [5.0, 6, 5, 6, 5, 6, 5, 6], "numerator": np.nan, "denominator": np.nan})
    notes = pd.DataFrame({"id": [1, 2], "aim_id": 1, "on_date": pd.to_datetime(["2025-03-17", "2024-06-01"]),
                          "label": ["IT outage", "before the data"], "kind": "astronomical"})
    points = analyse_aim(aim, rows, notes).result.points
    flagged = points.loc[points["signals"].map(lambda s: "astronomical" in s), "period"]
    assert flagged.dt.strftime("%Y-%m-%d").tolist() == ["2025-03-01"]
