"""Scoring against hand-computed cases. Every expectation is worked out in the comments beside it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy import stats

from leverage.survey.scoring import (
    BELOW_THRESHOLD,
    NO_DATA,
    OVERALL,
    change_between,
    item_level_shares,
    item_scores,
    level_distribution,
    point_scores,
    respondent_point_table,
    respondent_profile,
    score_table,
    strengths_and_gaps,
)

COLUMNS = ["organization", "department", "role", "round", "respondent_id", "item_id", "leverage_point", "value"]
DK = None  # don't know


def frame(people: list[tuple], organization: str = "Org", round_: str = "R1") -> pd.DataFrame:
    """Long format from (respondent_id, role, department, {item_id: value}); the point is the item's prefix."""
    rows = []
    for person in people:
        rid, role, department, answers = person[:4]
        org = person[4] if len(person) > 4 else organization
        rnd = person[5] if len(person) > 5 else round_
        for item, value in answers.items():
            rows.append((org, department, role, rnd, rid, item, item.split(".")[0], value))
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["value"] = out["value"].astype("Int64")
    return out


def row(result: pd.DataFrame, point: str, **by) -> pd.Series:
    mask = result["leverage_point"] == point
    for col, val in by.items():
        mask &= result[col] == val
    match = result[mask]
    assert len(match) == 1, f"{len(match)} rows for {point} {by}"
    return match.iloc[0]


def close(actual, expected) -> bool:
    return actual == pytest.approx(expected, rel=1e-12, abs=1e-12)


# A case where the group mean (mean of respondent means) differs from the mean of all answers.
#   A: LP1 = 1, 2, 3 -> respondent score (1+2+3)/3 = 2
#   B: LP1 = 5, don't know -> respondent score 5 (the don't-know is not scored)
#   C: LP1 = don't know only -> no LP1 score, not counted in LP1's n
# group mean = (2 + 5) / 2 = 3.5      (mean of all scored answers would be (1+2+3+5)/4 = 2.75)
# sample sd  = sqrt(((2-3.5)^2 + (5-3.5)^2) / (2-1)) = sqrt(4.5) = 2.1213203...
# n_dont_know = 2 (B's and C's), n_answers = 6, dont_know_rate = 2/6
RESPONDENT_MEANS = [
    ("A", "board", "ED", {"LP1.1": 1, "LP1.2": 2, "LP1.3": 3}),
    ("B", "board", "ED", {"LP1.1": 5, "LP1.2": DK}),
    ("C", "board", "ED", {"LP1.1": DK}),
]


def test_respondent_score_is_the_mean_of_their_scored_items():
    table = respondent_point_table(frame(RESPONDENT_MEANS)).to_pandas().set_index("respondent_id")
    assert table.loc["A", "score"] == 2.0  # (1+2+3)/3
    assert table.loc["B", "score"] == 5.0  # 5; the don't-know is not scored
    assert pd.isna(table.loc["C", "score"])  # nothing scored
    assert table["n_scored"].to_dict() == {"A": 3, "B": 1, "C": 0}
    assert table["n_dont_know"].to_dict() == {"A": 0, "B": 1, "C": 1}


def test_group_mean_is_the_mean_of_respondent_means_not_of_answers():
    result = point_scores(frame(RESPONDENT_MEANS), min_n=1)
    lp1 = row(result, "LP1")
    assert lp1["n_respondents"] == 2  # C answered only "don't know"
    assert close(lp1["mean"], 3.5)  # (2+5)/2, not (1+2+3+5)/4 = 2.75
    assert close(lp1["sd"], math.sqrt(4.5))
    assert lp1["n_answers"] == 6
    assert lp1["n_dont_know"] == 2
    assert close(lp1["dont_know_rate"], 2 / 6)
    assert lp1["status"] == "ok" and not lp1["suppressed"]
    assert list(result["leverage_point"]) == ["LP1", OVERALL]


