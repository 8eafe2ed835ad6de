"""The board pack: its content (`gather`), the PDF (pages, text, icons, footer) and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from leverage.aims.icons import assurance_label, variation_label
from leverage.aims.register import Aim
from leverage.aims.repository import AimStore
from leverage.aims.spc import RULE_SET_NAMES
from leverage.core.about import CITATION, __version__
from leverage.core.settings import load_settings
from leverage.reports.boardpack.content import BoardPackError, find_organization, gather
from leverage.reports.boardpack.pdf import build_pdf
from leverage.reports.chart_images import renderer, status
from leverage.survey.store import Store
from leverage.workshops.service import Workshops
from tests.helpers import demo_store_url, require_component

ROOT = Path(__file__).resolve().parents[1]
RIVERSIDE = "Riverside Health System"
TODAY = dt.date.today()
SETTINGS = load_settings({})


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return demo_store_url(tmp_path_factory.mktemp("pack"))


@pytest.fixture(scope="module")
def demo_store(demo_url: str) -> Store:
    store = Store(demo_url)
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def pack(demo_store: Store):
    return gather(demo_store, SETTINGS, RIVERSIDE)


@pytest.fixture(scope="module")
def table_pdf(pack) -> bytes:
    """The pack built without a browser (tables in place of charts)."""
    return build_pdf(pack, None, "no Chromium browser for this test").pdf


def page_texts(data: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


def icon_alts(data: bytes) -> list[tuple[int, str]]:
    """(page number from 1, alternative text) of every figure in the PDF's structure tree, in order."""
    reader = PdfReader(io.BytesIO(data))
    found: list[tuple[int, str]] = []

    def walk(node) -> None:
        node = node.get_object()
        if not hasattr(node, "get"):
            return
        if "/Alt" in node:
            found.append((reader.get_page_number(node["/Pg"].get_object()) + 1, str(node["/Alt"])))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else ([kids] if kids is not None else []):
            walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


# --- content ---------------------------------------------------------------------------------------

def test_gather_reads_the_aims_at_the_cut_off(demo_store: Store) -> None:
    cut = dt.date(2026, 3, 31)
    early = gather(demo_store, SETTINGS, RIVERSIDE, as_of=cut)
    assert early.cut_off == cut and early.meeting_date == cut
    assert early.period_start == cut - dt.timedelta(days=92)
    for view in early.views:
        assert view.result.points["period"].max() <= pd.Timestamp(cut)
    later = gather(demo_store, SETTINGS, RIVERSIDE)
    assert sum(len(v.result.points) for v in later.views) > sum(len(v.result.points) for v in early.views)


def test_gather_finds_the_organization_ignoring_case_and_names_the_known_ones(demo_store: Store) -> None:
    assert find_organization(demo_store, "  riverside health SYSTEM ")[1] == RIVERSIDE
    with pytest.raises(BoardPackError, match="no organization called 'Nowhere'.*Riverside Health System"):
        gather(demo_store, SETTINGS, "Nowhere")
    with pytest.raises(BoardPackError, match="after the data cut-off"):
        gather(demo_store, SETTINGS, RIVERSIDE, as_of=dt.date(2026, 1, 1), period_start=dt.date(2026, 2, 1))


def test_gather_applies_the_threshold_to_the_self_assessment(demo_store: Store) -> None:
    a = gather(demo_store, SETTINGS, "Lakeshore University Medical Center").assessment
    assert a is not None and a.respondents >= a.min_n == 5
    assert a.points["leverage_point"].tolist() == [f"LP{i}" for i in range(1, 8)] + ["Overall"]
    small = a.by_role[a.by_role["n"] < a.min_n]
    assert not small.empty, "the demo has a role below the threshold"
    assert (small.drop(columns=["role", "n"]) == "below threshold").all().all()
    # the subtraction rule: with one role below the threshold, another role is withheld too
    assert (a.by_role.drop(columns=["role", "n"]) == "withheld (secondary)").all(axis=1).sum() >= 1


def test_footer_names_the_rule_set_cut_off_version_and_citation(pack) -> None:
    footer = pack.footer()
    assert f"Data cut-off: {TODAY:%d %b %Y}" in footer
    assert f"Leverage {__version__}" in footer and CITATION in footer
    for view in pack.views:
        assert f"Rule set: {RULE_SET_NAMES[view.aim.rule_set]} ·" in pack.footer(view)


# --- the PDF ----------------------------------------------------------------------------------------

