"""Drawing on a 16:9 slide with python-pptx: text boxes sized to their text, MDC icons as ovals, plain tables.

PowerPoint cannot place the app's SVG icons, so they are drawn as native ovals whose colour and letter
come from `leverage.aims.icons` (see `icon`), always with the label in words beside them. Text from users
is plain text in text frames; sizes are chosen from a rough estimate of the wrapped lines so that body
text stays at 14 pt or more, and a box that may still overflow is marked to shrink on overflow.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.slide import Slide
from pptx.text.text import TextFrame
from pptx.util import Inches, Pt

from leverage.aims.icons import (
    assurance_colour,
    assurance_label,
    assurance_svg,
    variation_colour,
    variation_label,
    variation_svg,
)

SLIDE_W, SLIDE_H = 13.333, 7.5  # inches (16:9)
MARGIN = 0.4
CONTENT_W = SLIDE_W - 2 * MARGIN
TITLE_SIZES = (32, 30, 28)  # tried in turn for two lines; a longer title gets three lines at LONG_TITLE_PT
LONG_TITLE_PT = 22
BODY_PT = 16
SMALL_PT = 14  # the smallest text a projector audience is asked to read
FOOTER_PT = 10
ICON_IN = 0.45
INK = RGBColor(0x26, 0x26, 0x26)
GREY = RGBColor(0x59, 0x59, 0x59)
BAND = RGBColor(0xF2, 0xF2, 0xF2)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
NOTE = RGBColor(0x9C, 0x57, 0x00)  # dark orange text for the "Chart not drawn" note (readable on white)


# --- icons ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OvalIcon:
    colour: str  # "#rrggbb"
    letter: str  # white on the oval
    label: str  # the words beside it (never colour alone)


def icon(kind: Literal["variation", "assurance"], value: str | None) -> OvalIcon:
    """Colour, letter and words of an MDC summary icon, read from `leverage.aims.icons` so they cannot drift.

    The letter is the one the app's SVG icon draws; the common cause icon has no letter (a wave), so it
    is "~"; a special cause letter gets the SVG's arrow as a character (↑H, ↓L).
    """
    if kind == "variation":
        svg, colour, label = variation_svg(value), variation_colour(value), variation_label(value)
    else:
        svg, colour, label = assurance_svg(value), assurance_colour(value), assurance_label(value)
    letters = re.findall(r">([^<]+)</text>", svg)
    letter = letters[0] if letters else "~"
    if kind == "variation":
        letter = {"H": "↑H", "L": "↓L"}.get(letter, letter)
    return OvalIcon(colour, letter, label)


# --- text sizing ------------------------------------------------------------------------------------------
def lines(text: str, width_in: float, pt: float) -> int:
    """A rough count of the lines `text` wraps to in a box `width_in` wide (average glyph ~0.47 em)."""
    per_line = max(4, int(width_in * 72 / (pt * 0.47)))
    return sum(max(1, len(textwrap.wrap(part, per_line))) for part in str(text).split("\n"))


def height_in(n_lines: int, pt: float) -> float:
    return n_lines * pt * 1.2 / 72


def text_height(paragraphs: Sequence[str], width_in: float, pt: float, gap_pt: float = 0) -> float:
    """About how tall a box of `paragraphs` must be, margins included."""
    n = sum(lines(p, width_in - 0.1, pt) for p in paragraphs)
    return height_in(n, pt) + gap_pt * max(0, len(paragraphs) - 1) / 72 + 0.1


def choose_size(paragraphs: Sequence[str], width_in: float, height: float, sizes: Sequence[float],
                gap_pt: float = 0) -> tuple[float, bool]:
    """(the largest size in `sizes` at which the text fits, whether it fits at all)."""
    for pt in sizes:
        if text_height(paragraphs, width_in, pt, gap_pt) <= height:
            return pt, True
    return sizes[-1], False


# --- drawing ----------------------------------------------------------------------------------------------
def _style(run, pt: float, bold: bool = False, colour: RGBColor = INK, italic: bool = False) -> None:
    run.font.size = Pt(pt)
    run.font.bold = bold
    run.font.italic = italic
    run.font.color.rgb = colour


def frame(tf: TextFrame, fits: bool = True, anchor=MSO_ANCHOR.TOP, margin_in: float = 0.05) -> None:
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE if fits else MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    tf.vertical_anchor = anchor
    tf.margin_left = tf.margin_right = Inches(margin_in)
    tf.margin_top = tf.margin_bottom = Inches(0.03)


Para = str | tuple[str, dict]


def text(slide: Slide, left: float, top: float, width: float, height: float, paragraphs: Sequence[Para],
         pt: float = BODY_PT, name: str | None = None, fits: bool = True, align=PP_ALIGN.LEFT,
         anchor=MSO_ANCHOR.TOP, gap_pt: float = 0, **style):
    """A text box of plain-text paragraphs; a paragraph may be (text, style overrides)."""
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    if name:
        box.name = name
    frame(box.text_frame, fits, anchor)
    fill(box.text_frame, paragraphs, pt, align, gap_pt, **style)
    return box


def fill(tf: TextFrame, paragraphs: Sequence[Para], pt: float, align=PP_ALIGN.LEFT, gap_pt: float = 0, **style) -> None:
    for i, item in enumerate(paragraphs):
        words, extra = (item, {}) if isinstance(item, str) else item
        para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        para.alignment = align
        if i and gap_pt:
            para.space_before = Pt(gap_pt)
        run = para.add_run()
        run.text = words
        _style(run, **{"pt": pt, **style, **extra})


def title(slide: Slide, words: str, top: float = 0.25, height: float = 1.1) -> None:
    """The slide's title placeholder (so screen readers and the outline see it), sized to wrap."""
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = Inches(MARGIN), Inches(top), Inches(CONTENT_W), Inches(height)
    pt, fits = choose_size([words], CONTENT_W, height, TITLE_SIZES)
    if not fits:
        pt, fits = LONG_TITLE_PT, text_height([words], CONTENT_W, LONG_TITLE_PT) <= height
    tf = shape.text_frame
    tf.text = ""
    frame(tf, fits, MSO_ANCHOR.MIDDLE)
    para = tf.paragraphs[0]
    para.alignment = PP_ALIGN.LEFT
    run = para.add_run()
    run.text = words
    _style(run, pt, bold=True)


