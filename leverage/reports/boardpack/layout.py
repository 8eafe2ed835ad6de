"""What each page of the board pack says, decided once for the PDF and the slide deck.

`build_layout(pack)` turns the `BoardPack` that `gather` computed into a `Document` (see `layout_blocks`):
the cover, the vital few, a page per aim, the self-assessment and its focus measures, the workshops of the
period. Every text, number and date the board reads is written here; the writers in `pdf` and `pptx`
only place it, so the paper and the deck read the same.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from leverage.aims.charts import POINT_NAMES, annotation_key
from leverage.aims.spc import CHART_NAMES
from leverage.aims.view import AimView, format_value, questions_to_ask
from leverage.core.i18n import N_, _
from leverage.core.localized import LONG_DAY, STAMP, WEEKDAY, fixed, when
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
KICKER = N_("Board pack: system-level aims and the Seven Leadership Leverage Points")
ASSESSMENT_TITLE = N_("Self-assessment: the Seven Leadership Leverage Points")
LEGEND = N_("How to read the icons (NHS England, Making Data Count): grey common cause; blue improvement; orange "
          "concern; purple special cause that is neither (no direction set, or points hugging the centre line). "
          "Variation is read from the latest point; "
          "assurance compares the target with the process limits. Projection: the trend of the current phase "
          "carried to the deadline, with a 90 % interval for the value that will be measured then.")

# Relative widths (inches of a 16:9 slide, scaled to an A4 page for the paper), chosen so that on a slide
# every heading stays on one line and the vital few's five demo aims fit one slide.
# The words of the statuses a table may show (a workshop's state, a withheld score's reason), for extraction.
STATUS_WORDS = (N_("running"), N_("ending"), N_("ended"), N_("below threshold"), N_("withheld (secondary)"),
                N_("no data"))

# Column names are marked here and translated when a table is made (`_columns`).
SUMMARY_COLUMNS = (
    Column(N_("Aim"), 2.3, strong=True), Column(N_("Variation"), 2.3), Column(N_("Assurance"), 2.4),
    Column(N_("Projection"), 1.15, strong=True), Column(N_("Latest"), 1.0), Column(N_("Target now"), 1.05),
    Column(N_("Deadline"), 0.95), Column(N_("Owner"), 1.38), Column(N_("Review"), 0.6, aside=True))
POINTS_COLUMNS = (
    Column(N_("Period"), 0.9), Column(N_("Value"), 0.8, "right"), Column(N_("Centre"), 0.8, "right"),
    Column(N_("Lower limit"), 0.8, "right", short=N_("Lower")),
    Column(N_("Upper limit"), 0.8, "right", short=N_("Upper")), Column(N_("Reading"), 3.0))


def _columns(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """`columns` with their headings in the current language."""
    return tuple(replace(c, name=_(c.name), short=_(c.short) if c.short else "") for c in columns)


def build_layout(pack: BoardPack, chart_note: str = "") -> Document:
    """The pack's pages in order. `chart_note`: why no chart is drawn at all ("" when charts are drawn);
    the cover says it, since it changes what every aim's page shows."""
    pages = [cover(pack, chart_note), summary(pack), *(aim_page(pack, view) for view in pack.views),
             *assessment_pages(pack), *workshop_pages(pack)]
    return Document(title=_("Board pack: {organization}, meeting {date}").format(
                        organization=pack.organization, date=day(pack.meeting_date)),
                    subject=_("Data cut-off {date}").format(date=day(pack.cut_off)),
                    author=f"Leverage {pack.version}",
                    pages=tuple(pages))


