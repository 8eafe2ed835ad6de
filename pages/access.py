"""Users and access: people and their roles per organization, invitations to sign in, single sign-on
mappings, named comparisons, organizations and their admins, and the audit log."""

import pandas as pd
import streamlit as st

from leverage.access.permissions import (
    ROLE_HELP,
    ROLE_LABELS,
    InstallationPermission,
    Permission,
    Role,
)
from leverage.access.sessions import INVITE_DAYS, signin_url
from leverage.core.database import StoreError
from ui import auth, frame, live, state, widgets

frame.require()
principal = auth.require(Permission.MANAGE_MEMBERS, Permission.READ_AUDIT, InstallationPermission.MANAGE_ANY_MEMBERS)

widgets.header("Users and access",
               "Who may sign in and what each may do, per organization. Every change is written to the audit log.")

access = auth.access()
orgs = state.cached(state.organizations)
names = dict(zip(orgs["id"], orgs["name"], strict=True))
managed = [int(o) for o in orgs["id"] if principal.can_manage(int(o))]
selected = state.selected_organization(principal.organizations())
org_id = selected[0] if selected and principal.can_manage(selected[0]) else (managed[0] if managed else None)
roles_all = list(Role)


def flash_then_rerun(text: str) -> None:
    st.session_state["access_flash"] = text
    auth.refresh()
    st.rerun()


if flash := st.session_state.pop("access_flash", None):
    st.success(flash)
if link := st.session_state.pop("access_link", None):
    st.info("Send this one-time sign-in link to the person (it works once; they can then choose a password):")
    st.code(link, language=None)

tabs = st.tabs(["Users and roles", "Single sign-on", "Named comparisons", "Organizations", "Audit log"])

with tabs[0]:
    if org_id is None:
        st.info("You administer no organization." + (" Add one under Organizations." if principal.installation_admin
                                                     else ""))
    else:
        org_id = st.selectbox("Organization", managed, index=managed.index(org_id), format_func=names.get,
                              key="access_org")
        st.caption("Roles: " + "; ".join(f"**{ROLE_LABELS[r]}**: {ROLE_HELP[r]}" for r in roles_all))
        people = access.users.list([org_id])
        st.dataframe(people[["email", "name", "roles", "last_signin_at"]].rename(columns={
            "email": "E-mail", "name": "Name", "roles": "Roles", "last_signin_at": "Last sign-in"}), hide_index=True)
        with st.form("access_add", clear_on_submit=True):
            st.markdown(f"**Invite someone to {widgets.esc(names[org_id])}**")
            c1, c2 = st.columns(2)
            email = c1.text_input("E-mail address", max_chars=254)
            name = c2.text_input("Name (optional)", max_chars=200)
            chosen = st.multiselect("Roles", roles_all, default=[Role.VIEWER], format_func=ROLE_LABELS.get)
            add = st.form_submit_button("Add and make a sign-in link", type="primary")
        if add and (principal.can_manage(org_id) or auth.permit(Permission.MANAGE_MEMBERS, org_id, "add a user")):
            try:
                uid = access.users.add(principal, email, name, organization_id=org_id, roles=tuple(chosen),
                                       address=auth.address())
                token = access.sessions.create_link(principal, uid, INVITE_DAYS * 24 * 60, auth.address())
            except StoreError as exc:
                st.error(widgets.esc(exc))
            else:
                st.session_state["access_link"] = signin_url(live.base_url(), token)
                flash_then_rerun(f"{email.strip().lower()} may now sign in to {names[org_id]} (link valid "
                                 f"{INVITE_DAYS} days).")
        if not people.empty:
            st.markdown("**Change someone's roles**")
            emails = dict(zip(people["id"], people["email"], strict=True))
            who = st.selectbox("Person", list(emails), format_func=emails.get, key="access_who")
            held = access.users.roles_of(int(who)).get(org_id, frozenset())
            with st.form(f"access_roles_{who}_{org_id}"):
                new = st.multiselect("Roles (none: removes them from the organization)", roles_all,
                                     default=sorted(held), format_func=ROLE_LABELS.get)
                c1, c2 = st.columns(2)
                save = c1.form_submit_button("Save roles")
                link_now = c2.form_submit_button("Make a sign-in link (15 minutes)")
            if save:
                try:
                    access.users.set_roles(principal, int(who), org_id, set(new), auth.address())
                except StoreError as exc:
                    st.error(widgets.esc(exc))
                else:
                    flash_then_rerun(f"Saved the roles of {emails[who]}.")
            if link_now:
                try:
                    token = access.sessions.create_link(principal, int(who), address=auth.address())
                except StoreError as exc:
                    st.error(widgets.esc(exc))
                else:
                    st.session_state["access_link"] = signin_url(live.base_url(), token)
                    flash_then_rerun(f"Made a one-time sign-in link for {emails[who]}.")

