"""The one HTTP route beside Streamlit's: a phone's long poll for its workshop's version.

Why: a phone that follows the room through a Streamlit fragment costs a script run every poll (about 4-5 ms
of server CPU each, docs/deployment.md#workshop-capacity); two hundred phones polling every second would
take a core before anyone answers. Instead the phone page holds one open request here
(`GET /api/live/<workshop id>/<signature>?after=<version it was drawn from>`), answered from the process's
shared copy of the versions (`LiveVersions`, one tiny query for every workshop every 0.25 s) as soon as the
version moves, or after HOLD_SECONDS with the same version (the phone asks again). Only then does the
phone rerun its page, once per facilitator action.

The signature (HMAC with the installation key) makes the address unguessable, so no one can list which
workshops exist or watch one they were not given; the answer holds only a version number and a status.
Until a page of this process has opened the shared copy (a worker that just started), the route answers
503 and the phone tries again shortly.
"""

from __future__ import annotations

import asyncio
import threading

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from leverage.access import signing
from leverage.workshops.live_versions import LiveVersions

PATH = "/api/live/{workshop_id:int}/{signature}"
HOLD_SECONDS = 20.0  # below every proxy's idle timeout (scripts/serve's HAProxy: 1 minute)
PURPOSE = "live-room"
NO_STORE = {"Cache-Control": "no-store"}

_lock = threading.Lock()
_served: dict[str, object] = {}  # "versions" -> LiveVersions, "key" -> bytes


def serve(versions: LiveVersions, key: bytes) -> None:
    """Answer long polls from `versions` (called once per process, when the live pages open it)."""
    with _lock:
        _served.update(versions=versions, key=key)


def base_path() -> str:
    """Where the app is served (`server.baseUrlPath`, "" at the root): the route sits under it, as Streamlit's
    own routes do, so a proxy that forwards only that path forwards the polls too."""
    from streamlit import config

    inner = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{inner}" if inner else ""


def address(workshop_id: int, key: bytes) -> str:
    """The path a phone of this workshop polls."""
    return f"{base_path()}/api/live/{int(workshop_id)}/{signing.sign(key, PURPOSE, str(int(workshop_id)))}"


async def live_version(request: Request) -> Response:
    with _lock:
        versions, key = _served.get("versions"), _served.get("key")
    if not isinstance(versions, LiveVersions) or not isinstance(key, bytes):
        return PlainTextResponse("not ready", status_code=503, headers={**NO_STORE, "Retry-After": "2"})
    workshop_id = int(request.path_params["workshop_id"])
    if not signing.verify(key, PURPOSE, str(workshop_id), str(request.path_params["signature"])):
        return PlainTextResponse("not found", status_code=404, headers=NO_STORE)
    try:
        after = int(request.query_params.get("after", "-2"))
    except ValueError:
        return PlainTextResponse("after must be a whole number", status_code=400, headers=NO_STORE)
    waiting = asyncio.ensure_future(versions.wait_for_change(workshop_id, after, HOLD_SECONDS))
    gone = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({waiting, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
        if not waiting.done():  # the phone left (a closed tab, a redrawn page): it must not hold a turn
            waiting.cancel()
    if not waiting.done() or waiting.cancelled():
        return Response(status_code=204, headers=NO_STORE)  # no one is listening
    version, status = waiting.result()
    return JSONResponse({"version": version, "status": status}, headers=NO_STORE)


async def _disconnected(request: Request) -> None:
    """Returns when the client has gone (a GET has no body: the next message is the disconnect)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def routes() -> list[Route]:
    """The route for `st.App` (server.py), under the configured base path."""
    return [Route(base_path() + PATH, live_version, methods=["GET"])]
