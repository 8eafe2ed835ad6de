"""What a live workshop may show, and when: published results, frozen reveals, the shift between votes.

Why a rule of its own: a live view that redraws with every answer lets anyone watching the mean move
work out each person's answer (the mean after one more answer, minus the mean before). So results are
never drawn from the answers as they stand; they come from *published results*, frozen sums and counts:

- A point's result is published when the point is closed or locked (never while it is open), and only
  when at least `min_n` people scored it (the threshold).
- A later publication of the same point (it was reopened, then closed again) needs at least `min_n`
  more scored people than the last one: two published results then differ by the answers of at least
  `min_n` people, never by one person's answer or change of mind.
- What the room sees is a frozen snapshot: a reveal shows one publication (its `seq`) until the
  facilitator reveals again.
- The shift between votes (per point and per point × role) is taken from published results of each
  vote, with the threshold and the subtraction rule (`leverage.survey.suppression.suppress`) applied per
  vote; a role whose figure moved between two publications by fewer than `min_n` people is withheld.

The payload of a publication holds, per group (everyone, each role): people who answered, people who
scored (answered at least one statement other than "don't know"), the sum and sum of squares of their
point scores, and the count of answers per level. A person's point score is the mean of their answers
to the point's statements, as `leverage.survey.scoring` defines it; `score` below reproduces
`scoring.point_scores` and `scoring.level_distribution` from these sums (tests check the two agree).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from leverage.survey.intervals import mean_interval
from leverage.survey.suppression import BELOW, NO_DATA, OK, SECONDARY, suppress

LEVELS = (1, 2, 3, 4, 5)
ALL = "all"


@dataclass(frozen=True)
class Aggregate:
    """Sufficient statistics of one group's answers to one point."""

    people: int = 0  # answered the point at all
    n: int = 0  # scored: at least one answer other than "don't know"
    total: float = 0.0  # sum of the scored people's point scores
    squares: float = 0.0  # sum of their squares
    levels: tuple[int, ...] = (0, 0, 0, 0, 0)  # answers per level 1..5
    dont_know: int = 0

    def to_json(self) -> dict:
        return {"people": self.people, "n": self.n, "sum": self.total, "sumsq": self.squares,
                "levels": list(self.levels), "dont_know": self.dont_know}

    @classmethod
    def from_json(cls, data: Mapping) -> Aggregate:
        return cls(int(data["people"]), int(data["n"]), float(data["sum"]), float(data["sumsq"]),
                   tuple(int(v) for v in data["levels"]), int(data["dont_know"]))


@dataclass(frozen=True)
class Published:
    """One publication of a point's result: everyone and each role."""

    seq: int
    overall: Aggregate
    roles: Mapping[str, Aggregate]

    @property
    def n(self) -> int:
        return self.overall.n


def aggregate(answers: Iterable[tuple[object, str | None, int | None]], default_role: str) -> dict[str, Aggregate]:
    """`{ALL: ..., role: ...}` from (participant, role, value) rows of one point and one vote."""
    people: dict[object, tuple[str, list[int | None]]] = {}
    for pid, role, value in answers:
        people.setdefault(pid, (role or default_role, []))[1].append(value)
    groups: dict[str, list] = {ALL: []}
    for role, values in people.values():
        groups[ALL].append(values)
        groups.setdefault(role, []).append(values)
    return {name: _aggregate(members) for name, members in groups.items()}


def _aggregate(members: list[list[int | None]]) -> Aggregate:
    scores = []
    levels = [0] * len(LEVELS)
    dont_know = 0
    for values in members:
        given = [v for v in values if v is not None]
        dont_know += len(values) - len(given)
        for v in given:
            levels[int(v) - LEVELS[0]] += 1
        if given:
            scores.append(sum(given) / len(given))
    return Aggregate(len(members), len(scores), float(sum(scores)), float(sum(s * s for s in scores)),
                     tuple(levels), dont_know)


def payload_json(groups: Mapping[str, Aggregate]) -> str:
    return json.dumps({name: agg.to_json() for name, agg in groups.items()}, sort_keys=True)


def published_from(seq: int, payload: str) -> Published:
    data = json.loads(payload)
    return Published(seq, Aggregate.from_json(data[ALL]),
                     {k: Aggregate.from_json(v) for k, v in data.items() if k != ALL})


def publishable(n_now: int, last_n: int | None, min_n: int) -> bool:
    """May a result of `n_now` scored people be published after one of `last_n` (None: the first)?"""
    if n_now < min_n:
        return False
    return last_n is None or n_now >= last_n + min_n


