"""Plotly run and SPC charts of an aim, in Making Data Count colours.

Drawn only from an `AimView` (the same reading as the Board page's icons): data line, points coloured
by their type, centre line and process limits per phase, the target (red), the required path from
baseline to target, the projection with its interval, and every annotation of the aim's register.

Annotations are labelled in a strip above the plot, never over the data: on screen with their words
(staggered into rows so labels do not collide), in print with a number each, listed in words under the chart
by the board pack (`annotation_key`). Every value is written with the aim's one precision
(`AimView.decimals`), and the y axis carries the unit.
"""

from __future__ import annotations

import html
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from leverage.aims.icons import COMMON_CAUSE, POINT_COLOURS, TARGET
from leverage.aims.spc import CHART_NAMES, RULE_SET_NAMES
from leverage.aims.view import AimView, annotation_kind_label, describe_points
from leverage.core.chart_style import FONT, NO_TEMPLATE, separators
from leverage.core.i18n import N_, _
from leverage.core.localized import percent, when

POINT_NAMES = {"common_cause": N_("Common cause"), "improvement": N_("Special cause improvement"),
               "concern": N_("Special cause concern"),
               "neutral": N_("Special cause (neither improvement nor concern)")}
LINE_GREY = "#595959"
PROJECTION_COLOUR = "#0072B2"
ANNOTATION_COLOUR = "#7f7f7f"
LABEL_CHARS = 48  # an annotation's label on screen is cut to this many characters
LABEL_ROWS = 4  # rows of annotation labels above the plot on screen, at most
PRINT_LABEL_ROWS = 3  # in print (numbers, which rarely need a second row)
PRINT_SIZE = (900, 520)  # CSS pixels of the print chart; the board pack draws it 180 mm wide (0.2 mm a pixel)
PRINT_LEGEND_PX = 215  # the print chart's legend column, right of the plot
PRINT_FONT = 13  # px: about 7.4 pt on the page
PRINT_BOTTOM_PX = 84  # x tick labels and axis title, with room: Chromium's PDF sets text lower than its PNG


def _phase_lines(points: pd.DataFrame, column: str) -> tuple[list, list]:
    """x and y for a line per phase, broken (None) between phases so lines never join across a rebase."""
    xs, ys = [], []
    for _phase, phase in points.groupby("phase", sort=True):
        xs += phase["period"].tolist() + [None]
        ys += phase[column].tolist() + [None]
    return xs, ys


def chart_title(view: AimView) -> str:
    aim = view.aim
    n = 0 if view.result is None else len(view.result.points)
    unit = f" ({aim.unit})" if aim.unit else ""
    details = _("{measure} · {chart} · rules: {rules} · n = {n} points").format(
        measure=html.escape(aim.measure) + html.escape(unit), chart=_(CHART_NAMES[aim.chart]),
        rules=RULE_SET_NAMES[aim.rule_set], n=n)
    return f"{html.escape(aim.title)}<br><sup>{details}</sup>"


def axis_title(view: AimView) -> str:
    """The y axis: the unit (what a value is measured in), else the measure's name."""
    return view.aim.unit or view.aim.measure


def _wrapped(text: str, width: int, lines: int = 4) -> str:
    """`text` (escaped) in lines of about `width` characters, at most `lines` of them (the last cut with …):
    a long unit stays beside the plot instead of running past it."""
    rows = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(rows) > lines:
        rows = rows[:lines]
        rows[-1] = rows[-1][:max(width - 1, 1)].rstrip() + "…"
    return "<br>".join(html.escape(r) for r in rows)


def annotation_key(view: AimView) -> list[str]:
    """The print chart's numbered annotations in words: "1 15 Mar 2025: Harm bundle live (New phase)"."""
    notes = view.annotations
    if notes.empty:
        return []
    return [f"{i}  {when(note.on_date)}: {note.label} ({annotation_kind_label(note.kind)})"
            for i, note in enumerate(notes.itertuples(index=False), start=1)]


def _x_range(view: AimView) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The x axis's extent: the data, the path, the projection and the annotations, with a little room."""
    stamps = [view.result.points["period"].min(), view.result.points["period"].max()]
    if not view.path.empty:
        stamps += [view.path["period"].min(), view.path["period"].max()]
    if view.aim.deadline:
        stamps.append(pd.Timestamp(view.aim.deadline))
    if not view.annotations.empty:
        stamps += [view.annotations["on_date"].min(), view.annotations["on_date"].max()]
    low, high = min(stamps), max(stamps)
    pad = max((high - low) * 0.02, pd.Timedelta(days=15))
    return low - pad, high + pad


