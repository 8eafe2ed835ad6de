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
from leverage.core.i18n import N_, _
from ui import auth, frame, live, state, widgets

frame.require()
principal = auth.require(Permission.MANAGE_MEMBERS, Permission.READ_AUDIT, InstallationPermission.MANAGE_ANY_MEMBERS)

widgets.header(_("Users and access"),
               _("Who may sign in and what each may do, per organization. Every change is written to the audit "
                 "log."))
YES, NO = _("yes"), _("no")
KINDS = {"email": N_("E-mail"), "group": N_("Group")}  # how a single sign-on mapping names people

access = auth.access()
orgs = state.cached(state.organizations)
names = dict(zip(orgs["id"], orgs["name"], strict=True))
managed = [int(o) for o in orgs["id"] if principal.can_manage(int(o))]
selected = state.selected_organization(principal.organizations())
org_id = selected[0] if selected and principal.can_manage(selected[0]) else (managed[0] if managed else None)
roles_all = list(Role)


def role_label(role: Role | str) -> str:
    """A role as people read it, in the current language."""
    return _(ROLE_LABELS[Role(role)]) if role in set(Role) else str(role)


def role_list(stored: str) -> str:
    """The comma-separated stored roles of a user ("admin, viewer") as labels ("Admin, Viewer")."""
    if not isinstance(stored, str):  # no role at all (an empty cell)
        return ""
    return ", ".join(role_label(r.strip()) for r in stored.split(",") if r.strip())


def flash_then_rerun(text: str) -> None:
    st.session_state["access_flash"] = text
    auth.refresh()
    st.rerun()


if flash := st.session_state.pop("access_flash", None):
    st.success(flash)
if link := st.session_state.pop("access_link", None):
    st.info(_("Send this one-time sign-in link to the person (it works once; they can then choose a password):"))
    st.code(link, language=None)

tabs = st.tabs([_("Users and roles"), _("Single sign-on"), _("Named comparisons"), _("Organizations"),
                _("Audit log")])

with tabs[0]:
    if org_id is None:
        st.info(_("You administer no organization. Add one under Organizations.") if principal.installation_admin
                else _("You administer no organization."))
    else:
        org_id = st.selectbox(_("Organization"), managed, index=managed.index(org_id), format_func=names.get,
                              key="access_org")
        st.caption(_("Roles: {roles}").format(roles="; ".join(f"**{role_label(r)}**: {_(ROLE_HELP[r])}"
                                                               for r in roles_all)))
        people = access.users.list([org_id])
        st.dataframe(people[["email", "name", "roles", "last_signin_at"]].assign(roles=people["roles"].map(role_list))
                     .rename(columns={"email": _("E-mail"), "name": _("Name"), "roles": _("Roles"),
                                      "last_signin_at": _("Last sign-in")}), hide_index=True)
        with st.form("access_add", clear_on_submit=True):
            st.markdown(_("**Invite someone to {organization}**").format(organization=widgets.esc(names[org_id])))
            c1, c2 = st.columns(2)
            email = c1.text_input(_("E-mail address"), max_chars=254)
            name = c2.text_input(_("Name (optional)"), max_chars=200)
            chosen = st.multiselect(_("Roles"), roles_all, default=[Role.VIEWER], format_func=role_label)
            add = st.form_submit_button(_("Add and make a sign-in link"), type="primary")
        if add and (principal.can_manage(org_id) or auth.permit(Permission.MANAGE_MEMBERS, org_id, "add a user")):
            try:
                uid = access.users.add(principal, email, name, organization_id=org_id, roles=tuple(chosen),
                                       address=auth.address())
                token = access.sessions.create_link(principal, uid, INVITE_DAYS * 24 * 60, auth.address())
            except StoreError as exc:
                st.error(widgets.esc(exc))
            else:
                st.session_state["access_link"] = signin_url(live.base_url(), token)
                flash_then_rerun(_("{email} may now sign in to {organization} (link valid {days} days).").format(
                    email=email.strip().lower(), organization=names[org_id], days=INVITE_DAYS))
        if not people.empty:
            st.markdown(_("**Change someone's roles**"))
            emails = dict(zip(people["id"], people["email"], strict=True))
            who = st.selectbox(_("Person"), list(emails), format_func=emails.get, key="access_who")
            held = access.users.roles_of(int(who)).get(org_id, frozenset())
            with st.form(f"access_roles_{who}_{org_id}"):
                new = st.multiselect(_("Roles (none: removes them from the organization)"), roles_all,
                                     default=sorted(held), format_func=role_label)
                c1, c2 = st.columns(2)
                save = c1.form_submit_button(_("Save roles"))
                link_now = c2.form_submit_button(_("Make a sign-in link (15 minutes)"))
            if save:
                try:
                    access.users.set_roles(principal, int(who), org_id, set(new), auth.address())
                except StoreError as exc:
                    st.error(widgets.esc(exc))
                else:
                    flash_then_rerun(_("Saved the roles of {email}.").format(email=emails[who]))
            if link_now:
                try:
                    token = access.sessions.create_link(principal, int(who), address=auth.address())
                except StoreError as exc:
                    st.error(widgets.esc(exc))
                else:
                    st.session_state["access_link"] = signin_url(live.base_url(), token)
                    flash_then_rerun(_("Made a one-time sign-in link for {email}.").format(email=emails[who]))

