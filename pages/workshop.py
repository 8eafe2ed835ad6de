"""Facilitator console: create a workshop, show the join code and QR, run the points live, re-vote, end, export."""

import pandas as pd
import streamlit as st

from leverage.access.audit import Action
from leverage.access.permissions import Permission
from leverage.core.i18n import _
from leverage.core.settings import MIN_N_RANGE
from leverage.workshops import disclosure, qr
from leverage.workshops.states import CLOSED, ENDING, MAX_VOTES, OPEN, PENDING, RUNNING, WorkshopError
from ui import auth, frame, live, state, widgets

frame.require()

REFRESH_S = 1  # live counts on the console, from the shared counts (one query a second per server: ≤ 2 s behind)

widgets.header("Workshop console",
               "Run a live self-assessment: participants join on their phones with the code or QR, you open one "
               "leverage point at a time, reveal the results, and save the answers into the organization's history.")
principal = live.facilitator_gate()

settings = state.settings()
service = live.workshops()
instrument = service.instrument
selected = state.selected_organization(principal.organizations(Permission.RUN_WORKSHOPS))
if selected is None:
    widgets.no_organization_yet()
    st.stop()
org_id, org_name = selected


def create_form() -> None:
    rounds = state.cached(state.rounds, org_id)
    rounds = rounds[(rounds["instrument_id"] == instrument.id) & (rounds["instrument_version"] == instrument.version)]
    round_names = {None: "A new round…", **dict(zip(rounds["id"], rounds["name"], strict=True))}
    point_names = {p.id: f"{p.id} {instrument.text(p.title, 'en')}" for p in instrument.points}
    with st.form("ws_create"):
        title = st.text_input("Title", placeholder="Board away day, morning session", max_chars=200)
        points = st.multiselect("Leverage points to ask", list(point_names), default=list(point_names),
                                format_func=point_names.get)
        round_id = st.selectbox("Save the answers into", list(round_names), format_func=round_names.get,
                                help="When the workshop ends, its answers become a round of the organization's "
                                     "history.")
        round_name = st.text_input("Name of the new round", placeholder="Workshop 2026-11",
                                   help="Only used when saving into a new round.")
        c1, c2 = st.columns(2)
        min_n = c1.number_input("Anonymity threshold (people)", settings.min_n, MIN_N_RANGE[1], value=settings.min_n,
                                help=f"At least {settings.min_n}, this installation's minimum.")
        hours = c2.number_input("Code valid for (hours)", 1, 72, 12)
        hide = st.checkbox("Hide results until I reveal them", value=True)
        go = st.form_submit_button("Create the workshop", type="primary")
    if go:
        try:
            made = service.create(org_id, title, points, round_id=round_id, round_name=round_name,
                                  min_n=int(min_n), hide_results=hide, hours=float(hours))
        except WorkshopError as exc:
            st.error(str(exc))
            return
        st.session_state[live.WORKSHOP_KEY] = made["id"]
        auth.access().audit.record(principal.label, Action.WORKSHOP_CREATED, organization_id=org_id,
                                   target=made["title"], detail=f"code {made['code']}", address=auth.address())
        st.rerun()


listing = service.list_workshops(org_id)
running = listing[listing["status"] == RUNNING]
with st.expander("Create a workshop", expanded=running.empty):
    create_form()
if listing.empty:
    st.info(f"{widgets.esc(org_name)} has no workshops yet. Create one above.")
    st.stop()

labels = {int(r.id): f"{r.title} · {r.code} · {r.status}" for r in listing.itertuples()}
if st.session_state.get(live.WORKSHOP_KEY) not in labels:
    st.session_state[live.WORKSHOP_KEY] = int(listing["id"].iloc[0])
# The choice lives in a plain session key (a widget's key is dropped on pages that do not draw it), so the
# projector page finds it too.
st.session_state["ws_picker"] = st.session_state[live.WORKSHOP_KEY]


def _picked() -> None:
    st.session_state[live.WORKSHOP_KEY] = st.session_state["ws_picker"]


