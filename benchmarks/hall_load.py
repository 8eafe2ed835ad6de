"""A hall on loopback: N phones through HAProxy to two workers on PostgreSQL, one worker killed mid-room.

Prints figures and returns them (tests/e2e/test_hall_load.py asserts on them in CI). Run from the project root:
    .venv/bin/python benchmarks/hall_load.py                          # 400 phones, 3 points, worker 2 killed
    .venv/bin/python benchmarks/hall_load.py --phones 800 --points 7  # a bigger room
    .venv/bin/python benchmarks/hall_load.py --no-kill                # the same room without the failure

What runs
    `scripts/serve --workers 2` (the supervisor, HAProxy and two workers started exactly as scripts/run
    starts one) on a fresh PostgreSQL schema. A workshop asks `--points` points, all open. Each phone is
    benchmarks/workshop_load.py's `Client` (Streamlit's own websocket protocol, imported, not copied) with
    what a browser adds behind a balancer: it loads the page over HTTP first, so HAProxy pins it to a worker
    with its cookie, and sends that cookie with the websocket. It joins, answers one point per form (a think
    time apart), and then stays connected, as a phone left open on the participant's lap does.
    The facilitator's console (workshop_load's `facilitator`) stays open through HAProxy too.

The failure
    When `--kill-at` of all answers are acknowledged, worker 2 gets SIGKILL. Every phone on it loses its
    websocket and does what Streamlit's page does: polls /_stcore/health through HAProxy until it answers
    (HAProxy sends it to the living worker and re-pins it with a new cookie), opens a new websocket and
    reruns the page with the link it has, `?code=…&t=<token>`: a new Streamlit session on another server,
    the same participant. A form that was sent but not acknowledged is sent again. The supervisor restarts
    worker 2 meanwhile.

Reported (and checked by the CI test)
    joined; acknowledged answers (the page said "Recorded"); stored (in the database); lost = acknowledged
    answers not in the database with the acknowledged value (must be 0); participants in the database
    against phones (a phone that reconnected must still be the same participant); p50/p95 submit →
    recorded; reconnects and the time from a lost connection to the page shown again by the other worker.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed, InvalidStatus  # noqa: E402

from benchmarks import workshop_load as wl  # noqa: E402  (the phone protocol: one implementation)

COOKIE = "LEVERAGE_WORKER"  # leverage.cli.haproxy.COOKIE
LOST = (ConnectionClosed, InvalidStatus, OSError, asyncio.TimeoutError, EOFError)


def _cookie_from(headers: list[str], current: str) -> str:
    for value in headers:
        name, _, rest = value.partition("=")
        if name.strip() == COOKIE:
            return rest.split(";", 1)[0]
    return current


async def http_get(hall: str, path: str, cookie: str = "") -> tuple[int, str]:
    """One GET through HAProxy, as the browser sends it; (status, the worker cookie after it)."""
    host, port = hall.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
        if cookie:
            lines.append(f"Cookie: {COOKIE}={cookie}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)).decode(errors="replace").split("\r\n")
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    status = int(head[0].split()[1])
    set_cookies = [h.split(":", 1)[1].strip() for h in head[1:] if h.lower().startswith("set-cookie:")]
    return status, _cookie_from(set_cookies, cookie)


class HallClient(wl.Client):
    """workshop_load's browser tab, plus the balancer's cookie on the websocket (and any new one HAProxy sets)."""

    def __init__(self, base: str, page: str, query: str, cookie: str) -> None:
        super().__init__(base, page, query)
        self.cookie = cookie

    async def __aenter__(self) -> HallClient:
        url = self.base.replace("http://", "ws://") + "/_stcore/stream"
        headers = {"Cookie": f"{COOKIE}={self.cookie}"} if self.cookie else {}
        self.ws = await connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=60, ping_timeout=None,
                                additional_headers=headers)
        self.cookie = _cookie_from(self.ws.response.headers.get_all("Set-Cookie"), self.cookie)
        return self


@dataclass
class Hall:
    phones: int
    joined: int = 0
    finished: int = 0
    acked: dict[str, dict[str, int]] = field(default_factory=dict)  # token -> item -> acknowledged value
    acks: list[float] = field(default_factory=list)  # seconds submit → "Recorded"
    reconnect_times: list[float] = field(default_factory=list)  # lost → the page shown again by a worker
    health_times: list[float] = field(default_factory=list)  # lost → HAProxy answered /_stcore/health again
    reconnected_phones: set[int] = field(default_factory=set)
    rejoined: int = 0  # a phone whose page showed the join form again after a reconnect (a new participant)
    resent: int = 0  # forms sent again after a reconnect (sent, not acknowledged, when the worker died)
    joins_in_flight: int = 0  # joins sent but not answered when the worker died
    errors: list[str] = field(default_factory=list)
    done: int = 0
    disconnected: int = 0  # phones that lost their worker and have not reached another yet
    worker_cpu: dict[int, float] = field(default_factory=dict)  # worker pid -> CPU seconds last seen
    worker_cpu_base: dict[int, float] = field(default_factory=dict)  # CPU of the first workers at the start
    killed_at: float | None = None

    @property
    def acknowledged(self) -> int:
        return sum(len(items) for items in self.acked.values())


def _value(label: str) -> int:
    return int(label.split()[0])


async def phone(n: int, hall: str, code: str, delay: float, think: float, res: Hall, stop: asyncio.Event) -> None:
    """One participant's phone, reconnecting through HAProxy whenever its worker goes away."""
    await asyncio.sleep(delay)
    rng = random.Random(n)
    query, cookie, token = f"code={code}", "", ""
    pending: dict[str, str] = {}  # the form being sent: radio label -> chosen option label
    lost_at: float | None = None
    tries, finished = 0, False
    try:
        _, cookie = await http_get(hall, f"/join?{query}")  # the page load: HAProxy pins the phone
        while tries < 60:
            tries += 1
            try:
                async with HallClient(hall, "join", query, cookie) as c:
                    run = await c.run()
                    cookie = c.cookie
                    if lost_at is not None:
                        res.reconnect_times.append(time.monotonic() - lost_at)
                        res.reconnected_phones.add(n)
                        res.disconnected -= 1
                        lost_at = None
                    if not token:
                        join = run.widgets.get("Join")
                        if join is None:
                            res.errors.append(f"phone {n}: no join form ({run.alerts[:1]})")
                            return
                        try:
                            run = await c.run([wl.trigger(join.id)])
                        except LOST:
                            res.joins_in_flight += 1
                            raise
                        if "t=" not in c.query:
                            res.errors.append(f"phone {n}: join gave no token ({run.alerts[:1]})")
                            return
                        query = c.query
                        token = dict(p.split("=", 1) for p in query.split("&"))["t"]
                        res.joined += 1
                    elif "Join" in run.widgets:
                        res.rejoined += 1  # the token no longer names a participant: it would join anew
                        res.errors.append(f"phone {n}: after reconnecting the page asks to join again")
                        return
                    while True:
                        save = next((w for label, w in run.widgets.items() if label.startswith("Save my answers")),
                                    None)
                        if save is None:
                            break
                        radios = [w for w in run.widgets.values() if w.DESCRIPTOR.name == "Radio"]
                        if pending and set(pending) == {r.label for r in radios}:
                            res.resent += 1  # the same form again: it was sent when the worker died
                        else:
                            await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
                            pending = {r.label: rng.choice([o for o in r.options if o[:1].isdigit()]) for r in radios}
                        states = [wl.string_state(r.id, pending[r.label]) for r in radios]
                        sent = time.monotonic()
                        run = await c.run([*states, wl.trigger(save.id)])
                        if not any(a.startswith("Recorded at") for a in run.alerts):
                            res.errors.append(f"phone {n}: not recorded: {run.alerts[:2]}")
                            return
                        res.acks.append(time.monotonic() - sent)
                        mine = res.acked.setdefault(token, {})
                        mine.update({label.split()[0]: _value(option) for label, option in pending.items()})
                        pending = {}
                    if not finished:
                        finished = True
                        res.finished += 1
                    # stay open like a phone on a lap until the room ends, or until the worker goes away
                    closed = asyncio.create_task(c.ws.wait_closed())
                    ended = asyncio.create_task(stop.wait())
                    await asyncio.wait({closed, ended}, return_when=asyncio.FIRST_COMPLETED)
                    closed.cancel()
                    ended.cancel()
                    if stop.is_set():
                        return
                    raise ConnectionClosed(None, None)
            except LOST:
                if stop.is_set():
                    return
                if lost_at is None:
                    lost_at = time.monotonic()
                    res.disconnected += 1
                # what Streamlit's page does: poll /_stcore/health through the balancer until it answers
                while not stop.is_set():
                    await asyncio.sleep(0.3 + rng.random() * 0.4)
                    with contextlib.suppress(*LOST, ValueError, IndexError):
                        status, cookie = await http_get(hall, "/_stcore/health", cookie)
                        if status == 200:
                            res.health_times.append(time.monotonic() - lost_at)
                            break
        res.errors.append(f"phone {n}: gave up after {tries} connections")
    except Exception as exc:  # a failure of the simulation is a finding, not a crash of the run
        res.errors.append(f"phone {n}: {type(exc).__name__}: {exc}")
    finally:
        res.done += 1


