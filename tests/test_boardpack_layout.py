"""The board pack's layout model: what each page says, built once and drawn the same by the PDF and the deck."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation
from pypdf import PdfReader

from leverage.aims.charts import POINT_NAMES
from leverage.aims.icons import assurance_label, variation_label
from leverage.aims.register import Aim
from leverage.aims.repository import AimStore
from leverage.aims.spc import CHART_NAMES
from leverage.core.settings import load_settings
from leverage.reports.boardpack import pdf as pdf_module
from leverage.reports.boardpack import pptx as pptx_module
from leverage.reports.boardpack.charts import NO_MEASUREMENTS, NOT_REQUESTED
from leverage.reports.boardpack.content import AssessmentSummary, BoardPack, WorkshopSummary, gather
from leverage.reports.boardpack.layout import (
    ASSESSMENT_TITLE,
    FALLBACK_POINTS,
    assessment_pages,
    build_layout,
    workshop_pages,
)
from leverage.reports.boardpack.layout_blocks import (
    Brief,
    ChartSlot,
    Document,
    Facts,
    Icon,
    IconRow,
    ItemList,
    Note,
    Page,
    Paragraph,
    Table,
)
from leverage.survey.store import Store

SETTINGS = load_settings({})
AS_OF = dt.date(2026, 6, 1)
VALUES = [8, 7.5, 8.2, 7.9, 8.1, 7.7, 8.3, 7.6, 7.8, 8.0, 6.1, 6.0, 5.8, 6.25]  # Jan 2025 .. Feb 2026


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> BoardPack:
    """One organization, one aim with 14 monthly values and one aim with none; no survey, no workshop."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('layout') / 'x.db'}")
    org = store.add_organization("Harbour Hospital")
    reg = AimStore(store)
    falls = reg.save_aim(Aim(organization_id=org, title="Fewer falls", measure="Falls per 1,000 bed days",
                             unit="falls", baseline_period=dt.date(2025, 1, 1), baseline_value=8.0, target_value=4.0,
                             deadline=dt.date(2027, 12, 1), owner="Director of Nursing"))
    reg.save_aim(Aim(organization_id=org, title="Shorter waits", measure="Waiting days"))
    reg.save_measurements(reg.get_aim(falls), pd.DataFrame(
        {"period": pd.date_range("2025-01-01", periods=len(VALUES), freq="MS"), "value": VALUES}))
    made = gather(store, SETTINGS, "Harbour Hospital", as_of=AS_OF, meeting_date=dt.date(2026, 6, 10))
    store.dispose()
    return dataclasses.replace(made, generated_at=dt.datetime(2026, 6, 2, 9, 30, tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def doc(pack: BoardPack) -> Document:
    return build_layout(pack)


def _only(page: Page, kind: type, name: str | None = None):
    found = [b for b in page.blocks if isinstance(b, kind) and (name is None or getattr(b, "name", None) == name)]
    assert len(found) == 1, (page.title, kind, found)
    return found[0]


def test_pages_in_order(doc: Document) -> None:
    assert [(p.kind, p.title) for p in doc.pages] == [
        ("cover", "Harbour Hospital"), ("summary", "The vital few: Harbour Hospital"),
        ("aim", "Fewer falls"), ("aim", "Shorter waits"),
        ("section", ASSESSMENT_TITLE), ("section", "Workshops in the period")]
    assert doc.title == "Board pack: Harbour Hospital, meeting 10 Jun 2026"
    assert doc.subject == "Data cut-off 01 Jun 2026"
    # only the workshops page, which says there were none, may be left out of a deck
    assert [p.optional for p in doc.pages] == [False] * 5 + [True]
    assert not any(p.continues for p in doc.pages)


def test_cover_facts_and_contents(pack: BoardPack, doc: Document) -> None:
    cover = doc.pages[0]
    assert cover.kicker == "Board pack: system-level aims and the Seven Leadership Leverage Points"
    assert _only(cover, Facts).items == (
        ("Meeting", "Wednesday 10 June 2026"),
        ("Data cut-off", "01 June 2026 (measurements after this date are not included)"),
        ("Workshops in the period", "01 Mar 2026 – 01 Jun 2026"))  # 92 days before the cut-off
    contents = _only(cover, ItemList)
    assert contents.aside and not contents.bullets
    assert contents.items[1:3] == ("Aim 1: Fewer falls", "Aim 2: Shorter waits")
    assert not [b for b in cover.blocks if isinstance(b, Note)], "charts are not said to be tables"
    small = _only(cover, Paragraph)
    assert small.aside and small.text.startswith(f"Made by Leverage {pack.version} on 02 Jun 2026 09:30 UTC.")
    assert all(p.footer == pack.footer() for p in doc.pages if p.kind != "aim")


def test_cover_says_when_charts_are_tables(pack: BoardPack) -> None:
    cover = build_layout(pack, "no browser here.").pages[0]
    assert _only(cover, Note).text == "Charts are shown as tables in this pack: no browser here."


def test_summary_row_of_an_aim(doc: Document) -> None:
    table = _only(doc.pages[1], Table)
    assert table.header == ["Aim", "Variation", "Assurance", "Projection", "Latest", "Target now", "Deadline",
                            "Owner", "Review"]
    falls, waits = table.rows
    assert falls.key.startswith("aim ") and falls.cells[0] == "Fewer falls"
    assert [c.kind for c in falls.cells[1:3]] == ["variation", "assurance"]
    # latest and target with the measure's one precision (issue 16; before: "6.25" and "4")
    assert falls.cells[4:8] == ("6.2\nFeb 2026", "4.0", "Dec 2027", "Director of Nursing")
    assert waits.cells[4:8] == ("no data yet", "—", "–", "No owner named")
    assert waits.cells[1] == Icon("variation", None, variation_label(None), variation_label(None))
    # a slide leaves the Review column out
    assert table.narrow().header == table.header[:-1]
    assert [len(r.cells) for r in table.narrow().rows] == [8, 8]


def test_aim_page_reading_by_hand(pack: BoardPack, doc: Document) -> None:
    page = doc.pages[2]
    view = pack.views[0]
    assert page.footer == pack.footer(view)
    measure = page.blocks[0]
    assert measure == Paragraph(f"Falls per 1,000 bed days (falls) · {CHART_NAMES[view.aim.chart]} · "
                                "Owner: Director of Nursing", "muted")
    assert _only(page, Facts, "Facts").items == (
        ("Latest", "6.2 falls (Feb 2026)"), ("Target now", "4.0 falls"), ("Deadline", "01 Dec 2027"))  # issue 16
    projection = _only(page, Facts, "Projection")
    assert projection.lines == [f"Projection: {view.projection.label}"] and projection.note == view.projection.reason
    icons = _only(page, IconRow).icons
    assert [i.caption for i in icons] == [f"Variation: {variation_label(view.variation)}",
                                          f"Assurance: {assurance_label(view.assurance)}"]
    questions = _only(page, ItemList)
    assert questions.title == "Questions to ask" and questions.bullets and questions.items
    assert _only(page, ChartSlot).alt == (f"Chart of Falls per 1,000 bed days: {variation_label(view.variation)}; "
                                          f"{assurance_label(view.assurance)}.")


def test_fallback_table_lists_the_latest_12_points(pack: BoardPack, doc: Document) -> None:
    slot = _only(doc.pages[2], ChartSlot)
    rows = slot.fallback.rows
    assert len(rows) == FALLBACK_POINTS == 12
    assert [r.cells[0] for r in rows] == [f"{d:%b %Y}" for d in pd.date_range("2025-03-01", periods=12, freq="MS")]
    # VALUES[-3:] with the measure's one precision (issue 16: one decimal here, not "6", "5.8", "6.25")
    assert pack.views[0].decimals == 1
    assert [r.cells[1] for r in rows][-3:] == ["6.0", "5.8", "6.2"]
    points = pack.views[0].result.points.tail(12)
    for row, p in zip(rows, points.itertuples(index=False), strict=True):
        reading = row.cells[-1]
        assert isinstance(reading, Brief) and reading.short == POINT_NAMES[p.point_type]
        assert reading.text == reading.short if not len(p.signals) else reading.text.startswith(reading.short + ": ")
    assert slot.note("no browser") == "Chart not drawn: no browser. The latest 12 points are listed instead."
    narrow = slot.fallback.narrow()
    assert narrow.header == ["Period", "Value", "Centre", "Lower", "Upper", "Reading"]
    assert [r.cells[-1] for r in narrow.rows] == [r.cells[-1].short for r in rows]
    # an aim without measurements: the note says why, the table's place says there are none
    empty = _only(doc.pages[3], ChartSlot)
    assert not empty.fallback.rows and empty.fallback.empty == "No measurements yet."
    assert empty.note("there are no measurements yet") == "Chart not drawn: there are no measurements yet."


def _assessment(**changes) -> AssessmentSummary:
    points = pd.DataFrame({
        "leverage_point": ["LP1", "LP2", "Overall"], "title": ["Aims", "Strategy", "Overall"],
        "n_respondents": [6, 4, 6], "mean": [3.5, float("nan"), 3.25], "ci_low": [3.2, float("nan"), 3.1],
        "ci_high": [3.8, float("nan"), 3.4], "status": ["ok", "below threshold", "ok"]})
    by_role = pd.DataFrame({"role": ["Executive"], "n": [6], "LP1": ["3.50"], "Overall": ["3.25"]})
    made = AssessmentSummary("Spring", dt.date(2026, 4, 1), 6, 5, points, by_role,
                             pd.DataFrame({"measure": ["HSMR"], "respondents": [3]}))
    return dataclasses.replace(made, **changes)


def test_assessment_pages(pack: BoardPack) -> None:
    scores, focus = assessment_pages(dataclasses.replace(pack, assessment=_assessment()))
    table = _only(scores, Table, "Self-assessment")
    assert table.texts() == [["LP1", "Aims", "6", "3.50", "3.20–3.80"], ["LP2", "Strategy", "4", "withheld", "–"],
                             ["", "Overall", "6", "3.25", "3.10–3.40"]]
    by_role = _only(scores, Table, "By role")
    assert by_role.aside and by_role.header == ["Role", "n", "LP1", "Overall"]
    assert focus.continues and not focus.optional
    assert _only(focus, Table).texts() == [["HSMR", "3"]]
    none_chosen = assessment_pages(dataclasses.replace(pack, assessment=_assessment(
        focus=pd.DataFrame(columns=["measure", "respondents"]))))[1]
    assert none_chosen.optional and _only(none_chosen, Table).empty == "No one chose focus measures in this round."
    (withheld,) = assessment_pages(dataclasses.replace(pack, assessment=_assessment(respondents=4)))
    assert not [b for b in withheld.blocks if isinstance(b, Table)]
    assert Paragraph("Withheld: this round has 4 respondents, fewer than the threshold of 5.", "strong") \
        in withheld.blocks


def test_workshop_pages_show_the_change_since_vote_1(pack: BoardPack) -> None:
    scores = pd.DataFrame({"leverage_point": ["LP1", "LP2"], "title": ["Aims", "Strategy"], "n_respondents": [4, 2],
                           "mean": [3.75, float("nan")], "status": ["ok", "below threshold"]})
    shift = pd.DataFrame({"leverage_point": ["LP1"], "change": [0.5]})
    ws = WorkshopSummary("Away day", "ABC123", dt.date(2026, 5, 20), "closed", 2, 4, scores, shift)
    heading, page = workshop_pages(dataclasses.replace(pack, workshops=[ws]))
    assert heading.optional and heading.blocks == (Paragraph("01 Mar 2026 – 01 Jun 2026", "muted"),)
    assert page.title == "Workshop: Away day" and page.continues
    assert _only(page, Paragraph).text.startswith("Held 20 May 2026 · code ABC123 · closed · 4 participant(s) · "
                                                  "2 votes (scores from vote 2, the latest).")
    table = _only(page, Table)
    assert table.header[-1] == "Change from vote 1"
    assert table.texts() == [["LP1", "Aims", "4", "3.75", "+0.50"], ["LP2", "Strategy", "2", "below threshold", "–"]]


def test_both_writers_draw_the_same_model(pack: BoardPack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The PDF and the deck are drawn from equal documents; each shows every aim page of it."""
    built: dict[str, Document] = {}

    def recording(name: str):
        def build(p: BoardPack, note: str = "") -> Document:
            built[name] = build_layout(p, note)
            return built[name]
        return build

    monkeypatch.setattr(pdf_module, "build_layout", recording("pdf"))
    monkeypatch.setattr(pptx_module, "build_layout", recording("pptx"))
    result = pdf_module.build_pdf(pack, None, NOT_REQUESTED)
    deck = Presentation(io.BytesIO(pptx_module.build_deck(pack, images=False)))
    assert built["pdf"] == built["pptx"]
    model = built["pdf"]
    aims = [p.title for p in model.of_kind("aim")]

    texts = [p.extract_text() for p in PdfReader(io.BytesIO(result.pdf)).pages]
    assert [t.split("\n", 1)[0] for t in texts if t.split("\n", 1)[0] in aims] == aims
    assert result.pages == len(texts) == len(model.pages)  # each page fits one sheet in this small pack

    slides = list(deck.slides)
    assert len(slides) == len([p for p in model.pages if not p.optional])
    assert [s.shapes.title.text_frame.text for s in slides] == [p.title for p in model.pages if not p.optional]
    for page, slide, why in zip(model.of_kind("aim"), slides[2:], (NOT_REQUESTED, NO_MEASUREMENTS), strict=False):
        note = next(s.text_frame.text for s in slide.shapes if s.name == "Chart note")
        assert note == _only(page, ChartSlot).note(why)
        assert " ".join(note.split()) in " ".join(texts[model.pages.index(page)].split())
        assert next(s.text_frame.text for s in slide.shapes if s.name == "Facts") == \
            "   ·   ".join(_only(page, Facts, "Facts").lines)
    # what is an aside on paper is in the deck's speaker notes
    assert "Aim 1: Fewer falls" in slides[0].notes_slide.notes_text_frame.text


def test_a_long_table_runs_on_to_a_continuation_slide(pack: BoardPack, tmp_path: Path) -> None:
    """The deck's overflow: 30 focus measures need three slides of 12, 12 and 6 rows, each with the header."""
    focus = pd.DataFrame({"measure": [f"Measure {i:02d}" for i in range(30)], "respondents": [30 - i
                                                                                            for i in range(30)]})
    big = dataclasses.replace(pack, assessment=_assessment(focus=focus))
    slides = list(Presentation(io.BytesIO(pptx_module.build_deck(big, images=False))).slides)
    titles = [s.shapes.title.text_frame.text for s in slides]
    focus_slides = [s for s, t in zip(slides, titles, strict=True) if t.startswith("Focus measures")]
    assert [t for t in titles if t.startswith("Focus measures")] == [
        f"Focus measures chosen by respondents (one or two each) ({k} of 3)" for k in (1, 2, 3)]
    tables = [next(sh.table for sh in s.shapes if sh.name == "Focus measures") for s in focus_slides]
    assert [len(t.rows) for t in tables] == [13, 13, 7]
    assert all(t.cell(0, 0).text == "System-level measure" for t in tables)
    assert [t.cell(1, 0).text for t in tables] == ["Measure 00", "Measure 12", "Measure 24"]
    # on paper the same table is one table, its heading repeated on each page it runs over
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_module.build_pdf(big, None, "x").pdf)).pages)
    assert all(f"Measure {i:02d}" in text for i in range(30))
