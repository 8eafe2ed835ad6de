"""The navigation, built from what the person may do.

Every page is always registered (so a direct address is resolved and the page itself answers "sign in"
or "your role does not open this page"); the pages a person cannot use are hidden from the menu. An
anonymous visitor gets no menu at all: the sign-in page, a workshop's join page or an invitation's
self-assessment, each on its own.
"""

from __future__ import annotations

import streamlit as st

from leverage.access.permissions import InstallationPermission, Permission, Principal
from leverage.core.i18n import N_, _


def _any(principal: Principal, *permissions: Permission) -> bool:
    return any(principal.can_anywhere(p) for p in permissions)


def pages(principal: Principal, passphrase: bool) -> list[st.Page]:
    someone = principal.signed_in
    admin = principal.can(InstallationPermission.MANAGE_ANY_MEMBERS)

    def page(path: str, title: str, icon: str, shown: bool, default: bool = False) -> st.Page:
        # URL paths are the file names: a deep link on a fresh server is resolved against pages/ before
        # st.navigation runs, and any other path shows a false "Page not found".
        return st.Page(path, title=_(title), icon=icon, default=default, visibility="visible" if shown else "hidden")

    return [
        # Home is always the default page (its address is "/"): a default that changed with sign-in would leave
        # the other page's own address unknown ("Page not found") for half of the visitors.
        page("pages/home.py", N_("Home"), ":material/home:", someone, default=True),
        page("pages/self_assessment.py", N_("Self-assessment"), ":material/checklist:", someone),
        page("pages/results.py", N_("Results"), ":material/bar_chart:", _any(principal, Permission.VIEW_RESULTS)),
        page("pages/compare.py", N_("Compare"), ":material/compare_arrows:", _any(principal, Permission.VIEW_RESULTS)),
        page("pages/board.py", N_("Board"), ":material/monitoring:", _any(principal, Permission.VIEW_RESULTS)),
        page("pages/aims.py", N_("Aims"), ":material/flag:", _any(principal, Permission.EDIT_AIMS)),
        page("pages/invitations.py", N_("Invitations"), ":material/forward_to_inbox:",
             _any(principal, Permission.MANAGE_INVITATIONS)),
        page("pages/manage_data.py", N_("Manage data"), ":material/database:",
             admin or _any(principal, Permission.MANAGE_ROUNDS, Permission.IMPORT_RESPONSES, Permission.EXPORT_RAW)),
        page("pages/access.py", N_("Users and access"), ":material/manage_accounts:",
             admin or _any(principal, Permission.MANAGE_MEMBERS, Permission.READ_AUDIT)),
        # Live workshops: phones open <base>/join?code=XXXXXX; the console and projector need the facilitator role
        # (or, on small installations, the facilitator passphrase).
        page("pages/join.py", N_("Join a workshop"), ":material/qr_code_scanner:", True),
        page("pages/workshop.py", N_("Workshop console"), ":material/groups:",
             passphrase or _any(principal, Permission.RUN_WORKSHOPS)),
        page("pages/projector.py", N_("Projector"), ":material/tv:",
             passphrase or _any(principal, Permission.RUN_WORKSHOPS)),
        page("pages/signin.py", N_("Account") if someone else N_("Sign in"), ":material/account_circle:", True),
    ]
