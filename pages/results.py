"""Results: one organization and round, per point and item, by role and department, and change over time."""

import pandas as pd
import streamlit as st

from leverage.access.permissions import Permission
from leverage.survey.charts import heat_table, level_distribution_chart, point_scores_chart
from leverage.survey.scoring import OVERALL, change_between, item_level_shares
from ui import auth, chart_widget, frame, state, widgets

frame.require()
principal, org_id, org_name = auth.organization_page(Permission.VIEW_RESULTS)

widgets.header("Results",
               "Scores for one organization and round: per leverage point and statement, by role and department, "
               "and the change since the previous round. Small groups are withheld.")

settings = state.settings()
rnd = widgets.round_picker(org_id, only_with_responses=True)
if rnd is None:
    st.info(f"{widgets.esc(org_name)} has no responses yet. Results appear here after the first self-assessment.")
    if principal.can(Permission.MANAGE_INVITATIONS, org_id):
        st.page_link("pages/invitations.py", label="Invite people to the self-assessment",
                     icon=":material/forward_to_inbox:")
    st.stop()

round_id, round_name = int(rnd["id"]), str(rnd["name"])
instrument = state.instrument_for(rnd)
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
c1.metric("Respondents", n)
delta = None
if change is not None:
    ov = change[change["leverage_point"] == OVERALL].iloc[0]
    delta = None if pd.isna(ov["change"]) else f"{ov['change']:+.2f} since {previous['name']}"
c2.metric("Overall score (1–5)", widgets.fmt_score(overall["mean"], overall["status"]), delta=delta)
c3.metric("Don't know", "—" if pd.isna(overall["dont_know_rate"]) else f"{overall['dont_know_rate']:.0%}")
c4.metric("Threshold", f"n ≥ {min_n}")
invited, answered = state.cached(state.response_rate, round_id)
if invited and answered >= min_n:
    st.caption(f"Response rate: **{answered} of {invited}** invited people answered ({answered / invited:.0%}); "
               f"{max(n - answered, 0)} further respondent(s) came from imports or workshops.")
elif invited:
    st.caption(f"{invited} people were invited; the response rate shows once at least {min_n} have answered.")
widgets.threshold_note(min_n)

tab_points, tab_items, tab_roles, tab_depts, tab_change, tab_focus = st.tabs(
    ["Leverage points", "Statements", "By role", "By department", "Change over rounds", "Focus measures"])

with tab_points:
    title = f"{org_name}, {round_name}: mean score per leverage point with 95 % interval (1–5), n = {n}"
    fig = state.cached_figure(lambda: point_scores_chart(scores, instrument, title), "points", org_id, round_id,
                              min_n, title)
    chart_widget.show(fig, key="results_points")
    widgets.chart_downloads(fig, f"scores-chart-{org_name}-{round_name}", "img_points")
    levels = state.cached(state.round_levels, org_id, round_id, (), min_n)
    title = f"Answers by level, {round_name} (% of answers per point), n = {n}"
    fig = state.cached_figure(lambda: level_distribution_chart(levels, instrument, title), "levels", org_id,
                              round_id, min_n, title)
    chart_widget.show(fig, key="results_levels")
    widgets.chart_downloads(fig, f"levels-chart-{org_name}-{round_name}", "img_levels")
    table = scores.rename(columns={"leverage_point": "Leverage point", "n_respondents": "n", "mean": "Mean",
                                   "sd": "SD", "ci_low": "95% CI low", "ci_high": "95% CI high",
                                   "dont_know_rate": "Don't know", "status": "Status"})
    table = table[["Leverage point", "n", "Mean", "SD", "95% CI low", "95% CI high", "Don't know", "Status"]]
    st.dataframe(table, hide_index=True, column_config={
        "Mean": st.column_config.NumberColumn(format="%.2f"), "SD": st.column_config.NumberColumn(format="%.2f"),
        "95% CI low": st.column_config.NumberColumn(format="%.2f"),
        "95% CI high": st.column_config.NumberColumn(format="%.2f"),
        "Don't know": st.column_config.NumberColumn(format="percent")})
    widgets.downloads(scores, f"scores-{org_name}-{round_name}", "dl_points")