def score(agg: Aggregate | None, min_n: int) -> dict:
    """A group's figures as the pages show them, the threshold applied (None where withheld)."""
    agg = agg or Aggregate()
    answers = sum(agg.levels) + agg.dont_know
    out = {"n": agg.n, "people": agg.people, "answers": answers, "mean": None, "sd": None, "ci_low": None,
           "ci_high": None, "shares": None, "dont_know_share": None,
           "status": NO_DATA if agg.n == 0 else (BELOW if agg.n < min_n else OK)}
    if out["status"] != OK:
        return out
    mean = agg.total / agg.n
    out["mean"] = mean
    if agg.n > 1:
        var = max(0.0, (agg.squares - agg.n * mean * mean) / (agg.n - 1))
        sd = math.sqrt(var)
        low, high = mean_interval([mean], [sd], [agg.n])  # the survey's interval on the 1–5 scale
        out.update(sd=sd, ci_low=float(low[0]), ci_high=float(high[0]))
    out["shares"] = tuple(c / answers for c in agg.levels) if answers else None
    out["dont_know_share"] = agg.dont_know / answers if answers else None
    return out


def room_seq(revealed: bool, revealed_seq: int | None, hide_results: bool, latest_seq: int | None) -> int | None:
    """Which publication the room sees: the frozen reveal, or the latest when results are not hidden."""
    if not hide_results:
        return latest_seq
    return revealed_seq if revealed else None


SHIFT_COLUMNS = ["leverage_point", "role", "n_previous", "mean_previous", "n", "mean", "change", "status"]


def shift(point: str, first: Published | None, second: Sequence[Published], min_n: int,
          by_role: bool = False) -> pd.DataFrame:
    """The change of the mean from vote 1 to vote 2 for one point, from published results only.

    `second` is every publication of the point in vote 2, oldest first (the last is shown). Per point:
    one row, withheld unless both votes reach the threshold. Per role: the threshold and the subtraction
    rule applied to each vote's role table (its total is the per-point row beside it), and a role whose
    vote-2 figure changed by fewer than `min_n` people since it was last shown is withheld as well.
    """
    if first is None or not second:
        return pd.DataFrame(columns=SHIFT_COLUMNS)
    last = second[-1]
    if not by_role:
        a, b = score(first.overall, min_n), score(last.overall, min_n)
        change = b["mean"] - a["mean"] if a["mean"] is not None and b["mean"] is not None else None
        return pd.DataFrame([{"leverage_point": point, "role": None, "n_previous": a["n"], "mean_previous": a["mean"],
                              "n": b["n"], "mean": b["mean"], "change": change,
                              "status": OK if change is not None else BELOW}], columns=SHIFT_COLUMNS)
    roles = sorted(set(first.roles) | set(last.roles))
    shown_first = _role_status(first.roles, roles, min_n, forced=set())
    shown_second = _shown_through(second, roles, min_n)
    rows = []
    for role in roles:
        a, b = score(first.roles.get(role), min_n), score(last.roles.get(role), min_n)
        ok = shown_first[role] == OK and shown_second[role] == OK
        rows.append({"leverage_point": point, "role": role, "n_previous": a["n"],
                     "mean_previous": a["mean"] if shown_first[role] == OK else None, "n": b["n"],
                     "mean": b["mean"] if shown_second[role] == OK else None,
                     "change": b["mean"] - a["mean"] if ok else None,
                     "status": OK if ok else _worse(shown_first[role], shown_second[role])})
    return pd.DataFrame(rows, columns=SHIFT_COLUMNS)


def _worse(a: str, b: str) -> str:
    order = [OK, NO_DATA, SECONDARY, BELOW]
    return max(a, b, key=order.index)


def _role_status(groups: Mapping[str, Aggregate], roles: Sequence[str], min_n: int, forced: set[str]) -> dict[str, str]:
    frame = pd.DataFrame({"role": list(roles), "n": [groups.get(r, Aggregate()).n for r in roles]})
    status = suppress(frame, (), min_n, forced=frame["role"].isin(forced))
    return dict(zip(roles, status, strict=True))


def _shown_through(history: Sequence[Published], roles: Sequence[str], min_n: int) -> dict[str, str]:
    """Each role's status in the last publication, remembering what earlier publications showed."""
    last_shown: dict[str, Aggregate] = {}
    status: dict[str, str] = {}
    for pub in history:
        forced = {r for r, agg in pub.roles.items()
                  if r in last_shown and agg != last_shown[r] and agg.n < last_shown[r].n + min_n}
        status = _role_status(pub.roles, roles, min_n, forced)
        for r in roles:
            if status[r] == OK:
                last_shown[r] = pub.roles[r]
    return status
