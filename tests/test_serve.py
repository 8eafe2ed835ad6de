"""`scripts/serve`: N workers started as scripts/run starts one, HAProxy in front (sticky cookie, health checks),
a killed worker taken out and restarted, a reload that replaces workers one at a time while every request
through HAProxy keeps being answered, TLS from a certificate file, SQLite refused for more than one worker,
and a stop (Ctrl-C, SIGTERM, or the supervisor killed outright) that leaves no process behind."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from leverage.cli import haproxy
from leverage.cli.common import CliError
from leverage.cli.serve_commands import check_tls, default_workers, plan_from
from tests.helpers import postgres_schema, require_component, require_postgres

ROOT = Path(__file__).resolve().parent.parent
HAPROXY = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)


def need_haproxy() -> None:
    require_component(HAPROXY is not None, "HAProxy is not installed (scripts/test installs Debian's haproxy)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def args(**given) -> argparse.Namespace:
    base = {"workers": None, "port": free_port(), "address": "127.0.0.1", "tls_cert": None, "state_dir": None}
    return argparse.Namespace(**{**base, **given})


# --- without starting anything ---------------------------------------------------------------------------
def test_sqlite_refuses_more_than_one_worker_and_defaults_to_one(monkeypatch, tmp_path):
    monkeypatch.setenv("LEVERAGE_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    with pytest.raises(CliError, match=r"--workers 3: the store is the SQLite file .* serve several workers from "
                                       r"PostgreSQL .*copy-to URL.* or use --workers 1"):
        plan_from(args(workers=3))
    if HAPROXY is not None:
        assert plan_from(args()).workers == 1  # the default on SQLite: one worker, not one per core


def test_postgres_defaults_to_one_worker_per_core(monkeypatch):
    monkeypatch.setenv("LEVERAGE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    need_haproxy()
    plan = plan_from(args())
    assert plan.workers == default_workers() == len(os.sched_getaffinity(0))
    assert len({p for pair in plan.worker_ports for p in pair}) == 2 * plan.workers  # two lines per slot
    with pytest.raises(CliError, match="--workers must be at least 1"):
        plan_from(args(workers=0))


def test_a_tls_file_needs_a_certificate_and_a_key(tmp_path):
    with pytest.raises(CliError, match="no such file"):
        check_tls(str(tmp_path / "none.pem"))
    (tmp_path / "key.pem").write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(CliError, match="holds no certificate"):
        check_tls(str(tmp_path / "key.pem"))
    (tmp_path / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(CliError, match=r"holds no private key; append the key"):
        check_tls(str(tmp_path / "cert.pem"))
    (tmp_path / "cert.pem.key").write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    assert check_tls(str(tmp_path / "cert.pem")) == (tmp_path / "cert.pem").resolve()


def test_the_haproxy_configuration(tmp_path):
    slots = [haproxy.Slot(1, (20001, 20002)), haproxy.Slot(2, (20003, 20004), active="b")]
    text = haproxy.config(slots, 8080, "0.0.0.0", tmp_path / "h.sock")
    lines = [line.strip() for line in text.splitlines()]
    assert "bind 0.0.0.0:8080" in lines
    assert "cookie LEVERAGE_WORKER insert indirect nocache httponly attr SameSite=Lax" in lines
    assert "option httpchk GET /_stcore/health" in lines and "http-check expect string ok" in lines
    assert "timeout tunnel 4h" in lines and "option redispatch 1" in lines and "balance leastconn" in lines
    assert "retry-on conn-failure empty-response" in lines
    assert "server w1a 127.0.0.1:20001 cookie w1a" in lines  # in rotation
    assert "server w1b 127.0.0.1:20002 cookie w1b disabled" in lines  # the idle line, for the next reload
    assert "server w2a 127.0.0.1:20003 cookie w2a disabled" in lines
    assert "server w2b 127.0.0.1:20004 cookie w2b" in lines
    assert f"stats socket {tmp_path / 'h.sock'} mode 600 level admin" in lines
    tls = haproxy.config(slots, 8443, "0.0.0.0", tmp_path / "h.sock", tls_cert=Path("/x/hall.pem"))
    assert "bind 0.0.0.0:8443 ssl crt /x/hall.pem alpn http/1.1" in tls
    assert "httponly secure attr SameSite=Lax" in tls
    need_haproxy()
    (tmp_path / "h.cfg").write_text(text)
    checked = subprocess.run([HAPROXY, "-c", "-f", str(tmp_path / "h.cfg")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


# --- the real thing ----------------------------------------------------------------------------------------
class Served:
    """`scripts/serve` running in a subprocess, its state folder and helpers to look at it."""

    def __init__(self, tmp: Path, database_url: str, *extra: str, tls: bool = False, load_demo: str = "never") -> None:
        self.port = free_port()
        self.dir = tmp / "state"
        self.scheme = "https" if tls else "http"
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEVERAGE_")}
        env.update(LEVERAGE_DATABASE_URL=database_url, LEVERAGE_LOAD_DEMO=load_demo, PYTHONUNBUFFERED="1")
        env["PATH"] = env.get("PATH", "/usr/bin:/bin") + ":/usr/sbin"
        self.log = tmp / "serve.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen([str(ROOT / "scripts" / "serve"), "--port", str(self.port), "--address",
                                          "127.0.0.1", "--state-dir", str(self.dir), *extra], cwd=ROOT, env=env,
                                         stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while "serve: ready at" not in self.output():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail(f"scripts/serve did not become ready:\n{self.output()}")
            time.sleep(0.25)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def status(self) -> dict:
        return json.loads((self.dir / "status.json").read_text())

    def get(self, path: str = "/_stcore/health", cookie: str | None = None, timeout: float = 10) -> tuple[int, str]:
        """(HTTP status, the worker cookie HAProxy set) of one request through HAProxy."""
        req = urllib.request.Request(f"{self.scheme}://127.0.0.1:{self.port}{path}")
        if cookie:
            req.add_header("Cookie", f"{haproxy.COOKIE}={cookie}")
        context = ssl._create_unverified_context() if self.scheme == "https" else None  # self-signed
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=context) as resp:
                set_cookie = resp.headers.get_all("Set-Cookie") or []
                worker = next((c.split(";")[0].split("=", 1)[1] for c in set_cookie
                               if c.startswith(haproxy.COOKIE + "=")), "")
                return resp.status, worker
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    def pids(self) -> set[int]:
        """The supervisor's descendants now (HAProxy, the workers and whatever they started)."""
        return descendants(self.status()["pid"])


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    out = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":  # a zombie has exited; only its parent's bookkeeping is left
            out.add(pid)
    return out


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def pg_url():
    with postgres_schema(require_postgres()) as url:
        yield url