def test_pdf_has_cover_summary_a_page_per_aim_then_assessment_and_workshops(pack, table_pdf: bytes) -> None:
    texts = page_texts(table_pdf)
    titles = [v.aim.title for v in pack.views]
    assert "Board pack" in texts[0] and RIVERSIDE in texts[0]
    assert f"Meeting: {TODAY:%A %d %B %Y}" in texts[0] and f"Data cut-off: {TODAY:%d %B %Y}" in texts[0]
    assert texts[1].startswith("The vital few")
    for i, title in enumerate(titles):
        assert texts[2 + i].startswith(title), f"page {3 + i} should be the aim {title!r}"
        assert "Questions to ask" in texts[2 + i]
    rest = texts[2 + len(titles):]
    assert rest[0].startswith("Self-assessment: the Seven Leadership Leverage Points")
    assert "Focus measures chosen by respondents" in "".join(rest)
    assert rest[-1].startswith("Workshops in the period") and "No live workshops were held" in rest[-1]
    meta = PdfReader(io.BytesIO(table_pdf)).metadata
    assert meta.title == f"Board pack: {RIVERSIDE}, meeting {TODAY:%d %b %Y}"
    assert meta.subject == f"Data cut-off {TODAY:%d %b %Y}"


def test_every_page_carries_the_footer(pack, table_pdf: bytes) -> None:
    texts = page_texts(table_pdf)
    for number, text in enumerate(texts, start=1):
        flat = " ".join(text.split())
        assert f"Data cut-off: {TODAY:%d %b %Y}" in flat, f"page {number}"
        assert f"Leverage {__version__}" in flat and "Institute for Healthcare Improvement; 2008" in flat
        assert "Rule set: " in flat
    for i, view in enumerate(pack.views):
        assert f"Rule set: {RULE_SET_NAMES[view.aim.rule_set]} ·" in " ".join(texts[2 + i].split())


def test_pdf_text_has_every_aim_title_and_its_summary_row(pack, table_pdf: bytes) -> None:
    summary = " ".join(page_texts(table_pdf)[1].split())
    for row in pack.summary.itertuples(index=False):
        assert row.aim in summary
        assert row.projection_label in summary


def test_summary_icons_are_the_aims_own_in_order(pack, table_pdf: bytes) -> None:
    """Each row draws the variation then the assurance icon of its aim (the icon's meaning is its alt text)."""
    on_summary = [alt for page, alt in icon_alts(table_pdf) if page == 2]
    expected = []
    for row in pack.summary.itertuples(index=False):
        expected += [variation_label(row.variation), assurance_label(row.assurance)]
    assert on_summary == expected
    assert len(set(on_summary)) > 2, "the demo's aims differ, so a swapped icon would show"


def test_aim_pages_repeat_their_icons_beside_the_reading(pack, table_pdf: bytes) -> None:
    alts = icon_alts(table_pdf)
    for i, view in enumerate(pack.views):
        assert [a for p, a in alts if p == 3 + i] == [variation_label(view.variation), assurance_label(view.assurance)]


def test_without_a_browser_each_aim_says_why_and_lists_its_points(pack, table_pdf: bytes) -> None:
    texts = page_texts(table_pdf)
    assert "Charts are shown as tables in this pack: no Chromium browser for this test." in " ".join(texts[0].split())
    for i, view in enumerate(pack.views):
        page = " ".join(texts[2 + i].split())
        assert "Chart not drawn: no Chromium browser for this test. The latest 12 points are listed instead." in page
        last = view.result.points.iloc[-1]
        assert f"{last['period']:%b %Y}" in page
        assert "Process limits" not in page  # the chart's legend is not there


def test_a_chart_that_fails_to_draw_becomes_its_table_with_the_error(pack) -> None:
    from leverage.reports.chart_images import ChartImageError

    class HungBrowser:
        def images(self, figs, *_args, **_kwargs):
            return [ChartImageError("Chromium took longer than 60 s to draw a chart") for _ in figs]

    result = build_pdf(pack, HungBrowser())
    assert result.charts_drawn == 0 and result.chart_note == "some charts could not be drawn"
    page = " ".join(page_texts(result.pdf)[2].split())
    assert "Chart not drawn: Chromium took longer than 60 s to draw a chart." in page


