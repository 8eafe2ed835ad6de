"""AppTest: facilitator console, participant page and projector, several sessions sharing one store."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from leverage.access.audit import AuditLog
from leverage.access.permissions import Role
from leverage.access.service import Access
from leverage.access.users import COMMAND_LINE
from leverage.survey.store import Store
from leverage.workshops.service import Workshops
from tests.pages.conftest import APP, TIMEOUT, no_errors, org_id, sign_in

ORG = "Riverside Health System"
PASS = "tide table lantern 42"


@pytest.fixture
def passphrase(monkeypatch):
    monkeypatch.setenv("LEVERAGE_FACILITATOR_PASSPHRASE", PASS)
    return PASS


@pytest.fixture
def service(db_url):
    store = Store(db_url)
    yield Workshops(store)
    store.dispose()


def session() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def button(at, label):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}; have {[b.label for b in at.button]}"
    return found[0]


def texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [e.value for e in at.error] + [e.value for e in at.warning]
                     + [e.value for e in at.success] + [e.value for e in at.info] + [c.value for c in at.caption])


def fresh() -> None:
    """Other sessions' writes show after the shared caches expire (≤ 1 s); tests skip the wait."""
    st.cache_data.clear()
    st.cache_resource.clear()


def console(url) -> AppTest:
    at = session()
    at.session_state["organization_id"] = org_id(url, ORG)
    at.switch_page("pages/workshop.py").run()
    at.text_input[0].input(PASS)
    button(at, "Open the console").click().run()
    no_errors(at)
    return at


def participant(code: str, role: str | None = None) -> AppTest:
    at = session()
    at.query_params["code"] = code
    at.switch_page("pages/join.py").run()
    no_errors(at)
    if role:
        next(s for s in at.selectbox if s.label.startswith("Your role")).set_value(role)
    button(at, "Join").click().run()
    no_errors(at)
    return at


def answer(at, point: str, value, instrument) -> AppTest:
    vote = 1
    for item in instrument.items_for(point):
        key = next(k for k in (f"ws_{v}_{item.id}" for v in (1, 2)) if any(r.key == k for r in at.radio))
        vote = int(key.split("_")[1])
        at.radio(key=key).set_value(value)
    assert vote in (1, 2)
    return button(at, f"Save my answers to {point}").click().run()


def test_console_asks_to_sign_in_without_configured_passphrase(db_url, monkeypatch):
    monkeypatch.delenv("LEVERAGE_FACILITATOR_PASSPHRASE", raising=False)
    at = session()
    at.switch_page("pages/workshop.py").run()
    assert any("Sign in to see this page" in i.value for i in at.info)
    assert not [b for b in at.button if b.label in ("Create the workshop", "Open the console")]
    assert not at.text_input  # no passphrase field when none is configured


def test_a_viewer_is_refused_and_a_facilitator_runs_workshops(db_url, monkeypatch):
    monkeypatch.delenv("LEVERAGE_FACILITATOR_PASSPHRASE", raising=False)
    viewer = sign_in(session(), db_url, "viewer@demo.example", roles={ORG: [Role.VIEWER]})
    viewer.switch_page("pages/workshop.py").run()
    assert any("Your roles do not open this page" in w.value for w in viewer.warning)
    assert not [e for e in viewer.expander if e.label == "Create a workshop"]
    fac = sign_in(session(), db_url, "fac@demo.example", roles={ORG: [Role.FACILITATOR]})
    fac.switch_page("pages/workshop.py").run()
    no_errors(fac)
    assert [e for e in fac.expander if e.label == "Create a workshop"]
    # the facilitator runs workshops of their organization only; another's id in the session is replaced
    assert fac.session_state["organization_id"] == org_id(db_url, ORG)


def test_wrong_passphrase_is_refused_and_slowed(db_url, passphrase, service):
    app = session()
    app.switch_page("pages/workshop.py").run()
    for _ in range(3):
        app.text_input[0].input("guess")
        button(app, "Open the console").click().run()
        assert any("not right" in e.value for e in app.error)
    app.text_input[0].input("guess")
    button(app, "Open the console").click().run()
    assert any("Wait 2 s" in e.value for e in app.error)
    app.text_input[0].input(PASS)  # even the right one waits while blocked
    button(app, "Open the console").click().run()
    assert any("Too many wrong passphrases" in e.value for e in app.error)
    assert "ws_facilitator" not in app.session_state
    assert [b for b in app.button if b.label == "Open the console"]


