"""The Board page's board-pack panel: choose the dates, build with progress, download.

The pack is built in this script run (so the progress bar is real: one step per chart) and kept in the
session under the key of what it was built from; the same organization, dates and format hand back the
same file at once, with a line saying so when the data has changed since.
"""

from __future__ import annotations

import datetime as dt
import re

import streamlit as st

from leverage.boardpack import BoardPackError, gather
from leverage.chart_images import status
from ui import aim_state, state
from ui.widgets import esc

KEEP = "boardpack_built"
FORMATS = {"PDF": (".pdf", "application/pdf"),
           "PowerPoint": (".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation")}


def file_name(org_name: str, as_of: dt.date, suffix: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", org_name).strip("-") or "organization"
    return f"board-pack-{stem}-{as_of:%Y-%m-%d}{suffix}"


def _build(org_name: str, as_of: dt.date, meeting: dt.date, fmt: str) -> tuple[bytes, str]:
    """(file bytes, a line saying what is in it), drawing a progress bar as it goes."""
    bar = st.progress(0.0, text="Reading the aims, self-assessment and workshops…")
    pack = gather(state.store(), state.settings(), org_name, as_of=as_of, meeting_date=meeting)

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=esc(message))

    if fmt == "PowerPoint":
        from leverage.boardpack_pptx import build_deck

        data = build_deck(pack, progress=progress)
        what = f"{len(pack.views)} aim slide(s)"
    else:
        from leverage.boardpack_pdf import make_pdf

        result = make_pdf(pack, progress=progress)
        data = result.pdf
        what = f"{result.pages} pages, {result.charts_drawn} of {len(pack.views)} charts drawn"
        if result.chart_note:
            what += f"; charts shown as tables: {result.chart_note}"
    bar.empty()
    return data, what


def panel(org_id: int, org_name: str) -> None:
    """Dates, format, a build button with progress, then the download."""
    with st.expander("Board pack: the board paper as a PDF or PowerPoint", icon=":material/picture_as_pdf:"):
        st.caption("Cover, the vital few with their icons, a page per aim (chart, projection, questions to ask), "
                   "the latest self-assessment with its threshold applied, and the period's workshops. Every page "
                   "is stamped with the rule set, data cut-off, app version and the IHI citation.")
        today = aim_state.today()
        c1, c2, c3 = st.columns([1, 1, 1])
        as_of = c1.date_input("Data cut-off", value=today, max_value=today, key="boardpack_as_of",
                              help="Measurements after this date are left out, as they were not known then.")
        meeting = c2.date_input("Meeting date", value=today, key="boardpack_meeting")
        fmt = c3.radio("Format", list(FORMATS), horizontal=True, key="boardpack_format")
        found = status()
        if not found.available:
            st.warning(f"Charts will be tables in this pack: {esc(found.reason)}.")
        key = (state.settings().database_url, org_id, as_of, meeting, fmt)
        revision = state.revision()
        built = st.session_state.get(KEEP)
        if st.button("Build the board pack", type="primary", icon=":material/build:", key="boardpack_build"):
            try:
                data, what = _build(org_name, as_of, meeting, fmt)
            except BoardPackError as exc:
                st.error(esc(exc))
                return
            built = {"key": key, "revision": revision, "data": data, "what": what,
                     "at": dt.datetime.now().astimezone()}
            st.session_state[KEEP] = built
        if built is None or built["key"] != key:
            return
        suffix, mime = FORMATS[fmt]
        st.success(f"The board pack is ready: {esc(built['what'])}.")
        if built["revision"] != revision:
            st.caption(f"The data has changed since this pack was built at {built['at']:%H:%M}: build it again "
                       "for the latest.")
        st.download_button(f"Download the board pack ({fmt})", built["data"], file_name(org_name, as_of, suffix),
                           mime, key="boardpack_download", icon=":material/download:", on_click="ignore",
                           type="primary")
