"""Board: the "vital few" system-level aims at a glance, each clicking through to its chart; a meeting mode."""

import pandas as pd
import streamlit as st

from leverage.access.permissions import Permission
from leverage.aims.icons import assurance_label, assurance_svg, data_uri, variation_label, variation_svg
from leverage.aims.view import format_value, vital_few
from ui import aim_state, aim_widgets, auth, boardpack_widget, frame, widgets

frame.require()
principal, org_id, org_name = auth.organization_page(Permission.VIEW_RESULTS)
editor = principal.can(Permission.EDIT_AIMS, org_id)

widgets.header("Board",
               "The organization's system-level aims, read the Making Data Count way: is the change real (variation), "
               "will the target be met (assurance), and are we on course for the deadline? Select a row for its chart.")

views = aim_state.views(org_id)
if not views:
    st.info(f"{widgets.esc(org_name)} has no system-level aims yet. An editor adds the one or two measures the "
            "board will oversee on the Aims page.")
    if editor:
        st.page_link("pages/aims.py", label="Go to Aims", icon=":material/flag:")
    st.stop()

boardpack_widget.panel(org_id, org_name)
meeting = st.toggle("Meeting mode: one aim per screen, large type", key="board_meeting_mode")

if meeting:
    index = st.session_state.get("board_meeting_index", 0) % len(views)
    prev_col, where_col, next_col = st.columns([1, 2, 1])
    if prev_col.button("← Previous", width="stretch", key="board_prev"):
        index = (index - 1) % len(views)
    if next_col.button("Next →", width="stretch", type="primary", key="board_next"):
        index = (index + 1) % len(views)
    st.session_state["board_meeting_index"] = index
    where_col.markdown(f"<p style='text-align:center;font-size:1.3rem'>Aim {index + 1} of {len(views)}</p>",
                       unsafe_allow_html=True)  # fixed text only: no user input in this HTML
    view = views[index]
    st.markdown(f"# {widgets.esc(view.aim.title)}")
    st.markdown(f"#### {widgets.esc(view.aim.measure)}" + (f" · owner: {widgets.esc(view.aim.owner)}"
                                                            if view.aim.owner else ""))
    aim_widgets.aim_detail(view, large=True, key="meeting")
    if editor and st.button("Mark as reviewed today", key="board_mark_reviewed", icon=":material/task_alt:") \
            and auth.permit(Permission.EDIT_AIMS, org_id, "mark an aim reviewed"):
        aim_state.register().mark_reviewed(view.aim.id, aim_state.today())
        st.toast(f"Recorded: reviewed on {aim_state.today():%d %b %Y}.")
        st.rerun()
    st.stop()

table = vital_few(views, aim_state.today())
display = pd.DataFrame({
    "Aim": table["aim"],
    "Variation": [data_uri(variation_svg(v)) for v in table["variation"]],
    "Assurance": [data_uri(assurance_svg(a)) for a in table["assurance"]],
    "Projection": table["projection_label"],
    "Latest": [format_value(v, decimals=d) for v, d in zip(table["latest"], table["decimals"], strict=True)],
    "Target": [format_value(v, decimals=d) for v, d in zip(table["target"], table["decimals"], strict=True)],
    "Unit": table["unit"],
    "Period": table["latest_period"].dt.strftime("%b %Y"),
    "Deadline": table["deadline"].dt.strftime("%b %Y"),
    "Trend": table["trend"],
    "Owner": table["owner"],
    "Review": ["due" if due else "done" for due in table["review_due"]],
    "Reading": [f"{variation_label(v)}; {assurance_label(a).split(':')[0].lower()}"
                for v, a in zip(table["variation"], table["assurance"], strict=True)],
})
st.caption(f"{widgets.esc(org_name)}: {len(views)} aim(s). Icons and projections come from the same computation "
           "as each chart.")
event = st.dataframe(
    display, hide_index=True, on_select="rerun", selection_mode="single-row", key="board_table",
    column_config={
        "Variation": st.column_config.ImageColumn("Variation", help="Making Data Count variation icon", width="small"),
        "Assurance": st.column_config.ImageColumn("Assurance", help="Making Data Count assurance icon", width="small"),
        "Trend": st.column_config.LineChartColumn("Trend", help="Last 24 points", width="small"),
        "Reading": st.column_config.TextColumn("Reading", width="medium"),
    })
widgets.downloads(display.drop(columns=["Variation", "Assurance", "Trend"]).assign(
    Variation=[variation_label(v) for v in table["variation"]],
    Assurance=[assurance_label(a) for a in table["assurance"]]), f"vital-few-{org_name}", "dl_vital_few")
aim_widgets.legend()

rows = event.selection.rows if event is not None else []
if not rows:
    st.info("Select an aim in the table to see its chart, annotations, target, required path and the questions "
            "to ask.")
    st.stop()
view = views[rows[0]]
st.subheader(widgets.esc(view.aim.title))
aim_widgets.aim_detail(view, key="board")
if editor and st.button("Edit this aim, its measurements and annotations", icon=":material/edit:", key="board_edit"):
    st.session_state["aims_pending"] = view.aim.id
    st.switch_page("pages/aims.py")