# --- the cover and the vital few ------------------------------------------------------------------------
def cover(pack: BoardPack, chart_note: str = "") -> Page:
    """Who, for which meeting, with data up to when; the contents; and whether charts are tables."""
    aims = [_("Aim {number}: {title}").format(number=i + 1, title=v.aim.title) for i, v in enumerate(pack.views)]
    if len(aims) > CONTENTS_AIMS:
        aims = aims[:CONTENTS_AIMS] + [_("… and {n} more aims, a page each").format(n=len(aims) - CONTENTS_AIMS)]
    blocks: list[Block] = [
        Facts(((_("Meeting"), when(pack.meeting_date, WEEKDAY)),
               (_("Data cut-off"), _("{date} (measurements after this date are not included)").format(
                   date=when(pack.cut_off, LONG_DAY))),
               (_("Workshops in the period"), f"{day(pack.period_start)} – {day(pack.cut_off)}")), name="Meeting"),
        ItemList(_("Contents"), (_("The vital few: every system-level aim at a glance"), *aims,
                                 _("Self-assessment: the Seven Leadership Leverage Points, and the chosen focus "
                                   "measures"),
                                 _("Workshops held in the period")), bullets=False, aside=True)]
    if chart_note:
        blocks.append(Note(_("Charts are shown as tables in this pack: {why}.").format(why=chart_note.rstrip("."))))
    blocks.append(Paragraph(
        _("Made by Leverage {version} on {stamp} UTC. SPC rules: {rules}. Icons and projections are computed "
          "exactly as on the Board page.").format(version=pack.version, stamp=when(pack.generated_at, STAMP),
                                                  rules="; ".join(pack.rule_sets)),
        "small", aside=True))
    return Page("cover", pack.organization, tuple(blocks), pack.footer(), kicker=_(KICKER))


def summary(pack: BoardPack) -> Page:
    """The vital few: a row per aim, with its icons, as the Board page's table shows it at the cut-off."""
    rows = tuple(summary_row(row) for row in pack.summary.itertuples(index=False))
    blocks: list[Block] = [
        Paragraph(_("{n} system-level aim(s) at {date}: is the change real (variation), will the target be met "
                    "(assurance), and are we on course for the deadline (projection)?").format(
                        n=len(pack.views), date=day(pack.cut_off)), "muted"),
        Table("The vital few", _columns(SUMMARY_COLUMNS), rows,
              empty=_("There are no aims in the register yet. Add the one or two measures the board will oversee "
                      "on the Aims page."))]
    if rows:
        blocks.append(Paragraph(_(LEGEND), "small", aside=True))
    return Page("summary", _("The vital few: {organization}").format(organization=pack.organization),
                tuple(blocks), pack.footer())


def summary_row(row: Any) -> Row:
    """One aim's row of the vital few (a row of `vital_few`'s table, from `itertuples`)."""
    decimals = int(row.decimals)
    latest = (f"{format_value(row.latest, decimals=decimals)}\n{month(row.latest_period)}" if pd.notna(row.latest)
              else _("no data yet"))
    owner = row.owner if isinstance(row.owner, str) and row.owner else _("No owner named")
    return Row((str(row.aim), make_icon("variation", row.variation), make_icon("assurance", row.assurance),
                str(row.projection_label), latest, format_value(row.target, decimals=decimals), month(row.deadline),
                owner, _("due") if row.review_due else _("done")), key=f"aim {row.aim_id}")


# --- an aim's page ----------------------------------------------------------------------------------------
def aim_page(pack: BoardPack, view: AimView) -> Page:
    """The chart (or its latest points), the reading in words and icons, and the questions to ask."""
    aim, latest = view.aim, view.latest
    unit = f" ({aim.unit})" if aim.unit else ""
    owner = _("Owner: {owner}").format(owner=aim.owner) if aim.owner else _("No owner named")
    icons = (make_icon("variation", view.variation, prefixed=True),
             make_icon("assurance", view.assurance, prefixed=True))
    chart = ChartSlot(view, points_table(view), alt=_("Chart of {measure}: {variation}; {assurance}.").format(
                          measure=aim.measure, variation=icons[0].label, assurance=icons[1].label),
                      key=tuple(annotation_key(view)))
    facts = Facts((
        (_("Latest"), f"{view.fmt(latest[1], with_unit=True)} ({month(latest[0])})" if latest
         else _("no measurements yet")),
        (_("Target now"), view.fmt(view.target_now, with_unit=True)),
        (_("Deadline"), day(aim.deadline))))
    projection = Facts(((_("Projection"), view.projection.label),), note=view.projection.reason, name="Projection")
    return Page("aim", aim.title, (
        Paragraph(f"{aim.measure}{unit} · {_(CHART_NAMES[aim.chart])} · {owner}", "muted"), chart, facts, projection,
        IconRow(icons), ItemList(_("Questions to ask"), tuple(questions_to_ask(view, pack.cut_off)))),
        pack.footer(view))


