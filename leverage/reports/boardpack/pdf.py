"""The board pack as a PDF: fpdf2 lays out the text, tables and icons; Chromium draws the charts.

Charts come from `aim_chart`, the app's own figure function, drawn by kaleido as one-page PDFs and
stamped onto their pages with pypdf, so they stay vector (sharp on paper and projector, text
searchable). The icons are the Board page's own SVGs (`variation_svg`, `assurance_svg`), drawn as
vectors by fpdf2 with the icon's meaning as the image's alternative text. Without Chromium the pack
still builds: each chart's place holds its latest points as a table and a note that says why.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject

from leverage.aims.charts import POINT_NAMES, aim_chart
from leverage.aims.icons import assurance_label, assurance_svg, variation_label, variation_svg
from leverage.aims.spc import CHART_NAMES
from leverage.aims.view import AimView, format_value, questions_to_ask
from leverage.reports.boardpack.content import AssessmentSummary, BoardPack, WorkshopSummary
from leverage.reports.chart_images import ChartImageError, ChartRenderer, renderer, status
from leverage.survey.scoring import OVERALL

Progress = Callable[[float, str], None]

PAGE_W, PAGE_H, MARGIN = 297.0, 210.0, 12.0  # A4 landscape, mm
FOOTER_H = 14.0
CHART_PX = (1100, 380)  # CSS pixels of a chart; drawn at CHART_W mm wide
CHART_W = PAGE_W - 2 * MARGIN
CHART_H = CHART_W * CHART_PX[1] / CHART_PX[0]
FALLBACK_POINTS = 12
CONTENTS_AIMS = 12  # aims listed by name on the cover
INK, MUTED, RULE = (33, 33, 33), (90, 90, 90), (200, 200, 200)
ZEBRA = (246, 248, 250)
NOTE_FILL = (255, 243, 205)  # a pale amber box: "this chart is a table"
HEAD_FILL = (235, 240, 245)
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts",
             "/Library/Fonts", "C:/Windows/Fonts")

HEADINGS = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)

_SVG_TITLE = re.compile(r"<title>(.*?)</title>", re.S)

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


class _PackPdf(FPDF):
    """Pages with a footer that says what the page was computed from."""

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

    def svg(self, svg: str, x: float, y: float, size: float) -> None:
        """An icon drawn from its SVG, its <title> (the icon's meaning) kept as the image's alternative text."""
        found = _SVG_TITLE.search(svg)
        alt = html.unescape(found.group(1)) if found else "icon"
        if not self.unicode:
            svg = svg.replace("–", "-")
        self.image(io.BytesIO(svg.encode()), x=x, y=y, w=size, h=size, alt_text=alt, title=alt)


@dataclass
class _Stamp:
    page: int  # 0-based
    x: float
    y: float
    w: float
    h: float
    pdf: bytes


def _date(value: object, fmt: str = "%d %b %Y") -> str:
    if value is None or pd.isna(value):
        return "–"
    return pd.Timestamp(value).strftime(fmt)


def build_pdf(pack: BoardPack, renderer: ChartRenderer | None, no_chart_reason: str = "",
              progress: Progress | None = None) -> PackResult:
    """The board pack PDF. `renderer` None: tables in place of charts, with `no_chart_reason` on them."""
    report = progress or (lambda _f, _m: None)
    pdf = _PackPdf()
    stamps: list[_Stamp] = []
    note = "" if renderer is not None else (no_chart_reason or "chart images were not available")
    views = pack.views
    charts: list[bytes | ChartImageError | None] = [None] * len(views)
    if renderer is not None and views:
        report(0.02, "Starting the chart renderer…")
        charts = renderer.images(
            [aim_chart(v, height=CHART_PX[1]) for v in views], "pdf", *CHART_PX,
            done=lambda i: report(0.05 + 0.8 * (i + 1) / len(views),
                                  f"Chart {i + 1} of {len(views)}: {views[i].aim.title}"))
    report(0.86, "Laying out the pages")
    _cover(pdf, pack, note)
    _summary(pdf, pack)
    drawn = 0
    for view, chart_pdf in zip(views, charts, strict=True):
        why = str(chart_pdf) if isinstance(chart_pdf, ChartImageError) else note
        has_chart = isinstance(chart_pdf, bytes)
        page = _aim_page(pdf, pack, view, has_chart, why)
        if has_chart:
            drawn += 1
            stamps.append(_Stamp(page, MARGIN, page_chart_top(), CHART_W, CHART_H, chart_pdf))
    report(0.92, "Self-assessment and workshops")
    _assessment(pdf, pack)
    _workshops(pdf, pack)
    raw = bytes(pdf.output())
    report(0.96, "Placing the charts")
    data = _stamp(raw, stamps) if stamps else raw
    report(1.0, "Done")
    final_note = note or ("" if drawn == len(pack.views) else "some charts could not be drawn")
    return PackResult(pdf=data, pages=pdf.page_no(), charts_drawn=drawn, chart_note=final_note)


def make_pdf(pack: BoardPack, charts: bool = True, progress: Progress | None = None) -> PackResult:
    """The pack with this process's Chromium when there is one; otherwise tables, saying why."""
    chosen = renderer() if charts else None
    reason = status().reason if charts else "chart images were switched off for this pack"
    return build_pdf(pack, chosen, reason, progress)


def page_chart_top() -> float:
    return MARGIN + 19.0


# --- pages -------------------------------------------------------------------------------------------

def _cover(pdf: _PackPdf, pack: BoardPack, note: str) -> None:
    pdf.set_title(f"Board pack: {pack.organization}, meeting {pack.meeting_date:%d %b %Y}")
    pdf.set_subject(f"Data cut-off {pack.cut_off:%d %b %Y}")
    pdf.add_page()
    pdf.footer_text = pack.footer()
    pdf.ln(18)
    pdf.para("Board pack", 14, colour=MUTED)
    pdf.para(pack.organization, 30, bold=True, h=13)
    pdf.ln(4)
    pdf.para(f"Meeting: {pack.meeting_date:%A %d %B %Y}", 14)
    pdf.para(f"Data cut-off: {pack.cut_off:%d %B %Y} (measurements after this date are not included)", 14)
    pdf.para(f"Workshops in the period: {pack.period_start:%d %b %Y} – {pack.cut_off:%d %b %Y}", 11, colour=MUTED)
    pdf.ln(6)
    pdf.para("Contents", 13, bold=True)
    aims = [f"Aim {i + 1}: {v.aim.title}" for i, v in enumerate(pack.views)]
    if len(aims) > CONTENTS_AIMS:
        aims = aims[:CONTENTS_AIMS] + [f"… and {len(aims) - CONTENTS_AIMS} more aims, a page each"]
    pdf.para("\n".join(["The vital few: every system-level aim at a glance", *aims,
                        "Self-assessment: the Seven Leadership Leverage Points, and the chosen focus measures",
                        "Workshops held in the period"]), 10)
    if note:
        pdf.ln(4)
        _note_box(pdf, f"Charts are shown as tables in this pack: {note}.")
    pdf.ln(4)
    pdf.para(f"Made by Leverage {pack.version} on {pack.generated_at:%d %b %Y %H:%M} UTC. SPC rules: "
             f"{'; '.join(pack.rule_sets)}. Icons and projections are computed exactly as on the Board page.",
             8, colour=MUTED)


def _note_box(pdf: _PackPdf, text: str) -> None:
    pdf.set_fill_color(*NOTE_FILL)
    pdf.font(10, bold=True)
    pdf.multi_cell(0, 5.5, text, fill=True, border=0, padding=2, new_x="LMARGIN", new_y="NEXT")


SUMMARY_COLS = (("Aim", 56), ("Variation", 42), ("Assurance", 42), ("Projection", 25), ("Latest", 22),
                ("Target now", 21), ("Deadline", 18), ("Owner", 34), ("Review", 13))
ICON = 7.0
ROW_H = 13.0


def _summary(pdf: _PackPdf, pack: BoardPack) -> None:
    pdf.add_page()
    pdf.footer_text = pack.footer()
    pdf.heading("The vital few")
    pdf.para(f"{len(pack.views)} system-level aim(s) at {pack.cut_off:%d %b %Y}: is the change real (variation), "
             "will the target be met (assurance), and are we on course for the deadline (projection)?", 10,
             colour=MUTED)
    pdf.ln(2)
    if pack.summary.empty:
        pdf.para("No system-level aims are recorded yet: add the one or two measures the board will oversee on "
                 "the Aims page.", 12)
        return
    _summary_head(pdf)
    for row in pack.summary.itertuples(index=False):
        if pdf.get_y() + ROW_H > PAGE_H - FOOTER_H - 4:
            pdf.add_page()
            pdf.footer_text = pack.footer()
            _summary_head(pdf)
        _summary_row(pdf, row)
    pdf.ln(3)
    _legend(pdf)


def _summary_head(pdf: _PackPdf) -> None:
    pdf.set_fill_color(*HEAD_FILL)
    pdf.font(9, bold=True)
    for name, w in SUMMARY_COLS:
        pdf.cell(w, 7, name, fill=True)
    pdf.ln(7)


def _summary_row(pdf: _PackPdf, row) -> None:
    x0, y0 = pdf.get_x(), pdf.get_y()
    widths = dict(SUMMARY_COLS)
    x = x0

    def text_cell(text: str, w: float, bold: bool = False, size: float = 8.5) -> None:
        nonlocal x
        pdf.set_xy(x + 0.5, y0 + 1)
        pdf.font(size, bold)
        pdf.multi_cell(w - 1, 3.6, text, align="L", new_x="RIGHT", new_y="TOP")
        x += w

    text_cell(_truncate(row.aim, 80), widths["Aim"], bold=True, size=9)
    for svg, label, w in ((variation_svg(row.variation), variation_label(row.variation), widths["Variation"]),
                          (assurance_svg(row.assurance), assurance_label(row.assurance), widths["Assurance"])):
        pdf.svg(svg, x + 0.5, y0 + (ROW_H - ICON) / 2, ICON)
        pdf.set_xy(x + ICON + 1.5, y0 + 1)
        pdf.font(7.5)
        pdf.multi_cell(w - ICON - 2, 3.3, label, align="L", new_x="RIGHT", new_y="TOP")
        x += w
    text_cell(row.projection_label, widths["Projection"], bold=True)
    latest = (f"{format_value(row.latest)}\n{_date(row.latest_period, '%b %Y')}" if pd.notna(row.latest)
              else "no data yet")
    text_cell(latest, widths["Latest"])
    text_cell(format_value(row.target), widths["Target now"])
    text_cell(_date(row.deadline, "%b %Y"), widths["Deadline"])
    text_cell(_truncate(row.owner or "–", 40), widths["Owner"])
    text_cell("due" if row.review_due else "done", widths["Review"])
    pdf.set_draw_color(*RULE)
    pdf.line(x0, y0 + ROW_H, x0 + sum(widths.values()), y0 + ROW_H)
    pdf.set_xy(x0, y0 + ROW_H)


def _legend(pdf: _PackPdf) -> None:
    pdf.para("How to read the icons (NHS England, Making Data Count): grey common cause; blue improvement; orange "
             "concern; purple special cause with no direction set. Variation is read from the latest point; "
             "assurance compares the target with the process limits. Projection: the trend of the current phase "
             "carried to the deadline, with a 90 % interval.", 8, colour=MUTED)


def _truncate(text: object, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _aim_page(pdf: _PackPdf, pack: BoardPack, view: AimView, has_chart: bool, why: str) -> int:
    aim = view.aim
    pdf.add_page()
    pdf.footer_text = pack.footer(view)
    pdf.para(_truncate(aim.title, 110), 17, bold=True, h=7.5)
    owner = f" · owner: {aim.owner}" if aim.owner else ""
    unit = f" ({aim.unit})" if aim.unit else ""
    pdf.para(f"{aim.measure}{unit} · {CHART_NAMES[aim.chart]}{owner}", 10, colour=MUTED, h=5)
    page_index = pdf.page_no() - 1
    pdf.set_y(page_chart_top())
    if has_chart:
        pdf.set_y(page_chart_top() + CHART_H + 2)
    else:
        _fallback_table(pdf, view, why)
    _reading(pdf, view, pack.cut_off)
    return page_index


def _fallback_table(pdf: _PackPdf, view: AimView, why: str) -> None:
    _note_box(pdf, f"Chart not drawn: {why}. The latest {FALLBACK_POINTS} points are listed instead.")
    pdf.ln(1.5)
    if view.result is None or view.result.points.empty:
        pdf.para("No measurements yet.", 10)
        return
    points = view.result.points.tail(FALLBACK_POINTS)
    heads = ("Period", "Value", "Centre", "Lower limit", "Upper limit", "Reading")
    pdf.font(8)
    pdf.set_fill_color(*ZEBRA)
    with pdf.table(col_widths=(22, 20, 20, 22, 22, 167), line_height=4.2, text_align="LEFT",
                   headings_style=HEADINGS, cell_fill_color=ZEBRA, cell_fill_mode="ROWS", width=273, align="LEFT",
                   padding=0.6) as table:
        table.row(heads)
        for p in points.itertuples(index=False):
            reading = POINT_NAMES.get(p.point_type, p.point_type)
            if len(p.signals):  # the rules' short names keep each point on one line
                reading += ": " + ", ".join(s.replace("_", " ") for s in p.signals)
            table.row([_date(p.period, "%b %Y"), *(format_value(v) for v in (p.value, p.centre, p.lower, p.upper)),
                       reading])
    pdf.ln(2)


def _reading(pdf: _PackPdf, view: AimView, cut_off: dt.date) -> None:
    """Latest value, target, projection and icons on the left; the questions to ask on the right."""
    aim, latest = view.aim, view.latest
    top = pdf.get_y()
    left_w, gap = 128.0, 6.0
    lines = [
        f"Latest: {format_value(latest[1], aim.unit)} ({latest[0]:%b %Y})" if latest else "Latest: no measurements yet",
        f"Target now: {format_value(view.target_now, aim.unit)}; deadline {_date(aim.deadline)}",
        f"Projection: {view.projection.label}",
    ]
    for line in lines:
        pdf.set_x(MARGIN)
        pdf.font(10, bold=True)
        pdf.multi_cell(left_w, 4.8, line, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(MARGIN)
    pdf.font(8, colour=MUTED)
    pdf.multi_cell(left_w, 3.6, view.projection.reason, align="L", new_x="LMARGIN", new_y="NEXT")
    y, half = pdf.get_y() + 1.5, left_w / 2
    for i, (svg, label) in enumerate(((variation_svg(view.variation), variation_label(view.variation)),
                                      (assurance_svg(view.assurance), assurance_label(view.assurance)))):
        x = MARGIN + i * half
        pdf.svg(svg, x, y, ICON + 1)
        pdf.set_xy(x + ICON + 2.5, y)
        pdf.font(8)
        pdf.multi_cell(half - ICON - 4, 3.5, ("Variation: " if i == 0 else "Assurance: ") + label,
                       align="L", new_x="RIGHT", new_y="TOP")
    right_x = MARGIN + left_w + gap
    pdf.set_xy(right_x, top)
    pdf.font(10.5, bold=True)
    pdf.cell(0, 5, "Questions to ask", new_x="LMARGIN", new_y="NEXT")
    for question in questions_to_ask(view, cut_off):
        pdf.set_x(right_x)
        pdf.font(8.5)
        pdf.multi_cell(PAGE_W - MARGIN - right_x, 3.8, f"•  {question}", align="L", new_x="LMARGIN",
                       new_y="NEXT")
        pdf.ln(0.6)


def _assessment(pdf: _PackPdf, pack: BoardPack) -> None:
    pdf.add_page()
    pdf.footer_text = pack.footer()
    a: AssessmentSummary | None = pack.assessment
    pdf.heading("Self-assessment: the Seven Leadership Leverage Points")
    if a is None:
        pdf.para(f"No self-assessment round with responses had opened by {pack.cut_off:%d %b %Y}.", 12)
        return
    opened = f", opened {a.opens_on:%d %b %Y}" if a.opens_on else ""
    pdf.para(f"Round {a.round_name}{opened}: {a.respondents} respondents. Scores 1–5 (5 = the leverage point is "
             f"fully in place). Anonymity threshold: groups with fewer than {a.min_n} respondents show their count "
             "only.", 10, colour=MUTED)
    pdf.ln(2)
    if a.withheld:
        pdf.para(f"Withheld: this round has {a.respondents} respondents, fewer than the threshold of {a.min_n}.", 12)
        return
    pdf.font(9)
    with pdf.table(col_widths=(16, 150, 14, 18, 34, 40), line_height=4.6, text_align="LEFT", width=272,
                   headings_style=HEADINGS, cell_fill_color=ZEBRA, cell_fill_mode="ROWS", padding=0.8) as table:
        table.row(("Point", "Leverage point", "n", "Mean", "95 % interval", "Status"))
        for p in a.points.itertuples(index=False):
            interval = f"{p.ci_low:.2f}–{p.ci_high:.2f}" if pd.notna(p.ci_low) else "–"
            table.row([p.leverage_point, p.title, str(int(p.n_respondents)),
                       f"{p.mean:.2f}" if pd.notna(p.mean) else "–", interval, p.status])
    pdf.ln(4)
    pdf.para("By role (mean 1–5; n = respondents in the role)", 11, bold=True)
    pdf.ln(1)
    _frame_table(pdf, a.by_role.rename(columns={"role": "Role", OVERALL: "Overall"}), first_width=46)
    pdf.ln(4)
    if pdf.get_y() > PAGE_H - 60:  # keep the heading with its table
        pdf.add_page()
        pdf.footer_text = pack.footer()
    pdf.para("Focus measures chosen by respondents (one or two each)", 11, bold=True)
    pdf.ln(1)
    if a.focus.empty:
        pdf.para("No one chose focus measures in this round.", 10)
    else:
        pdf.font(9)
        with pdf.table(col_widths=(200, 40), line_height=4.6, text_align="LEFT", width=240, align="LEFT",
                       headings_style=HEADINGS, cell_fill_color=ZEBRA, cell_fill_mode="ROWS", padding=0.8) as table:
            table.row(("System-level measure", "Respondents"))
            for f in a.focus.itertuples(index=False):
                table.row([f.measure, str(int(f.respondents))])


def _frame_table(pdf: _PackPdf, frame: pd.DataFrame, first_width: float) -> None:
    rest = (PAGE_W - 2 * MARGIN - first_width - 12) / max(len(frame.columns) - 2, 1)
    widths = (first_width, 12, *([rest] * (len(frame.columns) - 2)))
    pdf.font(8.5)
    with pdf.table(col_widths=widths, line_height=4.4, text_align="LEFT", width=sum(widths),
                   headings_style=HEADINGS, cell_fill_color=ZEBRA, cell_fill_mode="ROWS", padding=0.8) as table:
        table.row([str(c) for c in frame.columns])
        for values in frame.itertuples(index=False):
            table.row([str(v) if pd.notna(v) else "–" for v in values])


def _workshops(pdf: _PackPdf, pack: BoardPack) -> None:
    pdf.add_page()
    pdf.footer_text = pack.footer()
    pdf.heading("Workshops in the period")
    pdf.para(f"{pack.period_start:%d %b %Y} – {pack.cut_off:%d %b %Y}", 10, colour=MUTED)
    pdf.ln(2)
    if not pack.workshops:
        pdf.para("No live workshops were held in this period.", 12)
        return
    for ws in pack.workshops:
        _workshop(pdf, ws)


def _workshop(pdf: _PackPdf, ws: WorkshopSummary) -> None:
    if pdf.get_y() > PAGE_H - 80:
        footer = pdf.footer_text
        pdf.add_page()
        pdf.footer_text = footer
    pdf.para(f"{ws.title} ({ws.code}), {ws.held_on:%d %b %Y}", 12, bold=True)
    pdf.para(f"{ws.participants} participant(s); {ws.votes} vote(s); {ws.status}. Scores from vote {ws.votes}, "
             "the workshop's anonymity threshold applied.", 9, colour=MUTED)
    pdf.ln(1)
    shift = {} if ws.shift is None or ws.shift.empty else \
        {r.leverage_point: r.change for r in ws.shift.itertuples(index=False) if "role" not in ws.shift.columns}
    pdf.font(9)
    with pdf.table(col_widths=(16, 150, 14, 20, 40, 30), line_height=4.6, text_align="LEFT", width=270,
                   headings_style=HEADINGS, cell_fill_color=ZEBRA, cell_fill_mode="ROWS", padding=0.8) as table:
        table.row(("Point", "Leverage point", "n", "Mean", "Status", "Change since vote 1"))
        for p in ws.scores.itertuples(index=False):
            change = shift.get(p.leverage_point)
            table.row([p.leverage_point, p.title, str(int(p.n_respondents)),
                       f"{p.mean:.2f}" if pd.notna(p.mean) else "–", p.status,
                       f"{change:+.2f}" if change is not None and pd.notna(change) else "–"])
    pdf.ln(4)


# --- charts onto their pages ---------------------------------------------------------------------------

def _stamp(raw: bytes, stamps: list[_Stamp]) -> bytes:
    """Place each chart's one-page PDF, scaled to its box, onto its page: vectors stay vectors.

    Each chart becomes a form XObject drawn with one `Do`; pypdf's `merge_transformed_page` would do the
    same by rewriting every operator of both pages, four times slower for a 25-aim pack.
    """
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    add = writer._add_object  # a new indirect object: pypdf has no public name for this
    mm = 72 / 25.4
    for n, stamp in enumerate(stamps):
        chart = PdfReader(io.BytesIO(stamp.pdf)).pages[0]
        box = [float(v) for v in chart.mediabox]
        cw, ch = box[2] - box[0], box[3] - box[1]
        form = DecodedStreamObject()
        form.set_data(chart.get_contents().get_data())
        form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                     NameObject("/BBox"): ArrayObject([FloatObject(v) for v in box]),
                     NameObject("/Resources"): chart["/Resources"].get_object().clone(writer)})
        name = NameObject(f"/LeverageChart{n}")
        page = writer.pages[stamp.page]
        resources = page[NameObject("/Resources")].get_object()
        if "/XObject" not in resources:
            resources[NameObject("/XObject")] = DictionaryObject()
        resources["/XObject"].get_object()[name] = add(form.flate_encode())
        scale = min(stamp.w * mm / cw, stamp.h * mm / ch)
        x = stamp.x * mm + (stamp.w * mm - cw * scale) / 2 - box[0] * scale
        y = (PAGE_H - stamp.y - stamp.h) * mm + (stamp.h * mm - ch * scale) - box[1] * scale
        draw = DecodedStreamObject()
        draw.set_data(f"q {scale:.6f} 0 0 {scale:.6f} {x:.4f} {y:.4f} cm {name} Do Q".encode())
        contents = page["/Contents"].get_object()
        parts = list(contents) if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")]
        page[NameObject("/Contents")] = ArrayObject([*parts, add(draw)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
