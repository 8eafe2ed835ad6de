"""The board pack laid out for print: read back from the PDF's own word boxes (pdfplumber).

On a pack made to be hard to lay out (fourteen aims with long titles, measures, units and owners, many
annotations with long labels close together, interim targets, an aim without data), no two words overlap
and none leaves the page, with charts (Chromium) and without. Each chart, drawn as the pack draws it, keeps
every word inside its own page (a legend or axis title that would be clipped is caught), has a plot at
least 7 cm tall, its unit on the y axis, its annotation labels above the plot (never over a point), and the
measure's one precision on the axis and in the tables.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import numpy as np
import pandas as pd
import pdfplumber
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leverage.aims.charts import PRINT_SIZE, _label_rows, aim_chart, axis_title
from leverage.aims.register import Aim
from leverage.aims.repository import AimStore
from leverage.core.settings import load_settings
from leverage.reports.boardpack.content import BoardPack, gather
from leverage.reports.boardpack.layout import build_layout, summary_row
from leverage.reports.boardpack.pdf import CHART_W, build_pdf
from leverage.reports.chart_images import renderer, status
from leverage.survey.store import Store
from tests.helpers import require_component

AS_OF = dt.date(2026, 11, 30)
LONG = ("Reduce avoidable harm across every ward, clinic and community team by half, with the patients and families "
        "who know where care goes wrong helping to design and test each change, by the end of the strategy")
UNIT = "adverse events found by the Global Trigger Tool per 1,000 occupied bed days"


def _series(kind: str, n: int, rng: np.random.Generator, level: float) -> pd.DataFrame:
    periods = pd.date_range(end=pd.Timestamp("2026-11-01"), periods=n, freq="MS")
    if kind == "counts":
        den = rng.integers(900, 1100, n).astype(float)
        num = rng.binomial(den.astype(int), level).astype(float)
        return pd.DataFrame({"period": periods, "numerator": num, "denominator": den})
    return pd.DataFrame({"period": periods, "value": (level + rng.normal(0, level * 0.05, n)).round(2)})


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> BoardPack:
    """Fourteen aims that strain the layout, plus one with no data."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('print') / 'crowded.db'}")
    org = store.add_organization("Harbour Hospital and Community Health Services Foundation Trust of the Northern "
                                 "Coast")
    reg = AimStore(store)
    rng = np.random.default_rng(16)
    charts = [("continuous", "xmr"), ("continuous", "run"), ("proportion", "p"), ("rate", "u")]
    for i in range(14):
        data_type, chart = charts[i % len(charts)]
        level = {"continuous": 40.0 + 9 * i, "proportion": 0.15, "rate": 0.02}[data_type]
        aim = Aim(organization_id=org, title=f"{i + 1}. {LONG}"[:200], measure=f"{LONG[:150]} (measure {i + 1})",
                  unit=UNIT if data_type != "proportion" else "% of discharges readmitted within thirty days",
                  data_type=data_type, direction="down" if i % 2 else "up", chart=chart,
                  baseline_period=dt.date(2023, 12, 1), baseline_value=None, target_value=None,
                  deadline=dt.date(2027, 12, 31) if i != 5 else dt.date(2026, 3, 31),
                  owner="Chief Medical Officer and Deputy Chief Executive, with the Director of Nursing, Midwifery "
                        "and Allied Health Professions", leverage_points=(1, 2, 3))
        scale = {"continuous": 1.0, "proportion": 100.0, "rate": 1000.0}[data_type]
        aim = Aim(**{**aim.__dict__, "baseline_value": level * scale, "target_value": level * scale * 0.8,
                     "trajectory": ((dt.date(2026, 12, 31), level * scale * 0.9),) if i != 5 else ()})
        aim_id = reg.save_aim(aim)
        reg.save_measurements(reg.get_aim(aim_id), _series("counts" if data_type != "continuous" else "values",
                                                           36, rng, level))
        for k, day in enumerate([dt.date(2024, 3, 1), dt.date(2024, 3, 15), dt.date(2024, 4, 2), dt.date(2025, 1, 1),
                                 dt.date(2025, 1, 20), dt.date(2026, 10, 15)]):
            kind = ("change", "pdsa", "event", "astronomical", "phase", "change")[k]
            reg.add_annotation(aim_id, day, f"Annotation {k + 1}: {LONG[:140]}", kind)
    reg.save_aim(Aim(organization_id=org, title="An aim without data yet " + "and with a long title " * 8,
                     measure="Waiting days", direction="down"))
    pack = gather(store, load_settings({}), store.list_organizations()["name"].iloc[0], as_of=AS_OF)
    store.dispose()
    return pack


