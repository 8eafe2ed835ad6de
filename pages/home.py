"""Home: what the app is for, the seven points, and the selected organization at a glance."""

import streamlit as st

from leverage.access.permissions import InstallationPermission, Permission
from leverage.survey.charts import point_scores_chart
from leverage.survey.rounds import round_label
from leverage.survey.scoring import OVERALL
from ui import auth, chart_widget, frame, state, widgets

frame.require()
principal = auth.require()

widgets.header("Seven Leadership Leverage Points",
               "Rate your organization on the seven leverage points, compare roles and departments, and choose "
               "one or two system-level measures to focus on.")

settings = state.settings()
selected = state.selected_organization(principal.organizations())

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("At a glance")
    if selected is None:
        if principal.can(InstallationPermission.ADD_ORGANIZATION) and state.cached(state.organizations).empty:
            widgets.no_organization_yet()
        else:
            st.info("You hold no role in any organization yet. Ask an admin of your organization to give you one.")
    elif not principal.can(Permission.VIEW_RESULTS, selected[0]):
        st.info(f"Your role in {widgets.esc(selected[1])} does not include its results. Use the pages in the menu.")
    else:
        org_id, org_name = selected
        latest = widgets.round_picker(org_id, label="Round", key="home_round_id", only_with_responses=True)
        if latest is None:
            st.info(f"{widgets.esc(org_name)} has no responses yet. Invite people to the self-assessment to add "
                    "the first.")
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
            chart_widget.show(fig, key="home_chart")
            widgets.chart_downloads(fig, f"scores-chart-{org_name}-{latest['name']}", "img_home")
            widgets.threshold_note(settings.min_n)

    st.subheader("What would you like to do?")
    if principal.can_anywhere(Permission.VIEW_RESULTS):
        st.page_link("pages/results.py", label="See results by role, department and round",
                     icon=":material/bar_chart:")
    if principal.can_anywhere(Permission.MANAGE_INVITATIONS):
        st.page_link("pages/invitations.py", label="Invite people to the self-assessment",
                     icon=":material/forward_to_inbox:")
    if principal.can_anywhere(Permission.RUN_WORKSHOPS):
        st.page_link("pages/workshop.py", label="Run a live workshop", icon=":material/groups:")
    if principal.installation_admin or principal.can_anywhere(Permission.MANAGE_ROUNDS) \
            or principal.can_anywhere(Permission.IMPORT_RESPONSES):
        st.page_link("pages/manage_data.py", label="Manage organizations, rounds, imports and exports",
                     icon=":material/database:")

with right:
    st.subheader("The seven leverage points")
    instrument = state.instrument_for(None)
    for point in instrument.points:
        with st.expander(f"**{point.id}** {instrument.text(point.title, 'en')}"):
            st.write(instrument.text(point.summary, "en"))
    st.caption(instrument.text(instrument.attribution, "en"))
