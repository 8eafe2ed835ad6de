"""Send every reply at once: TCP_NODELAY on the sockets the server accepts.

Why: Streamlit's server (1.67, Starlette and uvicorn) binds its listening socket without naming the protocol,
so asyncio does not recognise the accepted connections as TCP and leaves Nagle's algorithm on. A run sends
its page as several small websocket messages; with Nagle on, every message after the first waits for the
acknowledgement of the first, which the receiving computer delays on purpose (40 ms on Linux, longer on
some systems). Every rerun then reached the browser that much after the server had finished it (measured
on Linux: a phone's room redraw
took 44 ms from request to last message for 2 ms of script, 4 ms with this fix;
benchmarks/workshop_load.py --per-run prints both). In a workshop this was the pace at which a room of
phones could be told of a facilitator's action, a few at a time.

An accepted socket inherits TCP_NODELAY from the listening socket (Linux, BSD, macOS), so it is set there.
`streamlit run` binds the listening socket before it imports server.py, so `install` sets it on the
listening TCP sockets the process already has (found by their file descriptors, with public socket calls
only), and wraps Streamlit's private `_bind_socket` for any it binds later (another port when the first
is taken). tests/test_nodelay.py checks the server as `scripts/run` starts it.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import stat
from collections.abc import Callable, Iterator

_LOG = logging.getLogger(__name__)


def no_delay(sock: socket.socket) -> socket.socket:
    """Turn Nagle's algorithm off on a TCP socket (connections it accepts inherit it)."""
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def listening_sockets(highest_fd: int = 4096) -> Iterator[socket.socket]:
    """This process's listening TCP sockets, each as a duplicate of its descriptor (options set on it apply to
    the original; the caller closes it)."""
    try:
        fds = sorted(int(name) for name in os.listdir("/proc/self/fd"))
    except OSError:  # no /proc (macOS): try the low descriptors
        fds = list(range(3, highest_fd))
    for fd in fds:
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        try:
            if (sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM
                    and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)):
                yield sock
                continue
        except OSError:
            pass
        sock.close()


def install() -> bool:
    """Make the Streamlit server's listening sockets, bound already or later, send without delay. True if the
    hook for later ones is in place."""
    for sock in listening_sockets():
        with sock:
            no_delay(sock)
    try:
        from streamlit.web.server.starlette import starlette_server
    except ImportError:  # pragma: no cover - Streamlit without its Starlette server
        _LOG.warning("TCP_NODELAY not set: Streamlit's Starlette server was not found")
        return False
    bind: Callable[..., socket.socket] | None = getattr(starlette_server, "_bind_socket", None)
    if bind is None:
        _LOG.warning("TCP_NODELAY not set: Streamlit no longer has starlette_server._bind_socket")
        return False
    if getattr(bind, "_leverage_no_delay", False):
        return True

    @functools.wraps(bind)
    def bind_without_delay(*args, **kwargs) -> socket.socket:
        return no_delay(bind(*args, **kwargs))

    bind_without_delay._leverage_no_delay = True  # type: ignore[attr-defined]
    starlette_server._bind_socket = bind_without_delay
    return True
