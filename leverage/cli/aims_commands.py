"""`spc`: a run or SPC chart of a measurement series as JSON, the stable contract other tools read."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from leverage.aims.spc_settings import CHARTS, DEFAULT_RULES, DIRECTIONS, RULE_SETS, rules_problem
from leverage.cli.common import CliError, input_file, iso_date, out_path
from leverage.core.settings import load_settings


def cmd_spc(args: argparse.Namespace) -> int:
    import json

    import pandas as pd

    import leverage
    from leverage.aims.measurements import MeasurementError, check_series, kind_for_chart, read_frame
    from leverage.aims.spc import SpcError
    from leverage.aims.view import project_result
    from leverage.core.atomic import replaced_atomically

    out = out_path(args.out, (".json",))
    rules = args.rules or DEFAULT_RULES[args.chart]
    problem = rules_problem(args.chart, rules)
    if problem:
        raise CliError(f"--rules {rules}: {problem}")
    if args.baseline_points is not None and args.baseline_points < 1:
        raise CliError("--baseline-points must be at least 1")
    phase_starts = [pd.Timestamp(iso_date("--phase-start", text)) for text in args.phase_start or []]
    deadline = iso_date("--deadline", args.deadline)
    if deadline is not None and args.target is None:
        raise CliError("--deadline needs --target: the projection says whether the target is met by the deadline")
    settings = load_settings()
    source = input_file(args.input, max_mb=settings.max_upload_mb)
    try:
        series = check_series(read_frame(source, settings.max_upload_rows), kind_for_chart(args.chart), str(source))
        result = leverage.analyse(series, chart=args.chart, rules=rules,
                                  direction=args.direction, target=args.target, baseline_points=args.baseline_points,
                                  phase_starts=phase_starts, screen_moving_ranges=args.screen_moving_ranges)
    except (MeasurementError, SpcError) as exc:
        raise CliError(str(exc)) from None
    doc = result.to_json_dict()
    projected = ""
    if deadline is not None:
        projection = project_result(result, args.target, deadline, args.direction, run_chart=args.chart == "run")
        doc["projection"] = projection.to_json()
        projected = f", projection {projection.state}"
    with replaced_atomically(out) as tmp:
        Path(tmp).write_text(json.dumps(doc, indent=1, allow_nan=False), encoding="utf-8")
    summary = result.summary
    print(f"wrote {summary['points']} points to {out}: variation {summary['variation']}, "
          f"assurance {summary['assurance']}{projected}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("spc", help="run chart or SPC chart of a measurement series, as JSON",
                       description="Points (centre, limits, signals, point type) and the summary (runs, MDC "
                                   "variation and assurance); with --target and --deadline, the projection too. "
                                   "Defaults: run -> ihi rules, xmr/p/u -> mdc (mdc is refused on a run chart).")
    p.add_argument("input", help="CSV, parquet or .xlsx with period and value (or numerator, denominator)")
    p.add_argument("--chart", required=True, choices=CHARTS)
    p.add_argument("--rules", choices=RULE_SETS, help="rule set (default: ihi on run charts, mdc otherwise)")
    p.add_argument("--direction", default="none", choices=DIRECTIONS, help="direction of improvement")
    p.add_argument("--target", type=float, help="target value (for assurance, and the projection's target)")
    p.add_argument("--deadline", metavar="DATE",
                   help="with --target and --direction: add the projection to the deadline (state, estimate, "
                        "90 %% prediction interval, method)")
    p.add_argument("--baseline-points", type=int, help="freeze each phase's centre and limits on its first K points")
    p.add_argument("--phase-start", action="append", metavar="DATE", help="start a new phase at DATE (repeatable)")
    p.add_argument("--screen-moving-ranges", action="store_true",
                   help="XmR: drop moving ranges above 3.267 x mean and recompute once")
    p.add_argument("--out", required=True, help="output .json")
    p.set_defaults(func=cmd_spc)
