"""The board pack as a 16:9 PowerPoint deck: the pages of `layout.build_layout`, drawn as slides.

This module only places what the layout says (see `layout_blocks`); it never decides what a slide says.
Each page is a slide: the title slide; the vital few (as many slides as its rows need); one slide per
aim (its chart, or a table of its latest points, beside the readings and the questions to ask); the
self-assessment and its focus measures; each workshop of the period. A table that does not fit goes on
to a continuation slide with its header; what the layout marks as an aside goes to the speaker notes;
a page that only says there is nothing to show is left out. Every slide carries the page's footer
(rule set, data cut-off, app version, IHI citation).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from pptx import Presentation
from pptx.enum.text import MSO_ANCHOR
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide
from pptx.util import Emu, Inches

from leverage.aims.charts import aim_chart
from leverage.aims.view import AimView
from leverage.core.i18n import _
from leverage.reports import chart_images
from leverage.reports.boardpack.charts import NOT_REQUESTED, Charts, Progress, draw_charts
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
from leverage.reports.boardpack.pptx_shapes import (
    BODY_PT,
    CONTENT_W,
    GREY,
    ICON_IN,
    MARGIN,
    NOTE,
    SLIDE_H,
    SLIDE_W,
    SMALL_PT,
    band,
    choose_size,
    fill,
    footer,
    frame,
    height_in,
    icon,
    lines,
    notes,
    oval,
    table,
    text,
    text_height,
    title,
)

__all__ = ["FOCUS_ROWS", "SLIDE_H", "SLIDE_W", "DeckResult", "build_deck", "chart_pictures", "icon", "make_deck"]

CONTENT_TOP = 1.55  # an aim slide's chart
CONTENT_BOTTOM = 6.95
FLOW_TOP = 1.2  # below the title of a slide of blocks
GAP = 0.1
CHART_W_IN, CHART_H_IN = 7.1, 4.0
CHART_PX = (760, 428)  # CSS pixels of the chart image (drawn at scale 2), the picture's aspect
MAX_TABLE_ROWS = 12  # rows of a table on one slide; more go on to a continuation slide
FOCUS_ROWS = MAX_TABLE_ROWS
LAYOUT_TITLE, LAYOUT_TITLE_ONLY = 0, 5  # python-pptx's default template
STYLES = {"lead": (BODY_PT, {}), "body": (BODY_PT, {}), "muted": (SMALL_PT, {"colour": GREY}),
          "strong": (BODY_PT, {"bold": True}), "small": (SMALL_PT, {"colour": GREY})}


@dataclass(frozen=True)
class DeckResult:
    pptx: bytes
    slides: int
    charts_drawn: int
    chart_note: str  # "" when every chart was drawn; else why the deck shows tables instead


# --- charts -----------------------------------------------------------------------------------------------
def _chart_figure(view: AimView) -> go.Figure:
    # The slide's title and measure line already say what the chart's title would; the room goes to the plot.
    return aim_chart(view, height=CHART_PX[1], width=CHART_PX[0], large=True, titled=False)


def _draw(views: list[AimView], images: bool, progress: Progress | None) -> tuple[Charts, str]:
    """The charts as PNG pictures, and why none is drawn ("" when a browser draws them)."""
    chosen = chart_images.renderer() if images else None
    note = "" if chosen is not None else \
        (_(NOT_REQUESTED) if not images else chart_images.status().reason)
    return draw_charts(views, chosen, note, _chart_figure, "png", CHART_PX, scale=2, progress=progress), note


def chart_pictures(views: list[AimView], images: bool = True, progress: Progress | None = None) -> list[bytes | str]:
    """Each aim's chart as PNG bytes, or the reason it is not drawn; drawn together in parallel tabs."""
    return _draw(views, images, progress)[0].images


# --- the deck ---------------------------------------------------------------------------------------------
def make_deck(pack: BoardPack, images: bool = True, progress: Progress | None = None) -> DeckResult:
    """The deck, with how many charts were drawn and, when not all were, why."""
    report = progress or (lambda _f, _m: None)
    charts, note = _draw(pack.views, images, lambda f, m: report(0.05 + 0.8 * f, m))
    report(0.9, _("Laying out the slides"))
    doc = build_layout(pack, note)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(Inches(SLIDE_W)), Emu(Inches(SLIDE_H))
    props = prs.core_properties
    props.title, props.author, props.subject = doc.title, doc.author, doc.subject
    pictures = iter(charts.images)
    for page in doc.pages:
        if page.kind == "aim":
            _aim_slide(prs, page, next(pictures))
        elif page.optional:
            continue
        elif page.kind == "cover":
            _title_slide(prs, page)
        else:
            _flow_slides(prs, page)
    out = io.BytesIO()
    prs.save(out)
    report(1.0, _("Done"))
    return DeckResult(out.getvalue(), len(prs.slides), charts.drawn, charts.note)