async def console(hall: str, stop: asyncio.Event) -> None:
    """workshop_load's facilitator console through HAProxy, opened again if its worker dies."""
    shown = wl.Results()
    while not stop.is_set():
        with contextlib.suppress(*LOST, KeyError, AttributeError):
            await wl.facilitator(hall, shown, stop)
        await asyncio.sleep(1.0)


def serve(database_url: str, state: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEVERAGE_")}
    env.update(LEVERAGE_DATABASE_URL=database_url, LEVERAGE_LOAD_DEMO="never", LEVERAGE_FACILITATOR_PASSPHRASE=wl.PASS,
               PYTHONUNBUFFERED="1", PATH=os.environ.get("PATH", "/usr/bin:/bin") + ":/usr/sbin")
    log = (state.parent / "serve.log").open("wb")
    proc = subprocess.Popen([str(ROOT / "scripts" / "serve"), "--workers", "2", "--port", str(port), "--address",
                             "127.0.0.1", "--state-dir", str(state)], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"scripts/serve exited: {(state.parent / 'serve.log').read_text()[-2000:]}")
        if "serve: ready at" in (state.parent / "serve.log").read_text(errors="replace"):
            return proc
        time.sleep(0.25)
    proc.kill()
    raise RuntimeError("scripts/serve did not become ready within 180 s")


async def room(args, hall: str, code: str, items: int, status_file: Path) -> tuple[Hall, float]:
    res = Hall(args.phones)
    stop = asyncio.Event()
    for worker in json.loads(status_file.read_text())["workers"]:  # CPU spent starting up is not the room's
        res.worker_cpu_base[worker["pid"]] = wl.cpu_seconds(worker["pid"])
    fac = asyncio.create_task(console(hall, stop))
    started = time.monotonic()
    tasks = [asyncio.create_task(phone(n, hall, code, args.arrival * n / args.phones, args.think, res, stop))
             for n in range(args.phones)]
    target = args.phones * items
    while time.monotonic() - started < args.max_seconds:
        for worker in json.loads(status_file.read_text())["workers"]:
            with contextlib.suppress(OSError, TypeError, IndexError):
                res.worker_cpu[worker["pid"]] = wl.cpu_seconds(worker["pid"])
        if args.kill_at is not None and res.killed_at is None and res.acknowledged >= args.kill_at * target:
            victim = json.loads(status_file.read_text())["workers"][1]["pid"]
            os.kill(victim, signal.SIGKILL)
            res.killed_at = time.monotonic() - started
        kill_over = args.kill_at is None or (res.killed_at is not None
                                             and time.monotonic() - started - res.killed_at > 3.0)
        if kill_over and res.finished + len(res.errors) >= args.phones and res.disconnected == 0:
            break  # every phone answered everything, and none is still looking for a worker
        await asyncio.sleep(0.1)
    elapsed = time.monotonic() - started
    await asyncio.sleep(args.settle)  # phones of the killed worker still reconnecting get to finish
    stop.set()
    await asyncio.wait(tasks, timeout=30)
    for task in tasks:
        task.cancel()
    fac.cancel()
    await asyncio.gather(*tasks, fac, return_exceptions=True)
    return res, elapsed


@dataclass
class Figures:
    phones: int
    joined: int
    finished: int
    acknowledged: int
    stored: int
    lost: int
    participants: int
    rejoined: int
    joins_in_flight: int
    resent: int
    p50_ms: float
    p95_ms: float
    reconnected_phones: int
    reconnect_p50_s: float
    reconnect_p95_s: float
    reconnect_max_s: float
    health_p95_s: float
    killed_at_s: float | None
    elapsed_s: float
    server_restarted: bool
    worker_cpu_s: float
    points: int
    errors: list[str]

    @property
    def cpu_ms_per_phone(self) -> float:
        """Worker CPU per phone for its whole session (page load, join, one form per point, reconnects)."""
        return self.worker_cpu_s / max(self.joined, 1) * 1000

    def lines(self) -> list[str]:
        return [
            f"phones: {self.phones}, joined {self.joined}, finished every point {self.finished}; participants in the "
            f"database {self.participants} (joins in flight when the worker died: {self.joins_in_flight}; phones "
            f"asked to join again after reconnecting: {self.rejoined})",
            f"answers: acknowledged {self.acknowledged}, stored {self.stored}, lost {self.lost} (acknowledged but "
            f"not stored with that value); forms sent again after a reconnect (the first send failed with its "
            f"worker) {self.resent}",
            f"submit → recorded: p50 {self.p50_ms:.0f} ms, p95 {self.p95_ms:.0f} ms",
            f"worker 2 killed (SIGKILL) at {self.killed_at_s if self.killed_at_s is not None else float('nan'):.1f} s; "
            f"{self.reconnected_phones} phones reconnected through HAProxy: reconnect time p50 "
            f"{self.reconnect_p50_s:.2f} s, p95 {self.reconnect_p95_s:.2f} s, max {self.reconnect_max_s:.2f} s (of "
            f"which HAProxy answering the health check again: p95 {self.health_p95_s:.2f} s; the rest is the page's "
            "run on a worker now serving them all); "
            f"worker restarted by the supervisor: {'yes' if self.server_restarted else 'no'}",
            f"worker CPU: {self.worker_cpu_s:.1f} s in all = {self.cpu_ms_per_phone:.0f} ms per phone (page load, "
            f"join, {self.points} forms), so one core serves about {60_000 / self.cpu_ms_per_phone:.0f} such phones "
            "a minute",
            f"room time: {self.elapsed_s:.1f} s; errors: {len(self.errors)}"
            + (f" ({'; '.join(self.errors[:5])})" if self.errors else ""),
        ]


def stored_answers(database_url: str, workshop_id: int) -> tuple[int, dict[str, dict[str, int | None]], int]:
    import sqlalchemy as sa

    from leverage.core.database import create_engine
    from leverage.core.schema import workshop_answers, workshop_participants

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(workshop_participants.c.token, workshop_answers.c.item_id,
                                          workshop_answers.c.value)
                                .join(workshop_answers, workshop_answers.c.participant_id == workshop_participants.c.id)
                                .where(workshop_answers.c.workshop_id == workshop_id, workshop_answers.c.vote == 1)
                                ).all()
            participants = conn.execute(sa.select(sa.func.count()).select_from(workshop_participants)
                                        .where(workshop_participants.c.workshop_id == workshop_id)).scalar_one()
    finally:
        engine.dispose()
    by_token: dict[str, dict[str, int | None]] = {}
    for token, item, value in rows:
        by_token.setdefault(token, {})[item] = value
    return len(rows), by_token, participants


