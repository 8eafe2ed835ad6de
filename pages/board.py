"""Board: the "vital few" system-level aims at a glance, each clicking through to its chart; a meeting mode."""

import pandas as pd
import streamlit as st

from leverage.access.permissions import Permission
from leverage.aims.icons import assurance_label, assurance_svg, data_uri, variation_label, variation_svg
from leverage.aims.view import format_value, vital_few
from leverage.core.i18n import _, format_date
from ui import aim_state, aim_widgets, auth, boardpack_widget, frame, widgets

frame.require()
principal, org_id, org_name = auth.organization_page(Permission.VIEW_RESULTS)
editor = principal.can(Permission.EDIT_AIMS, org_id)

widgets.header(_("Board"),
               _("The organization's system-level aims, read the Making Data Count way: is the change real "
                 "(variation), will the target be met (assurance), and are we on course for the deadline? Select a "
                 "row for its chart."))

views = aim_state.views(org_id)
if not views:
    st.info(_("{organization} has no system-level aims yet. An editor adds the one or two measures the board will "
              "oversee on the Aims page.").format(organization=widgets.esc(org_name)))
    if editor:
        st.page_link("pages/aims.py", label=_("Go to Aims"), icon=":material/flag:")
    st.stop()

boardpack_widget.panel(org_id, org_name)
meeting = st.toggle(_("Meeting mode: one aim per screen, large type"), key="board_meeting_mode")

if meeting:
    index = st.session_state.get("board_meeting_index", 0) % len(views)
    prev_col, where_col, next_col = st.columns([1, 2, 1])
    if prev_col.button(_("← Previous"), width="stretch", key="board_prev"):
        index = (index - 1) % len(views)
    if next_col.button(_("Next →"), width="stretch", type="primary", key="board_next"):
        index = (index + 1) % len(views)
    st.session_state["board_meeting_index"] = index
    where = _("Aim {position} of {count}").format(position=index + 1, count=len(views))
    where_col.markdown(f"<p style='text-align:center;font-size:1.3rem'>{widgets.esc(where)}</p>",
                       unsafe_allow_html=True)  # fixed text and numbers only (escaped): no user input in this HTML
    view = views[index]
    st.markdown(f"# {widgets.esc(view.aim.title)}")
    st.markdown(f"#### {widgets.esc(view.aim.measure)}" + (
        _(" · owner: {owner}").format(owner=widgets.esc(view.aim.owner)) if view.aim.owner else ""))
    aim_widgets.aim_detail(view, large=True, key="meeting")
    if editor and st.button(_("Mark as reviewed today"), key="board_mark_reviewed", icon=":material/task_alt:") \
            and auth.permit(Permission.EDIT_AIMS, org_id, "mark an aim reviewed"):
        aim_state.register().mark_reviewed(view.aim.id, aim_state.today())
        widgets.flash(_("Recorded: reviewed on {date}.").format(date=format_date(aim_state.today())))
        st.rerun()
    st.stop()

table = vital_few(views, aim_state.today())


def month(value) -> str:
    """A month as the reader's locale writes it ("Mar 2026" / "mar 2026"); empty for none."""
    return "" if pd.isna(value) else format_date(value, "MMM y")


VARIATION, ASSURANCE, TREND = _("Variation"), _("Assurance"), _("Trend")
display = pd.DataFrame({
    _("Aim"): table["aim"],
    VARIATION: [data_uri(variation_svg(v)) for v in table["variation"]],
    ASSURANCE: [data_uri(assurance_svg(a)) for a in table["assurance"]],
    _("Projection"): [_(p) for p in table["projection_label"]],
    _("Latest"): [format_value(v, decimals=d) for v, d in zip(table["latest"], table["decimals"], strict=True)],
    _("Target"): [format_value(v, decimals=d) for v, d in zip(table["target"], table["decimals"], strict=True)],
    _("Unit"): table["unit"],
    _("Period"): [month(p) for p in table["latest_period"]],
    _("Deadline"): [month(d) for d in table["deadline"]],
    TREND: table["trend"],
    _("Owner"): table["owner"],
    _("Review"): [_("due") if due else _("done") for due in table["review_due"]],
    _("Reading"): [f"{_(variation_label(v))}; {_(assurance_label(a)).split(':')[0].lower()}"
                   for v, a in zip(table["variation"], table["assurance"], strict=True)],
})
st.caption(_("{organization}: {count} aim(s). Icons and projections come from the same computation as each chart.")
           .format(organization=widgets.esc(org_name), count=len(views)))
event = st.dataframe(
    display, hide_index=True, on_select="rerun", selection_mode="single-row", key="board_table",
    column_config={
        VARIATION: st.column_config.ImageColumn(VARIATION, help=_("Making Data Count variation icon"), width="small"),
        ASSURANCE: st.column_config.ImageColumn(ASSURANCE, help=_("Making Data Count assurance icon"), width="small"),
        TREND: st.column_config.LineChartColumn(TREND, help=_("Last 24 points"), width="small"),
        _("Reading"): st.column_config.TextColumn(_("Reading"), width="medium"),
    })
widgets.downloads(display.drop(columns=[VARIATION, ASSURANCE, TREND]).assign(**{
    VARIATION: [_(variation_label(v)) for v in table["variation"]],
    ASSURANCE: [_(assurance_label(a)) for a in table["assurance"]]}), f"vital-few-{org_name}", "dl_vital_few")
aim_widgets.legend()

rows = event.selection.rows if event is not None else []
if not rows:
    st.info(_("Select an aim in the table to see its chart, annotations, target, required path and the questions "
              "to ask."))
    st.stop()
view = views[rows[0]]
st.subheader(widgets.esc(view.aim.title))
aim_widgets.aim_detail(view, key="board")
if editor and st.button(_("Edit this aim, its measurements and annotations"), icon=":material/edit:", key="board_edit"):
    st.session_state["aims_pending"] = view.aim.id
    st.switch_page("pages/aims.py")
