"""Load benchmark for live workshops: N participants answering every point on phones, one facilitator watching.

Prints figures; asserts nothing. Run from the project root:
    .venv/bin/python benchmarks/workshop_load.py                        # 200 participants, 1 server, SQLite
    .venv/bin/python benchmarks/workshop_load.py --servers 2 --postgres # 2 servers on one PostgreSQL schema
    .venv/bin/python benchmarks/workshop_load.py --per-run              # server CPU of one run of each view
    .venv/bin/python benchmarks/workshop_load.py --actions 4            # 200 answered phones follow the room
                                                                        # while the console closes and reopens
                                                                        # LP7 4 times (each action timed)
    .venv/bin/python benchmarks/workshop_load.py --drop-acks 0.05       # 5 % of joins and answers lose their
                                                                        # acknowledgement and are sent again
    (add --post-script-gc for Streamlit's default full garbage collection after every run, which the
    app's .streamlit/config.toml turns off)

Servers are started exactly as users start them: `scripts/run` with the shipped configuration
(tests/e2e/servers.py `run_command`), which refuses any --server.* flag the configuration lacks.

How participants are simulated, and why that is faithful
    Each participant is a client of Streamlit's own browser protocol: a websocket to /_stcore/stream that
    sends the same BackMsg protobufs the browser sends (rerun_script with the query string, the page name
    and the widget states of the form being sent) and reads the ForwardMsg deltas the server streams back.
    The server therefore does exactly the work a phone causes: one session per participant, one full
    script run of pages/join.py per page load and join, a run of the room fragment per form sent (the
    browser sends a widget's rerun to the fragment it is in), the room watcher's long poll held over HTTP
    (`GET /api/live/...`, on its own connection, dropped and asked again as the page's script does when the
    room is redrawn) and the fragment rerun its answer triggers (the component's trigger, as the browser
    sends it), and the deltas serialised to every client. Nothing is stubbed on the server side. What is not
    simulated is the browser's own rendering, which costs the phone, not the server. The clients run in one
    asyncio process on the same machine, so they take CPU from the servers: the figures are a lower bound on
    what servers with cores of their own sustain.

Scenario (issue 15's targets: 200 participants × 35 items, the room done within 2 minutes)
    A workshop asks all 7 points (35 statements), all open. Participants join spread over the first
    `--arrival` seconds, then answer one point per form (5 statements each) with a think time of `--think`
    seconds on average between forms, and keep the page open. The facilitator's console is open on the
    first server and reruns its live fragment every second. When everyone has finished, the facilitator
    closes LP7 on the console (the click is timed to its acknowledgement), then ends the workshop; every
    phone times how long until its page shows the point closed, then the end.

Reported
    participants joined (and stored: exactly once each, even with --drop-acks); answers acknowledged
    (the page showed "Recorded") vs stored; p50/p95 submit → acknowledgement; p50/p95 submit → counted on
    the console; console action → acknowledged; p50/p95 close → seen and end → seen on the phones;
    server CPU; and, with --per-run, the CPU of one run of each view and a capacity model.

With --actions K (issue 15's "phones see a close within 2 s", on its own and repeated)
    The participants have answered every point before the servers start (written through the service), so
    the room is all phones waiting for the facilitator. Each phone opens its page and follows the room; the
    console then closes LP7 and opens it again, K times each, 1.5 s apart. For every action: the console's
    acknowledgement, when each phone's page showed it (p10/p50/p95/max), and the servers' CPU for it.

Importable (the CI load test of issue 17 drives the same phones and console): `Client`, `participant`,
`facilitator`, `Results` and `start_server` are module-level and do no work at import.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
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
    markdown: list[str] = field(default_factory=list)
    keyed: dict[str, object] = field(default_factory=dict)  # widget id -> proto (ids end with the widget's key)
    fragment_of: dict[str, str] = field(default_factory=dict)  # widget id -> the fragment it was drawn in
    watcher: dict | None = None  # the room watcher the page drew: {"id", "url", "drawn", "fragment"}
    full: bool = False  # a full page run, not only a fragment

    def key(self, key: str):
        """The widget whose key is `key` (Streamlit puts the user key at the end of the widget id)."""
        return next((w for wid, w in self.keyed.items() if wid.endswith(key)), None)


class Client:
    """A browser tab, as far as the server can tell: Streamlit's websocket protocol."""

    def __init__(self, base: str, page: str, query: str) -> None:
        self.base, self.page, self.query = base, page, query
        self.ws = None
        self.fragments: dict[str, float] = {}  # fragment id -> interval the page asked for
        self.page_hash = ""  # the page's script hash, once the server named it
        self.last = Run()

    async def __aenter__(self) -> Client:
        url = self.base.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=120, ping_timeout=None)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def send_only(self, widget_states=(), fragment_id: str = "") -> None:
        """Send a rerun and read nothing back (the acknowledgement is lost with the connection)."""
        await self.ws.send(self._message(widget_states, fragment_id, auto=False).SerializeToString())
        await asyncio.sleep(0.05)  # the bytes leave before the connection drops

    def fragment_of(self, widget) -> str:
        """The fragment a widget was drawn in: the browser sends a widget's rerun to its fragment alone."""
        return self.last.fragment_of.get(widget.id, "")

    async def press(self, widget_states, widget) -> Run:
        """Send a form or a button as the browser does: a rerun of the fragment the widget is in (or the page)."""
        fid = self.fragment_of(widget)
        return await self.run(widget_states, fragment_id=fid, auto=False)

    async def follow_room(self, run: Run, timeout: float) -> Run | None:
        """What the page's room watcher does: hold one long poll for the workshop's version; when it moved past
        the version the page was drawn from, rerun the watcher's fragment (its trigger, as the browser sends
        it). None when nothing changed within `timeout` (or the page drew no watcher)."""
        watcher = run.watcher
        if watcher is None:
            await asyncio.sleep(timeout)
            return None
        until = time.monotonic() + timeout
        while (left := until - time.monotonic()) > 0:
            try:
                status, body = await asyncio.wait_for(
                    http_get_json(self.base, f"{watcher['url']}?after={watcher['drawn']}"), left)
            except TimeoutError:
                return None
            if status != 200:
                await asyncio.sleep(min(left, 2.0))
                continue
            if body["version"] != watcher["drawn"]:
                return await self.run([room_trigger(watcher["id"], body["version"])],
                                      fragment_id=watcher["fragment"], auto=False)
        return None

    def _message(self, widget_states, fragment_id: str, auto: bool | None = None) -> BackMsg:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_name = self.page
        if self.page_hash and fragment_id:  # a full rerun the fragment asks for (st.rerun) stays on this page
            cs.page_script_hash = self.page_hash
        cs.fragment_id = fragment_id
        cs.is_auto_rerun = bool(fragment_id) if auto is None else auto
        cs.context_info.url = f"{self.base}/{self.page}?{self.query}"
        for ws in widget_states:
            cs.widget_states.widgets.append(ws)
        return msg

    async def run(self, widget_states=(), fragment_id: str = "", auto: bool | None = None) -> Run:
        if not fragment_id:
            self.fragments.clear()  # a full run redraws the page: only the fragments it draws keep polling
        await self.ws.send(self._message(widget_states, fragment_id, auto).SerializeToString())
        run = Run()
        registered = {}
        page_hash = ""
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "new_session":  # every run starts with one, fragment runs too
                run = Run()
                registered: dict[str, float] = {}
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                t = el.WhichOneof("type")
                if t in ("radio", "button", "text_input", "selectbox", "checkbox"):
                    w = getattr(el, t)
                    run.widgets[w.label] = w
                    run.keyed[w.id] = w
                    run.fragment_of[w.id] = fwd.delta.fragment_id
                elif t == "bidi_component" and el.bidi_component.component_name.endswith("room_watcher"):
                    data = json.loads(el.bidi_component.json)
                    watching = data["url"] is not None  # not once the workshop has ended
                    run.watcher = {"id": el.bidi_component.id, "url": data["url"], "drawn": data["drawn"],
                                   "fragment": fwd.delta.fragment_id} if watching else None
                elif t == "markdown":
                    run.markdown.append(el.markdown.body)
                elif t == "alert":
                    run.alerts.append(el.alert.body)
                elif t == "metric":
                    run.metrics[el.metric.label] = el.metric.body
            elif kind == "navigation":  # st.navigation names the page it runs (new_session names the main script)
                page_hash = fwd.navigation.page_script_hash or page_hash
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "auto_rerun":
                if fwd.auto_rerun.interval > 0:
                    registered[fwd.auto_rerun.fragment_id] = fwd.auto_rerun.interval
            elif kind == "script_finished" and fwd.script_finished in DONE:
                # a full run (also one a fragment asked for with st.rerun) redraws the page: only the
                # fragments it drew keep polling; a fragment run keeps them
                run.full = fwd.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY
                if run.full:
                    self.fragments = registered
                    self.page_hash = page_hash or self.page_hash  # the page this full run drew
                else:
                    self.fragments.update(registered)
                self.last = run
                return run


