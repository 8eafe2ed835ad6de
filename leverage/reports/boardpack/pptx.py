"""The board pack as a 16:9 PowerPoint deck: only a layout of what `boardpack.gather` computed.

Slides: the title; the vital few (one row per aim, as many slides as the rows need); one slide per aim
(its chart, or a table of its latest points when no chart can be drawn, with the readings and the
questions to ask); the latest self-assessment and its focus measures; each workshop of the period.
Every slide carries the pack's footer (rule set, data cut-off, app version, IHI citation).

PowerPoint cannot place the app's SVG icons, so they are drawn as native ovals whose colour and letter
come from `mdc_icons` (see `icon`), always with the label in words beside them. Text from users is
plain text in text frames; sizes are chosen from a rough estimate of the wrapped lines so that body
text stays at 14 pt or more, and a box that may still overflow is marked to shrink on overflow.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from leverage.aims.charts import POINT_NAMES, aim_chart
from leverage.aims.icons import (
    assurance_colour,
    assurance_label,
    assurance_svg,
    variation_colour,
    variation_label,
    variation_svg,
)
from leverage.aims.spc import CHART_NAMES
from leverage.aims.view import AimView, format_value, questions_to_ask
from leverage.reports import chart_images
from leverage.reports.boardpack.content import AssessmentSummary, BoardPack, WorkshopSummary

SLIDE_W, SLIDE_H = 13.333, 7.5  # inches (16:9)
MARGIN = 0.4
CONTENT_W = SLIDE_W - 2 * MARGIN
CONTENT_TOP = 1.55
CONTENT_BOTTOM = 6.95
TITLE_SIZES = (32, 30, 28)  # tried in turn for two lines; a longer title gets three lines at LONG_TITLE_PT
LONG_TITLE_PT = 22
BODY_PT = 16
SMALL_PT = 14  # the smallest text a projector audience is asked to read
FOOTER_PT = 10
ICON_IN = 0.45
CHART_W_IN, CHART_H_IN = 7.1, 4.0
CHART_PX = (760, 428)  # CSS pixels of the chart image (drawn at scale 2), the picture's aspect
TABLE_POINTS = 12  # latest points shown when the chart is not drawn
FOCUS_ROWS = 12
LAYOUT_TITLE, LAYOUT_TITLE_ONLY = 0, 5  # python-pptx's default template
INK = RGBColor(0x26, 0x26, 0x26)
GREY = RGBColor(0x59, 0x59, 0x59)
BAND = RGBColor(0xF2, 0xF2, 0xF2)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
NOTE = RGBColor(0x9C, 0x57, 0x00)  # dark orange text for the "Chart not drawn" note (readable on white)


# --- icons ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Icon:
    colour: str  # "#rrggbb"
    letter: str  # white on the oval
    label: str  # the words beside it (never colour alone)


def icon(kind: Literal["variation", "assurance"], value: str | None) -> Icon:
    """Colour, letter and words of an MDC summary icon, read from `mdc_icons` so they cannot drift.

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
    return Icon(colour, letter, label)


# --- text sizing ------------------------------------------------------------------------------------------
def _lines(text: str, width_in: float, pt: float) -> int:
    """A rough count of the lines `text` wraps to in a box `width_in` wide (average glyph ~0.47 em)."""
    per_line = max(4, int(width_in * 72 / (pt * 0.47)))
    return sum(max(1, len(textwrap.wrap(part, per_line))) for part in str(text).split("\n"))


def _height_in(lines: int, pt: float) -> float:
    return lines * pt * 1.2 / 72


def _fits(paragraphs: Sequence[str], width_in: float, height_in: float, pt: float, gap_pt: float = 0) -> bool:
    lines = sum(_lines(p, width_in - 0.1, pt) for p in paragraphs)
    return _height_in(lines, pt) + gap_pt * max(0, len(paragraphs) - 1) / 72 <= height_in - 0.1


def _choose_size(paragraphs: Sequence[str], width_in: float, height_in: float, sizes: Sequence[float],
                 gap_pt: float = 0) -> tuple[float, bool]:
    """(the largest size in `sizes` at which the text fits, whether it fits at all)."""
    for pt in sizes:
        if _fits(paragraphs, width_in, height_in, pt, gap_pt):
            return pt, True
    return sizes[-1], False


