"""One withheld set per release: what may be published from one organization's round, decided once.

A release is one organization × round. Every table the app or the `score` command can publish from it
is made of the same boxes: the organization's total, each department, each role, each department × role
group and the pooled group of small departments, per leverage point, Overall and statement. Which boxes
are withheld is decided here, once, from the department × role groups' counts and sums
(`leverage.survey.disclosure` does the deciding and the audit), and every page, export, the board pack and
the `score` command read the same decision:

- a box is withheld for every leverage point, Overall and its statements at once when it is withheld for
  any of them, so no table of one measure can be set against another (Overall against the points);
- statements of a published box are withheld per leverage point when any of them falls below the
  threshold, and, with them, whatever the audit needs to protect those statements (statements against
  points);
- the same data always gives the same decision (ties broken by name), whichever page asks;
- tables that span releases (benchmarks of organizations, `score` groups across organizations or
  rounds) are sums of published boxes only, so they add nothing an attacker could subtract.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leverage.core.columns import POINT_IDS
from leverage.survey import disclosure
from leverage.survey.suppression import BELOW, NO_DATA, OK, SECONDARY

NOT_STATED = "(not stated)"
TOTAL, DEPARTMENT, ROLE, DEPARTMENT_ROLE, POOL = "total", "department", "role", "department_role", "pool"
Key = tuple[str, str, str]  # (kind, department, role); "" where a kind has none
#: Sums are rounded before the audit, so that the same answers summed in another order decide alike.
_DECIMALS = 6


@dataclass(frozen=True)
class Release:
    """The withheld set of one organization × round."""

    organization: str
    round: str
    min_n: int
    withheld_boxes: frozenset[Key]
    withheld_items: frozenset[tuple[Key, str]]  # (box, leverage point): its statements are withheld
    pool: tuple[str, ...]  # departments below the threshold: the members of the pooled group
    unprotected: tuple[Key, ...] = ()

    def withheld(self, kind: str, department: str = "", role: str = "") -> bool:
        return (kind, department, role) in self.withheld_boxes

    def items_withheld(self, kind: str, point: str, department: str = "", role: str = "") -> bool:
        return ((kind, department, role), point) in self.withheld_items or self.withheld(kind, department, role)


def department_key(value: object) -> str:
    return NOT_STATED if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA \
        or value == "" else str(value)


# --- from answers to the atomic groups ---------------------------------------------------------------------

def atoms_from_answers(answers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per department × role (× round, organization): n and Σ of point scores per point, and per statement.

    `answers` is the long format. A respondent's point score is the mean of their scored items.
    """
    keys = [c for c in ("organization", "round") if c in answers.columns]
    frame = answers.assign(department=answers["department"].map(department_key),
                           value=answers["value"].astype("Float64").astype(float))
    groups = [*keys, "department", "role"]
    person = frame.groupby([*groups, "respondent_id", "leverage_point"], dropna=False, sort=False)["value"].mean()
    person = person.dropna().rename("score").reset_index()
    points = person.groupby([*groups, "leverage_point"], sort=True)["score"].agg(n="count", s1="sum").reset_index()
    items = frame.dropna(subset=["value"]).groupby([*groups, "leverage_point", "item_id"], sort=True)["value"] \
        .agg(n="count", s1="sum").reset_index()
    return points, items


# --- deciding ----------------------------------------------------------------------------------------------

@dataclass
class _Boxes:
    keys: list[Key]  # one per box (first name of its member set)
    alias: dict[Key, int]  # every name -> its box
    members: np.ndarray
    partitions: list[tuple[int, tuple[int, ...]]]


