"""Aims: the register of system-level aims: create and edit aims, enter or import measurements, annotate."""

import datetime as dt
from functools import partial

import pandas as pd
import streamlit as st

from leverage.access.audit import Action
from leverage.access.permissions import Permission
from leverage.aims.measurements import READABLE_SUFFIXES, MeasurementError, read_bytes
from leverage.aims.register import (
    ANNOTATION_KINDS,
    CADENCE_LABELS,
    CHARTS_FOR_TYPE,
    DATA_TYPES,
    DEFAULT_MULTIPLIER,
    Aim,
    AimError,
)
from leverage.aims.spc import CHART_NAMES, DEFAULT_RULES, RULE_SET_NAMES, RULES_FOR_CHART
from leverage.reports.excel import XLSX_MIME, aims_register_workbook
from leverage.survey.instrument import default_instrument
from leverage.survey.measures import WHOLE_SYSTEM_MEASURES
from ui import aim_state, aim_widgets, auth, frame, state, widgets

frame.require()
principal, org_id, org_name = auth.organization_page(Permission.EDIT_AIMS)

widgets.header("Aims",
               "The board's system-level aims (leverage point 1): a measure, a baseline, a target and a deadline. "
               "Enter or import measurements, record the changes you test, and see the chart the board will read.")

NEW = -1
register = aim_state.register()
views = aim_state.views(org_id)
titles = {v.aim.id: v.aim.title for v in views}
options = [*titles, NEW]
if "aims_pending" in st.session_state:  # chosen elsewhere (just created, or "Edit" on the Board page)
    st.session_state["aims_selected"] = st.session_state.pop("aims_pending")
if st.session_state.get("aims_selected") not in options:
    st.session_state["aims_selected"] = options[0]
aim_id = st.selectbox("Aim", options, key="aims_selected",
                      format_func=lambda i: "➕ New aim…" if i == NEW else titles[i])


def register_workbook(organization_id: int) -> bytes:
    """The organization's whole register, read fresh when the button is clicked (not on every rerun)."""
    listed = register.list_aims(organization_id)
    ids = [a.id for a in listed]
    return aims_register_workbook(listed, register.measurements(ids), register.annotations(ids))


if titles:
    st.download_button("Download the aims register (Excel)", partial(register_workbook, org_id),
                       f"aims-register-{org_name}.xlsx".replace(" ", "_"), XLSX_MIME, key="aims_register_xlsx",
                       icon=":material/download:", on_click="ignore",
                       help="Every aim of the organization with its measurements and annotations, one sheet each.")


def show_problems(exc: AimError | MeasurementError, what: str) -> None:
    """One error box: what was refused (nothing of it was saved) and every problem, each naming its field or row."""
    st.error(f"{what}:\n" + "\n".join(f"- {widgets.esc(p)}" for p in exc.problems))