def test_score_table_contract_columns_and_values():
    table = score_table(frame(RESPONDENT_MEANS), min_n=1)
    assert isinstance(table, pa.Table)
    assert table.column_names == ["leverage_point", "n_respondents", "mean", "sd", "suppressed"]
    assert table.to_pylist() == [
        {"leverage_point": "LP1", "n_respondents": 2, "mean": 3.5, "sd": pytest.approx(math.sqrt(4.5)),
         "suppressed": False},
    ]
    by_table = score_table(frame(RESPONDENT_MEANS), by=["organization", "role"], min_n=1)
    assert by_table.column_names == ["organization", "role", "leverage_point", "n_respondents", "mean", "sd",
                                     "suppressed"]
    assert by_table.schema.field("n_respondents").type == pa.int64()
    assert by_table.schema.field("suppressed").type == pa.bool_()


def test_score_table_accepts_an_arrow_table():
    data = frame(RESPONDENT_MEANS)
    assert score_table(pa.Table.from_pandas(data), min_n=1).equals(score_table(data, min_n=1))


@pytest.mark.parametrize("by", [["respondent_id"], ["round", "round"], ["value"]])
def test_grouping_by_anything_else_is_refused(by):
    with pytest.raises(ValueError, match="cannot group by|repeated"):
        score_table(frame(RESPONDENT_MEANS), by=by)
    with pytest.raises(ValueError, match="cannot group by|repeated"):
        point_scores(frame(RESPONDENT_MEANS), by=by)


# n = 4 vs n = 5 at min_n = 5. One LP2 item each, values 1..4 (and 5 for the fifth respondent).
FOUR = [(f"p{v}", "nursing", "ICU", {"LP2.1": v, "LP2.2": DK if v == 1 else v}) for v in (1, 2, 3, 4)]
FIVE = [*FOUR, ("p5", "nursing", "ICU", {"LP2.1": 5, "LP2.2": 5})]


def test_four_respondents_are_below_threshold():
    result = point_scores(frame(FOUR), min_n=5)
    lp2 = row(result, "LP2")
    assert lp2["n_respondents"] == 4  # the count stays visible
    assert lp2["suppressed"]
    assert lp2["status"] == BELOW_THRESHOLD == "below threshold"
    for col in ("mean", "sd", "ci_low", "ci_high", "n_dont_know", "dont_know_rate"):
        assert pd.isna(lp2[col]), col
    contract = score_table(frame(FOUR), min_n=5).to_pylist()
    assert contract == [{"leverage_point": "LP2", "n_respondents": 4, "mean": None, "sd": None, "suppressed": True}]


def test_five_respondents_are_reported():
    # Respondent scores: p1 = 1 (LP2.2 don't know), p2 = 2, p3 = 3, p4 = 4, p5 = 5.
    # mean = 15/5 = 3; sd = sqrt((4+1+0+1+4)/4) = sqrt(2.5) = 1.5811388...
    # 95 % interval on the 1–5 scale (issue 16; was the t interval 3 ± 1.9632, see survey/intervals.py):
    # on 0–1, m = 0.5, v = 2.5/16 = 0.15625, c = v / (m(1 − m)) = 0.625, n/c = 8, t(0.975, 4) = 2.7764451;
    # Wilson: centre 0.5, half = t / (2·sqrt(8 + t²)) = 0.3502593 -> 3 ± 4 × 0.3502593 = 1.59896 .. 4.40104
    result = point_scores(frame(FIVE), min_n=5)
    lp2 = row(result, "LP2")
    assert lp2["n_respondents"] == 5
    assert not lp2["suppressed"] and lp2["status"] == "ok"
    assert close(lp2["mean"], 3.0)
    assert close(lp2["sd"], math.sqrt(2.5))
    t = stats.t.ppf(0.975, 4)
    assert t == pytest.approx(2.7764451051977987)
    half = 4 * t / (2 * math.sqrt(8 + t ** 2))
    assert half == pytest.approx(1.4010373, abs=1e-6)
    assert close(lp2["ci_low"], 3 - half)
    assert close(lp2["ci_high"], 3 + half)
    assert lp2["n_answers"] == 10 and lp2["n_dont_know"] == 1
    assert close(lp2["dont_know_rate"], 0.1)
    contract = score_table(frame(FIVE), min_n=5).to_pylist()
    assert contract == [{"leverage_point": "LP2", "n_respondents": 5, "mean": 3.0,
                         "sd": pytest.approx(math.sqrt(2.5)), "suppressed": False}]