async def open_console(c: Client) -> Run:
    """Pass the facilitator gate with the passphrase and draw the console (its live fragment included)."""
    run = await c.run()
    run = await c.run([string_state(run.widgets["Facilitator passphrase"].id, PASS),
                       trigger(run.widgets["Open the console"].id)])
    if "Answers (this vote)" not in run.metrics:
        run = await c.run()
    return run


def answered_participants(service, code: str, n: int, prefix: str) -> list[str]:
    """Tokens of `n` participants who have answered every point (written through the service)."""
    tokens = []
    for k in range(n):
        p = service.join(code, f"{prefix}{k}")
        tokens.append(p.token)
        for i in range(1, 8):
            items = service.instrument.items_for(f"LP{i}")
            service.submit(p, f"LP{i}", {it.id: 1 + (k + i) % 5 for it in items})
    return tokens


def trigger(widget_id: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, trigger_value=True)


def room_trigger(component_id: str, version: int):
    """The room watcher's "changed" event, as Streamlit's page sends a v2 component's trigger."""
    from streamlit.components.v2.bidi_component.main import _make_trigger_id
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=_make_trigger_id(component_id, "events"),
                       json_trigger_value=json.dumps([{"event": "changed", "value": version}]))


async def http_get_json(base: str, path: str) -> tuple[int, dict]:
    """One GET on its own connection (status, JSON body): the page's long poll."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        chunks, rest = [], body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line, 16)
            if size == 0:
                break
            chunks.append(rest[:size])
            rest = rest[size + 2:]
        body = b"".join(chunks)
    return status, (json.loads(body) if status == 200 else {})


def string_state(widget_id: str, value: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, string_value=value)


def bool_state(widget_id: str, value: bool):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, bool_value=value)


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
    polls: int = 0  # room fragment reruns of phones after the room changed
    resent: int = 0  # joins and answers sent again after a dropped acknowledgement
    actions: list[tuple[str, float, float]] = field(default_factory=list)  # (action, sent at, acknowledged at)
    seen: dict[str, list[float]] = field(default_factory=dict)  # "close"/"end" -> seconds until a phone saw it
    seen_by: set[tuple[int, str]] = field(default_factory=set)
    close_at: float | None = None  # when the console sent the close (phones time from here)
    end_at: float | None = None


def _saw(run: Run, event: str) -> bool:
    if event == "end":
        return any("workshop has ended" in a or "workshop is ending" in a for a in run.alerts)
    return any(re.search(r"LP7 [^\n]*· closed, read-only", m) for m in run.markdown)


async def participant(n: int, base: str, code: str, delay: float, think: float, res: Results,
                      stop: asyncio.Event, *, drop_acks: float = 0.0) -> None:
    """One phone: open the join link, join, answer every open point, then keep the page open (its watcher
    fragment polls at the interval the page asks for) until `stop`; records what `res` collects.

    `drop_acks`: the share of joins and answers whose acknowledgement is lost (the connection drops right
    after sending); the phone reconnects with the same link and sends it again, as a person would.
    """
    await asyncio.sleep(delay)
    rng = random.Random(n)
    counted = False
    try:
        c = Client(base, "join", f"code={code}")
        await c.__aenter__()
        try:
            run = await c.run()
            join = run.widgets.get("Join")
            if join is None or "t=" not in c.query:
                res.errors.append(f"p{n}: no join form with a token ({run.alerts[:1]})")
                return
            if rng.random() < drop_acks:  # the join is sent, its answer never arrives
                await c.send_only([trigger(join.id)])
                c = await _reconnect(c, res)
                run = await c.run()
                join = run.widgets.get("Join")
            if join is not None:
                run = await c.run([trigger(join.id)])
            if not any(label.startswith("Save my answers") for label in run.widgets) and not \
                    any("Waiting" in a for a in run.alerts):
                res.errors.append(f"p{n}: join not acknowledged ({run.alerts[:1]})")
                return
            res.joined += 1
            while True:
                save = next((w for label, w in run.widgets.items() if label.startswith("Save my answers")), None)
                if save is None:
                    break
                run = await _think(c, rng.uniform(0.5, 1.5) * think, run, res)
                radios = [w for w in run.widgets.values() if w.DESCRIPTOR.name == "Radio"]
                states = [string_state(r.id, rng.choice(list(r.options))) for r in radios]
                sent = time.monotonic()
                if rng.random() < drop_acks:  # the answer is sent, its acknowledgement lost: send it again
                    await c.send_only([*states, trigger(save.id)], c.fragment_of(save))
                    c = await _reconnect(c, res)
                    sent = time.monotonic()  # timed from the resend: the first acknowledgement was lost
                    run = await c.run()
                    again = run.widgets.get(save.label)
                    if again is not None:  # the same form is on screen: the person taps Save again
                        run = await c.press([*[string_state(r.id, s.string_value) for r, s in
                                               zip(radios, states, strict=True)], trigger(again.id)], again)
                    else:  # it was stored: the page moved on
                        run.alerts.append("Recorded at (before the connection dropped)")
                else:
                    run = await c.press([*states, trigger(save.id)], save)
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
            # the phone stays open: its room watcher holds a long poll and reruns the room when the room moves
            while not stop.is_set():
                waiting = asyncio.create_task(c.follow_room(run, 30.0))
                stopping = asyncio.create_task(stop.wait())
                await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                if stop.is_set():
                    waiting.cancel()
                    break
                moved = waiting.result()
                if moved is None:
                    continue
                res.polls += 1
                run = moved
                for event in ("close", "end"):
                    at = getattr(res, f"{event}_at", None)
                    if at is not None and _saw(run, event) and (n, event) not in res.seen_by:
                        res.seen_by.add((n, event))
                        res.seen.setdefault(event, []).append(time.monotonic() - at)
        finally:
            await c.__aexit__()
    except Exception as exc:  # a lost connection is a finding, not a crash of the benchmark
        res.errors.append(f"p{n}: {type(exc).__name__}: {exc}")
    finally:
        if not counted:
            res.done += 1


async def _think(c: Client, seconds: float, run: Run, res: Results) -> Run:
    """A person reading and choosing: meanwhile the page's room watcher holds its long poll, as in a browser."""
    until = time.monotonic() + seconds
    while (left := until - time.monotonic()) > 0:
        moved = await c.follow_room(run, left)
        if moved is None:
            break
        res.polls += 1  # the room changed: the room fragment was redrawn
        run = moved
    return run


