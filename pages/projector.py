"""Projector: a presentation view for the room, one 16:9 screen at 1920×1080 and 1280×720 without scrolling.

No sidebar or Streamlit chrome, body text of at least 24 px and chart ticks of at least 18 px, near-black on
white (contrast 18:1) for the back of a room. Slides: the join slide (a large QR code while the workshop
runs), then one per point; ← and → (or space) step through them, and the projector follows the point the
facilitator acted on last. A point shows its results only from a published, frozen result (see
`leverage.workshops.disclosure`): never while it is open, and after a re-vote the first and second vote
side by side with the shift. It redraws itself every second from the process's shared reads, so any number
of screens cost next to nothing. Behind the facilitator gate, like the console.
"""

import plotly.graph_objects as go
import streamlit as st

from leverage.access.permissions import Permission
from leverage.core.chart_style import NO_TEMPLATE
from leverage.core.i18n import _, format_number, format_percent, language
from leverage.survey.charts import DONT_KNOW_COLOUR, LEVEL_COLOURS
from leverage.workshops import presentation, qr
from leverage.workshops.states import RUNNING, WorkshopError
from ui import frame, live, reconnect, widgets

frame.require(bare=True)
reconnect.reload_when_reconnected()  # the room's screen carries on when its worker dies
principal = live.facilitator_gate()

REFRESH_S = 1.0
SLIDE, SEEN = "proj_slide", "proj_seen"
# Static CSS only (no user text is ever rendered as HTML): sizes in px with a floor, growing with the screen.
CSS = """<style>
.stApp, [data-testid="stAppViewContainer"] { background: #ffffff; color: #111111; }
.stMainBlockContainer, [data-testid="stMainBlockContainer"] { max-width: 100% !important;
  padding: 1.5vh 2.5vw 0.5vh 2.5vw !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * {
  font-size: max(24px, 2.5vh) !important; line-height: 1.3; color: #111111 !important; }
[data-testid="stMarkdownContainer"] h1 { font-size: max(36px, 4.6vh) !important; padding: 0 !important;
  color: #111111; }
[data-testid="stMarkdownContainer"] h2 { font-size: max(30px, 3.6vh) !important; padding: 0 !important;
  color: #111111; }
[data-testid="stMarkdownContainer"] h3 { font-size: max(26px, 3vh) !important; padding: 0 !important;
  color: #111111; }
[data-testid="stMarkdownContainer"] code { font-size: 1em; color: #111111; background: #eeeeee; }
[data-testid="stMetricValue"] { font-size: max(48px, 7vh) !important; color: #111111; }
[data-testid="stMetricLabel"] p { font-size: max(24px, 2.4vh) !important; color: #111111 !important; }
[data-testid="stVerticalBlock"] { gap: 0.6rem; }
.stButton button, .stButton button * { font-size: 24px !important; }
.st-key-proj_qr img { max-height: 62vh; width: auto !important; }
.st-key-proj_space { position: absolute; left: -10000px; }
</style>"""
TICK = 20  # px, chart tick labels
AXIS = 22  # px, chart axis titles and bar labels

service = live.workshops()
instrument = service.instrument
wanted = st.query_params.get("ws") or st.session_state.get(live.WORKSHOP_KEY)
try:
    workshop_id = int(wanted) if wanted is not None else None
    if workshop_id is not None:
        service.get(workshop_id)
except (WorkshopError, ValueError):
    workshop_id = None
if workshop_id is not None and not principal.can(Permission.RUN_WORKSHOPS, service.get(workshop_id)["organization_id"]):
    workshop_id = None  # another organization's workshop: not this facilitator's to show
if workshop_id is None:
    st.info(_("Choose or create a workshop in the console first; the projector then shows it."))
    st.page_link("pages/workshop.py", label=_("Open the workshop console"), icon=":material/groups:")
    st.stop()

st.html(CSS)


def go_to(by: int) -> None:
    st.session_state[SLIDE] = presentation.step(live.board(workshop_id), st.session_state.get(SLIDE, ""), by)


@st.cache_resource(max_entries=64, show_spinner=False)
def distribution(workshop_id: int, version: int, point: str, vote: int, shares: tuple, dont_know: float,
                 lang: str) -> go.Figure:
    """Shares of answers per level, large type; built once per published result and language (`lang` is
    part of the cache key: the titles are in that language)."""
    labels = [f"{lv.value}" for lv in instrument.levels] + [_("Don't know")]
    values = [100 * v for v in shares] + [100 * dont_know]
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=[*LEVEL_COLOURS, DONT_KNOW_COLOUR],
                           marker_line={"color": "#333333", "width": 1},
                           text=[format_percent(v / 100) for v in values], textposition="outside",
                           textfont={"size": AXIS, "color": "#111111"}, cliponaxis=False),
                    layout={"template": NO_TEMPLATE})
    fig.update_layout(height=250, margin={"l": 70, "r": 10, "t": 30, "b": 60}, plot_bgcolor="white",
                      paper_bgcolor="white", font={"size": AXIS, "color": "#111111"}, showlegend=False)
    fig.update_xaxes(title={"text": _("Level (1 = not started, 5 = fully embedded)"), "font": {"size": AXIS}},
                     tickfont={"size": TICK, "color": "#111111"})
    fig.update_yaxes(title={"text": _("Share of answers (%)"), "font": {"size": AXIS}}, range=[0, 115],
                     tickfont={"size": TICK, "color": "#111111"}, gridcolor="#dddddd", ticksuffix="")
    return fig