def test_user_text_arrives_verbatim(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    org = store.add_organization("Ærøskøbing Sygehus")
    hostile = '=HYPERLINK("http://x") <b>Fewer falls</b> ≥ 10 % — “now”'
    reg = AimStore(store)
    aim_id = reg.save_aim(Aim(organization_id=org, title=hostile, measure="Falls per 1,000 bed days",
                              data_type="continuous", direction="down", baseline_period=dt.date(2025, 1, 1),
                              baseline_value=8.0, target_value=4.0, deadline=dt.date(2027, 12, 1), owner="Dr Ödön"))
    rows = pd.DataFrame({"period": pd.date_range("2025-01-01", periods=14, freq="MS"),
                         "value": [8, 7.5, 8.2, 7.9, 8.1, 7.7, 8.3, 7.6, 7.8, 8.0, 6.1, 6.0, 5.8, 6.2]})
    reg.save_measurements(reg.get_aim(aim_id), rows)
    pack = gather(store, SETTINGS, "ærøskøbing sygehus", as_of=dt.date(2026, 6, 1))
    text = " ".join(" ".join(page_texts(build_pdf(pack, None, "test").pdf)).split())
    assert hostile in text and "Ærøskøbing Sygehus" in text and "Dr Ödön" in text
    assert "No self-assessment round with responses had opened by 01 Jun 2026." in text
    store.dispose()


def test_without_a_unicode_font_the_pack_still_builds(pack, table_pdf: bytes, monkeypatch) -> None:
    import leverage.reports.boardpack.pdf as pdf_module

    monkeypatch.setattr(pdf_module, "_fonts", lambda: None)
    texts = page_texts(build_pdf(pack, None, "no browser – n ≥ 1 “here”").pdf)
    assert len(texts) == len(page_texts(table_pdf))
    assert "Chart not drawn: no browser – n >= 1 “here”." in " ".join(texts[2].split())  # Windows-1252 has –“”


def test_workshops_in_the_period_are_reported_and_older_ones_are_not(store: Store) -> None:
    """On SQLite and PostgreSQL (the store fixture): workshop times come back with their time zone."""
    org = store.add_organization("Harbour Hospital")
    service = Workshops(store)
    recent = dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC)
    old = service.create(org, title="Last year's away day", points=["LP1"], round_name="Away day 2025",
                         min_n=3, now=dt.datetime(2025, 5, 1, 9, tzinfo=dt.UTC))
    ws = service.create(org, title="Board away day", points=["LP1", "LP2"], round_name="Away day 2026", min_n=3,
                        now=recent)
    assert old["id"] != ws["id"]
    service.open_point(ws["id"], "LP1")
    for n, value in enumerate([2, 3, 4, 4]):
        p = service.join(ws["code"], f"client-{n}", now=recent)
        service.submit(p, "LP1", {i.id: value for i in service.instrument.items_for("LP1")}, now=recent)
    pack = gather(store, SETTINGS, "Harbour Hospital", as_of=dt.date(2026, 6, 1))
    assert [w.title for w in pack.workshops] == ["Board away day"]
    summary = pack.workshops[0]
    assert summary.participants == 4 and summary.held_on == dt.date(2026, 5, 20)
    lp1 = summary.scores.set_index("leverage_point").loc["LP1"]
    assert lp1["n_respondents"] == 4 and lp1["mean"] == pytest.approx(3.25)  # (2 + 3 + 4 + 4) / 4
    text = " ".join(" ".join(page_texts(build_pdf(pack, None, "test").pdf)).split())
    assert "Board away day" in text and "20 May 2026" in text and "3.25" in text
    assert "Last year's away day" not in text


def test_summary_of_25_aims_runs_over_pages_with_its_heading_repeated(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'many.db'}")
    org = store.add_organization("Big Trust")
    reg = AimStore(store)
    for n in range(25):
        reg.save_aim(Aim(organization_id=org, title=f"Aim number {n + 1:02d}", measure="Waiting days"))
    pack = gather(store, SETTINGS, "Big Trust", as_of=dt.date(2026, 6, 1))
    texts = page_texts(build_pdf(pack, None, "test").pdf)
    first_aim = next(i for i, t in enumerate(texts) if t.startswith("Aim number 01"))
    summary_pages = texts[1:first_aim]
    assert len(summary_pages) == 3  # 11 rows a page
    assert summary_pages[0].startswith("The vital few")
    assert all(t.startswith("Aim Variation Assurance Projection Latest Target now Deadline") for t in summary_pages[1:])
    listed = [line for t in summary_pages for line in t.splitlines() if line.startswith("Aim number")]
    assert listed == [f"Aim number {n:02d}" for n in range(1, 26)]
    cover = " ".join(texts[0].split())
    assert "Aim 12: Aim number 12 … and 13 more aims, a page each" in cover and "Workshops held in the period" in cover
    aim_pages = [t for t in texts if t.startswith("Aim number")]
    assert len(aim_pages) == 25
    assert all("No measurements yet" in t for t in aim_pages)
    store.dispose()


