"""Making Data Count colours and summary icons: the one place the Board page, charts and exports get them.

Never red/amber/green: grey is common cause, blue improvement, orange concern, purple neutral (no
direction), red the target line.
"""

from __future__ import annotations

import base64
from functools import cache

from leverage.core.i18n import N_, _, language

COMMON_CAUSE = "#a6a6a6"
IMPROVEMENT = "#00b0f0"
CONCERN = "#e46c0a"
NEUTRAL = "#490092"
TARGET = "#de1b1b"
NO_DATA = "#d9d9d9"
POINT_COLOURS = {"common_cause": COMMON_CAUSE, "improvement": IMPROVEMENT, "concern": CONCERN, "neutral": NEUTRAL}

VARIATION_LABELS = {
    "common_cause": N_("Common cause variation"),
    "improvement_high": N_("Special cause improvement (high)"),
    "improvement_low": N_("Special cause improvement (low)"),
    "concern_high": N_("Special cause concern (high)"),
    "concern_low": N_("Special cause concern (low)"),
    "neutral_high": N_("Special cause (high; no direction set)"),
    "neutral_low": N_("Special cause (low; no direction set)"),
    "neutral": N_("Special cause with no high or low side: 15 or more points hugging the centre line"),
    None: N_("Not enough data for a variation summary"),
}
ASSURANCE_LABELS = {
    "pass": N_("Consistently passes the target"),
    "fail": N_("Consistently fails the target"),
    "hit_and_miss": N_("Hit and miss: the target lies inside the limits"),
    None: N_("No assurance (needs a target, a direction and process limits)"),
}
SIGNAL_LABELS = {
    "outside_limits": N_("a point outside the process limits"),
    "shift": N_("a shift (a long run on one side of the centre line)"),
    "trend": N_("a trend (points each higher, or each lower, than the one before)"),
    "two_of_three": N_("two of three points close to a limit"),
    "inner_third": N_("15 or more points hugging the centre line (inner third)"),
    "long_run": N_("an unusually long run (Anhøj)"),
    "astronomical": N_("an astronomical point (marked by a person)"),
}


def _known(value: object) -> str | None:
    """None for a missing category, whether None, NaN or pandas' NA (tables turn None into NaN)."""
    return value if isinstance(value, str) else None


def variation_colour(variation: str | None) -> str:
    variation = _known(variation)
    if variation is None:
        return NO_DATA
    return POINT_COLOURS[variation.rsplit("_", 1)[0]] if variation != "common_cause" else COMMON_CAUSE


def assurance_colour(assurance: str | None) -> str:
    assurance = _known(assurance)
    return {"pass": IMPROVEMENT, "fail": CONCERN, "hit_and_miss": COMMON_CAUSE}.get(assurance, NO_DATA)


def _circle(colour: str, inner: str, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">'
            f"<title>{title}</title>"
            f'<circle cx="20" cy="20" r="18" fill="{colour}" stroke="#ffffff" stroke-width="2"/>{inner}</svg>')


def _letter(text: str, x: int = 20, size: int = 15) -> str:
    return (f'<text x="{x}" y="25" font-family="Arial, Helvetica, sans-serif" font-size="{size}" '
            f'font-weight="bold" fill="#ffffff" text-anchor="middle">{text}</text>')


def variation_svg(variation: str | None) -> str:
    """An MDC-style variation icon: colour by type, arrow and H/L for the side of the special cause."""
    return _variation_svg(_known(variation), language())


def variation_label(variation: str | None) -> str:
    """The variation icon's meaning in the current language."""
    return _(VARIATION_LABELS[_known(variation)])


def assurance_label(assurance: str | None) -> str:
    """The assurance icon's meaning in the current language."""
    return _(ASSURANCE_LABELS[_known(assurance)])


def signal_label(signal: str) -> str:
    """A rule's signal in words, in the current language (its code when unknown)."""
    return _(SIGNAL_LABELS[signal]) if signal in SIGNAL_LABELS else signal


@cache
def _variation_svg(variation: str | None, lang: str) -> str:  # lang: the cache's key, as the title is translated
    colour, title = variation_colour(variation), variation_label(variation)
    if variation is None:
        return _circle(colour, _letter("–"), title)
    if variation == "common_cause":
        wave = '<path d="M8 22 Q12 12 16 22 T24 22 T32 20" fill="none" stroke="#ffffff" stroke-width="3"/>'
        return _circle(colour, wave, title)
    if variation == "neutral":  # no side: two level strokes (points hugging the centre line), no arrow
        level = ('<path d="M10 17 L30 17 M10 23 L30 23" fill="none" stroke="#ffffff" stroke-width="3" '
                 'stroke-linecap="round"/>')
        return _circle(colour, level, title)
    high = variation.endswith("_high")
    arrow = ('<path d="M12 16 L17 10 L22 16 M17 10 L17 30" fill="none" stroke="#ffffff" stroke-width="3"/>' if high
             else '<path d="M12 24 L17 30 L22 24 M17 30 L17 10" fill="none" stroke="#ffffff" stroke-width="3"/>')
    return _circle(colour, arrow + _letter("H" if high else "L", x=28, size=12), title)


def assurance_svg(assurance: str | None) -> str:
    """An MDC-style assurance icon: P (passes), F (fails), ? (hit and miss), – (none)."""
    return _assurance_svg(_known(assurance), language())


@cache
def _assurance_svg(assurance: str | None, lang: str) -> str:  # lang: the cache's key
    letter = {"pass": "P", "fail": "F", "hit_and_miss": "?"}.get(assurance, "–")
    return _circle(assurance_colour(assurance), _letter(letter, size=18), assurance_label(assurance))


def data_uri(svg: str) -> str:
    """An SVG as a data: URI, for image columns and <img> in exports."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
