"""What the projector shows, as plain data: the slides (join, then one per point) and each point's figures.

Kept apart from the page so the rules are tested without a browser (and by the state-machine test, which
draws every slide after every random action): the room sees only the publication `Board.room` names,
vote 1 and vote 2 side by side after a re-vote, and the shift only when both votes reach the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from leverage.core.i18n import _, ngettext
from leverage.core.i18n import language as current_language
from leverage.survey.instrument import Instrument
from leverage.workshops import disclosure
from leverage.workshops.results import Board, Counts
from leverage.workshops.states import CLOSED, LOCKED, OPEN, PENDING, RUNNING

JOIN = "join"


@dataclass(frozen=True)
class VoteFigures:
    vote: int
    n: int  # scored people (the threshold's unit)
    people: int  # everyone in the published result, "don't know" only included
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    shares: tuple[float, ...] | None  # levels 1..5, as shares of all answers
    dont_know_share: float | None
    status: str  # ok, below threshold, no data


@dataclass(frozen=True)
class PointSlide:
    point: str
    title: str
    state: str
    answered: int  # people who answered in the current vote (a count, never a result)
    votes: tuple[VoteFigures | None, ...]  # what the room sees per vote (None: nothing published or shown)
    change: float | None  # vote 2 − vote 1, when both are shown
    note: str


def slides(board: Board) -> list[str]:
    """The order the arrow keys step through: the join slide while the workshop runs, then each point."""
    order = [p.point for p in board.current()]
    return ([JOIN] if board.workshop["status"] == RUNNING else []) + order


def follow(board: Board, current: str | None) -> str:
    """The slide to show: the point the facilitator acted on last, else the current one, else the first."""
    order = slides(board)
    focus = board.workshop.get("focus_point")
    if focus in order:
        return focus
    return current if current in order else order[0] if order else JOIN


def step(board: Board, current: str, by: int) -> str:
    order = slides(board)
    if not order:
        return JOIN
    k = order.index(current) if current in order else 0
    return order[max(0, min(len(order) - 1, k + by))]


def figures(board: Board, point: str, vote: int) -> VoteFigures | None:
    """What the room sees of one vote; an earlier vote is shown beside a revealed later one (its final result)."""
    pub = board.room(point, vote)
    if vote < board.vote and board.room(point) is not None:
        pub = board.latest(point, vote)
    if pub is None:
        return None
    shown = disclosure.score(pub.overall, board.min_n)
    return VoteFigures(vote, shown["n"], shown["people"], shown["mean"], shown["ci_low"], shown["ci_high"],
                       shown["shares"], shown["dont_know_share"], shown["status"])


def point_slide(board: Board, counts: Counts | None, point: str, instrument: Instrument) -> PointSlide:
    state = board.state(point)
    title = instrument.text(instrument.point(point).title, current_language())
    answered = (counts.answered.get(point, 0) if counts else 0)
    if state is None:
        return PointSlide(point, title, "not asked", answered, (), None, _("This point is not asked."))
    votes = () if state.state == PENDING else tuple(figures(board, point, v) for v in range(1, board.vote + 1))
    change = None
    if len(votes) == 2 and all(v is not None and v.mean is not None for v in votes):
        change = votes[1].mean - votes[0].mean
    note = _note(board, state.state, state.revealed, votes[-1] if votes else None, answered)
    return PointSlide(point, title, state.state, answered, votes, change, note)


def _note(board: Board, state: str, revealed: bool, shown: VoteFigures | None, answered: int) -> str:
    people = ngettext("{n} person answered", "{n} people answered", answered).format(n=answered)
    if state == PENDING:
        return _("Not asked yet.")
    if state == OPEN:
        return _("Open: answer on your phone. {people}; results appear when the point is closed.").format(
            people=people)
    hidden = bool(board.workshop["hide_results"]) and not revealed
    if hidden:
        closed = _("Closed") if state == CLOSED else _("Locked")
        return _("{closed}. {people}; results are shown when the facilitator reveals them.").format(
            closed=closed, people=people)
    if shown is None or shown.mean is None:
        return _("{people}. Results are shown for groups of at least {min_n} people.").format(
            people=people, min_n=board.min_n)
    if state in (CLOSED, LOCKED) and answered > shown.people:
        return _("Results of {n} people. Later answers are included once at least {min_n} more people have "
                 "answered, so no one's answer can be worked out.").format(n=shown.n, min_n=board.min_n)
    return _("Results of {n} people.").format(n=shown.n)