def text_boxes(page: pdfplumber.page.Page) -> list[dict]:
    """The page's text as boxes: upright words (pdfplumber's), and each line of rotated text as one box (a
    rotated word's glyphs are kerned into each other, so they are not compared one by one)."""
    words = [w for w in page.extract_words(use_text_flow=True, extra_attrs=["upright"]) if w["upright"]]
    turned = sorted((c for c in page.chars if not c["upright"] and c["text"].strip()),
                    key=lambda c: (round(c["x0"], 1), c["top"]))
    for c in turned:
        last = words[-1] if words and words[-1].get("turned") else None
        if last is not None and abs(last["x0"] - c["x0"]) < 0.5 and c["top"] <= last["bottom"] + 2.0:
            last["text"] += c["text"]
            last["bottom"] = max(last["bottom"], c["bottom"])
            last["x1"] = max(last["x1"], c["x1"])
        else:
            words.append({"text": c["text"], "x0": c["x0"], "x1": c["x1"], "top": c["top"], "bottom": c["bottom"],
                          "turned": True})
    return words


def layout_problems(data: bytes, tolerance: float = 0.3) -> list[str]:
    """Every word that leaves its page, and every pair of words whose boxes overlap, page by page."""
    found = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            words = sorted(text_boxes(page), key=lambda w: w["x0"])
            for w in words:
                if w["x0"] < 0 or w["top"] < 0 or w["x1"] > page.width or w["bottom"] > page.height:
                    found.append(f"page {number}: {w['text']!r} leaves the page at ({w['x0']:.1f}, {w['top']:.1f}, "
                                 f"{w['x1']:.1f}, {w['bottom']:.1f}) of {page.width:.0f} × {page.height:.0f}")
            for i, a in enumerate(words):
                for b in words[i + 1:]:
                    if b["x0"] >= a["x1"] - tolerance:
                        break
                    across = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
                    down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
                    if across > tolerance and down > tolerance:
                        found.append(f"page {number}: {a['text']!r} overlaps {b['text']!r}")
    return found


def test_the_checker_finds_overlaps_and_words_off_the_page():
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.text(20, 20, "Overlapping")
    pdf.text(25, 21, "words")
    pdf.text(205, 50, "outside")
    with pdf.rotation(90, 100, 100):  # a rotated line (an axis title) over upright text
        pdf.text(100, 100, "rotated title")
    pdf.text(95, 95, "under it")
    problems = layout_problems(bytes(pdf.output()))
    assert any("'Overlapping' overlaps 'words'" in p for p in problems)
    assert any("'outside' leaves the page" in p for p in problems)
    assert any("'under' overlaps" in p or "overlaps 'under'" in p for p in problems), problems
    assert not any("'To'" in p for p in layout_problems(_rotated("Tool To To"))), "kerned rotated glyphs are one box"


