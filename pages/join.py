"""Join a live workshop on a phone: code → optional role and department → one form per open point.

Lean on purpose (docs/deployment.md#capacity): no sidebar, no charts, one form per point (a form costs no
script run until it is sent). Once joined, everything that follows the room is one fragment, so sending a
form or a facilitator's action reruns that fragment alone, not the page. The phone follows the room
through one long poll (ui/live_route.py): the fragment reruns only when the workshop's version moved past
the one it was drawn from, so an opened, closed or revealed point, a re-vote or the end shows within about
a second, and a phone costs the server no script run while nothing happens.

The participant token is drawn here before the first request and put in the link (`?code=…&t=…`), so a
join sent twice (the first acknowledgement was lost), a reload, a locked screen or a reconnection is
the same participant.
"""

import datetime as dt

import streamlit as st

from leverage.core.i18n import N_, _, language
from leverage.workshops import joincode
from leverage.workshops.states import CLOSED, ENDED, LOCKED, OPEN, WorkshopError
from ui import frame, live, reconnect, state, widgets

frame.require(bare=True)
reconnect.reload_when_reconnected()  # a phone whose worker died carries on on another one

DONT_KNOW = "dont_know"
DONT_KNOW_SHORT = "?"
RECEIPTS = "ws_receipts"  # "vote:point" -> time the last answer was recorded, shown as "recorded"
LANG = language()  # once per run: the instrument's texts in the person's language

settings = state.settings()
service = live.workshops()
instrument = service.instrument
code = st.query_params.get("code", "")

st.title(_("Join the workshop"))


def code_form(message: str | None = None) -> None:
    if message:
        st.error(message)
    with st.form("ws_code"):
        typed = st.text_input(_("Workshop code"), max_chars=16, placeholder=_("e.g. K7MPXA"),
                              help=_("The code on the facilitator's screen (letters and digits)."))
        go = st.form_submit_button(_("Continue"), type="primary", width="stretch")
    if go:
        st.query_params.clear()
        st.query_params["code"] = typed.strip().upper()
        st.rerun()
    st.stop()


def start_again() -> None:
    st.query_params.pop("t", None)


if not code:
    st.caption(_("Scan the QR code on the screen, or type the code the facilitator shows."))
    code_form()

token = st.query_params.get("t")
if not token:
    token = joincode.new_token()  # this phone's identity from its first request on
    st.query_params["t"] = token

try:
    me = live.shared().participant((token, code), lambda: service.token_status(code, token))
except WorkshopError as exc:
    st.error(str(exc))
    st.button(_("Join as a new participant"), type="primary", on_click=start_again)
    st.stop()


def shown(message: str | tuple[str, dict[str, object]]) -> str:
    """A message a callback left for this run, translated here: a callback may run before the run's language
    is set, so callbacks store the English message (and its values) and the page translates it when shown."""
    if isinstance(message, tuple):
        text, values = message
        return _(text).format(**values)
    return _(message)


def join_now(code: str, token: str, other: bool, roles: dict[str, str]) -> None:
    """Form callback: joins before the script runs, so the same run already shows the first question."""
    role = st.session_state.get("ws_role")
    if role is None and not other:
        st.session_state["ws_join_problem"] = N_("Choose your role: results are shown by role.")
        return
    try:
        service.join(code, live.client_key("code"), role=role, department_id=st.session_state.get("ws_dept"),
                     roles=roles, token=token)
    except WorkshopError as exc:
        st.session_state["ws_join_problem"] = str(exc)