def test_facilitator_and_three_participants(db_url, passphrase, service, monkeypatch):
    monkeypatch.setenv("LEVERAGE_MIN_N", "3")  # the installation allows 3, so the workshop may use it
    fac = console(db_url)
    title = next(t for t in fac.text_input if t.label == "Title")
    title.input("Board away day")
    next(t for t in fac.text_input if t.label == "Name of the new round").input("Workshop Nov")
    next(m for m in fac.multiselect if m.label == "Leverage points to ask").set_value(["LP1", "LP2"])
    next(n for n in fac.number_input if n.label.startswith("Anonymity")).set_value(3)
    button(fac, "Create the workshop").click().run()
    no_errors(fac)
    org = org_id(db_url, ORG)
    made = service.list_workshops(org).iloc[0]
    code, wid = made["code"], int(made["id"])
    assert any(f"Code `{code}`" in m.value for m in fac.markdown)
    assert len(fac.get("image")) >= 1  # the QR code

    phones = [participant(code, "nursing"), participant(code, "physician"), participant(code)]
    tokens = [p.query_params["t"][0] if isinstance(p.query_params["t"], list) else p.query_params["t"]
              for p in phones]
    assert len(set(tokens)) == 3
    assert "Waiting for the facilitator" in texts(phones[0])

    button(fac, "Open").click().run()  # the first Open button is LP1's
    no_errors(fac)
    assert service.points(wid).set_index("leverage_point").loc["LP1", "state"] == "open"
    fresh()
    for phone, value in zip(phones, (2, 3, 4), strict=True):
        phone.run()
        answer(phone, "LP1", value, service.instrument)
        no_errors(phone)
        assert any("Recorded" in s.value for s in phone.success)
    # a change while open replaces the answer, never adds a participant
    assert not phones[0].radio and "You have answered every open point." in texts(phones[0])
    phones[0].button_group(key="ws_change").set_value("LP1").run()
    assert phones[0].radio(key="ws_1_LP1.1").value == 2
    answer(phones[0], "LP1", 1, service.instrument)
    assert len(service.answers(wid)) == 15
    fresh()
    fac.run()
    metrics = {m.label: m.value for m in fac.metric}
    assert metrics["Participants"] == "3" and metrics["Answers (this vote)"] == "15"

    # the projector shows no result while the point is open, and none until revealed once it is closed
    proj = session()
    proj.session_state["organization_id"] = org
    proj.session_state["ws_facilitator"] = True
    proj.session_state["ws_id"] = wid
    proj.switch_page("pages/projector.py").run()
    no_errors(proj)
    assert "results appear when the point is closed" in texts(proj)
    assert "Mean **" not in texts(proj)
    service.close_point(wid, "LP1")
    fresh()
    proj.run()
    assert "results are shown when the facilitator reveals them" in texts(proj)
    service.reveal_point(wid, "LP1")
    fresh()
    proj.run()
    no_errors(proj)
    # respondents 1, 3, 4 → mean 8/3 = 2.67, sd 1.528; the survey's bounded interval: on 0–1 m = 0.41667,
    # c = v/(m(1 − m)) = 0.6, n' = 5, z = t(0.975, 2) = 4.3027 → Wilson centre 0.48228 ± 0.44236 → 1.16–4.70
    assert "Mean **2.67** of 5 · 95% CI 1.16–4.70 · n = 3" in texts(proj)
    service.open_point(wid, "LP1")  # reopened for the rest of the test
    fresh()

    # a reload keeps the same participant, answers shown
    reloaded = session()
    reloaded.query_params["code"] = code
    reloaded.query_params["t"] = tokens[1]
    reloaded.switch_page("pages/join.py").run()
    no_errors(reloaded)
    assert "1 of 1 open points answered." in texts(reloaded)
    reloaded.button_group(key="ws_change").set_value("LP1").run()
    assert reloaded.radio(key="ws_1_LP1.1").value == 3
    assert len(service.answers(wid)["respondent_id"].unique()) == 3

    # lock, then a late answer is refused and changes nothing
    phones[2].button_group(key="ws_change").set_value("LP1").run()
    service.lock_point(wid, "LP1")
    answer(phones[2], "LP1", 5, service.instrument)
    assert any("LP1 is locked: your answers were not changed" in e.value for e in phones[2].error)
    assert set(service.answers(wid).query("respondent_id.str.endswith('p3')")["value"]) == {4}

    # re-vote and shift
    button(fac, "Start the second vote").click().run()
    no_errors(fac)
    service.open_point(wid, "LP1")
    fresh()
    for phone, value in zip(phones, (3, 4, 5), strict=True):
        phone.run()
        answer(phone, "LP1", value, service.instrument)
        no_errors(phone)
    service.close_point(wid, "LP1")  # the shift comes from published results: once the point closes
    fresh()
    fac.run()
    no_errors(fac)
    shift_tables = [d.value for d in fac.table if "Shift" in d.value.columns]
    assert shift_tables, "no shift table"
    lp1 = shift_tables[0].set_index("Point").loc["LP1"]
    # 8/3 → 12/3 = +1.33
    assert lp1["Vote 1"] == "2.67" and lp1["Vote 2"] == "4.00" and lp1["Shift"] == "+1.33"

    # end: saved into the organization's history
    next(c for c in fac.checkbox if c.label.startswith("I have finished")).check().run()
    button(fac, "End and save").click().run()
    no_errors(fac)
    assert any("Saved 3 participants and 15 answers" in s.value for s in fac.success)
    store = Store(db_url)
    try:
        rounds = store.list_rounds(org).set_index("name")
        assert rounds.loc["Workshop Nov", "respondents"] == 3
    finally:
        store.dispose()