def _label_rows(lefts: list[float], widths: list[float], plot_px: float, gap: float = 8.0,
                max_rows: int = LABEL_ROWS) -> tuple[list[int], list[bool], list[float]]:
    """Rows (0 nearest the plot), sides and room (pixels) for labels at `lefts` so that none overlaps another.

    Labels are dealt, in order along the axis, over the fewest rows (up to `max_rows`) in which every one fits;
    a label reads to the right of its line, or to the left when the next label of its row is too close. When
    even `max_rows` rows are too few, `room` says how much of a label fits (the caller shortens it).
    """
    order = sorted(range(len(lefts)), key=lambda i: lefts[i])
    plan: tuple[list[int], list[bool], list[float]] = ([], [], [])
    for count in range(1, max_rows + 1):
        plan = _deal(order, lefts, widths, plot_px, gap, count)
        if all(plan[2][i] >= widths[i] for i in order):
            break
    return plan


def _deal(order: list[int], lefts: list[float], widths: list[float], plot_px: float, gap: float,
          count: int) -> tuple[list[int], list[bool], list[float]]:
    n = len(lefts)
    rows, right_side, room = [0] * n, [True] * n, [0.0] * n
    row_end = [-gap] * count  # where the last label of each row ends
    for position, i in enumerate(order):
        row = position % count
        after = order[position + count] if position + count < len(order) else None
        right = (lefts[after] if after is not None else plot_px) - gap - lefts[i]
        left = lefts[i] - row_end[row] - gap
        to_right = widths[i] <= right or right >= left
        fits = min(widths[i], max(right if to_right else left, 0.0))
        rows[i], right_side[i], room[i] = row, to_right, fits
        row_end[row] = lefts[i] + fits if to_right else lefts[i]
    return rows, right_side, room


