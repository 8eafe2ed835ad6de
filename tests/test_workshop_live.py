"""Live workshops that hold a hall: published results (issue 14's live views), idempotent joins and answers,
versions that phones follow, ending atomic with answering, and the threshold floor. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from leverage.core.schema import workshop_participants
from leverage.core.settings import DEFAULT_ROLES
from leverage.survey.scoring import level_distribution, point_scores
from leverage.survey.suppression import BELOW, OK, SECONDARY
from leverage.workshops import disclosure, joincode
from leverage.workshops.disclosure import Aggregate, Published
from leverage.workshops.service import Workshops
from leverage.workshops.states import ENDED, RUNNING, WorkshopError

ROLES = [k for k, _ in DEFAULT_ROLES]
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ws(store):
    org = store.add_organization("Harbour Hospital")
    return Workshops(store, min_n_floor=3), org


def make(w: Workshops, org: int, **kw) -> dict:
    args = dict(title="Away day", points=["LP1", "LP2"], round_name="Workshop 2026", min_n=3, now=NOW)
    args.update(kw)
    return w.create(org, **args)


def items(w: Workshops, point: str) -> list[str]:
    return [i.id for i in w.instrument.items_for(point)]


def answer(w, p, point, value, **kw) -> int:
    return w.submit(p, point, {i: value for i in items(w, point)}, now=NOW, **kw)


def participants(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(workshop_participants)).scalar_one()


# --- the rules, by hand ------------------------------------------------------------------------------

def test_aggregate_by_hand():
    rows = [(1, "board", 2), (1, "board", 4), (2, None, None), (2, None, 5), (3, "board", None)]
    groups = disclosure.aggregate(rows, "other")
    everyone = groups["all"]
    # person 1: mean 3; person 2: 5 (one don't know); person 3: only don't know → answered, not scored
    assert (everyone.people, everyone.n, everyone.total, everyone.squares) == (3, 2, 8.0, 34.0)
    assert everyone.levels == (0, 1, 0, 1, 1) and everyone.dont_know == 2
    assert groups["board"].n == 1 and groups["board"].people == 2 and groups["other"].total == 5.0
    shown = disclosure.score(Aggregate(3, 3, 9.0, 29.0, (0, 1, 1, 1, 0), 0), 3)  # scores 2, 3, 4
    assert shown["mean"] == pytest.approx(3.0) and shown["sd"] == pytest.approx(1.0)
    # The survey's bounded interval (survey/intervals.py): on 0–1, m = 0.5, v = 0.0625, c = v / (m(1 − m)) = 0.25,
    # n' = n / c = 12, z = t(0.975, 2) = 4.302653, z²/n' = 1.542733; Wilson: centre 0.5, half width
    # z / (1 + z²/n') × √(m(1 − m)/n' + z²/(4n'²)) = 1.692143 × 0.230160 = 0.389463 → 1 + 4 × 0.110537 = 1.442148
    assert shown["ci_low"] == pytest.approx(1.442148, abs=1e-5)
    assert shown["ci_high"] == pytest.approx(4.557852, abs=1e-5)
    assert shown["shares"] == pytest.approx((0, 1 / 3, 1 / 3, 1 / 3, 0))
    assert disclosure.score(Aggregate(2, 2, 6.0, 20.0, (0, 1, 0, 1, 0), 0), 3)["mean"] is None
    assert disclosure.score(None, 3)["status"] == "no data"


def test_publication_steps():
    assert not disclosure.publishable(2, None, 3)  # below the threshold
    assert disclosure.publishable(3, None, 3)
    assert not disclosure.publishable(5, 3, 3)  # 2 more people than last time: their answers would show
    assert disclosure.publishable(6, 3, 3)
    assert disclosure.room_seq(True, 2, True, 5) == 2  # a reveal is frozen
    assert disclosure.room_seq(False, None, True, 5) is None
    assert disclosure.room_seq(False, None, False, 5) == 5  # results not hidden: the latest publication


def pub(seq: int, roles: dict[str, tuple[int, float]]) -> Published:
    groups = {r: Aggregate(n, n, total, total * total / n if n else 0.0) for r, (n, total) in roles.items()}
    n = sum(g.n for g in groups.values())
    return Published(seq, Aggregate(n, n, sum(g.total for g in groups.values())), groups)


def test_shift_by_role_applies_threshold_subtraction_and_steps():
    first = pub(1, {"board": (4, 8.0), "nursing": (4, 12.0), "other": (4, 8.0)})
    second = pub(1, {"board": (4, 12.0), "nursing": (4, 16.0), "other": (4, 12.0)})
    table = disclosure.shift("LP1", first, [second], 3, by_role=True).set_index("role")
    assert table.loc["board", "change"] == pytest.approx(1.0)  # 2.0 → 3.0
    assert table.loc["nursing", "change"] == pytest.approx(1.0)  # 3.0 → 4.0
    # one role below the threshold: the smallest other role is withheld too, so subtraction gives nothing
    lone = pub(1, {"board": (2, 4.0), "nursing": (5, 15.0), "other": (4, 8.0)})
    table = disclosure.shift("LP1", first, [lone], 3, by_role=True).set_index("role")
    assert table.loc["board", "status"] == BELOW and table.loc["other", "status"] == SECONDARY
    assert table.loc["nursing", "status"] == OK and pd.isna(table.loc["other", "mean"])
    # a second publication where "other" grew by 1 person and changed: withheld (its figure moved by one
    # person since it was shown), and then the subtraction rule withholds one more role
    later = pub(2, {"board": (4, 12.0), "nursing": (4, 16.0), "other": (5, 16.0)})
    table = disclosure.shift("LP1", first, [second, later], 3, by_role=True).set_index("role")
    assert table.loc["other", "status"] == SECONDARY and pd.isna(table.loc["other", "change"])
    assert (table["status"] == SECONDARY).sum() == 2
    per_point = disclosure.shift("LP1", first, [second], 3)
    assert per_point["change"].iloc[0] == pytest.approx(40 / 12 - 28 / 12)
    assert disclosure.shift("LP1", None, [second], 3).empty


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.sampled_from(["board", "nursing"]),
                          st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=5, max_size=5)),
                min_size=1, max_size=12, unique_by=lambda r: r[0]),
       st.integers(3, 5))
def test_published_figures_equal_the_survey_scoring(people, min_n):
    """The live sums reproduce `point_scores` and `level_distribution` for every set of answers."""
    rows = [(pid, role, v) for pid, role, values in people for v in values]
    agg = disclosure.aggregate(rows, "other")["all"]
    shown = disclosure.score(agg, min_n)
    frame = pd.DataFrame([{"organization": "O", "department": None, "role": role, "round": "R",
                           "respondent_id": f"p{pid}", "item_id": f"LP1.{k + 1}", "leverage_point": "LP1",
                           "value": v} for pid, role, values in people for k, v in enumerate(values)])
    frame["value"] = frame["value"].astype("Int64")
    expected = point_scores(frame, (), min_n, include_overall=False).iloc[0]
    assert shown["n"] == expected["n_respondents"]
    if expected["status"] == "ok":
        assert shown["mean"] == pytest.approx(expected["mean"])
        if expected["n_respondents"] > 1:
            assert shown["ci_low"] == pytest.approx(expected["ci_low"])
        dist = level_distribution(frame, (), min_n).iloc[0]
        assert shown["shares"] == pytest.approx(tuple(dist[f"level_{v}"] for v in range(1, 6)))
        assert shown["dont_know_share"] == pytest.approx(dist["dont_know"])
    else:
        assert shown["mean"] is None


# --- published results through the service ----------------------------------------------------------

def test_results_are_published_at_close_in_steps_and_revealed_frozen(ws):
    w, org = ws
    made = make(w, org)
    wid = made["id"]
    w.open_point(wid, "LP1")
    people = [w.join(made["code"], "c", now=NOW) for _ in range(9)]
    for k, p in enumerate(people[:2]):
        answer(w, p, "LP1", 2 + k)
    w.reveal_point(wid, "LP1")  # revealed while open: the room sees the first published result when it comes
    assert w.board(wid).room("LP1") is None
    w.close_point(wid, "LP1")  # 2 people < 3: nothing is published
    assert w.board(wid).latest("LP1") is None
    w.open_point(wid, "LP1")
    answer(w, people[2], "LP1", 4)
    assert w.board(wid).latest("LP1") is None  # open: never published while answers come in
    w.close_point(wid, "LP1")
    board = w.board(wid)
    assert board.latest("LP1").n == 3 and board.room("LP1").seq == 1
    assert disclosure.score(board.room("LP1").overall, 3)["mean"] == pytest.approx(3.0)  # 2, 3, 4
    w.open_point(wid, "LP1")
    answer(w, people[0], "LP1", 5)  # a change of mind and two newcomers: fewer than 3 new people
    for p in people[3:5]:
        answer(w, p, "LP1", 5)
    w.close_point(wid, "LP1")
    assert w.board(wid).latest("LP1").seq == 1  # not published: it would differ by 2 people
    w.open_point(wid, "LP1")
    answer(w, people[5], "LP1", 1)
    w.lock_point(wid, "LP1")
    board = w.board(wid)
    assert board.latest("LP1").seq == 2 and board.latest("LP1").n == 6
    assert board.room("LP1").seq == 1  # the reveal stays frozen until revealed again
    w.reveal_point(wid, "LP1")
    assert w.board(wid).room("LP1").seq == 2
    w.reveal_point(wid, "LP1", False)
    assert w.board(wid).room("LP1") is None


def test_closed_and_revealed_with_no_answers_shows_nothing(ws):
    """Regression (projector KeyError 'level_1'): a point closed and revealed with no answers."""
    w, org = ws
    made = make(w, org)
    w.open_point(made["id"], "LP1")
    w.close_point(made["id"], "LP1")
    w.reveal_point(made["id"], "LP1")
    board = w.board(made["id"])
    assert board.room("LP1") is None and w.counts(made["id"]).answered == {}


def test_reset_deletes_published_results(ws):
    w, org = ws
    made = make(w, org)
    w.open_point(made["id"], "LP1")
    for _ in range(3):
        answer(w, w.join(made["code"], "c", now=NOW), "LP1", 3)
    w.close_point(made["id"], "LP1")
    assert w.board(made["id"]).latest("LP1") is not None
    w.reset_point(made["id"], "LP1")
    assert w.board(made["id"]).latest("LP1") is None


def test_threshold_floor(store):
    org = store.add_organization("Floor Health")
    w = Workshops(store, min_n_floor=5)
    with pytest.raises(WorkshopError, match="between 5 and 10"):
        w.create(org, "Low", ["LP1"], round_name="R", min_n=3)
    made = Workshops(store, min_n_floor=3).create(org, "Made when 3 was allowed", ["LP1"], round_name="R", min_n=3)
    assert w.board(made["id"]).min_n == 5  # read with today's minimum
    w.open_point(made["id"], "LP1")
    for _ in range(4):
        answer(w, w.join(made["code"], "c"), "LP1", 3)
    w.close_point(made["id"], "LP1")
    assert w.board(made["id"]).latest("LP1") is None  # 4 < 5
    assert w.results(made["id"])[0]["status"].iloc[0] == "below threshold"


def test_counts_come_from_one_query(ws):
    w, org = ws
    made = make(w, org)
    w.open_point(made["id"], "LP1")
    w.open_point(made["id"], "LP2")
    people = [w.join(made["code"], "c", now=NOW) for _ in range(3)]
    answer(w, people[0], "LP1", 3)
    answer(w, people[1], "LP1", None)
    answer(w, people[1], "LP2", 2)
    statements: list[str] = []

    def capture(conn, cursor, statement, *rest) -> None:
        statements.append(statement)

    sa.event.listen(w.store.engine, "before_cursor_execute", capture)
    try:
        counts = w.counts(made["id"])
    finally:
        sa.event.remove(w.store.engine, "before_cursor_execute", capture)
    assert counts.participants == 3 and counts.answers == 15 and counts.answered == {"LP1": 2, "LP2": 1}
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_every_facilitator_action_bumps_the_version(ws):
    w, org = ws
    made = make(w, org)
    wid = made["id"]
    seen = [w.versions([wid])[wid][0]]
    for action in (lambda: w.open_point(wid, "LP1"), lambda: w.close_point(wid, "LP1"),
                   lambda: w.reveal_point(wid, "LP1"), lambda: w.reset_point(wid, "LP1"),
                   lambda: w.renew_code(wid), lambda: w.start_revote(wid)):
        action()
        seen.append(w.versions([wid])[wid][0])
    assert seen == sorted(set(seen)) and len(seen) == 7
    p = w.join(w.get(wid)["code"], "c")
    w.open_point(wid, "LP1")
    before = w.versions([wid])[wid][0]
    answer(w, p, "LP1", 3)  # an answer is not a facilitator action: phones do not rerun for it
    assert w.versions([wid])[wid][0] == before
    assert w.board(wid).workshop["focus_point"] == "LP1"
    w.end(wid, ROLES)
    assert w.versions([wid])[wid] == (before + 2, ENDED)  # ending, then ended


# --- idempotent joins and answers ------------------------------------------------------------------

def test_a_join_retried_with_the_same_token_is_the_same_participant(ws):
    w, org = ws
    made = make(w, org)
    token = joincode.new_token()  # drawn by the phone before its first request
    first = w.join(made["code"], "phone", role="board", roles=ROLES, token=token, now=NOW)
    again = w.join(made["code"], "phone", role="nursing", roles=ROLES, token=token, now=NOW)  # ack was lost
    assert again == first and first.token == token and participants(w.store) == 1
    assert w.token_status(made["code"], token) == first
    fresh = joincode.new_token()
    assert w.token_status(made["code"], fresh) is None  # drawn, not joined yet
    other = make(w, org, title="Other", round_name="Other round")
    for bad in ("short", "x" * 65, "bad token with spaces and more than thirty-two chars"):
        with pytest.raises(WorkshopError, match="not valid"):
            w.join(made["code"], "phone", token=bad, now=NOW)
    with pytest.raises(WorkshopError, match="not valid for this workshop"):
        w.join(other["code"], "phone", token=token, now=NOW)  # a token of another workshop
    assert participants(w.store) == 1


def test_concurrent_retries_of_one_join_make_one_participant(ws):
    w, org = ws
    made = make(w, org)
    token = joincode.new_token()
    got: list = []
    threads = [threading.Thread(target=lambda: got.append(w.join(made["code"], "p", token=token, now=NOW)))
               for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 6 and len({p.id for p in got}) == 1 and participants(w.store) == 1


def test_a_resent_answer_is_acknowledged_even_after_the_point_closed(ws):
    w, org = ws
    made = make(w, org)
    p = w.join(made["code"], "c", now=NOW)
    w.open_point(made["id"], "LP1")
    assert answer(w, p, "LP1", 3) == 5
    w.close_point(made["id"], "LP1")
    assert answer(w, p, "LP1", 3) == 5  # the first acknowledgement was lost: the resend is the same answer
    with pytest.raises(WorkshopError, match="LP1 is closed"):
        answer(w, p, "LP1", 4)  # a different answer is refused
    assert set(w.answers_of(p, 1).values()) == {3} and len(w.answers(made["id"])) == 5


def test_a_first_vote_form_sent_after_the_revote_started_is_refused(ws):
    """Regression (phone KeyError '2:LP1'): the form on screen was drawn for vote 1."""
    w, org = ws
    made = make(w, org)
    p = w.join(made["code"], "c", now=NOW)
    w.open_point(made["id"], "LP1")
    w.start_revote(made["id"])
    w.open_point(made["id"], "LP1")
    with pytest.raises(WorkshopError, match="started the second vote"):
        answer(w, p, "LP1", 4, vote=1)
    assert w.answers(made["id"]).empty
    assert answer(w, p, "LP1", 4, vote=2) == 5


# --- ending is atomic with answering ----------------------------------------------------------------

def test_ending_while_200_phones_answer_loses_no_acknowledged_answer(ws):
    w, org = ws
    points = [f"LP{i}" for i in range(1, 8)]
    made = make(w, org, points=points, min_n=5)
    for point in points:
        w.open_point(made["id"], point)
    phones = [w.join(made["code"], "load", token=joincode.new_token(), now=NOW) for _ in range(200)]
    acked: dict[tuple[int, str], int] = {}  # (participant, item) -> value of the last acknowledged answer
    lock = threading.Lock()
    started = threading.Barrier(9)
    refusals: list[str] = []

    def phone_group(group: list) -> None:
        rng = random.Random(group[0].id)
        started.wait()
        for _ in range(7):
            for p in group:
                point = rng.choice(points)
                value = rng.randint(1, 5)
                try:
                    answer(w, p, point, value)
                except WorkshopError as exc:
                    refusals.append(str(exc))
                    return
                with lock:
                    for item in items(w, point):
                        acked[(p.id, item)] = value

    workers = [threading.Thread(target=phone_group, args=(phones[k::8],)) for k in range(8)]
    for t in workers:
        t.start()
    started.wait()
    while len(acked) < 300:  # let answers flow, then end in the middle of them
        threading.Event().wait(0.01)
    report = w.end(made["id"], ROLES)
    for t in workers:
        t.join()
    saved = w.store.responses(org)
    stored = {(int(r.split("-p")[1]), item): v for r, item, v in
              saved[["respondent_id", "item_id", "value"]].itertuples(index=False)}
    lost = {k: v for k, v in acked.items() if stored.get(k) != v}
    assert not lost, f"{len(lost)} acknowledged answers are not in the saved round"
    assert report.answers == len(saved) == len(stored)
    assert refusals and all("ended" in r for r in refusals)
    assert w.get(made["id"])["status"] == ENDED


def test_a_refused_end_goes_back_to_running(ws):
    w, org = ws
    made = make(w, org, points=["LP1"])
    p = w.join(made["code"], "c", now=NOW)
    w.open_point(made["id"], "LP1")
    answer(w, p, "LP1", 3)
    with pytest.raises(WorkshopError, match="nothing was saved"):
        w.end(made["id"], ["board"])
    assert w.get(made["id"])["status"] == RUNNING
    assert answer(w, p, "LP1", 4) == 5  # still answering


# --- the projector's slides ------------------------------------------------------------------------

def test_projector_slides_follow_step_and_say_what_the_room_may_see(ws):
    from leverage.workshops import presentation

    w, org = ws
    made = make(w, org, points=["LP1", "LP2", "LP3"])
    wid = made["id"]
    board = w.board(wid)
    assert presentation.slides(board) == ["join", "LP1", "LP2", "LP3"]
    assert presentation.follow(board, None) == "join"
    assert presentation.step(board, "join", -1) == "join" and presentation.step(board, "LP3", 1) == "LP3"
    assert presentation.step(board, "LP1", 1) == "LP2"
    w.open_point(wid, "LP2")
    people = [w.join(made["code"], "c", now=NOW) for _ in range(4)]
    for k, p in enumerate(people[:3]):
        answer(w, p, "LP2", 2 + k)
    board = w.board(wid)
    assert presentation.follow(board, "LP1") == "LP2"  # the point the facilitator acted on last
    slide = presentation.point_slide(board, w.counts(wid), "LP2", w.instrument)
    assert slide.note.startswith("Open: answer on your phone. 3 people answered") and slide.votes == (None,)
    w.close_point(wid, "LP2")
    slide = presentation.point_slide(w.board(wid), w.counts(wid), "LP2", w.instrument)
    assert "reveals them" in slide.note and slide.votes == (None,)  # hidden until revealed
    w.reveal_point(wid, "LP2")
    w.open_point(wid, "LP2")
    answer(w, people[3], "LP2", 5)
    w.close_point(wid, "LP2")  # 4 people: 1 more than the published 3, so the room keeps the 3
    slide = presentation.point_slide(w.board(wid), w.counts(wid), "LP2", w.instrument)
    assert slide.votes[0].n == 3 and slide.votes[0].mean == pytest.approx(3.0)  # 2, 3, 4
    assert slide.note.startswith("Results of 3 people. Later answers are included once at least 3 more")
    assert presentation.point_slide(w.board(wid), None, "LP3", w.instrument).note == "Not asked yet."
    w.end(wid, ROLES)
    assert presentation.slides(w.board(wid)) == ["LP1", "LP2", "LP3"]  # no join slide after the end