def vote_panel(board, point: str, figures: presentation.VoteFigures | None, vote: int, side_by_side: bool) -> None:
    if side_by_side:
        st.markdown("### " + (_("First vote") if vote == 1 else _("Second vote")))
    if figures is None or figures.mean is None:
        st.markdown(_("No result to show yet."))
        return
    values = {"mean": format_number(figures.mean, 2), "n": figures.n}
    if figures.ci_low is not None:
        st.markdown(_("Mean **{mean}** of 5 · 95% CI {low}–{high} · n = {n}").format(
            low=format_number(figures.ci_low, 2), high=format_number(figures.ci_high, 2), **values))
    else:
        st.markdown(_("Mean **{mean}** of 5 · n = {n}").format(**values))
    if figures.shares is not None:
        fig = distribution(board.workshop["id"], board.version, point, vote, figures.shares,
                           figures.dont_know_share or 0.0, language())
        st.plotly_chart(fig, key=f"proj_dist_{vote}", config={"displayModeBar": False, "staticPlot": True})


@live.fragment(run_every=REFRESH_S)
def projector() -> None:
    board = live.board(workshop_id)
    ws = board.workshop
    running = ws["status"] == RUNNING
    seen = st.session_state.get(SEEN)
    if seen != (board.version, ws.get("focus_point")):  # the facilitator acted: follow them
        if seen is None or seen[1] != ws.get("focus_point"):
            st.session_state[SLIDE] = presentation.follow(board, st.session_state.get(SLIDE))
        st.session_state[SEEN] = (board.version, ws.get("focus_point"))
    order = presentation.slides(board)
    slide = st.session_state.get(SLIDE)
    if slide not in order:
        slide = st.session_state[SLIDE] = order[0] if order else presentation.JOIN
    link = qr.join_link(live.base_url(), ws["code"])

    head, code_box = st.columns([3, 1])
    head.markdown(f"# {widgets.esc(ws['title'])}")
    if running:
        code_box.markdown("## " + _("Join: {code}").format(code=f"`{ws['code']}`"))
    else:
        code_box.markdown("## " + _("Workshop ended"))

    if slide == presentation.JOIN:
        counts = live.counts(workshop_id)
        left, right = st.columns([1, 1])
        with left.container(key="proj_qr"):
            st.image(live.qr_png(link, 12), alt=_("QR code of the join link {link}").format(link=link))
        with right:
            st.markdown("## " + _("Join on your phone"))
            st.markdown(_("Scan the code with your phone's camera, or open"))
            st.markdown(f"`{link}`")
            st.markdown(_("No account needed. Your answers are anonymous: results are shown only for groups of at "
                          "least {n} people.").format(n=board.min_n))
            st.metric(_("Participants"), counts.participants)
    else:
        counts = live.counts(workshop_id)
        view = presentation.point_slide(board, counts, slide, instrument)
        st.markdown(f"## {view.point} · {view.title}")
        st.markdown(view.note + (" " + _("Vote {vote}.").format(vote=board.vote) if board.vote > 1 else ""))
        shown = [k for k, v in enumerate(view.votes, start=1)]
        if len(shown) > 1:
            cols = st.columns(len(shown))
            for col, vote in zip(cols, shown, strict=True):
                with col:
                    vote_panel(board, slide, view.votes[vote - 1], vote, True)
            if view.change is not None:
                st.markdown(_("**Shift since the first vote: {shift}**").format(
                    shift=("+" if view.change >= 0 else "") + format_number(view.change, 2)))
        elif view.votes:
            vote_panel(board, slide, view.votes[0], 1, False)

    prev_col, where, next_col = st.columns([1, 2, 1])
    prev_col.button(_("‹ Previous"), key="proj_prev", shortcut="Left", on_click=go_to, args=(-1,), width="stretch")
    position = order.index(slide) + 1 if slide in order else 1
    where.markdown(_("Slide {position} of {count} · ← → or space to step").format(position=position,
                                                                                   count=len(order)))
    next_col.button(_("Next ›"), key="proj_next", shortcut="Right", on_click=go_to, args=(1,), width="stretch")
    with st.container(key="proj_space"):  # off-screen: the space bar also steps forward
        st.button(_("Next (space)"), key="proj_next_space", shortcut="Space", on_click=go_to, args=(1,))


projector()
