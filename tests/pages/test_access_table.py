"""Who may open what, table-driven: every page for every role and for anonymous, every data-changing action
refused where the role lacks it, data only from the person's own organizations, escalation attempts refused
and logged, and the demo with no credential shows an anonymous visitor nothing but joining a workshop.

One demo database per module (users made once); each case is a fresh AppTest session.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from leverage.access.audit import AuditLog
from leverage.access.permissions import Role
from leverage.survey.store import Store
from tests.pages.conftest import APP, COOKIE_KEY, TIMEOUT, invitation_token, make_user, org_id
from ui.frame import BARE_PAGES

ORG = "Riverside Health System"
OTHER = "Lakeshore University Medical Center"
PAGES = ["home", "self_assessment", "results", "compare", "board", "aims", "invitations", "manage_data", "access",
         "join", "workshop", "projector", "signin"]
WHO = ["anonymous", "viewer", "editor", "facilitator", "admin", "installation"]
A, R = "allowed", "refused"
#: page -> expected outcome per WHO (installation: an installation admin holding no role in any organization)
EXPECTED = {
    "home":            [R, A, A, A, A, A],
    "self_assessment": [A, A, A, A, A, A],  # without an invitation it offers nothing to anyone (checked below)
    "results":         [R, A, A, R, A, R],
    "compare":         [R, A, A, R, A, R],
    "board":           [R, A, A, R, A, R],
    "aims":            [R, R, A, R, A, R],
    "invitations":     [R, R, A, R, A, R],
    "manage_data":     [R, R, A, R, A, A],
    "access":          [R, R, R, R, A, A],
    "join":            [A, A, A, A, A, A],
    "workshop":        [R, R, R, A, A, R],
    "projector":       [R, R, R, A, A, R],
    "signin":          [A, A, A, A, A, A],
}
ROLES = {"viewer": Role.VIEWER, "editor": Role.EDITOR, "facilitator": Role.FACILITATOR, "admin": Role.ADMIN}


@pytest.fixture(scope="module")
def people(demo_db: Path, tmp_path_factory) -> tuple[str, dict[str, str]]:
    """A copy of the demo database with one user per role (in Riverside only); their session cookies."""
    path = tmp_path_factory.mktemp("access_table") / "app.db"
    shutil.copy(demo_db, path)
    url = f"sqlite:///{path}"
    cookies = {who: make_user(url, f"{who}@riverside.example", roles={ORG: [role]})[1] for who, role in ROLES.items()}
    cookies["installation"] = make_user(url, "root@installation.example", installation_admin=True)[1]
    return url, cookies


@pytest.fixture
def url(people, monkeypatch) -> str:
    monkeypatch.setenv("LEVERAGE_DATABASE_URL", people[0])
    for name in ("LEVERAGE_MIN_N", "LEVERAGE_ROLES", "LEVERAGE_FACILITATOR_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    return people[0]


def open_as(people, who: str, page: str, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if who != "anonymous":
        at.session_state[COOKIE_KEY] = people[1][who]
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def outcome(at: AppTest) -> str:
    locked = any("Sign in to see this page" in i.value for i in at.info) or \
        any("does not open this page" in w.value or "Your roles do not open" in w.value for w in at.warning)
    return R if locked else A


def shown_data(at: AppTest) -> list[str]:
    """Every element that can carry data: tables, charts, metrics, downloads, uploads."""
    kinds = ["dataframe", "table", "plotly_chart", "metric", "download_button", "file_uploader", "image"]
    return [k for k in kinds if at.get(k)]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", WHO)
def test_every_page_for_every_role(people, url, page, who):
    at = open_as(people, who, page)
    expected = EXPECTED[page][WHO.index(who)]
    assert outcome(at) == expected, (page, who)
    if expected == R:
        assert shown_data(at) == [], (page, who)  # refused pages show nothing, not even a count
    if who not in ("anonymous", "installation") and page not in BARE_PAGES:
        # the sidebar offers the person's own organization only (bare pages, phone and projector, have none)
        picker = [s for s in at.sidebar.selectbox if s.label == "Organization"]
        assert picker and picker[0].options == [ORG], (page, who)


@pytest.mark.parametrize("page", PAGES)
def test_the_demo_shows_an_anonymous_visitor_no_data(people, url, page):
    at = open_as(people, "anonymous", page)
    assert shown_data(at) == [], page
    assert not at.sidebar.selectbox and not [m for m in at.sidebar.markdown if "demo data" in m.value]
    texts = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    for name in ("Riverside", "Lakeshore", "Northfield"):
        assert name not in texts, page
    forms = {b.label for b in at.button}
    assert forms <= {"Sign in", "Continue"}, (page, forms)  # the sign-in form, or the join page's code form
    if page == "self_assessment":
        assert any("answered through an invitation" in i.value for i in at.info)
        assert not at.radio and not at.selectbox


def test_an_organization_of_another_in_the_session_is_replaced_by_ones_own(people, url):
    """Escalation: an editor of Riverside puts Lakeshore's id in the session state."""
    for page in ("results", "aims", "board", "manage_data", "invitations"):
        at = open_as(people, "editor", page, organization_id=org_id(url, OTHER))
        assert at.session_state["organization_id"] == org_id(url, ORG), page
        texts = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption) + \
            " ".join(s.value for s in at.subheader)
        assert "Lakeshore" not in texts, page