async def _reconnect(c: Client, res: Results) -> Client:
    """Drop the connection without reading the answer, then open the same link again."""
    res.resent += 1
    await c.__aexit__()
    fresh = Client(c.base, c.page, c.query)
    await fresh.__aenter__()
    return fresh


async def facilitator(base: str, res: Results, stop: asyncio.Event, *,
                      commands: asyncio.Queue | None = None) -> None:
    """The facilitator's console: pass the gate, then rerun its live fragment every second (as the browser
    does) and record the answers it shows; `commands` ("close LP7", "end") are clicked on the console and
    timed until the console shows them."""
    async with Client(base, "workshop", "") as c:
        run = await open_console(c)
        while not stop.is_set():
            await asyncio.sleep(min(c.fragments.values(), default=2.0))
            for fid in list(c.fragments) or [""]:
                run = await c.run(fragment_id=fid)
                if run.full and fid:
                    res.errors.append(f"console: its fragment run became a full run ({run.alerts[:1]}, "
                                      f"{list(run.widgets)[:3]}, {list(run.metrics)[:2]})")
                if "Answers (this vote)" in run.metrics:
                    res.console.append((time.monotonic(), int(run.metrics["Answers (this vote)"])))
            while commands is not None and not commands.empty():
                command = await commands.get()
                try:
                    await _command(c, command, res)
                except RuntimeError as exc:
                    res.errors.append(f"console: {command}: {exc}")


