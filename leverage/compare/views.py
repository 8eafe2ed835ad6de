"""Comparisons of departments and organizations, as re-aggregations of the cube (`leverage.compare.cube`).

Every view
(heat map, profiles, distributions, gaps, trend, funnel, items, pooled groups) is a re-aggregation of
that cube, so a page costs milliseconds once the cube exists, and all views apply the same rules:

- a respondent's point score is the mean of their scored items; their Overall score the mean of their
  point scores (the `scoring` rules);
- a unit's mean and SD come from the sums (SD with n − 1); 95 % intervals use Student's t;
- confidentiality: `suppression.suppress` (threshold, then the subtraction rule) decides per cell; a
  withheld cell keeps its n and loses every score, level count and don't-know count. Departments are
  protected against subtraction from their organization's total; organizations are never in a published
  total while below the threshold (benchmarks count reportable organizations only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import stdtr, stdtrit

from leverage.compare.cube import (
    LEVEL_COLUMNS,
    NOT_STATED,
    POINT_ORDER,
    SUMS,
    Z95,
    Z998,
)
from leverage.survey.intervals import HALF_STEP_VARIANCE, mean_interval
from leverage.survey.scoring import OVERALL
from leverage.survey.suppression import NO_DATA, OK, SECONDARY, suppress, withheld

# --- statistics from sums ------------------------------------------------------------------------------

def describe(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean, SD (n − 1), standard error and a 95 % interval on the 1–5 scale (`survey.intervals`) from n, s1, s2."""
    out = frame.copy()
    n = out["n"].astype(float)
    out["mean"] = out["s1"] / n.where(n > 0)
    var = (out["s2"] - out["s1"] ** 2 / n.where(n > 0)) / (n - 1).where(n > 1)
    out["sd"] = np.sqrt(var.clip(lower=0))
    out["se"] = out["sd"] / np.sqrt(n.where(n > 0))
    out["ci_low"], out["ci_high"] = mean_interval(out["mean"], out["sd"], n)
    total = out["n_dont_know"] + out[LEVEL_COLUMNS].sum(axis=1)
    out["dont_know_rate"] = out["n_dont_know"] / total.where(total > 0)
    return out


SCORE_COLUMNS = ["mean", "sd", "se", "ci_low", "ci_high", "difference", "dont_know_rate", "n_dont_know",
                 *LEVEL_COLUMNS, "s1", "s2"]


def protect(frame: pd.DataFrame, parent: Sequence[str], min_n: int, forced: pd.Series | None = None
            ) -> pd.DataFrame:
    """Status per cell (threshold and subtraction rule) and every score of a withheld cell emptied."""
    out = frame.copy()
    out["status"] = suppress(out, parent, min_n, forced=forced)
    cols = [c for c in SCORE_COLUMNS if c in out.columns]
    out.loc[withheld(out["status"]) | (out["status"] == NO_DATA), cols] = np.nan
    return out


