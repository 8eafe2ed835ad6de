"""The board pack as a file, PDF or PowerPoint: one entry point for the Board page and the command line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from leverage.core.i18n import _, use_language
from leverage.reports.boardpack.content import BoardPack

MIME = {".pdf": "application/pdf",
        ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class PackFile:
    data: bytes
    suffix: str  # ".pdf" or ".pptx"
    summary: str  # what is in it, for a person: "10 pages, 5 of 5 charts drawn"
    chart_note: str  # "" when charts were drawn; else why the pack shows tables in their place

    @property
    def mime(self) -> str:
        return MIME[self.suffix]


def render_pack(pack: BoardPack, suffix: str, charts: bool = True, progress: Progress | None = None,
                language: str | None = None) -> PackFile:
    """`pack` as a PDF (".pdf") or a slide deck (".pptx"), written in `language` (default: the pack's own,
    the language it was gathered in, so that its headings and its gathered texts agree)."""
    with use_language(language or pack.language):
        return _render(pack, suffix, charts, progress)


def _render(pack: BoardPack, suffix: str, charts: bool, progress: Progress | None) -> PackFile:
    if suffix not in MIME:
        raise ValueError(f"a board pack is a .pdf or a .pptx, not {suffix!r}")
    if suffix == ".pptx":
        from leverage.reports.boardpack.pptx import make_deck

        deck = make_deck(pack, images=charts, progress=progress)
        return PackFile(deck.pptx, suffix, _("{n} aim slides, {drawn} of {n} charts drawn").format(
            n=len(pack.views), drawn=deck.charts_drawn), deck.chart_note)
    from leverage.reports.boardpack.pdf import make_pdf

    result = make_pdf(pack, charts=charts, progress=progress)
    return PackFile(result.pdf, suffix, _("{pages} pages, {drawn} of {n} charts drawn").format(
        pages=result.pages, drawn=result.charts_drawn, n=len(pack.views)), result.chart_note)