async def _command(c: Client, command: str, res: Results) -> None:
    sent = time.monotonic()
    if command.startswith("close "):
        point = command.split()[1]
        if not c.fragments:  # the console was redrawn in full: draw it again to find its live fragment
            run = await c.run()
            if not c.fragments:
                raise RuntimeError(f"the console has no live fragment: {run.alerts[:2]} {list(run.widgets)[:5]}")
        fid = next(iter(c.fragments))
        run = await c.run(fragment_id=fid)
        button = run.key(f"close_{point}")
        res.close_at = sent = time.monotonic()
        run = await c.run([trigger(button.id)], fragment_id=fid)
        ok = any(m.startswith(f"**{point}**") and "closed" in m for m in run.markdown)
    elif command == "end":
        run = await c.run()
        sure = run.key("ws_end_sure")
        run = await c.run([bool_state(sure.id, True)])
        res.end_at = sent = time.monotonic()
        run = await c.run([bool_state(sure.id, True), trigger(run.key("ws_end").id)])
        ok = any(a.startswith("Saved ") or a.startswith("Ended") for a in run.alerts)
    else:  # pragma: no cover - a typo in a caller
        raise ValueError(command)
    res.actions.append((command if ok else f"{command} (NOT SHOWN)", sent, time.monotonic()))


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
    commands: asyncio.Queue = asyncio.Queue()
    fac = asyncio.create_task(facilitator(bases[0], res, stop, commands=commands))
    # warm each server once (first run of a fresh process imports pages, like the first visitor would)
    for base in bases:
        async with Client(base, "join", f"code={code}") as c:
            await c.run()
    started = time.monotonic()
    tasks = [asyncio.create_task(participant(n, bases[n % len(bases)], code, args.arrival * n / args.participants,
                                             args.think, res, stop, drop_acks=args.drop_acks))
             for n in range(args.participants)]
    while res.done < args.participants and time.monotonic() - started < args.max_seconds:
        await asyncio.sleep(0.1)
    answered = time.monotonic() - started
    await asyncio.sleep(3.5)  # let the console's next refreshes count the last answers
    for command in ("close LP7", "end"):
        done = len(res.actions)
        await commands.put(command)
        clicked = time.monotonic()
        while len(res.actions) == done and time.monotonic() - clicked < 120:
            await asyncio.sleep(0.1)  # the console shows it
        await asyncio.sleep(args.watch)  # phones poll meanwhile and time when they see it
    elapsed = time.monotonic() - started
    stop.set()
    for task in tasks:  # participants still waiting for the server when time ran out
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(fac, 30)
    res.answered_in = answered  # type: ignore[attr-defined]
    return res, elapsed