def points_table(view: AimView) -> Table:
    """The latest points with their limits and reading: what stands in for a chart that is not drawn."""
    points = view.result.points.tail(FALLBACK_POINTS) if view.result is not None else pd.DataFrame()
    rows = []
    for p in points.itertuples(index=False):
        name = _(POINT_NAMES[p.point_type]) if p.point_type in POINT_NAMES else str(p.point_type)
        # the rules' short names keep each point on one line
        reading = f"{name}: {', '.join(_signal_short(s) for s in p.signals)}" if len(p.signals) else name
        rows.append(Row((month(p.period), *(view.fmt(v) for v in (p.value, p.centre, p.lower, p.upper)),
                         Brief(reading, name))))
    return Table("Latest points", _columns(POINTS_COLUMNS), tuple(rows), empty=_("No measurements yet."))


# The rules' short names in the table of latest points (the code with spaces in English: "two of three").
SIGNAL_SHORT = {"outside_limits": N_("outside limits"), "shift": N_("shift"), "trend": N_("trend"),
                "two_of_three": N_("two of three"), "inner_third": N_("inner third"), "long_run": N_("long run"),
                "astronomical": N_("astronomical")}


def _signal_short(signal: str) -> str:
    return _(SIGNAL_SHORT[signal]) if signal in SIGNAL_SHORT else signal.replace("_", " ")


# --- the self-assessment and the workshops -----------------------------------------------------------------
def assessment_pages(pack: BoardPack) -> list[Page]:
    """The latest round's scores per leverage point (and by role, on paper), then its focus measures."""
    a: AssessmentSummary | None = pack.assessment
    footer = pack.footer()
    if a is None:
        return [Page("section", _(ASSESSMENT_TITLE), (Paragraph(
            _("No self-assessment round with responses had opened by {date}.").format(date=day(pack.cut_off)),
            "lead"),), footer)]
    if a.opens_on:
        heading = (_("Workshop round {round}, opened {date}") if a.workshop else _("Round {round}, opened {date}"))
    else:
        heading = _("Workshop round {round}") if a.workshop else _("Round {round}")
    intro = Paragraph(_("{heading}: {n} respondents. Scores 1–5 (5 = the leverage point is fully in place). "
                        "Anonymity threshold: groups with fewer than {min_n} respondents show their count "
                        "only.").format(heading=heading.format(round=a.round_name, date=day(a.opens_on)),
                                        n=a.respondents, min_n=a.min_n), "muted")
    if a.withheld:
        return [Page("section", _(ASSESSMENT_TITLE), (
            intro, Paragraph(_("Withheld: this round has {n} respondents, fewer than the threshold of "
                               "{min_n}.").format(n=a.respondents, min_n=a.min_n), "strong"),
            Paragraph(_("No scores are shown, so that no one's answers can be singled out."))), footer)]
    rows = []
    for p in a.points.itertuples(index=False):
        shown = p.status == "ok" and pd.notna(p.mean)
        rows.append(Row((p.leverage_point if p.leverage_point != OVERALL else "", str(p.title),
                         str(int(p.n_respondents)), fixed(p.mean, 2) if shown else (_("withheld") if p.status != "ok"
                                                                                    else "–"),
                         f"{fixed(p.ci_low, 2)}–{fixed(p.ci_high, 2)}" if shown and pd.notna(p.ci_low) else "–")))
    points = Table("Self-assessment", (Column(_("Point"), 0.8), Column(_("Leverage point"), 8.05),
                                       Column(_("Respondents"), 1.4, "right"), Column(_("Mean"), 0.95, "right"),
                                       Column(_("95 % interval"), 1.33, "right")), tuple(rows))
    focus = tuple(Row((str(f.measure), str(int(f.respondents)))) for f in a.focus.itertuples(index=False))
    return [
        Page("section", _(ASSESSMENT_TITLE), (intro, points, by_role_table(a)), footer),
        Page("section", _("Focus measures chosen by respondents (one or two each)"), (
            Paragraph(_("{round}: the whole-system measures respondents would most like the board to watch.").format(
                round=round_label(a.round_name, a.workshop)), "muted"),
            Table("Focus measures", (Column(_("System-level measure"), 9.5), Column(_("Respondents"), 2.0, "right")),
                  focus, empty=_("No one chose focus measures in this round."))),
             footer, continues=True, optional=not focus)]