# --- real charts (Chromium) ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chart_pdf(pack):
    found = status()
    require_component(found.available, f"Chromium is needed to draw charts: {found.reason}")
    return build_pdf(pack, renderer())


def test_with_chromium_every_aim_page_carries_its_vector_chart(pack, chart_pdf) -> None:
    assert chart_pdf.charts_drawn == len(pack.views) and chart_pdf.chart_note == ""
    texts = page_texts(chart_pdf.pdf)
    assert "Charts are shown as tables" not in texts[0]
    for i, view in enumerate(pack.views):
        page = " ".join(texts[2 + i].split())
        n = len(view.result.points)
        # the chart's axis titles and legend are text in the page: the chart is vector, not a picture. (The
        # printed chart has no title of its own since issue 16: the page's heading is its title, n is on its x
        # axis and the rule set in the page's footer.)
        assert f"Period (n = {n} points)" in page and f"Rule set: {RULE_SET_NAMES[view.aim.rule_set]}" in page
        assert "Required path" in page and "Chart not drawn" not in page
    reader = PdfReader(io.BytesIO(chart_pdf.pdf))
    assert all("/Image" not in str(reader.pages[2 + i].get("/Resources", {}).get("/XObject", {}))
               for i in range(len(pack.views)))


# --- the command line -----------------------------------------------------------------------------------

def _cli(args: list[str], url: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "LEVERAGE_DATABASE_URL": url, **env}
    return subprocess.run([sys.executable, "-m", "leverage", "boardpack", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=300)


def test_cli_without_chromium_builds_the_pack_and_says_why(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "pack.pdf"
    done = _cli(["--organization", RIVERSIDE, "--as-of", "2026-09-30", "--meeting", "2026-10-14", "--out",
                 str(out)], demo_url, LEVERAGE_CHROMIUM="/nonexistent/chromium")
    assert done.returncode == 0, done.stderr
    assert "charts are shown as tables: no Chromium browser at LEVERAGE_CHROMIUM=/nonexistent/chromium" in done.stderr
    texts = [" ".join(t.split()) for t in page_texts(out.read_bytes())]
    assert "Meeting: Wednesday 14 October 2026" in texts[0] and "Data cut-off: 30 September 2026" in texts[0]
    assert "Chart not drawn: no Chromium browser at LEVERAGE_CHROMIUM=/nonexistent/chromium" in texts[2]
    assert all("Data cut-off: 30 Sep 2026" in t for t in texts)


@pytest.mark.parametrize(("args", "message"), [
    (["--organization", "Nowhere"], "no organization called 'Nowhere'"),
    (["--organization", RIVERSIDE, "--as-of", "2026-02-30"], "--as-of: '2026-02-30' is not an ISO date"),
    (["--organization", RIVERSIDE, "--since", "yesterday"], "--since: 'yesterday' is not an ISO date"),
])
def test_cli_refuses_bad_input_and_writes_nothing(demo_url: str, tmp_path: Path, args, message) -> None:
    out = tmp_path / "pack.pdf"
    done = _cli([*args, "--out", str(out)], demo_url, LEVERAGE_CHROMIUM="off")
    assert done.returncode == 2 and message in done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_cli_refuses_an_output_that_is_not_pdf_or_pptx(demo_url: str, tmp_path: Path) -> None:
    done = _cli(["--organization", RIVERSIDE, "--out", str(tmp_path / "pack.docx")], demo_url)
    assert done.returncode == 2 and "must end in .pdf" in done.stderr


def test_cli_writes_the_slide_deck_for_a_pptx_output(demo_url: str, tmp_path: Path) -> None:
    from pptx import Presentation

    out = tmp_path / "deck.pptx"
    done = _cli(["--organization", RIVERSIDE, "--no-charts", "--out", str(out)], demo_url)
    assert done.returncode == 0, done.stderr
    slides = list(Presentation(str(out)).slides)
    text = " ".join(shape.text_frame.text for slide in slides for shape in slide.shapes if shape.has_text_frame)
    assert "Cut harm by half" in text and "Chart not drawn: chart images were not requested" in text


def test_values_read_the_same_on_the_board_page_in_the_pdf_and_the_deck() -> None:
    from leverage.aims.view import format_value

    assert format_value(42.345) == "42.3" and format_value(1234.5) == "1,234.5"
    assert format_value(0.012345) == "0.0123" and format_value(7) == "7" and format_value(9.87654) == "9.88"
    assert format_value(10.5, "% of discharges") == "10.5 % of discharges"
    assert format_value(None) == format_value(float("nan")) == "—"
