"""What each page of the board pack says, decided once for the PDF and the slide deck.

`build_layout(pack)` turns the `BoardPack` that `gather` computed into a `Document` (see `layout_blocks`):
the cover, the vital few, a page per aim, the self-assessment and its focus measures, the workshops of the
period. Every text, number and date the board reads is written here; the writers in `pdf` and `pptx`
only place it, so the paper and the deck read the same.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from leverage.aims.charts import POINT_NAMES, annotation_key
from leverage.aims.spc import CHART_NAMES
from leverage.aims.view import AimView, format_value, questions_to_ask
from leverage.reports.boardpack.content import AssessmentSummary, BoardPack, WorkshopSummary
from leverage.reports.boardpack.layout_blocks import (
    Block,
    Brief,
    ChartSlot,
    Column,
    Document,
    Facts,
    IconRow,
    ItemList,
    Note,
    Page,
    Paragraph,
    Row,
    Table,
    day,
    make_icon,
    month,
)
from leverage.survey.rounds import round_label
from leverage.survey.scoring import OVERALL

FALLBACK_POINTS = 12  # the latest points listed when a chart cannot be drawn
CONTENTS_AIMS = 12  # aims listed by name in the cover's contents
KICKER = "Board pack: system-level aims and the Seven Leadership Leverage Points"
ASSESSMENT_TITLE = "Self-assessment: the Seven Leadership Leverage Points"
LEGEND = ("How to read the icons (NHS England, Making Data Count): grey common cause; blue improvement; orange "
          "concern; purple special cause that is neither (no direction set, or points hugging the centre line). "
          "Variation is read from the latest point; "
          "assurance compares the target with the process limits. Projection: the trend of the current phase "
          "carried to the deadline, with a 90 % interval for the value that will be measured then.")

# Relative widths (inches of a 16:9 slide, scaled to an A4 page for the paper), chosen so that on a slide
# every heading stays on one line and the vital few's five demo aims fit one slide.
SUMMARY_COLUMNS = (
    Column("Aim", 2.3, strong=True), Column("Variation", 2.3), Column("Assurance", 2.4),
    Column("Projection", 1.15, strong=True), Column("Latest", 1.0), Column("Target now", 1.05),
    Column("Deadline", 0.95), Column("Owner", 1.38), Column("Review", 0.6, aside=True))
POINTS_COLUMNS = (
    Column("Period", 0.9), Column("Value", 0.8, "right"), Column("Centre", 0.8, "right"),
    Column("Lower limit", 0.8, "right", short="Lower"), Column("Upper limit", 0.8, "right", short="Upper"),
    Column("Reading", 3.0))


def build_layout(pack: BoardPack, chart_note: str = "") -> Document:
    """The pack's pages in order. `chart_note`: why no chart is drawn at all ("" when charts are drawn);
    the cover says it, since it changes what every aim's page shows."""
    pages = [cover(pack, chart_note), summary(pack), *(aim_page(pack, view) for view in pack.views),
             *assessment_pages(pack), *workshop_pages(pack)]
    return Document(title=f"Board pack: {pack.organization}, meeting {day(pack.meeting_date)}",
                    subject=f"Data cut-off {day(pack.cut_off)}", author=f"Leverage {pack.version}",
                    pages=tuple(pages))


# --- the cover and the vital few ------------------------------------------------------------------------
def cover(pack: BoardPack, chart_note: str = "") -> Page:
    """Who, for which meeting, with data up to when; the contents; and whether charts are tables."""
    aims = [f"Aim {i + 1}: {v.aim.title}" for i, v in enumerate(pack.views)]
    if len(aims) > CONTENTS_AIMS:
        aims = aims[:CONTENTS_AIMS] + [f"… and {len(aims) - CONTENTS_AIMS} more aims, a page each"]
    blocks: list[Block] = [
        Facts((("Meeting", f"{pack.meeting_date:%A %d %B %Y}"),
               ("Data cut-off", f"{pack.cut_off:%d %B %Y} (measurements after this date are not included)"),
               ("Workshops in the period", f"{day(pack.period_start)} – {day(pack.cut_off)}")), name="Meeting"),
        ItemList("Contents", ("The vital few: every system-level aim at a glance", *aims,
                              "Self-assessment: the Seven Leadership Leverage Points, and the chosen focus measures",
                              "Workshops held in the period"), bullets=False, aside=True)]
    if chart_note:
        blocks.append(Note(f"Charts are shown as tables in this pack: {chart_note.rstrip('.')}."))
    blocks.append(Paragraph(
        f"Made by Leverage {pack.version} on {pack.generated_at:%d %b %Y %H:%M} UTC. SPC rules: "
        f"{'; '.join(pack.rule_sets)}. Icons and projections are computed exactly as on the Board page.",
        "small", aside=True))
    return Page("cover", pack.organization, tuple(blocks), pack.footer(), kicker=KICKER)


