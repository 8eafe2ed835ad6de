"""The shared chart look of issue 18: the legend under the plot, and the one-line summary that is each chart's
text alternative (and what paper keeps of its hover text)."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from leverage.core.chart_style import LEGEND_BELOW, plain, summary, titled_layout


def test_plain_drops_tags_and_decodes_entities():
    assert plain("Riverside &amp; Co<br><sup>rate</sup>") == "Riverside & Co rate"


def test_titled_layout_puts_the_legend_at_the_foot_of_the_figure():
    fig = titled_layout(go.Figure(), "A title", height=300)
    assert fig.layout.legend.yref == "container" and fig.layout.legend.y == 0 and fig.layout.legend.yanchor == "bottom"
    assert fig.layout.legend.orientation == LEGEND_BELOW["orientation"] == "h"


def test_summary_of_horizontal_bars_names_highest_and_lowest():
    fig = go.Figure(go.Bar(y=["LP1", "LP2", "LP3"], x=[3.2, 2.05, math.nan], orientation="h", name="Mean score"))
    fig.update_layout(title="Scores<br>n = 10")
    # LP3 is withheld (NaN): never named.
    assert summary(fig) == "Scores n = 10. Mean score: highest LP1 (3.20), lowest LP2 (2.05)."


def test_summary_of_shares_writes_them_as_the_axis_does():
    fig = go.Figure(go.Bar(y=["LP1", "LP2"], x=[12.5, 40.0], orientation="h", name="1 Not started"))
    fig.update_xaxes(ticksuffix=" %")
    assert summary(fig) == "Chart. 1 Not started: highest LP2 (40 %), lowest LP1 (12 %)."  # 12.5 rounds to even


def test_summary_of_a_profile_reads_labels_from_the_y_axis():
    fig = go.Figure(go.Scatter(x=[4.0, 1.5], y=["LP1 Aims", "LP2 Strategy"], mode="markers"))
    assert summary(fig) == "Chart. highest LP1 Aims (4.00), lowest LP2 Strategy (1.50)."


def test_summary_of_a_series_over_time_gives_the_latest_value():
    dates = pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01"])
    fig = go.Figure(go.Scatter(x=dates, y=[1.0, 2.5, 2.25], name="Harm rate"))
    fig.update_layout(title="Harm")
    assert summary(fig) == "Harm. Harm rate: latest 2026-03-01: 2.25."


def test_summary_of_a_heat_map_names_the_extreme_cells():
    fig = go.Figure(go.Heatmap(z=[[0.25, -0.5], [math.nan, 0.1]], x=["LP1", "LP2"], y=["Ward A", "Ward B"]))
    fig.update_layout(title="Differences")
    assert summary(fig) == "Differences. highest Ward A · LP1 (+0.25), lowest Ward A · LP2 (-0.50)."


def test_summary_without_numbers_is_the_title():
    fig = go.Figure(go.Heatmap(z=[[None, None]], x=["a", "b"], y=["c"]))
    fig.update_layout(title="Heat map")
    assert summary(fig) == "Heat map."


def test_charts_write_numbers_with_the_languages_marks():
    """Plotly's separators: decimal mark then thousands mark, so a Spanish chart writes 3,88 and 1.234."""
    import plotly.graph_objects as go

    from leverage.core.chart_style import titled_layout
    from leverage.core.i18n import use_language

    assert titled_layout(go.Figure(), "Scores", 300).layout.separators == ".,"
    with use_language("es"):
        assert titled_layout(go.Figure(), "Puntuaciones", 300).layout.separators == ",."


def test_summary_writes_numbers_in_the_current_language():
    from leverage.core.i18n import use_language

    fig = go.Figure(go.Bar(y=["LP1", "LP2"], x=[3.88, 2.375], orientation="h", name="Media"))
    fig.update_layout(title="Puntuaciones")
    with use_language("es"):
        assert summary(fig) == "Puntuaciones. Media: más alto LP1 (3,88), más bajo LP2 (2,38)."
