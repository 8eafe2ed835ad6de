"""Manage data: organizations, departments, rounds, and importing and exporting responses."""

import datetime as dt
import hashlib
from collections.abc import Callable

import pandas as pd
import streamlit as st

from leverage.core.database import StoreError
from leverage.survey.imports import check_upload, import_responses
from leverage.survey.instrument import available_instruments
from leverage.survey.responses import RESPONSE_COLUMNS, to_csv_bytes, to_parquet_bytes
from ui import frame, state, widgets

frame.require()

widgets.header("Manage data",
               "Add organizations, departments and assessment rounds; import responses (all rows valid, or "
               "nothing is written) and export them as parquet or CSV.")

settings = state.settings()
store = state.store()
selected = state.selected_organization()

tab_orgs, tab_rounds, tab_import, tab_export = st.tabs(
    ["Organizations and departments", "Rounds", "Import responses", "Export responses"])


def attempt(action: Callable[[], object], success: str) -> None:
    """Run a store write; show its error, or remember a success message for after the rerun."""
    try:
        action()
    except StoreError as exc:
        st.error(widgets.esc(exc))
    else:
        st.session_state["manage_flash"] = success
        st.rerun()


if flash := st.session_state.pop("manage_flash", None):
    st.success(flash)

with tab_orgs:
    orgs = state.cached(state.organizations)
    st.dataframe(orgs.rename(columns={"id": "Id", "name": "Organization"}), hide_index=True)
    widgets.downloads(orgs, "organizations", "dl_orgs")
    with st.form("add_org", clear_on_submit=True):
        name = st.text_input("New organization", max_chars=200)
        if st.form_submit_button("Add organization"):
            attempt(lambda: store.add_organization(name), f"Added organization {widgets.esc(repr(name.strip()))}.")
    if selected is not None:
        org_id, org_name = selected
        st.subheader(f"Departments of {widgets.esc(org_name)}")
        depts = state.cached(state.departments, org_id)
        st.dataframe(depts.rename(columns={"id": "Id", "name": "Department"}), hide_index=True)
        widgets.downloads(depts, f"departments-{org_name}", "dl_depts")
        with st.form("add_dept", clear_on_submit=True):
            dept = st.text_input("New department", max_chars=200)
            if st.form_submit_button("Add department"):
                attempt(lambda: store.add_department(org_id, dept),
                        f"Added department {widgets.esc(repr(dept.strip()))}.")

with tab_rounds:
    if selected is None:
        widgets.no_organization_yet()
    else:
        org_id, org_name = selected
        rounds = state.cached(state.rounds, org_id)
        st.subheader(f"Rounds of {widgets.esc(org_name)}")
        st.dataframe(rounds.rename(columns={"id": "Id", "name": "Round", "instrument_id": "Instrument",
                                            "instrument_version": "Version", "opens_on": "Opens",
                                            "closes_on": "Closes", "respondents": "Respondents"}),
                     hide_index=True)
        widgets.downloads(rounds, f"rounds-{org_name}", "dl_rounds")
        instruments = available_instruments()
        with st.form("add_round", clear_on_submit=True):
            round_name = st.text_input("Round name", placeholder="e.g. 2027 Spring", max_chars=200)
            key = st.selectbox("Instrument", list(instruments),
                               format_func=lambda k: f"{instruments[k].text(instruments[k].title, 'en')} ({k[1]})")
            c1, c2 = st.columns(2)
            opens = c1.date_input("Opens on", value=dt.date.today())
            closes = c2.date_input("Closes on (leave empty to keep it open)", value=None)
            if st.form_submit_button("Add round"):
                attempt(lambda: store.add_round(org_id, round_name, instruments[key], opens, closes),
                        f"Added round {widgets.esc(repr(round_name.strip()))}.")

with tab_import:
    st.caption(f"A parquet or CSV file in the long format, one row per answer, with the columns "
               f"{', '.join(RESPONSE_COLUMNS)}. `value` is a whole number 1–5, or empty for “don't know”. "
               "Organizations, departments and rounds that do not exist yet are created.")
    # A new key after each import empties the uploader.
    upload = st.file_uploader("Response file", type=["parquet", "csv"],
                              key=f"import_file_{st.session_state.get('import_generation', 0)}",
                              max_upload_size=settings.max_upload_mb)
    if upload is not None:
        # Checked once per file content (and store revision), not on every rerun of the page.
        key = (hashlib.sha256(upload.getvalue()).hexdigest(), upload.name, state.revision())
        checked = st.session_state.get("import_checked")
        if checked is None or checked[0] != key:
            with st.spinner("Checking every row…"):
                checked = (key, check_upload(upload.getvalue(), upload.name, store, settings))
            st.session_state["import_checked"] = checked
        check = checked[1]
        if not check.ok:
            st.error(f"{widgets.esc(upload.name)} cannot be imported: {len(check.problems)} problem(s) found. "
                     "Nothing was written.")
            problems = pd.DataFrame([{"Row": p.row, "Column": p.column, "Problem": p.message}
                                     for p in check.problems])
            st.dataframe(problems, hide_index=True)
            widgets.downloads(problems, f"problems-{upload.name}", "dl_import_problems")
        else:
            st.success(f"{widgets.esc(upload.name)} is valid.")
            st.dataframe(pd.DataFrame([check.summary()]), hide_index=True)
            if st.button("Import these responses", type="primary"):
                try:
                    with st.spinner("Importing…"):
                        report = import_responses(check, store)
                except StoreError as exc:
                    st.error(f"Nothing was imported: {widgets.esc(exc)}")
                else:
                    st.session_state["manage_flash"] = (
                        f"Imported {report.respondents} respondents and {report.answers} answers "
                        f"({report.organizations} new organizations, {report.rounds} new rounds, "
                        f"{report.departments} new departments).")
                    st.session_state["import_generation"] = st.session_state.get("import_generation", 0) + 1
                    st.session_state.pop("import_checked", None)
                    st.rerun()

with tab_export:
    if selected is None:
        widgets.no_organization_yet()
    else:
        org_id, org_name = selected
        rounds = state.cached(state.rounds, org_id)
        chosen = st.multiselect("Rounds", rounds["id"].tolist(), default=rounds["id"].tolist(),
                                format_func=dict(zip(rounds["id"], rounds["name"], strict=True)).get)
        if not chosen:
            st.info("Choose at least one round to export.")
        else:
            picked = rounds[rounds["id"].isin(chosen)]
            st.caption(f"{int(picked['respondents'].sum()):,} respondents in {len(picked)} round(s). Individual "
                       "answers: share them only as your data-protection rules allow.")
            stem = f"responses-{org_name}".replace(" ", "_")
            ids = [int(i) for i in chosen]
            c1, c2, _ = st.columns([1, 1, 3])
            # The file is read and written only when a button is clicked.
            c1.download_button("Download parquet", lambda: to_parquet_bytes(store.responses(org_id, ids)),
                               f"{stem}.parquet", "application/octet-stream", icon=":material/download:",
                               on_click="ignore")
            c2.download_button("Download CSV", lambda: to_csv_bytes(store.responses(org_id, ids)), f"{stem}.csv",
                               "text/csv", icon=":material/download:", on_click="ignore")
