"""Plotly run and SPC charts of an aim, in Making Data Count colours.

Drawn only from an `AimView` (the same reading as the Board page's icons): data line, points coloured
by their type, centre line and process limits per phase, the target (red), the required path from
baseline to target, the projection with its interval, and every annotation of the aim's register.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from leverage.aims.icons import COMMON_CAUSE, POINT_COLOURS, TARGET
from leverage.aims.spc import CHART_NAMES, RULE_SET_NAMES
from leverage.aims.view import AimView, annotation_kind_label, describe_points
from leverage.core.chart_style import FONT, NO_TEMPLATE

POINT_NAMES = {"common_cause": "Common cause", "improvement": "Special cause improvement",
               "concern": "Special cause concern", "neutral": "Special cause (neither improvement nor concern)"}
LINE_GREY = "#595959"
PROJECTION_COLOUR = "#0072B2"
ANNOTATION_COLOUR = "#7f7f7f"


def _phase_lines(points: pd.DataFrame, column: str) -> tuple[list, list]:
    """x and y for a line per phase, broken (None) between phases so lines never join across a rebase."""
    xs, ys = [], []
    for _, phase in points.groupby("phase", sort=True):
        xs += phase["period"].tolist() + [None]
        ys += phase[column].tolist() + [None]
    return xs, ys


def chart_title(view: AimView) -> str:
    aim = view.aim
    n = 0 if view.result is None else len(view.result.points)
    unit = f" ({aim.unit})" if aim.unit else ""
    return (f"{html.escape(aim.title)}<br><sup>{html.escape(aim.measure)}{html.escape(unit)} · "
            f"{CHART_NAMES[aim.chart]} · rules: {RULE_SET_NAMES[aim.rule_set]} · n = {n} points</sup>")


def aim_chart(view: AimView, height: int = 460, show_projection: bool = True, large: bool = False) -> go.Figure:
    """The full chart of one aim (or an empty chart that says there is no data yet)."""
    aim = view.aim
    fig = go.Figure()
    font = {**FONT, "size": 20 if large else FONT["size"]}
    fig.update_layout(title={"text": chart_title(view), "x": 0, "xanchor": "left"}, font=font, height=height,
                      template=NO_TEMPLATE, plot_bgcolor="white", hovermode="closest",
                      margin={"l": 10, "r": 10, "t": 90, "b": 110},
                      legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0},
                      xaxis={"title": "Period", "showgrid": False, "linecolor": "#bfbfbf"},
                      yaxis={"title": html.escape(aim.unit or aim.measure), "gridcolor": "#eeeeee",
                             "zeroline": False})
    if view.result is None:
        fig.add_annotation(text="No measurements yet", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                           font={"size": 18, "color": COMMON_CAUSE})
        return fig
    points = view.result.points
    run_chart = aim.chart == "run"
    x, y = _phase_lines(points, "centre")
    fig.add_scatter(x=x, y=y, mode="lines", name="Median" if run_chart else "Mean",
                    line={"color": LINE_GREY, "width": 1.5}, hoverinfo="skip")
    if not run_chart:
        for column, name in (("upper", "Process limits"), ("lower", None)):
            x, y = _phase_lines(points, column)
            fig.add_scatter(x=x, y=y, mode="lines", name=name or "Lower limit", showlegend=name is not None,
                            legendgroup="limits", line={"color": LINE_GREY, "width": 1.2, "dash": "dash"},
                            hoverinfo="skip")
    if not view.path.empty:
        fig.add_scatter(x=view.path["period"], y=view.path["value"], mode="lines+markers", name="Required path",
                        line={"color": TARGET, "width": 1.5, "dash": "dot"}, marker={"size": 6, "symbol": "diamond"},
                        hovertemplate="Required path<br>%{x|%b %Y}: %{y:.3g}<extra></extra>")
    if aim.target_value is not None:
        end = pd.Timestamp(aim.deadline) if aim.deadline else points["period"].max()
        start = min(points["period"].min(), end)
        fig.add_scatter(x=[start, end], y=[aim.target_value] * 2, mode="lines", name="Target",
                        line={"color": TARGET, "width": 2, "dash": "dash"},
                        hovertemplate=f"Target {aim.target_value:g}<extra></extra>")
    line, band = view.projection.line, view.projection.band
    if show_projection and band is not None and not band.empty:
        level = view.projection.level or 0.9
        fig.add_scatter(x=pd.concat([band["period"], band["period"][::-1]]),
                        y=pd.concat([band["high"], band["low"][::-1]]), fill="toself", mode="lines",
                        line={"width": 0}, fillcolor="rgba(0,114,178,0.12)",
                        name=f"Value at the deadline: {level:.0%} interval", hoverinfo="skip")
    if show_projection and line is not None:
        fig.add_scatter(x=line["period"], y=line["value"], mode="lines", name=f"Projection: {view.projection.label}",
                        line={"color": PROJECTION_COLOUR, "width": 1.5, "dash": "dashdot"},
                        hovertemplate="Projection %{x|%b %Y}: %{y:.3g}<extra></extra>")
    fig.add_scatter(x=points["period"], y=points["value"], mode="lines", name="Data", showlegend=False,
                    line={"color": COMMON_CAUSE, "width": 2}, hoverinfo="skip")
    reasons = describe_points(view)
    for point_type, colour in POINT_COLOURS.items():
        mask = points["point_type"] == point_type
        if not mask.any():
            continue
        chosen = points[mask]
        custom = np.column_stack([reasons[mask].to_numpy(), chosen["centre"].to_numpy(),
                                  chosen["lower"].to_numpy(), chosen["upper"].to_numpy()])
        limits = "" if run_chart else "<br>Limits %{customdata[2]:.3g} – %{customdata[3]:.3g}"
        fig.add_scatter(x=chosen["period"], y=chosen["value"], mode="markers", name=POINT_NAMES[point_type],
                        marker={"color": colour, "size": 11 if large else 9, "line": {"color": "white", "width": 1}},
                        customdata=custom,
                        hovertemplate=("%{x|%b %Y}: <b>%{y:.3g}</b><br>Centre %{customdata[1]:.3g}" + limits
                                       + "<br>%{customdata[0]}<extra></extra>"))
    _draw_annotations(fig, view)
    return fig


def _draw_annotations(fig: go.Figure, view: AimView) -> None:
    notes = view.annotations
    if notes.empty:
        return
    for i, note in enumerate(notes.itertuples(index=False)):
        phase = note.kind == "phase"
        fig.add_vline(x=note.on_date, line={"color": LINE_GREY if phase else ANNOTATION_COLOUR,
                                            "width": 2 if phase else 1, "dash": "solid" if phase else "dot"})
        fig.add_annotation(x=note.on_date, y=1.0 - 0.07 * (i % 4), xref="x", yref="paper", showarrow=False,
                           xanchor="left", yanchor="top", bgcolor="rgba(255,255,255,0.8)",
                           text=html.escape(f"{note.label} ({annotation_kind_label(note.kind)})"),
                           font={"size": 12, "color": "#404040"})
