"""The audit's linear programs solved by HiGHS without `scipy.optimize.linprog`'s layers.

Why: the audit solves thousands of tiny programs (tens of variables, a few dozen equalities). HiGHS takes
about a millisecond on each; `linprog` spent as long again checking and converting its arguments, and
its wrapper set every option by name on every call. Here the model is built once per program (both
directions share it) and handed to the very HiGHS build SciPy ships, with the options `linprog(method=
"highs")` sets, so the optimum and the equality duals are the ones `linprog` returned (checked in
tests/test_highs_lp.py). When SciPy's private HiGHS module is not there (another SciPy), `linprog` runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from leverage.survey.scipy_parts import extension

try:  # SciPy's own HiGHS build (scipy is pinned to one minor release in requirements.txt)
    _h = extension("scipy.optimize._highspy._core")  # without loading the rest of scipy.optimize
    _simplex = _h.simplex_constants
except (ImportError, AttributeError):  # pragma: no cover - another SciPy: fall back to linprog
    _h = None

#: Larger than any bound in a program here; HiGHS reads it as infinity, as linprog writes infinities.
_INF = 1e30


def _options():
    options = _h.HighsOptions()
    options.presolve = "on"
    options.highs_debug_level = _h.HighsDebugLevel.kHighsDebugLevelNone
    options.log_to_console = False
    options.output_flag = False
    options.simplex_strategy = _simplex.SimplexStrategy.kSimplexStrategyDual
    return options


_OPTIONS = _options() if _h is not None else None


def _model(a: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray, cost: np.ndarray,
           b_high: np.ndarray | None = None):
    rows, cols = a.shape
    nonzero = a.T != 0  # column-wise, rows ascending in each column: the order scipy.sparse.csc_array gives
    lp = _h.HighsLp()
    lp.num_col_, lp.num_row_ = cols, rows
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = cols, rows
    lp.a_matrix_.format_ = _h.MatrixFormat.kColwise
    lp.col_cost_ = np.asarray(cost, float)
    lp.col_lower_ = np.clip(lo.astype(float), -_INF, _INF)
    lp.col_upper_ = np.clip(hi.astype(float), -_INF, _INF)
    lp.row_lower_ = np.clip(b.astype(float), -_INF, _INF)
    lp.row_upper_ = np.clip((b if b_high is None else b_high).astype(float), -_INF, _INF)
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(nonzero.sum(axis=1))]).astype(np.int32)
    lp.a_matrix_.index_ = np.nonzero(nonzero)[1].astype(np.int32)
    lp.a_matrix_.value_ = a.T[nonzero].astype(float)
    return lp


def _solved(highs) -> bool:
    return highs.run() != _h.HighsStatus.kError and highs.getModelStatus() == _h.HighsModelStatus.kOptimal


def minimise(costs: Sequence[np.ndarray], a: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray
             ) -> list[tuple[float, np.ndarray] | None]:
    """min c·x over {a·x = b, lo ≤ x ≤ hi} for each c of `costs`: (optimum, equality duals), or None when
    HiGHS does not report an optimum (numerically infeasible). Each from a cold start, as linprog."""
    if _h is None:
        return [_linprog(c, a, b, lo, hi) for c in costs]
    results: list[tuple[float, np.ndarray] | None] = []
    for c in costs:
        highs = _h._Highs()  # a fresh solver per program, as linprog: no warm start to change the duals
        highs.passOptions(_OPTIONS)
        highs.passModel(_model(a, b, lo, hi, c))
        results.append((float(highs.getInfo().objective_function_value), np.array(highs.getSolution().row_dual))
                       if _solved(highs) else None)
    return results


class Screen:
    """One constraint matrix `a` solved for many objectives, right-hand sides and bounds, each from the
    last optimal basis.

    Why: the audit asks the width of several boxes, in each measure, over the same published table. A warm
    start takes a few simplex steps where a cold one pays HiGHS's set-up and presolve again (≈0.3 ms
    against ≈2 ms). The optimum is the same, its duals need not be: callers use it to pass a box, and ask
    `minimise` (cold) for the duals of a box that fails.
    """

    def __init__(self, a: np.ndarray) -> None:
        self._a = a
        self._highs = None
        self._bounds: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def minimum(self, cost: np.ndarray, b: np.ndarray | tuple[np.ndarray, np.ndarray], lo: np.ndarray,
                hi: np.ndarray) -> float | None:
        """min cost·x over {a·x = b, lo ≤ x ≤ hi}, or None when HiGHS reports no optimum. `b` may be a pair
        (lower, upper) of row bounds, ±inf where a row is free."""
        b_low, b_high = b if isinstance(b, tuple) else (b, b)
        if _h is None:
            shown = np.isfinite(b_low)
            result = _linprog(cost, self._a[shown], b_low[shown], lo, hi)
            return None if result is None else result[0]
        rows, cols = self._a.shape
        if self._highs is None:
            self._highs = _h._Highs()
            self._highs.passOptions(_OPTIONS)
            self._highs.passModel(_model(self._a, b_low, lo, hi, cost, b_high))
        else:
            every = np.arange(cols, dtype=np.int32)
            self._highs.changeColsCost(cols, every, np.asarray(cost, float))
            last = self._bounds
            if last is None or not (np.array_equal(last[1], lo) and np.array_equal(last[2], hi)):
                self._highs.changeColsBounds(cols, every, np.clip(lo.astype(float), -_INF, _INF),
                                             np.clip(hi.astype(float), -_INF, _INF))
            if last is None or not np.array_equal(last[0], np.concatenate([b_low, b_high])):
                for row, low, high in zip(range(rows), np.clip(b_low.astype(float), -_INF, _INF),
                                          np.clip(b_high.astype(float), -_INF, _INF), strict=True):
                    self._highs.changeRowBounds(row, low, high)
        self._bounds = (np.concatenate([b_low, b_high]), lo, hi)
        return float(self._highs.getInfo().objective_function_value) if _solved(self._highs) else None

    def point(self) -> np.ndarray:
        """The optimal x of the last `minimum` that had one: a feasible table (to HiGHS's tolerance)."""
        if _h is None:
            raise RuntimeError("no HiGHS: Screen.point needs SciPy's HiGHS module")
        return np.array(self._highs.getSolution().col_value)

    @property
    def has_points(self) -> bool:
        return _h is not None


def _linprog(c: np.ndarray, a: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray
             ) -> tuple[float, np.ndarray] | None:
    from scipy.optimize import linprog

    res = linprog(c, A_eq=a, b_eq=b, bounds=list(zip(lo, hi, strict=True)), method="highs")
    if res.status != 0:
        return None
    return float(res.fun), np.asarray(res.eqlin.marginals)