def test_default_threshold_is_five():
    assert row(point_scores(frame(FOUR)), "LP2")["suppressed"]
    assert not row(point_scores(frame(FIVE)), "LP2")["suppressed"]
    assert score_table(frame(FOUR)).column("suppressed").to_pylist() == [True]


def test_one_respondent():
    # One person: LP3 = 4, 2, don't know -> score (4+2)/2 = 3; sd and interval undefined for n = 1.
    one = frame([("solo", "manager", "Lab", {"LP3.1": 4, "LP3.2": 2, "LP3.3": DK})])
    lp3 = row(point_scores(one, min_n=1), "LP3")
    assert lp3["n_respondents"] == 1
    assert lp3["mean"] == 3.0
    assert pd.isna(lp3["sd"]) and pd.isna(lp3["ci_low"]) and pd.isna(lp3["ci_high"])
    assert lp3["n_dont_know"] == 1 and lp3["n_answers"] == 3
    assert score_table(one, min_n=1).to_pylist() == [
        {"leverage_point": "LP3", "n_respondents": 1, "mean": 3.0, "sd": None, "suppressed": False}]
    # At the default threshold the same person is withheld.
    assert row(point_scores(one), "LP3")["status"] == BELOW_THRESHOLD
    assert pd.isna(row(point_scores(one), "LP3")["mean"])


# Overall: a respondent's overall score is the mean of their point scores.
#   A: LP1 = 2, 4 -> 3;  LP2 = 5      -> 5;  overall (3+5)/2 = 4
#   B: LP1 = 1    -> 1;  LP2 = 3,3,3  -> 3;  overall (1+3)/2 = 2
#   C: LP1 = 5    -> 5;  LP2 = DK, DK -> -;  overall 5
# Overall mean = (4+2+5)/3 = 11/3 = 3.6667, n = 3
#   (mean of the point means would be ((3+1+5)/3 + (5+3)/2)/2 = 3.5; mean of all answers 26/8 = 3.25)
# Overall sd = sqrt(((4-11/3)^2 + (2-11/3)^2 + (5-11/3)^2)/2) = sqrt((1/9+25/9+16/9)/2) = sqrt(7/3)
# LP2: n = 2 (C only said don't know), mean 4, answers 6 of which 2 don't know.
# Overall counts: answers 10, don't know 2.
OVERALL_CASE = [
    ("A", "board", "ED", {"LP1.1": 2, "LP1.2": 4, "LP2.1": 5}),
    ("B", "physician", "ED", {"LP1.1": 1, "LP2.1": 3, "LP2.2": 3, "LP2.3": 3}),
    ("C", "physician", "ICU", {"LP1.1": 5, "LP2.1": DK, "LP2.2": DK}),
]