if me is None:
    try:
        ws = service.find(code, live.client_key("code"))
    except WorkshopError as exc:
        code_form(str(exc))
    st.subheader(widgets.esc(ws["title"]))
    st.caption(_("No account needed. Your answers are anonymous: results are shown only for groups of at least "
                 "{n} people.").format(n=service.effective_min_n(ws["min_n"])))
    roles = {role: _(label) for role, label in settings.role_labels.items()}
    other = "other" in roles
    departments = state.cached(state.departments, ws["organization_id"])
    dept_names = {None: _("Prefer not to say"), **dict(zip(departments["id"], departments["name"], strict=True))}
    if st.session_state.get("ws_join_problem"):
        st.error(shown(st.session_state.pop("ws_join_problem")))
    with st.form("ws_join"):
        st.selectbox(_("Your role (optional)") if other else _("Your role"), list(roles), index=None, key="ws_role",
                     format_func=roles.get, placeholder=_("Prefer not to say") if other else _("Choose your role"))
        st.selectbox(_("Your department (optional)"), list(dept_names), format_func=dept_names.get, key="ws_dept")
        st.form_submit_button(_("Join"), type="primary", width="stretch", on_click=join_now,
                              args=(code, token, other, roles))
    st.stop()

options = [*instrument.level_values, DONT_KNOW]
labels = {lv.value: f"{lv.value} {instrument.text(lv.label, LANG)}" for lv in instrument.levels}
labels[DONT_KNOW] = instrument.text(instrument.dont_know, LANG)
VIEW = "ws_view"  # an open point the participant chose to revisit
MINE = "ws_mine"  # this phone's answers of the current vote: changed only by its own sends and a facilitator's reset
CHANGE = "ws_change"  # the pills that reopen an answered point's form


def change_to() -> None:
    """Pills callback: show the chosen point's form; the pills go back to none chosen."""
    if st.session_state.get(CHANGE):
        st.session_state[VIEW] = st.session_state[CHANGE]
    st.session_state[CHANGE] = None


def items_of(point: str, asked: list[str]) -> list:
    return [i for i in instrument.items_for(point) if i.id in asked]


def save(participant, form_vote: int, point: str, item_ids: tuple[str, ...]) -> None:
    """Form callback (runs before the script, so the same run shows the next point). Everything it needs comes
    in its arguments: the page may have been redrawn for another vote since this form was drawn."""
    values = {i: st.session_state.get(f"ws_{form_vote}_{i}") for i in item_ids}
    missing = [i for i, v in values.items() if v is None]
    if missing:
        st.session_state["ws_problem"] = (N_("Please answer every statement of {point}, or choose "
                                             "“{dont_know}”: {missing} still open."),
                                          {"point": point, "dont_know": labels[DONT_KNOW],
                                           "missing": ", ".join(missing)})
        st.session_state[VIEW] = point
        return
    try:
        service.submit(participant, point, {i: (None if v == DONT_KNOW else int(v)) for i, v in values.items()},
                       vote=form_vote)
    except WorkshopError as exc:
        st.session_state["ws_problem"] = str(exc)
        st.session_state.pop(MINE, None)
        live.changed(participant.workshop_id)  # the page was behind the room: this run reads it afresh
        return
    st.session_state.pop(MINE, None)  # read again in this run
    key = f"{form_vote}:{point}"
    st.session_state.setdefault(RECEIPTS, {})[key] = dt.datetime.now().strftime("%H:%M:%S")
    st.session_state["ws_recorded"] = (key, point)
    st.session_state.pop(VIEW, None)


def my_answers(vote: int, resets: int) -> dict:
    """Read from the database only when they may have changed: a new vote, a reset of a point (`resets`), or
    this phone's own send (`save` drops the copy). Not on every redraw: after each facilitator action the
    whole room redraws, and one read per phone was most of that work."""
    cached = st.session_state.get(MINE)
    if cached is None or cached[0] != (vote, resets):
        cached = ((vote, resets), service.answers_of(me, vote))
        st.session_state[MINE] = cached
    return cached[1]


def point_form(point: str, vote: int, asked: list[str], mine: dict) -> None:
    lp = instrument.point(point)
    st.markdown(f"**{point}** · {instrument.text(lp.title, LANG)}")
    its = items_of(point, asked)
    with st.form(f"ws_form_{vote}_{point}"):
        for item in its:
            saved = mine.get(item.id, "missing")
            saved = DONT_KNOW if saved is None else saved
            st.radio(f"{item.id} {instrument.text(item.text, LANG)}", options, format_func=labels.get,
                     index=options.index(saved) if saved in options else None, key=f"ws_{vote}_{item.id}")
        st.form_submit_button(_("Save my answers to {point}").format(point=point), type="primary", width="stretch",
                              on_click=save, args=(me, vote, point, tuple(i.id for i in its)))


