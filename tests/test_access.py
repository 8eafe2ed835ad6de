"""The access domain on SQLite and PostgreSQL: the permission table, users and roles (with escalation attempts),
passwords, sessions and one-time links, invitations (one link, one submission), the append-only audit log,
single sign-on mappings, named comparisons, peer figures, roster and QR sheet."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from leverage.access import passwords, signing
from leverage.access.audit import AuditLog
from leverage.access.invitations import InvitationRefused, link_token
from leverage.access.permissions import (
    ANONYMOUS,
    GRANTS,
    AccessDenied,
    InstallationPermission,
    Permission,
    Principal,
    Role,
)
from leverage.access.roster import read_roster
from leverage.access.service import Access
from leverage.access.sessions import ACCOUNT, IDLE_HOURS
from leverage.access.sheet import qr_sheet
from leverage.access.sso import claim_groups, mapped_roles
from leverage.access.users import COMMAND_LINE
from leverage.compare.peers import WITHHELD, peer_figures, scope_benchmark, scope_scores
from leverage.core.database import StoreError
from leverage.core.schema import audit_log, invitations, respondents
from leverage.survey.instrument import default_instrument
from leverage.survey.submissions import Submission

START = dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC)
ROLES = ["board", "executive", "physician", "nursing", "manager", "other"]
ANSWERS = {i.id: 3 for i in default_instrument().items}


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += dt.timedelta(**kw)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def world(store, clock):
    """Two organizations, a round open in each, and an Access on the store."""
    a = store.add_organization("Riverside")
    b = store.add_organization("Lakeshore")
    dept = store.add_department(a, "Emergency")
    ra = store.add_round(a, "2027 Spring", opens_on=dt.date(2027, 1, 1))
    rb = store.add_round(b, "2027 Spring", opens_on=dt.date(2027, 1, 1))
    return Access(store, clock=clock), {"a": a, "b": b, "dept": dept, "ra": ra, "rb": rb}


def person(access: Access, email: str, org: int | None, *roles: Role) -> Principal:
    uid = access.users.add(COMMAND_LINE, email, organization_id=org, roles=roles)
    return access.users.principal(uid, "test")


# --- the permission table ---------------------------------------------------------------------------------------

def test_which_role_may_do_what():
    assert GRANTS[Role.VIEWER] == {Permission.VIEW_RESULTS}
    assert GRANTS[Role.EDITOR] == {Permission.VIEW_RESULTS, Permission.EDIT_AIMS, Permission.MANAGE_ROUNDS,
                                   Permission.MANAGE_INVITATIONS}
    assert GRANTS[Role.FACILITATOR] == {Permission.RUN_WORKSHOPS}
    assert GRANTS[Role.ADMIN] == set(Permission)
    # raw rows, imports, deletions, users and the audit log: admins only
    for admin_only in (Permission.EXPORT_RAW, Permission.IMPORT_RESPONSES, Permission.DELETE_DATA,
                       Permission.MANAGE_MEMBERS, Permission.READ_AUDIT):
        assert [r for r in Role if admin_only in GRANTS[r]] == [Role.ADMIN]


def test_a_principal_holds_roles_per_organization():
    p = Principal(1, "ana@x.org", roles={1: frozenset({Role.EDITOR}), 2: frozenset({Role.VIEWER})})
    assert p.can(Permission.EDIT_AIMS, 1) and not p.can(Permission.EDIT_AIMS, 2)
    assert p.can(Permission.VIEW_RESULTS, 2) and not p.can(Permission.VIEW_RESULTS, 3)
    assert p.organizations() == [1, 2] and p.organizations(Permission.EDIT_AIMS) == [1]
    assert not p.can(InstallationPermission.ADD_ORGANIZATION)
    assert not ANONYMOUS.can_anywhere(Permission.VIEW_RESULTS) and ANONYMOUS.organizations() == []
    with pytest.raises(AccessDenied, match="needs the role editor or admin"):
        p.require(Permission.EDIT_AIMS, 2)


# --- users, roles, escalation ------------------------------------------------------------------------------------

def test_roles_are_granted_by_admins_of_the_organization_only(world):
    access, ids = world
    admin = person(access, "admin@river.org", ids["a"], Role.ADMIN)
    viewer = person(access, "viewer@river.org", ids["a"], Role.VIEWER)
    other_admin = person(access, "admin@lake.org", ids["b"], Role.ADMIN)
    uid = access.users.add(admin, "new@river.org", organization_id=ids["a"], roles=(Role.EDITOR,))
    assert access.users.roles_of(uid) == {ids["a"]: {Role.EDITOR}}
    with pytest.raises(AccessDenied):  # a viewer promoting themself
        access.users.set_roles(viewer, viewer.user_id, ids["a"], {Role.ADMIN})
    with pytest.raises(AccessDenied):  # an admin of another organization
        access.users.set_roles(other_admin, uid, ids["a"], {Role.ADMIN})
    with pytest.raises(AccessDenied):  # an organization admin making an installation admin
        access.users.add(admin, "root@river.org", installation_admin=True)
    with pytest.raises(StoreError, match="only admin"):
        access.users.set_roles(admin, admin.user_id, ids["a"], set())
    assert access.users.roles_of(viewer.user_id) == {ids["a"]: {Role.VIEWER}}
    log = access.audit.read()
    assert set(log["action"]) >= {"user added", "role granted"}
    assert ((log["action"] == "role granted") & (log["target"] == "new@river.org")).sum() == 1


def test_people_set_only_their_own_password(world):
    access, ids = world
    ana = person(access, "ana@river.org", ids["a"], Role.VIEWER)
    ben = person(access, "ben@river.org", ids["a"], Role.ADMIN)
    with pytest.raises(AccessDenied):
        access.users.set_password(ben, ana.user_id, "a long enough password")
    for bad, why in [("short", "at least 12"), ("ana@river.org", "e-mail"), ("aaaaaaaaaaaaaaaa", "too few")]:
        with pytest.raises(StoreError, match=why):
            access.users.set_password(ana, ana.user_id, bad)
    access.users.set_password(ana, ana.user_id, "harbour lights at dusk")
    assert access.users.by_email("ana@river.org")["password_hash"].startswith("$argon2id$")


def test_password_hashes():
    stored = passwords.hash_password("correct horse battery")
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "correct horse batterY")
    assert not passwords.verify(None, "anything at all")  # no password set: never true, same work
    assert not passwords.verify(stored, "x" * 5000)


# --- sessions and one-time links -------------------------------------------------------------------------------

def test_password_sign_in_is_throttled_per_account_and_a_success_does_not_reset(world, clock):
    access, ids = world
    ana = person(access, "ana@river.org", ids["a"], Role.VIEWER)
    access.users.set_password(ana, ana.user_id, "harbour lights at dusk")
    for _ in range(ACCOUNT.free):
        with pytest.raises(StoreError, match="do not match"):
            access.sessions.sign_in("ana@river.org", "wrong guess", "198.51.100.1")
    with pytest.raises(StoreError, match="Wait 2 s"):
        access.sessions.sign_in("ANA@river.org ", "wrong guess", "198.51.100.2")  # another address, same account
    with pytest.raises(StoreError, match="Too many failed sign-ins"):
        access.sessions.sign_in("ana@river.org", "harbour lights at dusk", "198.51.100.1")
    clock.advance(seconds=3)
    done = access.sessions.sign_in("ana@river.org", "harbour lights at dusk", "198.51.100.1")
    assert access.principal_for_session(done.cookie).email == "ana@river.org"
    with pytest.raises(StoreError, match="Wait 4 s"):  # the success cleared nothing
        access.sessions.sign_in("ana@river.org", "wrong again", "198.51.100.1")
    # an unknown account gets the same words (no account discovery)
    with pytest.raises(StoreError, match="do not match an account"):
        access.sessions.sign_in("nobody@river.org", "whatever it is", "198.51.100.3")
    actions = access.audit.read()["action"].value_counts()
    assert actions["sign-in failed"] == ACCOUNT.free + 3 and actions["sign-in"] == 1
    assert actions["sign-in throttled"] == 1


def test_sessions_survive_servers_expire_and_end_at_sign_out(world, clock, store):
    access, ids = world
    ana = person(access, "ana@river.org", ids["a"], Role.VIEWER)
    cookie = access.sessions.start(ana.user_id, "test")
    other_server = Access(store, clock=clock)  # same database, same key drawn once
    assert other_server.principal_for_session(cookie).user_id == ana.user_id
    raw, mac = cookie.rsplit(".", 1)
    for forged in (raw + ".AAAAAAAAAAAAAAAAAAAAAA", signing.token() + "." + mac, "", "no-dot", "x" * 500):
        assert access.principal_for_session(forged) is None
    assert Access(store, secret_key="k" * 40, clock=clock).principal_for_session(cookie) is None  # other key
    clock.advance(hours=IDLE_HOURS + 1)
    assert access.principal_for_session(cookie) is None  # idle too long
    fresh = access.sessions.start(ana.user_id, "test")
    access.sessions.sign_out(fresh, "ana@river.org")
    assert access.principal_for_session(fresh) is None


def test_one_time_links_work_once_and_expire(world, clock):
    access, ids = world
    ana = person(access, "ana@river.org", ids["a"], Role.VIEWER)
    token = access.sessions.create_link(COMMAND_LINE, ana.user_id)
    assert access.sessions.link_status(token) == "valid"
    done = access.sessions.redeem_link(token, "198.51.100.1")
    assert access.principal_for_session(done.cookie).email == "ana@river.org"
    with pytest.raises(StoreError, match="used already"):
        access.sessions.redeem_link(token, "198.51.100.1")
    late = access.sessions.create_link(COMMAND_LINE, ana.user_id)
    clock.advance(minutes=16)
    with pytest.raises(StoreError, match="expired"):
        access.sessions.redeem_link(late, "198.51.100.1")
    with pytest.raises(StoreError, match="not valid"):
        access.sessions.redeem_link("made-up", "198.51.100.1")
    viewer = person(access, "viewer@river.org", ids["a"], Role.VIEWER)
    with pytest.raises(StoreError, match="organizations you administer"):
        access.sessions.create_link(viewer, ana.user_id)  # escalation: a link to someone else's account


def test_the_first_start_link_makes_the_installation_admin_once(world):
    access, ids = world
    token = access.sessions.bootstrap_link()
    assert access.sessions.bootstrap_link() == token  # every server prints the same link while it is unused
    assert access.sessions.link_status(token) == "bootstrap"
    with pytest.raises(StoreError, match="not an e-mail address"):
        access.sessions.redeem_bootstrap(token, "nope", "", "127.0.0.1")
    done = access.sessions.redeem_bootstrap(token, "Root@River.org", "Rita", "127.0.0.1")
    root = access.principal_for_session(done.cookie)
    assert root.installation_admin and root.email == "root@river.org"
    assert root.roles == {ids["a"]: {Role.ADMIN}, ids["b"]: {Role.ADMIN}}  # admin of the (demo) organizations
    assert access.sessions.bootstrap_link() is None  # users exist: no more first-start links
    with pytest.raises(StoreError, match="used already"):
        access.sessions.redeem_bootstrap(token, "evil@x.org", "", "127.0.0.1")


# --- invitations -------------------------------------------------------------------------------------------------

def submission(round_id: int, sid: str = "s-1", role: str = "nursing", answers=None) -> Submission:
    return Submission(sid, round_id, role, answers or ANSWERS)


def count_respondents(store, round_id: int) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(respondents)
                            .where(respondents.c.round_id == round_id)).scalar_one()


def test_one_link_one_submission_editable_until_the_round_closes(world, store):
    access, ids = world
    editor = person(access, "ed@river.org", ids["a"], Role.EDITOR)
    (one, fixed) = access.invitations.create(editor, ids["ra"], [(None, None), ("physician", ids["dept"])])
    links = access.invitations.list(ids["ra"]).set_index("id")["token"]
    today = dt.date(2027, 3, 1)
    first = access.invitations.submit(links[one], submission(ids["ra"]), ROLES, today)
    assert first.created and count_respondents(store, ids["ra"]) == 1
    # the same link again (another browser, a new submission id): edits, never adds
    again = access.invitations.submit(links[one], submission(ids["ra"], "s-2", answers={**ANSWERS, "LP1.1": 5}),
                                      ROLES, today)
    assert not again.created and again.respondent_id == first.respondent_id
    assert store.respondent_answers(first.respondent_id)["LP1.1"] == 5
    assert count_respondents(store, ids["ra"]) == 1
    # the roster's role and department win over what the page sends
    r = access.invitations.submit(links[fixed], submission(ids["ra"], "s-3", role="board"), ROLES, today)
    row = store.responses(ids["a"], [ids["ra"]])
    mine = row[row["respondent_id"] == r.respondent_key].iloc[0]
    assert mine["role"] == "physician" and mine["department"] == "Emergency"
    assert access.invitations.response_rate(ids["ra"]) == (2, 2)
    # once the round has closed, the link changes nothing
    with store.write() as conn:
        conn.execute(sa.text("UPDATE rounds SET closes_on = :d WHERE id = :r"), {"d": dt.date(2027, 2, 28),
                                                                                 "r": ids["ra"]})
    with pytest.raises(InvitationRefused, match="closed on 28 February 2027"):
        access.invitations.submit(links[one], submission(ids["ra"], "s-4", answers={**ANSWERS, "LP1.1": 1}), ROLES,
                                  today)
    assert store.respondent_answers(first.respondent_id)["LP1.1"] == 5


def test_forged_revoked_expired_and_foreign_links_change_nothing(world, store):
    access, ids = world
    editor = person(access, "ed@river.org", ids["a"], Role.EDITOR)
    other = person(access, "ed@lake.org", ids["b"], Role.EDITOR)
    (a1, a2) = access.invitations.create(editor, ids["ra"], [(None, None)] * 2)
    (b1,) = access.invitations.create(other, ids["rb"], [(None, None)])
    links = access.invitations.list(ids["ra"]).set_index("id")["token"]
    b_link = access.invitations.list(ids["rb"]).set_index("id")["token"][b1]
    today = dt.date(2027, 3, 1)
    forged = [links[a1][:-1] + ("A" if not links[a1].endswith("A") else "B"),  # altered MAC
              f"{b1}.{links[a1].split('.')[1]}",  # another organization's invitation id with this MAC
              f"{a1}", "", "x" * 300, f"{a1}.{signing.token()}"]
    for token in forged:
        with pytest.raises(InvitationRefused, match="not valid"):
            access.invitations.submit(token, submission(ids["ra"]), ROLES, today)
    with pytest.raises(InvitationRefused, match="another round"):  # a real link of org B, answers for org A's round
        access.invitations.submit(b_link, submission(ids["ra"]), ROLES, today)
    assert access.invitations.revoke(editor, [a2], "") == 1
    with pytest.raises(InvitationRefused, match="withdrawn"):
        access.invitations.submit(links[a2], submission(ids["ra"]), ROLES, today)
    with pytest.raises(AccessDenied):  # an editor of B withdrawing A's invitation
        access.invitations.revoke(other, [a1], "")
    with store.write() as conn:
        conn.execute(invitations.update().where(invitations.c.id == a1)
                     .values(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    with pytest.raises(InvitationRefused, match="expired"):
        access.invitations.submit(links[a1], submission(ids["ra"]), ROLES, today)
    assert count_respondents(store, ids["ra"]) == 0
    viewer = person(access, "viewer@river.org", ids["a"], Role.VIEWER)
    with pytest.raises(AccessDenied):
        access.invitations.create(viewer, ids["ra"], [(None, None)])
    # links stay the same when printed again (the nonce is kept), and differ between invitations
    again = access.invitations.list(ids["ra"]).set_index("id")["token"]
    assert again[a1] == links[a1] and again[a1] != again[a2]
    assert link_token(access.key, a1, "other nonce") != links[a1]


def test_answers_can_never_exceed_invitations(world, store, monkeypatch):
    """Two windows submitting through one link at once: one response; every other path is refused."""
    access, ids = world
    editor = person(access, "ed@river.org", ids["a"], Role.EDITOR)
    made = access.invitations.create(editor, ids["ra"], [(None, None)] * 3)
    links = access.invitations.list(ids["ra"]).set_index("id")["token"]
    today = dt.date(2027, 3, 1)
    for k in range(12):
        token = links[made[k % 3]]
        access.invitations.submit(token, submission(ids["ra"], f"s-{k}", answers={**ANSWERS, "LP1.1": 1 + k % 5}),
                                  ROLES, today)
    invited, answered = access.invitations.response_rate(ids["ra"])
    assert count_respondents(store, ids["ra"]) == answered == 3 <= invited
    # a race: the invitation is marked used inside the submission's own transaction
    (late,) = access.invitations.create(editor, ids["ra"], [(None, None)])
    token = access.invitations.list(ids["ra"]).set_index("id")["token"][late]
    invited_view = access.invitations.open(token, today)
    with store.write() as conn:  # another window wins between this one's check and its write
        conn.execute(invitations.update().where(invitations.c.id == late)
                     .values(submitted_at=dt.datetime(2027, 3, 1, tzinfo=dt.UTC)))
    assert not invited_view.answered
    monkeypatch.setattr(access.invitations, "open", lambda *_: invited_view)  # this window checked before
    with pytest.raises(InvitationRefused, match="answered a moment ago"):
        access.invitations.submit(token, submission(ids["ra"], "s-race"), ROLES, today)
    assert count_respondents(store, ids["ra"]) == 3


# --- the audit log ---------------------------------------------------------------------------------------------

def test_the_audit_log_is_append_only_in_the_database(world, store):
    access, _ = world
    access.audit.record("ana@river.org", "sign-in", address="198.51.100.1")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with store.write() as conn:
            conn.execute(audit_log.update().values(actor="someone else"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with store.write() as conn:
            conn.execute(audit_log.delete())
    log = AuditLog(store).read()
    assert list(log["actor"]) == ["ana@river.org"] and log["address"].iloc[0] == "198.51.100.1"


# --- single sign-on and named comparisons --------------------------------------------------------------------

def test_single_sign_on_roles_come_from_mappings(world):
    access, ids = world
    admin = person(access, "admin@river.org", ids["a"], Role.ADMIN)
    access.sso.add(admin, "email", "Ana@River.org", ids["a"], Role.EDITOR)
    access.sso.add(admin, "group", "Board Members", ids["a"], Role.VIEWER)
    with pytest.raises(AccessDenied):  # mapping into an organization one does not administer
        access.sso.add(admin, "group", "everyone", ids["b"], Role.ADMIN)
    with pytest.raises(StoreError, match="exists already"):
        access.sso.add(admin, "email", "ana@river.org", ids["a"], Role.EDITOR)
    ana = access.principal_for_sso({"email": "ANA@river.org", "name": "Ana"})
    assert ana.roles == {ids["a"]: {Role.EDITOR}} and ana.method == "sso"
    board = access.principal_for_sso({"email": "bo@river.org", "groups": ["board members", "Staff"]})
    assert board.roles == {ids["a"]: {Role.VIEWER}}
    assert access.principal_for_sso({"email": "x@else.org"}).roles == {}
    assert access.principal_for_sso({"sub": "no-email"}) is None
    assert claim_groups({"groups": "A, b"}) == ["a", "b"] and claim_groups({"groups": 5}) == []
    frame = pd.DataFrame({"kind": ["email", "group"], "value": ["a@x.org", "g"], "organization_id": [1, 2],
                          "role": ["viewer", "admin"]})
    assert mapped_roles(frame, "A@x.org", ["G"]) == {1: {Role.VIEWER}, 2: {Role.ADMIN}}


def test_a_named_comparison_needs_both_admins(world):
    access, ids = world
    a = person(access, "admin@river.org", ids["a"], Role.ADMIN)
    b = person(access, "admin@lake.org", ids["b"], Role.ADMIN)
    viewer = person(access, "viewer@river.org", ids["a"], Role.VIEWER)
    access.named.set(a, ids["a"], ids["b"], True)
    assert access.named.named_peers([ids["a"]]) == set()
    with pytest.raises(AccessDenied):
        access.named.set(a, ids["b"], ids["a"], True)  # agreeing on the other organization's behalf
    with pytest.raises(AccessDenied):
        access.named.set(viewer, ids["a"], ids["b"], True)
    access.named.set(b, ids["b"], ids["a"], True)
    assert access.named.named_peers([ids["a"]]) == {ids["b"]} and access.named.named_peers([ids["b"]]) == {ids["a"]}
    access.named.set(b, ids["b"], ids["a"], False)
    assert access.named.named_peers([ids["a"]]) == set()


# --- peer figures ---------------------------------------------------------------------------------------------

def unit_rows(means: dict[str, float | None], point: str = "LP1") -> pd.DataFrame:
    return pd.DataFrame({"unit": list(means), "round": "R1", "leverage_point": point,
                         "mean": [np.nan if m is None else m for m in means.values()],
                         "status": ["ok" if m is not None else "below threshold" for m in means.values()]})


def test_peer_figures_are_median_and_quartiles_over_at_least_three():
    scores = unit_rows({"Mine": 3.0, "P1": 2.0, "P2": 3.0, "P3": 4.0, "P4": 5.0, "Small": None})
    figures = peer_figures(scores, ["P1", "P2", "P3", "P4", "Small"])
    row = figures.iloc[0]
    # type 7 quartiles of 2, 3, 4, 5: 2.75, 3.5, 4.25 (hand-computed); the small peer is not counted
    assert (row["peers"], row["q1"], row["median"], row["q3"], row["status"]) == (4, 2.75, 3.5, 4.25, "ok")
    two = peer_figures(unit_rows({"P1": 2.0, "P2": 4.0, "Small": None}), ["P1", "P2", "Small"]).iloc[0]
    assert two["peers"] == 2 and np.isnan(two["median"]) and two["status"] == WITHHELD


def test_a_benchmark_that_would_give_away_one_or_two_hidden_organizations_is_withheld():
    scores = pd.concat([unit_rows({"Mine": 3.0, "P1": 2.0, "P2": 4.0}, "LP1"),
                        unit_rows({"Mine": 3.0, "P1": 2.0, "P2": 4.0, "P3": 5.0}, "LP2")])
    scores["difference"] = scores["mean"] - 3.0
    bench = pd.DataFrame({"round": "R1", "leverage_point": ["LP1", "LP2"], "mean": [3.0, 3.5], "n": [30, 40],
                          "status": "ok", "unit": "All"})
    scoped = scope_benchmark(bench, scores, {"Mine"}).set_index("leverage_point")
    assert scoped.loc["LP1", "status"] == WITHHELD and np.isnan(scoped.loc["LP1", "mean"])
    assert scoped.loc["LP2", "mean"] == 3.5 and scoped.loc["LP1", "n"] == 30  # counts stay
    mine = scope_scores(scores, {"Mine"}, scoped.reset_index()).set_index("leverage_point")
    assert list(mine["unit"]) == ["Mine", "Mine"]
    assert np.isnan(mine.loc["LP1", "difference"]) and mine.loc["LP2", "difference"] == 0.0
    assert scope_benchmark(bench, scores, {"Mine", "P1", "P2", "P3"}).equals(bench)  # nothing hidden


# --- roster and sheet -------------------------------------------------------------------------------------------

def test_a_roster_is_checked_whole():
    roles = {"nursing": "Nursing leader", "board": "Board member"}
    depts = {"Emergency": 7}
    good = b"name,Role,department\nAna,Nursing leader,emergency\nBo,board,\nCy,,\n"
    roster = read_roster(good, roles, depts)
    assert roster.people == [("nursing", 7), ("board", None), (None, None)]
    assert list(roster.extra["name"]) == ["Ana", "Bo", "Cy"]
    bad = b"role,department\npilot,Emergency\nnursing,Moon base\n"
    with pytest.raises(StoreError, match=r"row 2: 'pilot' is not a configured role[\s\S]*row 3: 'Moon base'"):
        read_roster(bad, roles, depts)
    with pytest.raises(StoreError, match="no rows"):
        read_roster(b"role\n", roles, depts)


def test_the_qr_sheet_has_a_card_per_link():
    links = pd.DataFrame({"label": [f"Person {k} · Ünïcode ✓" for k in range(14)],
                          "link": [f"https://leverage.example/self_assessment?invitation={k}.abc" for k in range(14)]})
    pdf = PdfReader(io.BytesIO(qr_sheet(links, "Riverside: self-assessment 2027 Spring")))
    assert len(pdf.pages) == 2  # 12 cards a page
    text = pdf.pages[1].extract_text()
    assert "Person 13" in text and "invitation=13.abc" in text
