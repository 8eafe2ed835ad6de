"""Results: one organization and round, per point and item, by role and department, and change over time."""

import pandas as pd
import streamlit as st

from leverage.access.permissions import Permission
from leverage.core.i18n import _, format_number, format_percent, language
from leverage.survey.charts import heat_table, level_distribution_chart, point_scores_chart
from leverage.survey.scoring import OVERALL, change_between, item_level_shares
from ui import auth, chart_widget, frame, state, widgets

frame.require()
principal, org_id, org_name = auth.organization_page(Permission.VIEW_RESULTS)

widgets.header(_("Results"),
               _("Scores for one organization and round: per leverage point and statement, by role and department, "
                 "and the change since the previous round. Small groups are withheld."))

settings = state.settings()
rnd = widgets.round_picker(org_id, only_with_responses=True)
if rnd is None:
    st.info(_("{organization} has no responses yet. Results appear here after the first self-assessment.").format(
        organization=widgets.esc(org_name)))
    if principal.can(Permission.MANAGE_INVITATIONS, org_id):
        st.page_link("pages/invitations.py", label=_("Invite people to the self-assessment"),
                     icon=":material/forward_to_inbox:")
    st.stop()

round_id, round_name = int(rnd["id"]), str(rnd["name"])
instrument = state.instrument_for(rnd)
lang = language()
min_n = settings.min_n
scores = state.cached(state.round_scores, org_id, round_id, (), min_n)
overall = scores[scores["leverage_point"] == OVERALL].iloc[0]
n = int(overall["n_respondents"])

rounds = state.cached(state.rounds, org_id)
# the previous round of the same kind: a workshop round never stands in for the survey before it
rounds = rounds[(rounds["respondents"] > 0) & (rounds["workshop"] == rnd["workshop"])].reset_index(drop=True)
position = rounds.index[rounds["id"] == round_id][0]
previous = rounds.iloc[position - 1] if position > 0 else None
change = None
if previous is not None:
    before = state.cached(state.round_scores, org_id, int(previous["id"]), (), min_n)
    change = change_between(before, scores)

c1, c2, c3, c4 = st.columns(4)
c1.metric(_("Respondents"), format_number(n))
delta = None
if change is not None:
    ov = change[change["leverage_point"] == OVERALL].iloc[0]
    delta = None if pd.isna(ov["change"]) else _("{change} since {round}").format(
        change=("+" if ov["change"] >= 0 else "") + format_number(ov["change"], 2), round=previous["name"])
c2.metric(_("Overall score (1–5)"), widgets.fmt_score(overall["mean"], overall["status"]), delta=delta)
c3.metric(_("Don't know"), "—" if pd.isna(overall["dont_know_rate"]) else format_percent(overall["dont_know_rate"]))
c4.metric(_("Threshold"), f"n ≥ {min_n}")
invited, answered = state.cached(state.response_rate, round_id)
if invited and answered >= min_n:
    st.caption(_("Response rate: **{answered} of {invited}** invited people answered ({rate}); {further} further "
                 "respondent(s) came from imports or workshops.").format(
        answered=format_number(answered), invited=format_number(invited), rate=format_percent(answered / invited),
        further=format_number(max(n - answered, 0))))
elif invited:
    st.caption(_("{invited} people were invited; the response rate shows once at least {min_n} have answered.")
               .format(invited=format_number(invited), min_n=min_n))
widgets.threshold_note(min_n)

tab_points, tab_items, tab_roles, tab_depts, tab_change, tab_focus = st.tabs(
    [_("Leverage points"), _("Statements"), _("By role"), _("By department"), _("Change over rounds"),
     _("Focus measures")])

with tab_points:
    title = _("{organization}, {round}: mean score per leverage point with 95 % interval (1–5), n = {n}").format(
        organization=org_name, round=round_name, n=n)
    fig = state.cached_figure(lambda: point_scores_chart(scores, instrument, title, language=lang), "points", org_id,
                              round_id, min_n, title)
    chart_widget.show(fig, key="results_points")
    widgets.chart_downloads(fig, f"scores-chart-{org_name}-{round_name}", "img_points")
    levels = state.cached(state.round_levels, org_id, round_id, (), min_n)
    title = _("Answers by level, {round} (% of answers per point), n = {n}").format(round=round_name, n=n)
    fig = state.cached_figure(lambda: level_distribution_chart(levels, instrument, title, language=lang), "levels",
                              org_id, round_id, min_n, title)
    chart_widget.show(fig, key="results_levels")
    widgets.chart_downloads(fig, f"levels-chart-{org_name}-{round_name}", "img_levels")
    headings = {"leverage_point": _("Leverage point"), "n_respondents": "n", "mean": _("Mean"), "sd": _("SD"),
                "ci_low": _("95% CI low"), "ci_high": _("95% CI high"), "dont_know_rate": _("Don't know"),
                "status": _("Status")}
    table = scores.rename(columns=headings)[list(headings.values())]
    two = st.column_config.NumberColumn(format="%.2f")
    st.dataframe(table, hide_index=True, column_config={
        headings["mean"]: two, headings["sd"]: two, headings["ci_low"]: two, headings["ci_high"]: two,
        headings["dont_know_rate"]: st.column_config.NumberColumn(format="percent")})
    widgets.downloads(scores, f"scores-{org_name}-{round_name}", "dl_points")

