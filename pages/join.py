"""Join a live workshop on a phone: code → optional role and department → one form per open point.

Lean on purpose (see docs/deployment.md#capacity): no charts, one form per point (a form
costs no script run until it is sent), and while a phone waits for the facilitator it checks a shared
one-second cache every POLL_S seconds instead of querying the database. The participant token rides in
the link (`?code=…&t=…`), so a reload, a locked screen or a reconnection stays the same participant.
"""

import datetime as dt

import streamlit as st

from leverage.workshops.states import CLOSED, LOCKED, OPEN, WorkshopError
from ui import frame, live, reconnect, state, widgets

frame.require()
reconnect.reload_when_reconnected()  # a phone whose worker died carries on on another one

POLL_S = 15  # a waiting phone looks for a newly opened point this often (cached: no query)
DONT_KNOW = "dont_know"
RECEIPTS = "ws_receipts"  # point -> time the last answer was recorded, shown as "recorded"

settings = state.settings()
service = live.workshops()
instrument = service.instrument
params = st.query_params
code = params.get("code", "")

st.title("Join the workshop")


def code_form(message: str | None = None) -> None:
    if message:
        st.error(message)
    with st.form("ws_code"):
        typed = st.text_input("Workshop code", max_chars=16, placeholder="e.g. K7MPXA",
                              help="The code on the facilitator's screen (letters and digits).")
        go = st.form_submit_button("Continue", type="primary", width="stretch")
    if go:
        st.query_params.clear()
        st.query_params["code"] = typed.strip().upper()
        st.rerun()
    st.stop()


if not code:
    st.caption("Scan the QR code on the screen, or type the code the facilitator shows.")
    code_form()


def join_now(code: str, other: bool, roles: dict[str, str]) -> None:
    """Form callback: joins before the script runs, so the same run already shows the first question."""
    role = st.session_state.get("ws_role")
    if role is None and not other:
        st.session_state["ws_join_problem"] = "Choose your role: results are shown by role."
        return
    try:
        p = service.join(code, live.client_key("code"), role=role, department_id=st.session_state.get("ws_dept"),
                         roles=roles)
    except WorkshopError as exc:
        st.session_state["ws_join_problem"] = str(exc)
        return
    st.query_params["t"] = p.token


token = st.query_params.get("t")  # read again: the join callback may have just set it
if not token:
    try:
        ws = service.find(code, live.client_key("code"))
    except WorkshopError as exc:
        code_form(str(exc))
    st.subheader(widgets.esc(ws["title"]))
    st.caption("No account needed. Your answers are anonymous: results are shown only for groups of at least "
               f"{ws['min_n']} people.")
    roles = settings.role_labels
    other = "other" in roles
    departments = state.cached(state.departments, ws["organization_id"])
    dept_names = {None: "Prefer not to say", **dict(zip(departments["id"], departments["name"], strict=True))}
    if st.session_state.get("ws_join_problem"):
        st.error(st.session_state.pop("ws_join_problem"))
    with st.form("ws_join"):
        st.selectbox("Your role" + (" (optional)" if other else ""), list(roles), index=None, key="ws_role",
                     format_func=roles.get, placeholder="Prefer not to say" if other else "Choose your role")
        st.selectbox("Your department (optional)", list(dept_names), format_func=dept_names.get, key="ws_dept")
        st.form_submit_button("Join", type="primary", width="stretch", on_click=join_now, args=(code, other, roles))
    st.stop()

try:
    me = service.participant(code, token)
except WorkshopError as exc:
    st.error(str(exc))
    if st.button("Join as a new participant", type="primary"):
        del st.query_params["t"]
        st.rerun()
    st.stop()

snap = live.live(me.workshop_id)
if snap["code"] != code:  # the facilitator issued a new code: keep the bookmark current
    st.query_params["code"] = snap["code"]
st.subheader(widgets.esc(snap["title"]))
if snap["status"] != "running":
    st.success("The workshop has ended and your answers are saved. Thank you for taking part.")
    st.stop()
vote = int(snap["vote"])
points = snap["points"]
st.caption(("Second vote, after the discussion. " if vote > 1 else "")
           + "Keep this page open (or bookmark it): reloading it keeps your answers.")
options = [*instrument.level_values, DONT_KNOW]
labels = {lv.value: f"{lv.value} {instrument.text(lv.label, 'en')}" for lv in instrument.levels}
labels[DONT_KNOW] = instrument.text(instrument.dont_know, "en")
asked = snap["items"]
VIEW = "ws_view"  # an open point the participant chose to revisit