def _boxes(atoms: list[tuple[str, str]], small: Sequence[str]) -> _Boxes:
    index: dict[frozenset[int], int] = {}
    keys: list[Key] = []
    alias: dict[Key, int] = {}
    rows: list[np.ndarray] = []

    def add(key: Key, member: Iterable[int]) -> int:
        member = frozenset(member)
        if member not in index:
            index[member] = len(keys)
            keys.append(key)
            row = np.zeros(len(atoms))
            row[list(member)] = 1.0
            rows.append(row)
        alias[key] = index[member]
        return index[member]

    departments = sorted({d for d, _ in atoms})
    roles = sorted({r for _, r in atoms})
    total = add((TOTAL, "", ""), range(len(atoms)))
    dept = {d: add((DEPARTMENT, d, ""), [i for i, a in enumerate(atoms) if a[0] == d]) for d in departments}
    role = {r: add((ROLE, "", r), [i for i, a in enumerate(atoms) if a[1] == r]) for r in roles}
    pool = add((POOL, "", ""), [i for i, a in enumerate(atoms) if a[0] in set(small)]) if small else None
    cell = {a: add((DEPARTMENT_ROLE, a[0], a[1]), [i]) for i, a in enumerate(atoms)}
    partitions = [(total, tuple(dept.values())), (total, tuple(role.values()))]
    if pool is not None:
        partitions.append((total, (pool, *[dept[d] for d in departments if d not in set(small)])))
    partitions += [(dept[d], tuple(cell[a] for a in atoms if a[0] == d)) for d in departments]
    partitions += [(role[r], tuple(cell[a] for a in atoms if a[1] == r)) for r in roles]
    partitions = [(p, tuple(dict.fromkeys(c for c in kids if c != p))) for p, kids in partitions]
    return _Boxes(keys, alias, np.array(rows), [(p, k) for p, k in partitions if k])


def _matrix(frame: pd.DataFrame | Mapping[str, Sequence], atoms: list[tuple[str, str]], measures: list[str],
            column: str) -> tuple[np.ndarray, np.ndarray]:
    """n and Σ per atom × measure from rows of (department, role, `column`, n, s1): a frame or plain lists."""
    def values(name: str) -> list:
        col = frame[name]
        return col.tolist() if hasattr(col, "tolist") else list(col)

    position = {a: i for i, a in enumerate(atoms)}
    where = {m: j for j, m in enumerate(measures)}
    n = np.zeros((len(atoms), len(measures)))
    s = np.zeros((len(atoms), len(measures)))
    rows = [position[(d, r)] for d, r in zip(values("department"), values("role"), strict=True)]
    cols = [where[m] for m in values(column)]
    np.add.at(n, (rows, cols), np.asarray(values("n"), dtype=float))
    np.add.at(s, (rows, cols), np.round(np.asarray(values("s1"), dtype=float), _DECIMALS))
    return n, s


def _as_list(column: Sequence) -> list:
    return column.tolist() if hasattr(column, "tolist") else list(column)


def decide(points: pd.DataFrame | Mapping[str, Sequence], min_n: int, items: pd.DataFrame | None = None,
           organization: str = "", round_name: str = "", protection: float = disclosure.PROTECTION,
           forced: Iterable[Key] = ()) -> Release:
    """The release of one organization × round from its department × role groups.

    `points`: department, role, leverage_point (LP1..LP7; Overall rows are ignored), n, s1: a frame, or
    those columns as plain lists (as `decide_all` hands them over: no frame per release to build or send).
    `items` (optional): department, role, leverage_point, item_id, n, s1: the statements' decisions.
    `forced`: boxes to withhold whatever their n (a caller's own reasons); they count as withheld when
    the others are chosen.
    """
    # Plain lists, not a filtered frame: this runs once per release, hundreds of times for a national file.
    point_ids = set(POINT_IDS)
    kept = [(department_key(d), str(r), p, k, v) for d, r, p, k, v in zip(
        *(_as_list(points[c]) for c in ("department", "role", "leverage_point", "n", "s1")), strict=True)
        if p in point_ids and k > 0]
    points = dict(zip(("department", "role", "leverage_point", "n", "s1"), map(list, zip(*kept, strict=True)),
                      strict=True)) if kept else {}
    atoms = sorted(set(zip(points["department"], points["role"], strict=True))) if kept else []
    if not atoms:
        return Release(organization, round_name, min_n, frozenset(), frozenset(), ())
    measures = [p for p in POINT_IDS if p in set(points["leverage_point"])]
    n, sums = _matrix(points, atoms, measures, "leverage_point")
    departments = sorted({d for d, _ in atoms})
    small = []
    for d in departments:
        total = n[[i for i, a in enumerate(atoms) if a[0] == d]].sum(axis=0)
        if ((total > 0) & (total < min_n)).any():
            small.append(d)
    boxes = _boxes(atoms, small)
    fixed = np.zeros(len(boxes.keys), bool)
    fixed[boxes.alias[(TOTAL, "", "")]] = True
    table = disclosure.Table(boxes.members, n, sums, tuple(boxes.partitions), fixed)
    must = np.zeros(len(boxes.keys), bool)
    for key in forced:
        if key in boxes.alias:
            must[boxes.alias[key]] = True
    decision = disclosure.decide(table, min_n, forced=must, protection=protection)
    withheld = decision.withheld
    names = {key: withheld[i] for key, i in boxes.alias.items()}
    item_withheld: set[tuple[Key, str]] = set()
    if items is not None and not items.empty:
        items = items[(items["n"] > 0)].assign(department=items["department"].map(department_key),
                                               role=items["role"].astype(str))
        items = items[[(d, r) in set(atoms) for d, r in zip(items["department"], items["role"], strict=True)]]
        for point, rows in items.groupby("leverage_point", sort=True):
            item_ids = sorted(rows["item_id"].unique())
            n_i, s_i = _matrix(rows, atoms, item_ids, "item_id")
            table_i = disclosure.Table(boxes.members, n_i, s_i, tuple(boxes.partitions), fixed)
            chosen = disclosure.decide(table_i, min_n, forced=withheld, protection=protection).withheld
            item_withheld.update((key, str(point)) for key, i in boxes.alias.items() if chosen[i] and not withheld[i])
    return Release(organization, round_name, min_n, frozenset(k for k, w in names.items() if w),
                   frozenset(item_withheld), tuple(small),
                   tuple(boxes.keys[i] for i in decision.unprotected))


