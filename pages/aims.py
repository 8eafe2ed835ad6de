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
from leverage.core.i18n import _, format_date, format_number, language
from leverage.reports.excel import XLSX_MIME, aims_register_workbook
from leverage.survey.instrument import default_instrument
from leverage.survey.measures import WHOLE_SYSTEM_MEASURES
from ui import aim_state, aim_widgets, auth, frame, state, widgets

frame.require()
principal, org_id, org_name = auth.organization_page(Permission.EDIT_AIMS)

widgets.header(_("Aims"),
               _("The board's system-level aims (leverage point 1): a measure, a baseline, a target and a deadline. "
                 "Enter or import measurements, record the changes you test, and see the chart the board will read."))

NEW = -1
lang = language()
register = aim_state.register()
views = aim_state.views(org_id)
titles = {v.aim.id: v.aim.title for v in views}
options = [*titles, NEW]
if "aims_pending" in st.session_state:  # chosen elsewhere (just created, or "Edit" on the Board page)
    st.session_state["aims_selected"] = st.session_state.pop("aims_pending")
if st.session_state.get("aims_selected") not in options:
    st.session_state["aims_selected"] = options[0]
aim_id = st.selectbox(_("Aim"), options, key="aims_selected",
                      format_func=lambda i: _("➕ New aim…") if i == NEW else titles[i])


def register_workbook(organization_id: int) -> bytes:
    """The organization's whole register, read fresh when the button is clicked (not on every rerun)."""
    listed = register.list_aims(organization_id)
    ids = [a.id for a in listed]
    return aims_register_workbook(listed, register.measurements(ids), register.annotations(ids))


if titles:
    st.download_button(_("Download the aims register (Excel)"), partial(register_workbook, org_id),
                       f"aims-register-{org_name}.xlsx".replace(" ", "_"), XLSX_MIME, key="aims_register_xlsx",
                       icon=":material/download:", on_click="ignore",
                       help=_("Every aim of the organization with its measurements and annotations, one sheet each."))


def show_problems(exc: AimError | MeasurementError, what: str) -> None:
    """One error box: what was refused (nothing of it was saved) and every problem, each naming its field or row."""
    st.error(f"{what}:\n" + "\n".join(f"- {widgets.esc(p)}" for p in exc.problems))