workshop_id = st.selectbox("Workshop", list(labels), format_func=labels.get, key="ws_picker", on_change=_picked)


def act(fn, *args) -> None:
    """A button's callback: the action, then this process's live reads are renewed (acknowledged in this run)."""
    try:
        fn(*args)
    except WorkshopError as exc:
        st.session_state["ws_error"] = str(exc)
    live.changed(workshop_id)


def fmt(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.2f}"


@st.fragment(run_every=REFRESH_S)
def console() -> None:
    """Counts (one shared aggregate query a second per server) and the point controls; a click reruns only
    this fragment."""
    board = live.board(workshop_id)
    counts = live.counts(workshop_id)
    if st.session_state.get("ws_error"):
        st.error(st.session_state.pop("ws_error"))
    vote = board.vote
    ended = board.workshop["status"] != RUNNING
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Participants", counts.participants)
    c2.metric("Answers (this vote)", counts.answers)
    c3.metric("Vote", f"{vote} of {MAX_VOTES}")
    c4.metric("Status", board.workshop["status"])
    st.markdown("#### Leverage points")
    rows = []
    for rec in board.current():
        p = rec.point
        answered = counts.answered.get(p, 0)
        latest = board.latest(p)
        room = board.room(p)
        st.markdown(f"**{p}** {instrument.text(instrument.point(p).title, 'en')}  \n"
                    f"{rec.state}{' · revealed' if rec.revealed else ''} · {answered} answered")
        shown = disclosure.score(latest.overall, board.min_n) if latest else None
        rows.append({"Point": p, "Published n": shown["n"] if shown else 0,
                     "Mean (1–5)": fmt(shown["mean"]) if shown else "—",
                     "95% CI": f"{fmt(shown['ci_low'])}–{fmt(shown['ci_high'])}" if shown and shown["ci_low"] else "—",
                     "Room sees": ("results not hidden" if not board.workshop["hide_results"] else
                                   f"result {room.seq} (n = {room.n})" if room else
                                   "waiting for a result" if rec.revealed else "hidden")})
        if ended:
            continue
        row = st.columns(5)
        row[0].button("Open", key=f"open_{p}", disabled=rec.state not in (PENDING, CLOSED),
                      on_click=act, args=(service.open_point, workshop_id, p), width="stretch")
        row[1].button("Close", key=f"close_{p}", disabled=rec.state != OPEN,
                      on_click=act, args=(service.close_point, workshop_id, p), width="stretch")
        row[2].button("Lock", key=f"lock_{p}", disabled=rec.state not in (OPEN, CLOSED),
                      on_click=act, args=(service.lock_point, workshop_id, p),
                      width="stretch")
        newer = rec.revealed and latest is not None and (room is None or room.seq < latest.seq)
        label = "Reveal newer result" if newer else ("Hide" if rec.revealed else "Reveal")
        row[3].button(label, key=f"reveal_{p}", disabled=rec.state == PENDING, on_click=act,
                      args=(service.reveal_point, workshop_id, p, newer or not rec.revealed), width="stretch")
        with row[4].popover("Reset", disabled=rec.state == PENDING and answered == 0, width="stretch"):
            st.button(f"Delete {answered} people's answers to {p} in this vote and ask again", key=f"reset_{p}",
                      on_click=act, args=(service.reset_point, workshop_id, p), type="primary")
    if rows:
        st.caption(f"Published results (taken when a point closes, at least {board.min_n} people, and later only "
                   f"in steps of {board.min_n} more people, so no one's answer shows; you see them before the room):")
        st.table(pd.DataFrame(rows), hide_index=True)
    if vote > 1:
        st.markdown("#### Shift between votes")
        shift_table(board)


