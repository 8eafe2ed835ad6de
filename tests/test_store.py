"""The store on both backends (SQLite file and a fresh PostgreSQL schema): validation, idempotent
submissions, rollback, plans and the all-or-nothing import."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from leverage.core import schema
from leverage.core.database import StoreError, aware, insert_rows
from leverage.core.migrations import HEAD
from leverage.core.settings import DEFAULT_ROLES
from leverage.survey.instrument import default_instrument
from leverage.survey.responses import RESPONSE_COLUMNS
from leverage.survey.store import Store
from leverage.survey.submissions import Submission
from tests.helpers import require_component, with_search_path

ROLES = [key for key, _ in DEFAULT_ROLES]
INSTRUMENT = default_instrument()
ITEMS = [item.id for item in INSTRUMENT.items]
TODAY = dt.date.today()
TABLES = ("organizations", "departments", "rounds", "respondents", "answers", "focus_measures", "planned_actions")


def counts(store: Store) -> dict[str, int]:
    """Rows per table, plus the revision: a snapshot to prove a refused write changed nothing."""
    with store.engine.connect() as conn:
        out = {name: conn.execute(sa.select(sa.func.count()).select_from(getattr(schema, name))).scalar_one()
               for name in TABLES}
    out["revision"] = store.revision()
    return out


def all_answers(value: int | None = 3, **overrides) -> dict[str, int | None]:
    answers = {item: value for item in ITEMS}
    answers.update(overrides)
    return answers


@pytest.fixture
def org(store) -> dict[str, int]:
    """One organization with two departments and an open round; another organization with a department."""
    org_id = store.add_organization("Riverside")
    other = store.add_organization("Lakeshore")
    return {
        "org": org_id,
        "ed": store.add_department(org_id, "Emergency"),
        "icu": store.add_department(org_id, "Intensive Care"),
        "round": store.add_round(org_id, "2026 Spring", opens_on=TODAY - dt.timedelta(days=10)),
        "other_org": other,
        "other_dept": store.add_department(other, "Oncology"),
    }


def submit(store, org, sid="s-1", role="nursing", department="ed", answers=None, **kw):
    return store.submit_response(Submission(
        submission_id=sid, round_id=org["round"], role=role,
        department_id=org[department] if department else None,
        answers=all_answers() if answers is None else answers, **kw), ROLES)


# --- schema --------------------------------------------------------------------------------------------


def test_schema_revision_recorded(store):
    assert store.schema_revision() == HEAD
    assert store.revision() == 0
    assert store.is_empty()
    assert store.backend in {"sqlite", "postgresql"}


def test_reopening_keeps_data_and_revision(store):
    store.add_organization("Riverside")
    again = Store(store.url)
    try:
        assert again.schema_revision() == HEAD
        assert again.revision() == 1
        assert again.list_organizations()["name"].tolist() == ["Riverside"]
    finally:
        again.dispose()


def test_a_newer_schema_is_refused(store):
    with store.write() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(StoreError, match="revision 9999_from_the_future, which this version of Leverage does not "
                                         "know: it was upgraded by a newer version"):
        Store(store.url).dispose()


@pytest.mark.postgres
def test_the_postgres_store_lives_in_its_own_schema(postgres_store_url):
    store = Store(postgres_store_url)
    try:
        with store.engine.connect() as conn:
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
            tables = set(conn.execute(sa.text("SELECT table_name FROM information_schema.tables "
                                              "WHERE table_schema = :s"), {"s": schema}).scalars())
    finally:
        store.dispose()
    assert store.backend == "postgresql"
    assert schema.startswith("t_") and len(schema) == 10
    assert set(TABLES) | {"meta"} <= tables


# --- the skip-locally, fail-in-CI rule ------------------------------------------------------------------


@pytest.mark.parametrize("ci", ["true", "1", "TRUE"])
def test_a_missing_component_fails_in_ci(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL not reachable .*CI must run this test"):
        require_component(False, "PostgreSQL not reachable at 127.0.0.1:5432: refused")


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_a_missing_component_skips_locally(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="^Chromium not found$"):
        require_component(False, "Chromium not found")


def test_an_available_component_neither_skips_nor_fails(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert require_component(True, "unused") is None


def test_search_path_is_added_to_the_url():
    assert with_search_path("postgresql+psycopg://u@h:5432/test", "t_1") == \
        "postgresql+psycopg://u@h:5432/test?options=-csearch_path%3Dt_1"
    assert with_search_path("postgresql+psycopg://u@h/test?connect_timeout=3", "t_1") == \
        "postgresql+psycopg://u@h/test?connect_timeout=3&options=-csearch_path%3Dt_1"


# --- organizations, departments, rounds --------------------------------------------------------------


def test_add_and_list(store, org):
    assert store.list_organizations()["name"].tolist() == ["Lakeshore", "Riverside"]  # by name
    assert store.list_departments(org["org"])["name"].tolist() == ["Emergency", "Intensive Care"]
    rounds = store.list_rounds(org["org"])
    assert rounds["name"].tolist() == ["2026 Spring"]
    assert rounds["instrument_id"].tolist() == [INSTRUMENT.id]
    assert rounds["instrument_version"].tolist() == [INSTRUMENT.version]
    assert rounds["respondents"].tolist() == [0]
    rnd = store.get_round(org["round"])
    assert rnd["opens_on"] == TODAY - dt.timedelta(days=10) and rnd["closes_on"] is None
    assert store.get_round(99999) is None
    assert not store.is_empty()


def test_names_are_trimmed(store):
    org_id = store.add_organization("  Northfield  ")
    assert store.list_organizations()["name"].tolist() == ["Northfield"]
    store.add_department(org_id, " Surgery ")
    assert store.list_departments(org_id)["name"].tolist() == ["Surgery"]


@pytest.mark.parametrize("action, message", [
    (lambda s, o: s.add_organization("   "), "The organization name is empty."),
    (lambda s, o: s.add_organization("Riverside"), "An organization called 'Riverside' already exists."),
    (lambda s, o: s.add_organization("x" * 201), "longer than 200 characters"),
    (lambda s, o: s.add_department(o["org"], ""), "The department name is empty."),
    (lambda s, o: s.add_department(o["org"], "Emergency"), "already has a department called 'Emergency'"),
    (lambda s, o: s.add_department(99999, "Surgery"), "There is no organization with id 99999."),
    (lambda s, o: s.add_round(o["org"], ""), "The round name is empty."),
    (lambda s, o: s.add_round(o["org"], "2026 Spring"), "already has a round called '2026 Spring'"),
    (lambda s, o: s.add_round(o["org"], "Late", opens_on=dt.date(2026, 5, 1), closes_on=dt.date(2026, 4, 30)),
     "The round closes (2026-04-30) before it opens (2026-05-01)."),
    (lambda s, o: s.add_round(99999, "2027"), "There is no organization with id 99999."),
], ids=["org-empty", "org-duplicate", "org-too-long", "dept-empty", "dept-duplicate", "dept-no-org",
        "round-empty", "round-duplicate", "round-closes-before-opens", "round-no-org"])
def test_refused_additions_change_nothing(store, org, action, message):
    before = counts(store)
    with pytest.raises(StoreError) as info:
        action(store, org)
    assert message in str(info.value)
    assert counts(store) == before


def test_the_same_department_name_in_another_organization_is_fine(store, org):
    store.add_department(org["other_org"], "Emergency")
    assert store.list_departments(org["other_org"])["name"].tolist() == ["Emergency", "Oncology"]


def test_a_round_may_open_and_close_on_the_same_day(store, org):
    rid = store.add_round(org["org"], "One day", opens_on=dt.date(2026, 1, 5), closes_on=dt.date(2026, 1, 5))
    assert store.get_round(rid)["closes_on"] == dt.date(2026, 1, 5)


# --- submissions ---------------------------------------------------------------------------------------


def test_submit_stores_answers_in_long_format(store, org):
    first = submit(store, org, "s-1", role="nursing", department="ed",
                   answers=all_answers(4, **{ITEMS[0]: None, ITEMS[1]: 1}))
    second = submit(store, org, "s-2", role="board", department=None, answers={ITEMS[5]: 5, ITEMS[6]: None})
    assert first.created and second.created and first.respondent_id != second.respondent_id
    frame = store.responses()
    assert list(frame.columns) == list(RESPONSE_COLUMNS)
    assert str(frame["value"].dtype) == "Int64"
    assert len(frame) == len(ITEMS) + 2
    mine = frame[frame["respondent_id"] == first.respondent_key].set_index("item_id")
    assert len(mine) == len(ITEMS)
    assert pd.isna(mine.loc[ITEMS[0], "value"]) and mine.loc[ITEMS[1], "value"] == 1
    assert mine.loc[ITEMS[2], "value"] == 4
    assert set(mine["organization"]) == {"Riverside"} and set(mine["round"]) == {"2026 Spring"}
    assert set(mine["department"]) == {"Emergency"} and set(mine["role"]) == {"nursing"}
    item_point = INSTRUMENT.item_point()
    assert all(item_point[i] == p for i, p in mine["leverage_point"].items())
    theirs = frame[frame["respondent_id"] == second.respondent_key]
    assert theirs["department"].isna().all()
    assert theirs["value"].tolist()[0] == 5 and pd.isna(theirs["value"].tolist()[1])
    assert store.respondent_answers(second.respondent_id) == {ITEMS[5]: 5, ITEMS[6]: None}
    assert store.list_rounds(org["org"])["respondents"].tolist() == [2]


def test_responses_filtered_by_organization_and_round(store, org):
    submit(store, org, "s-1")
    other_round = store.add_round(org["other_org"], "Pilot", opens_on=TODAY)
    store.submit_response(Submission("s-2", other_round, "manager", {ITEMS[0]: 2}), ROLES)
    assert len(store.responses()) == len(ITEMS) + 1
    assert set(store.responses(organization_id=org["other_org"])["organization"]) == {"Lakeshore"}
    assert len(store.responses(round_ids=[org["round"]])) == len(ITEMS)
    assert len(store.responses(organization_id=org["org"], round_ids=[other_round])) == 0


def test_respondent_key_is_given_or_derived(store, org):
    given = submit(store, org, "s-1", respondent_key="R-0001")
    derived = submit(store, org, "s-2")
    assert given.respondent_key == "R-0001"
    assert derived.respondent_key.startswith("r-") and len(derived.respondent_key) == 14
    assert set(store.responses()["respondent_id"]) == {"R-0001", derived.respondent_key}


def test_resubmitting_the_same_submission_is_harmless(store, org):
    first = submit(store, org, "same-id", answers=all_answers(2))
    before = counts(store)
    again = submit(store, org, "same-id", answers=all_answers(5), role="board")
    assert not again.created
    assert (again.respondent_id, again.respondent_key) == (first.respondent_id, first.respondent_key)
    assert counts(store) == before  # no rows, no revision bump
    assert set(store.responses()["value"]) == {2}  # the first answers stand
    assert before["respondents"] == 1 and before["answers"] == len(ITEMS)


def test_a_submission_racing_its_own_copy_is_answered_as_a_resend(store, org, monkeypatch):
    # The copy that lost the race finds no earlier submission, then hits the unique constraint on insert.
    first = submit(store, org, "race")
    real_find = Store._find_submission
    calls = []

    def find_nothing_first(self, submission_id):
        calls.append(submission_id)
        return None if len(calls) == 1 else real_find(self, submission_id)

    monkeypatch.setattr(Store, "_find_submission", find_nothing_first)
    before = counts(store)
    again = submit(store, org, "race")
    assert calls == ["race", "race"]
    assert not again.created and again.respondent_id == first.respondent_id
    assert counts(store) == before


def test_a_taken_respondent_key_is_refused(store, org):
    submit(store, org, "s-1", respondent_key="R-1")
    before = counts(store)
    with pytest.raises(StoreError, match="This respondent id is already used in the round."):
        submit(store, org, "s-2", respondent_key="R-1")
    assert counts(store) == before


@pytest.mark.parametrize("change, message", [
    (dict(answers=all_answers(3, **{"LP9.9": 3})), "'LP9.9' is not an item of this round's instrument."),
    (dict(answers=all_answers(3, **{ITEMS[4]: 7})), f"The answer to {ITEMS[4]} must be 1–5 or don't know, not 7."),
    (dict(answers=all_answers(3, **{ITEMS[4]: 0})), "not 0."),
    (dict(answers=all_answers(3, **{ITEMS[4]: 2.5})), "not 2.5."),
    (dict(answers=all_answers(3, **{ITEMS[4]: True})), "not True."),
    (dict(answers=all_answers(3, **{ITEMS[4]: "4"})), "not '4'."),
    (dict(answers={}), "The submission has no answers."),
    (dict(role="janitor"), "'janitor' is not a configured role."),
    (dict(department="other_dept"), "The department does not belong to this round's organization."),
    (dict(round="closed"), "closed on 2025-02-01; it takes no more answers."),
    (dict(round="future"), "opens on"),
    (dict(round="missing"), "There is no assessment round with id 99999."),
], ids=["unknown-item", "value-7", "value-0", "value-2.5", "value-bool", "value-text", "no-answers",
        "unknown-role", "other-org-department", "closed-round", "future-round", "no-round"])
def test_bad_submission_is_refused_and_writes_nothing(store, org, change, message):
    rounds = {
        "open": org["round"],
        "closed": store.add_round(org["org"], "Closed", opens_on=dt.date(2025, 1, 1), closes_on=dt.date(2025, 2, 1)),
        "future": store.add_round(org["org"], "Future", opens_on=TODAY + dt.timedelta(days=30)),
        "missing": 99999,
    }
    submit(store, org, "earlier")  # one good response already stored
    before = counts(store)
    submission = Submission(submission_id="bad", round_id=rounds[change.get("round", "open")],
                            role=change.get("role", "nursing"), department_id=org[change.get("department", "ed")],
                            answers=change.get("answers", all_answers()))
    with pytest.raises(StoreError) as info:
        store.submit_response(submission, ROLES)
    assert message in str(info.value)
    assert counts(store) == before
    assert store._find_submission("bad") is None


def test_submit_rolls_back_when_the_transaction_fails_after_inserting(store, org, monkeypatch):
    # Fail at the very end of the transaction (the revision bump), after the respondent and answers
    # were inserted: none of them may remain.
    before = counts(store)

    def fail(conn):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Store, "bump", staticmethod(fail))
    with pytest.raises(RuntimeError, match="disk full"):
        submit(store, org, "doomed")
    assert counts(store) == before
    monkeypatch.undo()
    assert submit(store, org, "doomed").created  # the same submission id can then be stored
    assert counts(store)["answers"] == len(ITEMS)


def test_revision_increases_on_each_write(store):
    seen = [store.revision()]
    org_id = store.add_organization("A")
    seen.append(store.revision())
    dep = store.add_department(org_id, "D")
    seen.append(store.revision())
    rnd = store.add_round(org_id, "R", opens_on=TODAY)
    seen.append(store.revision())
    result = store.submit_response(Submission("s", rnd, "board", all_answers(), dep), ROLES)
    seen.append(store.revision())
    store.submit_response(Submission("s", rnd, "board", all_answers(), dep), ROLES)  # resend: no write
    seen.append(store.revision())
    store.save_plan(result.respondent_id, ["Patient experience score"], {})
    seen.append(store.revision())
    with pytest.raises(StoreError):
        store.add_organization("A")
    seen.append(store.revision())
    assert seen == [0, 1, 2, 3, 4, 4, 5, 5]


# --- plans ---------------------------------------------------------------------------------------------


def test_save_and_get_plan(store, org):
    rid = submit(store, org, "s-1").respondent_id
    store.save_plan(rid, [" Hospital readmission percentage ", "Patient experience score"],
                    {"LP1": " Publish the aim ", "LP4": "Patient on the team", "LP5": "   "})
    assert store.get_plan(rid) == (["Hospital readmission percentage", "Patient experience score"],
                                   {"LP1": "Publish the aim", "LP4": "Patient on the team"})


def test_save_plan_replaces_the_previous_plan(store, org):
    rid = submit(store, org, "s-1").respondent_id
    store.save_plan(rid, ["A", "B"], {"LP1": "one", "LP2": "two"})
    store.save_plan(rid, ["C"], {"LP3": "three"})
    assert store.get_plan(rid) == (["C"], {"LP3": "three"})
    assert counts(store)["focus_measures"] == 1 and counts(store)["planned_actions"] == 1


@pytest.mark.parametrize("measures, actions, message", [
    ([], {}, "Choose one or two system-level measures to focus on."),
    (["  ", ""], {}, "Choose one or two system-level measures to focus on."),
    (["A", "B", "C"], {}, "Choose one or two system-level measures to focus on."),
    (["A", "A"], {}, "The two focus measures are the same."),
    (["x" * 201], {}, "A focus measure is longer than 200 characters."),
    (["A"], {"LP1": "y" * 2001}, "A planned action is longer than 2000 characters."),
], ids=["none", "blank", "three", "same-twice", "measure-too-long", "action-too-long"])
def test_bad_plans_are_refused_and_keep_the_old_plan(store, org, measures, actions, message):
    rid = submit(store, org, "s-1").respondent_id
    store.save_plan(rid, ["Old"], {"LP2": "old action"})
    before = counts(store)
    with pytest.raises(StoreError) as info:
        store.save_plan(rid, measures, actions)
    assert str(info.value) == message
    assert counts(store) == before
    assert store.get_plan(rid) == (["Old"], {"LP2": "old action"})


def test_plan_for_a_missing_response_is_refused(store):
    with pytest.raises(StoreError, match="That response does not exist."):
        store.save_plan(424242, ["A"], {})
    assert store.get_plan(424242) == ([], {})


def test_focus_measure_counts(store, org):
    ids = [submit(store, org, f"s-{i}").respondent_id for i in range(4)]
    store.save_plan(ids[0], ["Mortality", "Harm"], {})
    store.save_plan(ids[1], ["Harm"], {})
    store.save_plan(ids[2], ["Experience", "Mortality"], {})
    # ids[3] chose nothing; a plan in another round does not count.
    other_round = store.add_round(org["org"], "2026 Autumn", opens_on=TODAY)
    other = store.submit_response(Submission("o-1", other_round, "board", {ITEMS[0]: 3}), ROLES)
    store.save_plan(other.respondent_id, ["Harm"], {})
    result = store.focus_measure_counts(org["round"])
    assert list(result.columns) == ["measure", "respondents"]
    # Harm 2, Mortality 2 (ties by name), Experience 1
    assert list(result.itertuples(index=False, name=None)) == [("Harm", 2), ("Mortality", 2), ("Experience", 1)]
    assert store.focus_measure_counts(other_round)["respondents"].tolist() == [1]


# --- import: all or nothing ----------------------------------------------------------------------------


def long_rows(org: str, rnd: str, people: list[tuple[str, str, str | None, dict]]) -> pd.DataFrame:
    rows = [(org, dep, role, rnd, rid, item, INSTRUMENT.item_point()[item], value)
            for rid, role, dep, answers in people for item, value in answers.items()]
    frame = pd.DataFrame(rows, columns=list(RESPONSE_COLUMNS))
    frame["value"] = frame["value"].astype("Int64")
    return frame


def test_import_creates_what_is_missing(store, org):
    frame = pd.concat([
        long_rows("Riverside", "2026 Spring", [("imp-1", "board", "Emergency", {ITEMS[0]: 4, ITEMS[1]: None}),
                                               ("imp-2", "manager", "Pharmacy", {ITEMS[0]: 2})]),
        long_rows("Hilltop", "2025", [("h-1", "other", None, {ITEMS[2]: 5})]),
    ], ignore_index=True)
    report = store.import_responses(frame, round_dates={("Hilltop", "2025"): (dt.date(2025, 3, 1),
                                                                              dt.date(2025, 4, 1), INSTRUMENT.id,
                                                                              INSTRUMENT.version)})
    assert (report.organizations, report.rounds, report.departments, report.respondents, report.answers) == \
        (1, 1, 1, 3, 4)
    hilltop = int(store.list_organizations().set_index("name").loc["Hilltop", "id"])
    assert store.list_rounds(hilltop)[["name", "opens_on", "closes_on", "respondents"]].values.tolist() == [
        ["2025", dt.date(2025, 3, 1), dt.date(2025, 4, 1), 1]]
    assert store.list_departments(org["org"])["name"].tolist() == ["Emergency", "Intensive Care", "Pharmacy"]
    got = store.responses().sort_values(["organization", "respondent_id", "item_id"]).reset_index(drop=True)
    want = frame.sort_values(["organization", "respondent_id", "item_id"]).reset_index(drop=True)
    assert got.astype(object).where(got.notna(), None).values.tolist() == \
        want.astype(object).where(want.notna(), None).values.tolist()


def test_bulk_insert_is_part_of_the_transaction(store, org):
    """`insert_rows` (COPY on PostgreSQL): the rows keep their values, None included, and leave with a rollback."""
    store.import_responses(long_rows("Riverside", "2026 Spring", [("bulk-0", "board", None, {ITEMS[0]: 4})]))
    rid = int(store.frame(sa.select(schema.respondents.c.id), ["id"])["id"].iloc[0])
    at = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)
    rows = [{"respondent_id": rid, "item_id": item, "leverage_point": "LP1", "value": value, "answered_at": at}
            for item, value in zip(ITEMS[1:4], [1, None, 5], strict=True)]
    with pytest.raises(RuntimeError, match="after the insert"), store.write() as conn:
        insert_rows(conn, schema.answers, rows)
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.answers)).scalar() == 4
        raise RuntimeError("after the insert")
    assert store.frame(sa.select(sa.func.count()).select_from(schema.answers), ["n"])["n"].iloc[0] == 1
    with store.write() as conn:
        insert_rows(conn, schema.answers, rows)
        insert_rows(conn, schema.answers, [])
    got = store.frame(sa.select(schema.answers.c.item_id, schema.answers.c.value, schema.answers.c.answered_at)
                      .where(schema.answers.c.leverage_point == "LP1", schema.answers.c.item_id.in_(ITEMS[1:4]))
                      .order_by(schema.answers.c.item_id), ["item", "value", "at"])
    assert got["item"].tolist() == sorted(ITEMS[1:4])
    assert dict(zip(got["item"], got["value"].astype(object).where(got["value"].notna(), None), strict=True)) == \
        dict(zip(ITEMS[1:4], [1, None, 5], strict=True))
    assert [aware(pd.Timestamp(t).to_pydatetime()) for t in got["at"]] == [at] * 3


def test_import_clash_writes_nothing(store, org):
    store.import_responses(long_rows("Riverside", "2026 Spring", [("imp-1", "board", "Emergency", {ITEMS[0]: 4})]))
    before = counts(store)
    clashing = pd.concat([
        long_rows("Brand New Org", "R1", [("n-1", "board", "New Dept", {ITEMS[0]: 1})]),
        long_rows("Riverside", "2026 Spring", [("imp-2", "nursing", "Brand New Dept", {ITEMS[0]: 3}),
                                               ("imp-1", "board", "Emergency", {ITEMS[1]: 5})]),
    ], ignore_index=True)
    with pytest.raises(StoreError) as info:
        store.import_responses(clashing)
    assert "1 respondent id(s) are already stored in their round ('imp-1')" in str(info.value)
    assert "nothing was imported" in str(info.value)
    assert counts(store) == before  # not even the new organization, departments or round
    assert store.list_organizations()["name"].tolist() == ["Lakeshore", "Riverside"]
    # The same respondent id in another round is a different person and imports fine.
    ok = store.import_responses(long_rows("Riverside", "2026 Autumn", [("imp-1", "board", None, {ITEMS[0]: 2})]))
    assert ok.respondents == 1 and ok.rounds == 1


def test_import_with_plans(store, org):
    frame = long_rows("Riverside", "2026 Spring", [("p-1", "board", None, {ITEMS[0]: 4}),
                                                   ("p-2", "board", None, {ITEMS[0]: 5})])
    plans = pd.DataFrame([("Riverside", "2026 Spring", "p-1", "measure", None, 1, "Harm"),
                          ("Riverside", "2026 Spring", "p-1", "measure", None, 2, "Mortality"),
                          ("Riverside", "2026 Spring", "p-2", "measure", None, 1, "Harm"),
                          ("Riverside", "2026 Spring", "p-2", "action", "LP3", None, "Walk rounds")],
                         columns=["organization", "round", "respondent_id", "kind", "leverage_point", "position",
                                  "text"])
    store.import_responses(frame, plans=plans)
    assert list(store.focus_measure_counts(org["round"]).itertuples(index=False, name=None)) == [
        ("Harm", 2), ("Mortality", 1)]
    assert counts(store)["planned_actions"] == 1