def test_overall_is_the_mean_of_respondent_overall_scores():
    result = point_scores(frame(OVERALL_CASE), min_n=1)
    assert list(result["leverage_point"]) == ["LP1", "LP2", OVERALL]
    lp1, lp2, overall = (row(result, p) for p in ("LP1", "LP2", OVERALL))
    assert lp1["n_respondents"] == 3 and close(lp1["mean"], 3.0)  # (3+1+5)/3
    assert lp2["n_respondents"] == 2 and close(lp2["mean"], 4.0)  # (5+3)/2
    assert lp2["n_answers"] == 6 and lp2["n_dont_know"] == 2 and close(lp2["dont_know_rate"], 1 / 3)
    assert overall["n_respondents"] == 3
    assert close(overall["mean"], 11 / 3)
    assert close(overall["sd"], math.sqrt(7 / 3))
    # the interval on the 1–5 scale (issue 16; the t interval's lower end was 11/3 − t·√(7/3)/√3 = -0.13, off the
    # scale): m = 2/3, v = 7/48, c = v / (m(1 − m)) = 0.65625, n/c = 4.5714; Wilson with t(0.975, 2)
    t = stats.t.ppf(0.975, 2)
    m, ne = 2 / 3, 3 / 0.65625
    centre = (m + t ** 2 / (2 * ne)) / (1 + t ** 2 / ne)
    half = t / (1 + t ** 2 / ne) * math.sqrt(m * (1 - m) / ne + t ** 2 / (4 * ne ** 2))
    assert close(overall["ci_low"], 1 + 4 * (centre - half))
    assert close(overall["ci_high"], 1 + 4 * (centre + half))
    assert (overall["ci_low"], overall["ci_high"]) == (pytest.approx(1.3607831, abs=1e-6),
                                                       pytest.approx(4.9032601, abs=1e-6))
    assert overall["n_answers"] == 10 and overall["n_dont_know"] == 2
    assert close(overall["dont_know_rate"], 0.2)
    assert overall["status"] == "ok"


def test_overall_can_be_left_out():
    result = point_scores(frame(OVERALL_CASE), min_n=1, include_overall=False)
    assert list(result["leverage_point"]) == ["LP1", "LP2"]


def test_point_scores_by_columns():
    # By role: board = A only; physician = B and C.
    #   board LP1 = 3 (n 1), LP2 = 5 (n 1), overall 4
    #   physician LP1 = (1+5)/2 = 3, sd sqrt(((1-3)^2+(5-3)^2)/1) = sqrt(8); LP2 = 3 (n 1: C is don't know)
    #   physician overall = (2+5)/2 = 3.5, sd sqrt((1.5^2+1.5^2)/1) = sqrt(4.5)
    result = point_scores(frame(OVERALL_CASE), by=["role"], min_n=1)
    assert list(result.columns) == ["role", "leverage_point", "n_respondents", "mean", "sd", "ci_low", "ci_high",
                                    "suppressed", "status", "n_answers", "n_dont_know", "dont_know_rate"]
    assert list(zip(result["role"], result["leverage_point"], strict=True)) == [
        ("board", "LP1"), ("board", "LP2"), ("board", OVERALL),
        ("physician", "LP1"), ("physician", "LP2"), ("physician", OVERALL)]
    assert close(row(result, "LP1", role="board")["mean"], 3.0)
    assert close(row(result, OVERALL, role="board")["mean"], 4.0)
    phys_lp1 = row(result, "LP1", role="physician")
    assert phys_lp1["n_respondents"] == 2 and close(phys_lp1["mean"], 3.0) and close(phys_lp1["sd"], math.sqrt(8))
    phys_lp2 = row(result, "LP2", role="physician")
    assert phys_lp2["n_respondents"] == 1 and close(phys_lp2["mean"], 3.0) and pd.isna(phys_lp2["sd"])
    assert phys_lp2["n_dont_know"] == 2
    phys_all = row(result, OVERALL, role="physician")
    assert phys_all["n_respondents"] == 2
    assert close(phys_all["mean"], 3.5) and close(phys_all["sd"], math.sqrt(4.5))


