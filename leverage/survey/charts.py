"""Plotly figures for the self-assessment, built from scoring results (never from raw answers).

The same functions serve the app and, later, exported reports. Colours are colour-blind safe
(Okabe–Ito for categories, a single-hue blue ramp for the ordered scale levels), text is large
enough for a projector, and every title carries the units and n.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from leverage.core.chart_style import NO_TEMPLATE, OKABE_ITO, titled_layout
from leverage.core.i18n import _
from leverage.core.i18n import language as current_language
from leverage.survey.instrument import Instrument
from leverage.survey.scoring import OVERALL

LEVEL_COLOURS = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")  # ColorBrewer Blues, light → dark
DONT_KNOW_COLOUR = "#bdbdbd"


def point_label(instrument: Instrument, point_id: str, language: str | None = None, width: int = 38) -> str:
    """'LP3 Channel leadership attention…' short enough for an axis (`language`: default the current one)."""
    if point_id == OVERALL:
        return OVERALL
    title = instrument.text(instrument.point(point_id).title, language or current_language())
    short = title if len(title) <= width else title[: width - 1].rstrip() + "…"
    return html.escape(f"{point_id} {short}")


def point_scores_chart(scores: pd.DataFrame, instrument: Instrument, title: str, language: str | None = None,
                       series: str | None = None) -> go.Figure:
    """Horizontal bars of mean score per leverage point with 95 % intervals.

    `scores` is a `point_scores` result; with `series`, one bar per value of that column (e.g. round or
    "You"/"Organization"). Withheld groups are drawn as an empty labelled slot, never as a bar.
    """
    fig = go.Figure(layout={"template": NO_TEMPLATE})
    groups = [(None, scores)] if series is None else list(scores.groupby(series, sort=False))
    points = [p for p in [*(pt.id for pt in instrument.points), OVERALL] if p in set(scores["leverage_point"])]
    labels = [point_label(instrument, p, language) for p in points]
    for i, (name, frame) in enumerate(groups):
        frame = frame.set_index("leverage_point").reindex(points)
        has_ci = "ci_high" in frame and frame["ci_high"].notna().any()
        status = frame["status"] if "status" in frame else pd.Series("ok", index=frame.index)
        fig.add_trace(go.Bar(
            y=labels, x=frame["mean"], orientation="h",
            name=html.escape(str(name)) if name is not None else _("Mean score"),
            marker_color=OKABE_ITO[i % len(OKABE_ITO)], texttemplate="%{x:.2f}", textposition="inside",
            insidetextanchor="start", textfont={"color": "white"},
            error_x={"type": "data", "symmetric": False, "array": (frame["ci_high"] - frame["mean"]).tolist(),
                     "arrayminus": (frame["mean"] - frame["ci_low"]).tolist(), "color": "#444"} if has_ci else None,
            customdata=frame[["n_respondents"]].to_numpy(),
            hovertemplate="%{y}<br>" + _("mean {mean} (1–5)").format(mean="%{x:.2f}") + "<br>"
                          + _("n = {n} respondents").format(n="%{customdata[0]}") + "<extra>%{fullData.name}</extra>",
        ))
        # A withheld group is labelled where its bar would be, never drawn as data.
        for label, st, n in zip(labels, status, frame["n_respondents"], strict=True):
            if st != "ok":
                who = f"{html.escape(str(name))}: " if name is not None else ""
                note = _("below threshold (n = {n})").format(n=int(n)) if st == "below threshold" else _("no data")
                fig.add_annotation(y=label, x=0.05, xanchor="left", text=f"{who}{note}", showarrow=False,
                                   font={"color": "#555", "size": 13})
    fig.update_xaxes(range=[instrument.scale_min - 1, instrument.scale_max + 0.6], dtick=1,
                     title=_("Mean score (1 = not started … 5 = fully embedded)"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(barmode="group", showlegend=series is not None)
    return titled_layout(fig, title, height=120 + 48 * len(points) * max(1, len(groups)) ** 0.6)


def level_distribution_chart(dist: pd.DataFrame, instrument: Instrument, title: str, language: str | None = None,
                             label_column: str = "leverage_point") -> go.Figure:
    """100 % stacked bars of answers per level (and don't know); withheld rows say so."""
    language = language or current_language()
    rows = dist.copy()
    if label_column == "leverage_point":
        rows["label"] = [point_label(instrument, p, language) for p in rows["leverage_point"]]
    else:
        rows["label"] = rows[label_column].astype(str).map(html.escape)
    fig = go.Figure(layout={"template": NO_TEMPLATE})
    for level, colour in zip(instrument.levels, LEVEL_COLOURS, strict=False):
        col = f"level_{level.value}"
        fig.add_trace(go.Bar(y=rows["label"], x=rows[col] * 100, orientation="h", marker_color=colour,
                             name=f"{level.value} {instrument.text(level.label, language)}",
                             hovertemplate="%{y}<br>" + _("{share} % of answers").format(share="%{x:.0f}")
                             + "<extra>%{fullData.name}</extra>"))
    fig.add_trace(go.Bar(y=rows["label"], x=rows["dont_know"] * 100, orientation="h", marker_color=DONT_KNOW_COLOUR,
                         name=instrument.text(instrument.dont_know, language),
                         hovertemplate="%{y}<br>" + _("{share} % of answers").format(share="%{x:.0f}")
                         + "<extra>%{fullData.name}</extra>"))
    withheld = rows[rows["dont_know"].isna()]
    for label in withheld["label"]:
        fig.add_annotation(y=label, x=50, text=_("below threshold: withheld"), showarrow=False,
                           font={"color": "#555"})
    fig.update_layout(barmode="stack")
    fig.update_xaxes(range=[0, 100], title=_("Share of answers (%)"), ticksuffix=" %")
    fig.update_yaxes(autorange="reversed", automargin=True)
    return titled_layout(fig, title, height=150 + 42 * len(rows))


def heat_table(scores: pd.DataFrame, column: str, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """A group × point table of means as text, "below threshold" where withheld (for st.dataframe)."""
    frame = scores.copy()
    frame["cell"] = [f"{m:.2f}" if pd.notna(m) else (_(s) if s in ("below threshold", "withheld (secondary)")
                                                      else _("no data"))
                     for m, s in zip(frame["mean"], frame["status"], strict=True)]
    table = frame.pivot(index=column, columns="leverage_point", values="cell")
    n = frame.groupby(column)["n_respondents"].max()
    table.insert(0, "n", n)
    if labels:
        table.index = [labels.get(i, i) for i in table.index]
    cols = ["n", *[c for c in [f"LP{i}" for i in range(1, 8)] if c in table.columns]]
    if OVERALL in table.columns:
        cols.append(OVERALL)
    return table[cols]
