"""AppTest of the live-workshop pages: the two tracebacks of issue 15, the phone's token drawn before the join,
the end on a phone, the console's labels and threshold floor, and the projector's slides."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from leverage.survey.store import Store
from leverage.workshops.service import Workshops
from tests.pages.conftest import APP, TIMEOUT, no_errors, org_id
from tests.pages.test_workshop_pages import ORG, PASS, answer, button, console, fresh, texts


@pytest.fixture
def service(db_url, monkeypatch):
    monkeypatch.setenv("LEVERAGE_FACILITATOR_PASSPHRASE", PASS)
    monkeypatch.setenv("LEVERAGE_MIN_N", "3")
    store = Store(db_url)
    yield Workshops(store, min_n_floor=3)
    store.dispose()


def phone(code: str, token: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["code"] = code
    if token:
        at.query_params["t"] = token
    at.switch_page("pages/join.py").run()
    no_errors(at)
    return at


def token_of(at: AppTest) -> str:
    t = at.query_params["t"]
    return t[0] if isinstance(t, list) else t


def test_the_phone_draws_its_token_before_joining_and_a_retried_join_is_the_same_participant(db_url, service):
    made = service.create(org_id(db_url, ORG), "Tokens", ["LP1"], round_name="WS tokens", min_n=3)
    at = phone(made["code"])
    token = token_of(at)  # in the link before the join is sent
    assert len(token) >= 32 and service.snapshot(made["id"])["participants"] == 0
    button(at, "Join").click().run()
    no_errors(at)
    # the acknowledgement was lost: the phone reloads the same link and joins again
    again = phone(made["code"], token)
    assert [b for b in again.button if b.label == "Join"] == []  # already joined: straight to the questions
    assert service.join(made["code"], "retry", token=token).id == service.participant(made["code"], token).id
    assert service.snapshot(made["id"])["participants"] == 1


def test_a_revote_while_a_first_vote_form_is_on_screen(db_url, service):
    """Regression: KeyError '2:LP1' when a re-vote starts while the phone's form is on screen."""
    made = service.create(org_id(db_url, ORG), "Re-vote", ["LP1"], round_name="WS revote", min_n=3)
    service.open_point(made["id"], "LP1")
    at = phone(made["code"])
    button(at, "Join").click().run()
    assert any(r.key == "ws_1_LP1.1" for r in at.radio)  # the vote-1 form is on screen
    service.start_revote(made["id"])
    service.open_point(made["id"], "LP1")
    for item in service.instrument.items_for("LP1"):
        at.radio(key=f"ws_1_{item.id}").set_value(3)
    button(at, "Save my answers to LP1").click().run()
    assert not at.exception
    assert any("started the second vote" in e.value for e in at.error)
    assert any(r.key == "ws_2_LP1.1" for r in at.radio)  # the same run shows the vote-2 form
    assert service.answers(made["id"]).empty
    answer(at, "LP1", 4, service.instrument)
    no_errors(at)
    assert any("Recorded" in s.value for s in at.success)
    assert set(service.answers(made["id"])["vote"]) == {2}


def test_after_the_end_the_phone_says_so_and_accepts_nothing(db_url, service):
    made = service.create(org_id(db_url, ORG), "Ending", ["LP1"], round_name="WS end", min_n=3)
    service.open_point(made["id"], "LP1")
    at = phone(made["code"])
    button(at, "Join").click().run()
    answer(at, "LP1", 2, service.instrument)
    at.button_group(key="ws_change").set_value("LP1").run()
    service.end(made["id"], ["board", "executive", "physician", "nursing", "manager", "other"])
    for item in service.instrument.items_for("LP1"):
        at.radio(key=f"ws_1_{item.id}").set_value(5)
    button(at, "Save my answers to LP1").click().run()  # the form still on screen: refused, and the page says so
    assert not at.exception
    assert "workshop has ended" in texts(at)
    assert not at.radio and not [b for b in at.button if b.label.startswith("Save")]
    assert set(service.answers(made["id"])["value"]) == {2}


def test_console_controls_have_text_labels_and_the_threshold_floor(db_url, service, monkeypatch):
    monkeypatch.setenv("LEVERAGE_MIN_N", "4")
    made = Workshops(service.store, min_n_floor=4).create(org_id(db_url, ORG), "Labels", ["LP1", "LP2"],
                                                          round_name="WS labels", min_n=4)
    fac = console(db_url)
    fac.session_state["ws_id"] = made["id"]
    fac.run()
    no_errors(fac)
    labels = [b.label for b in fac.button]
    assert labels and all(any(ch.isalpha() for ch in label) for label in labels), labels
    threshold = next(n for n in fac.number_input if n.label.startswith("Anonymity"))
    assert threshold.min == 4 and threshold.value == 4
    fac.button(key="open_LP1").click().run()
    no_errors(fac)
    assert "open · 0 answered" in texts(fac)  # acknowledged in the same run


def test_projector_slides_and_a_point_closed_and_revealed_with_no_answers(db_url, service):
    """Regression: KeyError 'level_1' on the projector for a point closed and revealed with no answers."""
    org = org_id(db_url, ORG)
    made = service.create(org, "Projected", ["LP1", "LP2"], round_name="WS projector", min_n=3)
    wid = made["id"]
    proj = AppTest.from_file(APP, default_timeout=TIMEOUT)
    proj.session_state["ws_facilitator"] = True
    proj.session_state["ws_id"] = wid
    proj.switch_page("pages/projector.py").run()
    no_errors(proj)
    assert "Join on your phone" in texts(proj) and len(proj.get("image")) == 1  # the join slide and its QR
    service.open_point(wid, "LP1")
    service.close_point(wid, "LP1")
    service.reveal_point(wid, "LP1")
    fresh()
    proj.run()
    no_errors(proj)
    assert "## LP1" in texts(proj)  # it follows the facilitator's last action
    assert "Results are shown for groups of at least 3 people" in texts(proj)
    button(proj, "Next ›").click().run()
    assert "## LP2" in texts(proj) and "Not asked yet." in texts(proj)
    button(proj, "‹ Previous").click().run()
    button(proj, "‹ Previous").click().run()
    assert "Join on your phone" in texts(proj)
    # a re-vote: both votes side by side with the shift
    people = [service.join(made["code"], f"p{k}") for k in range(3)]
    service.open_point(wid, "LP2")
    for k, p in enumerate(people):
        service.submit(p, "LP2", {i.id: 2 + k for i in service.instrument.items_for("LP2")})
    service.start_revote(wid)
    service.open_point(wid, "LP2")
    for p in people:
        service.submit(p, "LP2", {i.id: 4 for i in service.instrument.items_for("LP2")})
    service.close_point(wid, "LP2")
    service.reveal_point(wid, "LP2")  # vote 1 was never revealed: it shows beside the revealed vote 2
    fresh()
    proj.run()
    no_errors(proj)
    shown = texts(proj)
    assert "### First vote" in shown and "### Second vote" in shown
    assert "Shift since the first vote: +1.00" in shown  # 3.00 → 4.00
