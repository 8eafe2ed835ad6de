"""Secondary cell suppression for linked tables, audited with linear algebra and linear programming.

Why this exists: deciding suppression table by table lets tables that are published together undo each
other (a total against its shown parts, one grouping against another). Here every cell that can be
published from one release is a *box*: a set of atomic cells (for a self-assessment round, the
department × role groups). A box's published mean and n give its sum, a linear function of the atomic
sums. The engine chooses which boxes to withhold so that, for every withheld box,

1. its sum is not in the span of the published boxes' sums (the rank test: there is a change of the
   atomic sums that leaves every published box as it is and changes the withheld one), and
2. the interval its mean can take, given every published box and the bounds every atomic sum has
   (n × lowest level … n × highest level, with every n known), is at least `protection` wide, or as
   wide as it can be while the boxes that must stay published (`fixed`, the release's total) are shown.
   The interval is found the way sdcTable and tau-ARGUS audit a pattern: the minimum and the maximum of
   the withheld sum by linear programming (HiGHS), after a cheap inner estimate along one null-space
   direction has settled the easy cases.

The pattern is built in three deterministic steps: primary suppression (0 < n < min_n in any measure),
the subtraction rule on every partition (a published parent never has exactly one withheld part, nor
withheld parts that together hold fewer than min_n), then the audit, which withholds one more box per
failure (among the published boxes that take part in the disclosure, the one with the fewest
respondents; ties: the first in the table's order) until every withheld box passes.

Plain numpy and scipy on small dense matrices: a release has tens to a few hundred boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

#: Narrowest interval a withheld mean may be known to lie in, in scale points (a quarter of 1–5).
PROTECTION = 1.0
_RANK_TOL = 1e-9
_WIDTH_TOL = 1e-9


@dataclass(frozen=True)
class Table:
    """The linked cells of one release.

    `members[b, a]` is 1 when atomic cell `a` belongs to box `b`; `n[a, m]` and `sums[a, m]` are each atomic
    cell's respondents and sum of scores per measure (e.g. per leverage point). `partitions` lists
    (parent box, child boxes) whose children split the parent: the subtraction rule runs on them.
    `fixed` boxes are never withheld to protect another (the release's total).
    """

    members: np.ndarray
    n: np.ndarray
    sums: np.ndarray
    partitions: tuple[tuple[int, tuple[int, ...]], ...] = ()
    fixed: np.ndarray | None = None
    scale: tuple[float, float] = (1.0, 5.0)

    @property
    def box_n(self) -> np.ndarray:
        return self.members @ self.n


@dataclass(frozen=True)
class Decision:
    withheld: np.ndarray  # per box
    primary: np.ndarray  # per box: below the threshold (or forced) before any secondary choice
    unprotected: tuple[int, ...] = ()  # withheld boxes whose interval stays narrow (only the fixed boxes pin them)
    steps: int = 0  # boxes the audit added beyond the subtraction rule
    findings: list = field(default_factory=list, repr=False)


@dataclass(frozen=True)
class Finding:
    box: int
    measure: int
    reason: str  # "determined" (in the span of the published boxes) or "narrow" (interval < protection)
    width: float  # interval of the mean, in scale points (0 when determined)
    blamed: tuple[int, ...]  # published boxes taking part in the disclosure


def primary(table: Table, min_n: int, forced: np.ndarray | None = None) -> np.ndarray:
    box_n = table.box_n
    below = ((box_n > 0) & (box_n < min_n)).any(axis=1)
    return below | forced if forced is not None else below


def decide(table: Table, min_n: int, forced: np.ndarray | None = None, protection: float = PROTECTION,
           max_steps: int = 500) -> Decision:
    """The withheld boxes of one release: primary, the subtraction rule, then the audit's additions."""
    boxes = table.members.shape[0]
    fixed = table.fixed if table.fixed is not None else np.zeros(boxes, bool)
    first = primary(table, min_n, forced)
    withheld = first.copy()
    box_n = table.box_n
    present = box_n.sum(axis=1) > 0
    size = box_n.max(axis=1) if box_n.size else np.zeros(boxes)
    given_up: set[int] = set()
    steps = 0
    while True:
        subtraction_rule(table, withheld, min_n, size, fixed, present)
        findings = [f for f in audit(table, withheld, protection) if f.box not in given_up]
        if not findings or steps >= max_steps:
            return Decision(withheld, first, tuple(sorted(given_up)), steps, findings)
        finding = findings[0]
        choice = _repair(table, withheld, finding, protection, size, fixed, present)
        if choice is None:
            given_up.add(finding.box)
        else:
            withheld[choice] = True
            steps += 1


def subtraction_rule(table: Table, withheld: np.ndarray, min_n: int, size: np.ndarray, fixed: np.ndarray,
                     present: np.ndarray) -> None:
    """Per partition with a published parent: no lone withheld part, and withheld parts that together hold
    at least min_n in every measure; the smallest published parts are withheld until both hold."""
    box_n = table.box_n
    changed = True
    while changed:
        changed = False
        for parent, children in table.partitions:
            if withheld[parent] or not present[parent]:
                continue
            kids = [c for c in children if present[c]]
            while True:
                hidden = [c for c in kids if withheld[c]]
                if not hidden:
                    break
                total = box_n[hidden].sum(axis=0)
                if len(hidden) >= 2 and not ((total > 0) & (total < min_n)).any():
                    break
                open_ = sorted((c for c in kids if not withheld[c] and not fixed[c]), key=lambda c: (size[c], c))
                if not open_:
                    break
                withheld[open_[0]] = True
                changed = True


def _null_space(matrix: np.ndarray, columns: int) -> np.ndarray:
    if matrix.shape[0] == 0:
        return np.eye(columns)
    _u, s, vt = np.linalg.svd(matrix, full_matrices=True)
    rank = int((s > _RANK_TOL * max(1.0, s[0] if s.size else 1.0)).sum())
    return vt[rank:].T


def audit(table: Table, withheld: np.ndarray, protection: float = PROTECTION,
          only: Sequence[int] | None = None) -> list[Finding]:
    """Every withheld box (or those in `only`) whose sum is determined, or whose mean's interval is
    narrower than `protection` (and than the fixed boxes alone allow), given the published boxes."""
    box_n = table.box_n
    fixed = table.fixed if table.fixed is not None else np.zeros(len(withheld), bool)
    findings: list[Finding] = []
    low, high = table.scale
    groups: dict[bytes, list[int]] = {}
    for m in range(table.n.shape[1]):  # measures sharing the same non-empty atomic cells share one null space
        groups.setdefault((table.n[:, m] > 0).tobytes(), []).append(m)
    wanted = np.zeros(len(withheld), bool)
    if only is None:
        wanted[:] = True
    else:
        wanted[list(only)] = True
    for key, measures in groups.items():
        active = np.frombuffer(key, dtype=bool)
        if not active.any():
            continue
        members = table.members[:, active]
        published = np.flatnonzero(~withheld & (members.sum(axis=1) > 0))
        a = members[published]
        null = _null_space(a, int(active.sum()))
        for m in measures:
            targets = np.flatnonzero(withheld & wanted & (box_n[:, m] > 0))
            if targets.size == 0:
                continue
            t = members[targets]
            proj = t @ null if null.size else np.zeros((len(targets), 0))
            reach = np.einsum("ij,ij->i", proj, proj) if null.size else np.zeros(len(targets))
            x = table.sums[active, m]
            lo, hi = table.n[active, m] * low, table.n[active, m] * high
            for k, box in enumerate(targets):
                if reach[k] <= _RANK_TOL:
                    coef = np.linalg.lstsq(a.T, t[k], rcond=None)[0] if len(published) else np.zeros(0)
                    blamed = tuple(int(published[i]) for i in np.flatnonzero(np.abs(coef) > 1e-9))
                    findings.append(Finding(int(box), m, "determined", 0.0, blamed))
                    continue
                n_box = box_n[box, m]
                z = null @ proj[k]
                width = _inner_width(x, lo, hi, z) * reach[k] / n_box
                if width >= protection - _WIDTH_TOL:
                    continue
                lp_width, blamed_rows = _lp_width(a, x, lo, hi, t[k])
                width = lp_width / n_box
                if width >= protection - _WIDTH_TOL:
                    continue
                fixed_rows = members[np.flatnonzero(fixed & ~withheld & (members.sum(axis=1) > 0))]
                best = _lp_width(fixed_rows, x, lo, hi, t[k])[0] / n_box
                if width >= min(protection, best) - _WIDTH_TOL:
                    continue
                findings.append(Finding(int(box), m, "narrow", float(width),
                                        tuple(int(published[i]) for i in blamed_rows)))
    findings.sort(key=lambda f: (f.box, f.measure))
    return findings


def _inner_width(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, z: np.ndarray) -> float:
    """How far x can move along z (both ways) within the bounds: the length of that segment in t."""
    up = z > 1e-12
    down = z < -1e-12
    if not (up.any() or down.any()):
        return 0.0
    t_max = min(np.min((hi[up] - x[up]) / z[up], initial=np.inf),
                np.min((lo[down] - x[down]) / z[down], initial=np.inf))
    t_min = max(np.max((lo[up] - x[up]) / z[up], initial=-np.inf),
                np.max((hi[down] - x[down]) / z[down], initial=-np.inf))
    return max(0.0, float(t_max - t_min))


def _lp_width(a: np.ndarray, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, target: np.ndarray
              ) -> tuple[float, tuple[int, ...]]:
    """max − min of target·x over {a·x = a·x0, lo ≤ x ≤ hi} (HiGHS), and the rows with a non-zero dual."""
    from scipy.optimize import linprog

    bounds = list(zip(lo, hi, strict=True))
    if a.shape[0] == 0:
        return float(target @ hi - target @ lo), ()
    b = a @ x
    blamed: set[int] = set()
    values = []
    for sign in (1.0, -1.0):
        res = linprog(sign * target, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        if res.status != 0:  # numerically infeasible at the exact point: treat as determined
            return 0.0, tuple(range(a.shape[0]))
        values.append(sign * res.fun)
        duals = getattr(res.eqlin, "marginals", None)
        if duals is not None:
            blamed.update(int(i) for i in np.flatnonzero(np.abs(duals) > 1e-9))
    return max(0.0, float(values[1] - values[0])), tuple(sorted(blamed))


def _repair(table: Table, withheld: np.ndarray, finding: Finding, protection: float, size: np.ndarray,
            fixed: np.ndarray, present: np.ndarray) -> int | None:
    """The box to withhold next for an unprotected one: the smallest of the blamed published boxes that
    protects it alone, else the smallest blamed one (progress either way); None when none may be withheld."""
    blamed = [b for b in finding.blamed if not withheld[b] and not fixed[b] and present[b]]
    if not blamed:  # the duals named only fixed boxes: try every published box that may be withheld
        blamed = [int(b) for b in np.flatnonzero(~withheld & ~fixed & present)]
    if not blamed:
        return None
    blamed.sort(key=lambda b: (size[b], b))
    for b in blamed[:16]:
        trial = withheld.copy()
        trial[b] = True
        if not audit(table, trial, protection, only=[finding.box]):
            return b
    return blamed[0]