# --- drawing helpers --------------------------------------------------------------------------------------
def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").upper())


def _style(run, pt: float, bold: bool = False, colour: RGBColor = INK, italic: bool = False) -> None:
    run.font.size = Pt(pt)
    run.font.bold = bold
    run.font.italic = italic
    run.font.color.rgb = colour


def _frame(tf, fits: bool = True, anchor=MSO_ANCHOR.TOP, margin_in: float = 0.05) -> None:
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE if fits else MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    tf.vertical_anchor = anchor
    tf.margin_left = tf.margin_right = Inches(margin_in)
    tf.margin_top = tf.margin_bottom = Inches(0.03)


Paragraph = str | tuple[str, dict]


def _text(slide, left: float, top: float, width: float, height: float, paragraphs: Sequence[Paragraph],
          pt: float = BODY_PT, name: str | None = None, fits: bool = True, align=PP_ALIGN.LEFT,
          anchor=MSO_ANCHOR.TOP, gap_pt: float = 0, **style):
    """A text box of plain-text paragraphs; a paragraph may be (text, style overrides)."""
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    if name:
        box.name = name
    _frame(box.text_frame, fits, anchor)
    _fill(box.text_frame, paragraphs, pt, align, gap_pt, **style)
    return box


def _fill(tf, paragraphs: Sequence[Paragraph], pt: float, align=PP_ALIGN.LEFT, gap_pt: float = 0, **style) -> None:
    for i, item in enumerate(paragraphs):
        text, extra = (item, {}) if isinstance(item, str) else item
        para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        para.alignment = align
        if i and gap_pt:
            para.space_before = Pt(gap_pt)
        run = para.add_run()
        run.text = text
        _style(run, **{"pt": pt, **style, **extra})


def _title(slide, text: str, top: float = 0.25, height: float = 1.1) -> None:
    """The slide's title placeholder (so screen readers and the outline see it), sized to wrap."""
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = Inches(MARGIN), Inches(top), Inches(CONTENT_W), Inches(height)
    pt, fits = _choose_size([text], CONTENT_W, height, TITLE_SIZES)
    if not fits:
        pt, fits = LONG_TITLE_PT, _fits([text], CONTENT_W, height, LONG_TITLE_PT)
    tf = shape.text_frame
    tf.text = ""
    _frame(tf, fits, MSO_ANCHOR.MIDDLE)
    para = tf.paragraphs[0]
    para.alignment = PP_ALIGN.LEFT
    run = para.add_run()
    run.text = text
    _style(run, pt, bold=True)


def _footer(slide, text: str) -> None:
    _text(slide, MARGIN, 7.0, CONTENT_W, 0.45, [text], pt=FOOTER_PT, name="Footer", colour=GREY,
          anchor=MSO_ANCHOR.BOTTOM)


def _plain(shape) -> None:
    """No theme style on a drawn shape (its shadow and effects): fill, line and text are set explicitly."""
    shape.shadow.inherit = False
    style = shape._element.find(qn("p:style"))
    if style is not None:
        shape._element.remove(style)


def _oval(slide, left: float, top: float, ic: Icon, name: str) -> None:
    shape = slide.shapes.add_shape(MSO_SHAPE.OVAL, Inches(left), Inches(top), Inches(ICON_IN), Inches(ICON_IN))
    shape.name = name
    shape.fill.solid()
    shape.fill.fore_color.rgb = _rgb(ic.colour)
    shape.line.color.rgb = WHITE
    shape.line.width = Pt(1.5)
    _plain(shape)
    tf = shape.text_frame
    _frame(tf, anchor=MSO_ANCHOR.MIDDLE, margin_in=0)
    tf.word_wrap = False
    _fill(tf, [ic.letter], SMALL_PT if len(ic.letter) > 1 else 16, PP_ALIGN.CENTER, bold=True, colour=WHITE)
    # The oval's alternative text is its meaning in words, for a screen reader.
    shape._element.nvSpPr.cNvPr.set("descr", ic.label)


