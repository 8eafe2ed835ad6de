"""The board pack as a PDF: fpdf2 draws the pages of `layout.build_layout`; Chromium draws the charts.

This module only places what the layout says (see `layout_blocks`): it decides page breaks, type sizes
and how text fits its box, never what a page says. Charts come from `aim_chart`, the app's own figure
function, drawn by kaleido as one-page PDFs and stamped onto their pages with pypdf, so they stay
vector (sharp on paper and projector, text searchable). The icons are the Board page's own SVGs, drawn
as vectors by fpdf2 with the icon's meaning as the image's alternative text. Without Chromium the pack
still builds: each chart's place holds its latest points as a table and a note that says why.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
from fpdf import FPDF
from fpdf.fonts import FontFace

from leverage.aims.charts import PRINT_SIZE, aim_chart
from leverage.aims.view import AimView
from leverage.core.i18n import _
from leverage.reports.boardpack.charts import NOT_REQUESTED, Progress, draw_charts
from leverage.reports.boardpack.content import BoardPack
from leverage.reports.boardpack.layout import build_layout
from leverage.reports.boardpack.layout_blocks import (
    Block,
    ChartSlot,
    Facts,
    Icon,
    IconRow,
    ItemList,
    Note,
    Page,
    Paragraph,
    Table,
    cell_text,
)
from leverage.reports.boardpack.pdf_stamp import Stamp, stamp_charts
from leverage.reports.chart_images import ChartRenderer, renderer, status

PAGE_W, PAGE_H, MARGIN = 297.0, 210.0, 12.0  # A4 landscape, mm
FOOTER_H = 14.0
BODY_W = PAGE_W - 2 * MARGIN
CHART_PX = PRINT_SIZE  # CSS pixels of a chart (the print layout of `aim_chart`); drawn CHART_W mm wide
CHART_W = 180.0  # the chart's column on an aim's page; the reading and questions fill the column to its right
CHART_H = CHART_W * CHART_PX[1] / CHART_PX[0]
COLUMN_GAP = 6.0
BODY_BOTTOM = PAGE_H - FOOTER_H - 4  # where text must end above the footer
INK, MUTED, RULE = (33, 33, 33), (90, 90, 90), (200, 200, 200)
ZEBRA = (246, 248, 250)
NOTE_FILL = (255, 243, 205)  # a pale amber box: "this chart is a table"
HEAD_FILL = (235, 240, 245)
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts",
             "/Library/Fonts", "C:/Windows/Fonts")
# Paragraph styles: (size pt, bold, colour, space after mm).
STYLES = {"lead": (12, False, INK, 0), "body": (10, False, INK, 0), "muted": (10, False, MUTED, 2),
          "strong": (12, True, INK, 0), "small": (8, False, MUTED, 0)}
ICON = 7.0  # mm, an icon in the summary's rows
ROW_H = 13.0  # mm, a row of the summary: three lines of text beside an icon
KEEP_WITH_NEXT = 70.0  # mm a section that continues on the same sheet needs below its heading

HEADINGS = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)

logging.getLogger("fpdf.svg").setLevel(logging.ERROR)  # it reports each <title> it skips; titles are alt text


@dataclass(frozen=True)
class PackResult:
    pdf: bytes
    pages: int
    charts_drawn: int
    chart_note: str  # "" when every chart was drawn; else why the pack shows tables instead


def _fonts() -> tuple[Path, Path] | None:
    """DejaVu Sans (regular, bold) when installed: it covers the text people type (ø, é, ≥, –)."""
    for folder in FONT_DIRS:
        regular, bold = Path(folder) / "DejaVuSans.ttf", Path(folder) / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _PackPdf(FPDF):
    """Pages with a footer that says what the page was computed from, and the pack's few text styles."""

    def __init__(self) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=FOOTER_H + 4)
        self.footer_text = ""
        fonts = _fonts()
        self.unicode = fonts is not None
        if fonts:
            self.add_font("body", "", str(fonts[0]))
            self.add_font("body", "B", str(fonts[1]))
            self.add_font("arial", "B", str(fonts[1]))  # the icons' SVG text asks for Arial bold
            self.family = "body"
        else:
            self.family = "helvetica"
            self.core_fonts_encoding = "windows-1252"  # has – — • “ ” … (Latin-1 has none of them)
        self.set_creator("Leverage")

    def normalize_text(self, text: str) -> str:
        """Every text drawn passes here: without a Unicode font, what Windows-1252 lacks becomes near text."""
        if not self.unicode:
            text = text.replace("≥", ">=").replace("≤", "<=").replace("−", "-")
            text = text.encode("windows-1252", "replace").decode("windows-1252")
        return super().normalize_text(text)

    def new_page(self, footer: str) -> None:
        self.add_page()
        self.footer_text = footer

    def font(self, size: float, bold: bool = False, colour: tuple[int, int, int] = INK) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*colour)

    def para(self, text: str, size: float = 10, bold: bool = False, colour: tuple[int, int, int] = INK,
             h: float | None = None, w: float = 0) -> None:
        self.font(size, bold, colour)
        self.multi_cell(w, h or size * 0.5, text, new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str, size: float = 18) -> None:
        self.para(text, size, bold=True, h=size * 0.48)
        self.ln(1.5)

    def footer(self) -> None:
        self.set_y(-FOOTER_H)
        self.set_draw_color(*RULE)
        self.line(MARGIN, self.get_y() - 1, PAGE_W - MARGIN, self.get_y() - 1)
        self.font(7, colour=MUTED)
        self.multi_cell(PAGE_W - 2 * MARGIN - 18, 3.2, self.footer_text, new_x="RIGHT", new_y="TOP")
        self.cell(18, 3.2, f"{self.page_no()}", align="R")

    def svg(self, icon: Icon, x: float, y: float, size: float) -> None:
        """An icon drawn from its SVG, with the icon's meaning (its SVG <title>) as the image's alternative text."""
        svg = icon.svg
        if not self.unicode:
            svg = svg.replace("–", "-")
        self.image(io.BytesIO(svg.encode()), x=x, y=y, w=size, h=size, alt_text=icon.label, title=icon.label)


