"""Plotly figures for comparisons, drawn from the protected tables of `leverage.compare.views` (never from answers).

Withheld cells are drawn as marked gaps (grey, labelled), never coloured as data, and their hover text
carries the count and the reason only. Every chart is a few hundred to a few thousand marks: the tables
are aggregated before they get here.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from leverage.core.chart_style import LEGEND_BELOW, NO_TEMPLATE, OKABE_ITO, SUPPRESSED_COLOUR, titled_layout
from leverage.core.i18n import N_, _
from leverage.survey.suppression import NO_DATA, OK, SECONDARY

# Colour-blind-safe diverging scale (ColorBrewer PuOr): orange below the reference, purple above.
DIVERGING = [[0.0, "#b35806"], [0.25, "#f1a340"], [0.5, "#f7f7f7"], [0.75, "#998ec3"], [1.0, "#542788"]]
WITHHELD_TEXT = {"below threshold": N_("below n"), SECONDARY: N_("withheld"), NO_DATA: ""}
POSITIONS = (N_("above 99.8 %"), N_("below 99.8 %"), N_("above 95 %"), N_("below 95 %"), N_("within"))
MEAN_SCORE = N_("Mean score (1 = not started … 5 = fully embedded)")


def _withheld(status: str) -> str:
    """The word in a withheld cell, in the current language ("" for no data)."""
    word = WITHHELD_TEXT.get(status, status)
    return _(word) if word else ""


def _mean_n(m: float, n: float) -> str:
    return _("mean {mean} (1–5), n = {n}").format(mean=f"{m:.2f}", n=int(n))


def _legend_below(fig: go.Figure, extra: int = 70) -> go.Figure:
    """A legend under the plot and its axis title (at the figure's foot, where Plotly reserves the rows it
    wraps into), with room for two rows of long unit names."""
    fig.update_layout(legend=LEGEND_BELOW, margin={"b": 60 + extra}, height=fig.layout.height + extra)
    return fig


def _e(text: object) -> str:
    return html.escape(str(text))


def _hovers(heads: list[str], mean: np.ndarray, rows: pd.DataFrame, ok: np.ndarray) -> list[str]:
    """Hover text per point: the mean and n when shown, else why it is withheld (never the withheld mean)."""
    return [f"{head}<br>{_mean_n(m, n)}" if k else f"{head}<br>{_reason(s, n)}"
            for head, m, n, s, k in zip(heads, mean, rows["n"].fillna(0), rows["status"].fillna(NO_DATA), ok,
                                        strict=True)]


def _reason(status: str, n: float) -> str:
    if status == SECONDARY:
        return _("withheld so that a smaller group cannot be worked out (n = {n})").format(n=int(n))
    if status == NO_DATA:
        return _("no data")
    return _("below threshold (n = {n})").format(n=int(n))


def heat_map_chart(values: pd.DataFrame, status: pd.DataFrame, n: pd.DataFrame, title: str,
                   value_label: str | None = None, span: float | None = None,
                   column_labels: Mapping[str, str] | None = None) -> go.Figure:
    """Units × columns heat map of differences; withheld cells grey with a label, never coloured."""
    value_label = value_label or _("Difference from the organization mean")
    rows = [str(r) for r in values.index]
    cols = list(values.columns)
    z = values.to_numpy(dtype=float)
    st = status.reindex(index=values.index, columns=cols).fillna(NO_DATA).to_numpy(dtype=object)
    counts = n.reindex(index=values.index, columns=cols).fillna(0).to_numpy(dtype=float)
    shown = st == OK
    z = np.where(shown, z, np.nan)
    span = span or max(0.25, float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 0.25)
    text = np.where(shown, np.vectorize(lambda v: f"{v:+.2f}" if np.isfinite(v) else "")(z),
                    np.vectorize(lambda s: _withheld(s) if s in WITHHELD_TEXT else "")(st))
    hover = np.empty(z.shape, dtype=object)
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            where = f"{_e(rows[i])} · {_e(cols[j])}"
            hover[i, j] = (f"{where}<br>{value_label}: {z[i, j]:+.2f}<br>n = {int(counts[i, j])}" if shown[i, j]
                           else f"{where}<br>{_reason(st[i, j], counts[i, j])}")
    labels = [column_labels.get(c, c) if column_labels else c for c in cols]
    fig = go.Figure(go.Heatmap(
        z=z, x=[_e(c) for c in labels], y=[_e(r) for r in rows], zmid=0, zmin=-span, zmax=span,
        colorscale=DIVERGING, text=text, texttemplate="%{text}", hovertext=hover, hoverinfo="text",
        colorbar={"title": {"text": _("points")}}, xgap=2, ygap=2), layout={"template": NO_TEMPLATE})
    fig.update_layout(plot_bgcolor=SUPPRESSED_COLOUR)
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(side="top")
    titled_layout(fig, title, height=160 + 30 * len(rows))
    fig.update_layout(plot_bgcolor=SUPPRESSED_COLOUR)
    return fig


def profile_chart(frame: pd.DataFrame, series: str, title: str, point_labels: Mapping[str, str]) -> go.Figure:
    """Mean per leverage point, one marker line per series (units, organization, peers); withheld = gap."""
    fig = go.Figure(layout={"template": NO_TEMPLATE})
    points = [p for p in point_labels if p in set(frame["leverage_point"])]
    labels = [point_labels[p] for p in points]
    for i, (name, g) in enumerate(frame.groupby(series, sort=False)):
        g = g.set_index("leverage_point").reindex(points)
        ok = g["status"].eq(OK).to_numpy()
        mean = np.where(ok, g["mean"].to_numpy(dtype=float), np.nan)
        hover = _hovers([f"{_e(name)} · {lab}" for lab in labels], mean, g, ok)
        fig.add_trace(go.Scatter(x=mean, y=labels, mode="lines+markers", name=_e(name),
                                 marker={"size": 11, "color": OKABE_ITO[i % len(OKABE_ITO)]},
                                 line={"width": 2, "color": OKABE_ITO[i % len(OKABE_ITO)]},
                                 hovertext=hover, hoverinfo="text"))
        for lab, k, s in zip(labels, ok, g["status"].fillna(NO_DATA), strict=True):
            if not k and s != NO_DATA:
                fig.add_annotation(x=1.05, y=lab, xanchor="left", showarrow=False, font={"color": "#555", "size": 12},
                                   text=f"{_e(name)}: {_withheld(s)}")
    fig.update_xaxes(range=[1, 5.2], dtick=1, title=_(MEAN_SCORE))
    fig.update_yaxes(autorange="reversed", automargin=True)
    return _legend_below(titled_layout(fig, title, height=170 + 44 * len(points)))


def gap_chart(roles: pd.DataFrame, title: str, point_labels: Mapping[str, str],
              role_labels: Mapping[str, str]) -> go.Figure:
    """Role means per leverage point with 95 % intervals; withheld roles listed, not drawn."""
    fig = go.Figure(layout={"template": NO_TEMPLATE})
    points = [p for p in point_labels if p in set(roles["leverage_point"])]
    labels = [point_labels[p] for p in points]
    for i, (role, g) in enumerate(roles.groupby("role", sort=False)):
        g = g.set_index("leverage_point").reindex(points)
        ok = g["status"].eq(OK).to_numpy()
        mean = np.where(ok, g["mean"].to_numpy(dtype=float), np.nan)
        low = np.where(ok, g["ci_low"].to_numpy(dtype=float), np.nan)
        high = np.where(ok, g["ci_high"].to_numpy(dtype=float), np.nan)
        name = role_labels.get(role, role)
        hover = [f"{_e(name)} · {lab}<br>" + _("mean {mean} (95 % CI {low}–{high}), n = {n}").format(
                     mean=f"{m:.2f}", low=f"{lo:.2f}", high=f"{hi:.2f}", n=int(n)) if k else
                 f"{_e(name)} · {lab}<br>{_reason(s, n)}"
                 for lab, m, lo, hi, n, s, k in zip(labels, mean, low, high, g["n"].fillna(0),
                                                    g["status"].fillna(NO_DATA), ok, strict=True)]
        fig.add_trace(go.Scatter(x=mean, y=labels, mode="markers", name=_e(name), orientation="h",
                                 marker={"size": 11, "color": OKABE_ITO[i % len(OKABE_ITO)]},
                                 error_x={"type": "data", "symmetric": False, "array": high - mean,
                                          "arrayminus": mean - low, "color": OKABE_ITO[i % len(OKABE_ITO)]},
                                 hovertext=hover, hoverinfo="text"))
    fig.update_layout(scattermode="group", scattergap=0.4)  # roles side by side within each point's row
    fig.update_xaxes(range=[1, 5], dtick=1, title=_("Mean score with 95 % interval (1–5)"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    return _legend_below(titled_layout(fig, title, height=170 + 50 * len(points)))


def trend_chart(frame: pd.DataFrame, rounds: list[str], title: str) -> go.Figure:
    """Mean per round, one line per unit; a withheld round is a gap in the line, labelled on hover."""
    fig = go.Figure(layout={"template": NO_TEMPLATE})
    for i, (unit, g) in enumerate(frame.groupby("unit", sort=False)):
        g = g.set_index("round").reindex(rounds)
        ok = g["status"].eq(OK).to_numpy()
        mean = np.where(ok, g["mean"].to_numpy(dtype=float), np.nan)
        hover = _hovers([f"{_e(unit)} · {_e(r)}" for r in rounds], mean, g, ok)
        fig.add_trace(go.Scatter(x=[_e(r) for r in rounds], y=mean, mode="lines+markers", name=_e(unit),
                                 marker={"size": 10, "color": OKABE_ITO[i % len(OKABE_ITO)]},
                                 line={"color": OKABE_ITO[i % len(OKABE_ITO)]}, hovertext=hover, hoverinfo="text"))
    fig.update_yaxes(range=[1, 5], dtick=1, title=_("Mean score (1–5)"))
    fig.update_xaxes(title=_("Round"), type="category")
    return _legend_below(titled_layout(fig, title, height=420))


def funnel_chart(units: pd.DataFrame, curve: pd.DataFrame, title: str) -> go.Figure:
    """Unit means against respondents with 95 % and 99.8 % limits around the parent mean."""
    fig = go.Figure(layout={"template": NO_TEMPLATE})
    if not curve.empty:
        for col, name, dash in [("high_998", _("99.8 % limits"), "solid"), ("low_998", None, "solid"),
                                ("high_95", _("95 % limits"), "dash"), ("low_95", None, "dash")]:
            fig.add_trace(go.Scatter(x=curve["n"], y=curve[col], mode="lines", name=name or col,
                                     showlegend=name is not None, legendgroup=dash, hoverinfo="skip",
                                     line={"color": "#555" if dash == "solid" else "#999", "dash": dash, "width": 1.5}))
        fig.add_trace(go.Scatter(x=curve["n"], y=curve["centre"], mode="lines", name=_("Parent mean"),
                                 line={"color": "#000", "width": 1}, hoverinfo="skip"))
    outside = units["position"].ne("within") if "position" in units else pd.Series(False, index=units.index)
    colour = np.where(outside, OKABE_ITO[5], OKABE_ITO[0])
    hover = [f"{_e(u)}<br>{_mean_n(m, n)}<br>{_e(_(p) if p in POSITIONS else p)}"
             for u, m, n, p in zip(units["unit"], units["mean"], units["n"], units.get("position", ""), strict=False)]
    fig.add_trace(go.Scatter(x=units["n"], y=units["mean"], mode="markers", name=_("Units"),
                             marker={"size": 10, "color": list(colour), "line": {"width": 1, "color": "white"}},
                             hovertext=hover, hoverinfo="text"))
    fig.update_xaxes(title=_("Respondents (n)"), type="log" if len(units) and units["n"].max() > 200 else "linear")
    fig.update_yaxes(title=_("Mean score (1–5)"))
    return _legend_below(titled_layout(fig, title, height=460))