def aim_form(aim: Aim | None) -> None:
    """Create or edit an aim; every problem is named and nothing is saved until all are fixed."""
    base = aim or Aim(organization_id=org_id, title="", measure=WHOLE_SYSTEM_MEASURES[0])
    points = default_instrument().points
    types = list(DATA_TYPES)
    data_type = st.selectbox("Data type", types, index=types.index(base.data_type), format_func=DATA_TYPES.get,
                             key=f"aim_type_{aim_id}",
                             help="Decides how measurements are entered (one value, or numerator and denominator) "
                                  "and which charts fit.")
    charts = CHARTS_FOR_TYPE[data_type]
    chart_index = charts.index(base.chart) if base.chart in charts else 0
    chart = st.selectbox("Chart", charts, index=chart_index, format_func=CHART_NAMES.get, key=f"aim_chart_{aim_id}",
                         help="Decides which rule sets can read it: Making Data Count's rules need process limits "
                              "(XmR, p, u); a run chart is read with IHI's or Anhøj's rules.")
    rule_sets = RULES_FOR_CHART[chart]
    with st.form(f"aim_form_{aim_id}"):
        title = st.text_input("Title", base.title, max_chars=200, placeholder="e.g. Cut harm by half by 2027")
        c1, c2 = st.columns(2)
        measure = c1.text_input("System-level measure", base.measure, max_chars=200,
                                help="Whole-system measures (IHI): " + "; ".join(WHOLE_SYSTEM_MEASURES))
        unit = c2.text_input("Unit", base.unit, max_chars=200, placeholder="e.g. events per 1,000 patient days")
        definition = st.text_area("Definition", base.definition, max_chars=2000, height=70,
                                  placeholder="Numerator, denominator, source, exclusions")
        c1, c2 = st.columns(2)
        direction = c1.radio("Better is", ["down", "up"], index=0 if base.direction == "down" else 1,
                             format_func={"down": "Lower", "up": "Higher"}.get, horizontal=True)
        default_mult = base.multiplier if aim and base.data_type == data_type and base.multiplier else \
            DEFAULT_MULTIPLIER[data_type]
        multiplier = c2.number_input("Multiplier", value=float(default_mult), min_value=0.0, step=1.0,
                                     disabled=data_type == "continuous",
                                     help="Proportions ×100 show as percent; rates ×1,000 as per 1,000 patient days.")
        c1, c2 = st.columns(2)
        baseline_period = c1.date_input("Baseline period", base.baseline_period, format="YYYY-MM-DD")
        baseline_value = c2.number_input("Baseline value", value=base.baseline_value, format="%.4g")
        c1, c2 = st.columns(2)
        target_value = c1.number_input("Target value", value=base.target_value, format="%.4g")
        deadline = c2.date_input("Deadline", base.deadline, format="YYYY-MM-DD")
        trajectory = st.data_editor(
            pd.DataFrame(list(base.trajectory), columns=["due", "value"]).astype({"due": "datetime64[s]",
                                                                                   "value": float}),
            num_rows="dynamic", key=f"aim_trajectory_{aim_id}", width="content",
            column_config={"due": st.column_config.DateColumn("Interim target due", format="YYYY-MM-DD"),
                           "value": st.column_config.NumberColumn("Interim target")})
        c1, c2 = st.columns(2)
        owner = c1.text_input("Executive owner", base.owner, max_chars=200)
        cadence = c2.selectbox("Board review", list(CADENCE_LABELS), format_func=CADENCE_LABELS.get,
                               index=list(CADENCE_LABELS).index(base.review_cadence))
        linked = st.multiselect("Linked leverage points", [int(p.id.removeprefix("LP")) for p in points],
                                default=list(base.leverage_points),
                                format_func=lambda i: f"{i}. {points[i - 1].title['en']}")
        c1, c2, c3 = st.columns(3)
        usual = base.rule_set if base.rule_set in rule_sets and base.chart == chart else DEFAULT_RULES[chart]
        rule_set = c1.selectbox("Rule set", list(rule_sets), format_func=RULE_SET_NAMES.get,
                                index=rule_sets.index(usual),
                                help="The chart's usual rule set is chosen for you: IHI on a run chart, Making "
                                     "Data Count on XmR, p and u charts.")
        baseline_points = c2.number_input("Freeze limits on the first k points", value=base.baseline_points,
                                          min_value=2, step=1, help="Empty: each phase's limits use all its points.")
        public = c3.checkbox("Publicly committed", base.public_commitment)
        saved = st.form_submit_button("Save aim" if aim else "Create aim", type="primary")
    if not saved:
        return
    steps = tuple((row.due.date(), float(row.value)) for row in trajectory.dropna(how="all").itertuples()
                  if pd.notna(row.due) and pd.notna(row.value))
    candidate = Aim(id=aim.id if aim else None, organization_id=org_id, title=title, measure=measure,
                    definition=definition, unit=unit, data_type=data_type,
                    multiplier=float(multiplier) if data_type != "continuous" else 1.0, direction=direction,
                    baseline_period=baseline_period, baseline_value=baseline_value, target_value=target_value,
                    deadline=deadline, owner=owner, leverage_points=tuple(linked), public_commitment=public,
                    chart=chart, rule_set=rule_set, review_cadence=cadence,
                    baseline_points=int(baseline_points) if baseline_points else None, trajectory=steps,
                    last_reviewed=aim.last_reviewed if aim else None)
    if not auth.permit(Permission.EDIT_AIMS, org_id, "save an aim"):
        return
    try:
        new_id = register.save_aim(candidate)
    except AimError as exc:
        show_problems(exc, "The aim was not saved")
        return
    st.session_state["aims_pending"] = new_id
    st.toast(f"Saved “{candidate.title.strip()}”.")
    st.rerun()