def run_hall(phones: int = 400, points: int = 3, arrival: float = 20.0, think: float = 2.0, kill_at: float | None = 0.4,
             max_seconds: float = 240.0, settle: float = 8.0, database_url: str | None = None) -> Figures:
    """The whole scenario on a fresh PostgreSQL schema (or `database_url`); the figures."""
    from leverage.survey.store import Store
    from leverage.workshops.service import Workshops
    from tests.helpers import postgres_schema, require_postgres

    args = argparse.Namespace(phones=phones, arrival=arrival, think=think, kill_at=kill_at, max_seconds=max_seconds,
                              settle=settle)
    tmp = Path(tempfile.mkdtemp(prefix="hall_load_"))
    schema = contextlib.nullcontext(database_url) if database_url else postgres_schema(require_postgres())
    with schema as url:
        store = Store(url)
        try:
            service = Workshops(store)
            org = store.add_organization("Congress Hall Health")
            asked = [f"LP{i}" for i in range(1, points + 1)]
            made = service.create(org, "Plenary", asked, round_name="Plenary", min_n=5)
            for point in asked:
                service.open_point(made["id"], point)
            items = sum(len(service.instrument.items_for(p)) for p in asked)
        finally:
            store.dispose()
        port = wl.free_port()
        proc = serve(url, tmp / "state", port)
        try:
            first = {w["slot"]: w["pid"] for w in json.loads((tmp / "state" / "status.json").read_text())["workers"]}
            res, elapsed = asyncio.run(room(args, f"http://127.0.0.1:{port}", made["code"], items,
                                            tmp / "state" / "status.json"))
            now = {w["slot"]: w["pid"] for w in json.loads((tmp / "state" / "status.json").read_text())["workers"]}
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        stored, by_token, participants = stored_answers(url, made["id"])
    lost = sum(1 for token, items_ in res.acked.items() for item, value in items_.items()
               if by_token.get(token, {}).get(item, "missing") != value)
    recon = sorted(res.reconnect_times)
    return Figures(
        phones=phones, joined=res.joined, finished=res.finished, acknowledged=res.acknowledged, stored=stored,
        lost=lost, participants=participants, rejoined=res.rejoined, joins_in_flight=res.joins_in_flight,
        resent=res.resent, p50_ms=wl.pct(res.acks, .5) * 1000, p95_ms=wl.pct(res.acks, .95) * 1000,
        reconnected_phones=len(res.reconnected_phones), reconnect_p50_s=wl.pct(recon, .5),
        reconnect_p95_s=wl.pct(recon, .95), reconnect_max_s=max(recon, default=float("nan")),
        health_p95_s=wl.pct(res.health_times, .95),
        killed_at_s=res.killed_at, elapsed_s=elapsed, server_restarted=now.get(2) not in (None, first.get(2)),
        worker_cpu_s=sum(c - res.worker_cpu_base.get(pid, 0.0) for pid, c in res.worker_cpu.items()),
        points=points, errors=res.errors,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phones", type=int, default=400)
    parser.add_argument("--points", type=int, default=3, choices=range(1, 8), help="points asked (5 statements each)")
    parser.add_argument("--arrival", type=float, default=20.0, help="seconds over which phones join")
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds between two forms")
    parser.add_argument("--kill-at", type=float, default=0.4, help="kill worker 2 when this share of answers is in")
    parser.add_argument("--no-kill", action="store_true", help="no failure")
    parser.add_argument("--max-seconds", type=float, default=240.0)
    args = parser.parse_args()
    figures = run_hall(args.phones, args.points, args.arrival, args.think, None if args.no_kill else args.kill_at,
                       args.max_seconds)
    print(f"hall: 2 workers behind HAProxy on PostgreSQL (scripts/serve), {os.cpu_count()} cores shared with the "
          "simulated phones and other work")
    for line in figures.lines():
        print(line)


if __name__ == "__main__":
    main()
