"""Facilitator console: create a workshop, show the join code and QR, run the points live, re-vote, end, export."""

import pandas as pd
import streamlit as st

from leverage.access.audit import Action
from leverage.access.permissions import Permission
from leverage.core.i18n import N_, _, format_date, format_number, language
from leverage.core.settings import MIN_N_RANGE
from leverage.workshops import disclosure, qr
from leverage.workshops.states import CLOSED, ENDING, MAX_VOTES, OPEN, PENDING, RUNNING, WorkshopError
from ui import auth, frame, live, state, widgets

frame.require()

REFRESH_S = 1  # live counts on the console, from the shared counts (one query a second per server: ≤ 2 s behind)
# The states of a workshop and of its points, as people read them (the stored values stay English).
STATES = {"pending": N_("pending"), "open": N_("open"), "closed": N_("closed"), "locked": N_("locked"),
          "running": N_("running"), "ending": N_("ending"), "ended": N_("ended")}


def state_word(value: str) -> str:
    """A stored state ("running") in the current language."""
    return _(STATES[value]) if value in STATES else value


widgets.header(_("Workshop console"),
               _("Run a live self-assessment: participants join on their phones with the code or QR, you open one "
                 "leverage point at a time, reveal the results, and save the answers into the organization's "
                 "history."))
LANG = language()
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
    round_names = {None: _("A new round…"), **dict(zip(rounds["id"], rounds["name"], strict=True))}
    point_names = {p.id: f"{p.id} {instrument.text(p.title, LANG)}" for p in instrument.points}
    with st.form("ws_create"):
        title = st.text_input(_("Title"), placeholder=_("Board away day, morning session"), max_chars=200)
        points = st.multiselect(_("Leverage points to ask"), list(point_names), default=list(point_names),
                                format_func=point_names.get)
        round_id = st.selectbox(_("Save the answers into"), list(round_names), format_func=round_names.get,
                                help=_("When the workshop ends, its answers become a round of the organization's "
                                       "history."))
        round_name = st.text_input(_("Name of the new round"), placeholder=_("Workshop 2026-11"),
                                   help=_("Only used when saving into a new round."))
        c1, c2 = st.columns(2)
        min_n = c1.number_input(_("Anonymity threshold (people)"), settings.min_n, MIN_N_RANGE[1],
                                value=settings.min_n,
                                help=_("At least {n}, this installation's minimum.").format(n=settings.min_n))
        hours = c2.number_input(_("Code valid for (hours)"), 1, 72, 12)
        hide = st.checkbox(_("Hide results until I reveal them"), value=True)
        go = st.form_submit_button(_("Create the workshop"), type="primary")
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
with st.expander(_("Create a workshop"), expanded=running.empty):
    create_form()
if listing.empty:
    st.info(_("{organization} has no workshops yet. Create one above.").format(organization=widgets.esc(org_name)))
    st.stop()

labels = {int(r.id): f"{r.title} · {r.code} · {state_word(r.status)}" for r in listing.itertuples()}
if st.session_state.get(live.WORKSHOP_KEY) not in labels:
    st.session_state[live.WORKSHOP_KEY] = int(listing["id"].iloc[0])
# The choice lives in a plain session key (a widget's key is dropped on pages that do not draw it), so the
# projector page finds it too.
st.session_state["ws_picker"] = st.session_state[live.WORKSHOP_KEY]


def _picked() -> None:
    st.session_state[live.WORKSHOP_KEY] = st.session_state["ws_picker"]


workshop_id = st.selectbox(_("Workshop"), list(labels), format_func=labels.get, key="ws_picker", on_change=_picked)


def act(fn, *args) -> None:
    """A button's callback: the action, then this process's live reads are renewed (acknowledged in this run)."""
    live.hold(workshop_id)  # the room hears of it once this run has drawn it (live.announce)
    try:
        fn(*args)
    except WorkshopError as exc:
        st.session_state["ws_error"] = str(exc)  # translated when shown (see the console)
    live.changed(workshop_id)


def end_workshop(workshop_id: int, title: str, round_name: str, org_id: int) -> None:
    """The end button's callback: it runs before the page, so the same run already draws the ended workshop
    (the console acknowledges the end without a second run of the page)."""
    live.hold(workshop_id)  # the room hears of "ending" and "ended" once this run has drawn the end
    try:
        report = service.end(workshop_id, settings.role_labels)
    except WorkshopError as exc:
        st.session_state["ws_end_error"] = str(exc)
        return
    finally:
        live.changed(workshop_id)
    auth.access().audit.record(principal.label, Action.WORKSHOP_ENDED, organization_id=org_id, target=title,
                               address=auth.address(),
                               detail=f"{report.respondents} participants saved into {round_name}")
    # the callback may run before the page has set the reader's language: the message is translated when shown
    st.session_state["ws_saved"] = (N_("Saved {participants} participants and {answers} answers."),
                                    {"participants": report.respondents, "answers": report.answers})