def _table(slide, left: float, top: float, widths: Sequence[float], header: Sequence[str],
           rows: Sequence[Sequence[str]], pt: float = SMALL_PT, row_in: float = 0.34, name: str | None = None,
           right: Sequence[int] = ()):
    """A plain table: header in bold, columns `right` aligned right (numbers)."""
    n_rows = len(rows) + 1
    graphic = slide.shapes.add_table(n_rows, len(widths), Inches(left), Inches(top), Inches(sum(widths)),
                                     Inches(row_in * n_rows))
    if name:
        graphic.name = name
    table = graphic.table
    for j, w in enumerate(widths):
        table.columns[j].width = Inches(w)
    for i in range(n_rows):
        table.rows[i].height = Inches(row_in)
    for i, row in enumerate([list(header), *[list(r) for r in rows]]):
        for j, value in enumerate(row):
            cell = table.cell(i, j)
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


# --- formatting -------------------------------------------------------------------------------------------
def _month(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%b %Y}"


def _day(value: dt.date | None) -> str:
    return "–" if value is None else f"{value:%d %b %Y}"


# --- slides -----------------------------------------------------------------------------------------------
def _title_slide(prs, pack: BoardPack) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    _title(slide, pack.organization, top=1.6, height=1.6)
    subtitle = slide.placeholders[1]
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = (Inches(MARGIN), Inches(3.4), Inches(CONTENT_W),
                                                                    Inches(2.6))
    tf = subtitle.text_frame
    tf.text = ""
    _frame(tf)
    _fill(tf, [("Board pack: system-level aims and the Seven Leadership Leverage Points", {"bold": True}),
               f"Meeting: {_day(pack.meeting_date)}",
               f"Data cut-off: {_day(pack.cut_off)}",
               f"Workshops from {_day(pack.period_start)} to {_day(pack.cut_off)}"],
          pt=20, gap_pt=6, colour=GREY)
    _footer(slide, pack.footer())


SUMMARY_ROWS_TOP = 1.8
SUMMARY_COLUMNS = (  # (header, width in inches); the icon columns include the oval
    ("Aim", 2.5), ("Variation", 2.2), ("Assurance", 2.25), ("Projection", 1.15), ("Latest", 1.0),
    ("Target now", 1.05), ("Deadline", 1.0), ("Owner", 1.38))


def _summary_cells(row: pd.Series) -> list[str]:
    latest = "–" if pd.isna(row["latest"]) else f"{format_value(row['latest'])}\n{_month(row['latest_period'])}"
    return [str(row["aim"]), icon("variation", row["variation"]).label, icon("assurance", row["assurance"]).label,
            str(row["projection_label"]), latest, format_value(row["target"]), _month(row["deadline"]),
            str(row["owner"]) if row["owner"] else "No owner named"]


def _summary_row_height(cells: list[str]) -> float:
    lines = 1
    for (_, width), text in zip(SUMMARY_COLUMNS, cells, strict=True):
        usable = width - 0.1 - (ICON_IN + 0.05 if _ in ("Variation", "Assurance") else 0)
        lines = max(lines, _lines(text, usable, SMALL_PT))
    return max(ICON_IN + 0.15, _height_in(lines, SMALL_PT) + 0.15)


def _summary_slides(prs, pack: BoardPack) -> None:
    """The vital few: one row per aim, drawn row by row so each row's icons sit beside their words."""
    rows = [(r, _summary_cells(r)) for _, r in pack.summary.iterrows()]
    pages: list[list[tuple[pd.Series, list[str], float]]] = [[]]
    space = CONTENT_BOTTOM - SUMMARY_ROWS_TOP
    used = 0.0
    for row, cells in rows:
        height = _summary_row_height(cells)
        if pages[-1] and used + height > space:
            pages.append([])
            used = 0.0
        pages[-1].append((row, cells, height))
        used += height
    for number, page in enumerate(pages, start=1):
        slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
        more = f" ({number} of {len(pages)})" if len(pages) > 1 else ""
        _title(slide, f"The vital few: {pack.organization}{more}", top=0.2, height=0.9)
        _text(slide, MARGIN, 1.05, CONTENT_W, 0.35, [f"Each aim as read at the data cut-off, {_day(pack.cut_off)}"],
              pt=SMALL_PT, colour=GREY)
        x = MARGIN
        for header, width in SUMMARY_COLUMNS:
            _text(slide, x, SUMMARY_ROWS_TOP - 0.38, width, 0.35, [header], pt=SMALL_PT, bold=True, colour=GREY)
            x += width
        top = SUMMARY_ROWS_TOP
        if not page:
            _text(slide, MARGIN, top, CONTENT_W, 0.6, ["There are no aims in the register yet."], pt=BODY_PT)
        for i, (row, cells, height) in enumerate(page):
            if i % 2 == 0:
                band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(MARGIN), Inches(top), Inches(CONTENT_W),
                                              Inches(height))
                band.fill.solid()
                band.fill.fore_color.rgb = BAND
                band.line.fill.background()
                _plain(band)
                band.name = "Row band"
            x = MARGIN
            for (header, width), text in zip(SUMMARY_COLUMNS, cells, strict=True):
                if header in ("Variation", "Assurance"):
                    kind = header.lower()
                    _oval(slide, x + 0.03, top + 0.07, icon(kind, row[kind]), f"{kind} icon: aim {row['aim_id']}")
                    _text(slide, x + ICON_IN + 0.08, top + 0.03, width - ICON_IN - 0.08, height - 0.06, [text],
                          pt=SMALL_PT)
                else:
                    _text(slide, x, top + 0.03, width, height - 0.06, [text], pt=SMALL_PT,
                          bold=header == "Aim", name=f"aim {row['aim_id']}: {header.lower()}")
                x += width
            top += height
        _footer(slide, pack.footer())


