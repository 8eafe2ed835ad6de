"""Projector view: large type for the room; the join QR while the workshop runs, results as they are revealed.

It refreshes itself every REFRESH_S seconds from the shared one-second snapshot, so any number of screens
cost about one query a second per server. Behind the facilitator passphrase, like the console.
"""

import pandas as pd
import streamlit as st

from leverage.workshops import qr
from leverage.workshops.states import PENDING, RUNNING, WorkshopError
from ui import frame, live, reconnect, state, widgets

frame.require()
reconnect.reload_when_reconnected()  # the room's screen carries on when its worker dies

REFRESH_S = 2
BIG = """<style>
[data-testid="stMetricValue"] { font-size: 3.2rem; }
.stMarkdown p, .stMarkdown li { font-size: 1.45rem; }
h1 { font-size: 3rem !important; }
</style>"""

live.facilitator_gate()
settings = state.settings()
service = live.workshops()
instrument = service.instrument
workshop_id = st.query_params.get("ws") or st.session_state.get(live.WORKSHOP_KEY)
try:
    ws = service.get(int(workshop_id)) if workshop_id is not None else None
except (WorkshopError, ValueError):
    ws = None
if ws is None:
    st.info("Choose or create a workshop in the console first; the projector then shows it.")
    st.page_link("pages/workshop.py", label="Open the workshop console", icon=":material/groups:")
    st.stop()

st.html(BIG)  # static CSS only: no user text is ever rendered as HTML
st.title(widgets.esc(ws["title"]))


@st.fragment(run_every=REFRESH_S)
def projector() -> None:
    snap = live.live(ws["id"])
    running = snap["status"] == RUNNING
    vote = int(snap["vote"])
    pts = snap["points"]
    left, right = st.columns([1, 2]) if running else (None, st.container())
    if running:
        with left:
            st.markdown(f"## Join: `{snap['code']}`")
            st.image(qr.png(qr.join_link(live.base_url(), snap["code"]), scale=10), width=320)
            st.caption(qr.join_link(live.base_url(), snap["code"]))
            st.metric("Participants", snap["participants"])
    with right:
        st.markdown(f"## {'Second vote' if vote > 1 else 'Results'}" + ("" if running else " · workshop ended"))
        shown = pts[(pts["state"] != PENDING) & (pts["revealed"] | (not snap["hide_results"]))]
        for rec in pts[(pts["state"] != PENDING) & ~pts["leverage_point"].isin(shown["leverage_point"])].itertuples():
            st.markdown(f"**{rec.leverage_point}** {instrument.text(instrument.point(rec.leverage_point).title, 'en')}"
                        f" · {rec.state} · {rec.answered} answered · results hidden until revealed")
        if shown.empty:
            st.markdown("Results appear here when the facilitator reveals them.")
            return
        points = tuple(shown["leverage_point"])
        scores, _ = live.results(settings.database_url, ws["id"], vote, points)
        for rec in scores.itertuples():
            if rec.status == "ok":
                line = f"mean **{rec.mean:.2f}** of 5 (n = {rec.n_respondents})"
            else:
                line = f"{rec.n_respondents} answered; shown from n ≥ {snap['min_n']}"
            st.markdown(f"**{rec.leverage_point}** {instrument.text(instrument.point(rec.leverage_point).title, 'en')}"
                        f" · {line}")
        n = int(scores["n_respondents"].max()) if not scores.empty else 0
        fig = live.distribution_figure(settings.database_url, ws["id"], vote, points, int(snap["answers"]),
                                       f"{snap['title']}, vote {vote}: answers per level (% of answers), n = {n}")
        st.plotly_chart(fig, key="proj_dist", config={"displayModeBar": False})
        if vote > 1:
            shift = live.shift(settings.database_url, ws["id"], ())
            shift = shift[shift["leverage_point"].isin(points)]
            if not shift.empty:
                st.markdown("### Shift since the first vote")
                for rec in shift.itertuples():
                    change = "withheld (small group)" if pd.isna(rec.change) else f"{rec.change:+.2f}"
                    st.markdown(f"**{rec.leverage_point}**: {change}")


projector()