with tab_items:
    point_ids = [p.id for p in instrument.points]
    point_id = st.selectbox("Leverage point", point_ids,
                            format_func=lambda p: f"{p} {instrument.text(instrument.point(p).title, 'en')}")
    items = state.cached(state.round_items, org_id, round_id, (), min_n)
    items = items[items["leverage_point"] == point_id].copy()
    texts = {i.id: instrument.text(i.text, "en") for i in instrument.items}
    items["statement"] = items["item_id"].map(texts)
    dist = item_level_shares(items, instrument.level_values)
    title = f"{point_id}: answers by level per statement (% of answers), n = {n}"
    fig = state.cached_figure(lambda: level_distribution_chart(dist, instrument, title, label_column="item_id"),
                              "items", org_id, round_id, min_n, point_id, title)
    chart_widget.show(fig, key="results_items_chart")
    widgets.chart_downloads(fig, f"items-chart-{point_id}-{org_name}-{round_name}", "img_items")
    shown = items[["item_id", "statement", "n_respondents", "mean", "sd", "dont_know_rate", "status"]]
    st.dataframe(shown.rename(columns={"item_id": "Item", "statement": "Statement", "n_respondents": "n scored",
                                       "mean": "Mean", "sd": "SD", "dont_know_rate": "Don't know",
                                       "status": "Status"}),
                 hide_index=True, column_config={"Mean": st.column_config.NumberColumn(format="%.2f"),
                                                 "SD": st.column_config.NumberColumn(format="%.2f"),
                                                 "Don't know": st.column_config.NumberColumn(format="percent")})
    widgets.downloads(items.drop(columns=["statement"]), f"items-{org_name}-{round_name}", "dl_items")

with tab_roles:
    by_role = state.cached(state.round_scores, org_id, round_id, ("role",), min_n)
    st.caption("Mean score (1–5) per role and leverage point; n is the number of respondents in the role.")
    st.dataframe(heat_table(by_role, "role", settings.role_labels))
    widgets.downloads(by_role, f"scores-by-role-{org_name}-{round_name}", "dl_roles")

with tab_depts:
    by_dept = state.cached(state.round_scores, org_id, round_id, ("department",), min_n)
    by_dept = by_dept.assign(department=by_dept["department"].fillna("(not stated)"))
    st.caption("Mean score (1–5) per department and leverage point; n is the number of respondents.")
    st.dataframe(heat_table(by_dept, "department"))
    widgets.downloads(by_dept, f"scores-by-department-{org_name}-{round_name}", "dl_depts")

with tab_change:
    if change is None:
        st.info(f"{widgets.esc(round_name)} is the first round with responses for {widgets.esc(org_name)}: "
                "nothing to compare with yet.")
    else:
        both = pd.concat([before.assign(series=f"{previous['name']} (n = {int(before['n_respondents'].max())})"),
                          scores.assign(series=f"{round_name} (n = {n})")])
        title = f"{org_name}: mean score per leverage point, {previous['name']} and {round_name} (1–5)"
        fig = state.cached_figure(lambda: point_scores_chart(both, instrument, title, series="series"),
                                  "change", org_id, round_id, int(previous["id"]), min_n, title)
        chart_widget.show(fig, key="results_change")
        widgets.chart_downloads(fig, f"change-chart-{org_name}-{round_name}", "img_change")
        table = change.rename(columns={"leverage_point": "Leverage point", "n_respondents": "n",
                                       "mean": round_name, "n_respondents_previous": "n before",
                                       "mean_previous": str(previous["name"]), "change": "Change"})
        st.dataframe(table, hide_index=True, column_config={
            round_name: st.column_config.NumberColumn(format="%.2f"),
            str(previous["name"]): st.column_config.NumberColumn(format="%.2f"),
            "Change": st.column_config.NumberColumn(format="%+.2f")})
        widgets.downloads(change, f"change-{org_name}-{previous['name']}-{round_name}", "dl_change")
        st.caption("Overlapping 95 % intervals in the chart mean the change may be noise.")

with tab_focus:
    if n < min_n:
        st.info("Withheld: this round has fewer respondents than the threshold.")
    else:
        focus = state.cached(state.focus_measures, round_id)
        if focus.empty:
            st.info("No one has chosen focus measures in this round yet.")
        else:
            st.caption("How many respondents chose each system-level measure as one of their one or two focus "
                       "measures.")
            st.dataframe(focus.rename(columns={"measure": "System-level measure", "respondents": "Respondents"}),
                         hide_index=True)
            widgets.downloads(focus, f"focus-measures-{org_name}-{round_name}", "dl_focus")