def _chart_figure(view: AimView):
    fig = aim_chart(view, height=CHART_PX[1], large=True)
    # The slide's title and measure line already say what the chart's title would; the room goes to the plot.
    fig.update_layout(title_text="", margin={"t": 20})
    return fig


def chart_pictures(views: list[AimView], images: bool = True,
                   progress: Callable[[float, str], None] | None = None) -> list[bytes | str]:
    """Each aim's chart as PNG bytes, or the reason it is not drawn; drawn together in parallel tabs."""
    out: list[bytes | str] = ["there are no measurements yet" if v.result is None else "" for v in views]
    wanted = [i for i, v in enumerate(views) if v.result is not None]
    if not wanted:
        return out
    renderer = chart_images.renderer()
    if not images or renderer is None:
        reason = "chart images were not requested" if not images else chart_images.status().reason
        return [reason if i in wanted else text for i, text in enumerate(out)]
    report = progress or (lambda _f, _m: None)
    drawn = renderer.images([_chart_figure(views[i]) for i in wanted], "png", *CHART_PX, scale=2,
                            done=lambda k: report((k + 1) / len(wanted), f"Chart {k + 1} of {len(wanted)}"))
    for i, picture in zip(wanted, drawn, strict=True):
        out[i] = str(picture) if isinstance(picture, chart_images.ChartImageError) else picture
    return out


def _chart_picture(slide, view: AimView, png: bytes, left: float, top: float) -> None:
    pic = slide.shapes.add_picture(io.BytesIO(png), Inches(left), Inches(top), Inches(CHART_W_IN), Inches(CHART_H_IN))
    pic.name = "Chart"
    labels = f"{icon('variation', view.variation).label}; {icon('assurance', view.assurance).label}"
    pic._element.nvPicPr.cNvPr.set("descr", f"Chart of {view.aim.measure}: {labels}.")


def _points_table(slide, view: AimView, left: float, top: float, reason: str) -> None:
    """In the chart's place: why there is no chart, and the latest points it would have drawn."""
    _text(slide, left, top, CHART_W_IN, 0.4, [f"Chart not drawn: {reason}"], pt=SMALL_PT, name="Chart note",
          bold=True, colour=NOTE)
    if view.result is None or view.result.points.empty:
        _text(slide, left, top + 0.45, CHART_W_IN, 0.5, ["No measurements yet."], pt=BODY_PT)
        return
    points = view.result.points.tail(TABLE_POINTS)
    rows = [(_month(p.period), *(format_value(v) for v in (p.value, p.centre, p.lower, p.upper)),
             POINT_NAMES.get(p.point_type, str(p.point_type))) for p in points.itertuples(index=False)]
    _table(slide, left, top + 0.45, (1.2, 0.95, 0.95, 0.95, 0.95, 2.1),
           ("Period", "Value", "Centre", "Lower", "Upper", "Point type"), rows, row_in=0.27, name="Latest points",
           right=(1, 2, 3, 4))