def by_role_table(a: AssessmentSummary) -> Table:
    """Mean per point by role (the Results page's heat table): detail for paper, too dense for a slide."""
    frame = a.by_role.rename(columns={"role": _("Role"), OVERALL: _("Overall")})
    rest = (273 - 46 - 12) / max(len(frame.columns) - 2, 1)  # mm on the page these widths were drawn for
    columns = (Column(str(frame.columns[0]), 46), Column(str(frame.columns[1]), 12, "right"),
               *(Column(str(c), rest, "right") for c in frame.columns[2:]))
    rows = tuple(Row(tuple(str(v) if pd.notna(v) else "–" for v in values))
                 for values in frame.itertuples(index=False))
    return Table("By role", columns, rows, title=_("By role (mean 1–5; n = respondents in the role)"), aside=True)


def workshop_pages(pack: BoardPack) -> list[Page]:
    """The period's live workshops: a heading page (all there is when none was held), then one per workshop."""
    heading: list[Block] = [Paragraph(f"{day(pack.period_start)} – {day(pack.cut_off)}", "muted")]
    if not pack.workshops:
        heading.append(Paragraph(_("No live workshops were held in this period."), "lead"))
    return [Page("section", _("Workshops in the period"), tuple(heading), pack.footer(), optional=True),
            *(workshop_page(pack, ws) for ws in pack.workshops)]


def workshop_page(pack: BoardPack, ws: WorkshopSummary) -> Page:
    """One workshop's latest vote per point, and its change since the first vote when there was a re-vote."""
    votes = _("one vote") if ws.votes == 1 else _("{n} votes (scores from vote {n}, the latest)").format(n=ws.votes)
    intro = Paragraph(_("Held {date} · code {code} · {status} · {n} participant(s) · {votes}. The workshop's "
                        "anonymity threshold applied.").format(date=day(ws.held_on), code=ws.code,
                                                               status=_(ws.status), n=ws.participants,
                                                               votes=votes), "muted")
    change = {}
    if ws.shift is not None and not ws.shift.empty and "role" not in ws.shift.columns:
        change = {r.leverage_point: r.change for r in ws.shift.itertuples(index=False)}
    columns = [Column(_("Point"), 0.8), Column(_("Leverage point"), 7.0 if change else 8.7),
               Column(_("Respondents"), 1.4, "right"), Column(_("Mean"), 1.63, "right")]
    if change:
        columns.append(Column(_("Change from vote 1"), 1.7, "right"))
    rows = []
    for p in ws.scores.itertuples(index=False):
        shown = p.status == "ok" and pd.notna(p.mean)
        cells = [str(p.leverage_point), str(p.title), str(int(p.n_respondents)),
                 fixed(p.mean, 2) if shown else _(str(p.status))]
        if change:
            delta = change.get(p.leverage_point)
            sign = "+" if delta is not None and pd.notna(delta) and delta >= 0 else "-"
            cells.append("–" if delta is None or pd.isna(delta) else sign + fixed(abs(delta), 2))
        rows.append(Row(tuple(cells)))
    table = Table("Workshop scores", tuple(columns), tuple(rows), empty=_("No answers were given."))
    return Page("section", _("Workshop: {title}").format(title=ws.title), (intro, table), pack.footer(),
                continues=True)
