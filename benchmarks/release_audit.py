"""Benchmark: what one withheld set per release costs the `score` command at national scale (issue 14).

Run from the project root (uses the 10 M-answer dataset of compare_national.py, generated when missing):
    .venv/bin/python benchmarks/release_audit.py [--answers 10000000] [--seed 4] [--workers N]

Prints, separately: the aggregation to the finest groups (DuckDB, no threshold), deciding every release
(organization × round: subtraction rule, rank and LP audit; worker processes, one per core), and rolling
up to a `--by`; and how many boxes were withheld, added by the audit, or left at best effort.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--min-n", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    import compare_national

    from leverage.core.columns import GROUP_COLUMNS
    from leverage.survey import published_scores, release, score_duckdb

    source = compare_national.generate(args.answers, args.seed)
    t0 = time.perf_counter()
    finest = score_duckdb.score_parquet(source, list(GROUP_COLUMNS), 1)
    t1 = time.perf_counter()
    cpu1 = _cpu()
    atoms = published_scores.atoms_from_scores(finest)
    decided = release.decide_all(atoms, args.min_n, workers=args.workers)
    t2 = time.perf_counter()
    cpu2 = _cpu()
    out = published_scores.publish(finest, ["organization", "department", "round"], args.min_n, decided)
    t3 = time.perf_counter()
    withheld = sum(len(r.withheld_boxes) for r in decided.values())
    best_effort = sum(len(r.unprotected) for r in decided.values())
    print(f"answers {args.answers:,}; finest groups {finest.num_rows:,}; releases {len(decided)}; "
          f"workers {args.workers}")
    print(f"aggregate (DuckDB, finest groups)  {t1 - t0:7.2f} s")
    print(f"decide every release (audit)       {t2 - t1:7.2f} s   (CPU {cpu2 - cpu1:.2f} s, this process "
          f"and its workers: steadier than wall time on a shared machine)")
    print(f"roll up to --by                     {t3 - t2:7.2f} s   ({out.num_rows:,} rows)")
    print(f"withheld boxes {withheld:,}; left at best effort {best_effort}")


def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its finished worker processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