if aim_id == NEW:
    st.subheader("New aim")
    aim_form(None)
    st.stop()

view = aim_state.view(org_id, aim_id)
aim = view.aim
tab_chart, tab_data, tab_notes, tab_settings = st.tabs(["Chart", "Measurements", "Annotations", "Aim settings"])

with tab_chart:
    aim_widgets.aim_detail(view, key="aims")

with tab_data:
    rows = register.measurements([aim.id]).drop(columns="aim_id")
    if aim.counts:
        rows = rows.drop(columns="value").assign(value=rows["numerator"] / rows["denominator"] * aim.multiplier)
    else:
        rows = rows.drop(columns=["numerator", "denominator"])
    st.caption(f"{len(rows)} period(s). " + ("Enter the numerator and denominator; the chart shows "
                                             f"numerator / denominator × {aim.multiplier:g}."
                                             if aim.counts else "Enter one value per period."))
    if rows.empty:
        st.info("No measurements yet: add one below or import a file.")
    else:
        st.dataframe(rows.assign(period=rows["period"].dt.date), hide_index=True, height=260)
        widgets.downloads(rows, f"measurements_{aim.id}", key=f"meas_dl_{aim.id}")
    with st.form(f"meas_one_{aim.id}", clear_on_submit=True):
        st.markdown("**Add or correct one period**")
        c1, c2, c3 = st.columns(3)
        period = c1.date_input("Period", None, format="YYYY-MM-DD")
        if aim.counts:
            numerator = c2.number_input("Numerator", value=None, min_value=0.0)
            denominator = c3.number_input("Denominator", value=None, min_value=0.0)
        else:
            value = c2.number_input("Value", value=None, format="%.4g")
        add = st.form_submit_button("Save period")
    if add and auth.permit(Permission.EDIT_AIMS, org_id, "save a measurement"):
        one = pd.DataFrame({"period": [period.isoformat() if period else None]})
        if aim.counts:
            one["numerator"], one["denominator"] = [numerator], [denominator]
        else:
            one["value"] = [value]
        try:
            register.save_measurements(aim, one, source="the form")
            st.toast(f"Saved {period:%b %Y}.")
            st.rerun()
        except AimError as exc:
            show_problems(exc, "The period was not saved")
    st.markdown("**Import measurements**")
    columns = "period, numerator, denominator" if aim.counts else "period, value"
    upload = st.file_uploader(f"CSV, Excel (.xlsx) or parquet with columns {columns}; periods as YYYY-MM-DD",
                              type=[s.lstrip(".") for s in READABLE_SUFFIXES], key=f"meas_upload_{aim.id}",
                              max_upload_size=state.settings().max_upload_mb)
    replace_all = st.checkbox("Replace all existing measurements (otherwise periods in the file are added or "
                              "overwritten)", key=f"meas_replace_{aim.id}")
    if upload is not None and st.button("Import", key=f"meas_import_{aim.id}", type="primary") \
            and auth.permit(Permission.EDIT_AIMS, org_id, "import measurements"):
        try:
            with st.spinner("Checking and importing…"):
                count = register.save_measurements(aim, read_bytes(upload.getvalue(), upload.name,
                                                                         state.settings().max_upload_rows),
                                                   source=upload.name, replace_all=replace_all)
            st.success(f"Imported {count} period(s) from {widgets.esc(upload.name)}.")
        except MeasurementError as exc:
            show_problems(exc, f"{widgets.esc(upload.name)} was not imported; nothing was saved")
        except AimError as exc:
            show_problems(exc, f"{widgets.esc(upload.name)} was not imported; nothing was saved")
    if not rows.empty:
        c1, c2 = st.columns([2, 1])
        doomed = c1.selectbox("Delete a period", rows["period"].dt.date.tolist()[::-1], key=f"meas_del_{aim.id}")
        if c2.button("Delete period", key=f"meas_del_btn_{aim.id}") \
                and auth.permit(Permission.EDIT_AIMS, org_id, "delete a measurement"):
            register.delete_measurement(aim.id, doomed)
            auth.access().audit.record(principal.label, Action.DELETION, organization_id=org_id, target=aim.title,
                                       detail=f"measurement of {doomed:%Y-%m-%d}", address=auth.address())
            st.toast(f"Deleted {doomed:%b %Y}.")
            st.rerun()

