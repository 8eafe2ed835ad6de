"""The `serve` supervisor: N app workers started exactly as `scripts/run` starts one, HAProxy in front, a dead
worker restarted, a reload that replaces workers one at a time, and a clean stop.

Why a supervisor in Python rather than systemd units or a shell loop: the workers, HAProxy's configuration
and its runtime API have to move together (a reload starts a new worker on the slot's idle line, waits until
HAProxy sees it healthy, then takes the old one out), and it must behave the same on a laptop, in CI and on
a hall's server. Every child runs in its own process group and is told by the kernel to stop when the
supervisor dies (`PR_SET_PDEATHSIG`), so no worker outlives it, even after a SIGKILL.

Files, in the state folder (default `data/serve/<port>/`): `haproxy.cfg`, `haproxy.sock` (the runtime
API), `status.json` (pids, ports, restarts; read by `serve --status`, `--reload`, `--stop` and tests),
`worker-K.log` and `haproxy.log`, and `serve.lock`, held while the supervisor runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import fcntl
import json
import os
import resource
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from leverage.cli import haproxy
from leverage.cli.server_commands import shipped_command
from leverage.core.settings import PROJECT_ROOT

STARTUP_TIMEOUT = 120.0  # a worker's first health answer (imports, schema check) on a busy machine
STOP_GRACE = 10.0  # seconds a worker gets to stop after SIGTERM before SIGKILL
CRASH_WINDOW = 30.0  # a worker that dies this soon after starting is restarted after a growing pause
HUNG_AFTER = 90.0  # a live worker HAProxy has seen down this long is stopped and started again
PR_SET_PDEATHSIG = 1


class ServeError(RuntimeError):
    """The hall cannot be served as asked; the message says why and what to do."""


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(command: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """A child in its own process group (Ctrl-C reaches only the supervisor, which stops children in order),
    stopped by the kernel if the supervisor dies."""
    with log.open("ab") as out:
        out.write(f"\n==> {dt.datetime.now().isoformat(timespec='seconds')} {' '.join(command)}\n".encode())
        out.flush()
        return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, process_group=0, preexec_fn=_die_with_parent)


def stop_process(proc: subprocess.Popen | None, grace: float = STOP_GRACE) -> None:
    """SIGTERM to the child's whole process group, SIGKILL after `grace` seconds; reaps it."""
    if proc is None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # anything the worker started (a chart browser) goes with it


def healthy(port: int, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=timeout) as resp:
            return resp.read().strip() == b"ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class Worker:
    slot: haproxy.Slot
    proc: subprocess.Popen | None = None
    started: float = 0.0
    restarts: int = 0
    next_start: float = 0.0  # after a crash loop: not before this monotonic time
    down_since: float | None = None  # HAProxy has seen it down (checks failing) since this monotonic time

    @property
    def port(self) -> int:
        return self.slot.port(self.slot.active)

    @property
    def server(self) -> str:
        return self.slot.server(self.slot.active)


@dataclass
class Plan:
    workers: int
    port: int
    address: str
    state_dir: Path
    database: str  # for messages (no password)
    tls_cert: Path | None = None
    worker_ports: list[tuple[int, int]] = field(default_factory=list)


