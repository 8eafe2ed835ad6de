"""The look every chart shares: colour-blind-safe colours, one font, titles that wrap and carry units.

In core so the survey, comparison and SPC charts draw from one definition (the MDC palette of SPC
charts lives with them in `leverage.aims.icons`).
"""

from __future__ import annotations

import html
import textwrap

import plotly.graph_objects as go

# Okabe & Ito (2008), safe for the common forms of colour blindness.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
SUPPRESSED_COLOUR = "#f0f0f0"
FONT = {"family": "Source Sans Pro, Arial, sans-serif", "size": 15}

# An empty template: Plotly's named templates cost ~25 ms per figure to validate and serialise, and
# Streamlit's theme styles the chart in the browser anyway.
NO_TEMPLATE = go.layout.Template()


def titled_layout(fig: go.Figure, title: str, height: int, title_width: int = 60) -> go.Figure:
    """The shared layout with `title` wrapped to `title_width` characters (Plotly never wraps titles)."""
    # Plotly reads a little HTML in text (links, tags): escape names so they show as typed.
    lines = textwrap.wrap(html.escape(title), title_width, break_long_words=False, break_on_hyphens=False)
    fig.update_layout(title={"text": "<br>".join(lines), "x": 0, "xanchor": "left"}, font=FONT,
                      height=height + 22 * (len(lines) - 1),
                      margin={"l": 10, "r": 10, "t": 60 + 22 * len(lines), "b": 60}, template=NO_TEMPLATE,
                      plot_bgcolor="white", legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0})
    return fig
