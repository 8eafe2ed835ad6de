"""Manage data: organizations, departments, rounds, and importing and exporting responses."""

import datetime as dt
import hashlib
from collections.abc import Callable

import pandas as pd
import streamlit as st

from leverage.access.audit import Action
from leverage.access.permissions import InstallationPermission, Permission, Role
from leverage.core.database import StoreError
from leverage.core.i18n import _, format_number, language
from leverage.survey.imports import check_upload, import_responses
from leverage.survey.instrument import available_instruments
from leverage.survey.responses import RESPONSE_COLUMNS, to_csv_bytes, to_parquet_bytes
from ui import auth, frame, state, widgets

frame.require()
principal = auth.require(Permission.MANAGE_ROUNDS, Permission.IMPORT_RESPONSES, Permission.EXPORT_RAW,
                         InstallationPermission.ADD_ORGANIZATION)

widgets.header(_("Manage data"),
               _("Add organizations, departments and assessment rounds; import responses (all rows valid, or "
                 "nothing is written) and export them as parquet or CSV."))

settings = state.settings()
store = state.store()
selected = state.selected_organization(principal.organizations())
access = auth.access()


def may(permission: Permission) -> bool:
    return selected is not None and principal.can(permission, selected[0])


def not_yours(message: str) -> None:
    """`message` (a translated sentence with {organization}) about what this person's role leaves out."""
    st.info(message.format(organization=widgets.esc(selected[1]) if selected else _("this organization")))

tab_orgs, tab_rounds, tab_import, tab_export = st.tabs(
    [_("Organizations and departments"), _("Rounds"), _("Import responses"), _("Export responses")])


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

def add_organization(name: str) -> None:
    """An installation admin's new organization, with the adder as its first admin (both logged)."""
    org = access.add_organization(principal, name, auth.address())
    if principal.signed_in:
        access.users.set_roles(principal, principal.user_id, org, {Role.ADMIN}, auth.address())
        auth.refresh()
    st.session_state[state.ORG_KEY] = org


with tab_orgs:
    orgs = state.cached(state.organizations)
    if not principal.installation_admin:
        orgs = orgs[orgs["id"].isin(principal.organizations())]
    st.dataframe(orgs.rename(columns={"id": _("Id"), "name": _("Organization")}), hide_index=True)
    widgets.downloads(orgs, "organizations", "dl_orgs")
    if principal.can(InstallationPermission.ADD_ORGANIZATION):
        with st.form("add_org", clear_on_submit=True):
            name = st.text_input(_("New organization"), max_chars=200)
            if st.form_submit_button(_("Add organization")) and \
                    auth.permit(InstallationPermission.ADD_ORGANIZATION, None, "add an organization"):
                attempt(lambda: add_organization(name), _("Added organization {name}.").format(
                    name=widgets.esc(repr(name.strip()))))
    if selected is not None and may(Permission.MANAGE_ROUNDS):
        org_id, org_name = selected
        st.subheader(_("Departments of {organization}").format(organization=widgets.esc(org_name)))
        depts = state.cached(state.departments, org_id)
        st.dataframe(depts.rename(columns={"id": _("Id"), "name": _("Department")}), hide_index=True)
        widgets.downloads(depts, f"departments-{org_name}", "dl_depts")
        with st.form("add_dept", clear_on_submit=True):
            dept = st.text_input(_("New department"), max_chars=200)
            if st.form_submit_button(_("Add department")) and \
                    auth.permit(Permission.MANAGE_ROUNDS, org_id, "add a department"):
                attempt(lambda: store.add_department(org_id, dept),
                        _("Added department {name}.").format(name=widgets.esc(repr(dept.strip()))))