def _figure(view: AimView) -> go.Figure:
    return aim_chart(view, height=CHART_PX[1], width=CHART_PX[0], for_print=True)


def _fit(pdf: _PackPdf, text: str, width: float, line_h: float, max_lines: int) -> str:
    """`text` cut (with …) so that it wraps into at most `max_lines` lines of `width` mm in the current font."""
    lines = pdf.multi_cell(width, line_h, text, dry_run=True, output="LINES")
    if len(lines) <= max_lines:
        return text
    kept = " ".join(lines[:max_lines]).rstrip()
    while kept and len(pdf.multi_cell(width, line_h, kept + "…", dry_run=True, output="LINES")) > max_lines:
        kept = kept[:-1].rstrip()
    return kept + "…"


def _height(pdf: _PackPdf, text: str, width: float, line_h: float) -> float:
    """The height `text` takes wrapped into `width` mm in the current font."""
    return len(pdf.multi_cell(width, line_h, text, dry_run=True, output="LINES")) * line_h


def build_pdf(pack: BoardPack, renderer: ChartRenderer | None, no_chart_reason: str = "",
              progress: Progress | None = None) -> PackResult:
    """The board pack PDF. `renderer` None: tables in place of charts, with `no_chart_reason` on them."""
    report = progress or (lambda _f, _m: None)
    note = "" if renderer is not None else (no_chart_reason or _("chart images were not available"))
    if renderer is not None and pack.views:
        report(0.02, _("Starting the chart renderer…"))
    charts = draw_charts(pack.views, renderer, note, _figure, "pdf", CHART_PX,
                         progress=lambda f, m: report(0.05 + 0.8 * f, m))
    report(0.86, _("Laying out the pages"))
    doc = build_layout(pack, note)
    pdf = _PackPdf()
    pdf.set_title(doc.title)
    pdf.set_subject(doc.subject)
    pdf.set_author(doc.author)
    stamps: list[Stamp] = []
    pictures = iter(charts.images)
    for page in doc.pages:
        if page.kind == "aim":
            picture = next(pictures)
            index, top = _aim_page(pdf, page, picture)
            if isinstance(picture, bytes):
                stamps.append(Stamp(index, MARGIN, top, CHART_W, CHART_H, picture))
        elif page.kind == "cover":
            _cover(pdf, page)
        else:
            _section(pdf, page)
    raw = bytes(pdf.output())
    report(0.96, _("Placing the charts"))
    data = stamp_charts(raw, stamps, PAGE_H) if stamps else raw
    report(1.0, _("Done"))
    return PackResult(pdf=data, pages=pdf.page_no(), charts_drawn=charts.drawn, chart_note=charts.note)


def make_pdf(pack: BoardPack, charts: bool = True, progress: Progress | None = None) -> PackResult:
    """The pack with this process's Chromium when there is one; otherwise tables, saying why."""
    chosen = renderer() if charts else None
    reason = status().reason if charts else _(NOT_REQUESTED)
    return build_pdf(pack, chosen, reason, progress)


# --- pages -------------------------------------------------------------------------------------------------
def _cover(pdf: _PackPdf, page: Page) -> None:
    pdf.new_page(page.footer)
    pdf.ln(18)
    pdf.para(page.kicker, 14, colour=MUTED)
    pdf.para(page.title, 30, bold=True, h=13)
    pdf.ln(4)
    _blocks(pdf, page.blocks, page.footer)


