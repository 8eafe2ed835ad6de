"""Invitations: one link per respondent for a round (optionally with role and department from a roster), as a
CSV and a printable sheet of QR codes; withdraw unused ones; see who has answered (counts only)."""

from functools import partial

import pandas as pd
import streamlit as st

from leverage.access.invitations import invitation_link
from leverage.access.permissions import Permission
from leverage.access.roster import read_roster
from leverage.access.sheet import links_csv, qr_sheet
from leverage.core.database import StoreError
from leverage.core.i18n import N_, _, format_number, format_percent
from leverage.survey.assessment import open_rounds
from ui import auth, frame, live, state, widgets

frame.require()
principal, org_id, org_name = auth.organization_page(Permission.MANAGE_INVITATIONS)

widgets.header(_("Invitations"),
               _("Invite people to the self-assessment: one link each, answered once (and changeable with the same "
                 "link until the round closes). Hand the links out as a list or as a printed sheet of QR codes."))
# An invitation's status as people read it (the stored value stays English).
STATUSES = {"open": N_("open"), "answered": N_("answered"), "revoked": N_("revoked"), "expired": N_("expired")}

settings = state.settings()
access = auth.access()
rounds = open_rounds(state.cached(state.rounds, org_id), pd.Timestamp.now(tz="UTC").date())
if rounds.empty:
    st.info(_("{organization} has no round open today. Open one under **Manage data → Rounds**.").format(
        organization=widgets.esc(org_name)))
    st.page_link("pages/manage_data.py", label=_("Go to Manage data"), icon=":material/database:")
    st.stop()
names = dict(zip(rounds["id"], rounds["name"], strict=True))
round_id = st.selectbox(_("Round"), list(names)[::-1], format_func=names.get, key="inv_round")
round_name = names[round_id]
base = live.base_url()
role_labels = settings.role_labels  # the configured labels, as a roster names roles
shown_roles = {role: _(label) for role, label in role_labels.items()}  # as people read them
departments = state.cached(state.departments, org_id)
dept_ids = dict(zip(departments["name"], departments["id"], strict=True))
dept_names = {int(i): n for n, i in dept_ids.items()}


def label_of(role: str | None, dept: int | None) -> str:
    parts = [shown_roles.get(role, role) if role else "", dept_names.get(dept, "") if dept else ""]
    return " · ".join(p for p in parts if p) or _("Self-assessment invitation")


def sheet_downloads(links: pd.DataFrame, stem: str, key: str) -> None:
    title = _("{organization}: self-assessment {round}").format(organization=org_name, round=round_name)
    c1, c2, _rest = st.columns([1, 1, 3])
    c1.download_button(_("Links (CSV)"), partial(links_csv, links), f"{stem}.csv", "text/csv", key=f"{key}_csv",
                       icon=":material/download:", on_click="ignore")
    c2.download_button(_("QR sheet (PDF)"), partial(qr_sheet, links, title), f"{stem}.pdf", "application/pdf",
                       key=f"{key}_pdf", icon=":material/print:", on_click="ignore")


invited, answered = access.invitations.response_rate(int(round_id))
c1, c2, c3 = st.columns(3)
c1.metric(_("Invited"), format_number(invited))
c2.metric(_("Answered"), format_number(answered) if answered >= settings.min_n or answered == 0
          else _("fewer than {n}").format(n=settings.min_n))
c3.metric(_("Response rate"), format_percent(answered / invited) if invited and answered >= settings.min_n else "—")
st.caption(_("Who answered is never shown, only how many, and only from {n} answers on.").format(n=settings.min_n))

st.subheader(_("Create invitations"))
with st.form("inv_create", clear_on_submit=True):
    count = st.number_input(_("How many links (without a roster)"), min_value=1, max_value=500, value=10)
    roster = st.file_uploader(_("Or a roster (CSV: one row per person; optional columns `role` and `department`, "
                                "any others such as a name are printed beside the link but never stored)"),
                              type=["csv"])
    made = st.form_submit_button(_("Create invitations"), type="primary")
if made and auth.permit(Permission.MANAGE_INVITATIONS, org_id, "create invitations"):
    try:
        if roster is not None:
            people = read_roster(roster.getvalue(), role_labels, dept_ids)
            extra = people.extra
            rows = people.people
        else:
            rows, extra = [(None, None)] * int(count), pd.DataFrame(index=range(int(count)))
        ids = access.invitations.create(principal, int(round_id), rows, auth.address())
    except StoreError as exc:
        st.error(widgets.esc(exc))
    else:
        listing = access.invitations.list(int(round_id)).set_index("id").loc[ids]
        batch = extra.reset_index(drop=True).copy()
        first = next((c for c in batch.columns if c.strip().lower() in {"name", "label", "person"}), None)
        batch["label"] = (batch[first].astype(str) if first else
                          [label_of(r, d) for r, d in rows])
        batch["role"] = [shown_roles.get(r, r) if r else "" for r, _dept in rows]
        batch["department"] = [dept_names.get(d, "") if d else "" for _role, d in rows]
        batch["link"] = [invitation_link(base, t) for t in listing["token"]]
        st.session_state["inv_batch"] = (int(round_id), batch)
        st.rerun()

batch = st.session_state.get("inv_batch")
if batch and batch[0] == round_id:
    st.success(_("{n} invitation(s) created. Download them now to keep your roster's columns beside each link "
                 "(the app does not store them); the links themselves can be downloaded again below.")
               .format(n=len(batch[1])))
    sheet_downloads(batch[1], f"invitations-{org_name}-{round_name}-new", "inv_new")

st.subheader(_("All invitations of this round"))
listing = access.invitations.list(int(round_id))
if listing.empty:
    st.info(_("No invitations yet."))
    st.stop()
counts = listing["status"].value_counts()
st.caption(_("{open} open · {answered} answered · {revoked} revoked · {expired} expired").format(
    **{s: counts.get(s, 0) for s in STATUSES}))
shown = listing.assign(department=listing["department"].fillna(""),
                       role=[shown_roles.get(r, r) if isinstance(r, str) else "" for r in listing["role"]])
st.dataframe(shown[["id", "role", "department", "status"]]
             .assign(status=shown["status"].map(lambda v: _(STATUSES.get(v, v))))
             .rename(columns={"id": _("Invitation"), "role": _("Role"), "department": _("Department"),
                              "status": _("Status")}), hide_index=True)
open_links = shown[shown["status"] == "open"]
if not open_links.empty:
    st.markdown(_("**Links not yet answered** ({n})").format(n=len(open_links)))
    sheet_downloads(open_links.assign(link=[invitation_link(base, t) for t in open_links["token"]],
                                      label=[label_of(r, d) for r, d in zip(
                                          listing.loc[open_links.index, "role"],
                                          [dept_ids.get(d) for d in open_links["department"]], strict=True)])
                    [["id", "label", "role", "department", "link"]],
                    f"invitations-{org_name}-{round_name}-open", "inv_open")
    with st.form("inv_revoke"):
        doomed = st.multiselect(_("Withdraw invitations (answered ones keep their answers)"),
                                open_links["id"].tolist())
        revoke = st.form_submit_button(_("Withdraw"))
    if revoke and doomed and auth.permit(Permission.MANAGE_INVITATIONS, org_id, "withdraw invitations"):
        done = access.invitations.revoke(principal, [int(i) for i in doomed], auth.address())
        st.session_state["inv_flash"] = _("Withdrew {n} invitation(s); their links no longer open anything.").format(
            n=done)
        st.rerun()
if flash := st.session_state.pop("inv_flash", None):
    st.success(flash)