with tab_rounds:
    if selected is None:
        widgets.no_organization_yet()
    elif not may(Permission.MANAGE_ROUNDS):
        not_yours(_("Your role in {organization} does not include its rounds."))
    else:
        org_id, org_name = selected
        rounds = state.cached(state.rounds, org_id)
        st.subheader(_("Rounds of {organization}").format(organization=widgets.esc(org_name)))
        st.dataframe(rounds.rename(columns={"id": _("Id"), "name": _("Round"), "instrument_id": _("Instrument"),
                                            "instrument_version": _("Version"), "opens_on": _("Opens"),
                                            "closes_on": _("Closes"), "respondents": _("Respondents"),
                                            "workshop": _("From a workshop")}),
                     hide_index=True)
        widgets.downloads(rounds, f"rounds-{org_name}", "dl_rounds")
        instruments = available_instruments()
        with st.form("add_round", clear_on_submit=True):
            round_name = st.text_input(_("Round name"), placeholder=_("e.g. 2027 Spring"), max_chars=200)
            lang = language()
            key = st.selectbox(_("Instrument"), list(instruments),
                               format_func=lambda k: f"{instruments[k].text(instruments[k].title, lang)} ({k[1]})")
            c1, c2 = st.columns(2)
            opens = c1.date_input(_("Opens on"), value=dt.date.today())
            closes = c2.date_input(_("Closes on (leave empty to keep it open)"), value=None)
            if st.form_submit_button(_("Add round")) and auth.permit(Permission.MANAGE_ROUNDS, org_id, "add a round"):
                attempt(lambda: store.add_round(org_id, round_name, instruments[key], opens, closes),
                        _("Added round {name}.").format(name=widgets.esc(repr(round_name.strip()))))

def importable(check) -> str | None:
    """Why this person may not import the file, or None: every organization in it must be one they may import
    into; new organizations only for an installation admin."""
    names = set(check.frame["organization"].unique())
    orgs = state.cached(state.organizations)
    known = dict(zip(orgs["name"], orgs["id"], strict=True))
    new = sorted(n for n in names if n not in known)
    theirs = {n for n in names if n in known and principal.can(Permission.IMPORT_RESPONSES, int(known[n]))}
    if new and not principal.installation_admin:
        return _("the file would create organization(s) {names}; only an installation admin may.").format(
            names=", ".join(new))
    foreign = sorted(n for n in names if n in known and n not in theirs)
    if foreign:
        return _("you may not import into {names} (an admin of it may).").format(names=", ".join(foreign))
    return None


def grant_new_organizations(before: set[int]) -> None:
    """An installation admin becomes admin of the organizations their import created."""
    store_orgs = store.list_organizations()
    for org in set(store_orgs["id"]) - before:
        access.users.set_roles(principal, principal.user_id, int(org), {Role.ADMIN}, auth.address())
    auth.refresh()