def aim_form(aim: Aim | None) -> None:
    """Create or edit an aim; every problem is named and nothing is saved until all are fixed."""
    base = aim or Aim(organization_id=org_id, title="", measure=WHOLE_SYSTEM_MEASURES[0])
    points = default_instrument().points
    types = list(DATA_TYPES)
    data_type = st.selectbox(_("Data type"), types, index=types.index(base.data_type),
                             format_func=lambda t: _(DATA_TYPES[t]), key=f"aim_type_{aim_id}",
                             help=_("Decides how measurements are entered (one value, or numerator and denominator) "
                                    "and which charts fit."))
    charts = CHARTS_FOR_TYPE[data_type]
    chart_index = charts.index(base.chart) if base.chart in charts else 0
    chart = st.selectbox(_("Chart"), charts, index=chart_index, format_func=lambda c: _(CHART_NAMES[c]),
                         key=f"aim_chart_{aim_id}",
                         help=_("Decides which rule sets can read it: Making Data Count's rules need process limits "
                                "(XmR, p, u); a run chart is read with IHI's or Anhøj's rules."))
    rule_sets = RULES_FOR_CHART[chart]
    with st.form(f"aim_form_{aim_id}"):
        title = st.text_input(_("Title"), base.title, max_chars=200, placeholder=_("e.g. Cut harm by half by 2027"))
        c1, c2 = st.columns(2)
        measure = c1.text_input(_("System-level measure"), base.measure, max_chars=200,
                                help=_("Whole-system measures (IHI): {measures}").format(
                                    measures="; ".join(_(m) for m in WHOLE_SYSTEM_MEASURES)))
        unit = c2.text_input(_("Unit"), base.unit, max_chars=200, placeholder=_("e.g. events per 1,000 patient days"))
        definition = st.text_area(_("Definition"), base.definition, max_chars=2000, height=70,
                                  placeholder=_("Numerator, denominator, source, exclusions"))
        c1, c2 = st.columns(2)
        direction = c1.radio(_("Better is"), ["down", "up"], index=0 if base.direction == "down" else 1,
                             format_func={"down": _("Lower"), "up": _("Higher")}.get, horizontal=True)
        default_mult = base.multiplier if aim and base.data_type == data_type and base.multiplier else \
            DEFAULT_MULTIPLIER[data_type]
        multiplier = c2.number_input(_("Multiplier"), value=float(default_mult), min_value=0.0, step=1.0,
                                     disabled=data_type == "continuous",
                                     help=_("Proportions ×100 show as percent; rates ×1,000 as per 1,000 patient "
                                            "days."))
        c1, c2 = st.columns(2)
        baseline_period = c1.date_input(_("Baseline period"), base.baseline_period, format="YYYY-MM-DD")
        baseline_value = c2.number_input(_("Baseline value"), value=base.baseline_value, format="%.4g")
        c1, c2 = st.columns(2)
        target_value = c1.number_input(_("Target value"), value=base.target_value, format="%.4g")
        deadline = c2.date_input(_("Deadline"), base.deadline, format="YYYY-MM-DD")
        trajectory = st.data_editor(
            pd.DataFrame(list(base.trajectory), columns=["due", "value"]).astype({"due": "datetime64[s]",
                                                                                   "value": float}),
            num_rows="dynamic", key=f"aim_trajectory_{aim_id}", width="content",
            column_config={"due": st.column_config.DateColumn(_("Interim target due"), format="YYYY-MM-DD"),
                           "value": st.column_config.NumberColumn(_("Interim target"))})
        c1, c2 = st.columns(2)
        owner = c1.text_input(_("Executive owner"), base.owner, max_chars=200)
        cadence = c2.selectbox(_("Board review"), list(CADENCE_LABELS), format_func=lambda c: _(CADENCE_LABELS[c]),
                               index=list(CADENCE_LABELS).index(base.review_cadence))
        linked = st.multiselect(_("Linked leverage points"), [int(p.id.removeprefix("LP")) for p in points],
                                default=list(base.leverage_points),
                                format_func=lambda i: f"{i}. {default_instrument().text(points[i - 1].title, lang)}")
        c1, c2, c3 = st.columns(3)
        usual = base.rule_set if base.rule_set in rule_sets and base.chart == chart else DEFAULT_RULES[chart]
        rule_set = c1.selectbox(_("Rule set"), list(rule_sets), format_func=lambda r: _(RULE_SET_NAMES[r]),
                                index=rule_sets.index(usual),
                                help=_("The chart's usual rule set is chosen for you: IHI on a run chart, Making "
                                       "Data Count on XmR, p and u charts."))
        baseline_points = c2.number_input(_("Freeze limits on the first k points"), value=base.baseline_points,
                                          min_value=2, step=1, help=_("Empty: each phase's limits use all its points."))
        public = c3.checkbox(_("Publicly committed"), base.public_commitment)
        saved = st.form_submit_button(_("Save aim") if aim else _("Create aim"), type="primary")
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
        show_problems(exc, _("The aim was not saved"))
        return
    st.session_state["aims_pending"] = new_id
    widgets.flash(_("Saved “{title}”.").format(title=widgets.esc(candidate.title.strip())))
    st.rerun()


if aim_id == NEW:
    st.subheader(_("New aim"))
    aim_form(None)
    st.stop()

view = aim_state.view(org_id, aim_id)
aim = view.aim
tab_chart, tab_data, tab_notes, tab_settings = st.tabs([_("Chart"), _("Measurements"), _("Annotations"),
                                                       _("Aim settings")])