def _section(pdf: _PackPdf, page: Page) -> None:
    """A page of blocks one below another; one that `continues` follows on the same sheet under a heading."""
    if not page.continues:
        pdf.new_page(page.footer)
        pdf.heading(page.title)
    else:
        if pdf.get_y() > PAGE_H - KEEP_WITH_NEXT:
            pdf.new_page(page.footer)
        pdf.para(page.title, 12, bold=True)
    _blocks(pdf, page.blocks, page.footer)


def _blocks(pdf: _PackPdf, blocks: Sequence[Block], footer: str = "") -> None:
    for block in blocks:
        if isinstance(block, Paragraph):
            size, bold, colour, after = STYLES[block.style]
            if block.style == "small":
                pdf.ln(2)
            pdf.para(block.text, size, bold, colour)
            pdf.ln(after)
        elif isinstance(block, Facts):
            for line in block.lines:
                pdf.para(line, 14)
        elif isinstance(block, ItemList):
            pdf.ln(6)
            pdf.para(block.title, 13, bold=True)
            pdf.para("\n".join(f"•  {item}" if block.bullets else item for item in block.items), 10)
        elif isinstance(block, Note):
            pdf.ln(4)
            _note_box(pdf, block.text)
        elif isinstance(block, Table):
            if block.title:
                pdf.para(block.title, 11, bold=True)
                pdf.ln(1)
            if not block.rows:
                pdf.para(block.empty, 12)
            elif block.has_icons:
                _icon_table(pdf, block, footer)
            else:
                _table(pdf, block)
            pdf.ln(4)
        else:
            raise TypeError(f"a PDF page cannot draw {type(block).__name__} here")


def _note_box(pdf: _PackPdf, text: str, width: float = 0) -> None:
    pdf.set_fill_color(*NOTE_FILL)
    pdf.font(10, bold=True)
    pdf.multi_cell(width, 5.5, text, fill=True, border=0, padding=2, new_x="LMARGIN", new_y="NEXT")


def _table(pdf: _PackPdf, table: Table, compact: bool = False, width: float = BODY_W) -> None:
    """A table with its heading row repeated on each page it runs over; numbers aligned right."""
    size, line, pad = (8, 4.2, 0.6) if compact else (9, 4.6, 0.8)
    pdf.font(size)
    with pdf.table(col_widths=table.widths(width), line_height=line, width=width, align="LEFT",
                   text_align=tuple(c.align.upper() for c in table.columns), headings_style=HEADINGS,
                   cell_fill_color=ZEBRA, cell_fill_mode="ROWS", padding=pad,
                   repeat_headings=1 if table.repeat_header else 0) as drawn:
        drawn.row(table.header)
        for row in table.texts():
            drawn.row(row)


def _icon_table(pdf: _PackPdf, table: Table, footer: str) -> None:
    """Rows of three lines with the icons drawn beside their words; the header again on each new page."""
    widths = table.widths(BODY_W)
    _icon_table_head(pdf, table, widths)
    for row in table.rows:
        if pdf.get_y() + ROW_H > PAGE_H - FOOTER_H - 4:
            pdf.new_page(footer)
            if table.repeat_header:
                _icon_table_head(pdf, table, widths)
        x0, y0 = pdf.get_x(), pdf.get_y()
        x = x0
        for column, cell, w in zip(table.columns, row.cells, widths, strict=True):
            if isinstance(cell, Icon):
                pdf.svg(cell, x + 0.5, y0 + (ROW_H - ICON) / 2, ICON)
                pdf.set_xy(x + ICON + 1.5, y0 + 1)
                pdf.font(7.5)
                pdf.multi_cell(w - ICON - 2, 3.3, _fit(pdf, cell.caption, w - ICON - 2, 3.3, 3), align="L",
                               new_x="RIGHT", new_y="TOP")
            else:
                size = 9 if column.name == table.columns[0].name else 8.5
                pdf.set_xy(x + 0.5, y0 + 1)
                pdf.font(size, column.strong)
                # what three lines of the row hold, at most
                pdf.multi_cell(w - 1, 3.6, _fit(pdf, cell_text(cell), w - 1, 3.6, 3), align="L",
                               new_x="RIGHT", new_y="TOP")
            x += w
        pdf.set_draw_color(*RULE)
        pdf.line(x0, y0 + ROW_H, x0 + sum(widths), y0 + ROW_H)
        pdf.set_xy(x0, y0 + ROW_H)


def _icon_table_head(pdf: _PackPdf, table: Table, widths: list[float]) -> None:
    pdf.set_fill_color(*HEAD_FILL)
    pdf.font(9, bold=True)
    for name, w in zip(table.header, widths, strict=True):
        pdf.cell(w, 7, name, fill=True)
    pdf.ln(7)


