"""Home: what the app is for, the seven points, and the selected organization at a glance."""

import streamlit as st

from leverage.survey.charts import point_scores_chart
from leverage.survey.rounds import round_label
from leverage.survey.scoring import OVERALL
from ui import frame, state, widgets

frame.require()

widgets.header("Seven Leadership Leverage Points",
               "Rate your organization on the seven leverage points, compare roles and departments, and choose "
               "one or two system-level measures to focus on.")

settings = state.settings()
selected = state.selected_organization()

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("At a glance")
    if selected is None:
        widgets.no_organization_yet()
    else:
        org_id, org_name = selected
        latest = widgets.round_picker(org_id, label="Round", key="home_round_id", only_with_responses=True)
        if latest is None:
            st.info(f"{widgets.esc(org_name)} has no responses yet. Take the self-assessment to add the first.")
        else:
            instrument = state.instrument_for(latest)
            scores = state.cached(state.round_scores, org_id, int(latest["id"]), (), settings.min_n)
            overall = scores[scores["leverage_point"] == OVERALL].iloc[0]
            kind = "workshop round" if latest["workshop"] else "round"
            st.markdown(f"**{widgets.esc(org_name)}**, {kind} **{widgets.esc(latest['name'])}**")
            c1, c2 = st.columns(2)
            c1.metric("Respondents", int(overall["n_respondents"]))
            c2.metric("Overall score (1–5)", widgets.fmt_score(overall["mean"], overall["status"]))
            title = (f"{org_name}, {round_label(latest['name'], latest['workshop'])}: mean score per leverage point "
                     f"(1–5), n = {int(overall['n_respondents'])} respondents")
            fig = state.cached_figure(lambda: point_scores_chart(scores, instrument, title),
                                      "home", org_id, int(latest["id"]), settings.min_n, title)
            st.plotly_chart(fig, key="home_chart")
            widgets.chart_downloads(fig, f"scores-chart-{org_name}-{latest['name']}", "img_home")
            widgets.threshold_note(settings.min_n)

    st.subheader("What would you like to do?")
    st.page_link("pages/self_assessment.py", label="Take the self-assessment", icon=":material/checklist:")
    st.page_link("pages/results.py", label="See results by role, department and round", icon=":material/bar_chart:")
    st.page_link("pages/manage_data.py", label="Manage organizations, rounds, imports and exports",
                 icon=":material/database:")

with right:
    st.subheader("The seven leverage points")
    instrument = state.instrument_for(None)
    for point in instrument.points:
        with st.expander(f"**{point.id}** {instrument.text(point.title, 'en')}"):
            st.write(instrument.text(point.summary, "en"))
    st.caption(instrument.text(instrument.attribution, "en"))
