"""The Board page's board-pack panel: one click on the download button builds the pack and saves it.

A download button with a function for its data runs that function on a worker thread when it is clicked,
and the same click reruns the page. The worker reports its progress into `jobs`, under a token of the
browser session; the rerun the click started follows that progress with a bar until the file is ready,
while the button itself spins and the browser then saves the file. A file once built is kept for the
session under what it was built from (organization, dates, format, store revision), so a second click
is instant.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import partial

import pandas as pd
import streamlit as st

from leverage.core.i18n import N_, _, language, use_language
from leverage.core.settings import Settings
from leverage.reports.boardpack.content import gather
from leverage.reports.boardpack.render import MIME, PackFile, render_pack
from leverage.reports.chart_images import status
from leverage.survey.rounds import default_round, round_label
from leverage.survey.store import Store
from ui import aim_state, state
from ui.widgets import esc

FORMATS = {"PDF": ".pdf", "PowerPoint": ".pptx"}
TOKEN = "boardpack_token"
WAIT_FOR_START = 15.0  # seconds the rerun waits for its click's build to begin
FOLLOW_LIMIT = 600.0  # and at most this long for it to finish
FORGET_JOBS_AFTER = 3600.0  # seconds: a finished job of a closed session is dropped at the next build
KEEP_FILES = 8  # built files kept in the process (the most recent; about 1 MB each for 25 aims)


@dataclass
class Job:
    """One build, as its worker reports it."""

    started: float = field(default_factory=time.monotonic)
    fraction: float = 0.0
    message: str = N_("Reading the aims, self-assessment and workshops…")  # English msgid, shown translated
    done: bool = False
    error: str | None = None
    summary: str = ""


jobs: dict[str, Job] = {}  # session token -> its latest build
_built: OrderedDict[tuple, PackFile] = OrderedDict()  # (token, what it was built from) -> the file
_lock = threading.Lock()


def file_name(org_name: str, as_of: dt.date, suffix: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", org_name).strip("-") or "organization"
    return f"board-pack-{stem}-{as_of:%Y-%m-%d}{suffix}"


def make_file(token: str, key: tuple, store: Store, settings: Settings, org_name: str, as_of: dt.date,
              meeting: dt.date, suffix: str, round_name: str | None = None, lang: str = "en") -> bytes:
    """The download's data: runs on Streamlit's worker thread, so it reports to `jobs`, never to `st`, and
    is built in `lang`, the reader's language (the worker thread does not inherit the page run's)."""
    with use_language(lang):
        return _make_file(token, key, store, settings, org_name, as_of, meeting, suffix, round_name)


def _make_file(token: str, key: tuple, store: Store, settings: Settings, org_name: str, as_of: dt.date,
               meeting: dt.date, suffix: str, round_name: str | None) -> bytes:
    job = Job()
    with _lock:
        for old in [t for t, j in jobs.items() if job.started - j.started > FORGET_JOBS_AFTER]:
            del jobs[old]
        jobs[token] = job
        kept = _built.get((token, key))
    if kept is not None:
        job.fraction, job.message, job.summary, job.done = 1.0, N_("Ready"), kept.summary, True
        return kept.data

    def progress(fraction: float, message: str) -> None:
        job.fraction, job.message = min(max(fraction, 0.0), 1.0), message

    try:
        pack = gather(store, settings, org_name, as_of=as_of, meeting_date=meeting, round_name=round_name)
        made = render_pack(pack, suffix, progress=progress)
    except Exception as exc:  # the page that follows the job shows what went wrong
        job.error, job.done = str(exc), True
        raise
    with _lock:
        _built[(token, key)] = made
        while len(_built) > KEEP_FILES:
            _built.popitem(last=False)
    job.summary = made.summary + (_("; charts shown as tables: {note}").format(note=made.chart_note)
                                  if made.chart_note else "")
    job.fraction, job.message, job.done = 1.0, N_("Ready"), True
    return made.data


def fresh_job(token: str, clicked_at: float) -> Job | None:
    """The build this click started (one begun more than a few seconds before the click is an older one)."""
    job = jobs.get(token)
    return job if job is not None and job.started >= clicked_at - 5.0 else None


def _follow(token: str, clicked_at: float, name: str) -> None:
    """A progress bar for the build the click started, then what came of it."""
    bar = st.progress(0.0, text=_("Preparing the board pack…"))
    job = None
    while time.monotonic() - clicked_at < FOLLOW_LIMIT:
        job = fresh_job(token, clicked_at)
        if job is None and time.monotonic() - clicked_at > WAIT_FOR_START:
            break
        if job is not None:
            bar.progress(job.fraction, text=esc(_(job.message)))
            if job.done:
                break
        time.sleep(0.15)
    bar.empty()
    if job is None or not job.done:
        st.info(_("The board pack is still being prepared; your browser saves it when it is ready."))
    elif job.error:
        st.error(_("The board pack could not be built: {error}").format(error=esc(job.error)))
    else:
        st.success(_("The board pack is ready: {summary}. Your browser saves it as {name}.").format(
            summary=esc(job.summary), name=esc(name)))


def round_choice(org_id: int, as_of: dt.date) -> str | None:
    """The self-assessment round for the pack: those with responses opened by the cut-off, newest first; the
    latest survey round by default, workshop rounds labelled. None when there is none."""
    rounds = state.cached(state.rounds, org_id)
    rounds = rounds[(rounds["respondents"] > 0) & (pd.to_datetime(rounds["opens_on"]) <= pd.Timestamp(as_of))]
    if rounds.empty:
        st.caption(_("No self-assessment round with responses had opened by the cut-off."))
        return None
    names = rounds["name"].tolist()[::-1]
    workshop = dict(zip(rounds["name"], rounds["workshop"], strict=True))
    first = default_round(rounds)
    return st.selectbox(_("Self-assessment round"), names, index=names.index(first["name"]), key="boardpack_round",
                        format_func=lambda n: round_label(n, workshop[n]),
                        help=_("The latest survey round is chosen for you; rounds saved from a live workshop are "
                               "marked (workshop)."))


def panel(org_id: int, org_name: str) -> None:
    """Dates and format, then one button that builds the pack (with progress) and downloads it."""
    with st.expander(_("Board pack: the board paper as a PDF or PowerPoint"), icon=":material/picture_as_pdf:"):
        st.caption(_("Cover, the vital few with their icons, a page per aim (chart, projection, questions to ask), "
                     "the latest self-assessment with its threshold applied, and the period's workshops. Every page "
                     "is stamped with the rule set, data cut-off, app version and the IHI citation."))
        today = aim_state.today()
        c1, c2, c3 = st.columns([1, 1, 1])
        as_of = c1.date_input(_("Data cut-off"), value=today, max_value=today, key="boardpack_as_of",
                              help=_("Measurements after this date are left out, as they were not known then."))
        meeting = c2.date_input(_("Meeting date"), value=today, key="boardpack_meeting")
        fmt = c3.radio(_("Format"), list(FORMATS), horizontal=True, key="boardpack_format")
        round_name = round_choice(org_id, as_of)
        found = status()
        if not found.available:
            st.warning(_("Charts will be tables in this pack: {reason}.").format(reason=esc(found.reason)))
        token = st.session_state.setdefault(TOKEN, secrets.token_hex(8))
        settings = state.settings()
        suffix = FORMATS[fmt]
        lang = language()
        key = (settings.database_url, state.revision(), org_id, as_of, meeting, suffix, round_name, lang)
        name = file_name(org_name, as_of, suffix)
        clicked = st.download_button(
            _("Download the board pack ({format})").format(format=fmt),
            partial(make_file, token, key, state.store(), settings, org_name, as_of, meeting, suffix, round_name,
                    lang),
            name,
            MIME[suffix], key="boardpack_download", icon=":material/download:", type="primary", on_click="rerun",
            help=_("Builds the pack from the data as it is now (about a quarter of a second per chart) and saves it."))
        if clicked:
            _follow(token, time.monotonic(), name)
