"""Shared pieces of the live-workshop pages: the Workshops service, process-wide caches, the facilitator gate
(the facilitator role, or the passphrase on small installations).

How a room of phones stays cheap (docs/deployment.md#capacity): every view of a workshop is drawn from
three reads, each shared by all sessions of the process:

- `version(id)`: one number per workshop, bumped by every facilitator action. Read from the database at
  most every VERSION_TTL seconds for all workshops the process watches together (one tiny query,
  `LiveVersions`). A phone holds one long poll (ui/live_route.py) answered from that same copy when the
  version moves past the one its page was drawn from; only then does its room fragment rerun. Between
  changes a phone costs the server no script run at all.
- `board(id)`: the workshop, its points and published results, read once per version.
- `counts(id)`: participants and people per point, one aggregate query at most every COUNTS_TTL seconds
  (the console and projector show them; phones never ask).

A facilitator's action invalidates this process's copies at once, so the console acknowledges it in the
same run; other servers see it within VERSION_TTL.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from leverage.access.audit import Action
from leverage.access.permissions import Permission, Principal
from leverage.core.i18n import _
from leverage.core.throttle import Key, wait_text
from leverage.workshops import joincode, qr
from leverage.workshops.live_versions import LiveVersions
from leverage.workshops.results import Board, Counts
from leverage.workshops.service import Workshops
from leverage.workshops.states import Participant
from ui import auth, language, live_route, state

VERSION_TTL = 0.25  # seconds a process reuses the workshops' version numbers (one tiny query for all of them)
COUNTS_TTL = 1.0  # seconds a process reuses the live counts
AUTH_KEY = auth.PASSPHRASE_KEY  # session flag: this browser session passed the passphrase
WORKSHOP_KEY = "ws_id"  # the workshop this facilitator session runs


def workshops() -> Workshops:
    return _workshops(state.settings().database_url, state.settings().min_n)


@st.cache_resource(show_spinner=False)
def _workshops(url: str, min_n: int) -> Workshops:
    return Workshops(state.store(), min_n_floor=min_n)


class _Shared:
    """Process-wide reads shared by every session (plain dictionaries under a lock: a phone's poll must
    cost microseconds, and Streamlit's caches hash and copy their values)."""

    def __init__(self, service: Workshops) -> None:
        self.lock = threading.Lock()
        self.live = LiveVersions(service.versions, ttl=VERSION_TTL)
        self.boards: OrderedDict[tuple[int, int], Board] = OrderedDict()
        self.counts: dict[int, tuple[float, Counts]] = {}
        self.participants: OrderedDict[tuple[str, str], Participant] = OrderedDict()

    def board(self, service: Workshops, workshop_id: int) -> Board:
        version = self.live.version(workshop_id)[0]
        key = (workshop_id, version)
        with self.lock:
            found = self.boards.get(key)
        if found is not None:
            return found
        board = service.board(workshop_id)
        with self.lock:
            # store it under the version it was read at (newer than `version` if an action came between)
            self.boards[(workshop_id, board.version)] = board
            while len(self.boards) > 64:
                self.boards.popitem(last=False)
        self.live.saw(workshop_id, board.version, board.workshop["status"])
        return board

    def live_counts(self, service: Workshops, workshop_id: int) -> Counts:
        now = time.monotonic()
        with self.lock:
            found = self.counts.get(workshop_id)
            if found and now - found[0] < COUNTS_TTL:
                return found[1]
        counts = service.counts(workshop_id)
        with self.lock:
            self.counts[workshop_id] = (now, counts)
        return counts

    def participant(self, key: tuple[str, str], read: Callable[[], Participant | None]) -> Participant | None:
        """A joined participant never changes: remembered by (token, code) once `read` found it (a token not
        joined yet, or refused, is read again each time)."""
        with self.lock:
            found = self.participants.get(key)
        if found is not None:
            return found
        found = read()
        if found is not None:
            with self.lock:
                self.participants[key] = found
                while len(self.participants) > 20_000:
                    self.participants.popitem(last=False)
        return found

    def changed(self, workshop_id: int) -> None:
        self.live.changed(workshop_id)
        with self.lock:
            self.counts.pop(workshop_id, None)


@st.cache_resource(show_spinner=False)
def _shared(url: str) -> _Shared:
    shared = _Shared(workshops())
    live_route.serve(shared.live, auth.access().key)  # the phones' long poll answers from the same copy
    return shared


def shared() -> _Shared:
    return _shared(state.settings().database_url)


def version(workshop_id: int) -> tuple[int, str]:
    """(version, status) of a workshop, at most VERSION_TTL seconds old."""
    return shared().live.version(int(workshop_id))


def board(workshop_id: int) -> Board:
    return shared().board(workshops(), int(workshop_id))


def counts(workshop_id: int) -> Counts:
    return shared().live_counts(workshops(), int(workshop_id))


def fragment(run_every: float | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`st.fragment` for the live pages, whose reruns speak the reader's language (a fragment's rerun runs in a
    thread of its own without the page, where the language is set)."""
    return lambda func: st.fragment(language.with_language(func), run_every=run_every)


def hold(workshop_id: int) -> None:
    """Before a facilitator's action: this process's phones hear of it when the console's run has drawn it
    (`announce`), so the console acknowledges the action before the room redraws."""
    shared().live.hold(int(workshop_id))


def changed(workshop_id: int) -> None:
    """After an action: this process reads the new version, board and counts at once."""
    shared().changed(int(workshop_id))


def announce(workshop_id: int) -> None:
    """At the end of a facilitator's run: the phones may now hear of the action it drew."""
    shared().live.announce(int(workshop_id))


@st.cache_data(max_entries=32, show_spinner=False)
def _shift(workshop_id: int, version: int, by: tuple[str, ...], _board: Board):
    return workshops().shift(workshop_id, by, board=_board)


def shift(workshop_id: int, board: Board, by: tuple[str, ...]):
    """The shift tables, computed once per version (they change only when a result is published)."""
    return _shift(int(workshop_id), board.version, tuple(by), board)


@st.cache_data(max_entries=16, show_spinner=False)
def qr_png(link: str, scale: int = 10) -> bytes:
    return qr.png(link, scale=scale)


_WATCHER_JS = """
export default function(component) {
  const { data, setTriggerValue, parentElement } = component;
  if (parentElement.leverageStopWatching) parentElement.leverageStopWatching();  // one poll per phone
  const control = new AbortController();
  let stopped = false;
  const stop = () => { stopped = true; control.abort(); };
  parentElement.leverageStopWatching = stop;
  if (!data.url) return stop;  // the room has ended: nothing more to follow
  const pause = (ms) => new Promise((done) => setTimeout(done, ms));
  (async () => {
    while (!stopped) {
      let wait = 0;
      try {
        const reply = await fetch(data.url + "?after=" + data.drawn, {cache: "no-store", signal: control.signal});
        if (reply.ok) {
          const now = await reply.json();
          if (!stopped && now.version !== data.drawn) { stopped = true; setTriggerValue("changed", now.version); }
        } else {
          wait = reply.status === 503 ? 2000 : 10000;
        }
      } catch (error) {
        wait = 2000;
      }
      if (wait && !stopped) await pause(wait);
    }
  })();
  return stop;
}
"""
_watcher = st.components.v2.component("leverage_room_watcher", js=_WATCHER_JS)


def follow(workshop_id: int, drawn_version: int, watching: bool = True) -> None:
    """Rerun the enclosing fragment (or the page) as soon as the workshop's version moves past the one it was
    drawn from: the browser holds one long poll to ui/live_route.py, which costs the server nothing until the
    facilitator acts (no script run per poll). Invisible; one per page, drawn last (its run is then over).
    `watching=False` once the workshop has ended: nothing more to follow, but the redraw still counts."""
    cache = shared()  # the route answers from this process's shared copy: make sure it exists
    url = live_route.address(workshop_id, auth.access().key) if watching else None
    result = _watcher(data={"url": url, "drawn": int(drawn_version)},
                      key="ws_room_watcher", on_changed_change=_noop, height=0, width="content")
    if getattr(result, "changed", None) is not None:  # this run is the redraw the watcher asked for: it is done
        cache.live.redrawn()


def _noop() -> None:
    """The rerun itself is what the watcher asks for; nothing to do before it."""


def client_key(prefix: str) -> list[Key]:
    """Who is guessing: this phone (its browser session; strict) and its address (generous: a room shares it)."""
    session = st.session_state.setdefault("_ws_session", joincode.new_token())
    return joincode.code_keys(f"{prefix}:{session}", auth.address())


def base_url() -> str:
    """The address phones should open: LEVERAGE_PUBLIC_URL, else the one this browser used."""
    configured = state.settings().public_url
    if configured:
        return configured
    try:
        parts = urlsplit(st.context.url or "")
    except Exception:  # no browser URL (AppTest)
        parts = None
    if parts and parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return "http://localhost:8501"


def facilitator_gate() -> Principal:
    """Stop the page unless the person is a facilitator (or admin) of some organization, or this browser session
    passed the facilitator passphrase (constant-time, throttled; the weaker option for small installations)."""
    principal = auth.current()
    if principal.can_anywhere(Permission.RUN_WORKSHOPS):
        return principal
    configured = state.settings().facilitator_passphrase
    if principal.signed_in or not configured:
        if not configured and not principal.signed_in:
            auth.require(Permission.RUN_WORKSHOPS)  # "sign in"
        auth.require(Permission.RUN_WORKSHOPS)  # "your roles do not open this page"
    st.caption(_("Sign in as a facilitator, or enter the facilitator passphrase."))
    st.page_link(auth.SIGNIN_PAGE, label=_("Sign in"), icon=":material/login:")
    with st.form("ws_gate"):
        given = st.text_input(_("Facilitator passphrase"), type="password")
        submitted = st.form_submit_button(_("Open the console"), type="primary")
    if submitted:
        throttle = workshops().throttle
        keys = joincode.passphrase_keys(auth.address())
        wait = throttle.wait_seconds(keys)
        if wait > 0:
            st.error(_("Too many wrong passphrases. Wait {wait}, then try again.").format(wait=wait_text(wait)))
        elif joincode.passphrase_matches(given, configured):
            st.session_state[AUTH_KEY] = True
            auth.refresh()
            st.rerun()
        else:
            delay = throttle.failed(keys)
            auth.access().audit.record("anonymous", Action.SIGN_IN_FAILED, target="facilitator passphrase",
                                       address=auth.address())
            st.error(_("That passphrase is not right. Wait {wait} before the next try.").format(wait=wait_text(delay))
                     if delay else _("That passphrase is not right."))
    st.stop()
