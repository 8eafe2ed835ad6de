"""Secondary cell suppression for linked tables, audited with linear algebra and linear programming.

Why this exists: deciding suppression table by table lets tables that are published together undo each
other (a total against its shown parts, one grouping against another). Here every cell that can be
published from one release is a *box*: a set of atomic cells (for a self-assessment round, the
department × role groups). A box's published mean and n give its sum, a linear function of the atomic
sums. The engine chooses which boxes to withhold so that, for every withheld box,

1. its sum is not in the span of the published boxes' sums (the rank test: there is a change of the
   atomic sums that leaves every published box as it is and changes the withheld one), unless it holds
   exactly the answers of a published box in that measure (the other cells have none there: showing it
   would show nothing new), and
2. for a box below the threshold (a sensitive one; boxes withheld only to protect another are not
   sensitive themselves), the interval its mean can take, given every published box and the bounds every atomic sum has
   (n × lowest level … n × highest level, with every n known), is at least `protection` wide, or as
   wide as it can be while the boxes that must stay published (`fixed`, the release's total) are shown.
   The interval is found the way sdcTable and tau-ARGUS audit a pattern: the minimum and the maximum of
   the withheld sum by linear programming (HiGHS), after cheap inner estimates have settled what they
   can: feasible tables along null-space directions, and the optimal tables of the LPs already solved.

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
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from leverage.survey.highs_lp import Screen

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


@dataclass
class Memo:
    """What the audits of one table learn and pass on: feasible tables (per measure: the withheld set
    they were found under, the table) and the warm LP of each group of measures (see `audit`)."""

    corners: dict[int, list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    screens: dict[bytes, Screen] = field(default_factory=dict)


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
    # Below the threshold here and not already withheld by a coarser decision (whose own audit covered
    # their intervals there): their intervals are audited; forced boxes get the rank test.
    sensitive = primary(table, min_n) & ~forced if forced is not None else primary(table, min_n)
    first = sensitive | forced if forced is not None else sensitive.copy()
    withheld = first.copy()
    box_n = table.box_n
    present = box_n.sum(axis=1) > 0
    size = box_n.max(axis=1) if box_n.size else np.zeros(boxes)
    given_up: set[int] = set()
    memo = Memo()  # what the audits of this table learn and share, see `audit`
    settled = np.zeros(boxes, bool)  # passed the audit: withholding more only widens what it can take
    steps = 0
    while True:
        subtraction_rule(table, withheld, min_n, size, fixed, present)
        asked = np.flatnonzero(withheld & ~settled)
        found = audit(table, withheld, sensitive, protection, only=asked, memo=memo) if asked.size else []
        failed = {f.box for f in found}
        settled[[b for b in asked if b not in failed]] = True
        findings = [f for f in found if f.box not in given_up]
        if not findings or steps >= max_steps:
            return Decision(withheld, first, tuple(sorted(given_up)), steps, findings)
        finding = findings[0]
        choice = _repair(table, withheld, sensitive, finding, protection, size, fixed, present, memo)
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
    """A basis of the null space, one free atomic cell per vector (from QR with column pivoting): sparse
    directions, each moving few cells, which the bounds block less often than dense ones."""
    if matrix.shape[0] == 0:
        return np.eye(columns)
    r, piv = _pivoted_qr(matrix)
    diag = np.abs(np.diag(r))
    rank = int((diag > _RANK_TOL * max(1.0, diag[0] if diag.size else 1.0)).sum())
    basis = np.zeros((columns, columns - rank))
    if columns - rank:
        basis[piv[rank:], np.arange(columns - rank)] = 1.0
        if rank:
            basis[piv[:rank]] = -np.linalg.solve(r[:rank, :rank], r[:rank, rank:columns])
    return basis


def _pivoted_qr(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R and the column order of `scipy.linalg.qr(matrix, mode="economic", pivoting=True)`, the same numbers.

    Why not that call: it needs scipy.linalg's `__init__` (most of SciPy, see `scipy_parts`), and computes a
    Q the null space never uses. Here LAPACK's dgeqp3 from SciPy's own build is called as `qr` calls it (a
    workspace query, then the factorisation with that workspace), so R and the pivots are the same."""
    from leverage.survey.scipy_parts import extension

    a1 = np.asarray_chkfinite(matrix)
    if a1.dtype != np.float64 or a1.ndim != 2 or a1.size == 0:
        from scipy.linalg import qr

        _q, r, piv = qr(matrix, mode="economic", pivoting=True)
        return r, piv
    geqp3 = extension("scipy.linalg._flapack").dgeqp3
    lwork = geqp3(a1, lwork=-1, overwrite_a=False)[-2][0].real.astype(np.int_)
    qr_, jpvt, _tau, _work, info = geqp3(a1, lwork=lwork, overwrite_a=False)
    if info < 0:
        raise ValueError(f"illegal value in {-info}th argument of internal geqp3")
    return np.triu(qr_[:min(a1.shape), :]), jpvt - 1