def rollup(points: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    return points.groupby(list(keys), dropna=False, sort=False)[SUMS].sum().reset_index()


# --- units: departments of one organization, or organizations --------------------------------------------

def organization_label(source: str, organization: str) -> str:
    return f"{organization} · {source}"


def department_units(points: pd.DataFrame, source: str, organization: str, pool: str | None = None,
                     min_n: int = 5) -> pd.DataFrame:
    """The cube rows of one organization with `unit` = department.

    With `pool`, the departments below the threshold in a round (fewer than min_n respondents in all)
    become one unit of that name in that round. Pooling all of them, never a chosen few, means no two
    pooled groups can be set against each other to single one department out by subtraction.
    """
    rows = points[(points["source"] == source) & (points["organization"] == organization)].copy()
    rows["unit"] = rows["department"].fillna(NOT_STATED).astype(object)
    if pool:
        small = small_departments(rows, min_n)
        pooled = [(r, u) in small for r, u in zip(rows["round"], rows["unit"], strict=True)]
        rows.loc[pooled, "unit"] = pool
    return rows


def small_departments(units: pd.DataFrame, min_n: int) -> set[tuple[str, str]]:
    """(round, unit) of the departments with fewer than min_n respondents in that round (0 excluded)."""
    overall = units[units["leverage_point"] == OVERALL].groupby(["round", "unit"], dropna=False)["n"].sum()
    return {key for key, n in overall.items() if 0 < n < min_n}


def pooled_members(units: pd.DataFrame, pool: str) -> dict[str, tuple[str, ...]]:
    """Per round, the departments that `department_units` put into the pool."""
    rows = units[units["unit"] == pool]
    return {r: tuple(sorted(g["department"].fillna(NOT_STATED).unique())) for r, g in rows.groupby("round")}


def organization_units(points: pd.DataFrame) -> pd.DataFrame:
    rows = points.copy()
    rows["unit"] = [organization_label(s, o) for s, o in zip(rows["source"], rows["organization"], strict=True)]
    return rows


def check_pool_name(name: str, departments: Sequence[str]) -> list[str]:
    """Problems with the name of a pooled group, in words; empty when it can be used."""
    name = name.strip()
    if not name:
        return ["The pooled group needs a name."]
    if name in departments:
        return [f"{name!r} is already the name of a department; choose another name for the pooled group."]
    return []


def unit_scores(units: pd.DataFrame, min_n: int, reference: pd.DataFrame | None = None,
                secondary: bool = True) -> pd.DataFrame:
    """Per unit × round × leverage point: n, mean, SD, 95 % interval, difference from the reference mean.

    Withholding is decided per round × point among the units: the threshold, then (with `secondary`)
    the subtraction rule. Organizations use `secondary=False`: their benchmark counts only reportable
    organizations (`parent_scores(reportable_only=True)`), so there is nothing to subtract from.
    `reference` (round, leverage_point, mean) is the parent mean to subtract, e.g. the organization's.
    """
    stats = describe(rollup(units, ["unit", "source", "round", "leverage_point"]))
    if reference is not None:
        ref = reference[["round", "leverage_point", "mean"]].rename(columns={"mean": "reference"})
        stats = stats.merge(ref, on=["round", "leverage_point"], how="left")
        stats["difference"] = stats["mean"] - stats["reference"]
    out = protect(stats, ["source", "round", "leverage_point"], min_n) if secondary else _primary(stats, min_n)
    return _order(out.drop(columns="reference", errors="ignore"), ["unit", "round"])


def parent_scores(units: pd.DataFrame, min_n: int, label: str, reportable_only: bool = False) -> pd.DataFrame:
    """The parent total (e.g. the whole organization) per round × point, threshold applied.

    With `reportable_only`, only units at or above the threshold in that round × point count: a benchmark
    of organizations then holds no small organization that subtraction could single out.
    """
    if reportable_only:
        per_unit = rollup(units, ["unit", "round", "leverage_point"])
        units = per_unit[per_unit["n"] >= min_n]
    stats = describe(rollup(units, ["round", "leverage_point"])).assign(unit=label)
    return _order(_primary(stats, min_n), ["round"])


def _primary(stats: pd.DataFrame, min_n: int) -> pd.DataFrame:
    # A parent has no siblings in its own table: only the threshold applies to it.
    out = stats.copy()
    out["status"] = np.where(out["n"] == 0, NO_DATA, np.where(out["n"] < min_n, "below threshold", OK))
    cols = [c for c in SCORE_COLUMNS if c in out.columns]
    out.loc[out["status"] != OK, cols] = np.nan
    return out


def _order(frame: pd.DataFrame, first: Sequence[str]) -> pd.DataFrame:
    rank = {p: i for i, p in enumerate(POINT_ORDER)}
    keys = [*first, "leverage_point"]
    return frame.sort_values(keys, key=lambda s: s.map(rank) if s.name == "leverage_point" else s.astype(str)) \
        .reset_index(drop=True)


def heat_tables(rows: pd.DataFrame, columns: str = "leverage_point"
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Units × points (or items): the difference, the status and n of each cell, for `heat_map_chart`."""
    values = rows.pivot(index="unit", columns=columns, values="difference")
    if columns == "leverage_point":
        values = values.reindex(columns=[p for p in POINT_ORDER if p in values.columns])
    status = rows.pivot(index="unit", columns=columns, values="status").reindex(columns=values.columns)
    counts = rows.pivot(index="unit", columns=columns, values="n").reindex(columns=values.columns)
    return values, status, counts


# --- funnel plot ---------------------------------------------------------------------------------------

def funnel_limits(centre: float, sd: float, n: Sequence[float] | np.ndarray) -> pd.DataFrame:
    """Control limits around `centre` for a mean of n respondents: centre ± z·SD/√n.

    The normal approximation; SD is the spread of all respondents' scores in the parent (the
    organization, or all organizations), the spread every unit would show if it were drawn from the
    parent. z = 1.96 (95 %) and 3.09 (99.8 %).
    """
    n = np.asarray(n, dtype=float)
    se = sd / np.sqrt(n)
    return pd.DataFrame({"n": n, "low_95": centre - Z95 * se, "high_95": centre + Z95 * se,
                         "low_998": centre - Z998 * se, "high_998": centre + Z998 * se})


def funnel(scores: pd.DataFrame, parent: pd.DataFrame, round_name: str, point: str) -> tuple[pd.DataFrame,
                                                                                               pd.DataFrame]:
    """Reportable units of one round and point with their position against the limits, and the limit curves.

    `parent` is `parent_scores` of the same units (its mean and SD are the centre and the SD).
    """
    units = scores[(scores["round"] == round_name) & (scores["leverage_point"] == point)
                   & (scores["status"] == OK)].copy()
    ref = parent[(parent["round"] == round_name) & (parent["leverage_point"] == point)]
    if units.empty or ref.empty or pd.isna(ref["mean"].iloc[0]) or pd.isna(ref["sd"].iloc[0]):
        return units.assign(position=pd.Series(dtype=object)), funnel_limits(np.nan, np.nan, [])
    centre, sd = float(ref["mean"].iloc[0]), float(ref["sd"].iloc[0])
    at = funnel_limits(centre, sd, units["n"].to_numpy())
    units["position"] = np.select(
        [units["mean"].to_numpy() > at["high_998"].to_numpy(), units["mean"].to_numpy() < at["low_998"].to_numpy(),
         units["mean"].to_numpy() > at["high_95"].to_numpy(), units["mean"].to_numpy() < at["low_95"].to_numpy()],
        ["above 99.8 %", "below 99.8 %", "above 95 %", "below 95 %"], "within")
    top = max(float(units["n"].max()), 2.0) * 1.1
    curve = funnel_limits(centre, sd, np.unique(np.geomspace(2, top, 60).round(2)))
    curve["centre"] = centre
    return units, curve


# --- perception gaps by role -------------------------------------------------------------------------------

def role_scores(units: pd.DataFrame, round_name: str, min_n: int, scope_status: pd.DataFrame | None = None
                ) -> pd.DataFrame:
    """Per role × leverage point of the given units in one round, withheld as for units.

    `scope_status` (leverage_point, status) is the status of the group the roles split (a department, the
    organization): where that group is withheld, every role is, or the roles would add up to it.
    """
    rows = units[units["round"] == round_name]
    stats = describe(rollup(rows, ["role", "leverage_point"]))
    forced = None
    if scope_status is not None:
        hidden = set(scope_status.loc[scope_status["status"] != OK, "leverage_point"])
        forced = stats["leverage_point"].isin(hidden)
    return _order(protect(stats, ["leverage_point"], min_n, forced), ["role"])


def welch_interval(m1: float, s1: float, n1: float, m2: float, s2: float, n2: float,
                   level: float = 0.95) -> tuple[float, float, float, float]:
    """Difference m1 − m2 with Welch's interval: (difference, low, high, degrees of freedom)."""
    v1, v2 = s1 ** 2 / n1, s2 ** 2 / n2
    se = np.sqrt(v1 + v2)
    dof = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1)) if v1 + v2 > 0 else n1 + n2 - 2
    t = float(stdtrit(dof, 0.5 + level / 2))
    diff = m1 - m2
    return diff, diff - t * se, diff + t * se, float(dof)


