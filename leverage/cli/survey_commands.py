"""`demo`, `score`, `import` and `export`: the self-assessment's data in and out of the store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from leverage.cli.common import CliError, input_file, out_path
from leverage.core.columns import GROUP_COLUMNS, RESPONSE_COLUMNS
from leverage.core.settings import DEMO_DIR, ConfigError, load_settings, parse_min_n

TABLE_SUFFIXES = (".parquet", ".csv")


def _parse_by(text: str) -> list[str]:
    from leverage.core.columns import check_by

    try:
        return check_by([c.strip() for c in text.split(",") if c.strip()])
    except ValueError as exc:
        raise CliError(f"--by: {exc}") from None


def cmd_demo(args: argparse.Namespace) -> int:
    import leverage
    from leverage.demo import survey as demo

    settings = load_settings() if args.load else None
    if args.load:  # refuse before writing any file: the demo only goes into an empty store
        store = leverage.open_store(settings)
        if not store.is_empty():
            raise CliError("--load: the store already holds data; the demo data is only loaded into an empty "
                           "store (point LEVERAGE_DATABASE_URL at a new database, or leave out --load)")
    paths = demo.write(Path(args.out))
    for path in paths.values():
        print(f"wrote {path}")
    if args.load:
        report = leverage.load_demo(store, settings, Path(args.out))
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
    out = out_path(args.out, TABLE_SUFFIXES)
    source = input_file(args.input, folder_ok=True)
    finest = _finest_groups(source, args.engine)
    # One withheld set per release, whatever --by: decided on the finest groups, then rolled up.
    from leverage.survey.published_scores import publish

    result = publish(finest, by, min_n)
    _write_table(result, out)
    print(f"wrote {result.num_rows} rows to {out}", file=sys.stderr)
    return 0


def _finest_groups(source: Path, engine: str):
    """Scores per organization × department × role × round × point with no threshold (either engine)."""
    finest = list(GROUP_COLUMNS)
    if engine in ("auto", "duckdb"):
        from leverage.survey import score_duckdb

        if not score_duckdb.available():
            if engine == "duckdb":
                raise CliError("--engine duckdb: the duckdb package is not installed")
        else:
            result = score_duckdb.score_parquet(source, finest, 1)
            if result is not None:
                return result
    # CSV, other types, or invalid rows: the pyarrow engine names any problem
    from leverage.survey.responses import ResponseDataError, normalise_table, read_table
    from leverage.survey.scoring import score_table

    try:
        table = normalise_table(read_table(source, list(RESPONSE_COLUMNS), dictionary=True), str(source))
    except ResponseDataError as exc:
        raise CliError(str(exc)) from None
    if table.num_rows == 0:
        raise CliError(f"{source}: no answers to score (the file has a header and no rows)")
    return score_table(table, finest, 1)


def _write_table(table, out: Path) -> None:
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
    import leverage

    settings = load_settings()
    source = input_file(args.input, max_mb=settings.max_upload_mb)
    if source.suffix.lower() not in (".parquet", ".csv"):
        raise CliError(f"{source}: import a .parquet or .csv file in the long response format")
    store = leverage.open_store(settings)
    check = leverage.check_responses(source, store, settings)
    if not check.ok:
        lines = "\n".join(f"  {p}" for p in check.problems)
        raise CliError(f"{source}: nothing imported; {len(check.problems)} problem(s):\n{lines}")
    report = leverage.import_responses(check, store)
    print(f"imported {report.respondents} respondents, {report.answers} answers "
          f"({report.organizations} new organizations, {report.rounds} new rounds, "
          f"{report.departments} new departments)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import leverage
    from leverage.survey.responses import write_table_atomic

    out = out_path(args.out, TABLE_SUFFIXES)
    store = leverage.open_store()
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


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="write the deterministic demo dataset as parquet",
                       description="Write the seeded synthetic demo dataset as parquet files.")
    p.add_argument("--out", default=str(DEMO_DIR), help="folder to write to (default: data/demo)")
    p.add_argument("--load", action="store_true", help="also load it into the (empty) store")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("score", help="score long-format responses per group and leverage point",
                       description="One row per group x leverage point: the --by columns, leverage_point, "
                                   "n_respondents, mean, sd, suppressed. Groups below --min-n keep n but lose "
                                   "mean and sd, and so do the groups withheld to protect them: every --by "
                                   "publishes from one withheld set per organization and round. Groups "
                                   "across organizations or rounds count only their published groups.")
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