def test_participant_bad_input_changes_nothing(db_url, service):
    org = org_id(db_url, ORG)
    made = service.create(org, "Session", ["LP1"], round_name="WS test", min_n=3)
    other = service.create(org, "Other", ["LP1"], round_name="WS other", min_n=3)
    at = session()
    at.query_params["code"] = "XXXXXX" if made["code"] != "XXXXXX" else "YYYYYY"
    at.switch_page("pages/join.py").run()
    assert any("No workshop has the code" in e.value for e in at.error)
    assert not [b for b in at.button if b.label == "Join"]

    p = service.join(other["code"], "elsewhere")
    forged = session()
    forged.query_params["code"] = made["code"]
    forged.query_params["t"] = p.token  # a real token, but of another workshop
    forged.switch_page("pages/join.py").run()
    assert any("not valid for this workshop" in e.value for e in forged.error)
    assert not forged.radio
    forged.query_params["t"] = "made-up-token"
    forged.run()
    assert any("not valid for this workshop" in e.value for e in forged.error)
    assert service.snapshot(made["id"])["participants"] == 0


def test_expired_code(db_url, service):
    import datetime as dt

    org = org_id(db_url, ORG)
    made = service.create(org, "Old", ["LP1"], round_name="WS old", min_n=3,
                          now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=13))
    at = session()
    at.query_params["code"] = made["code"]
    at.switch_page("pages/join.py").run()
    assert any("has expired" in e.value for e in at.error)
    assert service.snapshot(made["id"])["participants"] == 0


def test_console_close_reset_and_export(db_url, passphrase, service):
    org = org_id(db_url, ORG)
    made = service.create(org, "Reset session", ["LP1", "LP2"], round_name="WS reset", min_n=3)
    wid = made["id"]
    service.open_point(wid, "LP1")
    p = service.join(made["code"], "c")
    service.submit(p, "LP1", {i.id: 2 for i in service.instrument.items_for("LP1")})
    fac = console(db_url)
    fac.session_state["ws_id"] = wid
    fac.run()
    no_errors(fac)
    assert "open · 1 answered" in texts(fac)
    fac.button(key="close_LP1").click().run()
    assert service.points(wid).set_index("leverage_point").loc["LP1", "state"] == "closed"
    assert fac.button(key="close_LP1").disabled and not fac.button(key="open_LP1").disabled
    assert fac.button(key="close_LP2").disabled  # a pending point cannot be closed (the rule: test_workshops.py)
    assert not [b for b in fac.get("download_button")]  # the passphrase opens no export of individual answers
    assert "Exports of individual answers are for the organization's admins." in texts(fac)
    admin = sign_in(session(), db_url, "ws-admin@demo.example", roles={ORG: [Role.ADMIN]})
    admin.session_state["ws_id"] = wid
    admin.switch_page("pages/workshop.py").run()
    downloads = [b for b in admin.get("download_button")]
    assert [b.label for b in downloads] == ["CSV", "Excel", "Parquet"]  # of the answers
    fac.button(key="reset_LP1").click().run()
    no_errors(fac)
    assert service.answers(wid).empty
    assert service.points(wid).set_index("leverage_point").loc["LP1", "state"] == "pending"