def test_threshold_applies_per_group():
    # By department at min_n 2: ED has A and B (n 2, reported), ICU has only C (n 1, withheld).
    # ED LP1 = (3+1)/2 = 2; ED LP2 = (5+3)/2 = 4.  ICU LP1: n 1 -> below threshold.  ICU LP2: nobody scored.
    result = point_scores(frame(OVERALL_CASE), by=["department"], min_n=2)
    assert close(row(result, "LP1", department="ED")["mean"], 2.0)
    assert close(row(result, "LP2", department="ED")["mean"], 4.0)
    icu_lp1 = row(result, "LP1", department="ICU")
    assert icu_lp1["n_respondents"] == 1 and icu_lp1["suppressed"] and icu_lp1["status"] == BELOW_THRESHOLD
    assert pd.isna(icu_lp1["mean"])
    icu_lp2 = row(result, "LP2", department="ICU")
    assert icu_lp2["n_respondents"] == 0 and pd.isna(icu_lp2["mean"])
    # The contract table leaves out a group x point with nobody scored.
    contract = score_table(frame(OVERALL_CASE), by=["department"], min_n=2).to_pylist()
    assert contract == [
        {"department": "ED", "leverage_point": "LP1", "n_respondents": 2, "mean": 2.0,
         "sd": pytest.approx(math.sqrt(2)), "suppressed": False},
        {"department": "ED", "leverage_point": "LP2", "n_respondents": 2, "mean": 4.0,
         "sd": pytest.approx(math.sqrt(2)), "suppressed": False},
        {"department": "ICU", "leverage_point": "LP1", "n_respondents": 1, "mean": None, "sd": None,
         "suppressed": True},
    ]


def test_respondents_are_told_apart_by_organization_and_round():
    # The same respondent id in two organizations (and two rounds) is four different people.
    people = [("r1", "board", "ED", {"LP1.1": 1}, "Org A", "R1"), ("r1", "board", "ED", {"LP1.1": 3}, "Org B", "R1"),
              ("r1", "board", "ED", {"LP1.1": 5}, "Org A", "R2"), ("r1", "board", "ED", {"LP1.1": 5}, "Org B", "R2")]
    lp1 = row(point_scores(frame(people), min_n=1), "LP1")
    assert lp1["n_respondents"] == 4
    assert close(lp1["mean"], 3.5)  # (1+3+5+5)/4


def test_dont_know_counts_of_a_small_group_are_withheld_even_when_nobody_scored():
    # ICU has one person (C), below min_n 2. For LP1 C's don't-know count is withheld (suppressed), but for LP2,
    # where C answered only "don't know", the row shows n_dont_know 2 and dont_know_rate 1.0: C's answers.
    result = point_scores(frame(OVERALL_CASE), by=["department"], min_n=2)
    icu_lp1 = row(result, "LP1", department="ICU")
    assert pd.isna(icu_lp1["n_dont_know"]) and pd.isna(icu_lp1["dont_know_rate"])
    icu_lp2 = row(result, "LP2", department="ICU")
    assert pd.isna(icu_lp2["n_dont_know"]) and pd.isna(icu_lp2["dont_know_rate"])


def test_a_large_group_where_everyone_said_dont_know_has_no_score_but_shows_its_counts():
    # Two people (min_n 2) both answer LP2 with "don't know" only: nobody scored, so status "no data".
    data = frame([("a", "board", "ED", {"LP1.1": 3, "LP2.1": DK}), ("b", "board", "ED", {"LP1.1": 4, "LP2.1": DK})])
    lp2 = row(point_scores(data, min_n=2), "LP2")
    assert lp2["n_respondents"] == 0 and lp2["status"] == NO_DATA and not lp2["suppressed"]
    assert pd.isna(lp2["mean"]) and pd.isna(lp2["sd"])
    assert lp2["n_answers"] == 2 and lp2["n_dont_know"] == 2 and lp2["dont_know_rate"] == 1.0


def test_only_dont_know_everywhere():
    only_dk = frame([("A", "board", "ED", {"LP1.1": DK, "LP2.1": DK})])
    assert score_table(only_dk, min_n=1).num_rows == 0
    result = point_scores(only_dk, min_n=1)
    lp1 = row(result, "LP1")
    assert lp1["n_respondents"] == 0 and lp1["status"] == NO_DATA and lp1["n_dont_know"] == 1


# --- items, distributions, strengths and gaps, change --------------------------------------------------


