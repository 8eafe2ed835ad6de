"""HAProxy in front of the app's workers: its configuration, and its runtime API (the admin socket).

Why HAProxy and these settings: a Streamlit session lives in one server process, over one long websocket
(`/_stcore/stream`), so the balancer must keep a browser on one worker (a cookie it inserts itself), pass
websockets with a long tunnel timeout, check `/_stcore/health` and take a worker out when it stops
answering, and send a browser whose worker died to another one at once (`option redispatch`: the retry goes
elsewhere, and the phone's next request starts a new session there; the participant token in the link keeps
it the same participant). Every worker slot has two server lines, `wKa` and `wKb`, of which one is in
rotation and the other in maintenance: a reload starts the new process on the idle line, puts it in
rotation through the runtime API, then takes the old one out, so the room is never without a server.
"""

from __future__ import annotations

import csv
import io
import socket
from dataclasses import dataclass
from pathlib import Path

BACKEND = "workers"
COOKIE = "LEVERAGE_WORKER"
#: Per-connection cap of the whole balancer; each proxied connection holds two file descriptors.
MAX_CONNECTIONS = 8192


@dataclass(frozen=True)
class Slot:
    """One worker slot: two ports (lines `a` and `b`), of which `active` is in rotation."""

    number: int
    ports: tuple[int, int]
    active: str = "a"

    def server(self, line: str) -> str:
        return f"w{self.number}{line}"

    def port(self, line: str) -> int:
        return self.ports[0 if line == "a" else 1]

    @property
    def idle(self) -> str:
        return "b" if self.active == "a" else "a"


def config(slots: list[Slot], port: int, address: str, socket_path: Path, tls_cert: Path | None = None,
           max_connections: int = MAX_CONNECTIONS) -> str:
    """The whole haproxy.cfg for these slots (the idle line of each slot starts in maintenance)."""
    bind = f"    bind {address}:{port}"
    if tls_cert is not None:
        bind += f" ssl crt {tls_cert} alpn http/1.1"  # websockets ride HTTP/1.1 upgrades
    secure = " secure" if tls_cert is not None else ""
    servers = []
    for slot in slots:
        for line in ("a", "b"):
            off = "" if line == slot.active else " disabled"
            name = slot.server(line)
            servers.append(f"    server {name} 127.0.0.1:{slot.port(line)} cookie {name}{off}")
    return "\n".join([
        "# Written by `python -m leverage serve` at each start; edits are overwritten.",
        "global",
        f"    maxconn {max_connections}",
        f"    stats socket {socket_path} mode 600 level admin",
        "    log stderr format raw local0 notice",  # server up/down and alerts; no line per request
        "    ssl-default-bind-options ssl-min-ver TLSv1.2",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option dontlognull",
        "    option redispatch 1",  # every retry may go to another worker: a dead one is skipped at once
        "    retries 3",
        "    retry-on conn-failure empty-response",  # a worker killed mid-request: the request goes to another
        "    timeout connect 3s",
        "    timeout client 1m",
        "    timeout server 1m",
        "    timeout http-request 15s",
        "    timeout http-keep-alive 15s",
        "    timeout queue 30s",
        "    timeout tunnel 4h",  # an open websocket: a phone may sit in a plenary for hours
        "    timeout client-fin 10s",
        "    timeout server-fin 10s",
        "    timeout check 10s",
        "",
        "frontend hall",
        bind,
        "    option forwardfor",
        "    http-request set-header X-Forwarded-Proto https if { ssl_fc }",
        f"    default_backend {BACKEND}",
        "",
        f"backend {BACKEND}",
        "    balance leastconn",  # long websockets: the worker with the fewest open ones takes the next phone
        f"    cookie {COOKIE} insert indirect nocache httponly{secure} attr SameSite=Lax",
        "    option httpchk GET /_stcore/health",
        "    http-check expect string ok",
        # A killed worker fails its checks at once (connection refused) and is out within about 3 s; a busy one
        # gets 10 s to answer. Its open websockets are left alone when it is marked down: a dead worker's
        # close by themselves, and cutting a busy one's would send its whole room to the others at once.
        "    default-server check inter 2s fastinter 1s downinter 1s fall 3 rise 2",
        *servers,
        "",
    ])


class RuntimeApi:
    """HAProxy's runtime API over its admin socket: take a server in or out, read servers' states."""

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path

    def command(self, line: str, timeout: float = 5.0) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(self.socket_path))
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks).decode(errors="replace")

    def set_state(self, server: str, state: str) -> None:
        """`ready` (in rotation, checked), `drain` or `maint` (out of rotation)."""
        answer = self.command(f"set server {BACKEND}/{server} state {state}").strip()
        if answer:
            raise RuntimeError(f"HAProxy refused `set server {server} state {state}`: {answer}")

    def shutdown_sessions(self, server: str) -> None:
        self.command(f"shutdown sessions server {BACKEND}/{server}")

    def states(self) -> dict[str, str]:
        """Server name -> status as HAProxy shows it (UP, DOWN, MAINT, UP 1/2, ...)."""
        text = self.command("show stat").lstrip("# ")
        out = {}
        for row in csv.DictReader(io.StringIO(text)):
            if row.get("pxname") == BACKEND and row.get("svname") not in ("BACKEND", "FRONTEND"):
                out[row["svname"]] = row.get("status", "")
        return out