with tabs[1]:
    if org_id is None:
        st.info(_("You administer no organization."))
    else:
        configured = auth.sso_configured()
        st.caption((_("Single sign-on is configured.") if configured else
                    _("Single sign-on is not configured (an `[auth]` section in `.streamlit/secrets.toml`, see "
                      "docs/deployment.md); mappings made now apply once it is."))
                   + " " + _("People who sign in through it get the roles of every mapping that names their e-mail "
                             "address or one of their groups, worked out again at each sign-in."))
        mappings = access.sso.list([org_id])
        st.dataframe(mappings[["kind", "value", "role"]]
                     .assign(kind=mappings["kind"].map(lambda k: _(KINDS.get(k, k))),
                             role=mappings["role"].map(role_label))
                     .rename(columns={"kind": _("By"), "value": _("E-mail or group"), "role": _("Role")}),
                     hide_index=True)
        with st.form("access_sso_add", clear_on_submit=True):
            c1, c2, c3 = st.columns([1, 2, 1])
            kind = c1.selectbox(_("By"), ["email", "group"], format_func=lambda k: _(KINDS[k]))
            value = c2.text_input(_("E-mail address or group name"), max_chars=254)
            role = c3.selectbox(_("Role"), roles_all, format_func=role_label)
            add = st.form_submit_button(_("Add mapping"))
        if add:
            try:
                access.sso.add(principal, kind, value, org_id, role, auth.address())
            except StoreError as exc:
                st.error(widgets.esc(exc))
            else:
                flash_then_rerun(_("Mapping added."))
        if not mappings.empty:
            labels = {int(r.id): f"{_(KINDS.get(r.kind, r.kind))} {r.value} → {role_label(r.role)}"
                      for r in mappings.itertuples()}
            c1, c2 = st.columns([3, 1])
            doomed = c1.selectbox(_("Remove a mapping"), list(labels), format_func=labels.get, key="access_sso_del")
            if c2.button(_("Remove"), key="access_sso_del_btn"):
                try:
                    access.sso.remove(principal, int(doomed), auth.address())
                except StoreError as exc:
                    st.error(widgets.esc(exc))
                else:
                    flash_then_rerun(_("Mapping removed."))

with tabs[2]:
    if org_id is None:
        st.info(_("You administer no organization."))
    else:
        st.caption(_("Other organizations appear on Compare only as anonymous peer figures (median and quartiles of "
                     "at least three). Two organizations see each other by name only when both admins agree here; "
                     "either may withdraw at any time."))
        agreements = access.named.agreements()
        mine = set(agreements.loc[agreements["organization_id"] == org_id, "peer_id"].astype(int))
        theirs = set(agreements.loc[agreements["peer_id"] == org_id, "organization_id"].astype(int))
        others = [int(o) for o in orgs["id"] if int(o) != org_id]
        with st.form(f"access_named_{org_id}"):
            agreed = st.multiselect(_("{organization} agrees to be named to").format(organization=names[org_id]),
                                    others, default=sorted(mine), format_func=names.get)
            save = st.form_submit_button(_("Save"))
        if save:
            try:
                for peer in others:
                    access.named.set(principal, org_id, peer, peer in agreed, auth.address())
            except StoreError as exc:
                st.error(widgets.esc(exc))
            else:
                flash_then_rerun(_("Saved."))
        table = pd.DataFrame({_("Organization"): [names[o] for o in others],
                              _("We agree"): [YES if o in mine else NO for o in others],
                              _("They agree"): [YES if o in theirs else NO for o in others],
                              _("Named to each other"): [YES if o in mine and o in theirs else NO for o in others]})
        st.dataframe(table, hide_index=True)