with tab_items:
    point_ids = [p.id for p in instrument.points]
    point_id = st.selectbox(_("Leverage point"), point_ids,
                            format_func=lambda p: f"{p} {instrument.text(instrument.point(p).title, lang)}")
    items = state.cached(state.round_items, org_id, round_id, (), min_n)
    items = items[items["leverage_point"] == point_id].copy()
    texts = {i.id: instrument.text(i.text, lang) for i in instrument.items}
    items["statement"] = items["item_id"].map(texts)
    dist = item_level_shares(items, instrument.level_values)
    title = _("{point}: answers by level per statement (% of answers), n = {n}").format(point=point_id, n=n)
    fig = state.cached_figure(lambda: level_distribution_chart(dist, instrument, title, language=lang,
                                                               label_column="item_id"),
                              "items", org_id, round_id, min_n, point_id, title)
    chart_widget.show(fig, key="results_items_chart")
    widgets.chart_downloads(fig, f"items-chart-{point_id}-{org_name}-{round_name}", "img_items")
    shown = items[["item_id", "statement", "n_respondents", "mean", "sd", "dont_know_rate", "status"]]
    st.dataframe(shown.rename(columns={"item_id": _("Item"), "statement": _("Statement"),
                                       "n_respondents": _("n scored"), "mean": _("Mean"), "sd": _("SD"),
                                       "dont_know_rate": _("Don't know"), "status": _("Status")}),
                 hide_index=True, column_config={_("Mean"): st.column_config.NumberColumn(format="%.2f"),
                                                 _("SD"): st.column_config.NumberColumn(format="%.2f"),
                                                 _("Don't know"): st.column_config.NumberColumn(format="percent")})
    widgets.downloads(items.drop(columns=["statement"]), f"items-{org_name}-{round_name}", "dl_items")

with tab_roles:
    by_role = state.cached(state.round_scores, org_id, round_id, ("role",), min_n)
    st.caption(_("Mean score (1–5) per role and leverage point; n is the number of respondents in the role."))
    st.dataframe(heat_table(by_role, "role", settings.role_labels))
    widgets.downloads(by_role, f"scores-by-role-{org_name}-{round_name}", "dl_roles")

with tab_depts:
    by_dept = state.cached(state.round_scores, org_id, round_id, ("department",), min_n)
    by_dept = by_dept.assign(department=by_dept["department"].fillna(_("(not stated)")))
    st.caption(_("Mean score (1–5) per department and leverage point; n is the number of respondents."))
    st.dataframe(heat_table(by_dept, "department"))
    widgets.downloads(by_dept, f"scores-by-department-{org_name}-{round_name}", "dl_depts")

with tab_change:
    if change is None:
        st.info(_("{round} is the first round with responses for {organization}: nothing to compare with yet.").format(
            round=widgets.esc(round_name), organization=widgets.esc(org_name)))
    else:
        both = pd.concat([before.assign(series=f"{previous['name']} (n = {int(before['n_respondents'].max())})"),
                          scores.assign(series=f"{round_name} (n = {n})")])
        title = _("{organization}: mean score per leverage point, {previous} and {round} (1–5)").format(
            organization=org_name, previous=previous["name"], round=round_name)
        fig = state.cached_figure(lambda: point_scores_chart(both, instrument, title, language=lang, series="series"),
                                  "change", org_id, round_id, int(previous["id"]), min_n, title)
        chart_widget.show(fig, key="results_change")
        widgets.chart_downloads(fig, f"change-chart-{org_name}-{round_name}", "img_change")
        table = change.rename(columns={"leverage_point": _("Leverage point"), "n_respondents": "n",
                                       "mean": round_name, "n_respondents_previous": _("n before"),
                                       "mean_previous": str(previous["name"]), "change": _("Change")})
        st.dataframe(table, hide_index=True, column_config={
            round_name: st.column_config.NumberColumn(format="%.2f"),
            str(previous["name"]): st.column_config.NumberColumn(format="%.2f"),
            _("Change"): st.column_config.NumberColumn(format="%+.2f")})
        widgets.downloads(change, f"change-{org_name}-{previous['name']}-{round_name}", "dl_change")
        st.caption(_("Overlapping 95 % intervals in the chart mean the change may be noise."))

with tab_focus:
    if n < min_n:
        st.info(_("Withheld: this round has fewer respondents than the threshold."))
    else:
        focus = state.cached(state.focus_measures, round_id)
        if focus.empty:
            st.info(_("No one has chosen focus measures in this round yet."))
        else:
            st.caption(_("How many respondents chose each system-level measure as one of their one or two focus "
                         "measures."))
            st.dataframe(focus.rename(columns={"measure": _("System-level measure"), "respondents": _("Respondents")}),
                         hide_index=True)
            widgets.downloads(focus, f"focus-measures-{org_name}-{round_name}", "dl_focus")