with tabs[1]:
    if org_id is None:
        st.info("You administer no organization.")
    else:
        configured = auth.sso_configured()
        st.caption(("Single sign-on is configured." if configured else
                    "Single sign-on is not configured (an `[auth]` section in `.streamlit/secrets.toml`, see "
                    "docs/deployment.md); mappings made now apply once it is.")
                   + " People who sign in through it get the roles of every mapping that names their e-mail address "
                     "or one of their groups, worked out again at each sign-in.")
        mappings = access.sso.list([org_id])
        st.dataframe(mappings[["kind", "value", "role"]].rename(columns={"kind": "By", "value": "E-mail or group",
                                                                         "role": "Role"}), hide_index=True)
        with st.form("access_sso_add", clear_on_submit=True):
            c1, c2, c3 = st.columns([1, 2, 1])
            kind = c1.selectbox("By", ["email", "group"], format_func={"email": "E-mail", "group": "Group"}.get)
            value = c2.text_input("E-mail address or group name", max_chars=254)
            role = c3.selectbox("Role", roles_all, format_func=ROLE_LABELS.get)
            add = st.form_submit_button("Add mapping")
        if add:
            try:
                access.sso.add(principal, kind, value, org_id, role, auth.address())
            except StoreError as exc:
                st.error(widgets.esc(exc))
            else:
                flash_then_rerun("Mapping added.")
        if not mappings.empty:
            labels = {int(r.id): f"{r.kind} {r.value} → {r.role}" for r in mappings.itertuples()}
            c1, c2 = st.columns([3, 1])
            doomed = c1.selectbox("Remove a mapping", list(labels), format_func=labels.get, key="access_sso_del")
            if c2.button("Remove", key="access_sso_del_btn"):
                try:
                    access.sso.remove(principal, int(doomed), auth.address())
                except StoreError as exc:
                    st.error(widgets.esc(exc))
                else:
                    flash_then_rerun("Mapping removed.")

with tabs[2]:
    if org_id is None:
        st.info("You administer no organization.")
    else:
        st.caption("Other organizations appear on Compare only as anonymous peer figures (median and quartiles of at "
                   "least three). Two organizations see each other by name only when both admins agree here; either "
                   "may withdraw at any time.")
        agreements = access.named.agreements()
        mine = set(agreements.loc[agreements["organization_id"] == org_id, "peer_id"].astype(int))
        theirs = set(agreements.loc[agreements["peer_id"] == org_id, "organization_id"].astype(int))
        others = [int(o) for o in orgs["id"] if int(o) != org_id]
        with st.form(f"access_named_{org_id}"):
            agreed = st.multiselect(f"{names[org_id]} agrees to be named to", others, default=sorted(mine),
                                    format_func=names.get)
            save = st.form_submit_button("Save")
        if save:
            try:
                for peer in others:
                    access.named.set(principal, org_id, peer, peer in agreed, auth.address())
            except StoreError as exc:
                st.error(widgets.esc(exc))
            else:
                flash_then_rerun("Saved.")
        table = pd.DataFrame({"Organization": [names[o] for o in others],
                              "We agree": ["yes" if o in mine else "no" for o in others],
                              "They agree": ["yes" if o in theirs else "no" for o in others],
                              "Named to each other": ["yes" if o in mine and o in theirs else "no" for o in others]})
        st.dataframe(table, hide_index=True)