def footer(slide: Slide, words: str) -> None:
    text(slide, MARGIN, 7.0, CONTENT_W, 0.45, [words], pt=FOOTER_PT, name="Footer", colour=GREY,
         anchor=MSO_ANCHOR.BOTTOM)


def notes(slide: Slide, paragraphs: Sequence[str]) -> None:
    """The speaker notes: what a printed page shows and a slide has no room for."""
    if paragraphs:
        slide.notes_slide.notes_text_frame.text = "\n\n".join(paragraphs)


def _plain(shape) -> None:
    """No theme style on a drawn shape (its shadow and effects): fill, line and text are set explicitly."""
    shape.shadow.inherit = False
    style = shape._element.find(qn("p:style"))
    if style is not None:
        shape._element.remove(style)


def band(slide: Slide, top: float, height: float) -> None:
    """A pale band behind a row, so the eye can follow it across the slide."""
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(MARGIN), Inches(top), Inches(CONTENT_W),
                                   Inches(height))
    shape.fill.solid()
    shape.fill.fore_color.rgb = BAND
    shape.line.fill.background()
    _plain(shape)
    shape.name = "Row band"


def oval(slide: Slide, left: float, top: float, ic: OvalIcon, name: str) -> None:
    shape = slide.shapes.add_shape(MSO_SHAPE.OVAL, Inches(left), Inches(top), Inches(ICON_IN), Inches(ICON_IN))
    shape.name = name
    shape.fill.solid()
    shape.fill.fore_color.rgb = RGBColor.from_string(ic.colour.lstrip("#").upper())
    shape.line.color.rgb = WHITE
    shape.line.width = Pt(1.5)
    _plain(shape)
    tf = shape.text_frame
    frame(tf, anchor=MSO_ANCHOR.MIDDLE, margin_in=0)
    tf.word_wrap = False
    fill(tf, [ic.letter], SMALL_PT if len(ic.letter) > 1 else 16, PP_ALIGN.CENTER, bold=True, colour=WHITE)
    # The oval's alternative text is its meaning in words, for a screen reader.
    shape._element.nvSpPr.cNvPr.set("descr", ic.label)


def table(slide: Slide, left: float, top: float, widths: Sequence[float], header: Sequence[str],
          rows: Sequence[Sequence[str]], heights: Sequence[float], pt: float = SMALL_PT, name: str | None = None,
          right: Sequence[int] = ()):
    """A plain table: header in bold, columns `right` aligned right (numbers); `heights`: header's, then rows'."""
    n_rows = len(rows) + 1
    graphic = slide.shapes.add_table(n_rows, len(widths), Inches(left), Inches(top), Inches(sum(widths)),
                                     Inches(sum(heights)))
    if name:
        graphic.name = name
    grid = graphic.table
    for j, w in enumerate(widths):
        grid.columns[j].width = Inches(w)
    for i, h in enumerate(heights):
        grid.rows[i].height = Inches(h)
    for i, row in enumerate([list(header), *[list(r) for r in rows]]):
        for j, value in enumerate(row):
            cell = grid.cell(i, j)
            cell.margin_top = cell.margin_bottom = Inches(0.01)
            cell.margin_left = cell.margin_right = Inches(0.06)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            tf = cell.text_frame
            tf.word_wrap = True
            tf.text = ""
            para = tf.paragraphs[0]
            para.alignment = PP_ALIGN.RIGHT if j in right else PP_ALIGN.LEFT
            run = para.add_run()
            run.text = str(value)
            _style(run, pt, bold=i == 0, colour=WHITE if i == 0 else INK)
    return graphic