class Supervisor:
    def __init__(self, plan: Plan, say: Callable[[str], None] = print) -> None:
        self.plan = plan
        self.say = say
        self.dir = plan.state_dir
        self.socket = self.dir / "haproxy.sock"
        self.api = haproxy.RuntimeApi(self.socket)
        self.workers = [Worker(haproxy.Slot(k + 1, ports)) for k, ports in enumerate(plan.worker_ports)]
        self.haproxy: subprocess.Popen | None = None
        self.stopping = False
        self.reload_asked = False
        self.reload = {"serial": 0, "state": "idle", "message": ""}
        self._lock = None

    # --- files ---------------------------------------------------------------------------------------
    def status(self, state: str = "running") -> dict:
        return {
            "pid": os.getpid(), "state": state, "port": self.plan.port, "address": self.plan.address,
            "tls": self.plan.tls_cert is not None, "database": self.plan.database,
            "haproxy_pid": self.haproxy.pid if self.haproxy else None,
            "workers": [{"slot": w.slot.number, "server": w.server, "port": w.port,
                         "pid": w.proc.pid if w.proc and w.proc.poll() is None else None,
                         "restarts": w.restarts} for w in self.workers],
            "reload": dict(self.reload),
            "updated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }

    def write_status(self, state: str = "running") -> None:
        tmp = self.dir / "status.json.tmp"
        tmp.write_text(json.dumps(self.status(state), indent=1))
        tmp.replace(self.dir / "status.json")

    def take_lock(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = (self.dir / "serve.lock").open("w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ServeError(f"another `serve` already runs with the state folder {self.dir} (see --status; "
                             "--reload to replace its workers, --stop to stop it)") from None

    # --- workers -------------------------------------------------------------------------------------
    def start_worker(self, worker: Worker, line: str | None = None) -> subprocess.Popen:
        line = line or worker.slot.active
        port = worker.slot.port(line)
        command = shipped_command(port=port, address="127.0.0.1")  # exactly what scripts/run executes
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        return spawn(command, self.dir / f"worker-{worker.slot.number}.log", env)

    def wait_healthy(self, proc: subprocess.Popen, port: int, what: str, timeout: float = STARTUP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServeError(f"{what} exited with code {proc.returncode} before answering; see "
                                 f"{self.dir}/{what.replace(' ', '-')}.log")
            if self.stopping:
                raise ServeError("stopped while starting")
            if healthy(port):
                return
            time.sleep(0.25)
        raise ServeError(f"{what} did not answer /_stcore/health within {timeout:.0f} s; see its log in {self.dir}")

    # --- HAProxy ---------------------------------------------------------------------------------------
    def haproxy_config(self) -> Path:
        cfg = self.dir / "haproxy.cfg"
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        room = hard if hard != resource.RLIM_INFINITY else 1 << 20
        cfg.write_text(haproxy.config([w.slot for w in self.workers], self.plan.port, self.plan.address,
                                      self.socket, self.plan.tls_cert,
                                      max_connections=max(256, min(haproxy.MAX_CONNECTIONS, (room - 200) // 2))))
        checked = subprocess.run(["haproxy", "-c", "-q", "-f", str(cfg)], capture_output=True, text=True)
        if checked.returncode != 0:
            raise ServeError("HAProxy refused its configuration: "
                             + " ".join((checked.stderr or checked.stdout).split())[:400])
        return cfg

    def start_haproxy(self) -> None:
        cfg = self.haproxy_config()
        self.socket.unlink(missing_ok=True)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by HAProxy: one fd per socket
        self.haproxy = spawn(["haproxy", "-db", "-f", str(cfg)], self.dir / "haproxy.log")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.haproxy.poll() is not None:
                tail = (self.dir / "haproxy.log").read_text(errors="replace").strip().splitlines()[-3:]
                raise ServeError(f"HAProxy exited at start (is port {self.plan.port} free?): {' | '.join(tail)}")
            if self.socket.exists():
                with contextlib.suppress(OSError):
                    self.api.states()
                    return
            time.sleep(0.1)
        raise ServeError("HAProxy did not open its admin socket within 15 s")

    # --- life cycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        self.take_lock()
        for worker in self.workers:
            worker.proc = self.start_worker(worker)
            worker.started = time.monotonic()
        for worker in self.workers:
            self.wait_healthy(worker.proc, worker.port, f"worker {worker.slot.number}")
        self.start_haproxy()
        self.write_status()

    def watch(self) -> None:
        """Restart what died; run a reload when asked; return when asked to stop."""
        checked = 0.0
        while not self.stopping:
            now = time.monotonic()
            if now - checked > 5.0:
                checked = now
                self.stop_hung_workers(now)
            for worker in self.workers:
                if worker.proc is not None and worker.proc.poll() is not None and not self.stopping:
                    code = worker.proc.returncode
                    quick = now - worker.started < CRASH_WINDOW
                    pause = min(30.0, 2.0 ** min(worker.restarts, 5)) if quick else 0.0
                    self.say(f"worker {worker.slot.number} (pid {worker.proc.pid}) exited with code {code}; "
                             f"HAProxy takes it out; restarting" + (f" in {pause:.0f} s" if pause else ""))
                    worker.proc = None
                    worker.next_start = now + pause
                    self.write_status()
                if worker.proc is None and now >= worker.next_start and not self.stopping:
                    worker.proc = self.start_worker(worker)
                    worker.started = now
                    worker.restarts += 1
                    self.write_status()
            if self.haproxy is not None and self.haproxy.poll() is not None and not self.stopping:
                self.say(f"HAProxy exited with code {self.haproxy.returncode}; restarting it")
                self.start_haproxy()
                self.write_status()
            if self.reload_asked and not self.stopping:
                self.reload_asked = False
                self.reload_workers()
            time.sleep(0.25)

    def stop_hung_workers(self, now: float) -> None:
        """A worker that is alive but has failed HAProxy's health checks for HUNG_AFTER seconds is stopped; the
        loop then starts it again like one that died."""
        try:
            states = self.api.states()
        except (OSError, RuntimeError):
            return
        for worker in self.workers:
            down = states.get(worker.server, "").startswith("DOWN")
            if not down or worker.proc is None or now - worker.started < STARTUP_TIMEOUT:
                worker.down_since = None
                continue
            worker.down_since = worker.down_since or now
            if now - worker.down_since > HUNG_AFTER:
                self.say(f"worker {worker.slot.number} (pid {worker.proc.pid}) has not answered its health check "
                         f"for {HUNG_AFTER:.0f} s; stopping it to start it again")
                stop_process(worker.proc)
                worker.down_since = None

    def reload_workers(self) -> None:
        """Replace every worker, one at a time, without leaving the room without a server."""
        self.reload = {"serial": self.reload["serial"] + 1, "state": "running", "message": "upgrading the schema"}
        self.write_status()
        try:
            upgraded = subprocess.run([sys.executable, "-m", "leverage", "db", "upgrade"], cwd=PROJECT_ROOT,
                                      capture_output=True, text=True, timeout=600)
            if upgraded.returncode != 0:
                raise ServeError(f"the schema upgrade failed: {upgraded.stderr.strip() or upgraded.stdout.strip()}")
            for worker in self.workers:
                self.replace_worker(worker)
        except (ServeError, RuntimeError, OSError, subprocess.SubprocessError) as exc:
            self.reload.update(state="failed", message=str(exc))
            self.say(f"reload failed: {exc}; the workers still running were kept")
        else:
            self.reload.update(state="done", message=f"replaced {len(self.workers)} workers")
            self.say(f"reload done: {len(self.workers)} workers replaced")
        self.write_status()

    def replace_worker(self, worker: Worker) -> None:
        slot = worker.slot
        line = slot.idle
        what = f"worker {slot.number}"
        self.reload["message"] = f"starting the new {what} on port {slot.port(line)}"
        self.write_status()
        new = self.start_worker(worker, line)
        try:
            self.wait_healthy(new, slot.port(line), what)
            self.api.set_state(slot.server(line), "ready")
            deadline = time.monotonic() + 30
            while not self.api.states().get(slot.server(line), "").startswith("UP"):
                if time.monotonic() > deadline or new.poll() is not None:
                    raise ServeError(f"HAProxy did not see the new {what} healthy within 30 s")
                time.sleep(0.2)
        except BaseException:
            with contextlib.suppress(Exception):
                self.api.set_state(slot.server(line), "maint")
            stop_process(new)
            raise
        old, old_server = worker.proc, slot.server(slot.active)
        self.api.set_state(old_server, "maint")  # no new phone goes there; its open ones reconnect elsewhere
        worker.slot = replace(slot, active=line)
        worker.proc, worker.started = new, time.monotonic()
        self.write_status()
        stop_process(old)
        self.api.shutdown_sessions(old_server)
        self.say(f"{what} replaced: now pid {new.pid} on port {slot.port(line)}")

    def stop(self) -> None:
        self.stopping = True
        self.write_status("stopping")
        stop_process(self.haproxy, grace=3.0)  # first the door, so no phone lands on a stopping worker
        for worker in self.workers:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if worker.proc is not None:
                    os.killpg(worker.proc.pid, signal.SIGTERM)
        for worker in self.workers:
            stop_process(worker.proc)
        self.socket.unlink(missing_ok=True)
        self.write_status("stopped")


def install_signal_handlers(sup: Supervisor) -> None:
    def stop(signum, _frame) -> None:
        sup.stopping = True

    def reload(_signum, _frame) -> None:
        sup.reload_asked = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, reload)