def fmt(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else format_number(value, 2)


@live.fragment(run_every=REFRESH_S)
def console() -> None:
    """Counts (one shared aggregate query a second per server) and the point controls; a click reruns only
    this fragment."""
    board = live.board(workshop_id)
    counts = live.counts(workshop_id)
    if st.session_state.get("ws_error"):
        st.error(_(st.session_state.pop("ws_error")))
    vote = board.vote
    ended = board.workshop["status"] != RUNNING
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(_("Participants"), counts.participants)
    c2.metric(_("Answers (this vote)"), counts.answers)
    c3.metric(_("Vote"), _("{vote} of {votes}").format(vote=vote, votes=MAX_VOTES))
    c4.metric(_("Status"), state_word(board.workshop["status"]))
    st.markdown("#### " + _("Leverage points"))
    rows = []
    for rec in board.current():
        p = rec.point
        answered = counts.answered.get(p, 0)
        latest = board.latest(p)
        room = board.room(p)
        status = (_("{state} · revealed · {n} answered") if rec.revealed else _("{state} · {n} answered"))
        st.markdown(f"**{p}** {instrument.text(instrument.point(p).title, LANG)}  \n"
                    + status.format(state=state_word(rec.state), n=answered))
        shown = disclosure.score(latest.overall, board.min_n) if latest else None
        rows.append({_("Point"): p, _("Published n"): shown["n"] if shown else 0,
                     _("Mean (1–5)"): fmt(shown["mean"]) if shown else "—",
                     _("95% CI"): f"{fmt(shown['ci_low'])}–{fmt(shown['ci_high'])}" if shown and shown["ci_low"]
                     else "—",
                     _("Room sees"): (_("results not hidden") if not board.workshop["hide_results"] else
                                      _("result {seq} (n = {n})").format(seq=room.seq, n=room.n) if room else
                                      _("waiting for a result") if rec.revealed else _("hidden"))})
        if ended:
            continue
        row = st.columns(5)
        row[0].button(_("Open"), key=f"open_{p}", disabled=rec.state not in (PENDING, CLOSED),
                      on_click=act, args=(service.open_point, workshop_id, p), width="stretch")
        row[1].button(_("Close"), key=f"close_{p}", disabled=rec.state != OPEN,
                      on_click=act, args=(service.close_point, workshop_id, p), width="stretch")
        row[2].button(_("Lock"), key=f"lock_{p}", disabled=rec.state not in (OPEN, CLOSED),
                      on_click=act, args=(service.lock_point, workshop_id, p),
                      width="stretch")
        newer = rec.revealed and latest is not None and (room is None or room.seq < latest.seq)
        label = _("Reveal newer result") if newer else (_("Hide") if rec.revealed else _("Reveal"))
        row[3].button(label, key=f"reveal_{p}", disabled=rec.state == PENDING, on_click=act,
                      args=(service.reveal_point, workshop_id, p, newer or not rec.revealed), width="stretch")
        with row[4].popover(_("Reset"), disabled=rec.state == PENDING and answered == 0, width="stretch"):
            st.button(_("Delete {n} people's answers to {point} in this vote and ask again").format(n=answered,
                                                                                                     point=p),
                      key=f"reset_{p}",
                      on_click=act, args=(service.reset_point, workshop_id, p), type="primary")
    if rows:
        st.caption(_("Published results (taken when a point closes, at least {n} people, and later only in steps "
                     "of {n} more people, so no one's answer shows; you see them before the room):")
                   .format(n=board.min_n))
        st.table(pd.DataFrame(rows), hide_index=True)
    if vote > 1:
        st.markdown("#### " + _("Shift between votes"))
        shift_table(board)
    live.announce(workshop_id)  # this run drew the facilitator's action: now the room hears of it


def shift_table(board) -> None:
    captions = {(): N_("Shift per point (mean 1–5, vote 1 → vote 2; groups under n = {n} withheld, and one more "
                       "where a withheld group could be worked out by subtraction)"),
                ("role",): N_("Shift per point and role (mean 1–5, vote 1 → vote 2; groups under n = {n} withheld, "
                              "and one more where a withheld group could be worked out by subtraction)")}
    withheld = _("withheld")
    columns = {"leverage_point": _("Point"), "role": _("Role"), "n_previous": _("n 1"), "mean_previous": _("Vote 1"),
               "n": _("n 2"), "mean": _("Vote 2"), "change": _("Shift")}
    for by, caption in captions.items():
        table = live.shift(workshop_id, board, by)
        if table.empty:
            st.caption(_("The shift appears once a point of the second vote is closed with enough people."))
            return
        show = table.copy()
        if by:
            show["role"] = show["role"].map(lambda r: _(settings.role_labels.get(r, r)))
        for col in ("mean_previous", "mean"):
            show[col] = show[col].map(lambda v: withheld if v is None or pd.isna(v) else format_number(v, 2))
        show["change"] = show["change"].map(lambda v: "—" if v is None or pd.isna(v) else signed(v))
        st.caption(_(caption).format(n=board.min_n))
        order = [*(["role"] if by else []), "leverage_point", "n_previous", "mean_previous", "n", "mean", "change"]
        st.table(show[order].rename(columns=columns), hide_index=True)


def signed(value: float) -> str:
    """A change with its sign, in the locale's digits (+0.25 / +0,25)."""
    return ("+" if value >= 0 else "") + format_number(value, 2)


ws = live.board(workshop_id).workshop
left, right = st.columns([2, 1])
with left:
    console()
with right:
    link = qr.join_link(live.base_url(), ws["code"])
    if ws["status"] == RUNNING:
        st.markdown("### " + _("Code {code}").format(code=f"`{ws['code']}`"))
        st.image(live.qr_png(link), caption=_("Scan to join"), width=220,
                 alt=_("QR code of the join link {link}").format(link=link))
        st.code(link, language=None)
        st.caption(_("The code expires at {time} UTC.").format(time=f"{format_date(ws['expires_at'])} "
                                                                     f"{ws['expires_at']:%H:%M}"))
        st.button(_("New code"), key="ws_new_code", on_click=act, args=(service.renew_code, workshop_id),
                  help=_("Issue a fresh code valid for 12 hours; the old code stops working, and people who "
                         "already joined keep their links."))
        st.page_link("pages/projector.py", label=_("Projector view (this tab)"), icon=":material/tv:")
        st.caption(_("On the projector: ← and → (or space) step through the points; it follows your actions."))
        st.markdown("[" + _("Projector view in a new tab") + f"](projector?ws={int(workshop_id)})")
    elif ws["status"] == ENDING:
        st.warning(_("Ending was interrupted before the answers were saved (the server stopped)."))
        st.button(_("Finish saving and end"), type="primary", key="ws_resume", on_click=act,
                  args=(lambda wid: service.end(wid, settings.role_labels, resume=True), workshop_id))
    else:
        st.success(_("Ended; answers saved into the round {round}.").format(round=widgets.esc(ws["round_name"])))
    if principal.can(Permission.EXPORT_RAW, org_id):
        st.markdown(_("**Export** (all votes, one row per answer)"))
        widgets.downloads(service.answers(workshop_id), f"workshop_{ws['code']}", key=f"ws_export_{workshop_id}")
    else:
        st.caption(_("Exports of individual answers are for the organization's admins."))

if ws["status"] == RUNNING:
    st.divider()
    c1, c2 = st.columns(2)
    with c1:
        if ws["vote"] < MAX_VOTES:
            st.markdown(_("**Re-vote after discussion**: locks every point of this vote and asks them all again."))
            st.button(_("Start the second vote"), key="ws_revote", on_click=act,
                      args=(service.start_revote, workshop_id))
    with c2:
        st.markdown(_("**End the workshop**: saves each participant's latest answers as a round of {organization} "
                      "({round}) and closes the code.").format(organization=widgets.esc(org_name),
                                                               round=widgets.esc(ws["round_name"])))
        sure = st.checkbox(_("I have finished; save and end"), key="ws_end_sure")
        st.button(_("End and save"), type="primary", disabled=not sure, key="ws_end", on_click=end_workshop,
                  args=(workshop_id, ws["title"], ws["round_name"], org_id))
if st.session_state.get("ws_end_error"):
    st.error(_(st.session_state.pop("ws_end_error")))  # translated when shown, as the console's errors
if st.session_state.get("ws_saved"):
    saved, counts = st.session_state.pop("ws_saved")
    st.success(_(saved).format(**{k: format_number(v) for k, v in counts.items()}))
live.announce(workshop_id)  # after the end (or any action a full run drew): the room hears of it