def welch_test(m1: float, s1: float, n1: float, m2: float, s2: float, n2: float,
               level: float = 0.95) -> tuple[float, float, float, float]:
    """Welch's test of m1 − m2 on the 1–5 scale: (difference, low, high, two-sided p).

    A group whose answers all agree has SD 0; its variance is taken no lower than that of the group plus one
    more respondent half a scale step away (the floor of `survey.intervals`), so the test never divides by
    zero nor calls two unanimous groups certainly different.
    """
    v1 = max(s1 ** 2, HALF_STEP_VARIANCE / (n1 + 1)) / n1
    v2 = max(s2 ** 2, HALF_STEP_VARIANCE / (n2 + 1)) / n2
    se = float(np.sqrt(v1 + v2))
    dof = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1))
    diff = m1 - m2
    t = float(stdtrit(dof, 0.5 + level / 2))
    p = float(2 * stdtr(dof, -abs(diff) / se))
    return diff, diff - t * se, diff + t * se, p


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjustment (Holm 1979): the family-wise error stays at most alpha."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted


def perception_gaps(roles: pd.DataFrame, labels: Mapping[str, str] | None = None,
                    alpha: float = 0.05) -> pd.DataFrame:
    """Per leverage point: the highest- and lowest-scoring reportable roles, the gap and its 95 % interval.

    "clear" (a gap beyond noise) comes from Welch's test of every pair of reportable roles (n ≥ 2) in every
    point of `roles`, with Holm's adjustment over that whole family: when roles truly agree, the chance that
    any gap in the table is called clear is at most `alpha`. The interval is the gap's own 95 % Welch interval
    (unadjusted), so an interval clear of zero alone does not make a gap clear; `p_holm` says by how much.
    """
    labels = labels or {}
    usable = roles[(roles["status"] == OK) & (roles["n"] >= 2)]
    tests = []  # (point, role a, role b, p)
    for point, g in usable.groupby("leverage_point", sort=False):
        rows = list(g.itertuples(index=False))
        for i, a in enumerate(rows):
            for b in rows[i + 1:]:
                tests.append((point, a.role, b.role, welch_test(a.mean, a.sd, a.n, b.mean, b.sd, b.n)[3]))
    adjusted = dict(zip(((t[0], t[1], t[2]) for t in tests), holm([t[3] for t in tests]), strict=True))
    out = []
    for point, g in usable.groupby("leverage_point", sort=False):
        if len(g) < 2:
            continue
        hi, lo = g.loc[g["mean"].idxmax()], g.loc[g["mean"].idxmin()]
        diff, low, high, p = welch_test(hi["mean"], hi["sd"], hi["n"], lo["mean"], lo["sd"], lo["n"])
        p_holm = adjusted.get((point, hi["role"], lo["role"]), adjusted.get((point, lo["role"], hi["role"])))
        out.append({"leverage_point": point, "highest": labels.get(hi["role"], hi["role"]),
                    "highest_mean": hi["mean"], "highest_n": int(hi["n"]),
                    "lowest": labels.get(lo["role"], lo["role"]), "lowest_mean": lo["mean"],
                    "lowest_n": int(lo["n"]), "gap": diff, "gap_low": low, "gap_high": high, "p_value": p,
                    "p_holm": p_holm, "clear": bool(p_holm is not None and p_holm < alpha)})
    cols = ["leverage_point", "highest", "highest_mean", "highest_n", "lowest", "lowest_mean", "lowest_n",
            "gap", "gap_low", "gap_high", "p_value", "p_holm", "clear"]
    return _order(pd.DataFrame(out, columns=cols), [])