def build_deck(pack: BoardPack, images: bool = True, progress: Progress | None = None) -> bytes:
    """The board pack as .pptx bytes; charts as pictures when `images` and a Chromium are available."""
    return make_deck(pack, images, progress).pptx


def _is_aside(block: Block) -> bool:
    return bool(getattr(block, "aside", False))


def _asides(page: Page) -> list[str]:
    """The text of the page's asides, for the speaker notes (aside tables are paper only)."""
    out = []
    for block in filter(_is_aside, page.blocks):
        if isinstance(block, Paragraph):
            out.append(block.text)
        elif isinstance(block, ItemList):
            out.append("\n".join([block.title, *block.items]))
    return out


def _title_slide(prs: PresentationType, page: Page) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    title(slide, page.title, top=1.6, height=1.6)
    subtitle = slide.placeholders[1]
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = (Inches(MARGIN), Inches(3.4), Inches(CONTENT_W),
                                                                    Inches(2.6))
    paragraphs: list = [(page.kicker, {"bold": True})]
    for block in page.blocks:
        if isinstance(block, Facts):
            paragraphs += block.lines
        elif isinstance(block, Note):
            paragraphs.append((block.text, {"bold": True, "colour": NOTE}))
        elif isinstance(block, Paragraph) and not block.aside:
            paragraphs.append(block.text)
    pt, fits = choose_size([p if isinstance(p, str) else p[0] for p in paragraphs], CONTENT_W, 2.6, (20, 18, 16),
                           gap_pt=6)
    tf = subtitle.text_frame
    tf.text = ""
    frame(tf, fits)
    fill(tf, paragraphs, pt=pt, gap_pt=6, colour=GREY)
    footer(slide, page.footer)
    notes(slide, _asides(page))


# --- slides of blocks, one below another -----------------------------------------------------------------
@dataclass(frozen=True)
class _Placed:
    block: Block
    top: float
    height: float
    rows: tuple[int, int] = (0, 0)  # a table's rows on this slide


def _block_height(block: Block) -> float:
    if isinstance(block, Paragraph | Note):
        pt = STYLES[block.style][0] if isinstance(block, Paragraph) else SMALL_PT
        return text_height([block.text], CONTENT_W, pt)
    if isinstance(block, Table):  # a table without rows: its `empty` sentence
        return text_height([block.empty], CONTENT_W, BODY_PT)
    if isinstance(block, Facts):
        return text_height(block.lines, CONTENT_W, BODY_PT)
    if isinstance(block, ItemList):
        return 0.45 + text_height(block.items, CONTENT_W, BODY_PT, gap_pt=4)
    raise TypeError(f"a slide of blocks cannot draw {type(block).__name__}")


def _row_heights(tbl: Table, widths: Sequence[float], least: float) -> list[float]:
    """The header's height, then each row's: the most lines any of its cells wraps to (`tbl` narrowed)."""
    icon_w = ICON_IN + 0.08
    pad = 0.15 if tbl.has_icons else 0.04  # the rows' text boxes, or the cells' margins
    heights = []
    for cells in [tbl.header, *(row.cells for row in tbl.rows)]:
        n = max(lines(cell_text(c), w - 0.12 - (icon_w if isinstance(c, Icon) else 0), SMALL_PT)
                for c, w in zip(cells, widths, strict=True))
        heights.append(max(least, height_in(n, SMALL_PT) + pad))
    if tbl.has_icons:  # the rows' ovals need room
        heights[1:] = [max(h, ICON_IN + 0.15) for h in heights[1:]]
    return heights