@pytest.mark.postgres
def test_two_workers_behind_haproxy_kill_restart_reload_and_ctrl_c(tmp_path, pg_url):
    need_haproxy()
    served = Served(tmp_path, pg_url, "--workers", "2")
    try:
        status = served.status()
        assert [w["server"] for w in status["workers"]] == ["w1a", "w2a"]
        assert all(w["pid"] for w in status["workers"])

        # sticky: a browser without the cookie gets one; with it, it stays on that worker
        code, first = served.get()
        assert code == 200 and first in ("w1a", "w2a")
        assert served.get(cookie=first) == (200, "")  # no new cookie: it stays where it is
        # the workers were started exactly as scripts/run starts one (the shipped `streamlit run` line)
        cmdline = Path(f"/proc/{status['workers'][0]['pid']}/cmdline").read_bytes().split(b"\0")
        assert b"streamlit" in cmdline and b"--server.headless" in cmdline and b"--server.fileWatcherType" not in \
            cmdline

        # a worker killed outright: its browsers are sent to the other at once, and it comes back
        victim = status["workers"][0]
        os.kill(victim["pid"], signal.SIGKILL)
        assert served.get(cookie="w1a") == (200, "w2a")  # redispatched, and re-pinned to the living worker
        wait_for(lambda: served.status()["workers"][0]["pid"] not in (None, victim["pid"]), 60, "the restart")
        api = haproxy.RuntimeApi(served.dir / "haproxy.sock")
        wait_for(lambda: api.states().get("w1a", "").startswith("UP"), 90, "HAProxy to see worker 1 up again")
        assert served.status()["workers"][0]["restarts"] == 1
        assert "worker 1 (pid" in served.output() and "exited with code -9" in served.output()

        # a reload replaces both workers one at a time; requests through HAProxy never fail meanwhile
        before = {w["pid"] for w in served.status()["workers"]}
        failures, answered, stop = [], [0], threading.Event()

        def keep_asking():
            while not stop.is_set():
                code, _ = served.get(timeout=10)
                if code != 200:
                    failures.append(code)
                answered[0] += 1
                time.sleep(0.05)

        poller = threading.Thread(target=keep_asking)
        poller.start()
        try:
            reload = subprocess.run([str(ROOT / "scripts" / "serve"), "--reload", "--state-dir", str(served.dir)],
                                    cwd=ROOT, capture_output=True, text=True, timeout=400)
        finally:
            stop.set()
            poller.join()
        assert reload.returncode == 0, reload.stdout + reload.stderr
        assert "replaced 2 workers" in reload.stdout
        after = served.status()
        assert [w["server"] for w in after["workers"]] == ["w1b", "w2b"]
        assert not before & {w["pid"] for w in after["workers"]}
        assert failures == [] and answered[0] > 10
        assert {k: v for k, v in api.states().items() if k in ("w1a", "w2a")} == {"w1a": "MAINT", "w2a": "MAINT"}

        # Ctrl-C (SIGINT to the supervisor): HAProxy and every worker stop, nothing is left behind
        children = served.pids()
        assert len(children) >= 3
        served.proc.send_signal(signal.SIGINT)
        assert served.proc.wait(timeout=60) == 0
        assert alive(children) == set()
        assert served.status()["state"] == "stopped"
        assert "serve: stopped" in served.output()
    finally:
        if served.proc.poll() is None:
            served.proc.kill()


