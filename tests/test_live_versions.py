"""The shared copy of workshop versions (leverage/workshops/live_versions.py) and the phones' long-poll route
(ui/live_route.py): one read for every watched workshop per TTL, a change heard at once, an unguessable
address, and clear refusals."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from leverage.workshops.live_versions import MISSING, REDRAWS_AT_ONCE, WATCH_SECONDS, LiveVersions
from ui import live_route


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def phone(live: LiveVersions, after: int, redraw_s: float = 0.005, timeout: float = 20) -> tuple[int, str]:
    """A phone's long poll, then its redraw (which frees its turn), as the page does."""
    answer = await live.wait_for_change(1, after=after, timeout=timeout)
    await asyncio.sleep(redraw_s)
    live.redrawn()
    return answer


class Db:
    """The database's versions, counting the reads (each read is one query for all ids asked)."""

    def __init__(self, versions: dict[int, tuple[int, str]]) -> None:
        self.versions = versions
        self.reads: list[list[int]] = []

    def __call__(self, ids) -> dict[int, tuple[int, str]]:
        ids = sorted(ids)
        self.reads.append(ids)
        return {i: self.versions[i] for i in ids if i in self.versions}


def test_one_read_serves_every_phone_until_the_ttl_passes():
    db, clock = Db({1: (3, "running"), 2: (7, "running")}), Clock()
    live = LiveVersions(db, ttl=0.25, clock=clock)
    assert live.version(1) == (3, "running")
    assert live.version(2) == (7, "running")  # a new workshop is read at once (with every watched one)
    assert db.reads == [[1], [1, 2]]
    for _ in range(200):  # a room of phones within the TTL: no more queries
        assert live.version(1) == (3, "running")
    assert len(db.reads) == 2
    db.versions[1] = (4, "running")
    clock.now += 0.24
    assert live.version(1) == (3, "running")  # still within 0.25 s of the last read
    clock.now += 0.01
    assert live.version(1) == (4, "running")
    assert db.reads[-1] == [1, 2]  # both watched workshops in one query


def test_a_local_action_is_read_at_once_and_a_missing_workshop_says_so():
    db, clock = Db({1: (3, "running")}), Clock()
    live = LiveVersions(db, ttl=10.0, clock=clock)
    live.version(1)
    db.versions[1] = (4, "ended")
    live.changed(1)
    assert live.version(1) == (4, "ended")
    assert live.version(9) == MISSING


def test_a_newer_board_a_page_read_is_heard_but_an_older_one_is_not():
    db, clock = Db({1: (3, "running")}), Clock()
    live = LiveVersions(db, ttl=10.0, clock=clock)
    live.version(1)
    live.saw(1, 5, "running")
    assert live.version(1) == (5, "running")
    live.saw(1, 4, "running")
    assert live.version(1) == (5, "running")


def test_workshops_no_one_asks_about_stop_being_read():
    db, clock = Db({1: (1, "running"), 2: (1, "running")}), Clock()
    live = LiveVersions(db, ttl=0.25, clock=clock)
    live.version(1)
    live.version(2)
    clock.now += WATCH_SECONDS - 1
    live.version(1)  # 1 is asked again; 2 is not
    clock.now += 2
    live.version(1)
    assert db.reads[-1] == [1]


def test_concurrent_stale_askers_share_one_read():
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow_read(ids):
        calls.append(list(ids))
        started.set()
        release.wait(5)
        return {1: (2, "running")}

    live = LiveVersions(slow_read, ttl=0.25)
    first = threading.Thread(target=live.version, args=(1,))
    first.start()
    started.wait(5)
    second_result = []
    second = threading.Thread(target=lambda: second_result.append(live.version(1)))
    second.start()
    time.sleep(0.05)
    release.set()
    first.join(5)
    second.join(5)
    assert len(calls) == 1 and second_result == [(2, "running")]


def test_a_long_poll_returns_at_once_when_the_page_is_behind():
    db = Db({1: (6, "running")})
    live = LiveVersions(db, ttl=0.05)
    t0 = time.monotonic()
    assert asyncio.run(live.wait_for_change(1, after=5, timeout=10)) == (6, "running")
    assert time.monotonic() - t0 < 1


def test_a_long_poll_is_held_until_the_version_moves():
    db = Db({1: (5, "running")})
    live = LiveVersions(db, ttl=0.05)

    async def scenario():
        waiting = asyncio.create_task(live.wait_for_change(1, after=5, timeout=10, step=0.02))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # nothing changed: held
        db.versions[1] = (6, "closed point")
        return await asyncio.wait_for(waiting, 2)

    assert asyncio.run(scenario()) == (6, "closed point")


def test_a_local_action_answers_the_held_long_polls_at_once():
    db = Db({1: (5, "running")})
    live = LiveVersions(db, ttl=30.0)  # no timed read would come in time: only the wake-up can answer

    async def scenario():
        polls = [asyncio.create_task(phone(live, after=5)) for _ in range(50)]
        await asyncio.sleep(0.2)
        assert not any(p.done() for p in polls)
        reads = len(db.reads)
        db.versions[1] = (6, "running")
        t0 = time.monotonic()
        await asyncio.to_thread(live.changed, 1)  # the console's script thread, after its commit
        answers = await asyncio.wait_for(asyncio.gather(*polls), 2)
        return answers, time.monotonic() - t0, len(db.reads) - reads

    answers, took, reads = asyncio.run(scenario())
    assert answers == [(6, "running")] * 50 and took < 0.5
    assert reads == 1  # one read for the fifty phones


