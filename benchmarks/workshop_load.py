"""Load benchmark for live workshops: N participants answering every point on phones, one facilitator watching.

Prints figures; asserts nothing. Run from the project root:
    .venv/bin/python benchmarks/workshop_load.py                        # 200 participants, 1 server, SQLite
    .venv/bin/python benchmarks/workshop_load.py --servers 2 --postgres # 2 servers on one PostgreSQL schema
    .venv/bin/python benchmarks/workshop_load.py --per-run              # server CPU of one run of each view
    (add --post-script-gc for Streamlit's default full garbage collection after every run, which the
    app's .streamlit/config.toml turns off)

How participants are simulated, and why that is faithful
    Each participant is a client of Streamlit's own browser protocol: a websocket to /_stcore/stream that
    sends the same BackMsg protobufs the browser sends (rerun_script with the query string, the page name
    and the widget states of the form being sent) and reads the ForwardMsg deltas the server streams back.
    The server therefore does exactly the work a phone causes: one session per participant, one full
    script run of pages/join.py per page load, join and form submission, the fragment reruns the page asks
    for while it waits, and the deltas serialised to every client. Nothing is stubbed on the server side.
    What is not simulated is the browser's own rendering, which costs the phone, not the server. The
    clients run in one asyncio process on the same 2-core machine, so they take CPU from the server: the
    figures are a lower bound on what a server with a core of its own sustains.

Scenario (the issue's target: 200 participants × 35 items within 2 minutes on this 2-core machine)
    A workshop asks all 7 points (35 statements) with all points open. Participants join spread over the
    first `--arrival` seconds, then answer one point per form (5 statements each) with a think time of
    `--think` seconds on average between forms. The facilitator's console is open on the first server and
    reruns its live fragment at the interval the page asks for (1 s), as the browser does.

Reported
    participants joined; answers acknowledged (the page showed "Recorded") vs stored (counted in the
    database: they must be equal); p50/p95 from submit to acknowledgement; p50/p95 from submit to the answer
    being counted on the facilitator's console; server CPU seconds and mean cores; client CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from tests.e2e.servers import run_command  # noqa: E402  (the app as users start it: scripts/run)

PASS = "benchmark passphrase"
EXTRA: list[str] = []  # extra `streamlit run` options (e.g. --runner.postScriptGC false)
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


@dataclass
class Run:
    """What one script run (or fragment run) showed: widgets by label, alerts, metrics."""

    widgets: dict[str, object] = field(default_factory=dict)  # label -> Radio/Button/TextInput proto
    alerts: list[str] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)


class Client:
    """A browser tab, as far as the server can tell: Streamlit's websocket protocol."""

    def __init__(self, base: str, page: str, query: str) -> None:
        self.base, self.page, self.query = base, page, query
        self.ws = None
        self.fragments: dict[str, float] = {}  # fragment id -> interval the page asked for
        self.last = Run()

    async def __aenter__(self) -> Client:
        url = self.base.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=120, ping_timeout=None)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def run(self, widget_states=(), fragment_id: str = "") -> Run:
        if not fragment_id:
            self.fragments.clear()  # a full run redraws the page: only the fragments it draws keep polling
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_name = self.page
        cs.fragment_id = fragment_id
        cs.is_auto_rerun = bool(fragment_id)
        cs.context_info.url = f"{self.base}/{self.page}?{self.query}"
        for ws in widget_states:
            cs.widget_states.widgets.append(ws)
        await self.ws.send(msg.SerializeToString())
        run = Run()
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                run = Run()
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                t = el.WhichOneof("type")
                if t in ("radio", "button", "text_input", "selectbox"):
                    w = getattr(el, t)
                    run.widgets[w.label] = w
                elif t == "alert":
                    run.alerts.append(el.alert.body)
                elif t == "metric":
                    run.metrics[el.metric.label] = el.metric.body
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "auto_rerun":
                if fwd.auto_rerun.interval > 0:
                    self.fragments[fwd.auto_rerun.fragment_id] = fwd.auto_rerun.interval
            elif kind == "script_finished" and fwd.script_finished in DONE:
                self.last = run
                return run