with tab_chart:
    aim_widgets.aim_detail(view, key="aims")

with tab_data:
    rows = register.measurements([aim.id]).drop(columns="aim_id")
    if aim.counts:
        rows = rows.drop(columns="value").assign(value=rows["numerator"] / rows["denominator"] * aim.multiplier)
    else:
        rows = rows.drop(columns=["numerator", "denominator"])
    st.caption(_("{count} period(s).").format(count=format_number(len(rows))) + " " + (
        _("Enter the numerator and denominator; the chart shows numerator / denominator × {multiplier}.").format(
            multiplier=format_number(aim.multiplier)) if aim.counts else _("Enter one value per period.")))
    if rows.empty:
        st.info(_("No measurements yet: add one below or import a file."))
    else:
        st.dataframe(rows.assign(period=rows["period"].dt.date), hide_index=True, height=260)
        widgets.downloads(rows, f"measurements_{aim.id}", key=f"meas_dl_{aim.id}")
    with st.form(f"meas_one_{aim.id}", clear_on_submit=True):
        st.markdown(_("**Add or correct one period**"))
        c1, c2, c3 = st.columns(3)
        period = c1.date_input(_("Period"), None, format="YYYY-MM-DD")
        if aim.counts:
            numerator = c2.number_input(_("Numerator"), value=None, min_value=0.0)
            denominator = c3.number_input(_("Denominator"), value=None, min_value=0.0)
        else:
            value = c2.number_input(_("Value"), value=None, format="%.4g")
        add = st.form_submit_button(_("Save period"))
    if add and auth.permit(Permission.EDIT_AIMS, org_id, "save a measurement"):
        one = pd.DataFrame({"period": [period.isoformat() if period else None]})
        if aim.counts:
            one["numerator"], one["denominator"] = [numerator], [denominator]
        else:
            one["value"] = [value]
        try:
            register.save_measurements(aim, one, source="the form")
            widgets.flash(_("Saved {period}.").format(period=format_date(period, "MMM y")))
            st.rerun()
        except AimError as exc:
            show_problems(exc, _("The period was not saved"))
    st.markdown(_("**Import measurements**"))
    columns = "period, numerator, denominator" if aim.counts else "period, value"  # column names: not translated
    upload = st.file_uploader(_("CSV, Excel (.xlsx) or parquet with columns {columns}; periods as YYYY-MM-DD")
                              .format(columns=columns),
                              type=[s.lstrip(".") for s in READABLE_SUFFIXES], key=f"meas_upload_{aim.id}",
                              max_upload_size=state.settings().max_upload_mb)
    replace_all = st.checkbox(_("Replace all existing measurements (otherwise periods in the file are added or "
                                "overwritten)"), key=f"meas_replace_{aim.id}")
    if upload is not None and st.button(_("Import"), key=f"meas_import_{aim.id}", type="primary") \
            and auth.permit(Permission.EDIT_AIMS, org_id, "import measurements"):
        try:
            with st.spinner(_("Checking and importing…")):
                count = register.save_measurements(aim, read_bytes(upload.getvalue(), upload.name,
                                                                         state.settings().max_upload_rows),
                                                   source=upload.name, replace_all=replace_all)
            st.success(_("Imported {count} period(s) from {file}.").format(count=format_number(count),
                                                                          file=widgets.esc(upload.name)))
        except (MeasurementError, AimError) as exc:
            show_problems(exc, _("{file} was not imported; nothing was saved").format(file=widgets.esc(upload.name)))
    if not rows.empty:
        c1, c2 = st.columns([2, 1])
        doomed = c1.selectbox(_("Delete a period"), rows["period"].dt.date.tolist()[::-1], key=f"meas_del_{aim.id}")
        if c2.button(_("Delete period"), key=f"meas_del_btn_{aim.id}") \
                and auth.permit(Permission.EDIT_AIMS, org_id, "delete a measurement"):
            register.delete_measurement(aim.id, doomed)
            auth.access().audit.record(principal.label, Action.DELETION, organization_id=org_id, target=aim.title,
                                       detail=f"measurement of {doomed:%Y-%m-%d}", address=auth.address())
            widgets.flash(_("Deleted {period}.").format(period=format_date(doomed, "MMM y")))
            st.rerun()

