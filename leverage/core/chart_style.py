"""The look every chart shares: colour-blind-safe colours, one font, titles that wrap and carry units, a legend
under the plot, and a one-line summary in words.

In core so the survey, comparison and SPC charts draw from one definition (the MDC palette of SPC
charts lives with them in `leverage.aims.icons`). Charts are read on three media (issue 18): a phone (390 px,
where a legend beside or above the plot wraps into it), a projector (large type) and paper (no hover, so no
fact may live only in a tooltip): the legend goes under the plot, and `summary` writes the key figures out.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from functools import partial

import plotly.graph_objects as go
from babel import numbers as babel_numbers

from leverage.core.i18n import _, format_number, language

# Okabe & Ito (2008), safe for the common forms of colour blindness.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
SUPPRESSED_COLOUR = "#f0f0f0"
FONT = {"family": "Source Sans Pro, Arial, sans-serif", "size": 15}
#: A horizontal legend at the bottom of the figure (not of the plot): Plotly reserves the rows it wraps into at
#: any width below the plot and its axis titles, so on a phone it never covers the data.
LEGEND_BELOW = {"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0.0, "x": 0, "xanchor": "left"}

# An empty template: Plotly's named templates cost ~25 ms per figure to validate and serialise, and
# Streamlit's theme styles the chart in the browser anyway.
NO_TEMPLATE = go.layout.Template()
_TAGS = re.compile(r"<[^>]+>")


# Characters per title line: about what a 390 px phone shows of a bold title line (60 were cut off there).
TITLE_WIDTH = 40


def titled_layout(fig: go.Figure, title: str, height: int, title_width: int = TITLE_WIDTH) -> go.Figure:
    """The shared layout with `title` wrapped to `title_width` characters (Plotly never wraps titles)."""
    # Plotly reads a little HTML in text (links, tags): escape names so they show as typed.
    lines = textwrap.wrap(html.escape(title), title_width, break_long_words=False, break_on_hyphens=False)
    fig.update_layout(title={"text": "<br>".join(lines), "x": 0, "xanchor": "left"}, font=FONT,
                      height=height + 22 * (len(lines) - 1),
                      margin={"l": 10, "r": 10, "t": 30 + 22 * len(lines), "b": 60}, template=NO_TEMPLATE,
                      plot_bgcolor="white", legend=LEGEND_BELOW, separators=separators())
    return fig


def separators() -> str:
    """Plotly's decimal and thousands marks in the current language (3,88 in Spanish, 3.88 in English), so the
    numbers a chart writes read like the page around it."""
    return babel_numbers.get_decimal_symbol(language()) + babel_numbers.get_group_symbol(language())


def plain(text: object) -> str:
    """Plotly label text as a person reads it: tags (<br>, <b>) out, entities decoded."""
    return html.unescape(_TAGS.sub(" ", str(text or ""))).replace("  ", " ").strip()


def _number(value: object) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _written(value: float, suffix: str = "") -> str:
    """A value as its axis writes it: whole percentages on a share axis, two decimals on a score axis."""
    return f"{format_number(value, 0)}{suffix}" if suffix.strip() == "%" else f"{format_number(value, 2)}{suffix}"


def _all_text(values: object) -> bool:
    return len(values) > 0 and all(isinstance(v, str) for v in values)


def summary(fig: go.Figure) -> str:
    """One line in words of what a chart shows, for a screen reader and for paper: its title and, for the first
    series with numbers, the highest and lowest value with their labels (bars, profiles) or the latest one (a
    series over time). Withheld values are gaps (NaN) in the data and are never named here."""
    title = plain(fig.layout.title.text) if fig.layout.title and fig.layout.title.text else _("Chart")
    for trace in fig.data:
        if trace.type == "heatmap" and trace.z is not None and trace.x is not None and trace.y is not None:
            cells = [(f"{plain(row)} · {plain(col)}", number) for row, values in zip(trace.y, trace.z, strict=False)
                     for col, v in zip(trace.x, values, strict=False) if (number := _number(v)) is not None]
            if cells:
                top = max(cells, key=lambda c: c[1])
                low = min(cells, key=lambda c: c[1])
                return f"{title}. " + _("highest {top} ({top_value}), lowest {low} ({low_value}).").format(
                    top=top[0], top_value=f"{top[1]:+.2f}", low=low[0], low_value=f"{low[1]:+.2f}")
        if trace.type not in ("bar", "scatter") or trace.x is None or trace.y is None:
            continue
        across = trace.orientation == "h" or _all_text(trace.y)  # the labels are on the y axis
        values, labels = (trace.x, trace.y) if across else (trace.y, trace.x)
        pairs = [(plain(label), number) for label, v in zip(labels, values, strict=False)
                 if (number := _number(v)) is not None]
        if not pairs:
            continue
        axis = fig.layout.xaxis if across else fig.layout.yaxis
        suffix = axis.ticksuffix or ""  # " %" on a share axis: written as the axis writes it
        shown = partial(_written, suffix=suffix)
        series = plain(trace.name) if trace.name else ""
        prefix = f"{title}. {series}: " if series else f"{title}. "
        if not isinstance(labels[0], str):  # dates or numbers along the axis: a series over time
            label, value = pairs[-1]
            return prefix + _("latest {label}: {value}.").format(label=label[:10], value=shown(value))
        top = max(pairs, key=lambda p: p[1])
        low = min(pairs, key=lambda p: p[1])
        return prefix + _("highest {top} ({top_value}), lowest {low} ({low_value}).").format(
            top=top[0], top_value=shown(top[1]), low=low[0], low_value=shown(low[1]))
    return title + "."