def trigger(widget_id: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, trigger_value=True)


def string_state(widget_id: str, value: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, string_value=value)


@dataclass
class Results:
    acks: list[float] = field(default_factory=list)  # seconds submit → "Recorded"
    submits: list[tuple[float, float, int]] = field(default_factory=list)  # (sent at, acked at, answers)
    acknowledged: int = 0
    joined: int = 0
    errors: list[str] = field(default_factory=list)
    console: list[tuple[float, int]] = field(default_factory=list)  # (time, answers shown on the console)
    finished: int = 0
    done: int = 0  # finished or failed
    polls: int = 0  # fragment reruns of waiting phones


async def participant(n: int, base: str, code: str, delay: float, think: float, res: Results,
                      stop: asyncio.Event) -> None:
    await asyncio.sleep(delay)
    rng = random.Random(n)
    counted = False
    try:
        async with Client(base, "join", f"code={code}") as c:
            run = await c.run()
            join = run.widgets.get("Join")
            if join is None:
                res.errors.append(f"p{n}: no join form ({run.alerts[:1]})")
                return
            run = await c.run([trigger(join.id)])
            if "t=" not in c.query:
                res.errors.append(f"p{n}: join gave no token ({run.alerts[:1]})")
                return
            res.joined += 1
            while True:
                save = next((w for label, w in run.widgets.items() if label.startswith("Save my answers")), None)
                if save is None:
                    break
                await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
                radios = [w for w in run.widgets.values() if w.DESCRIPTOR.name == "Radio"]
                states = [string_state(r.id, rng.choice(list(r.options))) for r in radios]
                sent = time.monotonic()
                run = await c.run([*states, trigger(save.id)])
                acked = time.monotonic()
                if not any(a.startswith("Recorded at") for a in run.alerts):
                    res.errors.append(f"p{n}: not recorded: {run.alerts[:2]}")
                    return
                res.acks.append(acked - sent)
                res.acknowledged += len(radios)
                res.submits.append((sent, acked, len(radios)))
            res.finished += 1
            res.done += 1
            counted = True
            # the phone stays open: its page polls (a fragment rerun) only while there is nothing to answer
            while not stop.is_set() and c.fragments:
                fid, interval = next(iter(c.fragments.items()))
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)
                if not stop.is_set():
                    await c.run(fragment_id=fid)
                    res.polls += 1
    except Exception as exc:  # a lost connection is a finding, not a crash of the benchmark
        res.errors.append(f"p{n}: {type(exc).__name__}: {exc}")
    finally:
        if not counted:
            res.done += 1


async def facilitator(base: str, res: Results, stop: asyncio.Event) -> None:
    async with Client(base, "workshop", "") as c:
        run = await c.run()
        box = run.widgets.get("Facilitator passphrase")
        gate = run.widgets.get("Open the console")
        run = await c.run([string_state(box.id, PASS), trigger(gate.id)])
        if "Answers (this vote)" not in run.metrics:
            run = await c.run()
        while not stop.is_set():
            # the browser reruns a fragment at the interval the page asked for (auto_rerun)
            await asyncio.sleep(min(c.fragments.values(), default=2.0))
            for fid in list(c.fragments) or [""]:
                run = await c.run(fragment_id=fid)
                if "Answers (this vote)" in run.metrics:
                    res.console.append((time.monotonic(), int(run.metrics["Answers (this vote)"])))


