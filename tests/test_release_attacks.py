"""The measured attacks of issue 14, each reproduced on a small organization and now defeated.

Every case publishes what the app or the `score` command shows, then tries the attack with published
numbers only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from leverage.compare import views as compare
from leverage.compare.cube import build_cube, combine
from leverage.survey import published_scores, release
from leverage.survey.scoring import OVERALL, score_table
from leverage.survey.suppression import BELOW, OK, SECONDARY

MIN_N = 5
POINTS = [f"LP{p}" for p in range(1, 8)]


def answers(groups: dict[tuple[str, str], int], seed: int = 3, skip_point: dict[str, tuple[str, int]] | None = None,
            org: str = "O", rnd: str = "R1") -> pd.DataFrame:
    """People per (department, role), two statements per point; `skip_point` {department: (point, k)}: the
    department's first k people answer "don't know" to every statement of that point."""
    rng = np.random.default_rng(seed)
    rows = []
    for (dept, role), size in groups.items():
        for k in range(size):
            for point in POINTS:
                for item in (1, 2):
                    skip = skip_point and dept in skip_point and skip_point[dept][0] == point \
                        and k < skip_point[dept][1]
                    rows.append((org, dept, role, rnd, f"{org}-{rnd}-{dept}-{role}-{k}", f"{point}.{item}", point,
                                 None if skip else int(rng.integers(1, 6))))
    frame = pd.DataFrame(rows, columns=["organization", "department", "role", "round", "respondent_id", "item_id",
                                        "leverage_point", "value"])
    frame["value"] = frame["value"].astype("Int8")
    return frame


def test_overall_against_the_points_no_longer_gives_a_withheld_point_back():
    # A has 6 people, two of whom say "don't know" to all of LP3: LP3 has n 4 < 5. Withholding A's LP3 alone
    # while showing its Overall and other points gives LP3's sum by 7 × Overall − the six other points.
    data = answers({("A", "board"): 6, ("B", "board"): 9, ("C", "nursing"): 12}, skip_point={"A": ("LP3", 2)})
    rel = release.decide_answers(data, MIN_N)
    by_dept = release.point_table(data, ("department",), rel).set_index(["department", "leverage_point"])
    assert by_dept.loc[("A", "LP3"), "status"] == BELOW
    a_rows = by_dept.loc["A"]
    assert (a_rows["status"] != OK).all()  # Overall and every other point of A too
    assert a_rows["mean"].isna().all() and a_rows.loc[OVERALL, "n_respondents"] == 6
    # ... and a sibling with it, or the total minus B and C would give A.
    assert (by_dept.loc["B", "status"] == SECONDARY).all()


def test_results_and_compare_withhold_the_same_departments_whatever_the_row_order():
    # A (2) is below the threshold; B and C tie on 7 respondents: the old per-table rule took the first row
    # of each table's own order, so Results and Compare could withhold different ones and, together,
    # reveal A. One release decides once, by name.
    groups = {("C", "board"): 7, ("A", "board"): 2, ("B", "board"): 7, ("D", "board"): 20}
    data = answers(groups)
    rel = release.decide_answers(data, MIN_N)
    results = release.point_table(data, ("department",), rel)
    cube = combine({"store": build_cube(pa.Table.from_pandas(data.sample(frac=1, random_state=1),
                                                             preserve_index=False))})
    units = compare.department_units(cube.points, "store", "O", None, MIN_N)
    parent = compare.parent_scores(units, MIN_N, "O")
    scores = compare.unit_scores(units, MIN_N, parent)
    shown_results = set(results.loc[results["status"] != OK, "department"])
    shown_compare = set(scores.loc[scores["status"] != OK, "unit"])
    assert shown_results == shown_compare == {"A", "B"}  # B before C by name, in both


def _published_vectors(frames: list[tuple[pd.DataFrame, dict[str, set[str]]]], departments: list[str]):
    """Per point, functionals over departments of the cells shown and withheld in all frames together."""
    shown, hidden = [], []
    for frame, members in frames:
        for row in frame.to_dict("records"):
            vector = np.array([1.0 if d in members[row["unit"]] else 0.0 for d in departments])
            (shown if row["status"] == OK else hidden).append((row["leverage_point"], vector))
    return shown, hidden


def test_pooled_and_unpooled_views_together_reveal_no_department():
    groups = {("A", "board"): 2, ("B", "board"): 4, ("C", "nursing"): 6, ("D", "nursing"): 9, ("E", "board"): 30}
    cube = combine({"store": build_cube(pa.Table.from_pandas(answers(groups), preserve_index=False))})
    departments = ["A", "B", "C", "D", "E"]
    frames = []
    for pool in (None, "Small"):
        units = compare.department_units(cube.points, "store", "O", pool, MIN_N)
        parent = compare.parent_scores(units, MIN_N, "O")
        scores = compare.unit_scores(units, MIN_N, parent, pool=pool)
        members = {u: set(g["department"]) for u, g in units.groupby("unit")}
        frames.append((scores, members))
        frames.append((parent, {"O": set(departments)}))
    assert "Small" in set(frames[2][0]["unit"])
    shown, hidden = _published_vectors(frames, departments)
    for point in POINTS + [OVERALL]:
        basis = np.array([v for p, v in shown if p == point])
        for p, vector in hidden:
            if p != point:
                continue
            residual = vector - np.linalg.lstsq(basis.T, vector, rcond=None)[0] @ basis
            assert np.linalg.norm(residual) > 1e-9, (point, vector)


