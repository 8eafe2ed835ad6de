"""What every command shares: the bad-input error, its exit code, and checks of paths, dates and files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

EXIT_OK = 0
EXIT_FAILURE = 1  # the command could not finish (database unreachable, a bug): one line, nothing written
EXIT_BAD_INPUT = 2  # the input was wrong: the message names the problem, nothing was written


class CliError(Exception):
    """Bad input: printed as `leverage: error: ...` with exit code 2."""


def out_path(text: str, suffixes: tuple[str, ...], what: str = "") -> Path:
    """The output path, refused unless it ends in one of `suffixes` or when it names a folder."""
    out = Path(text)
    if out.suffix.lower() not in suffixes:
        options = " or ".join(suffixes)
        raise CliError(f"--out: {out} must end in {options}{what}")
    if out.is_dir():
        raise CliError(f"--out: {out} is a folder; name a file")
    return out


def iso_date(option: str, text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"{option}: {text!r} is not an ISO date (YYYY-MM-DD)") from None


def input_file(text: str, max_mb: int | None = None, folder_ok: bool = False) -> Path:
    """An existing, non-empty input file (or folder when `folder_ok`), at most `max_mb` megabytes."""
    path = Path(text)
    if not path.exists():
        raise CliError(f"{path}: no such file or directory")
    if path.is_dir():
        if not folder_ok:
            raise CliError(f"{path}: is a folder; give a file")
        return path
    size = path.stat().st_size
    if size == 0:
        raise CliError(f"{path}: the file is empty")
    if max_mb is not None and size > max_mb * 1024 * 1024:
        raise CliError(f"{path}: {size / 1024 / 1024:.0f} MB is larger than the limit of {max_mb} MB "
                       "(LEVERAGE_MAX_UPLOAD_MB)")
    return path
