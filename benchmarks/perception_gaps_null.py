"""Benchmark: how often are perception gaps called "clear" when every role sees the organization alike?

Prints the false-positive rate (the share of null datasets in which at least one gap of the table is called
clear) of `leverage.compare.views.perception_gaps` (Welch tests of every pair of roles, Holm-adjusted), and of
the method it replaced (the highest against the lowest role, unadjusted 95 % Welch interval). Asserts nothing.
Run from the project root:
    .venv/bin/python benchmarks/perception_gaps_null.py [--datasets 1000] [--respondents 60]

Each null dataset is one organization's round: respondents in the six default roles (the demo's role mix,
every role at least the threshold), each answering every statement of the default instrument. Every
respondent has their own leaning (a latent level, drawn from the same distribution whatever their role), and
answers each statement around it on the 1–5 scale, with some "don't know". Roles therefore differ only by
chance. The gaps are computed exactly as the Compare page computes them: the cube, `role_scores` (threshold and
subtraction rule), `perception_gaps` on every point and Overall.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leverage.compare import views as compare  # noqa: E402
from leverage.compare.cube import build_cube  # noqa: E402
from leverage.core.settings import DEFAULT_MIN_N  # noqa: E402
from leverage.survey.instrument import default_instrument  # noqa: E402

ROLE_WEIGHTS = {"board": 0.10, "executive": 0.12, "physician": 0.26, "nursing": 0.24, "manager": 0.20,
                "other": 0.08}


def null_dataset(rng: np.random.Generator, respondents: int, items: list[tuple[str, str]]) -> pa.Table:
    """One organization whose roles differ only by chance."""
    roles = list(ROLE_WEIGHTS)
    counts = np.maximum(rng.multinomial(respondents, list(ROLE_WEIGHTS.values())), DEFAULT_MIN_N)
    who = np.repeat(roles, counts)
    n = len(who)
    leaning = rng.normal(3.0, 0.6, n)  # the same distribution for every role
    item_ids = np.array([i for i, _ in items])
    points = np.array([p for _, p in items])
    raw = leaning[:, None] + rng.normal(0, 0.8, (n, len(items)))
    values = np.clip(np.rint(raw), 1, 5).astype("int8")
    dont_know = rng.random((n, len(items))) < 0.04
    frame = pd.DataFrame({
        "organization": "Null Trust", "department": None, "role": np.repeat(who, len(items)), "round": "R",
        "respondent_id": np.repeat([f"r{k}" for k in range(n)], len(items)),
        "item_id": np.tile(item_ids, n), "leverage_point": np.tile(points, n),
        "value": pd.array(np.where(dont_know, pd.NA, values).ravel(), dtype="Int8")})
    return pa.Table.from_pandas(frame, preserve_index=False)


def any_clear(table: pa.Table, min_n: int) -> tuple[bool, bool]:
    """(new method calls a gap clear, the replaced method would have)."""
    cube = build_cube(table)
    units = compare.department_units(cube.points.assign(source="null"), "null", "Null Trust", min_n=min_n)
    parent = compare.parent_scores(units, min_n, "Null Trust")
    roles = compare.role_scores(units, "R", min_n, parent[["leverage_point", "status"]])
    gaps = compare.perception_gaps(roles)
    old = bool(((gaps["gap_low"] > 0) | (gaps["gap_high"] < 0)).any())  # unadjusted, extreme pair
    return bool(gaps["clear"].any()), old


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=1000)
    parser.add_argument("--respondents", type=int, default=60, help="respondents per organization (before the "
                                                                    "threshold lifts small roles)")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    instrument = default_instrument()
    items = [(i.id, i.point) for i in instrument.items]
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    new = old = 0
    for _ in range(args.datasets):
        clear, was = any_clear(null_dataset(rng, args.respondents, items), DEFAULT_MIN_N)
        new += clear
        old += was
    seconds = time.perf_counter() - started

    def rate(k: int) -> str:
        p = k / args.datasets
        half = 1.96 * np.sqrt(p * (1 - p) / args.datasets)
        return f"{p:.1%} (95 % CI {max(p - half, 0):.1%}–{p + half:.1%})"

    print(f"Null datasets: {args.datasets}, ~{args.respondents} respondents in 6 roles, {len(items)} statements, "
          f"7 points + Overall, threshold {DEFAULT_MIN_N}")
    print(f"False-positive rate, Holm-adjusted pairwise Welch (now):        {rate(new)}   target: at most 5 %")
    print(f"False-positive rate, extreme pair unadjusted (before issue 16): {rate(old)}")
    print(f"{seconds:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