def _aim_slide(prs, pack: BoardPack, view: AimView, picture: bytes | str) -> None:
    aim = view.aim
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _title(slide, aim.title, height=0.95)
    unit = f" ({aim.unit})" if aim.unit else ""
    owner = f" · Owner: {aim.owner}" if aim.owner else " · No owner named"
    _text(slide, MARGIN, 1.15, CONTENT_W, 0.4, [f"{aim.measure}{unit} · {CHART_NAMES[aim.chart]}{owner}"],
          pt=SMALL_PT, name="Measure", colour=GREY)

    if isinstance(picture, bytes):
        _chart_picture(slide, view, picture, MARGIN, CONTENT_TOP)
    else:
        _points_table(slide, view, MARGIN, CONTENT_TOP, picture)

    latest = view.latest
    facts = [f"Latest: {format_value(latest[1])} ({_month(latest[0])})" if latest else "Latest: no measurements yet",
             f"Target now: {format_value(view.target_now)}",
             f"Deadline: {_day(aim.deadline)}"]
    _text(slide, MARGIN, CONTENT_TOP + CHART_H_IN + 0.1, CHART_W_IN, CONTENT_BOTTOM - CONTENT_TOP - CHART_H_IN - 0.1,
          ["   ·   ".join(facts)], pt=BODY_PT, name="Facts", bold=True)

    left = MARGIN + CHART_W_IN + 0.25
    width = SLIDE_W - MARGIN - left
    top = CONTENT_TOP
    for kind, value in (("variation", view.variation), ("assurance", view.assurance)):
        ic = icon(kind, value)
        _oval(slide, left, top + 0.03, ic, f"{kind} icon")
        _text(slide, left + ICON_IN + 0.1, top, width - ICON_IN - 0.1, 0.55, [ic.label], pt=SMALL_PT,
              anchor=MSO_ANCHOR.MIDDLE, name=f"{kind} words")
        top += 0.6
    projection = [(f"Projection: {view.projection.label}", {"bold": True}), view.projection.reason]
    height = max(0.6, _height_in(sum(_lines(p, width - 0.1, SMALL_PT) for p in
                                     [projection[0][0], projection[1]]), SMALL_PT) + 0.1)
    _text(slide, left, top, width, height, projection, pt=SMALL_PT, name="Projection")
    top += height + 0.1

    questions = [f"• {q}" for q in questions_to_ask(view, pack.cut_off)]
    box = CONTENT_BOTTOM - top - 0.4
    pt, fits = _choose_size(questions, width, box, (BODY_PT, 15, SMALL_PT), gap_pt=4)
    _text(slide, left, top, width, 0.4, ["Questions to ask"], pt=BODY_PT, bold=True)
    _text(slide, left, top + 0.4, width, box, questions, pt=pt, fits=fits, gap_pt=4, name="Questions")
    _footer(slide, pack.footer(view))


def _assessment_slide(prs, pack: BoardPack, assessment: AssessmentSummary | None) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    if assessment is None:
        _title(slide, "Self-assessment")
        _text(slide, MARGIN, CONTENT_TOP, CONTENT_W, 0.8,
              [f"No self-assessment round with responses opened on or before {_day(pack.cut_off)}."], pt=BODY_PT)
        _footer(slide, pack.footer())
        return
    _title(slide, f"Self-assessment: {assessment.round_name}")
    opened = f"Opened {_day(assessment.opens_on)} · " if assessment.opens_on else ""
    _text(slide, MARGIN, 1.3, CONTENT_W, 0.35,
          [f"{opened}{assessment.respondents} respondents · results are shown for groups of at least "
           f"{assessment.min_n} · scale 1–5"], pt=SMALL_PT, colour=GREY)
    if assessment.withheld:
        _text(slide, MARGIN, CONTENT_TOP + 0.2, CONTENT_W, 1.2,
              [(f"Withheld: {assessment.respondents} respondents, below the threshold of {assessment.min_n}.",
                {"bold": True}),
               "No scores are shown, so that no one's answers can be singled out."], pt=BODY_PT, gap_pt=6)
        _footer(slide, pack.footer())
        return
    rows = []
    for p in assessment.points.itertuples(index=False):
        shown = p.status == "ok" and pd.notna(p.mean)
        rows.append((p.leverage_point if p.leverage_point != "Overall" else "", p.title, str(p.n_respondents),
                     f"{p.mean:.2f}" if shown else ("withheld" if p.status != "ok" else "–"),
                     f"{p.ci_low:.2f}–{p.ci_high:.2f}" if shown and pd.notna(p.ci_low) else "–"))
    _table(slide, MARGIN, CONTENT_TOP + 0.1, (0.8, 8.1, 1.4, 0.9, 1.33),
           ("Point", "Leverage point", "Respondents", "Mean", "95% CI"), rows, name="Self-assessment",
           right=(2, 3, 4))
    _footer(slide, pack.footer())


