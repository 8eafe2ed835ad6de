"""Benchmark: the board pack for 25 aims (target: under 15 s on a 2-core machine).

Prints figures; asserts nothing. Run from the project root:
    .venv/bin/python benchmarks/boardpack.py [--repeat 3] [--aims 25]

Measures, on a SQLite store with 25 aims of 36 months each (the demo's aims, repeated):
1. `gather` (reading and analysing every aim at the cut-off, the self-assessment, the workshops);
2. the PDF with charts, first build in the process (includes starting headless Chromium) and warm builds;
3. the PDF without charts (tables in their place);
4. the PowerPoint deck with chart pictures (warm);
5. the command line end to end (`python -m leverage boardpack`), a fresh process each time.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import leverage  # noqa: E402
from benchmarks.spc_and_board import board_database, show  # noqa: E402
from leverage.reports.boardpack.content import gather  # noqa: E402
from leverage.reports.boardpack.pdf import build_pdf  # noqa: E402
from leverage.reports.boardpack.pptx import build_deck  # noqa: E402
from leverage.reports.chart_images import renderer, status  # noqa: E402


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--aims", type=int, default=25)
    args = parser.parse_args()
    found = status()
    print(f"Board pack benchmark: {args.aims} aims x 36 months; Chromium: {found.browser or found.reason}")
    settings = leverage.load_settings({})
    with tempfile.TemporaryDirectory() as tmp:
        url, _org = board_database(Path(tmp), args.aims)
        store = leverage.Store(url)
        gathered = [timed(lambda: gather(store, settings, "Benchmark Health")) for _ in range(args.repeat)]
        pack = gathered[-1][1]
        show("gather (aims at the cut-off, assessment, workshops)", [t for t, _ in gathered])

        if found.available:
            first, result = timed(lambda: build_pdf(pack, renderer()))
            print(f"PDF with charts, first in the process (starts Chromium): {first:.3g} s  "
                  f"({result.pages} pages, {result.charts_drawn} charts, {len(result.pdf) / 1e6:.1f} MB)")
            show("PDF with charts, warm", [timed(lambda: build_pdf(pack, renderer()))[0]
                                           for _ in range(args.repeat)])
            show("PowerPoint deck with chart pictures, warm", [timed(lambda: build_deck(pack))[0]
                                                               for _ in range(args.repeat)])
        else:
            print(f"charts skipped: {found.reason}")
        show("PDF without charts (tables)", [timed(lambda: build_pdf(pack, None, "benchmark"))[0]
                                             for _ in range(args.repeat)])
        show("gather + PDF with charts, warm (the Board page's button)",
             [timed(lambda: build_pdf(gather(store, settings, "Benchmark Health"), renderer()))[0]
              for _ in range(args.repeat)] if found.available else [float("nan")])
        store.dispose()

        env = {**os.environ, "LEVERAGE_DATABASE_URL": url}
        out = Path(tmp) / "pack.pdf"
        cli = []
        for _ in range(args.repeat):
            seconds, done = timed(lambda: subprocess.run(
                [sys.executable, "-m", "leverage", "boardpack", "--organization", "Benchmark Health", "--out",
                 str(out)], cwd=ROOT, env=env, capture_output=True, text=True, check=True))
            cli.append(seconds)
        show("command line, fresh process (imports + Chromium + pack)", cli)
        print(f"CLI said: {done.stderr.strip().splitlines()[0]}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak:.0f} MB (Chromium runs in its own processes)")


if __name__ == "__main__":
    main()