def test_a_facilitator_s_action_reaches_the_phones_once_the_console_has_drawn_it():
    db = Db({1: (5, "running")})
    live = LiveVersions(db, ttl=0.02)

    async def scenario(announce: bool):
        before = db.versions[1][0]
        polls = [asyncio.create_task(phone(live, after=before)) for _ in range(5)]
        await asyncio.sleep(0.1)
        db.versions[1] = (before + 1, "running")
        t0 = time.monotonic()
        live.hold(1)  # the console, before it acts
        await asyncio.to_thread(live.changed, 1)
        await asyncio.sleep(0.3)
        held = not any(p.done() for p in polls)  # timed reads see the new version, but the console holds it
        if announce:
            live.announce(1)
        answers = await asyncio.wait_for(asyncio.gather(*polls), 3)
        return held, answers, time.monotonic() - t0

    held, answers, took = asyncio.run(scenario(announce=True))
    assert held and answers == [(6, "running")] * 5 and took < 0.6
    # a console run that never announces (it failed) holds the room at most HOLD_SECONDS (2 s)
    held, answers, took = asyncio.run(scenario(announce=False))
    assert held and answers == [(7, "running")] * 5 and 1.9 < took < 2.6


def test_phones_are_told_a_few_at_a_time_and_each_redraw_lets_the_next_one_in():
    live = LiveVersions(Db({1: (6, "running")}), ttl=10.0)
    told: list[float] = []

    async def quiet_phone():  # told of the change, never redraws (a closed tab)
        await live.wait_for_change(1, after=5, timeout=20)
        told.append(time.monotonic())

    async def scenario():
        t0 = time.monotonic()
        polls = [asyncio.create_task(quiet_phone()) for _ in range(REDRAWS_AT_ONCE + 2)]
        await asyncio.sleep(0.3)
        first_wave = len(told)
        live.redrawn()  # one phone redrew: one more may be told
        await asyncio.sleep(0.1)
        second = len(told)
        await asyncio.wait_for(asyncio.gather(*polls), 3)  # the last one after the 1 s a turn may last
        return first_wave, second, max(told) - t0

    first_wave, second, last = asyncio.run(scenario())
    assert first_wave == REDRAWS_AT_ONCE and second == REDRAWS_AT_ONCE + 1
    assert 0.9 < last < 2.0


def test_a_phone_that_leaves_while_waiting_for_its_turn_takes_none():
    live = LiveVersions(Db({1: (6, "running")}), ttl=10.0)

    async def scenario():
        told = [asyncio.create_task(live.wait_for_change(1, after=5, timeout=20)) for _ in range(REDRAWS_AT_ONCE)]
        await asyncio.gather(*told)
        leaving = asyncio.create_task(live.wait_for_change(1, after=5, timeout=20))
        staying = asyncio.create_task(live.wait_for_change(1, after=5, timeout=20))
        await asyncio.sleep(0.05)
        leaving.cancel()  # the route cancels the wait of a phone that closed its page
        live.redrawn()
        return await asyncio.wait_for(staying, 0.5)

    assert asyncio.run(scenario()) == (6, "running")


def test_a_long_poll_gives_up_after_its_timeout_with_the_same_version():
    live = LiveVersions(Db({1: (5, "running")}), ttl=0.05)
    t0 = time.monotonic()
    assert asyncio.run(live.wait_for_change(1, after=5, timeout=0.3, step=0.05)) == (5, "running")
    assert 0.25 < time.monotonic() - t0 < 2


@pytest.fixture
def route(monkeypatch: pytest.MonkeyPatch):
    db = Db({1: (5, "running"), 2: (1, "running")})
    key = b"k" * 32
    live_route.serve(LiveVersions(db, ttl=0.05), key)
    monkeypatch.setattr(live_route, "HOLD_SECONDS", 0.3)
    with TestClient(Starlette(routes=live_route.routes())) as client:
        yield client, db, key
    live_route._served.clear()


def test_the_route_answers_the_signed_address_only(route):
    client, db, key = route
    good = live_route.address(1, key)
    reply = client.get(good, params={"after": 4})
    assert reply.status_code == 200 and reply.json() == {"version": 5, "status": "running"}
    assert reply.headers["cache-control"] == "no-store"
    # another workshop's signature, or a forged one: not found (nothing says whether the workshop exists)
    other = live_route.address(2, key).rsplit("/", 1)[1]
    assert client.get(f"/api/live/1/{other}", params={"after": 4}).status_code == 404
    assert client.get("/api/live/1/AAAAAAAAAAAAAAAAAAAAAA", params={"after": 4}).status_code == 404
    assert client.get(live_route.address(1, b"x" * 32), params={"after": 4}).status_code == 404
    assert client.get(good, params={"after": "five"}).status_code == 400
    assert "Traceback" not in client.get(good, params={"after": "five"}).text


def test_the_route_holds_then_answers_the_same_version(route):
    client, _, key = route
    t0 = time.monotonic()
    reply = client.get(live_route.address(1, key), params={"after": 5})
    assert reply.json() == {"version": 5, "status": "running"}
    assert time.monotonic() - t0 >= 0.25  # held for HOLD_SECONDS


def test_the_route_and_its_address_follow_the_base_url_path(monkeypatch: pytest.MonkeyPatch):
    from streamlit import config

    monkeypatch.setattr(config, "get_option", lambda name: "/leverage/" if name == "server.baseUrlPath" else None)
    assert live_route.address(3, b"k" * 32).startswith("/leverage/api/live/3/")
    assert live_route.routes()[0].path == "/leverage/api/live/{workshop_id:int}/{signature}"


def test_a_worker_whose_pages_have_not_opened_the_versions_asks_the_phone_to_retry():
    live_route._served.clear()
    with TestClient(Starlette(routes=live_route.routes())) as client:
        reply = client.get("/api/live/1/whatever", params={"after": 1})
    assert reply.status_code == 503 and reply.headers["retry-after"] == "2"
