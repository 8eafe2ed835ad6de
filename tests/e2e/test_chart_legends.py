"""On a phone (390 px) no chart's legend covers its plot (issue 18): the legend's box and the plot area's rect in
Plotly's SVG, as the browser lays them out on the walk of `tests.e2e.tour`, do not intersect."""

from __future__ import annotations

import pytest

from tests.e2e.tour import overlap

pytestmark = pytest.mark.browser


def test_overlap_of_boxes():
    plot = {"x": 0, "y": 100, "width": 300, "height": 200}
    assert overlap(plot, {"x": 10, "y": 310, "width": 280, "height": 40}) == 0  # below, 10 px apart
    assert overlap(plot, {"x": 10, "y": 290, "width": 280, "height": 40}) == 280 * 10  # 10 px into the plot
    assert overlap(plot, {"x": 0, "y": 40, "width": 300, "height": 60}) == 0  # touching the top edge


def test_no_legend_overlaps_its_plot_on_a_phone(tour):
    phone = [v for v in tour if v.width == 390]
    charts = [(v.name, c) for v in phone for c in v.charts]
    # Charts in a closed tab or expander are laid out at zero size: only the ones on screen count.
    legends = [(name, c) for name, c in charts if c["legend"] and c["plot"] and c["legend"]["width"] > 0
               and c["plot"]["width"] > 0]
    # At least Results' "Answers by level" chart, for the admin and for the viewer (the others with a legend sit
    # in closed tabs).
    assert len(legends) >= 2, f"too few charts with a legend on the walk to check: {charts}"
    bad = [f"{name} chart {c['index']} ({c['title'][:50]}): legend {c['legend']} plot {c['plot']}"
           for name, c in legends if overlap(c["plot"], c["legend"]) > 0]
    assert not bad, "legends over their plot at 390 px:\n" + "\n".join(bad)