def _plan(page: Page) -> list[list[_Placed]]:
    """The page's blocks placed on as many slides as they need; a table runs on with its header repeated."""
    slides: list[list[_Placed]] = [[]]
    top = FLOW_TOP

    def place(block: Block, height: float, rows: tuple[int, int] = (0, 0)) -> None:
        nonlocal top
        if slides[-1] and top + height > CONTENT_BOTTOM:
            slides.append([])
            top = FLOW_TOP
        slides[-1].append(_Placed(block, top, height, rows))
        top += height + GAP

    for block in page.blocks:
        if _is_aside(block):
            continue
        if not isinstance(block, Table) or not block.rows:
            place(block, _block_height(block))
            continue
        block = block.narrow()
        head, *heights = _row_heights(block, block.widths(CONTENT_W), 0.34)
        start = 0
        while start < len(heights):
            end = start
            while (end < len(heights) and end - start < MAX_TABLE_ROWS
                   and top + head + sum(heights[start:end + 1]) <= CONTENT_BOTTOM):
                end += 1
            if end == start and slides[-1]:  # not one row fits below what is on the slide already
                slides.append([])
                top = FLOW_TOP
                continue
            end = max(end, start + 1)  # a row taller than a slide still goes on one
            place(block, head + sum(heights[start:end]), (start, end))
            start = end
            if start < len(heights):  # the rest of the table on the next slide
                slides.append([])
                top = FLOW_TOP
    return slides


def _flow_slides(prs: PresentationType, page: Page) -> None:
    plan = _plan(page)
    for number, placed in enumerate(plan, start=1):
        slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
        heading = _("{title} ({number} of {n})").format(title=page.title, number=number, n=len(plan))
        title(slide, heading if len(plan) > 1 else page.title, top=0.2, height=0.95)
        for item in placed:
            _draw_block(slide, item)
        footer(slide, page.footer)
        if number == 1:
            notes(slide, _asides(page))


def _draw_block(slide: Slide, item: _Placed) -> None:
    block, top = item.block, item.top
    if isinstance(block, Paragraph):
        pt, style = STYLES[block.style]
        text(slide, MARGIN, top, CONTENT_W, item.height, [block.text], pt=pt, **style)
    elif isinstance(block, Note):
        text(slide, MARGIN, top, CONTENT_W, item.height, [block.text], pt=SMALL_PT, bold=True, colour=NOTE)
    elif isinstance(block, Facts):
        text(slide, MARGIN, top, CONTENT_W, item.height, block.lines, pt=BODY_PT, bold=True, name=block.name)
    elif isinstance(block, ItemList):
        _questions(slide, block, MARGIN, top, CONTENT_W, item.height)
    elif not block.rows:
        text(slide, MARGIN, top, CONTENT_W, item.height, [block.empty], pt=BODY_PT)
    elif block.has_icons:
        _icon_rows(slide, block, top, *item.rows)
    else:
        _table(slide, block, MARGIN, top, CONTENT_W, *item.rows, least=0.34)


def _table(slide: Slide, tbl: Table, left: float, top: float, width: float, start: int, end: int,
           least: float) -> float:
    """Rows `start` to `end` of a (narrowed) table, as a native table; returns its height."""
    widths = tbl.widths(width)
    head, *heights = _row_heights(tbl, widths, least)
    table(slide, left, top, widths, tbl.header, tbl.texts()[start:end], [head, *heights[start:end]],
          name=tbl.name, right=[j for j, c in enumerate(tbl.columns) if c.align == "right"])
    return head + sum(heights[start:end])


def _icon_rows(slide: Slide, tbl: Table, top: float, start: int, end: int) -> None:
    """Rows drawn one by one, so that each icon sits beside its words; the header in grey above them."""
    widths = tbl.widths(CONTENT_W)
    head, *heights = _row_heights(tbl, widths, 0.34)
    x = MARGIN
    for name, width in zip(tbl.header, widths, strict=True):
        text(slide, x, top, width, head, [name], pt=SMALL_PT, bold=True, colour=GREY)
        x += width
    top += head
    for i, row in enumerate(tbl.rows[start:end]):
        height = heights[start + i]
        if i % 2 == 0:
            band(slide, top, height)
        x = MARGIN
        for column, cell, width in zip(tbl.columns, row.cells, widths, strict=True):
            if isinstance(cell, Icon):
                oval(slide, x + 0.03, top + 0.07, icon(cell.kind, cell.key), f"{cell.kind} icon: {row.key}")
                text(slide, x + ICON_IN + 0.08, top + 0.03, width - ICON_IN - 0.08, height - 0.06, [cell.caption],
                     pt=SMALL_PT)
            else:
                text(slide, x, top + 0.03, width, height - 0.06, [cell_text(cell)], pt=SMALL_PT,
                     bold=column.strong, name=f"{row.key}: {column.name.lower()}")
            x += width
        top += height