with tab_notes:
    st.caption("One register of what happened: changes tested, PDSA cycles, events, astronomical points (a person's "
               "judgement, shown as a signal) and new phases (the limits are recalculated from that date). "
               "Every chart of the aim draws them.")
    notes = view.annotations
    if notes.empty:
        st.info("No annotations yet.")
    else:
        shown_notes = pd.DataFrame({"Date": notes["on_date"].dt.date, "Label": notes["label"],
                                    "Kind": notes["kind"].map(ANNOTATION_KINDS)})
        st.dataframe(shown_notes, hide_index=True)
        widgets.downloads(shown_notes, f"annotations_{aim.id}", key=f"note_dl_{aim.id}")
    with st.form(f"note_add_{aim.id}", clear_on_submit=True):
        c1, c2, c3 = st.columns([1, 2, 1])
        on = c1.date_input("Date", dt.date.today(), format="YYYY-MM-DD")
        label = c2.text_input("What happened", max_chars=200)
        kind = c3.selectbox("Kind", list(ANNOTATION_KINDS), format_func=ANNOTATION_KINDS.get,
                            help="An astronomical point marks the measurement period the date falls in; a new "
                                 "phase recalculates the limits from the first period on or after the date.")
        added = st.form_submit_button("Add annotation")
    if added and auth.permit(Permission.EDIT_AIMS, org_id, "add an annotation"):
        try:
            register.add_annotation(aim.id, on, label, kind)
            st.toast("Annotation added.")
            st.rerun()
        except AimError as exc:
            show_problems(exc, "The annotation was not added")
    if not notes.empty:
        labels = {int(r.id): f"{r.on_date:%Y-%m-%d} {r.label}" for r in notes.itertuples()}
        c1, c2 = st.columns([2, 1])
        doomed_note = c1.selectbox("Delete an annotation", list(labels), format_func=labels.get,
                                   key=f"note_del_{aim.id}")
        if c2.button("Delete annotation", key=f"note_del_btn_{aim.id}") \
                and auth.permit(Permission.EDIT_AIMS, org_id, "delete an annotation"):
            register.delete_annotation(doomed_note)
            auth.access().audit.record(principal.label, Action.DELETION, organization_id=org_id, target=aim.title,
                                       detail=f"annotation {labels[doomed_note]}", address=auth.address())
            st.rerun()

with tab_settings:
    aim_form(aim)
    with st.expander("Delete this aim"):
        if not principal.can(Permission.DELETE_DATA, org_id):
            st.caption("Only an admin of the organization may delete an aim.")
        else:
            st.warning("Deleting removes the aim with all its measurements and annotations.")
        if principal.can(Permission.DELETE_DATA, org_id) and \
                st.checkbox(f"Yes, delete “{widgets.esc(aim.title)}”", key=f"aim_del_ok_{aim.id}") and \
                st.button("Delete aim", key=f"aim_del_{aim.id}", type="primary") and \
                auth.permit(Permission.DELETE_DATA, org_id, "delete an aim"):
            register.delete_aim(aim.id)
            auth.access().audit.record(principal.label, Action.DELETION, organization_id=org_id, target=aim.title,
                                       detail="aim with its measurements and annotations", address=auth.address())
            st.session_state["aims_pending"] = NEW
            st.rerun()
