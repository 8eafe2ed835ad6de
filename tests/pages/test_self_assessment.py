"""Self-assessment page, opened by an invitation link: start, answer point by point (back allowed, answers kept),
submit once, profile, plan."""

from __future__ import annotations

import datetime as dt

import pytest

from leverage.survey.assessment import DONT_KNOW
from leverage.survey.instrument import default_instrument
from leverage.survey.store import Store
from tests.pages.conftest import invitation_token, no_errors, org_id

INSTRUMENT = default_instrument()
ORG = "Northfield Community Hospital"


def button(at, label):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}; have {[b.label for b in at.button]}"
    return found[0]


def selectbox(at, label):
    return next(s for s in at.selectbox if s.label == label)


def open_invitation(at, url, round_name="2026 Autumn", org=ORG):
    at.query_params["invitation"] = invitation_token(url, org, round_name)
    at.switch_page("pages/self_assessment.py").run()
    return at


def start(at, url, role="physician"):
    open_invitation(at, url)
    no_errors(at)
    selectbox(at, "Your role").set_value(role)
    button(at, "Start the self-assessment").click().run()
    no_errors(at)
    return at.session_state["sa_draft"]


def answer_point(at, draft, point_id, value=3, dont_know=()):
    for item in INSTRUMENT.items_for(point_id):
        at.radio(key=f"sa_{draft.submission_id[:8]}_{item.id}").set_value(DONT_KNOW if item.id in dont_know
                                                                             else value)


def respondents(url, round_name="2026 Autumn", org=ORG):
    store = Store(url)
    try:
        rounds = store.list_rounds(org_id(url, org))
        return int(rounds.loc[rounds["name"] == round_name, "respondents"].iloc[0])
    finally:
        store.dispose()


def complete(at, draft, value=3, dont_know=("LP5.2",)):
    for point in INSTRUMENT.points:
        answer_point(at, draft, point.id, value, dont_know)
        label = "Review answers →" if point.id == "LP7" else "Next →"
        button(at, label).click().run()
        no_errors(at)


def test_start_needs_a_role(app, db_url):
    open_invitation(app, db_url)
    button(app, "Start the self-assessment").click().run()
    assert any("Choose your role" in e.value for e in app.error)
    assert "sa_draft" not in app.session_state


def test_the_invitation_decides_the_round(app, db_url):
    open_invitation(app, db_url)
    assert "**Northfield Community Hospital**, round **2026 Autumn**" in " ".join(m.value for m in app.markdown)
    assert not [s for s in app.selectbox if s.label == "Assessment round"]


def test_complete_assessment_and_see_profile(app, db_url):
    before = respondents(db_url)
    draft = start(app, db_url)
    assert "Leverage point 1 of 7" in app.get("progress")[0].proto.text
    complete(app, draft)
    assert any(s.value == "Review your answers" for s in app.subheader)
    review = app.dataframe[0].value
    assert review["Answered"].sum() == 35 and review["Don't know"].sum() == 1
    button(app, "Submit my answers").click().run()
    no_errors(app)
    assert any("Your answers are recorded" in s.value for s in app.success)
    assert any(s.value == "Your profile" for s in app.subheader)
    assert respondents(db_url) == before + 1
    # Stored as given: 34 answers of 3 and one don't know, for the chosen role.
    store = Store(db_url)
    stored = store.respondent_answers(draft.respondent_id)
    store.dispose()
    assert len(stored) == 35
    assert stored["LP5.2"] is None
    assert {v for k, v in stored.items() if k != "LP5.2"} == {3}
    # Own profile: every point 3.0; strongest/weakest text present.
    text = " ".join(m.value for m in app.markdown)
    assert "Your strongest points" in text and "Your biggest gaps" in text
    assert len(app.get("plotly_chart")) == 1


def test_next_refuses_unanswered_statements(app, db_url):
    draft = start(app, db_url)
    items = INSTRUMENT.items_for("LP1")
    for item in items[:-1]:
        app.radio(key=f"sa_{draft.submission_id[:8]}_{item.id}").set_value(4)
    button(app, "Next →").click().run()
    assert any(items[-1].id in e.value and "Please answer every statement" in e.value for e in app.error)
    assert app.session_state["sa_draft"].step == 0
    # What was answered is kept.
    assert all(app.session_state["sa_draft"].answers[i.id] == 4 for i in items[:-1])


