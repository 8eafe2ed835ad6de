"""Rounds in the order they happened, and which of them came from a live workshop.

A round's date is the day it opened. Rounds read from parquet sources have only a name, so their date is
read from the name when it holds one ("2026 Spring", "Q3 2025", "2025-10", "March 2026"); a name without a
year sorts after the dated ones, by its number if it has one ("Round 2" before "Round 10"), then by name.

A round *from a workshop* is one a live workshop created when it ended (the workshop records the round in
`saved_round_id`, and it named a new round rather than an existing one). Such a round is labelled
"(workshop)" wherever rounds are listed, and is never chosen by default in place of a survey round: the
default round is the latest survey round with responses, and a workshop round only when there is no
survey round at all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

import pandas as pd

from leverage.core.i18n import _

WORKSHOP_SUFFIX = " (workshop)"
MONTHS = {name: i for i, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}
SEASONS = {"winter": 1, "spring": 4, "summer": 7, "autumn": 10, "fall": 10}
_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d|21\d\d)(?!\d)")
_ISO_MONTH = re.compile(r"(?<!\d)(19\d\d|20\d\d|21\d\d)[-/.](0?[1-9]|1[0-2])(?:[-/.](\d{1,2}))?(?!\d)")
_QUARTER = re.compile(r"\bq([1-4])\b")
_HALF = re.compile(r"\bh([12])\b")
_WORD = re.compile(r"[a-z]+")
_NUMBER = re.compile(r"\d+")


def round_label(name: str, from_workshop: bool) -> str:
    """A round's name as lists show it: "(workshop)" after the name of a round a workshop created."""
    return _("{name} (workshop)").format(name=name) if from_workshop else str(name)  # English: name + WORKSHOP_SUFFIX


def mark_workshops(rounds: pd.DataFrame, workshop_ids: Iterable[int]) -> pd.DataFrame:
    """`rounds` (as `Store.list_rounds` gives them) with a boolean column `workshop`."""
    ids = {int(i) for i in workshop_ids}
    return rounds.assign(workshop=rounds["id"].map(lambda i: int(i) in ids).astype(bool))


def default_round(rounds: pd.DataFrame) -> pd.Series | None:
    """The round to show first: the latest survey round with responses, else the latest workshop round with
    responses, else None. `rounds` oldest first, with `respondents` and (optionally) `workshop`."""
    answered = rounds[rounds["respondents"] > 0]
    if answered.empty:
        return None
    from_workshop = answered["workshop"] if "workshop" in answered else pd.Series(False, index=answered.index)
    survey = answered[~from_workshop.astype(bool)]
    return (survey if not survey.empty else answered).iloc[-1]


def date_in_name(name: str) -> dt.date | None:
    """The date a round's name gives (the first of its month), or None when it names no year."""
    text = str(name).casefold()
    iso = _ISO_MONTH.search(text)
    if iso:
        return dt.date(int(iso.group(1)), int(iso.group(2)), 1)
    year = _YEAR.search(text)
    if not year:
        return None
    month = 1
    quarter, half = _QUARTER.search(text), _HALF.search(text)
    if quarter:
        month = 3 * int(quarter.group(1)) - 2
    elif half:
        month = 1 if half.group(1) == "1" else 7
    else:
        for word in _WORD.findall(text):
            if word in MONTHS:
                month = MONTHS[word]
                break
            if word in SEASONS:
                month = SEASONS[word]
                break
    return dt.date(int(year.group(1)), month, 1)


def _name_key(name: str) -> tuple:
    numbers = [int(n) for n in _NUMBER.findall(str(name))[:3]]
    return (*numbers, *([0] * (3 - len(numbers))), str(name).casefold(), str(name))


def round_order(names: Iterable[str], dates: Mapping[str, object] | None = None) -> list[str]:
    """`names` (each once) oldest first: by the date in `dates` (the day a round opened), else the date its
    name gives; rounds with neither come last, in the order of the numbers in their names."""
    dates = dates or {}
    unique = list(dict.fromkeys(str(n) for n in names if n is not None and not pd.isna(n)))

    def key(name: str) -> tuple:
        known = dates.get(name)
        when = pd.Timestamp(known).date() if known is not None and not pd.isna(known) else date_in_name(name)
        return (when is None, when or dt.date.min, _name_key(name))

    return sorted(unique, key=key)
