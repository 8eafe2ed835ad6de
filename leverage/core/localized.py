"""Numbers and dates written into sentences, in the current language, unchanged in English.

Why not `i18n.format_number`/`format_date` everywhere: English output is the reference that tests, exports and
the board pack's readers already know, written with Python's own formats (`f"{x:,.2f}"`, `%d %b %Y`), which
round and name months slightly differently from Babel in rare cases. So English keeps Python's formats and
every other language gets Babel's (`1.234,5`, `3 dic 2026`).

May import: the standard library and `leverage.core.i18n`.
"""

from __future__ import annotations

import datetime as dt

from leverage.core.i18n import SOURCE_LANGUAGE, format_date, format_number, format_percent, language

# strftime format (English) → Babel pattern (other languages)
DAY = ("%d %b %Y", "d MMM y")  # 03 Dec 2026 / 3 dic 2026
LONG_DAY = ("%d %B %Y", "d 'de' MMMM 'de' y")  # 03 December 2026 / 3 de diciembre de 2026
WEEKDAY = ("%A %d %B %Y", "EEEE, d 'de' MMMM 'de' y")  # Thursday 03 December 2026 / jueves, 3 de diciembre de 2026
MONTH = ("%b %Y", "MMM y")  # Dec 2026 / dic 2026
STAMP = ("%d %b %Y %H:%M", "d MMM y HH:mm")


def fixed(value: float, decimals: int) -> str:
    """`value` with `decimals` decimals and thousands separated, as the current language writes it."""
    if language() == SOURCE_LANGUAGE:
        return f"{value:,.{decimals}f}"
    return format_number(value, decimals)


def when(value: dt.date | dt.datetime, style: tuple[str, str] = DAY) -> str:
    """A date (or a pandas Timestamp) in `style` (DAY, LONG_DAY, WEEKDAY, MONTH, STAMP)."""
    if language() == SOURCE_LANGUAGE:
        return value.strftime(style[0])
    if style is STAMP and isinstance(value, dt.datetime):
        from babel.dates import format_datetime

        return format_datetime(value, style[1], locale=language())
    day = value.date() if isinstance(value, dt.datetime) else value
    return format_date(day, style[1])


def percent(fraction: float) -> str:
    """A whole percentage (0.9 → "90%" in English, "90 %" in Spanish)."""
    if language() == SOURCE_LANGUAGE:
        return f"{fraction:.0%}"
    return format_percent(fraction)