def audit(table: Table, withheld: np.ndarray, sensitive: np.ndarray | None = None, protection: float = PROTECTION,
          only: Sequence[int] | None = None,
          memo: Memo | None = None, blame: bool = True
          ) -> list[Finding]:
    """Every withheld box (or those in `only`) whose sum is determined by the published boxes, and every
    sensitive one (default: all withheld) whose mean's interval is narrower than `protection` (and than the
    fixed boxes alone allow).

    `memo` collects, across calls on the same `table`, the LPs' optimal tables (per measure: (withheld set,
    table)) and one warm LP per group of measures. A table that meets every published sum when the set W is
    withheld meets them when any superset of W is (fewer sums to meet), so a later audit uses those found under
    a subset of its own withheld set: values a box certainly can take, which settle its interval without its own
    LP. Without `blame`, a narrow finding names no published boxes (the caller only asks whether any box fails),
    which spares the cold LP solves that give the duals.

    Why every shortcut is exact (it never passes a box the two LPs would fail): the interval of W's sum is
    [min, max] of t·y over the feasible tables F = {y : published rows of y as in x, lo ≤ y ≤ hi}. x is in F,
    so is every segment end x + s·d along a null-space direction d (the published rows do not move) within
    the bounds, and every LP optimum found under a subset of this withheld set (fewer rows to meet). For any
    y, y' in F, max − min ≥ t·y − t·y'. So the spread of such values is a lower bound of the width, and once
    the minimum's LP is solved, max − min ≥ (the largest t·y seen) − min: when that is wide enough, the
    maximum's LP could only find it wider (tests/test_disclosure_audit.py checks this against cold LPs)."""
    from leverage.survey import highs_lp  # here: SciPy's solver loads when a release is audited, not at start

    sensitive = withheld if sensitive is None else sensitive
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
        ortho = np.linalg.qr(null)[0] if null.size else null  # per group: the measures share it
        rows = np.flatnonzero(members.sum(axis=1) > 0)  # every box with answers here, published or not
        screen = memo.screens.get(key) if memo is not None else None
        # The measures of a group have the same non-empty cells, so the same target boxes and the same
        # directions: only the sums and bounds differ. The inner estimates of every (box, measure) are found
        # in one pass (the same arithmetic, element by element, as one measure at a time), and only the boxes
        # they leave undecided are visited one by one (a box they pass has nothing else to do).
        targets = np.flatnonzero(withheld & wanted & (box_n[:, measures[0]] > 0))
        if targets.size == 0:
            continue
        t = members[targets]
        xs = table.sums[active][:, measures]
        los, his = table.n[active][:, measures] * low, table.n[active][:, measures] * high
        change = t @ null if null.size else np.zeros((len(targets), 0))  # W's change per basis direction
        reach = np.abs(change).max(axis=1) if null.size else np.zeros(len(targets))
        towards = (t @ ortho) @ ortho.T if null.size else np.zeros_like(t)  # W projected on the null space
        # How far x moves along each basis direction and along each W's projection, per measure, in one pass.
        both = _segments(xs, los, his, np.hstack([null, towards.T])) if null.size \
            else np.zeros((2, len(targets), len(measures)))
        steps, along = both[:, :null.shape[1]], both[:, null.shape[1]:]
        # Every end of every basis segment is a feasible table: W's interval holds all their values
        # (per target box and measure, relative to x; the segments' ends straddle 0).
        along_ends = along * np.einsum("ij,ij->i", t, towards)[None, :, None]  # (end, box, measure)
        moved = [steps[0][None, :, :] * change[:, :, None], steps[1][None, :, :] * change[:, :, None]]
        top, bottom = along_ends.max(axis=0), along_ends.min(axis=0)
        for end in moved if null.size else ():
            top, bottom = np.maximum(top, end.max(axis=1)), np.minimum(bottom, end.min(axis=1))
        spread = top - bottom  # (box, measure)
        n_boxes = box_n[targets][:, measures]
        open_ = (reach[:, None] <= _RANK_TOL) | (sensitive[targets][:, None]
                                                 & (spread / n_boxes < protection - _WIDTH_TOL))
        for j, m in enumerate(measures):
            known = memo.corners.setdefault(m, []) if memo is not None else []
            if not open_[:, j].any():
                continue
            x, lo, hi = xs[:, j], los[:, j], his[:, j]
            # The warm LP holds every box's row; a withheld box's row is free (no bound), a published
            # one's is its sum: the same feasible set as the published rows alone.
            shown = ~withheld[rows]
            row_low = np.where(shown, members[rows] @ x, -np.inf)
            row_high = np.where(shown, members[rows] @ x, np.inf)
            mine = [point for mask, point in known if not (mask & ~withheld).any()]
            for k in np.flatnonzero(open_[:, j]):
                box = targets[k]
                if reach[k] <= _RANK_TOL:
                    if published.size and (np.abs(a - t[k]).sum(axis=1) == 0).any():
                        continue  # the very answers of a published box (the others have none in this measure)
                    coef = np.linalg.lstsq(a.T, t[k], rcond=None)[0] if len(published) else np.zeros(0)
                    blamed = tuple(int(published[i]) for i in np.flatnonzero(np.abs(coef) > 1e-9))
                    findings.append(Finding(int(box), m, "determined", 0.0, blamed))
                    continue
                if not sensitive[box]:
                    continue
                ends = np.concatenate([moved[0][k, :, j], moved[1][k, :, j], along_ends[:, k, j]]) if null.size \
                    else along_ends[:, k, j]
                n_box = box_n[box, m]
                # The LP, straight to HiGHS (cheaper than the affine-scaling climb that used to come first:
                # four null spaces per box, settling a third of the boxes it was tried on). Warm-started
                # over this measure's table first; a box it does not pass is solved cold for its duals.
                # The optima found before (in this audit or an earlier one, see above) are feasible tables:
                # W's values there widen its known interval for free, often enough to spare its own LP.
                if mine:
                    seen = np.concatenate([float(t[k] @ x) + ends, np.stack(mine) @ t[k]])
                    if (seen.max() - seen.min()) / n_box >= protection - _WIDTH_TOL:
                        continue
                if a.shape[0]:
                    if screen is None:
                        screen = highs_lp.Screen(members[rows])
                        if memo is not None:
                            memo.screens[key] = screen
                    low_end = screen.minimum(t[k], (row_low, row_high), lo, hi)
                    if low_end is not None and screen.has_points:
                        mine.append(screen.point())
                        known.append((withheld.copy(), mine[-1]))
                        # The least W can be is now known; the most is at least the largest value a feasible
                        # table gave it: when that is already far enough, the maximum's LP is not needed.
                        highest = max(float(t[k] @ x) + ends.max(initial=0.0), float((np.stack(mine) @ t[k]).max()))
                        if (highest - low_end) / n_box >= protection - _WIDTH_TOL:
                            continue
                    high_end = screen.minimum(-t[k], (row_low, row_high), lo, hi)
                    if high_end is not None and screen.has_points:
                        mine.append(screen.point())
                        known.append((withheld.copy(), mine[-1]))
                    if low_end is not None and high_end is not None:
                        warm = (-high_end - low_end) / n_box
                        if warm >= protection - _WIDTH_TOL:
                            continue
                        # Short of the protection: as wide as the fixed boxes alone allow passes too, and
                        # needs no duals either; nor does a trial of `_repair`, which only asks pass or fail.
                        fixed_rows = members[np.flatnonzero(fixed & ~withheld & (members.sum(axis=1) > 0))]
                        if warm >= min(protection, _fixed_width(fixed_rows, x, lo, hi, t[k]) / n_box) - _WIDTH_TOL:
                            continue
                        if not blame:
                            findings.append(Finding(int(box), m, "narrow", float(warm), ()))
                            continue
                lp_width, blamed_rows = _lp_width(a, x, lo, hi, t[k])
                width = lp_width / n_box
                if width >= protection - _WIDTH_TOL:
                    continue
                fixed_rows = members[np.flatnonzero(fixed & ~withheld & (members.sum(axis=1) > 0))]
                best = _fixed_width(fixed_rows, x, lo, hi, t[k]) / n_box
                if width >= min(protection, best) - _WIDTH_TOL:
                    continue
                findings.append(Finding(int(box), m, "narrow", float(width),
                                        tuple(int(published[i]) for i in blamed_rows)))
    findings.sort(key=lambda f: (f.box, f.measure))
    return findings


