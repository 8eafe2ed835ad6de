"""Workshop rules on SQLite and PostgreSQL: codes, joining, answering, point states, reveal, re-vote, end."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from leverage.core.schema import workshop_answers, workshop_participants
from leverage.core.settings import DEFAULT_ROLES
from leverage.survey.suppression import BELOW, SECONDARY
from leverage.workshops import joincode
from leverage.workshops.service import Workshops
from leverage.workshops.states import CLOSED, ENDED, LOCKED, OPEN, PENDING, WorkshopError

ROLES = [k for k, _ in DEFAULT_ROLES]
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ws(store):
    org = store.add_organization("Harbour Hospital")
    store.add_department(org, "Emergency")
    w = Workshops(store)
    return w, org


def make(w: Workshops, org: int, **kw) -> dict:
    args = dict(title="Board away day", points=["LP1", "LP2"], round_name="Workshop 2026", min_n=3, now=NOW)
    args.update(kw)
    return w.create(org, **args)


def items_of(w: Workshops, point: str) -> list[str]:
    return [i.id for i in w.instrument.items_for(point)]


def answer_all(w: Workshops, p, point: str, value: int | None) -> int:
    return w.submit(p, point, {i: value for i in items_of(w, point)}, now=NOW)


def table_count(store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


# --- codes and tokens -------------------------------------------------------------------------------

def test_codes_use_the_unambiguous_alphabet_and_are_random():
    codes = {joincode.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 6
        assert not set(code) & set("0O1IL5S2Z8BUVQ")
    with pytest.raises(ValueError):
        joincode.new_code(5)
    assert joincode.normalise_code(" ac-d 3e7 ") == "ACD3E7"
    assert len(joincode.new_token()) >= 32 and joincode.new_token() != joincode.new_token()


def test_passphrase_comparison():
    assert joincode.passphrase_matches("correct horse", "correct horse")
    assert not joincode.passphrase_matches("correct hors", "correct horse")
    assert not joincode.passphrase_matches("", "")  # nothing configured never opens the console
    assert not joincode.passphrase_matches("x", None)
    assert not joincode.passphrase_matches(None, "x")


def test_delay_grows_after_free_failures():
    assert [joincode.delay_after(n) for n in range(1, 8)] == [0, 0, 0, 2, 4, 8, 16]
    assert joincode.delay_after(30) == joincode.MAX_DELAY_S


# --- creating -----------------------------------------------------------------------------------------

def test_create_validates_and_starts_pending(ws):
    w, org = ws
    made = make(w, org)
    assert made["vote"] == 1 and made["status"] == "running"
    assert made["items"] == items_of(w, "LP1") + items_of(w, "LP2")
    assert made["expires_at"] == NOW + dt.timedelta(hours=12)
    assert w.points(made["id"])["state"].tolist() == [PENDING, PENDING]
    for bad, msg in [({"title": " "}, "title"), ({"points": []}, "at least one"), ({"points": ["LP9"]}, "LP9"),
                     ({"min_n": 1}, "threshold"), ({"round_name": ""}, "Name the new round"),
                     ({"items": ["LP3.1"]}, "not an item of the chosen"), ({"hours": 0}, "expire")]:
        with pytest.raises(WorkshopError, match=msg):
            make(w, org, **bad)
    w.store.add_round(org, "Existing")
    with pytest.raises(WorkshopError, match="already has a round called 'Existing'"):
        make(w, org, round_name="Existing")
    assert len(w.list_workshops(org)) == 1  # nothing was created by the refused attempts


def test_item_subset(ws):
    w, org = ws
    made = make(w, org, items=["LP1.1", "LP1.2", "LP2.3"])
    assert made["items"] == ["LP1.1", "LP1.2", "LP2.3"]
    p = w.join(made["code"], "c", now=NOW)
    w.open_point(made["id"], "LP1")
    with pytest.raises(WorkshopError, match="LP1.3 is not a statement of LP1"):
        w.submit(p, "LP1", {"LP1.1": 3, "LP1.2": 3, "LP1.3": 3}, now=NOW)
    assert w.submit(p, "LP1", {"LP1.1": 3, "LP1.2": 4}, now=NOW) == 2


# --- joining ----------------------------------------------------------------------------------------

def test_join_by_code_and_refusals(ws):
    w, org = ws
    made = make(w, org)
    p = w.join(made["code"].lower(), "phone-1", role="nursing", now=NOW + dt.timedelta(minutes=5), roles=ROLES)
    assert p.workshop_id == made["id"] and p.role == "nursing"
    with pytest.raises(WorkshopError, match="not a configured role"):
        w.join(made["code"], "phone-2", role="pilot", roles=ROLES, now=NOW)
    with pytest.raises(WorkshopError, match="No workshop has the code"):
        w.join("XXXXXX" if made["code"] != "XXXXXX" else "YYYYYY", "phone-3", now=NOW)
    with pytest.raises(WorkshopError, match="That is not a workshop code"):
        w.join("0O1", "phone-3", now=NOW)
    with pytest.raises(WorkshopError, match="has expired"):
        w.join(made["code"], "phone-4", now=NOW + dt.timedelta(hours=12, seconds=1))
    other_org = w.store.add_organization("Elsewhere")
    dept = w.store.add_department(other_org, "Theatre")
    with pytest.raises(WorkshopError, match="department does not belong"):
        w.join(made["code"], "phone-5", department_id=dept, now=NOW)
    assert table_count(w.store, workshop_participants) == 1


class FakeClock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def test_wrong_codes_are_slowed_down_and_a_success_clears_nothing(ws):
    _, org = ws
    clock = FakeClock(NOW)
    w = Workshops(ws[0].store, clock=clock)
    made = make(w, org)
    wrong = "XXXXXX" if made["code"] != "XXXXXX" else "YYYYYY"
    guesser = joincode.code_keys("guesser-phone", "203.0.113.9")
    for _ in range(joincode.FREE_FAILURES):
        with pytest.raises(WorkshopError, match="No workshop"):
            w.find(wrong, guesser, now=NOW)
    with pytest.raises(WorkshopError, match="Wait 2 s"):
        w.find(wrong, guesser, now=NOW)
    # while blocked even the right code is refused, without looking it up
    clock.advance(0.5)
    with pytest.raises(WorkshopError, match="Too many wrong codes. Wait 2 s"):
        w.find(made["code"], guesser, now=NOW)
    # another phone behind the same address joins: the address allows a room's typos
    assert w.find(made["code"], joincode.code_keys("neighbour-phone", "203.0.113.9"), now=NOW)["id"] == made["id"]
    clock.advance(2.5)
    with pytest.raises(WorkshopError, match="Wait 4 s"):
        w.find(wrong, guesser, now=NOW)
    clock.advance(4)
    assert w.find(made["code"], guesser, now=NOW)["id"] == made["id"]
    # the success cleared nothing: the next miss is the sixth, blocked for 8 s
    with pytest.raises(WorkshopError, match="Wait 8 s"):
        w.find(wrong, guesser, now=NOW)
    assert w.throttle.failures(joincode.CODE_PHONE, "guesser-phone") == 6
    # after a quarter of an hour without a miss the phone starts again from zero
    clock.advance(joincode.CODE_PHONE.forget_s + 1)
    with pytest.raises(WorkshopError, match=r"No workshop has the code \w+\. Check the code on the screen and type "
                                            r"it again\.$"):
        w.find(wrong, guesser, now=NOW)


def test_forged_or_foreign_token_is_refused(ws):
    w, org = ws
    a = make(w, org)
    b = make(w, org, title="Second", round_name="Other round")
    pa = w.join(a["code"], "x", now=NOW)
    w.join(b["code"], "y", now=NOW)
    assert w.participant(a["code"], pa.token) == pa
    for code, token in [(a["code"], pa.token[:-1] + ("A" if pa.token[-1] != "A" else "B")),
                        (b["code"], pa.token), (a["code"], ""), (a["code"], None), (a["code"], "x" * 200)]:
        with pytest.raises(WorkshopError, match="not valid for this workshop"):
            w.participant(code, token)


# --- answering and point states -----------------------------------------------------------------------

def test_answers_only_while_open_and_upserted(ws):
    w, org = ws
    made = make(w, org)
    wid = made["id"]
    p = w.join(made["code"], "c", now=NOW)
    with pytest.raises(WorkshopError, match="LP1 is not open yet"):
        answer_all(w, p, "LP1", 3)
    w.open_point(wid, "LP1")
    assert answer_all(w, p, "LP1", 3) == 5
    assert answer_all(w, p, "LP1", 4) == 5  # a change replaces, never doubles
    assert table_count(w.store, workshop_answers) == 5
    assert set(w.answers_of(p, 1).values()) == {4}
    with pytest.raises(WorkshopError, match="still open"):
        w.submit(p, "LP1", {"LP1.1": 2}, now=NOW)
    with pytest.raises(WorkshopError, match="must be 1–5"):
        w.submit(p, "LP1", {i: 6 for i in items_of(w, "LP1")}, now=NOW)
    with pytest.raises(WorkshopError, match="LP3 is not asked"):
        answer_all(w, p, "LP3", 3)
    w.close_point(wid, "LP1")
    with pytest.raises(WorkshopError, match="LP1 is closed"):
        answer_all(w, p, "LP1", 1)
    w.open_point(wid, "LP1")  # a closed point may reopen
    w.lock_point(wid, "LP1")
    with pytest.raises(WorkshopError, match="LP1 is locked: your answers were not changed"):
        answer_all(w, p, "LP1", 1)
    assert set(w.answers_of(p, 1).values()) == {4}
    with pytest.raises(WorkshopError, match="cannot be opened"):
        w.open_point(wid, "LP1")
    with pytest.raises(WorkshopError, match="cannot be closed"):
        w.close_point(wid, "LP2")
    assert w.points(wid).set_index("leverage_point")["state"].to_dict() == {"LP1": LOCKED, "LP2": PENDING}


def test_reset_deletes_only_that_points_answers(ws):
    w, org = ws
    made = make(w, org)
    wid = made["id"]
    p = w.join(made["code"], "c", now=NOW)
    w.open_point(wid, "LP1")
    w.open_point(wid, "LP2")
    answer_all(w, p, "LP1", 2)
    answer_all(w, p, "LP2", 5)
    w.reveal_point(wid, "LP1")
    assert w.board(wid).resets == 0
    assert w.reset_point(wid, "LP1") == 5
    assert w.board(wid).resets == 1  # phones read their own answers again only when this moves
    pts = w.points(wid).set_index("leverage_point")
    assert pts.loc["LP1", "state"] == PENDING and not pts.loc["LP1", "revealed"]
    assert pts.loc["LP2", "state"] == OPEN
    assert set(w.answers_of(p, 1)) == set(items_of(w, "LP2"))


def test_snapshot_counts_and_results_with_threshold(ws):
    w, org = ws
    made = make(w, org)  # min_n = 3
    wid = made["id"]
    w.open_point(wid, "LP1")
    people = [w.join(made["code"], f"c{i}", now=NOW) for i in range(3)]
    answer_all(w, people[0], "LP1", 2)
    answer_all(w, people[1], "LP1", 4)
    snap = w.snapshot(wid)
    assert snap["participants"] == 3 and snap["answers"] == 10
    assert snap["points"].set_index("leverage_point")["answered"].to_dict() == {"LP1": 2, "LP2": 0}
    scores, dist = w.results(wid)
    lp1 = scores.set_index("leverage_point").loc["LP1"]
    assert lp1["n_respondents"] == 2 and lp1["status"] == "below threshold" and pd.isna(lp1["mean"])
    # the third person: 5 dont-know answers count as a respondent with no score → still 2 scored
    w.submit(people[2], "LP1", {i: (3 if i.endswith(".1") else None) for i in items_of(w, "LP1")}, now=NOW)
    scores, dist = w.results(wid)
    lp1 = scores.set_index("leverage_point").loc["LP1"]
    # respondent scores 2, 4 and 3 (one scored item) → mean 3.0
    assert lp1["n_respondents"] == 3 and lp1["mean"] == pytest.approx(3.0)
    d = dist.set_index("leverage_point").loc["LP1"]
    # 15 answers: five 2s, five 4s, one 3, four don't know
    assert d["level_2"] == pytest.approx(5 / 15) and d["level_4"] == pytest.approx(5 / 15)
    assert d["level_3"] == pytest.approx(1 / 15) and d["dont_know"] == pytest.approx(4 / 15)


def test_revote_shift_and_end_saves_latest_answers(ws):
    w, org = ws
    made = make(w, org)
    wid = made["id"]
    people = [w.join(made["code"], f"c{i}", role=("nursing" if i < 3 else None), roles=ROLES, now=NOW)
              for i in range(4)]
    w.open_point(wid, "LP1")
    w.open_point(wid, "LP2")
    for k, p in enumerate(people):
        answer_all(w, p, "LP1", [1, 2, 3, 2][k])
        answer_all(w, p, "LP2", 4)
    assert w.start_revote(wid) == 2
    assert w.points(wid, 1)["state"].tolist() == [LOCKED, LOCKED]
    assert w.points(wid)["state"].tolist() == [PENDING, PENDING]
    with pytest.raises(WorkshopError, match="LP1 is not open yet"):  # vote 1 is locked, vote 2 not open yet
        w.submit(people[0], "LP1", {i: 5 for i in items_of(w, "LP1")}, now=NOW)
    w.open_point(wid, "LP1")
    for k, p in enumerate(people):
        answer_all(w, p, "LP1", [3, 4, 4, 4][k])
    with pytest.raises(WorkshopError, match="already has 2 votes"):
        w.start_revote(wid)
    assert w.shift(wid).empty  # vote 2 of LP1 is open: nothing is published while answers come in
    w.close_point(wid, "LP1")
    shift = w.shift(wid).set_index("leverage_point")
    # vote 1 LP1 mean (1+2+3+2)/4 = 2.0; vote 2 (3+4+4+4)/4 = 3.75 → +1.75
    assert shift.loc["LP1", "mean_previous"] == pytest.approx(2.0)
    assert shift.loc["LP1", "mean"] == pytest.approx(3.75)
    assert shift.loc["LP1", "change"] == pytest.approx(1.75)
    assert "LP2" not in shift.index  # not asked again in vote 2
    by_role = w.shift(wid, ("role",)).set_index(["role", "leverage_point"])
    # "other" is one person (below the threshold of 3); nursing (3 people) would be shown, but the per-point
    # row beside it minus nursing gives "other" by subtraction, so the subtraction rule withholds nursing too
    # (issue 14: the shift obeys the threshold and the subtraction rule).
    assert pd.isna(by_role.loc[("other", "LP1"), "change"]) and by_role.loc[("other", "LP1"), "status"] == BELOW
    assert pd.isna(by_role.loc[("nursing", "LP1"), "change"])
    assert by_role.loc[("nursing", "LP1"), "status"] == SECONDARY
    assert by_role.loc[("nursing", "LP1"), "n"] == 3  # counts stay

    report = w.end(wid, ROLES, now=NOW)
    assert report.respondents == 4 and report.answers == 40 and report.rounds == 1
    assert w.get(wid)["status"] == ENDED
    saved = w.store.responses(org)
    assert len(saved) == 40
    assert sorted(saved["role"].unique()) == ["nursing", "other"]
    lp1 = saved[saved["leverage_point"] == "LP1"].groupby("respondent_id")["value"].first().sort_index()
    assert lp1.tolist() == [3, 4, 4, 4]  # the re-vote, not the first answers
    assert set(saved.loc[saved["leverage_point"] == "LP2", "value"]) == {4}  # kept from vote 1
    for action in (lambda: w.open_point(wid, "LP2"), lambda: w.end(wid, ROLES)):
        with pytest.raises(WorkshopError, match="ended"):
            action()
    with pytest.raises(WorkshopError, match="ended"):
        w.join(made["code"], "late", now=NOW)
    with pytest.raises(WorkshopError, match="ended"):
        answer_all(w, people[0], "LP1", 1)


def test_end_into_existing_round_and_export(ws):
    w, org = ws
    rid = w.store.add_round(org, "Spring", opens_on=NOW.date())
    made = make(w, org, round_id=rid, round_name=None, points=["LP3"])
    p = w.join(made["code"], "c", role="board", roles=ROLES, now=NOW)
    w.open_point(made["id"], "LP3")
    answer_all(w, p, "LP3", None)
    export = w.answers(made["id"])
    assert list(export.columns) == ["workshop", "vote", "organization", "department", "role", "round",
                                    "respondent_id", "item_id", "leverage_point", "value"]
    assert len(export) == 5 and export["value"].isna().all() and set(export["round"]) == {"Spring"}
    import io

    from leverage.survey.responses import to_csv_bytes, to_parquet_bytes

    back = pd.read_parquet(io.BytesIO(to_parquet_bytes(export)))
    assert len(back) == 5 and back["value"].isna().all() and set(back["vote"]) == {1}
    assert to_csv_bytes(export).decode("utf-8").splitlines()[0].startswith("workshop,vote,organization")
    report = w.end(made["id"], ROLES, now=NOW)
    assert report.rounds == 0 and report.respondents == 1
    assert w.store.list_rounds(org).set_index("name").loc["Spring", "respondents"] == 1
    assert w.get(made["id"])["saved_round_id"] == rid


def test_end_refuses_unspecified_role_without_other(ws):
    w, org = ws
    made = make(w, org, points=["LP1"])
    p = w.join(made["code"], "c", now=NOW)
    w.open_point(made["id"], "LP1")
    answer_all(w, p, "LP1", 3)
    with pytest.raises(WorkshopError, match="nothing was saved"):
        w.end(made["id"], ["board"], now=NOW)
    assert w.get(made["id"])["status"] == "running"
    assert w.store.responses(org).empty


def test_closed_point_still_reveals_and_other_workshop_is_isolated(ws):
    w, org = ws
    a = make(w, org)
    b = make(w, org, title="B", round_name="B round")
    pa = w.join(a["code"], "c", now=NOW)
    w.open_point(a["id"], "LP1")
    answer_all(w, pa, "LP1", 5)
    with pytest.raises(WorkshopError, match="not open yet"):
        # a participant of A cannot answer into B by naming B's point: the token fixes the workshop
        answer_all(w, pa, "LP2", 5)
    assert w.answers(b["id"]).empty
    w.close_point(a["id"], "LP1")
    w.reveal_point(a["id"], "LP1")
    assert bool(w.points(a["id"]).set_index("leverage_point").loc["LP1", "revealed"])
    with pytest.raises(WorkshopError, match="revealed before it has been asked"):
        w.reveal_point(a["id"], "LP2")
    assert w.points(a["id"])["state"].tolist() == [CLOSED, PENDING]


def test_renew_code_replaces_the_old_one_and_keeps_participants(ws):
    w, org = ws
    made = make(w, org)
    p = w.join(made["code"], "c", now=NOW)
    later = NOW + dt.timedelta(hours=11)
    code = w.renew_code(made["id"], hours=2, now=later)
    assert code != made["code"] and len(code) == 6
    assert w.get(made["id"])["expires_at"] == later + dt.timedelta(hours=2)
    with pytest.raises(WorkshopError, match="No workshop has the code"):
        w.find(made["code"], "x", now=later)
    assert w.find(code, "x", now=later + dt.timedelta(hours=1))["id"] == made["id"]
    assert w.participant(made["code"], p.token) == p  # joined people keep their link with the old code
    assert w.participant(code, p.token) == p
    other = make(w, org, title="Other", round_name="Other round", now=later)
    with pytest.raises(WorkshopError, match="not valid"):
        w.participant(other["code"], p.token)  # a link naming another live workshop is refused
    w.end(made["id"], ROLES, now=later)
    with pytest.raises(WorkshopError, match="ended"):
        w.renew_code(made["id"])


def test_no_answer_changes_after_a_lock_under_concurrent_submits(ws):
    """Phones keep sending while the facilitator locks: every send either lands before the lock or is refused."""
    import threading

    w, org = ws
    made = make(w, org, points=["LP1"])
    w.open_point(made["id"], "LP1")
    people = [w.join(made["code"], f"c{i}", now=NOW) for i in range(6)]
    locked = threading.Event()
    after_lock_ok: list[int] = []
    refused: list[str] = []

    def phone(k: int) -> None:
        for value in [1, 2, 3, 4, 5] * 6:
            started_after_lock = locked.is_set()
            try:
                w.submit(people[k], "LP1", {i: value for i in items_of(w, "LP1")})
                if started_after_lock:
                    after_lock_ok.append(k)  # a send that started after the lock had returned succeeded
            except WorkshopError as exc:
                refused.append(str(exc))
                return

    threads = [threading.Thread(target=phone, args=(k,)) for k in range(len(people))]
    for t in threads:
        t.start()
    w.lock_point(made["id"], "LP1")
    locked.set()
    frozen = w.answers(made["id"])[["respondent_id", "item_id", "value"]].reset_index(drop=True)
    for t in threads:
        t.join()
    assert not after_lock_ok
    assert all("LP1 is locked" in r for r in refused)
    after = w.answers(made["id"])[["respondent_id", "item_id", "value"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(frozen, after)