def test_item_scores_distribution_and_dont_know():
    # LP1.1: A 1, B 5, C don't know -> n 2, mean 3, sd sqrt(((1-3)^2+(5-3)^2)/1) = sqrt(8); level_1 1, level_5 1
    # LP1.2: A 2, B don't know -> n 1, mean 2, sd undefined, don't know 1 of 2
    # LP1.3: A 3 -> n 1, mean 3
    result = item_scores(frame(RESPONDENT_MEANS), min_n=1)
    assert list(result["item_id"]) == ["LP1.1", "LP1.2", "LP1.3"]
    first = row(result, "LP1", item_id="LP1.1")
    assert first["n_respondents"] == 2 and close(float(first["mean"]), 3.0) and close(float(first["sd"]), math.sqrt(8))
    assert [first[f"level_{v}"] for v in range(1, 6)] == [1, 0, 0, 0, 1]
    assert first["n_dont_know"] == 1 and close(first["dont_know_rate"], 1 / 3)
    second = row(result, "LP1", item_id="LP1.2")
    assert second["n_respondents"] == 1 and float(second["mean"]) == 2.0 and pd.isna(second["sd"])
    assert [second[f"level_{v}"] for v in range(1, 6)] == [0, 1, 0, 0, 0]
    assert second["dont_know_rate"] == 0.5
    assert (result["status"] == "ok").all()


def test_item_scores_suppressed_below_threshold():
    # min_n 2: LP1.1 (n 2) is reported, LP1.2 and LP1.3 (n 1) are withheld with their distributions.
    result = item_scores(frame(RESPONDENT_MEANS), min_n=2)
    assert not row(result, "LP1", item_id="LP1.1")["suppressed"]
    for item in ("LP1.2", "LP1.3"):
        r = row(result, "LP1", item_id=item)
        assert r["suppressed"] and r["status"] == BELOW_THRESHOLD and r["n_respondents"] == 1
        for col in ["mean", "sd", "n_dont_know", "dont_know_rate", *[f"level_{v}" for v in range(1, 6)]]:
            assert pd.isna(r[col]), (item, col)


def test_item_scores_by_role():
    result = item_scores(frame(OVERALL_CASE), by=["role"], min_n=1)
    # physician LP2.1: B 3, C don't know -> n 1, mean 3, don't know 1
    r = row(result, "LP2", role="physician", item_id="LP2.1")
    assert r["n_respondents"] == 1 and float(r["mean"]) == 3.0 and r["n_dont_know"] == 1 and r["level_3"] == 1
    # physician LP2.2: B 3, C don't know; board has no LP2.2 row at all
    assert len(result[(result["role"] == "board") & (result["item_id"] == "LP2.2")]) == 0


def test_level_distribution_shares():
    # LP1 answers (RESPONDENT_MEANS): 1, 2, 3, 5 and two don't know -> each level 1/6, level_4 0, dont_know 2/6
    result = level_distribution(frame(RESPONDENT_MEANS), min_n=1)
    lp1 = row(result, "LP1")
    shares = [lp1[f"level_{v}"] for v in range(1, 6)] + [lp1["dont_know"]]
    assert shares == pytest.approx([1 / 6, 1 / 6, 1 / 6, 0, 1 / 6, 2 / 6])
    assert sum(shares) == pytest.approx(1.0)
    assert lp1["n_respondents"] == 2


def test_level_distribution_sums_to_one_per_group_and_is_withheld_below_threshold():
    result = level_distribution(frame(OVERALL_CASE), by=["department"], min_n=2)
    cols = [f"level_{v}" for v in range(1, 6)] + ["dont_know"]
    ed = result[result["department"] == "ED"]
    assert len(ed) == 2
    assert ed[cols].sum(axis=1).to_numpy() == pytest.approx([1.0, 1.0])
    # ED LP2 answers: A 5, B 3, 3, 3 -> level_3 3/4, level_5 1/4
    ed_lp2 = row(result, "LP2", department="ED")
    assert [ed_lp2[c] for c in cols] == pytest.approx([0, 0, 0.75, 0, 0.25, 0])
    icu = result[result["department"] == "ICU"]
    assert len(icu) == 2 and icu[cols].isna().all().all()  # n 1 (LP1) and n 0 (LP2): nothing shown


