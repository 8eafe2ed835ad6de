"""Plotly figures as PNG, SVG or PDF bytes, drawn by kaleido in the system's Chromium.

One headless Chromium per process, started on first use and kept: starting it costs about two seconds,
drawing a chart a fifth of one. Kaleido's own global server has no timeout and is not safe for several
callers at once (Streamlit runs each session in its own thread), so the browser lives here in one
event-loop thread of our own, every call waits at most `TIMEOUT` seconds, and a browser that died is
started again on the next call.

Chromium is looked for at `LEVERAGE_CHROMIUM` (a path, or `off` to draw no images), then on PATH. When
there is none, `status()` says why in words a reader of the board pack can act on.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Literal

import plotly.graph_objects as go

from leverage.core.i18n import _

ImageFormat = Literal["png", "svg", "pdf"]
FORMATS: tuple[ImageFormat, ...] = ("png", "svg", "pdf")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
ENV_BROWSER = "LEVERAGE_CHROMIUM"
TIMEOUT = 60.0  # seconds for one image (the first call also waits for the browser to start)
TABS = 2  # figures drawn at once: these machines have two cores


class ChartImageError(RuntimeError):
    """No image could be drawn; the message says why (no browser, a crash, a timeout)."""


@dataclass(frozen=True)
class RendererStatus:
    available: bool
    reason: str  # why images cannot be drawn ("" when they can)
    browser: str | None


def find_browser(env: Mapping[str, str] | None = None) -> RendererStatus:
    """Where Chromium is, or why there is none (without starting it)."""
    env = os.environ if env is None else env
    chosen = env.get(ENV_BROWSER, "").strip()
    if chosen.lower() == "off":
        return RendererStatus(False, _("chart images are switched off ({setting}=off)").format(setting=ENV_BROWSER),
                              None)
    if chosen:
        if os.path.isfile(chosen) and os.access(chosen, os.X_OK):
            return RendererStatus(True, "", chosen)
        return RendererStatus(False, _("no Chromium browser at {setting}={path}").format(setting=ENV_BROWSER,
                                                                                         path=chosen), None)
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return RendererStatus(True, "", found)
    return RendererStatus(False, _("no Chromium browser is installed on the server (looked for {names} on PATH; set "
                                   "{setting} to its path)").format(names=", ".join(BROWSER_NAMES),
                                                                    setting=ENV_BROWSER), None)


def print_ready(fig: go.Figure, width: int, height: int) -> go.Figure:
    """A copy sized for a page: axis labels make room for themselves (the app's theme does this on screen)."""
    out = go.Figure(fig)
    out.update_layout(width=width, height=height, paper_bgcolor="white")
    margin = out.layout.margin
    out.update_layout(margin={"l": max(margin.l or 0, 16), "r": max(margin.r or 0, 16)})
    out.update_xaxes(automargin=True)
    out.update_yaxes(automargin=True, title_standoff=10)
    return out


class ChartRenderer:
    """A long-lived kaleido (headless Chromium) for one process; safe to call from many threads."""

    def __init__(self, browser: str) -> None:
        self.browser = browser
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido: Any = None
        self._failure: str | None = None

    # --- lifecycle ------------------------------------------------------------------------------------
    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="leverage-kaleido", daemon=True).start()
            self._loop = loop
        return self._loop

    async def _open(self) -> None:
        if self._kaleido is not None:
            return
        import kaleido  # imported here: the app starts without paying for it

        k = kaleido.Kaleido(n=TABS, timeout=TIMEOUT, mathjax=False, path=self.browser)
        await k.open()
        self._kaleido = k

    async def _draw(self, spec: dict, opts: dict) -> bytes:
        return await self._kaleido.calc_fig(spec, opts=opts)

    async def _close(self) -> None:
        if self._kaleido is not None:
            k, self._kaleido = self._kaleido, None
            await k.close()

    def close(self) -> None:
        """Stop the browser (it starts again on the next call)."""
        with self._lock:
            if self._loop is not None and self._kaleido is not None:
                try:
                    asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(TIMEOUT)
                except Exception:  # a browser that will not close is abandoned
                    self._kaleido = None

    # --- drawing --------------------------------------------------------------------------------------
    def image(self, fig: go.Figure, fmt: ImageFormat = "png", width: int = 1000, height: int = 520,
              scale: float = 1.0) -> bytes:
        """The figure drawn as `fmt` at width x height CSS pixels (`scale` multiplies PNG pixels)."""
        (drawn,) = self.images([fig], fmt, width, height, scale)
        if isinstance(drawn, ChartImageError):
            raise drawn
        return drawn

    def images(self, figs: Sequence[go.Figure], fmt: ImageFormat = "png", width: int = 1000, height: int = 520,
               scale: float = 1.0, done: Callable[[int], None] | None = None) -> list[bytes | ChartImageError]:
        """Several figures at once, drawn in parallel tabs; a figure that fails gives its error, not bytes.

        `done(i)` is called as each figure, in order, is ready (for a progress bar).
        """
        if fmt not in FORMATS:
            raise ValueError(f"image format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        specs = [print_ready(f, width, height).to_plotly_json() for f in figs]
        opts = {"format": fmt, "width": width, "height": height, "scale": scale}
        out: list[bytes | ChartImageError] = []
        with self._lock:
            loop = self._ensure_loop()
            try:
                asyncio.run_coroutine_threadsafe(self._open(), loop).result(TIMEOUT)
            except Exception as exc:  # no browser could start: every figure fails the same way
                self._abandon()
                error = ChartImageError(_("Chromium could not start: {error}").format(error=exc))
                return [error for _spec in specs]
            futures = [asyncio.run_coroutine_threadsafe(self._draw(spec, opts), loop) for spec in specs]
            broken = False
            for i, future in enumerate(futures):
                try:
                    out.append(future.result(TIMEOUT + 30))
                except FutureTimeout:
                    future.cancel()
                    broken = True
                    out.append(ChartImageError(_("Chromium took longer than {seconds} s to draw a chart").format(
                        seconds=f"{TIMEOUT:.0f}")))
                except Exception as exc:  # any browser failure becomes one clear error
                    broken = True
                    out.append(ChartImageError(_("Chromium could not draw the chart: {error}").format(error=exc)))
                if done is not None:
                    done(i)
            if broken:
                self._abandon()
        return out

    def _abandon(self) -> None:
        """Forget a browser that failed, so the next call starts a fresh one."""
        k, self._kaleido = self._kaleido, None
        if k is not None and self._loop is not None:
            asyncio.run_coroutine_threadsafe(_quietly_close(k), self._loop)


async def _quietly_close(k: Any) -> None:
    try:
        await k.close()
    except Exception:  # it has already failed; nothing more to report
        pass


_renderers: dict[str, ChartRenderer] = {}
_renderers_lock = threading.Lock()


def status() -> RendererStatus:
    return find_browser()


def renderer() -> ChartRenderer | None:
    """This process's renderer, or None when there is no browser (see `status()` for why)."""
    found = find_browser()
    if not found.available:
        return None
    with _renderers_lock:
        if found.browser not in _renderers:
            _renderers[found.browser] = ChartRenderer(found.browser)
        return _renderers[found.browser]


def figure_image(fig: go.Figure, fmt: ImageFormat = "png", width: int = 1000, height: int = 520,
                 scale: float = 1.0) -> bytes:
    """One figure as image bytes with this process's renderer; ChartImageError says why when impossible."""
    r = renderer()
    if r is None:
        raise ChartImageError(_("Chart images are unavailable: {reason}.").format(reason=status().reason))
    return r.image(fig, fmt, width, height, scale)


@atexit.register
def _close_all() -> None:
    for r in list(_renderers.values()):
        r.close()