def test_back_keeps_answers_and_page_switch_keeps_the_draft(app, db_url):
    draft = start(app, db_url)
    answer_point(app, draft, "LP1", value=5)
    button(app, "Next →").click().run()
    answer_point(app, draft, "LP2", value=2)
    button(app, "← Back").click().run()
    no_errors(app)
    assert app.session_state["sa_draft"].step == 0
    assert all(app.radio(key=f"sa_{draft.submission_id[:8]}_{i.id}").value == 5 for i in INSTRUMENT.items_for("LP1"))
    # Away to Results and back: same step, same answers (LP2's too, saved by Back).
    app.switch_page("pages/results.py").run()
    app.switch_page("pages/self_assessment.py").run()
    no_errors(app)
    kept = app.session_state["sa_draft"]
    assert kept.submission_id == draft.submission_id and kept.step == 0
    assert all(kept.answers[i.id] == 2 for i in INSTRUMENT.items_for("LP2"))


def test_submit_twice_stores_once(app, db_url):
    before = respondents(db_url)
    draft = start(app, db_url)
    complete(app, draft)
    button(app, "Submit my answers").click().run()
    # A resend of the same submission (e.g. a double click that reached the server twice).
    store = Store(db_url)
    from leverage.survey.assessment import to_submission

    again = store.submit_response(to_submission(app.session_state["sa_draft"]), ["physician"])
    store.dispose()
    assert again.created is False
    assert respondents(db_url) == before + 1


def test_plan_is_saved_with_the_response(app, db_url):
    draft = start(app, db_url)
    complete(app, draft)
    button(app, "Submit my answers").click().run()
    app.multiselect[0].set_value(["Adverse events per 1,000 patient days"])
    app.text_area[0].set_value("Put harm first on every board agenda.")
    button(app, "Save my plan").click().run()
    no_errors(app)
    assert any("plan is saved" in s.value for s in app.success)
    store = Store(db_url)
    measures, actions = store.get_plan(app.session_state["sa_draft"].respondent_id)
    store.dispose()
    assert measures == ["Adverse events per 1,000 patient days"]
    assert actions == {"LP1": "Put harm first on every board agenda."}


def test_plan_without_a_measure_is_refused(app, db_url):
    draft = start(app, db_url)
    complete(app, draft)
    button(app, "Submit my answers").click().run()
    button(app, "Save my plan").click().run()
    assert any("Choose one or two system-level measures" in e.value for e in app.error)


def test_round_closed_meanwhile_is_refused_and_nothing_saved(app, db_url):
    draft = start(app, db_url)
    complete(app, draft)
    store = Store(db_url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE rounds SET closes_on = ? WHERE id = ?",
                             (dt.date.today() - dt.timedelta(days=1), draft.round_id))
    store.dispose()
    before = respondents(db_url)
    button(app, "Submit my answers").click().run()
    # the invitation is checked first on every run: its round has closed, so nothing can be given or changed
    assert any("closed on" in e.value and "can no longer be given or changed" in e.value for e in app.error)
    assert respondents(db_url) == before


@pytest.mark.parametrize("lang, word", [("es", "junta directiva")])
def test_statements_in_spanish(app, db_url, lang, word):
    open_invitation(app, db_url)
    selectbox(app, "Your role").set_value("board")
    app.radio[0].set_value(lang)
    button(app, "Start the self-assessment").click().run()
    assert any(word in r.label.lower() for r in app.radio)


def test_without_an_invitation_nothing_is_offered(app, db_url):
    app.session_state["organization_id"] = org_id(db_url, ORG)
    app.switch_page("pages/self_assessment.py").run()
    no_errors(app)
    assert any("answered through an invitation" in i.value for i in app.info)
    assert not app.radio and not [b for b in app.button if b.label == "Start the self-assessment"]