def test_refused_pages_are_logged(people, url):
    open_as(people, "viewer", "aims")
    open_as(people, "editor", "access")
    store = Store(url)
    try:
        log = AuditLog(store).read(actions=["access refused"])
    finally:
        store.dispose()
    assert {"viewer@riverside.example", "editor@riverside.example"} <= set(log["actor"])


# --- actions that change data, for the roles that lack them ---------------------------------------------------

def labels(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


def test_a_viewer_sees_the_board_but_cannot_change_an_aim(people, url):
    at = open_as(people, "viewer", "board")
    at.toggle(key="board_meeting_mode").set_value(True).run()
    assert "Mark as reviewed today" not in labels(at)
    assert "Edit this aim, its measurements and annotations" not in labels(at)
    editor = open_as(people, "editor", "board")
    editor.toggle(key="board_meeting_mode").set_value(True).run()
    assert "Mark as reviewed today" in labels(editor)


def test_an_editor_cannot_import_export_raw_rows_add_organizations_or_delete_aims(people, url):
    at = open_as(people, "editor", "manage_data")
    assert "Add organization" not in labels(at)
    assert any("Importing responses needs the admin role" in i.value for i in at.info)
    assert at.file_uploader[0].disabled
    assert not [b for b in at.get("download_button") if b.label.startswith("Download")]  # no raw export
    assert any("exports of individual answers" in i.value for i in at.info)
    assert {"Add department", "Add round"} <= labels(at)
    aims = open_as(people, "editor", "aims")
    aims.selectbox(key="aims_selected").set_value(aims.selectbox(key="aims_selected").options[0]).run()
    assert not [c for c in aims.checkbox if c.label.startswith("Yes, delete")]
    assert any("Only an admin of the organization may delete an aim" in c.value for c in aims.caption)


def test_an_admin_exports_raw_rows_and_the_export_is_logged(people, url, made):
    at = open_as(people, "admin", "manage_data")
    name = next(n for n in made if n and n.endswith(".csv") and n.startswith("responses-"))
    data = made[name]()
    assert data.startswith(b"organization,department,role,round")
    store = Store(url)
    try:
        log = AuditLog(store).read(actions=["raw export"])
    finally:
        store.dispose()
    assert (log["actor"] == "admin@riverside.example").any()
    assert at.session_state["organization_id"] == org_id(url, ORG)


def test_only_admins_manage_users_and_only_for_their_organization(people, url):
    at = open_as(people, "admin", "access")
    assert at.selectbox(key="access_org").options == [ORG]
    next(t for t in at.text_input if t.label == "E-mail address").input("new.viewer@riverside.example")
    next(b for b in at.button if b.label == "Add and make a sign-in link").click().run()
    assert not at.exception and not at.error
    assert any("/signin?signin=" in c.value for c in at.code)
    store = Store(url)
    try:
        log = AuditLog(store).read(actions=["role granted"])
    finally:
        store.dispose()
    assert ((log["target"] == "new.viewer@riverside.example") & (log["detail"] == "viewer")).any()
    assert any("Organizations and their admins are managed by an installation admin" in i.value for i in at.info)


def test_only_an_installation_admin_adds_comparison_sources(people, url):
    at = open_as(people, "admin", "compare")
    assert at.file_uploader(key="compare_upload_0").disabled


def test_a_facilitator_creates_a_workshop_and_it_is_logged(people, url):
    at = open_as(people, "facilitator", "workshop")
    next(t for t in at.text_input if t.label == "Title").input("Ward huddle")
    next(t for t in at.text_input if t.label == "Name of the new round").input("Huddle round")
    next(b for b in at.button if b.label == "Create the workshop").click().run()
    assert not at.exception and not at.error
    store = Store(url)
    try:
        log = AuditLog(store).read(actions=["workshop created"])
    finally:
        store.dispose()
    assert (log["actor"] == "facilitator@riverside.example").any()


def test_an_invitation_link_is_the_only_way_in_for_a_respondent(people, url):
    token = invitation_token(url, ORG, "2026 Autumn")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["invitation"] = token
    at.switch_page("pages/self_assessment.py").run()
    assert not at.exception
    assert [b for b in at.button if b.label == "Start the self-assessment"]
    assert not at.sidebar.selectbox  # an anonymous respondent sees no navigation and no organization picker
    forged = AppTest.from_file(APP, default_timeout=TIMEOUT)
    forged.query_params["invitation"] = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    forged.switch_page("pages/self_assessment.py").run()
    assert any("not valid" in e.value for e in forged.error)
    assert not [b for b in forged.button if b.label == "Start the self-assessment"]


def test_results_show_the_response_rate_once_above_the_threshold(people, url):
    from leverage.access.service import Access
    from leverage.access.users import COMMAND_LINE
    from leverage.survey.instrument import default_instrument
    from leverage.survey.submissions import Submission

    store = Store(url)
    try:
        access = Access(store)
        rounds = store.list_rounds(org_id(url, ORG))
        rid = int(rounds.loc[rounds["name"] == "2026 Autumn", "id"].iloc[0])
        before, answered_before = access.invitations.response_rate(rid)  # other tests of the module invite too
        assert answered_before == 0
        made = access.invitations.create(COMMAND_LINE, rid, [(None, None)] * 8)
        invited = before + 8
        tokens = access.invitations.list(rid).set_index("id").loc[made, "token"].tolist()
        answers = {i.id: 4 for i in default_instrument().items}

        def answer(k: int) -> None:
            access.invitations.submit(tokens[k], Submission(f"rate-{k}", rid, "manager", answers), ["manager"])

        for k in range(4):
            answer(k)
        at = open_as(people, "viewer", "results")
        captions = " ".join(c.value for c in at.caption)
        assert f"{invited} people were invited; the response rate shows once at least 5 have answered" in captions
        answer(4)
        time.sleep(1.1)  # another process's write shows within a second (ui/state.py: REVISION_TTL)
        at = open_as(people, "viewer", "results")
        assert f"Response rate: **5 of {invited}** invited people answered ({5 / invited:.0%})" in \
            " ".join(c.value for c in at.caption)
    finally:
        store.dispose()


def test_an_editor_deleting_a_measurement_is_logged(people, url):
    at = open_as(people, "editor", "aims")
    aim_id = at.selectbox(key="aims_selected").value
    period = at.selectbox(key=f"meas_del_{aim_id}").value
    at.button(key=f"meas_del_btn_{aim_id}").click().run()
    assert not at.exception and not at.error
    store = Store(url)
    try:
        log = AuditLog(store).read(actions=["deletion"])
    finally:
        store.dispose()
    mine = log[log["actor"] == "editor@riverside.example"]
    assert mine["detail"].str.contains(f"measurement of {period:%Y-%m-%d}").any()
    assert (mine["organization_id"] == org_id(url, ORG)).all()
