"""The cube of sufficient statistics every comparison re-aggregates.

Ten million answers are read once into a cube: per organization × round × department × role × leverage
point (and Overall), the number of respondents who scored the point, the sum and the sum of squares of
their point scores, the answers per level and the "don't know" answers; the same per item. A page then
costs milliseconds, and no view ever touches an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from leverage.core.columns import NOT_STATED  # noqa: F401  (re-exported: views and pages import it from here)
from leverage.survey.aggregate import Codes, count, group, respondent_scores
from leverage.survey.scoring import OVERALL

LEVELS = (1, 2, 3, 4, 5)
LEVEL_COLUMNS = [f"level_{v}" for v in LEVELS]
SUMS = ["n", "s1", "s2", "n_dont_know", *LEVEL_COLUMNS]
CUBE_KEYS = ["organization", "round", "department", "role"]
POINT_ORDER = [*[f"LP{i}" for i in range(1, 8)], OVERALL]
#: z for the funnel's 95 % and 99.8 % limits (two-sided normal quantiles 0.975 and 0.999).
Z95, Z998 = 1.959964, 3.090232


@dataclass(frozen=True)
class Cube:
    points: pd.DataFrame  # CUBE_KEYS + leverage_point + SUMS
    items: pa.Table  # CUBE_KEYS + leverage_point + item_id + n, s1, s2, n_dont_know, level_*

    @property
    def answers(self) -> int:
        return int(pc.sum(self.items.column("n")).as_py() or 0) + int(pc.sum(self.items.column("n_dont_know"))
                                                                     .as_py() or 0)


def build_cube(table: pa.Table) -> Cube:
    """The cube of a validated long-format table (see `responses.normalise_table`)."""
    person = ["organization", "round", "respondent_id", "department", "role"]
    codes = Codes(table, [*person, "leverage_point", "item_id"])
    value = table.column("value")
    if not pa.types.is_int8(value.type):
        value = pc.cast(value, pa.int8())

    # Items: one count per item × level (0 = don't know); sums and SD follow from the level counts.
    item_keys = [*CUBE_KEYS, "leverage_point", "item_id"]
    codes.add("_level", pc.fill_null(value, 0).to_numpy(zero_copy_only=False), len(LEVELS) + 1)
    item_point = _item_point(codes)
    if item_point is None:  # an item filed under two points: keep the point in the key
        keys, counts = count(codes, [*item_keys, "_level"])
    else:  # the point follows from the item: leaving it out of the key keeps the count dense
        keys, counts = count(codes, [*CUBE_KEYS, "item_id", "_level"])
        keys["leverage_point"] = item_point[keys["item_id"]]
    uniq, inverse = np.unique(codes.key(item_keys, keys), return_inverse=True)
    width = len(LEVELS) + 1
    matrix = np.bincount(inverse * width + keys["_level"], weights=counts.astype(float),
                         minlength=len(uniq) * width).reshape(-1, width)
    lv = np.arange(1, len(LEVELS) + 1, dtype=float)
    levels = matrix[:, 1:]
    items = pa.table({**codes.decode(codes.split(uniq, item_keys), item_keys),
                      "n": levels.sum(axis=1), "s1": levels @ lv, "s2": levels @ (lv ** 2), "n_dont_know": matrix[:, 0],
                      **{c: levels[:, i] for i, c in enumerate(LEVEL_COLUMNS)}})

    # Respondent × point scores, then units.
    resp_keys = [*person, "leverage_point"]
    dense = respondent_scores(codes, value, person)
    if dense is not None:  # respondent ids unique to one person: count instead of hashing
        per_resp, score = dense[0], pa.array(dense[1])
    else:
        per_resp, (total, n_scored) = group(codes, resp_keys, {"value": value},
                                            [("value", "sum"), ("value", "count")])
        score = pc.divide(pc.cast(total, pa.float64()),
                          pc.cast(pc.if_else(pc.greater(n_scored, 0), n_scored, None), pa.float64()))
    unit_keys = [*CUBE_KEYS, "leverage_point"]
    score2 = pc.multiply(score, score)
    keys, (n, s1, s2) = group(codes, unit_keys, {"score": score, "score2": score2}, [
        ("score", "count"), ("score", "sum"), ("score2", "sum")], source=per_resp)
    points = pa.table({**codes.decode(keys, unit_keys), "n": n, "s1": s1, "s2": s2}).to_pandas()

    # Overall: each respondent's mean of their point scores.
    overall_resp, (overall,) = group(codes, person, {"score": score}, [("score", "mean")], source=per_resp)
    keys, (n, s1, s2) = group(codes, CUBE_KEYS, {"score": overall, "score2": pc.multiply(overall, overall)}, [
        ("score", "count"), ("score", "sum"), ("score2", "sum")], source=overall_resp)
    overall_frame = pa.table({**codes.decode(keys, CUBE_KEYS), "n": n, "s1": s1, "s2": s2}
                             ).to_pandas().assign(leverage_point=OVERALL)

    # Level and don't-know counts per point (and Overall) from the item cube.
    item_frame = items.select([*unit_keys, "n_dont_know", *LEVEL_COLUMNS]).to_pandas()
    levels_frame = item_frame.groupby(unit_keys, dropna=False, sort=False).sum().reset_index()
    level_overall = levels_frame.drop(columns="leverage_point").groupby(CUBE_KEYS, dropna=False, sort=False).sum() \
        .reset_index().assign(leverage_point=OVERALL)
    levels_frame = pd.concat([levels_frame, level_overall], ignore_index=True)
    points = pd.concat([points, overall_frame], ignore_index=True)
    points = points.merge(levels_frame, on=unit_keys, how="outer")  # a unit of "don't know" answers only: n 0
    for col in SUMS:
        points[col] = points[col].fillna(0).astype(float)
    for col in CUBE_KEYS + ["leverage_point"]:
        points[col] = points[col].astype(object)
    return Cube(points=points[unit_keys + SUMS], items=items)


def _item_point(codes: Codes) -> np.ndarray | None:
    """The leverage-point code of each item code, or None when an item appears under two points."""
    items, points = codes.codes["item_id"], codes.codes["leverage_point"]
    mapping = np.zeros(codes.size("item_id"), dtype=np.int32)
    mapping[items] = points
    return mapping if np.array_equal(mapping[items], points) else None


def combine(cubes: Mapping[str, Cube]) -> Cube:
    """Cubes of several sources side by side; a `source` column says where each organization came from."""
    if not cubes:
        return Cube(pd.DataFrame(columns=["source", *CUBE_KEYS, "leverage_point", *SUMS]),
                    pa.table({c: pa.array([], pa.string())
                              for c in ["source", *CUBE_KEYS, "leverage_point", "item_id"]}))
    points = pd.concat([c.points.assign(source=name) for name, c in cubes.items()], ignore_index=True)
    items = pa.concat_tables([c.items.append_column("source", pa.array([name] * c.items.num_rows, pa.string()))
                              for name, c in cubes.items()], promote_options="permissive")
    return Cube(points=points, items=items)


def subset(cube: Cube, organization: str) -> Cube:
    """The part of a cube that belongs to one organization."""
    points = cube.points[cube.points["organization"] == organization]
    items = cube.items.filter(pc.equal(cube.items.column("organization"), organization))
    return Cube(points=points.reset_index(drop=True), items=items)


def catalogue(organizations: pa.Array | list, rounds: pa.Array | list, answers: pa.Array | np.ndarray) -> pd.DataFrame:
    """Answers per organization × round (columns organization, round, answers; one row per pair, sorted), the
    Compare page's list of what a source holds, from answer counts of any grouping finer than the pair."""
    sums = pa.table({"organization": organizations, "round": rounds, "answers": answers}) \
        .group_by(["organization", "round"]).aggregate([("answers", "sum")])
    frame = pd.DataFrame({"organization": sums.column("organization").to_pylist(),
                          "round": sums.column("round").to_pylist(),
                          "answers": sums.column("answers_sum").to_numpy(zero_copy_only=False).astype(int)})
    return frame.sort_values(["organization", "round"], ignore_index=True)


def cube_catalogue(cube: Cube) -> pd.DataFrame:
    """`catalogue` of a cube: its items' answered and "don't know" counts (pyarrow sums: pandas on Arrow
    strings took half a second)."""
    items = cube.items
    return catalogue(items.column("organization"), items.column("round"),
                     pc.add(items.column("n"), items.column("n_dont_know")))