def summary(pack: BoardPack) -> Page:
    """The vital few: a row per aim, with its icons, as the Board page's table shows it at the cut-off."""
    rows = tuple(summary_row(row) for row in pack.summary.itertuples(index=False))
    blocks: list[Block] = [
        Paragraph(f"{len(pack.views)} system-level aim(s) at {day(pack.cut_off)}: is the change real (variation), "
                  "will the target be met (assurance), and are we on course for the deadline (projection)?", "muted"),
        Table("The vital few", SUMMARY_COLUMNS, rows,
              empty="There are no aims in the register yet. Add the one or two measures the board will oversee "
                    "on the Aims page.")]
    if rows:
        blocks.append(Paragraph(LEGEND, "small", aside=True))
    return Page("summary", f"The vital few: {pack.organization}", tuple(blocks), pack.footer())


def summary_row(row: Any) -> Row:
    """One aim's row of the vital few (a row of `vital_few`'s table, from `itertuples`)."""
    decimals = int(row.decimals)
    latest = (f"{format_value(row.latest, decimals=decimals)}\n{month(row.latest_period)}" if pd.notna(row.latest)
              else "no data yet")
    owner = row.owner if isinstance(row.owner, str) and row.owner else "No owner named"
    return Row((str(row.aim), make_icon("variation", row.variation), make_icon("assurance", row.assurance),
                str(row.projection_label), latest, format_value(row.target, decimals=decimals), month(row.deadline),
                owner, "due" if row.review_due else "done"), key=f"aim {row.aim_id}")


# --- an aim's page ----------------------------------------------------------------------------------------
def aim_page(pack: BoardPack, view: AimView) -> Page:
    """The chart (or its latest points), the reading in words and icons, and the questions to ask."""
    aim, latest = view.aim, view.latest
    unit = f" ({aim.unit})" if aim.unit else ""
    owner = f"Owner: {aim.owner}" if aim.owner else "No owner named"
    icons = (make_icon("variation", view.variation, prefixed=True),
             make_icon("assurance", view.assurance, prefixed=True))
    chart = ChartSlot(view, points_table(view), alt=f"Chart of {aim.measure}: {icons[0].label}; {icons[1].label}.",
                      key=tuple(annotation_key(view)))
    facts = Facts((
        ("Latest", f"{view.fmt(latest[1], with_unit=True)} ({month(latest[0])})" if latest else "no measurements yet"),
        ("Target now", view.fmt(view.target_now, with_unit=True)),
        ("Deadline", day(aim.deadline))))
    projection = Facts((("Projection", view.projection.label),), note=view.projection.reason, name="Projection")
    return Page("aim", aim.title, (
        Paragraph(f"{aim.measure}{unit} · {CHART_NAMES[aim.chart]} · {owner}", "muted"), chart, facts, projection,
        IconRow(icons), ItemList("Questions to ask", tuple(questions_to_ask(view, pack.cut_off)))),
        pack.footer(view))


def points_table(view: AimView) -> Table:
    """The latest points with their limits and reading: what stands in for a chart that is not drawn."""
    points = view.result.points.tail(FALLBACK_POINTS) if view.result is not None else pd.DataFrame()
    rows = []
    for p in points.itertuples(index=False):
        name = POINT_NAMES.get(p.point_type, str(p.point_type))
        # the rules' short names keep each point on one line
        reading = f"{name}: {', '.join(s.replace('_', ' ') for s in p.signals)}" if len(p.signals) else name
        rows.append(Row((month(p.period), *(view.fmt(v) for v in (p.value, p.centre, p.lower, p.upper)),
                         Brief(reading, name))))
    return Table("Latest points", POINTS_COLUMNS, tuple(rows), empty="No measurements yet.")