def shift_table(board) -> None:
    for by, label in (((), "per point"), (("role",), "per point and role")):
        table = live.shift(workshop_id, board, by)
        if table.empty:
            st.caption("The shift appears once a point of the second vote is closed with enough people.")
            return
        show = table.copy()
        if by:
            show["role"] = show["role"].map(lambda r: settings.role_labels.get(r, r))
        for col in ("mean_previous", "mean"):
            show[col] = show[col].map(lambda v: "withheld" if v is None or pd.isna(v) else f"{v:.2f}")
        show["change"] = show["change"].map(lambda v: "—" if v is None or pd.isna(v) else f"{v:+.2f}")
        st.caption(f"Shift {label} (mean 1–5, vote 1 → vote 2; groups under n = {board.min_n} withheld, and one "
                   "more where a withheld group could be worked out by subtraction)")
        st.table(show.rename(columns={"leverage_point": "Point", "role": "Role", "n_previous": "n 1",
                                      "mean_previous": "Vote 1", "n": "n 2", "mean": "Vote 2",
                                      "change": "Shift"})[[*(["Role"] if by else []), "Point", "n 1", "Vote 1",
                                                           "n 2", "Vote 2", "Shift"]], hide_index=True)


ws = live.board(workshop_id).workshop
left, right = st.columns([2, 1])
with left:
    console()
with right:
    link = qr.join_link(live.base_url(), ws["code"])
    if ws["status"] == RUNNING:
        st.markdown(f"### Code `{ws['code']}`")
        st.image(live.qr_png(link), caption="Scan to join", width=220,
                 alt=_("QR code of the join link {link}").format(link=link))
        st.code(link, language=None)
        st.caption(f"The code expires at {ws['expires_at']:%Y-%m-%d %H:%M} UTC.")
        st.button("New code", key="ws_new_code", on_click=act, args=(service.renew_code, workshop_id),
                  help="Issue a fresh code valid for 12 hours; the old code stops working, and people who "
                       "already joined keep their links.")
        st.page_link("pages/projector.py", label="Projector view (this tab)", icon=":material/tv:")
        st.caption("On the projector: ← and → (or space) step through the points; it follows your actions.")
        st.markdown(f"[Projector view in a new tab](projector?ws={int(workshop_id)})")
    elif ws["status"] == ENDING:
        st.warning("Ending was interrupted before the answers were saved (the server stopped).")
        st.button("Finish saving and end", type="primary", key="ws_resume", on_click=act,
                  args=(lambda wid: service.end(wid, settings.role_labels, resume=True), workshop_id))
    else:
        st.success(f"Ended; answers saved into the round {widgets.esc(ws['round_name'])!s}.")
    if principal.can(Permission.EXPORT_RAW, org_id):
        st.markdown("**Export** (all votes, one row per answer)")
        widgets.downloads(service.answers(workshop_id), f"workshop_{ws['code']}", key=f"ws_export_{workshop_id}")
    else:
        st.caption("Exports of individual answers are for the organization's admins.")

if ws["status"] == RUNNING:
    st.divider()
    c1, c2 = st.columns(2)
    with c1:
        if ws["vote"] < MAX_VOTES:
            st.markdown("**Re-vote after discussion**: locks every point of this vote and asks them all again.")
            st.button("Start the second vote", key="ws_revote", on_click=act,
                      args=(service.start_revote, workshop_id))
    with c2:
        st.markdown("**End the workshop**: saves each participant's latest answers as a round of "
                    f"{widgets.esc(org_name)} ({widgets.esc(ws['round_name'])}) and closes the code.")
        sure = st.checkbox("I have finished; save and end", key="ws_end_sure")
        if st.button("End and save", type="primary", disabled=not sure, key="ws_end"):
            try:
                report = service.end(workshop_id, settings.role_labels)
            except WorkshopError as exc:
                st.error(str(exc))
            else:
                live.changed(workshop_id)
                auth.access().audit.record(principal.label, Action.WORKSHOP_ENDED, organization_id=org_id,
                                           target=ws["title"], address=auth.address(),
                                           detail=f"{report.respondents} participants saved into {ws['round_name']}")
                st.session_state["ws_saved"] = (f"Saved {report.respondents} participants and {report.answers} "
                                                "answers.")
                st.rerun()
if st.session_state.get("ws_saved"):
    st.success(st.session_state.pop("ws_saved"))
