"""The audit's direct HiGHS calls give what `scipy.optimize.linprog(method="highs")` gave, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from leverage.survey import highs_lp


def test_a_small_program_by_hand():
    # x1 + x2 = 6, 1 <= x1 <= 5, 2 <= x2 <= 3: x1 lies in [3, 4]; min x1 = 3 (x2 at its top), max x1 = 4.
    a = np.array([[1.0, 1.0]])
    (low, _duals), (high, _duals2) = highs_lp.minimise([np.array([1.0, 0.0]), np.array([-1.0, 0.0])], a,
                                                       np.array([6.0]), np.array([1.0, 2.0]), np.array([5.0, 3.0]))
    assert low == pytest.approx(3.0) and -high == pytest.approx(4.0)


def test_an_infeasible_program_reports_none():
    a = np.array([[1.0, 1.0]])
    assert highs_lp.minimise([np.array([1.0, 0.0])], a, np.array([20.0]), np.zeros(2), np.ones(2)) == [None]


@pytest.mark.parametrize("seed", range(5))
def test_the_optimum_and_the_duals_are_linprogs(seed):
    rng = np.random.default_rng(seed)
    for _unused in range(40):
        cols = int(rng.integers(5, 60))
        a = (rng.random((int(rng.integers(1, 25)), cols)) < 0.25).astype(float)
        n = rng.integers(1, 10, cols).astype(float)
        lo, hi = n, 5 * n
        x = rng.uniform(lo, hi)
        target = (rng.random(cols) < 0.15).astype(float)
        got = highs_lp.minimise([target], a, a @ x, lo, hi)[0]
        res = linprog(target, A_eq=a, b_eq=a @ x, bounds=list(zip(lo, hi, strict=True)), method="highs")
        assert res.status == 0 and got is not None
        assert got[0] == res.fun
        assert np.array_equal(got[1], res.eqlin.marginals)


def test_the_warm_screen_finds_the_cold_optimum_and_a_feasible_table():
    # One matrix, three measures' sums and bounds, two objectives each, solved in turn from the last basis.
    rng = np.random.default_rng(11)
    cols = 30
    a = (rng.random((12, cols)) < 0.3).astype(float)
    screen = highs_lp.Screen(a)
    for _unused in range(3):
        n = rng.integers(1, 8, cols).astype(float)
        lo, hi = n, 5 * n
        x = rng.uniform(lo, hi)
        for target in ((rng.random(cols) < 0.2).astype(float), -(rng.random(cols) < 0.2).astype(float)):
            warm = screen.minimum(target, a @ x, lo, hi)
            cold = highs_lp.minimise([target], a, a @ x, lo, hi)[0]
            assert cold is not None and warm == pytest.approx(cold[0], abs=1e-7)
            point = screen.point()
            assert np.allclose(a @ point, a @ x, atol=1e-6)
            assert (point >= lo - 1e-7).all() and (point <= hi + 1e-7).all()
            assert target @ point == pytest.approx(warm, abs=1e-7)


def test_a_free_row_is_a_row_left_out():
    # Rows given (-inf, inf) bounds constrain nothing: the optimum is the one without them, in any order of
    # calls on the same screen (a withheld box's row, freed and bound again).
    rng = np.random.default_rng(5)
    cols = 25
    a = (rng.random((10, cols)) < 0.3).astype(float)
    n = rng.integers(1, 8, cols).astype(float)
    lo, hi = n, 5 * n
    x = rng.uniform(lo, hi)
    screen = highs_lp.Screen(a)
    target = (rng.random(cols) < 0.2).astype(float)
    for free in ([], [0, 3], [1, 2, 3, 4, 5, 6, 7], [0, 3], []):
        shown = np.ones(len(a), bool)
        shown[free] = False
        bounds = (np.where(shown, a @ x, -np.inf), np.where(shown, a @ x, np.inf))
        cold = highs_lp.minimise([target], a[shown], a[shown] @ x, lo, hi)[0]
        assert cold is not None and screen.minimum(target, bounds, lo, hi) == pytest.approx(cold[0], abs=1e-7)


def test_without_scipys_private_highs_linprog_answers(monkeypatch):
    # Another SciPy without `scipy.optimize._highspy`: the same optima through linprog, free rows left out.
    a = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    lo, hi = np.array([1.0, 2.0, 1.0]), np.array([5.0, 3.0, 4.0])
    b = np.array([6.0, 5.0])
    direct = highs_lp.minimise([np.array([1.0, 0.0, 0.0])], a, b, lo, hi)[0][0]
    monkeypatch.setattr(highs_lp, "_h", None)
    # x1 + x2 = 6 with x2 in [2, 3]: x1 in [3, 4]; x2 + x3 = 5 lets x2 be 2 or 3 (x3 3 or 2): min x1 = 3.
    assert highs_lp.minimise([np.array([1.0, 0.0, 0.0])], a, b, lo, hi)[0][0] == pytest.approx(3.0) == direct
    screen = highs_lp.Screen(a)
    free_second = (np.array([6.0, -np.inf]), np.array([6.0, np.inf]))
    assert screen.minimum(np.array([-1.0, 0.0, 0.0]), free_second, lo, hi) == pytest.approx(-4.0)
    assert not screen.has_points