async def per_run_costs(base: str, server_pid: int, code: str, token: str, waiting: str, waiting_code: str,
                        finished: str, repeat: int = 40) -> dict[str, float]:
    """Server CPU (ms) of one run of each workshop view, one client at a time (nothing else queued)."""
    out: dict[str, float] = {}

    async def measure(label: str, send) -> None:
        for _ in range(3):
            await send()
        before, walls = cpu_seconds(server_pid), []
        for _ in range(repeat):
            sent = time.perf_counter()
            await send()
            walls.append(time.perf_counter() - sent)
        out[label] = (cpu_seconds(server_pid) - before) / repeat * 1000
        # wall: from the request to the run's last message (without TCP_NODELAY, ui/nodelay.py, ~40 ms more)
        print(f"{label}: {out[label]:.1f} ms server CPU per run (wall p50 {1000 * pct(walls, .5):.1f} ms)")

    for label, query in (("phone page, a participant with a form (full run)", f"code={code}&t={token}"),
                         ("phone page, a participant waiting (full run)", f"code={waiting_code}&t={waiting}"),
                         ("phone page, the join form (full run)", f"code={code}")):
        async with Client(base, "join", query) as c:
            await measure(label, c.run)
    async with Client(base, "join", f"code={code}&t={token}") as c:
        watcher = (await c.run()).watcher

        async def room_rerun() -> None:  # what every phone does once after a facilitator's action
            await c.run([room_trigger(watcher["id"], watcher["drawn"] + 1)], fragment_id=watcher["fragment"],
                        auto=False)

        await measure("phone room fragment, rerun by its watcher", room_rerun)
    async with Client(base, "join", f"code={code}&t={finished}") as done:
        done_watcher = (await done.run()).watcher

        async def finished_rerun() -> None:  # a phone that answered everything: the room at a close or the end
            await done.run([room_trigger(done_watcher["id"], done_watcher["drawn"] + 1)],
                           fragment_id=done_watcher["fragment"], auto=False)

        await measure("phone room fragment of a participant who answered everything", finished_rerun)
        answered = f"{done_watcher['url']}?after=-5"  # a version it does not have: answered at once

        async def hear_and_redraw() -> None:  # the whole of such a phone's part in a facilitator's action
            await http_get_json(base, answered)
            await finished_rerun()

        await measure("a phone hears of a change and redraws (answered poll + room fragment)", hear_and_redraw)
        held = f"{watcher['url']}?after={watcher['drawn']}"
        polls = [asyncio.create_task(http_get_json(base, held)) for _ in range(200)]
        await asyncio.sleep(2.0)  # all 200 are open and held
        before, t0 = cpu_seconds(server_pid), time.monotonic()
        await asyncio.sleep(5.0)
        out["held poll ms per s"] = (cpu_seconds(server_pid) - before) / (time.monotonic() - t0) / 200 * 1000
        print(f"long poll held while nothing changes: {out['held poll ms per s']:.3f} ms server CPU per phone per "
              f"second (200 held at once)")
        for task in polls:
            task.cancel()
    async with Client(base, "workshop", "") as c:
        await open_console(c)
        fid = next(iter(c.fragments))

        async def fresh_console() -> None:
            await asyncio.sleep(1.05)  # past the shared counts' second: every refresh reads the database
            await c.run(fragment_id=fid)

        await measure("console live fragment (fresh counts)", fresh_console)
        acks = []
        for point in ("LP1", "LP1", "LP1"):  # the console shows the newest workshop: "Waiting", LP1 pending
            for action in ("open", "close"):
                run = await c.run(fragment_id=fid)
                sent = time.monotonic()
                await c.run([trigger(run.key(f"{action}_{point}").id)], fragment_id=fid)
                acks.append(time.monotonic() - sent)
        out["console action ms"] = 1000 * sorted(acks)[len(acks) // 2]
        print(f"console action (open/close) acknowledged: median {out['console action ms']:.0f} ms, "
              f"max {1000 * max(acks):.0f} ms (n = {len(acks)})")
    return out


async def action_bursts(bases: list[str], pids: list[int], code: str, tokens: list[str], repeat: int) -> None:
    """Phones that have answered everything follow the room while the console closes and reopens LP7."""
    phones = []
    for n, token in enumerate(tokens):
        c = Client(bases[n % len(bases)], "join", f"code={code}&t={token}")
        await c.__aenter__()
        phones.append((c, await c.run()))
    stop, seen = asyncio.Event(), []
    watching: dict[str, object] = {"at": None, "closed": None}

    async def follow(c: Client, run: Run) -> None:
        while not stop.is_set():
            moved = await c.follow_room(run, 5.0)
            if moved is None:
                continue
            run = moved
            if watching["at"] is not None and _saw(run, "close") == watching["closed"]:
                seen.append(time.monotonic() - watching["at"])

    tasks = [asyncio.create_task(follow(c, run)) for c, run in phones]
    try:
        async with Client(bases[0], "workshop", "") as console:
            await open_console(console)
            fid = next(iter(console.fragments))
            await asyncio.sleep(2.0)
            for _ in range(repeat):
                for action in ("close", "open"):
                    button = (await console.run(fragment_id=fid)).key(f"{action}_LP7")
                    seen.clear()
                    before = [cpu_seconds(pid) for pid in pids]
                    watching.update(closed=action == "close", at=time.monotonic())
                    await console.run([trigger(button.id)], fragment_id=fid)
                    acked = time.monotonic() - watching["at"]
                    while len(seen) < len(tokens) and time.monotonic() - watching["at"] < 10:
                        await asyncio.sleep(0.02)
                    cpu = sum(cpu_seconds(pid) for pid in pids) - sum(before)
                    print(f"{action} LP7: console acknowledged in {1000 * acked:.0f} ms; phones that saw it "
                          f"{len(seen)} of {len(tokens)}: p10 {pct(seen, .1):.2f} s, p50 {pct(seen, .5):.2f} s, "
                          f"p95 {pct(seen, .95):.2f} s, max {max(seen, default=float('nan')):.2f} s; "
                          f"server CPU {cpu:.2f} s", flush=True)
                    watching["at"] = None
                    await asyncio.sleep(1.5)
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for c, _run in phones:
            with contextlib.suppress(Exception):
                await c.__aexit__()


def capacity_model(costs: dict[str, float], room: int = 2000, ttl_s: float = 0.25, target_s: float = 2.0,
                   busy: float = 0.7) -> int:
    """Phones per server process (one core each) and processes for a room of `room`, from per-run costs.

    Between changes a server of N phones spends N × held ms per second holding their long polls. After a
    facilitator's action every phone hears of it (one answered poll) and reruns its room fragment once:
    N × (answered + room) ms of work, done with what holding leaves. The last phone sees the change after at
    most the version copy's age (`ttl_s`) plus that work, which must stay under `target_s`; the work itself
    must stay under `busy` of the core so answers keep flowing. The largest N meeting both is the server's
    share of the room.
    """
    held = costs["held poll ms per s"] / 1000
    change = costs["a phone hears of a change and redraws (answered poll + room fragment)"] / 1000

    def seen_within(n: int) -> float:
        spare = 1 - n * held
        return ttl_s + n * change / spare if spare > 0 else float("inf")

    per_server = 0
    while n_ok := per_server + 1:
        if n_ok * held > busy or seen_within(n_ok) > target_s:
            break
        per_server = n_ok
    servers = -(-room // max(per_server, 1))
    print(f"capacity model: a phone costs {1000 * held:.2f} ms a second while nothing changes and "
          f"{1000 * change:.1f} ms per facilitator action; one server process (one core) keeps {per_server} phones "
          f"within {target_s:.0f} s of every change; a {room}-person plenary needs {servers} server processes = "
          f"{servers} cores (e.g. {-(-servers // 2)} machines of 2 cores or {-(-servers // 8)} of 8) behind a "
          f"sticky load balancer on one PostgreSQL, plus the database's own cores")
    return per_server


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
    parser.add_argument("--actions", type=int, default=0, metavar="K",
                        help="only time K closes and reopenings of LP7 seen by --participants phones that have "
                             "answered everything")
    parser.add_argument("--postgres", action="store_true", help="use a fresh schema on the local PostgreSQL")
    parser.add_argument("--drop-acks", type=float, default=0.0,
                        help="share of joins and answers whose acknowledgement is lost and which are sent again")
    parser.add_argument("--watch", type=float, default=6.0,
                        help="seconds phones are given to see the close and then the end, once the console shows it")
    parser.add_argument("--post-script-gc", action="store_true",
                        help="start the servers with --runner.postScriptGC true (Streamlit's default: a full "
                             "gc.collect after every run; the app's config turns it off)")
    args = parser.parse_args()
    if args.post_script_gc:
        EXTRA.extend(["--runner.postScriptGC", "true"])

    from leverage.core.schema import answers, workshop_answers, workshop_participants
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
            finished = answered_participants(service, made["code"], 50, "seed")[0]  # answers every point
            me = service.join(made["code"], "measured")
            w2 = service.create(org, "Waiting", ["LP1"], round_name="Waiting", min_n=5)
            waiting = service.join(w2["code"], "waiting")
            server = start_server(database_url, tmp / "server.log")
            try:
                gc = "true (Streamlit's default)" if args.post_script_gc else "false (.streamlit/config.toml)"
                print(f"per-run costs, runner.postScriptGC {gc}, {'PostgreSQL' if args.postgres else 'SQLite'}:")
                costs = asyncio.run(per_run_costs(server.base, server.pid, made["code"], me.token, waiting.token,
                                                  w2["code"], finished))
                capacity_model(costs)
            finally:
                server.terminate()
                server.wait(timeout=20)
                store.dispose()
            return
        if args.actions:
            tokens = answered_participants(service, made["code"], args.participants, "answered")
            servers = [start_server(database_url, tmp / f"server{k}.log") for k in range(args.servers)]
            try:
                print(f"{args.participants} phones that answered everything, {args.servers} server(s) on "
                      f"{'PostgreSQL' if args.postgres else 'SQLite'}:")
                asyncio.run(action_bursts([p.base for p in servers], [p.pid for p in servers], made["code"],
                                          tokens, args.actions))
            finally:
                for p in servers:
                    p.terminate()
                    p.wait(timeout=20)
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
            people = conn.execute(sa.select(sa.func.count()).select_from(workshop_participants)).scalar_one()
            saved = conn.execute(sa.select(sa.func.count()).select_from(answers)).scalar_one()
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
    print(f"participants: {args.participants} started, {res.joined} joined, {people} stored "
          f"({'exactly once each' if people == res.joined == args.participants else 'NOT once each'}), "
          f"{res.finished} finished all 7 points; {res.resent} joins and answers resent after a dropped "
          f"acknowledgement (--drop-acks {args.drop_acks}); {res.polls} room fragment reruns after a change")
    print(f"answers: acknowledged {res.acknowledged}, stored {stored} "
          f"({'equal' if stored == res.acknowledged else 'NOT EQUAL'}; target {args.participants * 35}); "
          f"saved into the round at the end: {saved} ({'all' if saved == stored else 'NOT ALL'})")
    cut = " (STOPPED at --max-seconds)" if res.done < args.participants else ""
    print(f"time for everyone to finish answering: {res.answered_in:.1f} s{cut} (arrivals over "
          f"{args.arrival:.0f} s, think {args.think:.0f} s ± 50 % between forms); with the close and the end: "
          f"{elapsed:.1f} s")
    for command, sent, acked in res.actions:
        print(f"console: {command} acknowledged on the console in {1000 * (acked - sent):.0f} ms")
    for event in ("close", "end"):
        seen = res.seen.get(event, [])
        print(f"phones that saw the {event}: {len(seen)} of {res.finished}; p10 {pct(seen, .1):.2f} s, p50 "
              f"{pct(seen, .5):.2f} s, p95 {pct(seen, .95):.2f} s, max {max(seen, default=float('nan')):.2f} s")
    print(f"submit → recorded: p50 {pct(res.acks, .5) * 1000:.0f} ms, p95 {pct(res.acks, .95) * 1000:.0f} ms, "
          f"max {max(res.acks, default=float('nan')) * 1000:.0f} ms (n = {len(res.acks)})")
    print(f"submit → counted on the facilitator console: p50 {pct(visible, .5):.2f} s, p95 {pct(visible, .95):.2f} s "
          f"(n = {len(visible)}; console refresh every 1 s, shared counts 1 s)")
    for k, c in enumerate(cpu):
        print(f"server {k} CPU: {c:.1f} s over {wall:.0f} s = {c / wall:.2f} cores")
    print(f"client (all simulated phones, one process) CPU: {client_cpu:.1f} s = {client_cpu / wall:.2f} cores")
    if res.errors:
        print(f"errors ({len(res.errors)}): " + "; ".join(res.errors[:5]))


if __name__ == "__main__":
    main()
