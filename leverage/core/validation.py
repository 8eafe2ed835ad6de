"""Checks of names and free text before they reach the database, with messages that name the field.

Why here: SQLite stores a too-long or NUL-carrying string silently while PostgreSQL raises a driver
error with SQL in it; checking first gives one clear message, the same on both backends, and nothing
written.
"""

from __future__ import annotations

import re

from leverage.core.database import StoreError
from leverage.core.i18n import _

#: C0 control characters except tab, newline and carriage return (NUL among them: PostgreSQL refuses it).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_name(name: str | None, what: str, max_length: int) -> str:
    """`name` stripped, or StoreError when it is empty, too long or carries control characters."""
    name = (name or "").strip()
    if not name:
        raise StoreError(_("The {what} name is empty.").format(what=what))
    if len(name) > max_length:
        raise StoreError(_("The {what} name is longer than {max_length} characters.").format(
                             what=what, max_length=max_length))
    if _CONTROL.search(name) or "\n" in name or "\r" in name or "\t" in name:
        raise StoreError(_("The {what} name contains a control character (such as a line break or NUL).").format(
                             what=what))
    return name


def has_control_characters(text: str) -> bool:
    """True when `text` holds a character no text field may store (NUL and other C0 controls)."""
    return bool(_CONTROL.search(text))


#: Largest magnitude a measurement, baseline, target or multiplier may have. Beyond it, sums of squares and
#: moving ranges overflow to infinity (1e308 is a float, and a typo away): no real health-care measure
#: comes near it.
MAX_MAGNITUDE = 1e12


def number_problem(value: float | None, field: str) -> str | None:
    """Why `value` cannot be stored in `field` (NaN, infinite, beyond ±MAX_MAGNITUDE), or None when it can."""
    import math

    if value is None:
        return None
    if not math.isfinite(value):
        return f"{field}: {value} is not a number"
    if abs(value) > MAX_MAGNITUDE:
        return f"{field}: {value:g} is beyond ±{MAX_MAGNITUDE:g}"
    return None