def _focus_slide(prs, pack: BoardPack, assessment: AssessmentSummary) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _title(slide, f"Focus measures chosen in {assessment.round_name}")
    focus = assessment.focus
    shown = focus.head(FOCUS_ROWS)
    _text(slide, MARGIN, 1.3, CONTENT_W, 0.35,
          ["The whole-system measures respondents would most like the board to watch"], pt=SMALL_PT, colour=GREY)
    _table(slide, MARGIN, CONTENT_TOP + 0.1, (9.5, 2.0), ("Measure", "Respondents"),
           [(str(r.measure), str(r.respondents)) for r in shown.itertuples(index=False)], row_in=0.36,
           name="Focus measures", right=(1,))
    if len(focus) > len(shown):
        _text(slide, MARGIN, CONTENT_BOTTOM - 0.35, CONTENT_W, 0.35,
              [f"and {len(focus) - len(shown)} more, each chosen by fewer respondents"], pt=SMALL_PT, colour=GREY)
    _footer(slide, pack.footer())


def _workshop_slide(prs, pack: BoardPack, ws: WorkshopSummary) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _title(slide, f"Workshop: {ws.title}")
    votes = "one vote" if ws.votes == 1 else f"{ws.votes} votes (the latest shown)"
    _text(slide, MARGIN, 1.3, CONTENT_W, 0.35,
          [f"Held {_day(ws.held_on)} · {ws.status} · {ws.participants} participants · {votes}"], pt=SMALL_PT,
          colour=GREY)
    change = {}
    if ws.shift is not None and not ws.shift.empty:
        change = {r.leverage_point: r.change for r in ws.shift.itertuples(index=False)}
    rows = []
    for p in ws.scores.itertuples(index=False):
        shown = p.status == "ok" and pd.notna(p.mean)
        row = [p.leverage_point, p.title, str(p.n_respondents), f"{p.mean:.2f}" if shown else str(p.status)]
        if change:
            delta = change.get(p.leverage_point)
            row.append("–" if delta is None or pd.isna(delta) else f"{delta:+.2f}")
        rows.append(row)
    header = ["Point", "Leverage point", "Respondents", "Mean"] + (["Change from vote 1"] if change else [])
    widths = [0.8, 7.0 if change else 8.7, 1.4, 1.63] + ([1.7] if change else [])
    if rows:
        _table(slide, MARGIN, CONTENT_TOP + 0.1, widths, header, rows, row_in=0.34, name="Workshop scores",
               right=tuple(range(2, len(header))))
    else:
        _text(slide, MARGIN, CONTENT_TOP, CONTENT_W, 0.6, ["No answers were given."], pt=BODY_PT)
    _footer(slide, pack.footer())


def build_deck(pack: BoardPack, images: bool = True, progress: Callable[[float, str], None] | None = None) -> bytes:
    """The board pack as .pptx bytes; charts as pictures when `images` and a Chromium are available."""
    report = progress or (lambda _f, _m: None)
    pictures = chart_pictures(pack.views, images, lambda f, m: report(0.05 + 0.8 * f, m))
    report(0.9, "Laying out the slides")
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(Inches(SLIDE_W)), Emu(Inches(SLIDE_H))
    props = prs.core_properties
    props.title = f"Board pack: {pack.organization}, {_day(pack.meeting_date)}"
    props.author = f"Leverage {pack.version}"
    props.subject = f"Data cut-off {_day(pack.cut_off)}"
    _title_slide(prs, pack)
    _summary_slides(prs, pack)
    for view, picture in zip(pack.views, pictures, strict=True):
        _aim_slide(prs, pack, view, picture)
    _assessment_slide(prs, pack, pack.assessment)
    if pack.assessment is not None and not pack.assessment.withheld and not pack.assessment.focus.empty:
        _focus_slide(prs, pack, pack.assessment)
    for ws in pack.workshops:
        _workshop_slide(prs, pack, ws)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