with tabs[3]:
    if not principal.can(InstallationPermission.MANAGE_ANY_MEMBERS):
        st.info("Organizations and their admins are managed by an installation admin.")
    else:
        everyone = access.users.list()
        admins = everyone[everyone["roles"].str.contains("admin", na=False)]
        st.dataframe(pd.DataFrame({"Organization": orgs["name"],
                                   "Admins": [", ".join(admins.loc[admins["organization_id"] == o, "email"])
                                              for o in orgs["id"]]}), hide_index=True)
        with st.form("access_org_add", clear_on_submit=True):
            c1, c2 = st.columns(2)
            org_name = c1.text_input("New organization", max_chars=200)
            admin_email = c2.text_input("Its first admin's e-mail (optional)", max_chars=254)
            add = st.form_submit_button("Add organization", type="primary")
        if add and auth.permit(InstallationPermission.ADD_ORGANIZATION, None, "add an organization"):
            try:
                new_org = access.add_organization(principal, org_name, auth.address())
                if admin_email.strip():
                    uid = access.users.add(principal, admin_email, organization_id=new_org, roles=(Role.ADMIN,),
                                           address=auth.address())
                    token = access.sessions.create_link(principal, uid, INVITE_DAYS * 24 * 60, auth.address())
                    st.session_state["access_link"] = signin_url(live.base_url(), token)
            except StoreError as exc:
                st.error(widgets.esc(exc))
            else:
                flash_then_rerun(f"Added {org_name.strip()}.")
        st.markdown("**Installation admins**")
        people = everyone.drop_duplicates("id")
        emails = dict(zip(people["id"], people["email"], strict=True))
        flags = dict(zip(people["id"], people["installation_admin"], strict=True))
        if emails:
            who = st.selectbox("Person", list(emails), format_func=lambda i: emails[i] + (" (installation admin)"
                                                                                          if flags[i] else ""),
                               key="access_inst_who")
            c1, c2 = st.columns(2)
            if c1.button("Make installation admin" if not flags[who] else "No longer installation admin",
                         key="access_inst_toggle"):
                try:
                    access.users.set_installation_admin(principal, int(who), not bool(flags[who]), auth.address())
                except StoreError as exc:
                    st.error(widgets.esc(exc))
                else:
                    flash_then_rerun("Saved.")
            with c2.popover("Remove this user"):
                if st.button(f"Remove {emails[who]} and all their roles", key="access_remove", type="primary"):
                    try:
                        access.users.remove(principal, int(who), auth.address())
                    except StoreError as exc:
                        st.error(widgets.esc(exc))
                    else:
                        flash_then_rerun(f"Removed {emails[who]}.")

with tabs[4]:
    readable = None if principal.can(InstallationPermission.READ_ALL_AUDIT) else \
        principal.organizations(Permission.READ_AUDIT)
    if readable == []:
        st.info("The audit log is read by admins.")
    else:
        log = access.audit.read(readable)
        log["organization"] = log["organization_id"].map(lambda o: names.get(o, "") if pd.notna(o) else "")
        log = log.drop(columns="organization_id")
        st.caption("Append-only: sign-ins and failed sign-ins, role changes, invitations, imports, raw exports, "
                   "deletions, workshops started and ended; newest first" + (" (all organizations)." if readable is None
                                                                            else " (your organizations)."))
        st.dataframe(log, hide_index=True)
        widgets.downloads(log.assign(at=log["at"].dt.strftime("%Y-%m-%d %H:%M:%S")), "audit-log", "dl_audit")
