"""The version numbers of the workshops a server process is serving, shared by every phone it serves.

Why: a room of phones must learn within two seconds that the facilitator opened, closed or revealed a
point, or ended the workshop, without each phone costing the server a script run every second. Every
facilitator action bumps the workshop's version in the database; one process reads the versions of all the
workshops its phones watch in one tiny query at most every `ttl` seconds, and every phone compares against
that shared copy. A phone asks through a long poll (`wait_for_change`): the request is held until the
version moves past the one its page was drawn from, so between changes a phone costs the server almost
nothing, and after a change every phone hears of it within `ttl` (at once for a change made on this
process), told a few at a time and, for a facilitator's action on this process, once the console has
drawn it (`hold`, `announce`; the reasons are in `_take_turn` and `hold`).

Plain Python and asyncio (no Streamlit): the Streamlit pages and the HTTP route share one `LiveVersions`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
import time
from collections.abc import Callable, Iterable

Reader = Callable[[Iterable[int]], dict[int, tuple[int, str]]]  # workshop ids -> {id: (version, status)}
MISSING = (-1, "missing")  # a workshop that does not exist (deleted, or never was)
WATCH_SECONDS = 60.0  # a workshop no one asked about for this long is no longer read
HOLD_SECONDS = 2.0  # the longest a facilitator's run keeps its change from this process's phones
ANNOUNCE_SECONDS = 0.1  # after the facilitator's run has drawn it, the phones hear of the change this much later
REDRAWS_AT_ONCE = 4  # phones told of a change and not yet redrawn, per process (the others wait their turn)
REDRAW_SECONDS = 1.0  # a phone told of a change that has not redrawn by then no longer takes a turn


class LiveVersions:
    """(version, status) per workshop, at most `ttl` seconds old, read for all watched workshops at once."""

    def __init__(self, read: Reader, ttl: float = 0.25, clock: Callable[[], float] = time.monotonic) -> None:
        self._read = read
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()  # one reader at a time; the others use the copy they have
        self._versions: dict[int, tuple[int, str]] = {}
        self._read_at = float("-inf")
        self._watched: dict[int, float] = {}  # workshop id -> last asked
        self._waiting: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()  # long polls held now
        self._held_until: dict[int, float] = {}  # workshop id -> until when its phones wait for the console
        self._redrawing: collections.deque[float] = collections.deque()  # when each phone redrawing now was told
        self._turns: collections.deque[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = collections.deque()

    def version(self, workshop_id: int) -> tuple[int, str]:
        """The workshop's (version, status); reads the database only when the shared copy is stale."""
        workshop_id = int(workshop_id)
        with self._lock:
            self._watched[workshop_id] = self._clock()
            if not self.stale(workshop_id):
                return self._versions[workshop_id]
        self.refresh()
        with self._lock:
            return self._versions.get(workshop_id, MISSING)

    def stale(self, workshop_id: int) -> bool:
        return self._clock() - self._read_at >= self.ttl or workshop_id not in self._versions

    def refresh(self, force: bool = False) -> None:
        """Read every watched workshop's version in one query (skipped while another thread is reading, unless
        `force`: a read that began before a change was committed would not see it)."""
        if not self._refreshing.acquire(blocking=force):
            with self._refreshing:  # someone else is reading right now: their result will do
                return
        try:
            now = self._clock()
            with self._lock:
                self._watched = {w: t for w, t in self._watched.items() if now - t < WATCH_SECONDS}
                watched = list(self._watched)
            found = self._read(watched) if watched else {}
            with self._lock:
                for w in watched:
                    self._versions[w] = found.get(w, MISSING)
                for gone in set(self._versions) - set(watched):
                    del self._versions[gone]
                for gone in set(self._held_until) - set(watched):
                    del self._held_until[gone]
                self._read_at = now
        finally:
            self._refreshing.release()

    def saw(self, workshop_id: int, version: int, status: str) -> None:
        """A newer version this process read itself (a page read the board): phones may hear of it now."""
        with self._lock:
            newer = version > self._versions.get(int(workshop_id), MISSING)[0]
            if newer:
                self._versions[int(workshop_id)] = (version, status)
        if newer:
            self._wake()

    def hold(self, workshop_id: int) -> None:
        """A facilitator is about to act on this process: its phones hear of what changes (and of any step in
        between, such as "ending") when the console's run calls `announce`, or after HOLD_SECONDS if it never
        does. Why: two hundred phones redrawing at once would leave the console's run a sliver of the core,
        and the facilitator would wait for the room to see their own click."""
        with self._lock:
            self._held_until[int(workshop_id)] = self._clock() + HOLD_SECONDS

    def changed(self, workshop_id: int) -> None:
        """A change was committed on this process: read the versions now and answer the long polls held here at
        once, unless a facilitator's run holds them (a change made on another server is heard at the next
        read, within `ttl`)."""
        with self._lock:
            self._read_at = float("-inf")
            self._watched.setdefault(int(workshop_id), self._clock())
        self.refresh(force=True)
        self._wake()

    def announce(self, workshop_id: int) -> None:
        """The facilitator's run has drawn the change: this process's phones hear of it ANNOUNCE_SECONDS later,
        once that run's last messages (sent after its script returns) have left for the console."""
        with self._lock:
            now = self._clock()
            held = self._held_until.get(int(workshop_id), now) > now + ANNOUNCE_SECONDS  # an action still held
            if held:
                self._held_until[int(workshop_id)] = now + ANNOUNCE_SECONDS
        if held:
            self._wake()  # the held polls wait out the short remainder

    def _wake(self) -> None:
        with self._lock:
            waiting = list(self._waiting)
        for loop, event in waiting:
            with contextlib.suppress(RuntimeError):  # that loop has closed: its poll is gone
                loop.call_soon_threadsafe(event.set)

    def redrawn(self) -> None:
        """A phone has redrawn its page after a change: the next phone waiting for its turn may be told."""
        with self._lock:
            if self._redrawing:
                self._redrawing.popleft()
        self._wake_next()

    def _wake_next(self) -> None:
        with self._lock:
            turn = self._turns.popleft() if self._turns else None
        if turn is not None:
            with contextlib.suppress(RuntimeError):  # that loop has closed: its poll is gone
                turn[0].call_soon_threadsafe(turn[1].set)

    async def _take_turn(self) -> None:
        """Wait until fewer than REDRAWS_AT_ONCE phones of this process are redrawing.

        Why: after a change every phone reruns its page, and each rerun is a thread of its own. Python runs
        one thread at a time and hands over every few milliseconds, so two hundred reruns at once finish
        together at the end of the burst, and the event loop that sends every page its messages (the
        console's acknowledgement too) gets a two-hundredth of the time. A few at a time, phones see the
        change in turn, half of them within half the burst, and the rest of the server keeps its pace.
        """
        while True:
            with self._lock:
                now = self._clock()
                while self._redrawing and now - self._redrawing[0] > REDRAW_SECONDS:
                    self._redrawing.popleft()  # told, never redrew (a closed tab): its turn is over
                if len(self._redrawing) < REDRAWS_AT_ONCE:
                    self._redrawing.append(now)
                    return
                turn = (asyncio.get_running_loop(), asyncio.Event())
                self._turns.append(turn)
                expires = REDRAW_SECONDS - (now - self._redrawing[0])
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(turn[1].wait(), max(0.01, expires))
            except asyncio.CancelledError:
                with self._lock:
                    handed = turn not in self._turns  # a redraw woke it for a turn it will not take (its phone left)
                if handed:
                    self._wake_next()  # pass the turn on
                raise
            finally:
                with self._lock:
                    with contextlib.suppress(ValueError):
                        self._turns.remove(turn)

    async def wait_for_change(self, workshop_id: int, after: int, timeout: float,
                              step: float | None = None) -> tuple[int, str]:
        """The workshop's (version, status) as soon as its version differs from `after`, or after `timeout`
        seconds (then possibly still `after`: the caller asks again). Database reads run off the event loop."""
        step = self.ttl if step is None else step
        deadline = self._clock() + timeout
        while True:
            with self._lock:
                self._watched[int(workshop_id)] = self._clock()
                fresh = not self.stale(int(workshop_id))
                current = self._versions.get(int(workshop_id))
            if not fresh:
                await asyncio.to_thread(self.refresh)
                with self._lock:
                    current = self._versions.get(int(workshop_id), MISSING)
            now = self._clock()
            if now >= deadline:
                return current or MISSING
            held_for = self._held_until.get(int(workshop_id), now) - now
            if current is not None and current[0] != after and held_for <= 0:
                await self._take_turn()
                return current
            woken = (asyncio.get_running_loop(), asyncio.Event())
            with self._lock:
                self._waiting.add(woken)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken[1].wait(), min(step if held_for <= 0 else held_for,
                                                                max(0.0, deadline - self._clock())))
            finally:
                with self._lock:
                    self._waiting.discard(woken)