def _rotated(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    with pdf.rotation(90, 50, 100):
        pdf.text(50, 100, text)
    return bytes(pdf.output())


def test_a_crowded_pack_without_charts_has_no_overlapping_or_stray_words(crowded):
    made = build_pdf(crowded, None, "chart images were not requested")
    assert made.pages >= 2 + len(crowded.views)
    assert layout_problems(made.pdf) == []


@pytest.fixture(scope="module")
def chart_renderer():
    found = status()
    require_component(found.available, f"Chromium is needed to draw charts: {found.reason}")
    return renderer()


def test_a_crowded_pack_with_charts_has_no_overlapping_or_stray_words(crowded, chart_renderer):
    made = build_pdf(crowded, chart_renderer)
    assert made.charts_drawn == len(crowded.views) - 1  # all but the aim without data
    assert layout_problems(made.pdf) == []


def test_each_print_chart_keeps_every_word_inside_its_own_page(crowded, chart_renderer):
    views = [v for v in crowded.views if v.result is not None]
    figures = [aim_chart(v, height=PRINT_SIZE[1], width=PRINT_SIZE[0], for_print=True) for v in views]
    drawn = chart_renderer.images(figures, "pdf", *PRINT_SIZE)
    for view, pdf in zip(views, drawn, strict=True):
        assert isinstance(pdf, bytes), pdf
        assert layout_problems(pdf) == [], view.aim.title
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            text = doc.pages[0].extract_text()
        assert "Value at the deadline" in text or view.projection.band is None  # the legend is drawn in full
        assert f"n = {len(view.result.points)} points" in text


@pytest.mark.parametrize("for_print", [True, False])
def test_charts_are_laid_out_to_be_read(crowded, for_print):
    for view in crowded.views:
        if view.result is None:
            continue
        fig = aim_chart(view, height=PRINT_SIZE[1] if for_print else 480, width=PRINT_SIZE[0] if for_print else 1100,
                        for_print=for_print)
        layout = fig.layout
        # units on the axis; one precision on its ticks
        assert layout.yaxis.title.text.replace("<br>", " ") == axis_title(view) == view.aim.unit
        assert layout.yaxis.tickformat == f",.{view.decimals}f"
        # every annotation label sits in the strip above the plot, never over a point
        labels = [a for a in layout.annotations if a.yref == "paper" and a.xref == "x"]
        assert len(labels) == len(view.annotations)
        assert all(a.y > 1.0 for a in labels)
        if for_print:
            plot_px = layout.height - layout.margin.t - layout.margin.b
            assert plot_px * CHART_W / PRINT_SIZE[0] >= 70.0  # mm: at least 7 cm tall on the page
            assert layout.legend.orientation == "v" and layout.legend.x > 1.0  # beside the plot, not under it
            assert not layout.title.text  # the page carries the title


def test_one_precision_per_measure_in_the_pack(crowded):
    doc = build_layout(crowded)
    rows = {row.aim: summary_row(row) for row in crowded.summary.itertuples(index=False)}
    for view in crowded.views:
        if view.result is None:
            continue
        latest, target = rows[view.aim.title].cells[4], rows[view.aim.title].cells[5]
        for text in (latest.split("\n")[0], target):
            decimals = len(text.split(".")[1]) if "." in text else 0
            assert decimals == view.decimals, (view.aim.title, text)
    page = next(p for p in doc.of_kind("aim") if p.title == crowded.views[0].aim.title)
    values = [c for row in page.blocks[1].fallback.rows for c in row.cells[1:5]]
    assert {len(v.split(".")[1]) if "." in v else 0 for v in values if re.match(r"^-?[\d,]+(\.\d+)?$", v)} == {
        crowded.views[0].decimals}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 800), st.floats(10, 400)), min_size=1, max_size=25),
       st.integers(1, 4))
def test_annotation_labels_never_overlap_in_their_rows(labels, rows):
    lefts, widths = [x for x, _ in labels], [w for _, w in labels]
    placed_rows, right_side, room = _label_rows(lefts, widths, 800.0, gap=8.0, max_rows=rows)
    spans: dict[int, list[tuple[float, float]]] = {}
    for x, row, to_right, fits, wanted in zip(lefts, placed_rows, right_side, room, widths, strict=True):
        assert 0 <= fits <= wanted and 0 <= row < rows
        span = (x, x + fits) if to_right else (x - fits, x)
        assert -1e-9 <= span[0] and span[1] <= 800.0 + 1e-9
        spans.setdefault(row, []).append(span)
    for row_spans in spans.values():
        row_spans.sort()
        for (_, end), (start, _) in zip(row_spans, row_spans[1:], strict=False):
            assert end <= start + 1e-9
