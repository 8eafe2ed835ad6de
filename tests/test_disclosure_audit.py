"""The audit's shortcuts pass no box that its linear programs would fail; its QR is SciPy's.

`disclosure.audit` settles most boxes without solving an LP of their own: the ends of segments along the
null space, the optima of earlier LPs (feasible tables), and, once the minimum is solved, the largest value
a feasible table gave the box in place of the maximum's LP. Each is an inner estimate of the interval, so
none can pass a box whose interval is narrow. Here the audit, with its memo carried across a growing
withheld set as `decide` carries it, is checked against the plain definition: every target's interval by
two cold LPs.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leverage.survey import disclosure, release


@st.composite
def tables(draw):
    """A release's boxes over departments × roles, with n and sums a real set of answers could give."""
    departments, roles, measures = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    atoms = [(f"D{d}", f"r{r}") for d, r in itertools.product(range(departments), range(roles))]
    n = rng.choice([0, 1, 1, 2, 3, 4, 5, 6, 9, 14], size=(len(atoms), 1)).astype(float)
    n = np.repeat(n, measures, axis=1)
    # Each respondent's score lies on the scale: extreme groups sit near one end, where intervals are narrow.
    low = draw(st.sampled_from([1.0, 1.0, 4.0]))
    sums = np.round(n * rng.uniform(low, 5.0, size=n.shape), 6)
    min_n = draw(st.sampled_from([3, 5]))
    small = sorted({a[0] for a, k in zip(atoms, n[:, 0], strict=True) if 0 < k < min_n})
    boxes = release._boxes(atoms, small)
    fixed = np.zeros(len(boxes.keys), bool)
    fixed[boxes.alias[(release.TOTAL, "", "")]] = True
    table = disclosure.Table(boxes.members, n, sums, tuple(boxes.partitions), fixed)
    extra = draw(st.lists(st.integers(0, len(boxes.keys) - 1), max_size=4))
    return table, min_n, extra


def _by_definition(table: disclosure.Table, withheld: np.ndarray, sensitive: np.ndarray,
                   protection: float) -> set[tuple[int, int]]:
    """(box, measure) of every sensitive withheld box whose interval, by two cold LPs, is too narrow."""
    narrow = set()
    low, high = table.scale
    box_n = table.box_n
    for m in range(table.n.shape[1]):
        active = table.n[:, m] > 0
        members = table.members[:, active]
        published = members[~withheld & (members.sum(axis=1) > 0)]
        fixed_rows = members[table.fixed & ~withheld & (members.sum(axis=1) > 0)]
        x, lo, hi = table.sums[active, m], table.n[active, m] * low, table.n[active, m] * high
        for box in np.flatnonzero(withheld & sensitive & (box_n[:, m] > 0)):
            if published.shape[0] and (np.abs(published - members[box]).sum(axis=1) == 0).any():
                continue  # the very answers of a published box: nothing to hide (the audit skips it too)
            width = disclosure._lp_width(published, x, lo, hi, members[box])[0] / box_n[box, m]
            best = disclosure._fixed_width(fixed_rows, x, lo, hi, members[box]) / box_n[box, m]
            if width < min(protection, best) - 1e-6:
                narrow.add((int(box), m))
    return narrow


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_shortcut_passes_a_box_the_lps_fail(case):
    table, min_n, extra = case
    sensitive = disclosure.primary(table, min_n)
    withheld = sensitive.copy()
    memo = disclosure.Memo()
    for more in [None, *extra]:  # a growing withheld set, one memo: later audits reuse earlier optima
        if more is not None:
            withheld[more] = True
        found = disclosure.audit(table, withheld, sensitive, memo=memo)
        failed = {(f.box, f.measure) for f in found if f.reason == "narrow"}
        assert _by_definition(table, withheld, sensitive, disclosure.PROTECTION) <= failed | {
            (f.box, f.measure) for f in found if f.reason == "determined"}


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.integers(1, 60), st.floats(0.05, 0.7), st.integers(0, 2**31 - 1), st.booleans())
def test_the_pivoted_qr_is_scipys(rows, columns, density, seed, dependent):
    # The null space's QR calls LAPACK as scipy.linalg.qr does: the same R and pivots, to the last bit.
    from scipy.linalg import qr

    rng = np.random.default_rng(seed)
    matrix = (rng.random((rows, columns)) < density).astype(float)
    if dependent:  # a published box that is the sum of others: a rank-deficient matrix, as in a real release
        matrix = np.vstack([matrix, matrix[: max(1, rows // 2)].sum(axis=0)])
    r, piv = disclosure._pivoted_qr(matrix)
    _q, r_scipy, piv_scipy = qr(matrix, mode="economic", pivoting=True)
    assert np.array_equal(r, r_scipy) and np.array_equal(piv, piv_scipy)


def test_scipys_extensions_loaded_alone_are_the_ones_an_import_finds():
    import importlib

    from leverage.survey import scipy_parts

    for name in ("scipy.linalg._flapack", "scipy.optimize._highspy._core"):
        assert importlib.import_module(name) is scipy_parts.extension(name)
