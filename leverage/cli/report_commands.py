"""`boardpack`: the board paper of one organization as a PDF or a PowerPoint deck."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from leverage.cli.common import CliError, iso_date, out_path

LANGUAGES = ("en", "es")  # leverage.core.i18n.LANGUAGES, not imported: Babel would slow every command's start

PACK_SUFFIXES = (".pdf", ".pptx")


def cmd_boardpack(args: argparse.Namespace) -> int:
    import leverage
    from leverage.core.atomic import replaced_atomically
    from leverage.reports.boardpack.content import BoardPackError, gather
    from leverage.reports.boardpack.render import render_pack

    out = out_path(args.out, PACK_SUFFIXES, " (.pdf the board pack, .pptx the slide deck)")
    as_of = iso_date("--as-of", args.as_of)
    since = iso_date("--since", args.since)
    if as_of is not None and since is not None and since > as_of:
        raise CliError(f"--since {since} is after the data cut-off --as-of {as_of}")
    settings = leverage.load_settings()
    try:
        pack = gather(leverage.open_store(settings), settings, args.organization, as_of=as_of,
                      meeting_date=iso_date("--meeting", args.meeting), period_start=since, round_name=args.round,
                      language=args.lang)
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


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("boardpack", help="the board pack of an organization as PDF (or PowerPoint)",
                       description="Cover, the vital-few summary, a page per aim (chart, projection, questions to "
                                   "ask), the latest self-assessment and the period's workshops. Charts need "
                                   "Chromium (LEVERAGE_CHROMIUM or chromium on PATH); without it they are tables.")
    p.add_argument("--organization", required=True, help="the organization's name")
    p.add_argument("--as-of", metavar="DATE", help="data cut-off: measurements after it are left out (default today)")
    p.add_argument("--meeting", metavar="DATE", help="the meeting's date for the cover (default: the cut-off)")
    p.add_argument("--since", metavar="DATE", help="workshops from this date (default: 92 days before the cut-off)")
    p.add_argument("--round", metavar="NAME", help="the self-assessment round to show (default: the latest survey "
                                                   "round that opened by the cut-off; workshop rounds are labelled)")
    p.add_argument("--no-charts", action="store_true", help="tables in place of charts (no browser needed)")
    p.add_argument("--lang", choices=LANGUAGES, default="en",
                   help="the language the pack is written in (default: en)")
    p.add_argument("--out", required=True, help="output .pdf, or .pptx for a slide deck")
    p.set_defaults(func=cmd_boardpack)
