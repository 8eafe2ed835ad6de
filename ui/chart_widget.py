"""The one way pages show a chart: the Plotly figure and, under it, its summary in words.

The summary (`leverage.core.chart_style.summary`) is the chart's text alternative for a screen reader and
what paper keeps of its hover text: the title and the key figures written out (issue 18).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from leverage.core.chart_style import summary
from ui.widgets import esc


def show(figure: go.Figure, key: str, config: dict | None = None, text: str | None = None) -> None:
    """Draw `figure` (full width) with its one-line summary as a caption: `text` when the caller knows the key
    figures better than the generic summary (an SPC chart's latest value and projection). The summary quotes
    names from the data, so it is escaped like any user text."""
    st.plotly_chart(figure, key=key, config=config or {"displaylogo": False})
    st.caption(esc(text or summary(figure)))
