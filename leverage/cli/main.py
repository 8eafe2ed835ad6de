"""`python -m leverage`: the parser and the one place errors become exit codes.

Exit codes: 0 success; 2 bad input (one line naming the problem; nothing written); 1 the command
could not finish for another reason (one line; nothing written). Never a traceback, unless
LEVERAGE_DEBUG=1 asks for one.
"""

from __future__ import annotations

import argparse
import os
import sys

from leverage.cli import (
    aims_commands,
    backup_commands,
    db_commands,
    i18n_commands,
    report_commands,
    serve_commands,
    server_commands,
    survey_commands,
    user_commands,
)
from leverage.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE, CliError
from leverage.core.about import __version__
from leverage.core.settings import ConfigError


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (and exit code 2), pointing at --help."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m leverage",
        description="Seven Leadership Leverage Points: demo data, scoring, import, export, SPC charts, board packs, "
                    "users and the database schema.",
        epilog="Store: LEVERAGE_DATABASE_URL (default: SQLite file data/leverage.db).",
    )
    parser.add_argument("--version", action="version", version=f"leverage {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    survey_commands.register(sub)
    aims_commands.register(sub)
    report_commands.register(sub)
    db_commands.register(sub)
    backup_commands.register(sub)
    server_commands.register(sub)
    serve_commands.register(sub)
    user_commands.register(sub)
    i18n_commands.register(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if args.command == "run":  # `run` hands whatever it does not know to `streamlit run`
        args.streamlit_args = [*args.streamlit_args, *unknown]
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return args.func(args)
    except CliError as exc:
        print(f"leverage: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ConfigError as exc:
        print(f"leverage: configuration error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("leverage: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one line, never a traceback (unless asked for)
        # imported only now: the database layer (SQLAlchemy, pandas) costs a command like `score` half a second
        from leverage.core.database import StoreError

        if isinstance(exc, StoreError):  # a write the store refused (its message is in the user's terms)
            print(f"leverage: error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        if os.environ.get("LEVERAGE_DEBUG") == "1":
            raise
        return _failed(exc)


def _failed(exc: Exception) -> int:
    if isinstance(exc, MemoryError):
        print("leverage: error: the input is too large for this machine's memory; nothing was written",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"leverage: error: {where}{exc.strerror or _one_line(exc)}; nothing was written", file=sys.stderr)
        return EXIT_BAD_INPUT
    import sqlalchemy as sa

    if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError):
        print(f"leverage: error: the database cannot be reached ({_one_line(exc.orig or exc)}); check "
              "LEVERAGE_DATABASE_URL", file=sys.stderr)
        return EXIT_FAILURE
    print(f"leverage: internal error ({type(exc).__name__}: {_one_line(exc)}); nothing was written. "
          "Set LEVERAGE_DEBUG=1 to see the traceback.", file=sys.stderr)
    return EXIT_FAILURE