def test_statements_of_a_department_withheld_for_its_points_are_withheld_too():
    # B is withheld (secondary) to protect A; its statements, published, would give its point scores back
    # (a point score is the mean of its statements), and with them A's.
    groups = {("A", "board"): 3, ("B", "board"): 8, ("C", "nursing"): 12}
    data = answers(groups)
    cube = combine({"store": build_cube(pa.Table.from_pandas(data, preserve_index=False))})
    units = compare.department_units(cube.points, "store", "O", None, MIN_N)
    decided = compare.releases_of(units, MIN_N, cube.items)
    scores = compare.unit_scores(units, MIN_N, compare.parent_scores(units, MIN_N, "O"), decided=decided)
    assert scores.loc[scores["unit"] == "B", "status"].eq(SECONDARY).all()
    for point in POINTS:
        rows = compare.item_units(cube.items, {}, point)
        items = compare.item_scores(rows, None, "R1", MIN_N, decided=decided)
        assert (items.loc[items["unit"].isin(["A", "B"]), "status"] != OK).all()
        assert items.loc[items["unit"].isin(["A", "B"]), "mean"].isna().all()
        assert (items.loc[items["unit"] == "C", "status"] == OK).all()


def test_score_with_one_small_department_withholds_a_sibling_in_every_by():
    # A (3) among B (8) and C (12): `score --by organization,department,round` withheld A only and
    # `--by organization,round` published the total, so total − B − C gave A's mean exactly.
    data = answers({("A", "board"): 3, ("B", "board"): 8, ("C", "nursing"): 12})
    finest = score_table(pa.Table.from_pandas(data, preserve_index=False),
                         ["organization", "department", "role", "round"], 1)
    by_dept = published_scores.publish(finest, ["organization", "department", "round"], MIN_N).to_pandas()
    total = published_scores.publish(finest, ["organization", "round"], MIN_N).to_pandas()
    assert not total["suppressed"].any()
    for point, rows in by_dept.groupby("leverage_point"):
        hidden = rows[rows["suppressed"]]
        assert set(hidden["department"]) == {"A", "B"}, point
        assert hidden["mean"].isna().all()
        # what subtraction now yields: A and B together (11 people), never A alone
        shown = rows[~rows["suppressed"]]
        t = total[total["leverage_point"] == point].iloc[0]
        rest = t["n_respondents"] - shown["n_respondents"].sum()
        assert rest == 11
    by_role = published_scores.publish(finest, ["organization", "role", "round"], MIN_N).to_pandas()
    # board = A + B: shown, as it tells only what total − C tells already (the pair, never A alone).
    board = by_role.set_index(["role", "leverage_point"]).loc[("board", "LP1")]
    assert not board["suppressed"] and board["n_respondents"] == 11


@pytest.mark.parametrize("by", [[], ["role"], ["department"], ["department", "role"]])
def test_score_and_results_decide_alike(by):
    groups = {("A", "board"): 3, ("A", "nursing"): 4, ("B", "board"): 8, ("B", "nursing"): 2, ("C", "nursing"): 12}
    data = answers(groups)
    rel = release.decide_answers(data, MIN_N)
    results = release.point_table(data, by, rel)
    results = results[results["leverage_point"] != OVERALL]
    finest = score_table(pa.Table.from_pandas(data, preserve_index=False),
                         ["organization", "department", "role", "round"], 1)
    scored = published_scores.publish(finest, ["organization", "round", *by], MIN_N).to_pandas()
    keys = [*by, "leverage_point"]
    left = results.set_index(keys)["status"].ne(OK).sort_index()
    right = scored.set_index(keys)["suppressed"].sort_index()
    assert left.tolist() == right.tolist()


def test_an_extreme_pair_gets_a_third_withheld_cell():
    # A (2) and B (5) all answer 5 on every statement: published with the total, the pair's sum would pin
    # A's mean to 5 exactly (interval of width 0): the LP audit withholds a third department.
    rows = []
    for dept, size, value in (("A", 2, 5), ("B", 5, 5), ("C", 6, 2), ("D", 30, 3)):
        for k in range(size):
            for point in POINTS:
                rows.append(("O", dept, "board", "R1", f"{dept}{k}", f"{point}.1", point, value))
    data = pd.DataFrame(rows, columns=["organization", "department", "role", "round", "respondent_id", "item_id",
                                       "leverage_point", "value"]).astype({"value": "Int8"})
    rel = release.decide_answers(data, MIN_N)
    withheld = {k[1] for k in rel.withheld_boxes if k[0] == release.DEPARTMENT}
    assert withheld == {"A", "B", "C"}
