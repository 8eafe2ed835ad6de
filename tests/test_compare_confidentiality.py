"""No comparison output reveals a group below the threshold, directly or by subtraction from its parent.

A seeded dataset full of small departments and roles goes through every view the Compare page shows,
then through the charts and the CSV/parquet exports, and each output is checked against the rules.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from leverage.compare import views as compare
from leverage.compare.charts import funnel_chart, gap_chart, heat_map_chart, profile_chart, trend_chart
from leverage.compare.cube import LEVEL_COLUMNS, POINT_ORDER, Cube, build_cube, combine
from leverage.survey.responses import to_csv_bytes, to_parquet_bytes
from leverage.survey.suppression import BELOW, OK, SECONDARY, suppress

MIN_N = 5
SCORE_FIELDS = ["mean", "sd", "ci_low", "ci_high", "difference", "dont_know_rate", *LEVEL_COLUMNS]


def dataset(seed: int = 11) -> pa.Table:
    rng = np.random.default_rng(seed)
    rows = []
    for org in ["North", "South", "Tiny"]:
        sizes = {"North": [30, 12, 6, 3, 1], "South": [25, 9, 2, 2], "Tiny": [3]}[org]
        for rnd in ["R1", "R2"]:
            for d, size in enumerate(sizes):
                for k in range(size + (1 if rnd == "R2" and d == 1 else 0)):
                    rid = f"{org}-{rnd}-{d}-{k}"
                    role = ["board", "nursing", "physician", "manager"][(k * 7 + d) % 4]
                    for p in range(1, 8):
                        for i in range(1, 3):
                            v = None if rng.random() < 0.1 else int(rng.integers(1, 6))
                            rows.append((org, f"D{d}" if d < len(sizes) - 1 or org != "South" else None, role, rnd,
                                         rid, f"LP{p}.{i}", f"LP{p}", v))
    frame = pd.DataFrame(rows, columns=["organization", "department", "role", "round", "respondent_id", "item_id",
                                        "leverage_point", "value"])
    frame["value"] = frame["value"].astype("Int8")
    return pa.Table.from_pandas(frame, preserve_index=False)


@pytest.fixture(scope="module")
def cube() -> Cube:
    return combine({"store": build_cube(dataset())})


def check_table(frame: pd.DataFrame) -> None:
    """No score of a withheld row, and withheld rows exactly those the status names."""
    hidden = frame["status"] != OK
    for col in [c for c in SCORE_FIELDS if c in frame.columns]:
        assert frame.loc[hidden, col].isna().all(), col
    small = (frame["n"] > 0) & (frame["n"] < MIN_N)
    assert (frame.loc[small, "status"] == BELOW).all()


def check_subtraction(units: pd.DataFrame, parent: pd.DataFrame, keys: list[str]) -> None:
    """What subtraction yields (parent minus every shown unit) is empty or a group of at least MIN_N.

    Uses only published numbers: the parent's n and mean, the shown units' n and mean.
    """
    for key, group in units.groupby(keys, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        par = parent
        for k, v in zip(keys, key, strict=True):
            par = par[par[k] == v]
        if not par.empty and par["status"].iloc[0] != OK:
            continue  # the parent's own score is withheld: nothing to subtract from
        total = float(par["n"].sum()) if not par.empty else float(group["n"].sum())
        shown = group[group["status"] == OK]
        rest = total - shown["n"].sum()
        hidden = group[group["status"].isin([BELOW, SECONDARY])]
        assert rest == 0 or rest >= MIN_N, (key, rest)
        assert len(hidden) != 1 or rest == 0, key  # one alone is safe only if the parent leaves it out
        if not par.empty and par["status"].iloc[0] == OK and rest > 0:
            derived = (par["mean"].iloc[0] * total - (shown["mean"] * shown["n"]).sum()) / rest
            assert np.isfinite(derived)  # what can be worked out describes >= MIN_N people


def department_views(cube: Cube, org: str, pool=None) -> dict[str, pd.DataFrame]:
    units = compare.department_units(cube.points, "store", org, pool, MIN_N)
    parent = compare.parent_scores(units, MIN_N, org)
    return {"units": units, "parent": parent, "scores": compare.unit_scores(units, MIN_N, parent)}


@pytest.mark.parametrize("org", ["North", "South", "Tiny"])
def test_department_views_withhold_small_groups_and_their_next_smallest(cube, org):
    view = department_views(cube, org)
    scores, parent = view["scores"], view["parent"]
    check_table(scores)
    check_table(parent)
    check_subtraction(scores, parent, ["round", "leverage_point"])
    for rnd in ["R1", "R2"]:
        for point in POINT_ORDER:
            check_table(compare.level_shares(scores, rnd, point).rename(columns={"dont_know": "dont_know_rate"}))
            units, _curve = compare.funnel(scores, parent, rnd, point)
            assert (units["status"] == OK).all() and (units["n"] >= MIN_N).all()
        # Roles of the whole organization and of each department, as the page asks for them.
        scope = [("(all)", view["units"], parent[parent["round"] == rnd])]
        scope += [(u, view["units"][view["units"]["unit"] == u],
                   scores[(scores["unit"] == u) & (scores["round"] == rnd)]) for u in scores["unit"].unique()]
        for _name, units, status in scope:
            roles = compare.role_scores(units, rnd, MIN_N, status[["leverage_point", "status"]])
            check_table(roles)
            group = status.assign(role="(all)")
            check_subtraction(roles, group, ["leverage_point"])
            hidden_points = set(status.loc[status["status"] != OK, "leverage_point"])
            assert (roles.loc[roles["leverage_point"].isin(hidden_points), "status"] != OK).all()
        for point in POINT_ORDER[:-1]:
            rows = compare.item_units(cube.items, {"source": "store", "organization": org}, point)
            now = scores[(scores["round"] == rnd) & (scores["leverage_point"] == point)]
            items = compare.item_scores(rows, None, rnd, MIN_N, unit_status=dict(zip(now["unit"], now["status"],
                                                                                      strict=True)))
            check_table(items)
            for unit in now.loc[now["status"] != OK, "unit"]:
                assert (items.loc[items["unit"] == unit, "status"] != OK).all()


def test_the_fixture_really_has_small_groups_and_secondary_withholding(cube):
    scores = department_views(cube, "North")["scores"]
    assert (scores["status"] == BELOW).any() and (scores["status"] == SECONDARY).any()
    south = department_views(cube, "South")["scores"]
    # South: two departments of 2 respondents add up to 4 < 5, so a third is withheld with them.
    overall = south[(south["round"] == "R1") & (south["leverage_point"] == compare.OVERALL)]
    assert sorted(overall["status"]) == [BELOW, BELOW, OK, SECONDARY]


def test_organization_benchmarks_hold_only_reportable_organizations(cube):
    two = combine({"a": build_cube(dataset(11)), "b": build_cube(dataset(12))})
    units = compare.organization_units(two.points)
    parent = compare.parent_scores(units, MIN_N, "All", reportable_only=True)
    scores = compare.unit_scores(units, MIN_N, parent, secondary=False)
    check_table(scores)
    tiny = scores[scores["unit"].str.startswith("Tiny")]
    assert len(tiny) and (tiny["status"] == BELOW).all()
    # The benchmark is exactly the shown organizations: subtraction leaves nobody.
    for (rnd, point), group in scores.groupby(["round", "leverage_point"]):
        ref = parent[(parent["round"] == rnd) & (parent["leverage_point"] == point)].iloc[0]
        shown = group[group["status"] == OK]
        assert ref["n"] == shown["n"].sum()
        assert ref["mean"] == pytest.approx((shown["mean"] * shown["n"]).sum() / shown["n"].sum())
    for source in ["a", "b"]:  # the peer benchmark of each source, as the departments view shows it
        peers = compare.parent_scores(compare.organization_units(two.points[two.points["source"] == source]),
                                      MIN_N, "Peers", reportable_only=True)
        check_subtraction(scores[scores["source"] == source], peers, ["round", "leverage_point"])
    rows = compare.item_units(two.items, {}, "LP1")
    rows["unit"] = [compare.organization_label(s, o) for s, o in zip(rows["source"], rows["organization"],
                                                                       strict=True)]
    items = compare.item_scores(rows, None, "R1", MIN_N, unit_column="unit", secondary=False)
    check_table(items)
    assert (items.loc[items["unit"].str.startswith("Tiny"), "status"] == BELOW).all()


def test_pooling_keeps_the_rules(cube):
    for org in ["North", "South"]:
        view = department_views(cube, org, "Small")
        scores = view["scores"]
        check_table(scores)
        check_subtraction(scores, view["parent"], ["round", "leverage_point"])
        assert "Small" in set(scores["unit"])
    north = department_views(cube, "North", "Small")["scores"]
    assert not {"D3", "D4"} & set(north["unit"])  # 3 and 1 respondents: pooled in both rounds


def test_charts_and_exports_carry_nothing_of_a_withheld_group(cube):
    view = department_views(cube, "North")
    scores = view["scores"]
    now = scores[scores["round"] == "R1"]
    values = now.pivot(index="unit", columns="leverage_point", values="difference")
    status = now.pivot(index="unit", columns="leverage_point", values="status")
    counts = now.pivot(index="unit", columns="leverage_point", values="n")
    fig = heat_map_chart(values, status, counts, "t")
    heat = fig.data[0]
    z = np.array(heat.z, dtype=float)
    hover = np.array(heat.hovertext, dtype=object)
    text = np.array(heat.text, dtype=object)
    st_arr = status.reindex(columns=values.columns).to_numpy()
    for i, j in zip(*np.nonzero(st_arr != OK), strict=True):
        assert np.isnan(z[i, j])
        assert "Difference" not in hover[i, j] and "mean" not in hover[i, j]
        assert text[i, j] in {"below n", "withheld", ""}
    withheld_units = set(now.loc[now["status"] != OK, "unit"])
    labels = {p: p for p in POINT_ORDER}
    figures = [profile_chart(now[now["unit"].isin(withheld_units)], "unit", "t", labels),
               trend_chart(scores[scores["unit"].isin(withheld_units) & (scores["leverage_point"] == "LP1")],
                           ["R1", "R2"], "t")]
    units, curve = compare.funnel(scores, view["parent"], "R1", "LP1")
    figures.append(funnel_chart(units, curve, "t"))
    roles = compare.role_scores(view["units"], "R1", MIN_N)
    figures.append(gap_chart(roles, "t", labels, {}))
    for fig in figures:
        for trace in fig.data:
            hovers = trace.hovertext if trace.hovertext is not None else []
            for h in (hovers if not isinstance(hovers, str) else [hovers]):
                if "below threshold" in h or "withheld" in h:
                    assert "mean" not in h
            assert trace.customdata is None
    for unit in withheld_units:
        unit_rows = now[(now["unit"] == unit) & (now["status"] != OK)]
        hidden_points = set(unit_rows["leverage_point"])
        trace = next(t for t in figures[0].data if t.name == unit)
        for x, y in zip(trace.x, trace.y, strict=True):
            if y in hidden_points:
                assert x is None or np.isnan(x)
    assert not (set(units["unit"]) & withheld_units & set(now.loc[now["leverage_point"] == "LP1"]
                                                             .query("status != 'ok'")["unit"]))
    public = compare.public(scores)
    assert "s1" not in public.columns and "s2" not in public.columns
    back = pd.read_csv(io.BytesIO(to_csv_bytes(public)))
    assert back.loc[back["status"] != OK, "mean"].isna().all()
    back = pd.read_parquet(io.BytesIO(to_parquet_bytes(public)))
    assert back.loc[back["status"] != OK, ["mean", "sd", "difference"]].isna().all().all()


def test_suppress_rules_by_hand():
    frame = pd.DataFrame({"p": ["a"] * 4 + ["b"] * 3 + ["c"] * 3 + ["d"] * 3,
                          "n": [3, 8, 12, 20, 2, 2, 30, 0, 3, 9, 6, 7, 9]})
    assert suppress(frame, ["p"], 5).tolist() == [
        BELOW, SECONDARY, OK, OK,  # a lone small unit takes the next smallest with it
        BELOW, BELOW, SECONDARY,  # two small ones add up to 4 < 5: a third is withheld
        "no data", BELOW, SECONDARY,  # no data is not a unit that protects anyone
        OK, OK, OK]
    forced = pd.Series([False] * 10 + [True, False, False])
    assert suppress(frame, ["p"], 5, forced=forced).tolist()[10:] == [SECONDARY, SECONDARY, OK]