def _aim_page(pdf: _PackPdf, page: Page, picture: bytes | str) -> tuple[int, float]:
    """Title and measure; the chart (stamped later) or its table on the left, its numbered annotations under it;
    the reading, icons and questions to ask in the column on the right.

    Returns the page's index and the chart's top (mm), for the chart's stamp.
    """
    pdf.new_page(page.footer)
    pdf.font(17, bold=True)
    pdf.multi_cell(BODY_W, 7.5, _fit(pdf, page.title, BODY_W, 7.5, 2), new_x="LMARGIN", new_y="NEXT")
    slot = page.first(ChartSlot)
    at = page.blocks.index(slot)
    for block in page.blocks[:at]:
        if isinstance(block, Paragraph):
            pdf.font(10, colour=MUTED)
            pdf.multi_cell(BODY_W, 5, _fit(pdf, block.text, BODY_W, 5, 2), new_x="LMARGIN", new_y="NEXT")
    index = pdf.page_no() - 1
    top = pdf.get_y() + 2
    pdf.set_y(top)
    if isinstance(picture, bytes):
        pdf.set_y(top + CHART_H + 1.5)
        _annotation_key(pdf, slot.key)
    else:
        _note_box(pdf, slot.note(picture), CHART_W)
        pdf.ln(1.5)
        if slot.fallback.rows:
            _table(pdf, slot.fallback, compact=True, width=CHART_W)
        else:
            pdf.para(slot.fallback.empty, 10, w=CHART_W)
    _reading(pdf, page, page.blocks[at + 1:], top)
    return index, top


def _annotation_key(pdf: _PackPdf, key: Sequence[str]) -> None:
    """The chart's numbered annotations in words, under the chart; as many lines as the page holds."""
    if not key:
        return
    pdf.font(7.5, colour=MUTED)
    room = int((BODY_BOTTOM - pdf.get_y()) // 3.3)
    text = _fit(pdf, "   ".join(key), CHART_W, 3.3, max(room, 1))
    pdf.multi_cell(CHART_W, 3.3, text, align="L", new_x="LMARGIN", new_y="NEXT")


def _reading(pdf: _PackPdf, page: Page, blocks: Sequence[Block], top: float) -> None:
    """The facts, projection and icons, then the questions to ask, in the column right of the chart.

    Questions that do not fit above the footer continue on the next page, under the aim's title.
    """
    x = MARGIN + CHART_W + COLUMN_GAP
    width = PAGE_W - MARGIN - x
    pdf.set_xy(x, top)
    for block in blocks:
        if isinstance(block, Facts):
            for line in block.lines:
                pdf.set_x(x)
                pdf.font(10, bold=True)
                pdf.multi_cell(width, 4.8, line, align="L", new_x="LEFT", new_y="NEXT")
            if block.note:
                pdf.set_x(x)
                pdf.font(8, colour=MUTED)
                pdf.multi_cell(width, 3.6, block.note, align="L", new_x="LEFT", new_y="NEXT")
            pdf.ln(1)
        elif isinstance(block, IconRow):
            for icon in block.icons:
                y = pdf.get_y() + 0.8
                pdf.svg(icon, x, y, ICON + 1)
                pdf.set_xy(x + ICON + 2.5, y + 0.5)
                pdf.font(8)
                caption = _fit(pdf, icon.caption, width - ICON - 2.5, 3.5, 2)
                pdf.multi_cell(width - ICON - 2.5, 3.5, caption, align="L", new_x="LEFT", new_y="NEXT")
                pdf.set_xy(x, max(pdf.get_y(), y + ICON + 1) + 0.8)
    for block in blocks:
        if isinstance(block, ItemList):
            _questions(pdf, page, block, x, width)


def _questions(pdf: _PackPdf, page: Page, block: ItemList, x: float, width: float) -> None:
    pdf.set_x(x)
    pdf.ln(1.5)
    pdf.set_x(x)
    pdf.font(10.5, bold=True)
    pdf.multi_cell(width, 5, block.title, new_x="LEFT", new_y="NEXT")
    for item in block.items:
        pdf.font(8.5)
        text = f"•  {item}"
        if pdf.get_y() + _height(pdf, text, width, 3.8) > BODY_BOTTOM:  # the rest on the next page, full width
            pdf.new_page(page.footer)
            pdf.font(12, bold=True)
            continued = _("{list} (continued): {page}").format(list=block.title, page=page.title)
            pdf.multi_cell(BODY_W, 5.5, _fit(pdf, continued, BODY_W, 5.5, 2),
                           new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
            x, width = MARGIN, BODY_W
            pdf.font(8.5)
        pdf.set_x(x)
        pdf.multi_cell(width, 3.8, text, align="L", new_x="LEFT", new_y="NEXT")
        pdf.ln(0.6)