def test_a_phone_reads_its_answers_again_only_after_a_reset(db_url, service, monkeypatch):
    """After every facilitator action the whole room redraws; a phone's own answers are read from the database
    only when a reset may have deleted some, even one reopened before the phone redrew."""
    org = org_id(db_url, ORG)
    made = service.create(org, "Reads", ["LP1", "LP2"], round_name="WS reads", min_n=3)
    wid = made["id"]
    service.open_point(wid, "LP1")
    service.open_point(wid, "LP2")
    phone = participant(made["code"])
    answer(phone, "LP1", 3, service.instrument)
    assert "Save my answers to LP2" in [b.label for b in phone.button]
    reads = []
    read = Workshops.answers_of
    monkeypatch.setattr(Workshops, "answers_of", lambda self, p, vote: reads.append(vote) or read(self, p, vote))
    service.close_point(wid, "LP2")
    fresh()
    phone.run()
    no_errors(phone)
    assert reads == []  # nothing of the phone's own changed: no read
    assert "Save my answers to LP2" not in [b.label for b in phone.button]  # closed: its form is gone
    assert any("closed, read-only" in m.value and "**LP2" in m.value for m in phone.markdown)
    service.reset_point(wid, "LP1")  # deletes the phone's answers to LP1 ...
    service.open_point(wid, "LP1")  # ... and asks again before the phone redraws
    fresh()
    phone.run()
    no_errors(phone)
    assert reads == [1]
    assert "Save my answers to LP1" in [b.label for b in phone.button]
    assert all(r.value is None for r in phone.radio)  # the deleted answers are not shown as given


AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only",
        "client_id": "x", "client_secret": "y", "server_metadata_url": "https://idp.invalid/.well-known/openid"}


@pytest.mark.parametrize(("user", "allowed"), [
    ({"is_logged_in": True, "email": "Ana@Harbour.example"}, True),  # mapped by e-mail
    ({"is_logged_in": True, "email": "cara@harbour.example", "groups": ["Facilitators"]}, True),  # by group
    ({"is_logged_in": True, "email": "someone@else.example"}, False),
    ({"is_logged_in": False}, False),
])
def test_single_sign_on_gives_mapped_facilitators_the_console(db_url, monkeypatch, user, allowed):
    monkeypatch.delenv("LEVERAGE_FACILITATOR_PASSPHRASE", raising=False)
    store = Store(db_url)
    try:
        access = Access(store)
        org = org_id(db_url, ORG)
        access.sso.add(COMMAND_LINE, "email", "ana@harbour.example", org, Role.FACILITATOR)
        access.sso.add(COMMAND_LINE, "group", "facilitators", org, Role.FACILITATOR)
    finally:
        store.dispose()
    at = session()
    at.secrets["auth"] = AUTH
    at.user = user
    at.switch_page("pages/workshop.py").run()
    assert not at.exception
    console_open = any(e.label == "Create a workshop" for e in at.expander)
    assert console_open is allowed
    if not allowed and user["is_logged_in"]:
        assert any("Your roles do not open this page" in w.value for w in at.warning)
    if not user["is_logged_in"]:
        assert any("Sign in to see this page" in i.value for i in at.info)
    if allowed:
        store = Store(db_url)
        try:
            log = AuditLog(store).read()
        finally:
            store.dispose()
        assert ((log["action"] == "sign-in") & log["detail"].str.startswith("single sign-on")).any()
