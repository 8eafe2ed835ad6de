"""The workshop as a state machine (Hypothesis): random facilitator actions and phones in random states.

Whatever the order, nothing raises but a WorkshopError with a message for the person, every answer a phone
was told is recorded is stored (and, after the end, in the saved round), resends of stored answers and
retried joins are acknowledged without duplicates, and every view the room and the console draw can be
drawn (projector slides, shift tables, counts).
"""

from __future__ import annotations

import datetime as dt
import tempfile

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from leverage.core.settings import DEFAULT_ROLES
from leverage.survey.store import Store
from leverage.workshops import joincode, presentation
from leverage.workshops.service import Workshops
from leverage.workshops.states import ENDED, RUNNING, WorkshopError

ROLES = [k for k, _ in DEFAULT_ROLES]
POINTS = ["LP1", "LP2", "LP3"]
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
VALUES = st.one_of(st.none(), st.integers(1, 5))


class WorkshopMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.store = Store(f"sqlite:///{self.folder.name}/sm.db")
        self.w = Workshops(self.store, min_n_floor=3)
        self.org = self.store.add_organization("Machine Health")
        made = self.w.create(self.org, "Machine", POINTS, round_name="Machine round", min_n=3, now=NOW)
        self.wid, self.code = made["id"], made["code"]
        self.phones: list = []  # (participant, token)
        self.acked: dict[tuple[int, int, str], int | None] = {}  # (participant, vote, item) -> value
        self.ended = False
        self.items = {p: [i.id for i in self.w.instrument.items_for(p)] for p in POINTS}

    def teardown(self) -> None:
        self.store.dispose()
        self.folder.cleanup()

    def attempt(self, action) -> object:
        try:
            return action()
        except WorkshopError as exc:
            assert str(exc) and "Traceback" not in str(exc)
            return None

    # --- phones ------------------------------------------------------------------------------------------
    @rule(role=st.sampled_from([None, *ROLES]))
    def join(self, role) -> None:
        token = joincode.new_token()
        p = self.attempt(lambda: self.w.join(self.code, "sm", role=role, roles=ROLES, token=token, now=NOW))
        if p is not None:
            assert not self.ended
            self.phones.append(p)

    @precondition(lambda self: self.phones)
    @rule(k=st.integers(0, 10_000))
    def retry_join(self, k) -> None:
        p = self.phones[k % len(self.phones)]
        again = self.attempt(lambda: self.w.join(self.code, "sm", token=p.token, now=NOW))
        assert again == p  # the same participant, even after the end

    @precondition(lambda self: self.phones)
    @rule(k=st.integers(0, 10_000), point=st.sampled_from(POINTS), values=st.lists(VALUES, min_size=5, max_size=5),
          stale=st.booleans())
    def answer(self, k, point, values, stale) -> None:
        p = self.phones[k % len(self.phones)]
        current = self.w.get(self.wid)["vote"]
        vote = 1 if stale else current  # a phone whose form was drawn before the re-vote
        given = dict(zip(self.items[point], values, strict=True))
        stored = self.attempt(lambda: self.w.submit(p, point, given, now=NOW, vote=vote))
        if stored is not None:
            assert stored == 5
            for item, value in given.items():
                self.acked[(p.id, vote, item)] = value

    @precondition(lambda self: self.acked)
    @rule(k=st.integers(0, 10_000))
    def resend(self, k) -> None:
        """A phone whose acknowledgement was lost sends the same answers again: acknowledged, whatever the state."""
        pid, vote, item = sorted(self.acked)[k % len(self.acked)]
        point = item.split(".")[0]
        given = {i: self.acked.get((pid, vote, i)) for i in self.items[point]}
        if any((pid, vote, i) not in self.acked for i in self.items[point]):
            return
        p = next(p for p in self.phones if p.id == pid)
        assert self.w.submit(p, point, given, now=NOW, vote=vote) == 5

    # --- the facilitator -----------------------------------------------------------------------------------
    @rule(point=st.sampled_from(POINTS), action=st.sampled_from(["open", "close", "lock", "reveal", "hide", "reset"]))
    def act(self, point, action) -> None:
        w = self.w
        fn = {"open": w.open_point, "close": w.close_point, "lock": w.lock_point, "reveal": w.reveal_point,
              "hide": lambda wid, p: w.reveal_point(wid, p, False), "reset": w.reset_point}[action]
        vote = self.w.get(self.wid)["vote"]
        done = self.attempt(lambda: fn(self.wid, point) or True)
        if done is not None:
            assert not self.ended
            if action == "reset":
                for key in [k for k in self.acked if k[1] == vote and k[2].split(".")[0] == point]:
                    del self.acked[key]

    @rule()
    def revote(self) -> None:
        self.attempt(lambda: self.w.start_revote(self.wid))

    @rule()
    def end(self) -> None:
        report = self.attempt(lambda: self.w.end(self.wid, ROLES))
        if report is not None:
            assert not self.ended
            self.ended = True
            saved = self.store.responses(self.org)
            latest: dict[tuple[int, str], int | None] = {}
            for (pid, _vote, item), value in sorted(self.acked.items(), key=lambda kv: kv[0][1]):
                latest[(pid, item)] = value
            got = {(int(r.split("-p")[1]), item): (None if pd.isna(v) else int(v)) for r, item, v in
                   saved[["respondent_id", "item_id", "value"]].itertuples(index=False)}
            assert got == latest

    # --- what must always hold ---------------------------------------------------------------------------
    @invariant()
    def stored_equals_acknowledged(self) -> None:
        frame = self.w.answers(self.wid)
        stored = {(int(r.split("-p")[1]), int(v), item): (None if pd.isna(val) else int(val))
                  for r, v, item, val in frame[["respondent_id", "vote", "item_id", "value"]].itertuples(index=False)}
        assert stored == self.acked

    @invariant()
    def every_view_draws(self) -> None:
        board = self.w.board(self.wid)
        counts = self.w.counts(self.wid)
        assert board.workshop["status"] == (ENDED if self.ended else RUNNING)
        for slide in presentation.slides(board):
            if slide != presentation.JOIN:
                presentation.point_slide(board, counts, slide, self.w.instrument)
        for by in ((), ("role",)):
            self.w.shift(self.wid, by, board=board)
        for point in POINTS:
            pub = board.room(point)
            if pub is not None:
                assert pub.n >= board.min_n


WorkshopMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None,
                                             suppress_health_check=[HealthCheck.too_slow])
test_workshop_state_machine = pytest.mark.filterwarnings("ignore::ResourceWarning")(WorkshopMachine.TestCase)