with tab_notes:
    st.caption(_("One register of what happened: changes tested, PDSA cycles, events, astronomical points (a "
                 "person's judgement, shown as a signal) and new phases (the limits are recalculated from that date). "
                 "Every chart of the aim draws them."))
    notes = view.annotations
    if notes.empty:
        st.info(_("No annotations yet."))
    else:
        shown_notes = pd.DataFrame({_("Date"): notes["on_date"].dt.date, _("Label"): notes["label"],
                                    _("Kind"): [_(ANNOTATION_KINDS.get(k, k)) for k in notes["kind"]]})
        st.dataframe(shown_notes, hide_index=True)
        widgets.downloads(shown_notes, f"annotations_{aim.id}", key=f"note_dl_{aim.id}")
    with st.form(f"note_add_{aim.id}", clear_on_submit=True):
        c1, c2, c3 = st.columns([1, 2, 1])
        on = c1.date_input(_("Date"), dt.date.today(), format="YYYY-MM-DD")
        label = c2.text_input(_("What happened"), max_chars=200)
        kind = c3.selectbox(_("Kind"), list(ANNOTATION_KINDS), format_func=lambda k: _(ANNOTATION_KINDS[k]),
                            help=_("An astronomical point marks the measurement period the date falls in; a new "
                                   "phase recalculates the limits from the first period on or after the date."))
        added = st.form_submit_button(_("Add annotation"))
    if added and auth.permit(Permission.EDIT_AIMS, org_id, "add an annotation"):
        try:
            register.add_annotation(aim.id, on, label, kind)
            widgets.flash(_("Annotation added."))
            st.rerun()
        except AimError as exc:
            show_problems(exc, _("The annotation was not added"))
    if not notes.empty:
        labels = {int(r.id): f"{r.on_date:%Y-%m-%d} {r.label}" for r in notes.itertuples()}
        c1, c2 = st.columns([2, 1])
        doomed_note = c1.selectbox(_("Delete an annotation"), list(labels), format_func=labels.get,
                                   key=f"note_del_{aim.id}")
        if c2.button(_("Delete annotation"), key=f"note_del_btn_{aim.id}") \
                and auth.permit(Permission.EDIT_AIMS, org_id, "delete an annotation"):
            register.delete_annotation(doomed_note)
            auth.access().audit.record(principal.label, Action.DELETION, organization_id=org_id, target=aim.title,
                                       detail=f"annotation {labels[doomed_note]}", address=auth.address())
            st.rerun()

with tab_settings:
    aim_form(aim)
    with st.expander(_("Delete this aim")):
        if not principal.can(Permission.DELETE_DATA, org_id):
            st.caption(_("Only an admin of the organization may delete an aim."))
        else:
            st.warning(_("Deleting removes the aim with all its measurements and annotations."))
        if principal.can(Permission.DELETE_DATA, org_id) and \
                st.checkbox(_("Yes, delete “{title}”").format(title=widgets.esc(aim.title)),
                            key=f"aim_del_ok_{aim.id}") \
                and st.button(_("Delete aim"), key=f"aim_del_{aim.id}", type="primary") and \
                auth.permit(Permission.DELETE_DATA, org_id, "delete an aim"):
            register.delete_aim(aim.id)
            auth.access().audit.record(principal.label, Action.DELETION, organization_id=org_id, target=aim.title,
                                       detail="aim with its measurements and annotations", address=auth.address())
            st.session_state["aims_pending"] = NEW
            st.rerun()
