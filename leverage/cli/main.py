"""Command line: `python -m leverage {demo,score,import,export,spc,boardpack}`.

Exit codes: 0 success, 2 bad input (the message names the problem; nothing is written), 1 other errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from leverage.core.about import __version__
from leverage.core.columns import GROUP_COLUMNS, RESPONSE_COLUMNS
from leverage.core.settings import DEMO_DIR, ConfigError, load_settings, parse_min_n

EXIT_BAD_INPUT = 2


class CliError(Exception):
    """Bad input: printed as `leverage: error: ...` with exit code 2."""


def _parse_by(text: str) -> list[str]:
    from leverage.core.columns import check_by

    try:
        return check_by([c.strip() for c in text.split(",") if c.strip()])
    except ValueError as exc:
        raise CliError(f"--by: {exc}") from None


def _out_path(text: str) -> Path:
    out = Path(text)
    if out.suffix.lower() not in {".parquet", ".csv"}:
        raise CliError(f"--out: {out} must end in .parquet or .csv")
    return out


def cmd_demo(args: argparse.Namespace) -> int:
    from leverage.demo import survey as demo

    paths = demo.write(Path(args.out))
    for path in paths.values():
        print(f"wrote {path}")
    if args.load:
        from leverage.survey.imports import load_demo
        from leverage.survey.store import Store

        settings = load_settings()
        report = load_demo(Store(settings.database_url), settings, Path(args.out))
        print(f"loaded {report.respondents} respondents ({report.answers} answers) into the store")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    by = _parse_by(args.by)
    try:
        min_n = parse_min_n(str(args.min_n)) if args.strict_min_n else int(args.min_n)
    except (ConfigError, ValueError) as exc:
        raise CliError(f"--min-n: {exc}") from None
    if min_n < 1:
        raise CliError("--min-n must be at least 1")
    out = _out_path(args.out)
    result = None
    if args.engine in ("auto", "duckdb"):
        from leverage.survey import score_duckdb

        if not score_duckdb.available():
            if args.engine == "duckdb":
                raise CliError("--engine duckdb: the duckdb package is not installed")
        elif out.suffix.lower() == ".parquet":
            rows = score_duckdb.write_score_parquet(args.input, by, min_n, out)
            if rows is not None:
                print(f"wrote {rows} rows to {out}", file=sys.stderr)
                return 0
        else:
            result = score_duckdb.score_parquet(args.input, by, min_n)
    if result is None:  # CSV, other types, or invalid rows: the pyarrow engine names any problem
        from leverage.survey.responses import ResponseDataError, normalise_table, read_table
        from leverage.survey.scoring import score_table

        try:
            table = normalise_table(read_table(args.input, list(RESPONSE_COLUMNS), dictionary=True), str(args.input))
        except ResponseDataError as exc:
            raise CliError(str(exc)) from None
        result = score_table(table, by, min_n)
    _write_atomic(result, out)
    print(f"wrote {result.num_rows} rows to {out}", file=sys.stderr)
    return 0


def _write_atomic(table, out: Path) -> None:
    """Parquet without loading pandas (the fast path stays fast); CSV through the formula-safe writer."""
    if out.suffix.lower() == ".csv":
        from leverage.survey.responses import write_table_atomic

        write_table_atomic(table, out)
        return
    import pyarrow.parquet as pq

    from leverage.core.atomic import replaced_atomically

    with replaced_atomically(out) as tmp:
        pq.write_table(table, tmp)


def cmd_import(args: argparse.Namespace) -> int:
    from leverage.core.database import StoreError
    from leverage.survey.imports import check_responses, import_responses
    from leverage.survey.store import Store

    settings = load_settings()
    store = Store(settings.database_url)
    check = check_responses(args.input, store, settings)
    if not check.ok:
        lines = "\n".join(f"  {p}" for p in check.problems)
        raise CliError(f"{args.input}: nothing imported; {len(check.problems)} problem(s):\n{lines}")
    try:
        report = import_responses(check, store)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    print(f"imported {report.respondents} respondents, {report.answers} answers "
          f"({report.organizations} new organizations, {report.rounds} new rounds, "
          f"{report.departments} new departments)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from leverage.survey.responses import write_table_atomic
    from leverage.survey.store import Store

    settings = load_settings()
    store = Store(settings.database_url)
    out = _out_path(args.out)
    org_id = None
    if args.organization:
        orgs = store.list_organizations()
        match = orgs[orgs["name"] == args.organization]
        if match.empty:
            raise CliError(f"--organization: no organization called {args.organization!r}")
        org_id = int(match["id"].iloc[0])
    frame = store.responses(organization_id=org_id)
    if args.round:
        if args.round not in set(frame["round"]):
            raise CliError(f"--round: no round called {args.round!r}")
        frame = frame[frame["round"] == args.round]
    write_table_atomic(frame, out)
    print(f"wrote {len(frame)} answers to {out}", file=sys.stderr)
    return 0


def _iso_date(option: str, text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"{option}: {text!r} is not an ISO date (YYYY-MM-DD)") from None


def cmd_spc(args: argparse.Namespace) -> int:
    import json

    import pandas as pd

    from leverage.aims.measurements import MeasurementError, check_series, kind_for_chart, read_frame
    from leverage.aims.spc import DEFAULT_RULES, SpcError, analyse
    from leverage.core.atomic import replaced_atomically

    out = Path(args.out)
    if out.suffix.lower() != ".json":
        raise CliError(f"--out: {out} must end in .json")
    if args.baseline_points is not None and args.baseline_points < 1:
        raise CliError("--baseline-points must be at least 1")
    phase_starts = [pd.Timestamp(_iso_date("--phase-start", text)) for text in args.phase_start or []]
    try:
        series = check_series(read_frame(Path(args.input)), kind_for_chart(args.chart), str(args.input))
        result = analyse(series, chart=args.chart, rules=args.rules or DEFAULT_RULES[args.chart],
                         direction=args.direction, target=args.target, baseline_points=args.baseline_points,
                         phase_starts=phase_starts, screen_moving_ranges=args.screen_moving_ranges)
    except FileNotFoundError:
        raise CliError(f"{args.input}: no such file") from None
    except (MeasurementError, SpcError) as exc:
        raise CliError(str(exc)) from None
    with replaced_atomically(out) as tmp:
        Path(tmp).write_text(json.dumps(result.to_json_dict(), indent=1, allow_nan=False), encoding="utf-8")
    summary = result.summary
    print(f"wrote {summary['points']} points to {out}: variation {summary['variation']}, "
          f"assurance {summary['assurance']}", file=sys.stderr)
    return 0


def cmd_boardpack(args: argparse.Namespace) -> int:
    from leverage.core.atomic import replaced_atomically
    from leverage.reports.boardpack.content import BoardPackError, gather
    from leverage.reports.boardpack.render import MIME, render_pack
    from leverage.survey.store import Store

    out = Path(args.out)
    if out.suffix.lower() not in MIME:
        raise CliError(f"--out: {out} must end in .pdf (the board pack) or .pptx (the slide deck)")
    as_of = _iso_date("--as-of", args.as_of)
    settings = load_settings()
    try:
        pack = gather(Store(settings.database_url), settings, args.organization, as_of=as_of,
                      meeting_date=_iso_date("--meeting", args.meeting), period_start=_iso_date("--since", args.since))
    except BoardPackError as exc:
        raise CliError(str(exc)) from None
    made = render_pack(pack, out.suffix.lower(), charts=not args.no_charts)
    with replaced_atomically(out) as tmp:
        Path(tmp).write_bytes(made.data)
    print(f"wrote the board pack of {pack.organization} ({len(pack.views)} aims, data cut-off {pack.cut_off}, "
          f"{made.summary}) to {out}", file=sys.stderr)
    if made.chart_note:
        print(f"note: charts are shown as tables: {made.chart_note}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m leverage",
        description="Seven Leadership Leverage Points: demo data, scoring, import, export and SPC charts.",
        epilog="Store: LEVERAGE_DATABASE_URL (default: SQLite file data/leverage.db).",
    )
    parser.add_argument("--version", action="version", version=f"leverage {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="write the deterministic demo dataset as parquet",
                       description="Write the seeded synthetic demo dataset as parquet files.")
    p.add_argument("--out", default=str(DEMO_DIR), help="folder to write to (default: data/demo)")
    p.add_argument("--load", action="store_true", help="also load it into the (empty) store")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("score", help="score long-format responses per group and leverage point",
                       description="One row per group x leverage point: the --by columns, leverage_point, "
                                   "n_respondents, mean, sd, suppressed. Groups below --min-n keep n but lose "
                                   "mean and sd.")
    p.add_argument("input", help="parquet file, or folder of parquet files (hive partitions allowed)")
    p.add_argument("--by", default="", help=f"comma-separated subset of {','.join(GROUP_COLUMNS)} (default: one group)")
    p.add_argument("--min-n", default=5, type=int, help="anonymity threshold (default 5)")
    p.add_argument("--strict-min-n", action="store_true", help="refuse a threshold outside 3-10")
    p.add_argument("--engine", default="auto", choices=("auto", "duckdb", "pyarrow"),
                   help="auto: DuckDB for valid parquet input, pyarrow otherwise (same results)")
    p.add_argument("--out", required=True, help="output .parquet or .csv")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("import", help="import responses (parquet or CSV) into the store, all or nothing",
                       description="Validate every row; write nothing unless all rows are valid.")
    p.add_argument("input", help="parquet or CSV file in the long response format")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export responses from the store as parquet or CSV")
    p.add_argument("--organization", help="only this organization")
    p.add_argument("--round", help="only this round")
    p.add_argument("--out", required=True, help="output .parquet or .csv")
    p.set_defaults(func=cmd_export)

    from leverage.aims.spc_settings import CHARTS, DIRECTIONS, RULE_SETS

    p = sub.add_parser("spc", help="run chart or SPC chart of a measurement series, as JSON",
                       description="Points (centre, limits, signals, point type) and the summary (runs, MDC "
                                   "variation and assurance). Defaults: run -> ihi rules, xmr/p/u -> mdc.")
    p.add_argument("input", help="CSV, parquet or .xlsx with period and value (or numerator, denominator)")
    p.add_argument("--chart", required=True, choices=CHARTS)
    p.add_argument("--rules", choices=RULE_SETS, help="rule set (default: ihi on run charts, mdc otherwise)")
    p.add_argument("--direction", default="none", choices=DIRECTIONS, help="direction of improvement")
    p.add_argument("--target", type=float, help="target value (for assurance)")
    p.add_argument("--baseline-points", type=int, help="freeze each phase's centre and limits on its first K points")
    p.add_argument("--phase-start", action="append", metavar="DATE", help="start a new phase at DATE (repeatable)")
    p.add_argument("--screen-moving-ranges", action="store_true",
                   help="XmR: drop moving ranges above 3.267 x mean and recompute once")
    p.add_argument("--out", required=True, help="output .json")
    p.set_defaults(func=cmd_spc)

    p = sub.add_parser("boardpack", help="the board pack of an organization as PDF (or PowerPoint)",
                       description="Cover, the vital-few summary, a page per aim (chart, projection, questions to "
                                   "ask), the latest self-assessment and the period's workshops. Charts need "
                                   "Chromium (LEVERAGE_CHROMIUM or chromium on PATH); without it they are tables.")
    p.add_argument("--organization", required=True, help="the organization's name")
    p.add_argument("--as-of", metavar="DATE", help="data cut-off: measurements after it are left out (default today)")
    p.add_argument("--meeting", metavar="DATE", help="the meeting's date for the cover (default: the cut-off)")
    p.add_argument("--since", metavar="DATE", help="workshops from this date (default: 92 days before the cut-off)")
    p.add_argument("--no-charts", action="store_true", help="tables in place of charts (no browser needed)")
    p.add_argument("--out", required=True, help="output .pdf, or .pptx for a slide deck")
    p.set_defaults(func=cmd_boardpack)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        print(f"leverage: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ConfigError as exc:
        print(f"leverage: configuration error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