def aim_chart(view: AimView, height: int = 460, show_projection: bool = True, large: bool = False,
              for_print: bool = False, width: int = 1100, titled: bool = True) -> go.Figure:
    """The full chart of one aim (or an empty chart that says there is no data yet), `height` pixels tall
    (taller on screen when annotation labels need more rows) and, for margins' sake, about `width` wide.

    `for_print` lays it out for a page (the board pack, at `PRINT_SIZE`): no title (the page has it), the
    legend in a column right of the plot, annotations numbered (their words under the chart:
    `annotation_key`), the plot at least 7 cm tall when drawn 180 mm wide. `titled=False` leaves the title
    out on screen too (a slide that has its own).
    """
    titled = titled and not for_print
    aim = view.aim
    fig = go.Figure()
    size = 20 if large else (PRINT_FONT if for_print else FONT["size"])
    font = {**FONT, "size": size}
    number = f",.{view.decimals}f"
    fig.update_layout(font=font, template=NO_TEMPLATE, plot_bgcolor="white", hovermode="closest",
                      separators=separators(),
                      xaxis={"title": _("Period"), "showgrid": False, "linecolor": "#bfbfbf", "automargin": True},
                      yaxis={"title": {"text": _wrapped(axis_title(view), 30), "standoff": 12},
                             "gridcolor": "#eeeeee", "zeroline": False, "tickformat": number, "automargin": True})
    if titled:
        # placed by its bottom just above the annotation strip (`_lay_out` sets the pad): a two-line title
        # anchored by its top is drawn partly above the figure
        fig.update_layout(title={"text": chart_title(view), "x": 0, "xanchor": "left", "xref": "container",
                                 "y": 1.0, "yanchor": "bottom", "yref": "paper"})
    if view.result is None:
        fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 90 if titled else 20, "b": 60})
        fig.add_annotation(text=_("No measurements yet"), showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                           font={"size": 18, "color": COMMON_CAUSE})
        return fig
    points = view.result.points
    run_chart = aim.chart == "run"
    x, y = _phase_lines(points, "centre")
    fig.add_scatter(x=x, y=y, mode="lines", name=_("Median") if run_chart else _("Mean"),
                    line={"color": LINE_GREY, "width": 1.5}, hoverinfo="skip")
    if not run_chart:
        for column, name in (("upper", _("Process limits")), ("lower", None)):
            x, y = _phase_lines(points, column)
            fig.add_scatter(x=x, y=y, mode="lines", name=name or _("Lower limit"), showlegend=name is not None,
                            legendgroup="limits", line={"color": LINE_GREY, "width": 1.2, "dash": "dash"},
                            hoverinfo="skip")
    if not view.path.empty:
        fig.add_scatter(x=view.path["period"], y=view.path["value"], mode="lines+markers", name=_("Required path"),
                        line={"color": TARGET, "width": 1.5, "dash": "dot"}, marker={"size": 6, "symbol": "diamond"},
                        hovertemplate=_("Required path") + f"<br>%{{x|%b %Y}}: %{{y:{number}}}<extra></extra>")
    if aim.target_value is not None:
        end = pd.Timestamp(aim.deadline) if aim.deadline else points["period"].max()
        start = min(points["period"].min(), end)
        fig.add_scatter(x=[start, end], y=[aim.target_value] * 2, mode="lines", name=_("Target at the deadline"),
                        line={"color": TARGET, "width": 2, "dash": "dash"},
                        hovertemplate=_("Target {value}").format(value=view.fmt(aim.target_value))
                        + "<extra></extra>")
    line, band = view.projection.line, view.projection.band
    if show_projection and band is not None and not band.empty:
        level = view.projection.level or 0.9
        fig.add_scatter(x=pd.concat([band["period"], band["period"][::-1]]),
                        y=pd.concat([band["high"], band["low"][::-1]]), fill="toself", mode="lines",
                        line={"width": 0}, fillcolor="rgba(0,114,178,0.12)",
                        name=_("Value at the deadline: {level} interval").format(level=percent(level)).replace(
                            ": ", ":<br>", 1) if for_print else
                        _("Value at the deadline: {level} interval").format(level=percent(level)), hoverinfo="skip")
    if show_projection and line is not None:
        name = _("Projection: {state}").format(state=view.projection.label)
        name = name.replace(": ", ":<br>", 1) if for_print else name
        fig.add_scatter(x=line["period"], y=line["value"], mode="lines", name=name,
                        line={"color": PROJECTION_COLOUR, "width": 1.5, "dash": "dashdot"},
                        hovertemplate=_("Projection") + f" %{{x|%b %Y}}: %{{y:{number}}}<extra></extra>")
    fig.add_scatter(x=points["period"], y=points["value"], mode="lines", name=_("Data"), showlegend=False,
                    line={"color": COMMON_CAUSE, "width": 2}, hoverinfo="skip")
    reasons = describe_points(view)
    for point_type, colour in POINT_COLOURS.items():
        mask = points["point_type"] == point_type
        if not mask.any():
            continue
        chosen = points[mask]
        custom = np.column_stack([reasons[mask].to_numpy(), chosen["centre"].to_numpy(),
                                  chosen["lower"].to_numpy(), chosen["upper"].to_numpy()])
        limits = "" if run_chart else ("<br>" + _("Limits") + f" %{{customdata[2]:{number}}} – "
                                       f"%{{customdata[3]:{number}}}")
        name = _(POINT_NAMES[point_type])
        if for_print and point_type == "neutral":
            name = name.replace(" (", "<br>(", 1) if " (" in name else name
        fig.add_scatter(x=chosen["period"], y=chosen["value"], mode="markers", name=name,
                        marker={"color": colour, "size": 11 if large else 9, "line": {"color": "white", "width": 1}},
                        customdata=custom,
                        hovertemplate=(f"%{{x|%b %Y}}: <b>%{{y:{number}}}</b><br>" + _("Centre")
                                       + f" %{{customdata[1]:{number}}}"
                                       + limits + "<br>%{customdata[0]}<extra></extra>"))
    low, high = _x_range(view)
    fig.update_xaxes(range=[low, high])
    if for_print:
        fig.update_xaxes(title={"text": _("Period (n = {n} points)").format(n=len(points))})
    _lay_out(fig, view, (low, high), height, width, size, for_print, large, titled)
    return fig


def _legend_rows(fig: go.Figure, width: int, size: int) -> int:
    """Rows a horizontal legend of `fig` takes in `width` pixels (Plotly wraps it; the margin must hold them)."""
    rows, used = 1, 0.0
    for trace in fig.data:
        if trace.showlegend is False or not trace.name:
            continue
        entry = len(trace.name) * size * 0.58 + 48
        if used and used + entry > width - 20:
            rows, used = rows + 1, 0.0
        used += entry
    return rows


