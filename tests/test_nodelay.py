"""The server sends every reply at once (ui/nodelay.py): TCP_NODELAY on the connections it accepts.

Without it each rerun reached the browser about 40 ms after the server had finished it (Nagle's algorithm
against the browser's delayed acknowledgements). Checked the way `streamlit run` starts server.py: Streamlit
binds its listening socket first, then imports the app."""

from __future__ import annotations

import runpy
import socket
from pathlib import Path

import pytest

from ui import nodelay

REPO = Path(__file__).resolve().parents[1]


def accepted_no_delay(listener: socket.socket) -> int:
    """TCP_NODELAY of a connection `listener` accepts (the setting a reply is sent with)."""
    listener.setblocking(True)
    with socket.create_connection(listener.getsockname()[:2], timeout=5):
        conn, _ = listener.accept()
        with conn:
            return conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


@pytest.fixture
def streamlit_bind(monkeypatch):
    """Streamlit's own bind function, restored after the test (install wraps it)."""
    from streamlit.web.server.starlette import starlette_server

    monkeypatch.setattr(starlette_server, "_bind_socket", starlette_server._bind_socket)
    return starlette_server


def test_streamlit_alone_leaves_nagle_on(streamlit_bind):
    """The reason for ui/nodelay.py: if a Streamlit upgrade fixes this, the module can go."""
    with streamlit_bind._bind_socket("127.0.0.1", 0, 8) as listener:
        assert accepted_no_delay(listener) == 0


def test_server_py_turns_nagle_off_on_the_socket_streamlit_bound_before_importing_it(streamlit_bind):
    with streamlit_bind._bind_server_socket("127.0.0.1", "127.0.0.1", 0, 8)[0] as listener:
        runpy.run_path(str(REPO / "server.py"), run_name="server")  # what uvicorn does after binding
        assert accepted_no_delay(listener) == 1


def test_sockets_bound_later_have_it_too(streamlit_bind):
    """Streamlit binds again when the configured port is taken (server.py is imported by then)."""
    assert nodelay.install() and nodelay.install()  # once wrapped, not twice
    with streamlit_bind._bind_socket("127.0.0.1", 0, 8) as listener:
        assert accepted_no_delay(listener) == 1


def test_only_listening_tcp_sockets_are_touched():
    left, right = socket.socketpair()
    with socket.create_server(("127.0.0.1", 0)) as listener, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, left, right:
        found = list(nodelay.listening_sockets())
        names = set()
        for sock in found:
            with sock:
                names.add(sock.getsockname())
        assert listener.getsockname() in names
        assert udp.fileno() > 0 and left.fileno() > 0  # untouched and still open
        assert all(sock.type == socket.SOCK_STREAM for sock in found)