def _strengths_case() -> pd.DataFrame:
    # Three respondents. LP1 all 4 -> 4; LP2 all 2 -> 2; LP3 all 3 -> 3; LP5 1, 1, 2 -> 4/3;
    # LP4 answered by one person only (5) -> withheld at min_n 3, so it is neither strength nor gap.
    people = []
    for rid, lp5 in (("a", 1), ("b", 1), ("c", 2)):
        answers = {"LP1.1": 4, "LP2.1": 2, "LP3.1": 3, "LP5.1": lp5}
        if rid == "a":
            answers["LP4.1"] = 5
        people.append((rid, "executive", "Board office", answers))
    return frame(people)


def test_strengths_and_gaps_pick_reportable_points():
    data = _strengths_case()
    points = point_scores(data, min_n=3)
    assert row(points, "LP4")["suppressed"]
    result = strengths_and_gaps(points, k=2)
    assert list(result["strong_points"]["leverage_point"]) == ["LP1", "LP3"]
    assert list(result["weak_points"]["leverage_point"]) == ["LP5", "LP2"]
    assert result["weak_points"]["mean"].tolist() == pytest.approx([4 / 3, 2.0])
    assert OVERALL not in set(result["strong_points"]["leverage_point"])
    assert set(result) == {"strong_points", "weak_points"}
    one = strengths_and_gaps(points, k=1)
    assert list(one["strong_points"]["leverage_point"]) == ["LP1"]
    assert list(one["weak_points"]["leverage_point"]) == ["LP5"]


def test_strengths_and_gaps_when_everything_ties_lists_neither():
    # One respondent rating every point 3: no point is stronger or weaker than another.
    data = frame([("a", "board", "ED", {"LP1.1": 3, "LP2.1": 3, "LP3.1": 3})])
    result = strengths_and_gaps(point_scores(data, min_n=1), item_scores(data, min_n=1), k=2)
    assert all(part.empty for part in result.values())
    # With one point above the rest, it is the only strength, and the tied rest are the gaps.
    data = frame([("a", "board", "ED", {"LP1.1": 4, "LP2.1": 3, "LP3.1": 3})])
    result = strengths_and_gaps(point_scores(data, min_n=1), k=2)
    assert list(result["strong_points"]["leverage_point"]) == ["LP1"]
    assert sorted(result["weak_points"]["leverage_point"]) == ["LP2", "LP3"]


def test_strengths_and_gaps_of_items():
    data = _strengths_case()
    result = strengths_and_gaps(point_scores(data, min_n=3), item_scores(data, min_n=3), k=1)
    assert list(result["strong_items"]["item_id"]) == ["LP1.1"]  # 4; LP4.1 (5) is withheld
    assert list(result["weak_items"]["item_id"]) == ["LP5.1"]


def test_change_between_rounds():
    # Round 1: LP1 = 2, 2, 3 -> 7/3;  LP2 = 4 from one person only (withheld at min_n 2)
    # Round 2: LP1 = 4, 4, 3 -> 11/3; LP2 = 3, 5 -> 4
    # change LP1 = 11/3 - 7/3 = 4/3; LP2 null (previous withheld); Overall compared too
    r1 = frame([("a", "board", "ED", {"LP1.1": 2, "LP2.1": 4}), ("b", "board", "ED", {"LP1.1": 2}),
                ("c", "board", "ED", {"LP1.1": 3})], round_="R1")
    r2 = frame([("a", "board", "ED", {"LP1.1": 4, "LP2.1": 3}), ("b", "board", "ED", {"LP1.1": 4, "LP2.1": 5}),
                ("c", "board", "ED", {"LP1.1": 3})], round_="R2")
    change = change_between(point_scores(r1, min_n=2), point_scores(r2, min_n=2)).set_index("leverage_point")
    assert close(change.loc["LP1", "change"], 4 / 3)
    assert change.loc["LP1", "n_respondents_previous"] == 3 and change.loc["LP1", "n_respondents"] == 3
    assert pd.isna(change.loc["LP2", "change"])
    assert change.loc["LP2", "n_respondents_previous"] == 1 and change.loc["LP2", "mean"] == 4.0
    # Overall: round 1 a (2+4)/2 = 3, b 2, c 3 -> 8/3; round 2 a 3.5, b 4.5, c 3 -> 11/3; change 1
    assert close(change.loc[OVERALL, "change"], 1.0)


