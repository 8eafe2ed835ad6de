"""Home: what the app is for, the seven points, and the selected organization at a glance."""

import streamlit as st

from leverage.access.permissions import InstallationPermission, Permission
from leverage.core.i18n import N_, _, format_number, language
from leverage.survey.charts import point_scores_chart
from leverage.survey.rounds import round_label
from leverage.survey.scoring import OVERALL
from ui import auth, chart_widget, frame, state, widgets

frame.require()
principal = auth.require()

widgets.header(_("Seven Leadership Leverage Points"),
               _("Rate your organization on the seven leverage points, compare roles and departments, and choose "
                 "one or two system-level measures to focus on."))

settings = state.settings()
selected = state.selected_organization(principal.organizations())

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader(_("At a glance"))
    if selected is None:
        if principal.can(InstallationPermission.ADD_ORGANIZATION) and state.cached(state.organizations).empty:
            widgets.no_organization_yet()
        else:
            st.info(_("You hold no role in any organization yet. Ask an admin of your organization to give you one."))
    elif not principal.can(Permission.VIEW_RESULTS, selected[0]):
        st.info(_("Your role in {organization} does not include its results. Use the pages in the menu.").format(
            organization=widgets.esc(selected[1])))
    else:
        org_id, org_name = selected
        latest = widgets.round_picker(org_id, label=N_("Round"), key="home_round_id", only_with_responses=True)
        if latest is None:
            st.info(_("{organization} has no responses yet. Invite people to the self-assessment to add the first.")
                    .format(organization=widgets.esc(org_name)))
        else:
            instrument = state.instrument_for(latest)
            scores = state.cached(state.round_scores, org_id, int(latest["id"]), (), settings.min_n)
            overall = scores[scores["leverage_point"] == OVERALL].iloc[0]
            heading = _("**{organization}**, workshop round **{round}**") if latest["workshop"] else \
                _("**{organization}**, round **{round}**")
            st.markdown(heading.format(organization=widgets.esc(org_name), round=widgets.esc(latest["name"])))
            c1, c2 = st.columns(2)
            c1.metric(_("Respondents"), format_number(int(overall["n_respondents"])))
            c2.metric(_("Overall score (1–5)"), widgets.fmt_score(overall["mean"], overall["status"]))
            title = _("{organization}, {round}: mean score per leverage point (1–5), n = {n} respondents").format(
                organization=org_name, round=round_label(latest["name"], latest["workshop"]),
                n=int(overall["n_respondents"]))
            fig = state.cached_figure(lambda: point_scores_chart(scores, instrument, title, language=language()),
                                      "home", org_id, int(latest["id"]), settings.min_n, title)
            chart_widget.show(fig, key="home_chart")
            widgets.chart_downloads(fig, f"scores-chart-{org_name}-{latest['name']}", "img_home")
            widgets.threshold_note(settings.min_n)

    st.subheader(_("What would you like to do?"))
    if principal.can_anywhere(Permission.VIEW_RESULTS):
        st.page_link("pages/results.py", label=_("See results by role, department and round"),
                     icon=":material/bar_chart:")
    if principal.can_anywhere(Permission.MANAGE_INVITATIONS):
        st.page_link("pages/invitations.py", label=_("Invite people to the self-assessment"),
                     icon=":material/forward_to_inbox:")
    if principal.can_anywhere(Permission.RUN_WORKSHOPS):
        st.page_link("pages/workshop.py", label=_("Run a live workshop"), icon=":material/groups:")
    if principal.installation_admin or principal.can_anywhere(Permission.MANAGE_ROUNDS) \
            or principal.can_anywhere(Permission.IMPORT_RESPONSES):
        st.page_link("pages/manage_data.py", label=_("Manage organizations, rounds, imports and exports"),
                     icon=":material/database:")

with right:
    st.subheader(_("The seven leverage points"))
    instrument = state.instrument_for(None)
    for point in instrument.points:  # the instrument's own texts, in the reader's language
        with st.expander(f"**{point.id}** {instrument.text(point.title, language())}"):
            st.write(instrument.text(point.summary, language()))
    st.caption(instrument.text(instrument.attribution, language()))