def _questions(slide: Slide, block: ItemList, left: float, top: float, width: float, height: float) -> None:
    """A list's title, then its items sized to fit the room below it."""
    items = [f"• {q}" if block.bullets else q for q in block.items]
    box = height - 0.4
    pt, fits = choose_size(items, width, box, (BODY_PT, 15, SMALL_PT), gap_pt=4)
    text(slide, left, top, width, 0.4, [block.title], pt=BODY_PT, bold=True)
    text(slide, left, top + 0.4, width, box, items, pt=pt, fits=fits, gap_pt=4, name=block.title)


# --- an aim's slide ---------------------------------------------------------------------------------------
def _aim_slide(prs: PresentationType, page: Page, picture: bytes | str) -> None:
    """The chart (or its latest points) on the left, its facts below it; icons, projection, questions right."""
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    title(slide, page.title, height=0.95)
    slot = page.first(ChartSlot)
    at = page.blocks.index(slot)
    for block in page.blocks[:at]:
        if isinstance(block, Paragraph):
            text(slide, MARGIN, 1.15, CONTENT_W, 0.4, [block.text], pt=SMALL_PT, name="Measure", colour=GREY)
    bottom = CONTENT_TOP + CHART_H_IN
    if isinstance(picture, bytes):
        pic = slide.shapes.add_picture(io.BytesIO(picture), Inches(MARGIN), Inches(CONTENT_TOP), Inches(CHART_W_IN),
                                       Inches(CHART_H_IN))
        pic.name = "Chart"
        pic._element.nvPicPr.cNvPr.set("descr", slot.alt)
    else:
        bottom = max(bottom, _points(slide, slot, picture))
    rest = page.blocks[at + 1:]
    facts = [b for b in rest if isinstance(b, Facts)]
    if facts:  # the aim's numbers, under its chart
        below = bottom + 0.1
        text(slide, MARGIN, below, CHART_W_IN, CONTENT_BOTTOM - below, ["   ·   ".join(facts[0].lines)], pt=BODY_PT,
             name=facts[0].name, bold=True)
    # The column on the right: the icons first, beside the chart they summarise; then the projection; then
    # the questions, sized to the room left.
    left = MARGIN + CHART_W_IN + 0.25
    width = SLIDE_W - MARGIN - left
    top = CONTENT_TOP
    for row in (b for b in rest if isinstance(b, IconRow)):
        for ic in row.icons:
            oval(slide, left, top + 0.03, icon(ic.kind, ic.key), f"{ic.kind} icon")
            text(slide, left + ICON_IN + 0.1, top, width - ICON_IN - 0.1, 0.55, [ic.caption], pt=SMALL_PT,
                 anchor=MSO_ANCHOR.MIDDLE, name=f"{ic.kind} words")
            top += 0.6
    for block in facts[1:]:
        paragraphs = [(line, {"bold": True}) for line in block.lines] + ([block.note] if block.note else [])
        height = max(0.6, text_height([*block.lines, block.note], width, SMALL_PT))
        text(slide, left, top, width, height, paragraphs, pt=SMALL_PT, name=block.name)
        top += height + 0.1
    for block in (b for b in rest if isinstance(b, ItemList)):
        _questions(slide, block, left, top, width, CONTENT_BOTTOM - top)
    footer(slide, page.footer)


def _points(slide: Slide, slot: ChartSlot, reason: str) -> float:
    """In the chart's place: why there is no chart, and the latest points it would have drawn; returns the
    bottom of what was drawn."""
    note = slot.note(reason)
    height = text_height([note], CHART_W_IN, SMALL_PT)
    text(slide, MARGIN, CONTENT_TOP, CHART_W_IN, height, [note], pt=SMALL_PT, name="Chart note", bold=True,
         colour=NOTE)
    top = CONTENT_TOP + height + 0.05
    if not slot.fallback.rows:
        text(slide, MARGIN, top, CHART_W_IN, 0.5, [slot.fallback.empty], pt=BODY_PT)
        return top + 0.5
    points = slot.fallback.narrow()
    return top + _table(slide, points, MARGIN, top, CHART_W_IN, 0, len(points.rows), least=0.27)
