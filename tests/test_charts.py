"""Chart builders: titles carry units and n, withheld groups are labelled not drawn, user text stays text."""

from __future__ import annotations

import math

import pandas as pd

from leverage.survey.charts import LEVEL_COLOURS, heat_table, level_distribution_chart, point_scores_chart
from leverage.survey.instrument import default_instrument
from leverage.survey.scoring import level_distribution, point_scores

INSTRUMENT = default_instrument()


def answers(people: list[tuple[str, str, dict[str, int | None]]]) -> pd.DataFrame:
    rows = [{"organization": "O", "department": dept, "role": "board", "round": "R", "respondent_id": rid,
             "item_id": item, "leverage_point": item.split(".")[0], "value": value}
            for rid, dept, given in people for item, value in given.items()]
    frame = pd.DataFrame(rows)
    frame["value"] = frame["value"].astype("Int64")
    return frame


def test_point_chart_draws_reportable_means_and_labels_withheld_groups():
    # ED: five people score LP1 (mean 3); ICU: one person (withheld at min_n 5).
    data = answers([(f"e{i}", "ED", {"LP1.1": 1 + i % 5}) for i in range(5)] + [("i1", "ICU", {"LP1.1": 5})])
    scores = point_scores(data, ["department"], min_n=5, include_overall=False)
    scores["series"] = scores["department"]
    fig = point_scores_chart(scores, INSTRUMENT, "Mean score per point (1–5), n = 6", series="series")
    ed, icu = fig.data
    assert ed.x[0] == 3.0
    assert icu.x[0] is None or math.isnan(icu.x[0])  # no bar for the withheld group
    notes = [a.text for a in fig.layout.annotations]
    assert notes == ["ICU: below threshold (n = 1)"]
    assert "n = 6" in fig.layout.title.text and "(1–5)" in fig.layout.title.text
    assert fig.layout.xaxis.title.text.startswith("Mean score")


def test_user_text_is_escaped_for_plotly():
    data = answers([(f"e{i}", "ED", {"LP1.1": 3}) for i in range(5)])
    scores = point_scores(data, min_n=5, include_overall=False).assign(series="<a href='x'>A</a> & B")
    fig = point_scores_chart(scores, INSTRUMENT, "<b>Org</b> & co", series="series")
    assert fig.data[0].name == "&lt;a href=&#x27;x&#x27;&gt;A&lt;/a&gt; &amp; B"
    assert fig.layout.title.text == "&lt;b&gt;Org&lt;/b&gt; &amp; co"


def test_long_titles_wrap_without_breaking_words():
    data = answers([(f"e{i}", "ED", {"LP1.1": 3}) for i in range(5)])
    title = "Riverside Health System, 2026 Autumn: mean score per leverage point with 95 % interval (1–5), n = 83"
    fig = point_scores_chart(point_scores(data, min_n=5), INSTRUMENT, title)
    lines = fig.layout.title.text.split("<br>")
    assert lines == ["Riverside Health System, 2026 Autumn:", "mean score per leverage point with 95 %",
                     "interval (1–5), n = 83"]  # at most 40 characters a line: what a 390 px phone shows


def test_level_chart_uses_the_scale_colours_and_marks_withheld_rows():
    data = answers([(f"e{i}", "ED", {"LP1.1": 1 + i % 5, "LP2.1": None}) for i in range(5)]
                   + [("i1", "ICU", {"LP1.1": 5})])
    dist = level_distribution(data, ["department"], min_n=5)
    fig = level_distribution_chart(dist[dist["leverage_point"] == "LP1"], INSTRUMENT, "Answers by level, n = 6",
                                   label_column="department")
    assert [t.marker.color for t in fig.data[:5]] == list(LEVEL_COLOURS)
    assert [t.x[0] for t in fig.data[:5]] == [20.0] * 5  # ED: one answer at each level of five
    assert [a.text for a in fig.layout.annotations] == ["below threshold: withheld"]


def test_heat_table_shows_counts_and_withheld_cells():
    data = answers([(f"e{i}", "ED", {"LP1.1": 4}) for i in range(5)] + [("i1", "ICU", {"LP1.1": 5})])
    table = heat_table(point_scores(data, ["department"], min_n=5), "department")
    assert table.loc["ED", "n"] == 5 and table.loc["ED", "LP1"] == "4.00"
    assert table.loc["ICU", "n"] == 1 and table.loc["ICU", "LP1"] == "below threshold"
    assert table.loc["ICU", "Overall"] == "below threshold"