def decide_all(points: pd.DataFrame, min_n: int, items: pd.DataFrame | None = None,
               protection: float = disclosure.PROTECTION, workers: int | None = None) -> dict[tuple[str, str], Release]:
    """Every release (organization × round) of a table of department × role groups.

    Releases are independent, so many of them (a national file) are decided in worker processes, one
    per core; a few are decided in this process.
    """
    points = _plain_text(points)
    items = _plain_text(items) if items is not None else None
    item_groups = dict(iter(items.groupby(["organization", "round"], sort=False))) \
        if items is not None and not items.empty else {}
    # Each release's rows as plain lists, taken from the whole columns at once (in the frame's order, as a
    # groupby hands them out): building and pickling a frame per release cost more than some releases' audit.
    columns = ("department", "role", "leverage_point", "n", "s1")
    values = {c: points[c].to_numpy() for c in columns}
    groups = points.groupby(["organization", "round"], sort=True).indices  # sorted by key, as iterating it
    jobs = [({c: values[c][rows].tolist() for c in columns}, min_n, item_groups.get((org, rnd)), str(org), str(rnd),
             protection) for (org, rnd), rows in groups.items()]
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers > 1 and len(jobs) >= PARALLEL_FROM:
        import concurrent.futures
        import multiprocessing

        from leverage.survey import highs_lp  # noqa: F401 - loaded once here, not once in every forked worker
        from leverage.survey.scipy_parts import extension

        extension("scipy.linalg._flapack")

        global _JOBS
        forked = "fork" in multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork") if forked else None
        # Small chunks: a few releases take a hundred times the median, and the workers should end together.
        chunk = max(1, len(jobs) // (workers * 16))
        _JOBS = jobs if forked else None  # forked workers already hold the jobs: only their numbers travel
        try:
            with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
                if forked:
                    done = list(pool.map(_decide_numbered, range(len(jobs)), chunksize=chunk))
                else:
                    done = list(pool.map(_decide_job, jobs, chunksize=chunk))
        finally:
            _JOBS = None
    else:
        done = [_decide_job(job) for job in jobs]
    return {(r.organization, r.round): r for r in done}


#: The jobs of the `decide_all` running now, for the worker processes it forks (None otherwise).
_JOBS: list[tuple] | None = None


def _decide_numbered(number: int) -> Release:
    return _decide_job(_JOBS[number])


def _plain_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python strings, converted once: every release walks its rows in Python, and
    walking Arrow-backed strings row by row cost seconds at national scale."""
    text = [c for c in ("organization", "round", "department", "role", "leverage_point", "item_id")
            if c in frame.columns and frame[c].dtype != object]
    return frame.astype({c: object for c in text}) if text else frame


#: From how many releases `decide_all` uses worker processes (below, starting them costs more than it saves).
PARALLEL_FROM = 64


def _decide_job(job: tuple) -> Release:
    rows, min_n, items, org, rnd, protection = job
    return decide(rows, min_n, items, org, rnd, protection)


# --- publishing ---------------------------------------------------------------------------------------------

SCORE_COLUMNS = ("mean", "sd", "se", "ci_low", "ci_high", "difference", "n_dont_know", "dont_know_rate",
                 "level_1", "level_2", "level_3", "level_4", "level_5", "dont_know", "s1", "s2")


def kind_of(by: Sequence[str]) -> str:
    by = set(by) - {"organization", "round"}
    if by == set():
        return TOTAL
    if by == {"department"}:
        return DEPARTMENT
    if by == {"role"}:
        return ROLE
    if by == {"department", "role"}:
        return DEPARTMENT_ROLE
    raise ValueError(f"no release box for a grouping by {sorted(by)}")


def box_key(kind: str, department: object = "", role: object = "") -> Key:
    return (kind, department_key(department) if kind in (DEPARTMENT, DEPARTMENT_ROLE) else "",
            str(role) if kind in (ROLE, DEPARTMENT_ROLE) else "")


def status(n: float, withheld: bool, min_n: int) -> str:
    if not n or pd.isna(n):
        return NO_DATA
    if n < min_n:
        return BELOW
    return SECONDARY if withheld else OK


def apply(frame: pd.DataFrame, release: Release | Mapping[tuple[str, str], Release], by: Sequence[str],
          n_column: str = "n_respondents", items: bool = False, kind: str | None = None,
          min_n: int | None = None) -> pd.DataFrame:
    """A table of groups (`by` ⊆ organization, round, department, role) with the release's statuses.

    Withheld rows keep n and lose every score column; `status` says why (below threshold, withheld
    (secondary), no data). With `items`, rows are statements (a `leverage_point` column tells the point).
    `release` is one release, or releases by (organization, round) for frames with those columns.
    """
    out = frame.copy()
    if out.empty:
        return out
    kind = kind or kind_of(by)
    single = isinstance(release, Release)
    threshold = min_n if min_n is not None else (release.min_n if single else next(iter(release.values())).min_n
                                                  if release else 1)
    states = []
    for row in out.to_dict("records"):
        rel = release if single else release.get((str(row["organization"]), str(row["round"])))
        key = box_key(kind, row.get("department", ""), row.get("role", ""))
        if rel is None:
            hidden = True
        elif items:
            hidden = rel.items_withheld(key[0], str(row["leverage_point"]), key[1], key[2])
        else:
            hidden = rel.withheld(*key)
        states.append(status(row[n_column], hidden, threshold))
    out["status"] = states
    hide = out["status"] != OK
    for column in SCORE_COLUMNS:
        if column in out.columns:
            out[column] = out[column].astype(float).where(~hide)
    if "suppressed" in out.columns:
        out["suppressed"] = out["status"].isin([BELOW, SECONDARY])
    return out


# --- the self-assessment's tables, published from a release -------------------------------------------------

def decide_answers(answers: pd.DataFrame, min_n: int, organization: str = "", round_name: str = "") -> Release:
    """The release of one organization × round from its answers (long format)."""
    points, items = atoms_from_answers(answers)
    return decide(points, min_n, items, organization, round_name)


def point_table(answers: pd.DataFrame, by: Sequence[str], rel: Release) -> pd.DataFrame:
    """`scoring.point_scores` of one release's answers, withheld as the release decides."""
    from leverage.survey.scoring import point_scores

    return apply(point_scores(answers, by, rel.min_n), rel, by)


def item_table(answers: pd.DataFrame, by: Sequence[str], rel: Release) -> pd.DataFrame:
    """`scoring.item_scores` of one release's answers, withheld as the release decides."""
    from leverage.survey.scoring import item_scores

    return apply(item_scores(answers, by, rel.min_n), rel, by, items=True)


def level_table(answers: pd.DataFrame, by: Sequence[str], rel: Release) -> pd.DataFrame:
    """`scoring.level_distribution` of one release's answers, withheld as the release decides."""
    from leverage.survey.scoring import level_distribution

    return apply(level_distribution(answers, by, rel.min_n), rel, by)