@pytest.mark.postgres
def test_tls_and_a_killed_supervisor_leaves_no_orphans(tmp_path, pg_url):
    need_haproxy()
    openssl = shutil.which("openssl")
    require_component(openssl is not None, "openssl is not installed (to make a test certificate)")
    pem = tmp_path / "hall.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")], check=True,
                   capture_output=True)
    pem.write_text((tmp_path / "cert.pem").read_text() + (tmp_path / "key.pem").read_text())
    served = Served(tmp_path, pg_url, "--workers", "1", "--tls-cert", str(pem), tls=True)
    try:
        code, worker = served.get()
        assert (code, worker) == (200, "w1a")
        assert f"ready at https://127.0.0.1:{served.port}" in served.output()
        children = served.pids()
        assert alive(children)
        os.kill(served.status()["pid"], signal.SIGKILL)  # no chance to clean up: the kernel stops the children
        wait_for(lambda: not alive(children), 30, "the children to stop with their supervisor")
    finally:
        if served.proc.poll() is None:
            served.proc.kill()
            served.proc.wait(timeout=30)


def test_a_worker_haproxy_has_seen_down_too_long_is_stopped_to_be_started_again(tmp_path):
    """A hung worker (alive, failing its health checks) is stopped after HUNG_AFTER seconds; the watch loop then
    starts it again like one that died. A worker still starting, or seen down only briefly, is left alone."""
    from leverage.cli import supervisor

    plan = supervisor.Plan(workers=1, port=1, address="127.0.0.1", state_dir=tmp_path, database="x",
                           worker_ports=[(2, 3)])
    sup = supervisor.Supervisor(plan, say=lambda line: None)

    class Down:
        def states(self):
            return {"w1a": "DOWN", "w1b": "MAINT"}

    sup.api = Down()
    worker = sup.workers[0]
    worker.proc = supervisor.spawn(["sleep", "300"], tmp_path / "w.log")
    try:
        now = time.monotonic()
        worker.started = now  # still starting: left alone
        sup.stop_hung_workers(now)
        assert worker.down_since is None and worker.proc.poll() is None
        worker.started = now - supervisor.STARTUP_TIMEOUT - 1
        sup.stop_hung_workers(now)
        assert worker.down_since == now and worker.proc.poll() is None  # seen down: the clock starts
        sup.stop_hung_workers(now + supervisor.HUNG_AFTER - 1)
        assert worker.proc.poll() is None
        sup.stop_hung_workers(now + supervisor.HUNG_AFTER + 1)
        assert worker.proc.poll() is not None  # stopped; watch() starts it again
    finally:
        supervisor.stop_process(worker.proc, grace=1)


def test_one_worker_on_the_sqlite_default_with_the_demo_loaded_once_before_it_starts(tmp_path):
    """The laptop case: SQLite, no --workers (one worker, not one per core), and the demo data loaded by the
    supervisor before the worker starts, so several workers would never race to load it."""
    need_haproxy()
    served = Served(tmp_path, f"sqlite:///{tmp_path}/laptop.db", load_demo="auto")
    try:
        assert "serve: loaded the demo data into the empty store" in served.output()
        assert "starting 1 worker(s)" in served.output()
        assert [w["server"] for w in served.status()["workers"]] == ["w1a"]
        assert served.get("/join") == (200, "w1a")
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(timeout=60) == 0
    finally:
        if served.proc.poll() is None:
            served.proc.kill()
    from leverage.survey.store import Store

    store = Store(f"sqlite:///{tmp_path}/laptop.db")
    try:
        assert len(store.list_organizations()) == 3
    finally:
        store.dispose()