# --- distributions and items ---------------------------------------------------------------------------------

def level_shares(scores: pd.DataFrame, round_name: str, point: str) -> pd.DataFrame:
    """Per unit: the share of answers at each level and don't know (withheld rows stay empty)."""
    rows = scores[(scores["round"] == round_name) & (scores["leverage_point"] == point)].copy()
    total = rows[LEVEL_COLUMNS].sum(axis=1) + rows["n_dont_know"]
    for col in LEVEL_COLUMNS:
        rows[col] = rows[col] / total.where(total > 0)
    rows["dont_know"] = rows["n_dont_know"] / total.where(total > 0)
    return rows[["unit", "n", "status", *LEVEL_COLUMNS, "dont_know"]].reset_index(drop=True)


def item_units(items: pa.Table, filters: Mapping[str, object], point: str) -> pd.DataFrame:
    """The item cube rows of one leverage point matching `filters` (column -> value), as pandas."""
    mask = pc.equal(items.column("leverage_point"), point)
    for col, value in filters.items():
        mask = pc.and_(mask, pc.equal(items.column(col), value))
    return items.filter(mask).to_pandas()


def item_scores(rows: pd.DataFrame, units_of: Mapping[str, str] | None, round_name: str, min_n: int,
                unit_column: str = "department", unit_status: Mapping[str, str] | None = None,
                secondary: bool = True) -> pd.DataFrame:
    """Per unit × item of one round: n who scored it, mean, SD, interval and difference from the parent's
    item mean; withheld per item among the units (threshold, then the subtraction rule).

    `unit_status` maps each unit to its status for the leverage point: the items of a withheld unit are
    withheld too, as their means would give its point score back.
    """
    rows = rows[rows["round"] == round_name].copy()
    mapping = dict(units_of or {})
    rows["unit"] = [mapping.get(u, u) for u in rows[unit_column].fillna(NOT_STATED)]
    sums = ["n", "s1", "s2", "n_dont_know", *LEVEL_COLUMNS]
    per_unit = rows.groupby(["unit", "item_id"], dropna=False, sort=True)[sums].sum().reset_index()
    stats = describe(per_unit)
    counted = per_unit if secondary else per_unit[per_unit["n"] >= min_n]  # organizations: reportable only
    parent = _primary(describe(counted.groupby("item_id", sort=True)[sums].sum().reset_index()), min_n)
    stats = stats.merge(parent[["item_id", "mean"]].rename(columns={"mean": "reference"}), on="item_id", how="left")
    stats["difference"] = stats["mean"] - stats["reference"]
    forced = None
    if unit_status is not None:
        forced = stats["unit"].map(lambda u: unit_status.get(u, OK) != OK)
    if secondary:
        out = protect(stats, ["item_id"], min_n, forced)
    else:
        out = _primary(stats, min_n)
        if forced is not None:
            out.loc[forced & (out["status"] == OK), "status"] = SECONDARY
            out.loc[out["status"] != OK, [c for c in SCORE_COLUMNS if c in out.columns]] = np.nan
    return out.drop(columns="reference").sort_values(["unit", "item_id"]).reset_index(drop=True)


# --- the frame shown and exported -------------------------------------------------------------------------

PUBLIC_COLUMNS = ["unit", "round", "leverage_point", "n", "mean", "sd", "ci_low", "ci_high", "difference",
                  "dont_know_rate", "status"]


def public(frame: pd.DataFrame, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Only the columns fit to show or export: never the raw sums (s1, s2), which would undo rounding."""
    cols = [c for c in [*PUBLIC_COLUMNS, *extra] if c in frame.columns]
    return frame[cols].reset_index(drop=True)