def items_of(point: str) -> list:
    return [i for i in instrument.items_for(point) if i.id in asked]


def save(point: str) -> None:
    """Form callback: runs before the script, so the same run already shows the next point (one run per send)."""
    values = {i.id: st.session_state.get(f"ws_{vote}_{i.id}") for i in items_of(point)}
    missing = [i for i, v in values.items() if v is None]
    if missing:
        st.session_state["ws_problem"] = (f"Please answer every statement of {point}, or choose "
                                          f"“{labels[DONT_KNOW]}”: {', '.join(missing)} still open.")
        st.session_state[VIEW] = point
        return
    try:
        service.submit(me, point, {i: (None if v == DONT_KNOW else int(v)) for i, v in values.items()})
    except WorkshopError as exc:
        st.session_state["ws_problem"] = str(exc)
        return
    st.session_state[RECEIPTS][f"{vote}:{point}"] = dt.datetime.now().strftime("%H:%M:%S")
    st.session_state["ws_recorded"] = point
    st.session_state.pop(VIEW, None)


def point_form(point: str) -> None:
    lp = instrument.point(point)
    st.markdown(f"**{point}** · {instrument.text(lp.title, 'en')}")
    with st.form(f"ws_form_{vote}_{point}"):
        for item in items_of(point):
            saved = mine.get(item.id, "missing")
            saved = DONT_KNOW if saved is None else saved
            st.radio(f"{item.id} {instrument.text(item.text, 'en')}", options, format_func=labels.get,
                     index=options.index(saved) if saved in options else None, key=f"ws_{vote}_{item.id}")
        st.form_submit_button(f"Save my answers to {point}", type="primary", width="stretch", on_click=save,
                              args=(point,))


def read_only(point: str, state_name: str) -> None:
    lp = instrument.point(point)
    given = [f"{i.id}: {labels[DONT_KNOW if mine[i.id] is None else mine[i.id]]}"
             for i in instrument.items_for(point) if i.id in mine]
    word = "closed" if state_name == CLOSED else "locked"
    st.markdown(f"**{point} {instrument.text(lp.title, 'en')}** · {word}, read-only")
    st.caption(" · ".join(given) if given else "You gave no answers to this point.")


mine = service.answers_of(me, vote)
receipts = st.session_state.setdefault(RECEIPTS, {})
if st.session_state.get("ws_problem"):
    st.error(st.session_state.pop("ws_problem"))
recorded = st.session_state.pop("ws_recorded", None)
if recorded:
    st.success(f"Recorded at {receipts[f'{vote}:{recorded}']}: your answers to {recorded}. You may change them "
               "while the point is open.", icon=":material/check_circle:")
open_points = points.loc[points["state"] == OPEN, "leverage_point"].tolist()
answered = [p for p in open_points if all(i.id in mine for i in items_of(p))]
current = st.session_state.get(VIEW)
if current not in open_points:
    current = next((p for p in open_points if p not in answered), None)
if open_points:
    st.caption(f"{len(answered)} of {len(open_points)} open points answered.")
if current:
    point_form(current)
elif open_points:
    st.success("You have answered every open point.", icon=":material/task_alt:")
changeable = [p for p in answered if p != current]
if changeable:
    st.caption("Change an answer while its point is open:")
    cols = st.columns(min(len(changeable), 4))
    for k, p in enumerate(changeable):
        cols[k % len(cols)].button(f"Change {p}", key=f"ws_change_{p}", on_click=st.session_state.__setitem__,
                                   args=(VIEW, p), width="stretch")
done = points[points["state"].isin([CLOSED, LOCKED])]
if not done.empty:
    with st.expander("Earlier points", expanded=not open_points):
        for rec in done.itertuples():
            read_only(rec.leverage_point, rec.state)

signature = (vote, tuple(open_points))


@st.fragment(run_every=POLL_S)
def wait_for_next() -> None:
    """While waiting: a cheap cached look at which points are open; a full rerun only when that changes."""
    now = live.live(me.workshop_id)
    opened = tuple(now["points"].loc[now["points"]["state"] == OPEN, "leverage_point"])
    if (int(now["vote"]), opened) != signature or now["status"] != "running":
        st.rerun(scope="app")
    if not open_points:
        st.info("Waiting for the facilitator to open the next point. This page updates by itself.",
                icon=":material/hourglass_empty:")


if current is None:  # nothing to answer: look for the next point now and then (a busy phone never polls)
    wait_for_next()
st.button("Check for new questions", icon=":material/refresh:")  # a rerun; the shared cache is ≤ 1 s old