with tabs[3]:
    if not principal.can(InstallationPermission.MANAGE_ANY_MEMBERS):
        st.info(_("Organizations and their admins are managed by an installation admin."))
    else:
        everyone = access.users.list()
        admins = everyone[everyone["roles"].str.contains("admin", na=False)]
        st.dataframe(pd.DataFrame({_("Organization"): orgs["name"],
                                   _("Admins"): [", ".join(admins.loc[admins["organization_id"] == o, "email"])
                                              for o in orgs["id"]]}), hide_index=True)
        with st.form("access_org_add", clear_on_submit=True):
            c1, c2 = st.columns(2)
            org_name = c1.text_input(_("New organization"), max_chars=200)
            admin_email = c2.text_input(_("Its first admin's e-mail (optional)"), max_chars=254)
            add = st.form_submit_button(_("Add organization"), type="primary")
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
                flash_then_rerun(_("Added {organization}.").format(organization=org_name.strip()))
        st.markdown(_("**Installation admins**"))
        people = everyone.drop_duplicates("id")
        emails = dict(zip(people["id"], people["email"], strict=True))
        flags = dict(zip(people["id"], people["installation_admin"], strict=True))
        if emails:
            marked = _("{email} (installation admin)")
            who = st.selectbox(_("Person"), list(emails),
                               format_func=lambda i: marked.format(email=emails[i]) if flags[i] else emails[i],
                               key="access_inst_who")
            c1, c2 = st.columns(2)
            if c1.button(_("Make installation admin") if not flags[who] else _("No longer installation admin"),
                         key="access_inst_toggle"):
                try:
                    access.users.set_installation_admin(principal, int(who), not bool(flags[who]), auth.address())
                except StoreError as exc:
                    st.error(widgets.esc(exc))
                else:
                    flash_then_rerun(_("Saved."))
            with c2.popover(_("Remove this user")):
                if st.button(_("Remove {email} and all their roles").format(email=emails[who]), key="access_remove",
                             type="primary"):
                    try:
                        access.users.remove(principal, int(who), auth.address())
                    except StoreError as exc:
                        st.error(widgets.esc(exc))
                    else:
                        flash_then_rerun(_("Removed {email}.").format(email=emails[who]))

with tabs[4]:
    readable = None if principal.can(InstallationPermission.READ_ALL_AUDIT) else \
        principal.organizations(Permission.READ_AUDIT)
    if readable == []:
        st.info(_("The audit log is read by admins."))
    else:
        log = access.audit.read(readable)
        log["organization"] = log["organization_id"].map(lambda o: names.get(o, "") if pd.notna(o) else "")
        log = log.drop(columns="organization_id")
        st.caption(_("Append-only: sign-ins and failed sign-ins, role changes, invitations, imports, raw exports, "
                     "deletions, workshops started and ended; newest first (all organizations).") if readable is None
                   else _("Append-only: sign-ins and failed sign-ins, role changes, invitations, imports, raw "
                          "exports, deletions, workshops started and ended; newest first (your organizations)."))
        st.dataframe(log.rename(columns={"at": _("At"), "actor": _("Who"), "action": _("Action"),
                                         "target": _("Target"), "detail": _("Detail"), "address": _("Address"),
                                         "organization": _("Organization")}), hide_index=True)
        widgets.downloads(log.assign(at=log["at"].dt.strftime("%Y-%m-%d %H:%M:%S")), "audit-log", "dl_audit")