def read_only(point: str, state_name: str, mine: dict) -> str:
    """One line per closed or locked point (one element for them all: a room of phones redraws this)."""
    lp = instrument.point(point)
    given = [f"{i.id}: {DONT_KNOW_SHORT if mine[i.id] is None else mine[i.id]}"
             for i in instrument.items_for(point) if i.id in mine]
    status = _("closed, read-only") if state_name == CLOSED else _("locked, read-only")
    return (f"- **{point} {instrument.text(lp.title, LANG)}** · {status}  \n"
            + (" · ".join(given) if given else _("You gave no answers to this point.")))


@live.fragment()
def room() -> None:
    """Everything that follows the room, redrawn alone (not the whole page) when this phone sends a form or
    the facilitator acts: the watcher at its end reruns this fragment when the workshop's version moves."""
    board = live.board(me.workshop_id)
    ws = board.workshop
    if ws["code"] != code:  # the facilitator issued a new code: keep the bookmark current
        st.query_params["code"] = ws["code"]
    st.subheader(widgets.esc(ws["title"]))
    if ws["status"] == ENDED:
        st.success(_("The workshop has ended and your answers are saved. Thank you for taking part. "
                     "Nothing more can be sent from this page."))
        live.follow(me.workshop_id, board.version, watching=False)
        return
    if ws["status"] != "running":
        st.info(_("The workshop is ending: the answers are being saved. Nothing more can be sent."))
        live.follow(me.workshop_id, board.version)
        return
    vote, asked = board.vote, ws["items"]
    mine = my_answers(vote, board.resets)
    current_points = board.current()
    open_points = [p.point for p in current_points if p.state == OPEN]
    answered = [p for p in open_points if all(i.id in mine for i in items_of(p, asked))]
    # few elements on purpose: after every facilitator action each phone in the room redraws this fragment, and
    # each element is one more message the server sends every phone (docs/deployment.md#workshop-capacity)
    note = (_("Second vote, after the discussion. Keep this page open: it follows the room by itself, and "
              "reloading it keeps your answers.") if vote > 1 else
            _("Keep this page open: it follows the room by itself, and reloading it keeps your answers."))
    if open_points:
        note += " " + _("{answered} of {total} open points answered.").format(answered=len(answered),
                                                                          total=len(open_points))
    st.caption(note)
    receipts = st.session_state.setdefault(RECEIPTS, {})
    if st.session_state.get("ws_problem"):
        st.error(shown(st.session_state.pop("ws_problem")))
    recorded = st.session_state.pop("ws_recorded", None)
    if recorded:
        key, point = recorded
        st.success(_("Recorded at {time}: your answers to {point}. You may change them while the point is open.")
                   .format(time=receipts.get(key) or _("just now"), point=point), icon=":material/check_circle:")
    current = st.session_state.get(VIEW)
    if current not in open_points:
        current = next((p for p in open_points if p not in answered), None)
    if current:
        point_form(current, vote, asked, mine)
    elif open_points:
        st.success(_("You have answered every open point."), icon=":material/task_alt:")
    else:
        st.info(_("Waiting for the facilitator to open the next point. This page updates by itself."),
                icon=":material/hourglass_empty:")
    changeable = [p for p in answered if p != current]
    if changeable:  # one element for them all (not a button each): every phone redraws this after each action
        st.pills(_("Change an answer while its point is open:"), changeable, key=CHANGE, on_change=change_to,
                 format_func=lambda p: _("Change {point}").format(point=p))
    done = [p for p in current_points if p.state in (CLOSED, LOCKED)]
    if done:
        st.markdown(_("**Earlier points** (your answers, 1–5; ? = don't know)") + "\n\n"
                    + "\n".join(read_only(rec.point, rec.state, mine) for rec in done))
    live.follow(me.workshop_id, board.version)


room()
