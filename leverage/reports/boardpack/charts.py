"""Each aim's chart drawn for a writer: vector PDFs for the paper, PNG pictures for the deck.

One function for both, so that which aims get a chart, and the reason written in place of one that is not
drawn, are the same in both formats. An aim with no measurements has nothing to draw; a renderer that is
missing or fails gives its reason, and the writer shows the aim's latest points instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from leverage.aims.view import AimView
from leverage.core.i18n import N_, _
from leverage.reports.chart_images import ChartImageError, ChartRenderer, ImageFormat

Progress = Callable[[float, str], None]
NO_MEASUREMENTS = N_("there are no measurements yet")
NOT_REQUESTED = N_("chart images were not requested")  # the pack was asked for without charts


@dataclass(frozen=True)
class Charts:
    images: list[bytes | str]  # per aim, in order: the drawing, or why there is none
    failed: int  # charts the renderer tried to draw and could not
    reason: str = ""  # why no chart was drawn at all ("" when there was a renderer)

    @property
    def drawn(self) -> int:
        return sum(isinstance(image, bytes) for image in self.images)

    @property
    def note(self) -> str:
        """What the file's summary says about its charts: "" when every chart that has data was drawn."""
        return self.reason or (_("some charts could not be drawn") if self.failed else "")


def draw_charts(views: Sequence[AimView], renderer: ChartRenderer | None, reason: str,
                figure: Callable[[AimView], go.Figure], fmt: ImageFormat, size: tuple[int, int],
                scale: float = 1.0, progress: Progress | None = None) -> Charts:
    """The charts of `views` drawn by `renderer` (`reason` for each when there is none), in parallel tabs.

    `progress` gets the fraction of charts drawn, from 0 to 1, and which chart was drawn.
    """
    out: list[bytes | str] = [_(NO_MEASUREMENTS) if v.result is None else reason for v in views]
    wanted = [i for i, v in enumerate(views) if v.result is not None]
    if renderer is None or not wanted:
        return Charts(out, 0, reason if renderer is None else "")
    report = progress or (lambda _f, _m: None)
    drawn = renderer.images([figure(views[i]) for i in wanted], fmt, *size, scale=scale,
                            done=lambda k: report((k + 1) / len(wanted), _("Chart {number} of {n}: {title}").format(
                                number=k + 1, n=len(wanted), title=views[wanted[k]].aim.title)))
    failed = 0
    for i, picture in zip(wanted, drawn, strict=True):
        failed += isinstance(picture, ChartImageError)
        out[i] = str(picture) if isinstance(picture, ChartImageError) else picture
    return Charts(out, failed)
