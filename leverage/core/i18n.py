"""Translations and locale formats: every string a person reads goes through `_` (gettext).

The paper is distributed in English and Spanish, so the interface is too. Catalogs are gettext `.po`
files kept in the repository (`leverage/locales/<lang>/LC_MESSAGES/*.po`: `leverage.po` for the strings
of this package, `app.po` for the pages' and widgets'), extracted and updated with Babel (see
docs/i18n.md). They are read straight from the `.po` files with Babel when first needed, so there is no
compiled `.mo` file to fall out of step with its source.

The language is per request, not per process: a Streamlit server runs many sessions in threads, so
the current language lives in a `ContextVar` that each script run sets first (`set_language`), and the
command line and board pack set it for the length of their work (`use_language`). English is the
source language: an English run never looks anything up.

May import: the standard library and Babel only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import cache
from gettext import c2py
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.pofile import read_po

SOURCE_LANGUAGE = "en"
LANGUAGES: tuple[str, ...] = ("en", "es")
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locales"

_current: ContextVar[str] = ContextVar("leverage_language", default=SOURCE_LANGUAGE)


def normalize(language: str | None) -> str | None:
    """A supported language code from a `?lang=` value or an Accept-Language tag ("es-ES" → "es"); None if none."""
    if not language:
        return None
    code = str(language).strip().replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


def preferred(accept_language: str | None) -> str | None:
    """The first supported language of a browser's Accept-Language header, by its q-values."""
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:32]):
        tag, _sep, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        code = normalize(tag)
        if code and q > 0:
            ranked.append((-q, index, code))
    return min(ranked)[2] if ranked else None


def set_language(language: str | None) -> str:
    """Make `language` (or English, when unsupported) the current one for this thread's work; returns it."""
    code = normalize(language) or SOURCE_LANGUAGE
    _current.set(code)
    return code


def language() -> str:
    """The current language code."""
    return _current.get()


@contextlib.contextmanager
def use_language(language: str | None) -> Iterator[str]:
    """Translate in `language` within the block (the board pack, the command line), then restore."""
    token = _current.set(normalize(language) or SOURCE_LANGUAGE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@cache
def catalog(language: str) -> dict[str | tuple[str, str], str | tuple[str, ...]]:
    """Every translated message of `language` from its `.po` files (fuzzy and empty ones left out)."""
    messages: dict[str | tuple[str, str], str | tuple[str, ...]] = {}
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            po = read_po(handle, locale=language)
        for message in po:
            if not message.id or message.fuzzy:
                continue
            if isinstance(message.id, tuple):
                if isinstance(message.string, tuple) and all(message.string):
                    messages[message.id] = message.string
            elif message.string:
                messages[message.id] = message.string
    return messages


def gettext(message: str) -> str:
    """`message` in the current language (itself when English or not yet translated)."""
    code = _current.get()
    if code == SOURCE_LANGUAGE:
        return message
    found = catalog(code).get(message)
    return found if isinstance(found, str) else message


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, by the current language's plural rule."""
    code = _current.get()
    if code != SOURCE_LANGUAGE:
        found = catalog(code).get((singular, plural))
        if isinstance(found, tuple):
            return found[min(plural_rule(code)(abs(int(n))), len(found) - 1)]
    return singular if n == 1 else plural


@cache
def plural_rule(language: str) -> Callable[[int], int]:
    """Which plural form of the `.po` files serves `n`: their own Plural-Forms header (Spanish has three forms
    in CLDR's rule: one, many for whole millions, other), so the index always matches the msgstr[] written."""
    for path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            return c2py(read_po(handle, locale=language).plural_expr)
    return c2py("(n != 1)")


def N_(message: str) -> str:
    """Marks a constant for extraction; translate it with `_` where it is shown."""
    return message


@cache
def _locale(code: str) -> Locale:
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(SOURCE_LANGUAGE)


def format_number(value: float | int, digits: int | None = None) -> str:
    """A number in the current locale (1,234.5 / 1.234,5); `digits` fixes the decimals."""
    pattern = None if digits is None else ("#,##0." + "0" * digits if digits > 0 else "#,##0")
    return babel_numbers.format_decimal(value, format=pattern, locale=_locale(language()))


def format_percent(fraction: float, digits: int = 0) -> str:
    """A fraction as a percentage in the current locale (0.25 → 25 % / 25 %)."""
    locale = _locale(language())
    pattern = locale.percent_formats[None].pattern  # "#,##0%" in English, "#,##0\u00a0%" in Spanish
    if digits > 0:
        pattern = re.sub(r"0(?=[^0#]*%)", "0." + "0" * digits, pattern, count=1)
    return babel_numbers.format_percent(fraction, format=pattern, locale=locale)


def format_date(value: dt.date | dt.datetime, style: str = "medium") -> str:
    """A date in the current locale ("3 Dec 2026" / "3 dic 2026"); `style` is short, medium, long or full."""
    return babel_dates.format_date(value, format=style, locale=_locale(language()))