def start_server(database_url: str, log: Path) -> subprocess.Popen:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEVERAGE_")}
    env.update(LEVERAGE_DATABASE_URL=database_url, LEVERAGE_LOAD_DEMO="never",
               LEVERAGE_FACILITATOR_PASSPHRASE=PASS, PYTHONUNBUFFERED="1")
    out = log.open("wb")
    proc = subprocess.Popen([*run_command(port), *EXTRA], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    proc.base = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    for _ in range(240):
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{proc.base}/_stcore/health", timeout=2) as r:  # type: ignore[attr-defined]
                if r.read() == b"ok":
                    return proc
        time.sleep(0.25)
    raise SystemExit(f"server did not start; see {log}")


async def scenario(args, bases: list[str], code: str) -> tuple[Results, float]:
    res = Results()
    stop = asyncio.Event()
    fac = asyncio.create_task(facilitator(bases[0], res, stop))
    # warm each server once (first run of a fresh process imports pages, like the first visitor would)
    for base in bases:
        async with Client(base, "join", f"code={code}") as c:
            await c.run()
    started = time.monotonic()
    tasks = [asyncio.create_task(participant(n, bases[n % len(bases)], code, args.arrival * n / args.participants,
                                             args.think, res, stop)) for n in range(args.participants)]
    while res.done < args.participants and time.monotonic() - started < args.max_seconds:
        await asyncio.sleep(0.1)
    elapsed = time.monotonic() - started
    await asyncio.sleep(4.5)  # let the console's next refreshes count the last answers
    stop.set()
    for task in tasks:  # participants still waiting for the server when time ran out
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(fac, 30)
    return res, elapsed


async def per_run_costs(base: str, server_pid: int, code: str, token: str, repeat: int = 20) -> None:
    """Server CPU of one script run of each workshop view, one client at a time (nothing else queued)."""
    async with Client(base, "join", f"code={code}&t={token}") as c:
        await c.run()
        views = [("join page, a participant with a form", "join", f"code={code}&t={token}"),
                 ("join page, the join form", "join", f"code={code}")]
        for label, page, query in views:
            c.page, c.query = page, query
            await c.run()
            before = cpu_seconds(server_pid)
            for _ in range(repeat):
                await c.run()
            print(f"{label}: {(cpu_seconds(server_pid) - before) / repeat * 1000:.1f} ms server CPU per run")
    async with Client(base, "workshop", "") as c:
        run = await c.run()
        await c.run([string_state(run.widgets["Facilitator passphrase"].id, PASS),
                     trigger(run.widgets["Open the console"].id)])
        await c.run()
        fid = next(iter(c.fragments))
        before = cpu_seconds(server_pid)
        for _ in range(repeat):
            await asyncio.sleep(1.05)  # past the shared cache's second: every refresh reads the database
            await c.run(fragment_id=fid)
        print(f"console live fragment (fresh read): {(cpu_seconds(server_pid) - before) / repeat * 1000:.1f} ms "
              "server CPU per refresh")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--servers", type=int, default=1)
    parser.add_argument("--arrival", type=float, default=30.0, help="seconds over which participants join")
    parser.add_argument("--think", type=float, default=10.0, help="mean seconds between two forms")
    parser.add_argument("--max-seconds", type=float, default=300.0,
                        help="stop and report after this long even if participants are still answering")
    parser.add_argument("--per-run", action="store_true",
                        help="only measure the server CPU of one run of each workshop view (50 answered participants)")
    parser.add_argument("--postgres", action="store_true", help="use a fresh schema on the local PostgreSQL")
    parser.add_argument("--post-script-gc", action="store_true",
                        help="start the servers with --runner.postScriptGC true (Streamlit's default: a full "
                             "gc.collect after every run; the app's config turns it off)")
    args = parser.parse_args()
    if args.post_script_gc:
        EXTRA.extend(["--runner.postScriptGC", "true"])

    from leverage.core.schema import workshop_answers
    from leverage.survey.store import Store
    from leverage.workshops.service import Workshops

    tmp = Path(tempfile.mkdtemp(prefix="ws_load_"))
    schema_cm = contextlib.nullcontext(f"sqlite:///{tmp}/load.db")
    if args.postgres:
        from tests.helpers import postgres_schema, require_postgres

        schema_cm = postgres_schema(require_postgres())
    with schema_cm as database_url:
        store = Store(database_url)
        service = Workshops(store)
        org = store.add_organization("Load Test Health")
        made = service.create(org, "Load test", [f"LP{i}" for i in range(1, 8)], round_name="Load", min_n=5)
        for i in range(1, 8):
            service.open_point(made["id"], f"LP{i}")
        if args.per_run:
            for k in range(50):
                p = service.join(made["code"], f"seed{k}")
                for i in range(1, 8):
                    items = service.instrument.items_for(f"LP{i}")
                    service.submit(p, f"LP{i}", {it.id: 1 + (k + i) % 5 for it in items})
            me = service.join(made["code"], "measured")
            server = start_server(database_url, tmp / "server.log")
            try:
                gc = "true (Streamlit's default)" if args.post_script_gc else "false (.streamlit/config.toml)"
                print(f"per-run costs, runner.postScriptGC {gc}, {'PostgreSQL' if args.postgres else 'SQLite'}:")
                asyncio.run(per_run_costs(server.base, server.pid, made["code"], me.token))
            finally:
                server.terminate()
                server.wait(timeout=20)
                store.dispose()
            return
        servers = [start_server(database_url, tmp / f"server{k}.log") for k in range(args.servers)]
        try:
            before = [cpu_seconds(p.pid) for p in servers]
            client_before = time.process_time()
            wall0 = time.monotonic()
            res, elapsed = asyncio.run(scenario(args, [p.base for p in servers], made["code"]))
            wall = time.monotonic() - wall0
            cpu = [cpu_seconds(p.pid) - b for p, b in zip(servers, before, strict=True)]
            client_cpu = time.process_time() - client_before
        finally:
            for p in servers:
                p.terminate()
                p.wait(timeout=20)
        import sqlalchemy as sa

        with store.engine.connect() as conn:
            stored = conn.execute(sa.select(sa.func.count()).select_from(workshop_answers)).scalar_one()
        store.dispose()

    # submit → counted on the console: the k-th acknowledged submission is visible once the console shows at
    # least the answers acknowledged up to and including it (answers only grow in this scenario)
    visible = []
    acked_sorted = sorted(res.submits, key=lambda s: s[1])
    cum = 0
    for sent, acked, k in acked_sorted:
        cum += k
        seen = next((t for t, shown in res.console if t >= acked and shown >= cum), None)
        if seen is not None:
            visible.append(seen - sent)
    print(f"servers: {args.servers} ({'PostgreSQL' if args.postgres else 'SQLite'}; runner.postScriptGC "
          f"{'true (Streamlit default)' if args.post_script_gc else 'false (.streamlit/config.toml)'}); machine: "
          f"{os.cpu_count()} cores shared with other work during the run")
    print(f"participants: {args.participants} started, {res.joined} joined, {res.finished} finished all 7 points; "
          f"{res.polls} fragment reruns of phones waiting after their last point")
    print(f"answers: acknowledged {res.acknowledged}, stored {stored} "
          f"({'equal' if stored == res.acknowledged else 'NOT EQUAL'}; target {args.participants * 35})")
    cut = " (STOPPED at --max-seconds)" if res.done < args.participants else ""
    print(f"time for everyone to finish: {elapsed:.1f} s{cut} (arrivals over {args.arrival:.0f} s, "
          f"think {args.think:.0f} s ± 50 % between forms)")
    print(f"submit → recorded: p50 {pct(res.acks, .5) * 1000:.0f} ms, p95 {pct(res.acks, .95) * 1000:.0f} ms, "
          f"max {max(res.acks, default=float('nan')) * 1000:.0f} ms (n = {len(res.acks)})")
    print(f"submit → counted on the facilitator console: p50 {pct(visible, .5):.2f} s, p95 {pct(visible, .95):.2f} s "
          f"(n = {len(visible)}; console refresh every 1 s, shared cache 1 s)")
    for k, c in enumerate(cpu):
        print(f"server {k} CPU: {c:.1f} s over {wall:.0f} s = {c / wall:.2f} cores")
    print(f"client (all simulated phones, one process) CPU: {client_cpu:.1f} s = {client_cpu / wall:.2f} cores")
    if res.errors:
        print(f"errors ({len(res.errors)}): " + "; ".join(res.errors[:5]))


if __name__ == "__main__":
    main()
