"""Widgets the Aims and Board pages share: an aim's chart with its reading, icons and questions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from leverage.aims.charts import aim_chart, chart_title
from leverage.aims.icons import (
    ASSURANCE_LABELS,
    VARIATION_LABELS,
    assurance_svg,
    data_uri,
    variation_svg,
)
from leverage.aims.projection import METHOD
from leverage.aims.register import CADENCE_LABELS, register_evidence
from leverage.aims.spc import CHART_NAMES, RULE_SET_NAMES
from leverage.aims.view import AimView, questions_to_ask
from leverage.core.chart_style import plain
from leverage.core.i18n import _, format_date, format_number
from ui import aim_state, chart_widget, state
from ui.widgets import chart_downloads, esc


def icons(view: AimView, size: int = 40) -> None:
    """The variation and assurance icons with their meaning in words (never colour alone)."""
    c1, c2 = st.columns(2)
    variation_label, assurance_label = _(VARIATION_LABELS[view.variation]), _(ASSURANCE_LABELS[view.assurance])
    c1.image(data_uri(variation_svg(view.variation)), width=size,
             alt=_("Variation icon: {label}").format(label=variation_label))
    c1.caption(_("**Variation:** {label}").format(label=variation_label))
    c2.image(data_uri(assurance_svg(view.assurance)), width=size,
             alt=_("Assurance icon: {label}").format(label=assurance_label))
    c2.caption(_("**Assurance:** {label}").format(label=assurance_label))


def chart_text(view: AimView) -> str:
    """The SPC chart in one line: its title, the latest value, the target now and the projection (what the
    chart shows, for a screen reader and for paper)."""
    latest = view.latest
    title = plain(chart_title(view))
    if not latest:
        return _("{title}: no measurements yet.").format(title=title)
    return _("{title}. Latest ({period}): {value}; target now: {target}; projection: {projection}.").format(
        title=title, period=f"{latest[0]:%b %Y}", value=view.fmt(latest[1]), target=view.fmt(view.target_now),
        projection=view.projection.label)


def aim_detail(view: AimView, large: bool = False, key: str = "aim") -> None:
    """Everything a board needs on one aim: figures, icons, projection, the chart and questions to ask.

    `large` (meeting mode, a projector): the chart first, in large type, then the figures.
    """
    aim = view.aim

    def chart() -> None:
        figure = state.cached_figure(lambda: aim_chart(view, height=560 if large else 480, large=large),
                                     "aim_chart", aim.id, large)
        chart_widget.show(figure, key=f"{key}_chart_{aim.id}", config={
            "displaylogo": False, "toImageButtonOptions": {"filename": f"aim_{aim.id}", "scale": 2}},
            text=chart_text(view))
        if not large:  # meeting mode is shown on a projector: no buttons under its chart
            chart_downloads(figure, f"aim_{aim.id}", f"{key}_img_{aim.id}")

    if large:
        chart()
    latest = view.latest
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(_("Latest ({period})").format(period=format_date(latest[0], "MMM y")) if latest else _("Latest"),
              view.fmt(latest[1] if latest else None))
    c2.metric(_("Target now"), view.fmt(view.target_now))
    c3.metric(_("Deadline"), format_date(aim.deadline) if aim.deadline else "—")
    c4.metric(_("Projection"), _(view.projection.label))
    if aim.unit:
        st.caption(_("Values in {unit}.").format(unit=esc(aim.unit)))
    icons(view, size=64 if large else 40)
    if not large:
        chart()
    summary = view.summary
    notes = list(summary.get("notes", []))
    if summary.get("runs_signal"):
        few = summary["runs_signal"].split("_")[1] == "few"
        notes.append((_("Runs analysis: {runs} runs, expected {lower}–{upper}: too few runs (non-random).") if few
                      else _("Runs analysis: {runs} runs, expected {lower}–{upper}: too many runs (non-random).")
                      ).format(runs=summary["runs"], lower=summary["runs_lower"], upper=summary["runs_upper"]))
    if summary.get("crossings_signal"):
        notes.append(_("Anhøj: {crossings} crossings, fewer than {limit}.").format(
            crossings=summary["crossings"], limit=summary["crossings_limit"]))
    st.caption(_("{chart} · rule set **{rule_set}** · {points} points, {phases} phase(s) · projection: {reason}")
               .format(
        chart=_(CHART_NAMES[aim.chart]), rule_set=_(RULE_SET_NAMES[aim.rule_set]),
        points=format_number(summary.get("points", 0)), phases=format_number(summary.get("phases", 0)),
        reason=esc(_(view.projection.reason))))
    for note in notes:
        st.caption(f"ℹ️ {esc(_(note))}")
    st.markdown(("#### " if not large else "### ") + _("Questions to ask"))
    st.markdown("\n".join(f"- {esc(_(q))}" for q in questions_to_ask(view, aim_state.today())))
    with st.expander(_("How the projection works")):
        st.markdown(_(METHOD))


def legend() -> None:
    with st.expander(_("How to read the icons")):
        st.markdown(_("Icons follow NHS England's *Making Data Count*: **grey** common cause, **blue** "
                      "improvement, **orange** concern, **purple** special cause that is neither (no direction set, "
                      "or points hugging the centre line). Variation is read from the most recent point; assurance "
                      "compares the target with the process limits."))
        cols = st.columns(5)
        for i, variation in enumerate(["common_cause", "improvement_high", "concern_low", "neutral_high", "neutral"]):
            cols[i].image(data_uri(variation_svg(variation)), width=36,
                          alt=_("Variation icon: {label}").format(label=_(VARIATION_LABELS[variation])))
            cols[i].caption(_(VARIATION_LABELS[variation]))
        cols = st.columns(4)
        for i, assurance in enumerate(["pass", "fail", "hit_and_miss", None]):
            cols[i].image(data_uri(assurance_svg(assurance)), width=36,
                          alt=_("Assurance icon: {label}").format(label=_(ASSURANCE_LABELS[assurance])))
            cols[i].caption(_(ASSURANCE_LABELS[assurance]))


def register_evidence_block(org_id: int) -> None:
    """Leverage point 1's evidence from the aims register, shown beside its statements."""
    aims = aim_state.aims(org_id)
    if not aims:
        st.info(_("Evidence from the aims register: this organization has no system-level aims recorded yet."))
        return
    ev = register_evidence(aims, aim_state.today())
    last = ev["last_reviewed"]
    figures = {"aims": ev["aims"], "complete": ev["complete"], "public": ev["public"],
               "overdue": ev["review_overdue"]}
    if last:
        line = _("**Evidence from the aims register:** {aims} aim(s); **{complete}** with a measure, baseline, target "
                 "and deadline; {public} publicly committed; {overdue} overdue for board review; last reviewed "
                 "{last}.").format(**figures, last=format_date(last))
    else:
        line = _("**Evidence from the aims register:** {aims} aim(s); **{complete}** with a measure, baseline, target "
                 "and deadline; {public} publicly committed; none reviewed by the board yet.").format(**figures)
    with st.expander(line, expanded=False):
        st.dataframe(pd.DataFrame({
            _("Aim"): [a.title for a in aims],
            _("Complete"): [_("yes") if a.is_complete else _("no") for a in aims],
            _("Review cadence"): [_(CADENCE_LABELS.get(a.review_cadence, a.review_cadence)) for a in aims],
            _("Last reviewed"): [a.last_reviewed for a in aims],
        }), hide_index=True)