def _lay_out(fig: go.Figure, view: AimView, x_range: tuple[pd.Timestamp, pd.Timestamp], height: int, width: int,
             size: int, for_print: bool, large: bool, titled: bool) -> None:
    """Margins, legend and the annotation strip above the plot, sized so that nothing is clipped or covered."""
    notes = view.annotations
    left_px, right_px = (90, PRINT_LEGEND_PX) if for_print else (70, 20)
    plot_w = max(width - left_px - right_px, 200)
    span = (x_range[1] - x_range[0]).total_seconds()
    texts, lefts, widths = [], [], []
    cramped = large and height < 500  # a slide's picture: smaller words around the plot, two rows of labels
    label_size = size - (6 if cramped else 1)
    per_char = label_size * 0.6
    for i, note in enumerate(notes.itertuples(index=False), start=1):
        phase = note.kind == "phase"
        fig.add_vline(x=note.on_date, line={"color": LINE_GREY if phase else ANNOTATION_COLOUR,
                                            "width": 2 if phase else 1, "dash": "solid" if phase else "dot"})
        x = (note.on_date - x_range[0]).total_seconds() / span * plot_w
        if for_print:
            text = str(i)
        else:  # the words, cut to the wider side of the line when they would run past the plot
            words = f"{note.label} ({annotation_kind_label(note.kind)})"
            room = max(x, plot_w - x) - 8
            limit = max(8, min(LABEL_CHARS, int(room // per_char)))
            text = words if len(words) <= limit else words[:limit - 1].rstrip() + "…"
        texts.append(text)
        lefts.append(x)
        widths.append(len(text) * per_char + 8)
    max_rows = PRINT_LABEL_ROWS if for_print else (2 if cramped else LABEL_ROWS)
    rows, right_side, room = _label_rows(lefts, widths, plot_w, max_rows=max_rows)
    for k, (text, fits) in enumerate(zip(texts, room, strict=True)):  # shorten what the crowded rows cannot hold
        chars = int((fits - 8) // per_char)
        if chars < len(text):
            texts[k] = str(k + 1) if chars < 4 else text[:chars - 1].rstrip() + "…"
    row_px = label_size * 1.6
    strip = (max(rows) + 1) * row_px if rows else 0
    title_px = int(size * 3.3 + 16) if titled else 0
    top = title_px + strip + 12
    if titled:  # Plotly anchors a two-line title near its last baseline: a line's height of room below it
        fig.update_layout(title={"pad": {"b": int(strip + size + 4), "l": 4}})
    if for_print:
        bottom = PRINT_BOTTOM_PX
        plot_h = height - top - bottom
        fig.update_layout(width=width, height=height,
                          margin={"l": left_px, "r": right_px, "t": int(top), "b": bottom},
                          legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1.0, "yanchor": "top",
                                  "font": {"size": size - 1}, "tracegroupgap": 2})
    else:
        legend_size = size - (6 if cramped else 4 if large else 2)
        legend_rows = _legend_rows(fig, width, legend_size)
        bottom = int(size * 3.4 + legend_rows * legend_size * 1.9)
        plot_h = max(height - top - bottom, 160)
        fig.update_layout(height=int(plot_h + top + bottom), margin={"l": 10, "r": right_px, "t": int(top),
                                                                     "b": bottom},
                          legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0.0,
                                  "x": 0, "font": {"size": legend_size}})
    # the unit in lines that fit the plot's height (a long unit would run past it)
    fig.update_yaxes(title_text=_wrapped(axis_title(view), max(12, int(plot_h / (size * 0.62)))))
    for text, row, to_right, note in zip(texts, rows, right_side, notes.itertuples(index=False), strict=True):
        fig.add_annotation(x=note.on_date, y=1.0 + (row + 0.5) * row_px / plot_h, xref="x", yref="paper",
                           showarrow=False, xanchor="left" if to_right else "right", yanchor="middle",
                           xshift=3 if to_right else -3, text=html.escape(text),
                           font={"size": label_size, "color": "#404040"},
                           hovertext=html.escape(f"{when(note.on_date)}: {note.label} "
                                                 f"({annotation_kind_label(note.kind)})"))