def _segments(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """For each direction d (a column), how far x may move along it within the bounds: (t_min, t_max).

    `x`, `lo` and `hi` may hold one column per measure (same directions): the result then has a last axis
    of measures, each column what the one-measure call gives (the same operations, element by element)."""
    d = directions
    if x.ndim == 2:
        d = d[:, :, None]
        x, lo, hi = x[:, None, :], lo[:, None, :], hi[:, None, :]
    else:
        x, lo, hi = x[:, None], lo[:, None], hi[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        up_hi = np.where(d > 1e-12, (hi - x) / d, np.inf)
        down_lo = np.where(d < -1e-12, (lo - x) / d, np.inf)
        up_lo = np.where(d > 1e-12, (lo - x) / d, -np.inf)
        down_hi = np.where(d < -1e-12, (hi - x) / d, -np.inf)
    t_max = np.minimum(up_hi.min(axis=0), down_lo.min(axis=0))
    t_min = np.maximum(up_lo.max(axis=0), down_hi.max(axis=0))
    moving = np.isfinite(t_max) & np.isfinite(t_min)
    return np.stack([np.where(moving, np.minimum(t_min, 0), 0.0), np.where(moving, np.maximum(t_max, 0), 0.0)])


def _fixed_width(rows: np.ndarray, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, target: np.ndarray) -> float:
    """The interval's width when only `rows` are published: closed form for one total holding the target
    (the usual case: the release's total), the LP otherwise."""
    if rows.shape[0] == 0:
        return float(target @ (hi - lo))
    if rows.shape[0] == 1 and np.all((target <= rows[0]) & np.isin(rows[0], (0.0, 1.0))):
        rest = rows[0] - target
        total = float(rows[0] @ x)
        top = min(float(target @ hi), total - float(rest @ lo))
        bottom = max(float(target @ lo), total - float(rest @ hi))
        return max(0.0, top - bottom)
    return _lp_width(rows, x, lo, hi, target)[0]


def _lp_width(a: np.ndarray, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, target: np.ndarray
              ) -> tuple[float, tuple[int, ...]]:
    """max − min of target·x over {a·x = a·x0, lo ≤ x ≤ hi} (HiGHS), and the rows with a non-zero dual."""
    from leverage.survey import highs_lp

    if a.shape[0] == 0:
        return float(target @ hi - target @ lo), ()
    solved = highs_lp.minimise([target, -target], a, a @ x, lo, hi)
    if any(s is None for s in solved):  # numerically infeasible at the exact point: treat as determined
        return 0.0, tuple(range(a.shape[0]))
    (low, low_duals), (high, high_duals) = solved
    blamed = {int(i) for duals in (low_duals, high_duals) for i in np.flatnonzero(np.abs(duals) > 1e-9)}
    return max(0.0, float(-high - low)), tuple(sorted(blamed))


def _repair(table: Table, withheld: np.ndarray, sensitive: np.ndarray, finding: Finding, protection: float,
            size: np.ndarray, fixed: np.ndarray, present: np.ndarray,
            memo: Memo | None = None) -> int | None:
    """The box to withhold next for an unprotected one: the smallest of the blamed published boxes that
    protects it alone, else the smallest blamed one (progress either way); None when none may be withheld."""
    blamed = [b for b in finding.blamed if not withheld[b] and not fixed[b] and present[b]]
    if not blamed:  # the duals named only fixed boxes: try every published box that may be withheld
        blamed = [int(b) for b in np.flatnonzero(~withheld & ~fixed & present)]
    if not blamed:
        return None
    blamed.sort(key=lambda b: (size[b], b))
    for b in blamed[:6]:
        trial = withheld.copy()
        trial[b] = True
        if not audit(table, trial, sensitive, protection, only=[finding.box], memo=memo, blame=False):
            return b
    return blamed[0]