with tab_import:
    if not principal.installation_admin and not any(principal.can(Permission.IMPORT_RESPONSES, o)
                                                    for o in principal.organizations()):
        st.info(_("Importing responses needs the admin role in an organization."))
        upload_allowed = False
    else:
        upload_allowed = True
    st.caption(_("A parquet or CSV file in the long format, one row per answer, with the columns {columns}. "
                 "`value` is a whole number 1–5, or empty for “don't know”. Organizations, departments and rounds "
                 "that do not exist yet are created.").format(columns=", ".join(RESPONSE_COLUMNS)))
    # A new key after each import empties the uploader.
    upload = st.file_uploader(_("Response file"), type=["parquet", "csv"],
                              key=f"import_file_{st.session_state.get('import_generation', 0)}",
                              disabled=not upload_allowed,
                              max_upload_size=settings.max_upload_mb)
    if upload is not None and upload_allowed:
        # Checked once per file content (and store revision), not on every rerun of the page.
        key = (hashlib.sha256(upload.getvalue()).hexdigest(), upload.name, state.revision())
        checked = st.session_state.get("import_checked")
        if checked is None or checked[0] != key:
            with st.spinner(_("Checking every row…")):
                checked = (key, check_upload(upload.getvalue(), upload.name, store, settings))
            st.session_state["import_checked"] = checked
        check = checked[1]
        if not check.ok:
            st.error(_("{file} cannot be imported: {n} problem(s) found. Nothing was written.").format(
                file=widgets.esc(upload.name), n=len(check.problems)))
            problems = pd.DataFrame([{_("Row"): p.row, _("Column"): p.column, _("Problem"): p.message}
                                     for p in check.problems])
            st.dataframe(problems, hide_index=True)
            widgets.downloads(problems, f"problems-{upload.name}", "dl_import_problems")
        elif (why := importable(check)) is not None:
            st.error(_("{file} cannot be imported: {why} Nothing was written.").format(
                file=widgets.esc(upload.name), why=widgets.esc(why)))
        else:
            st.success(_("{file} is valid.").format(file=widgets.esc(upload.name)))
            st.dataframe(pd.DataFrame([check.summary()]), hide_index=True)
            if st.button(_("Import these responses"), type="primary") and importable(check) is None:
                try:
                    before = set(store.list_organizations()["id"])
                    with st.spinner(_("Importing…")):
                        report = import_responses(check, store)
                    names = ", ".join(sorted(check.frame["organization"].unique()))
                    access.audit.record(principal.label, Action.IMPORT, target=upload.name,
                                        organization_id=selected[0] if selected else None, address=auth.address(),
                                        detail=f"{report.respondents} respondents, {report.answers} answers; "
                                               f"organizations: {names}")
                    if principal.installation_admin and principal.signed_in:
                        grant_new_organizations(before)
                except StoreError as exc:
                    st.error(_("Nothing was imported: {problem}").format(problem=widgets.esc(exc)))
                else:
                    st.session_state["manage_flash"] = _(
                        "Imported {respondents} respondents and {answers} answers ({organizations} new "
                        "organizations, {rounds} new rounds, {departments} new departments).").format(
                        respondents=report.respondents, answers=report.answers,
                        organizations=report.organizations, rounds=report.rounds, departments=report.departments)
                    st.session_state["import_generation"] = st.session_state.get("import_generation", 0) + 1
                    st.session_state.pop("import_checked", None)
                    st.rerun()

def raw_export(org_id: int, org_name: str, ids: list[int], kind: str) -> bytes:
    """Rows of answers, read when the button is clicked, and the export written to the audit log."""
    frame = store.responses(org_id, ids)
    access.audit.record(principal.label, Action.RAW_EXPORT, organization_id=org_id, target=org_name,
                        detail=f"{kind}, {len(frame):,} answers, round ids {ids}", address=auth.address())
    return to_parquet_bytes(frame) if kind == "parquet" else to_csv_bytes(frame)


with tab_export:
    if selected is None:
        widgets.no_organization_yet()
    elif not may(Permission.EXPORT_RAW):
        not_yours(_("Your role in {organization} does not include exports of individual answers (admins only); "
                    "the published tables on Results and Compare can be downloaded there."))
    else:
        org_id, org_name = selected
        rounds = state.cached(state.rounds, org_id)
        chosen = st.multiselect(_("Rounds"), rounds["id"].tolist(), default=rounds["id"].tolist(),
                                format_func=dict(zip(rounds["id"], rounds["name"], strict=True)).get)
        if not chosen:
            st.info(_("Choose at least one round to export."))
        else:
            picked = rounds[rounds["id"].isin(chosen)]
            st.caption(_("{respondents} respondents in {rounds} round(s). Individual answers: share them only as "
                         "your data-protection rules allow.").format(
                respondents=format_number(int(picked["respondents"].sum())), rounds=len(picked)))
            stem = f"responses-{org_name}".replace(" ", "_")
            ids = [int(i) for i in chosen]
            c1, c2, _rest = st.columns([1, 1, 3])
            # The file is read and written only when a button is clicked.
            c1.download_button(_("Download parquet"), lambda: raw_export(org_id, org_name, ids, "parquet"),
                               f"{stem}.parquet", "application/octet-stream", icon=":material/download:",
                               on_click="ignore")
            c2.download_button(_("Download CSV"), lambda: raw_export(org_id, org_name, ids, "csv"), f"{stem}.csv",
                               "text/csv", icon=":material/download:", on_click="ignore")
