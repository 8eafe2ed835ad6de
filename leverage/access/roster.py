"""A roster for invitations: an uploaded CSV with one row per person to invite.

Columns (case-insensitive, all optional): `role` (a configured role key or its label), `department` (a
department of the organization, by name). Any other columns (a name, an e-mail address) are kept only
in the browser session, to be handed back beside each link in the CSV and on the QR sheet made right
after; the database never stores them, so a link cannot be traced to a name from the app's data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd

from leverage.core.database import StoreError
from leverage.core.i18n import _

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


@dataclass(frozen=True)
class Roster:
    people: list[tuple[str | None, int | None]]  # (role key, department id) per row
    extra: pd.DataFrame  # the other columns, row for row (never stored)


def read_roster(data: bytes, role_labels: dict[str, str], departments: dict[str, int]) -> Roster:
    """Check every row; StoreError listing the problems (with row numbers) when any row is wrong."""
    if len(data) > MAX_BYTES:
        raise StoreError(_("The roster is larger than {value} MB.").format(value=MAX_BYTES // 1024 // 1024))
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, nrows=MAX_ROWS + 1,
                            encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise StoreError(_("The roster is not a readable CSV file ({value}).").format(
            value=str(exc).splitlines()[0])) from None
    if frame.empty:
        raise StoreError(_("The roster has no rows."))
    if len(frame) > MAX_ROWS:
        raise StoreError(_("The roster has more than {MAX_ROWS:,} rows; split it.").format(MAX_ROWS=MAX_ROWS))
    columns = {c.strip().lower(): c for c in frame.columns}
    by_label = {label.strip().lower(): key for key, label in role_labels.items()}
    by_key = {key.lower(): key for key in role_labels}
    depts = {name.strip().lower(): i for name, i in departments.items()}
    people, problems = [], []
    for n, row in enumerate(frame.itertuples(index=False), start=2):  # row 1 is the header
        values = dict(zip(frame.columns, row, strict=True))
        role_text = values.get(columns.get("role", ""), "").strip() if "role" in columns else ""
        dept_text = values.get(columns.get("department", ""), "").strip() if "department" in columns else ""
        role = by_key.get(role_text.lower()) or by_label.get(role_text.lower()) if role_text else None
        dept = depts.get(dept_text.lower()) if dept_text else None
        if role_text and role is None:
            problems.append(_("row {n}: {role_text!r} is not a configured role").format(n=n, role_text=role_text))
        if dept_text and dept is None:
            problems.append(_("row {n}: {dept_text!r} is not a department of this organization").format(
                                n=n, dept_text=dept_text))
        people.append((role, dept))
    if problems:
        shown = problems[:20] + ([_("… and {n} more").format(n=len(problems) - 20)] if len(problems) > 20 else [])
        raise StoreError(_("The roster was not used; nothing was created:") + "\n"
                         + "\n".join(f"- {p}" for p in shown))
    extra = frame.drop(columns=[columns[c] for c in ("role", "department") if c in columns])
    return Roster(people, extra.reset_index(drop=True))