def test_change_between_with_groups_and_a_group_new_in_the_current_round():
    prev = frame([(f"p{i}", "board", "ED", {"LP1.1": 2}) for i in range(2)], round_="R1")
    cur = frame([(f"c{i}", "board", "ED", {"LP1.1": 3}) for i in range(2)]
                + [(f"d{i}", "nursing", "ED", {"LP1.1": 5}) for i in range(2)], round_="R2")
    change = change_between(point_scores(prev, ["role"], 2), point_scores(cur, ["role"], 2), by=["role"])
    board = change[(change["role"] == "board") & (change["leverage_point"] == "LP1")].iloc[0]
    assert board["change"] == 1.0
    nursing = change[(change["role"] == "nursing") & (change["leverage_point"] == "LP1")].iloc[0]
    assert pd.isna(nursing["change"]) and nursing["n_respondents_previous"] == 0


def test_respondent_profile_is_their_own_scores():
    # LP1: 2, 4 -> 3; LP2: don't know only -> no score; the unknown item is ignored.
    profile = respondent_profile({"LP1.1": 2, "LP1.2": 4, "LP2.1": None, "ZZ.9": 5},
                                 {"LP1.1": "LP1", "LP1.2": "LP1", "LP2.1": "LP2"})
    assert row(profile, "LP1")["mean"] == 3.0 and row(profile, "LP1")["status"] == "ok"
    assert row(profile, "LP2")["status"] == NO_DATA
    assert row(profile, OVERALL)["mean"] == 3.0


def test_scores_are_unchanged_by_row_order():
    data = frame(OVERALL_CASE)
    shuffled = data.sample(frac=1.0, random_state=np.random.RandomState(7)).reset_index(drop=True)
    pd.testing.assert_frame_equal(point_scores(data, ["role"], 1), point_scores(shuffled, ["role"], 1))


def test_item_level_shares_are_shares_of_all_answers_and_stay_withheld():
    # Item LP1.1: answers 2, 2, 4, 5 and one don't know from five people -> shares 2/5, 1/5, 1/5 and 1/5.
    data = frame([("a", "board", "ED", {"LP1.1": 2}), ("b", "board", "ED", {"LP1.1": 2}),
                  ("c", "board", "ED", {"LP1.1": 4}), ("d", "board", "ED", {"LP1.1": 5}),
                  ("e", "board", "ED", {"LP1.1": DK})])
    shares = item_level_shares(item_scores(data, min_n=4)).iloc[0]
    assert [shares[f"level_{v}"] for v in range(1, 6)] == pytest.approx([0, 0.4, 0, 0.2, 0.2])
    assert shares["dont_know"] == pytest.approx(0.2)
    withheld = item_level_shares(item_scores(data, min_n=5)).iloc[0]  # 4 scored < 5
    assert withheld[["level_1", "level_2", "level_5", "dont_know"]].isna().all()


def test_open_rounds_are_those_opened_and_not_yet_closed():
    import datetime as dt

    from leverage.survey.assessment import open_rounds

    rounds = pd.DataFrame({"name": ["past", "closes today", "open-ended", "future"],
                           "opens_on": [dt.date(2026, 1, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1),
                                        dt.date(2026, 12, 1)],
                           "closes_on": [dt.date(2026, 2, 1), dt.date(2026, 11, 26), None, None]})
    assert list(open_rounds(rounds, dt.date(2026, 11, 26))["name"]) == ["closes today", "open-ended"]