# --- the self-assessment and the workshops -----------------------------------------------------------------
def assessment_pages(pack: BoardPack) -> list[Page]:
    """The latest round's scores per leverage point (and by role, on paper), then its focus measures."""
    a: AssessmentSummary | None = pack.assessment
    footer = pack.footer()
    if a is None:
        return [Page("section", ASSESSMENT_TITLE, (Paragraph(
            f"No self-assessment round with responses had opened by {day(pack.cut_off)}.", "lead"),), footer)]
    opened = f", opened {day(a.opens_on)}" if a.opens_on else ""
    kind = "Workshop round" if a.workshop else "Round"
    intro = Paragraph(f"{kind} {a.round_name}{opened}: {a.respondents} respondents. Scores 1–5 (5 = the leverage "
                      f"point is fully in place). Anonymity threshold: groups with fewer than {a.min_n} respondents "
                      "show their count only.", "muted")
    if a.withheld:
        return [Page("section", ASSESSMENT_TITLE, (
            intro, Paragraph(f"Withheld: this round has {a.respondents} respondents, fewer than the threshold of "
                             f"{a.min_n}.", "strong"),
            Paragraph("No scores are shown, so that no one's answers can be singled out.")), footer)]
    rows = []
    for p in a.points.itertuples(index=False):
        shown = p.status == "ok" and pd.notna(p.mean)
        rows.append(Row((p.leverage_point if p.leverage_point != OVERALL else "", str(p.title),
                         str(int(p.n_respondents)), f"{p.mean:.2f}" if shown else ("withheld" if p.status != "ok"
                                                                                   else "–"),
                         f"{p.ci_low:.2f}–{p.ci_high:.2f}" if shown and pd.notna(p.ci_low) else "–")))
    points = Table("Self-assessment", (Column("Point", 0.8), Column("Leverage point", 8.05),
                                       Column("Respondents", 1.4, "right"), Column("Mean", 0.95, "right"),
                                       Column("95 % interval", 1.33, "right")), tuple(rows))
    focus = tuple(Row((str(f.measure), str(int(f.respondents)))) for f in a.focus.itertuples(index=False))
    return [
        Page("section", ASSESSMENT_TITLE, (intro, points, by_role_table(a)), footer),
        Page("section", "Focus measures chosen by respondents (one or two each)", (
            Paragraph(f"{round_label(a.round_name, a.workshop)}: the whole-system measures respondents would most "
                      "like the board to "
                      "watch.", "muted"),
            Table("Focus measures", (Column("System-level measure", 9.5), Column("Respondents", 2.0, "right")),
                  focus, empty="No one chose focus measures in this round.")),
             footer, continues=True, optional=not focus)]


def by_role_table(a: AssessmentSummary) -> Table:
    """Mean per point by role (the Results page's heat table): detail for paper, too dense for a slide."""
    frame = a.by_role.rename(columns={"role": "Role", OVERALL: "Overall"})
    rest = (273 - 46 - 12) / max(len(frame.columns) - 2, 1)  # mm on the page these widths were drawn for
    columns = (Column(str(frame.columns[0]), 46), Column(str(frame.columns[1]), 12, "right"),
               *(Column(str(c), rest, "right") for c in frame.columns[2:]))
    rows = tuple(Row(tuple(str(v) if pd.notna(v) else "–" for v in values))
                 for values in frame.itertuples(index=False))
    return Table("By role", columns, rows, title="By role (mean 1–5; n = respondents in the role)", aside=True)


def workshop_pages(pack: BoardPack) -> list[Page]:
    """The period's live workshops: a heading page (all there is when none was held), then one per workshop."""
    heading: list[Block] = [Paragraph(f"{day(pack.period_start)} – {day(pack.cut_off)}", "muted")]
    if not pack.workshops:
        heading.append(Paragraph("No live workshops were held in this period.", "lead"))
    return [Page("section", "Workshops in the period", tuple(heading), pack.footer(), optional=True),
            *(workshop_page(pack, ws) for ws in pack.workshops)]


def workshop_page(pack: BoardPack, ws: WorkshopSummary) -> Page:
    """One workshop's latest vote per point, and its change since the first vote when there was a re-vote."""
    votes = "one vote" if ws.votes == 1 else f"{ws.votes} votes (scores from vote {ws.votes}, the latest)"
    intro = Paragraph(f"Held {day(ws.held_on)} · code {ws.code} · {ws.status} · {ws.participants} participant(s) · "
                      f"{votes}. The workshop's anonymity threshold applied.", "muted")
    change = {}
    if ws.shift is not None and not ws.shift.empty and "role" not in ws.shift.columns:
        change = {r.leverage_point: r.change for r in ws.shift.itertuples(index=False)}
    columns = [Column("Point", 0.8), Column("Leverage point", 7.0 if change else 8.7),
               Column("Respondents", 1.4, "right"), Column("Mean", 1.63, "right")]
    if change:
        columns.append(Column("Change from vote 1", 1.7, "right"))
    rows = []
    for p in ws.scores.itertuples(index=False):
        shown = p.status == "ok" and pd.notna(p.mean)
        cells = [str(p.leverage_point), str(p.title), str(int(p.n_respondents)),
                 f"{p.mean:.2f}" if shown else str(p.status)]
        if change:
            delta = change.get(p.leverage_point)
            cells.append("–" if delta is None or pd.isna(delta) else f"{delta:+.2f}")
        rows.append(Row(tuple(cells)))
    table = Table("Workshop scores", tuple(columns), tuple(rows), empty="No answers were given.")
    return Page("section", f"Workshop: {ws.title}", (intro, table), pack.footer(), continues=True)
