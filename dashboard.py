"""Leverage: the app's entry point. `streamlit run dashboard.py`.

Sets the page frame (navigation, organization picker, About) and runs the chosen page.
"""

import streamlit as st

from leverage.config import ConfigError
from ui import state, widgets

st.set_page_config(page_title="Leverage · Seven Leadership Leverage Points", page_icon=":material/insights:",
                   layout="wide")

try:
    state.store()
except ConfigError as exc:
    st.error(f"Configuration error: {exc}")
    st.stop()

report = state.demo_report()
if report is not None and not st.session_state.get("demo_announced"):
    st.session_state["demo_announced"] = True
    st.toast(f"The store was empty, so demo data was loaded: {report.organizations} fictional organizations, "
             f"{report.respondents} respondents.", icon=":material/info:")

pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/self_assessment.py", title="Self-assessment", icon=":material/checklist:", url_path="assess"),
    st.Page("pages/results.py", title="Results", icon=":material/bar_chart:", url_path="results"),
    st.Page("pages/manage_data.py", title="Manage data", icon=":material/database:", url_path="manage"),
]
page = st.navigation(pages)

with st.sidebar:
    orgs = state.cached(state.organizations)
    if not orgs.empty:
        # The choice lives in a plain session key (widget keys are dropped when a widget is not drawn), and the
        # picker is set from it on every run, so it survives page switches.
        state.selected_organization()
        st.session_state[state.ORG_PICKER_KEY] = st.session_state[state.ORG_KEY]
        names = dict(zip(orgs["id"], orgs["name"], strict=True))
        st.selectbox("Organization", list(names), key=state.ORG_PICKER_KEY, format_func=names.get,
                     on_change=state.organization_picked)
    if state.store().get_meta("demo_loaded_at"):
        st.caption(":material/info: This store holds **demo data** (fictional organizations), loaded on first start.")
    widgets.about()

page.run()
