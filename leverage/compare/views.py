"""Comparisons of departments and organizations, as re-aggregations of the cube (`leverage.compare.cube`).

Every view
(heat map, profiles, distributions, gaps, trend, funnel, items, pooled groups) is a re-aggregation of
that cube, so a page costs milliseconds once the cube exists, and all views apply the same rules:

- a respondent's point score is the mean of their scored items; their Overall score the mean of their
  point scores (the `scoring` rules);
- a unit's mean and SD come from the sums (SD with n − 1); 95 % intervals use Student's t;
- confidentiality: every view publishes from one withheld set per organization × round
  (`leverage.survey.release`), the same the Results page and the `score` command use; a withheld cell
  keeps its n and loses every score, level count and don't-know count. Organizations are never in a
  published total while withheld (benchmarks count published organizations only).
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
from leverage.core.i18n import _
from leverage.survey import release as releases
from leverage.survey.intervals import HALF_STEP_VARIANCE, mean_interval
from leverage.survey.release import Release
from leverage.survey.scoring import OVERALL
from leverage.survey.suppression import NO_DATA, OK, withheld

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


def protect(frame: pd.DataFrame, hidden: pd.Series, min_n: int) -> pd.DataFrame:
    """Status per cell from the release's decision (`hidden`: the cell's box is withheld) and every score of
    a cell that is not shown emptied."""
    out = frame.copy()
    out["status"] = [releases.status(n, bool(h), min_n) for n, h in zip(out["n"], hidden, strict=True)]
    cols = [c for c in SCORE_COLUMNS if c in out.columns]
    out.loc[withheld(out["status"]) | (out["status"] == NO_DATA), cols] = np.nan
    return out


def releases_of(points: pd.DataFrame, min_n: int, items: pa.Table | pd.DataFrame | None = None
                ) -> dict[tuple[str, str], Release]:
    """The releases (organization × round) of cube rows, decided from their department × role groups."""
    atoms = points[points["leverage_point"] != OVERALL]
    if isinstance(items, pa.Table):
        items = items.select(["organization", "round", "department", "role", "leverage_point", "item_id", "n",
                              "s1"]).to_pandas()
    return releases.decide_all(atoms, min_n, items)


def totals_withheld(units: pd.DataFrame, min_n: int) -> pd.Series:
    """Per (unit, source, round): whether a release's total is withheld. A total is never withheld to protect
    another cell, only when below the threshold in some leverage point, so this needs no audit."""
    rows = units[units["leverage_point"] != OVERALL]
    n = rollup(rows, ["unit", "source", "round", "leverage_point"])
    n["below"] = (n["n"] > 0) & (n["n"] < min_n)
    return n.groupby(["unit", "source", "round"], sort=False)["below"].any()


def rollup(points: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    return points.groupby(list(keys), dropna=False, sort=False)[SUMS].sum().reset_index()


# --- units: departments of one organization, or organizations --------------------------------------------

def organization_label(source: str, organization: str) -> str:
    return f"{organization} · {source}"


def department_units(points: pd.DataFrame, source: str, organization: str, pool: str | None = None,
                     min_n: int = 5) -> pd.DataFrame:
    """The cube rows of one organization with `unit` = department.

    With `pool`, the departments below the threshold in a round (fewer than min_n respondents in some
    leverage point: the release's own small departments) become one unit of that name in that round.
    Pooling all of them, never a chosen few, means no two pooled groups can be set against each other to
    single one department out by subtraction.
    """
    rows = points[(points["source"] == source) & (points["organization"] == organization)].copy()
    rows["unit"] = rows["department"].fillna(NOT_STATED).astype(object)
    if pool:
        small = small_departments(rows, min_n)
        pooled = [(r, u) in small for r, u in zip(rows["round"], rows["unit"], strict=True)]
        rows.loc[pooled, "unit"] = pool
    return rows


def small_departments(units: pd.DataFrame, min_n: int) -> set[tuple[str, str]]:
    """(round, unit) of the departments below the threshold in that round: 0 < n < min_n in some point."""
    per_point = units[units["leverage_point"] != OVERALL].groupby(["round", "unit", "leverage_point"],
                                                                    dropna=False)["n"].sum()
    below = ((per_point > 0) & (per_point < min_n)).groupby(level=["round", "unit"]).any()
    return {key for key, small in below.items() if small}


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
        return [_("The pooled group needs a name.")]
    if name in departments:
        return [_("{name!r} is already the name of a department; choose another name for the pooled "
                  "group.").format(name=name)]
    return []


def unit_scores(units: pd.DataFrame, min_n: int, reference: pd.DataFrame | None = None,
                secondary: bool = True, pool: str | None = None,
                decided: Mapping[tuple[str, str], Release] | None = None) -> pd.DataFrame:
    """Per unit × round × leverage point: n, mean, SD, 95 % interval, difference from the reference mean.

    Departments (`secondary`): withheld as the organization's release of that round decides (`decided`,
    decided here from `units` when not given); `pool` names the pooled unit. Organizations
    (`secondary=False`): each is its release's total, withheld only below the threshold; their
    benchmark counts only published organizations (`parent_scores(reportable_only=True)`).
    `reference` (round, leverage_point, mean) is the parent mean to subtract, e.g. the organization's.
    """
    stats = describe(rollup(units, ["unit", "source", "round", "leverage_point"]))
    if reference is not None:
        ref = reference[["round", "leverage_point", "mean"]].rename(columns={"mean": "reference"})
        stats = stats.merge(ref, on=["round", "leverage_point"], how="left")
        stats["difference"] = stats["mean"] - stats["reference"]
    if secondary:
        decided = decided if decided is not None else releases_of(units, min_n)
        org = units["organization"].iloc[0] if len(units) else ""
        hidden = pd.Series([_unit_hidden(decided.get((str(org), str(r))), u, pool)
                            for u, r in zip(stats["unit"], stats["round"], strict=True)], index=stats.index)
    else:
        below = totals_withheld(units, min_n)
        hidden = pd.Series([bool(below.get((u, s, r), False)) for u, s, r in
                            zip(stats["unit"], stats["source"], stats["round"], strict=True)], index=stats.index)
    out = protect(stats, hidden, min_n)
    return _order(out.drop(columns="reference", errors="ignore"), ["unit", "round"])


def _unit_hidden(rel: Release | None, unit: str, pool: str | None) -> bool:
    if rel is None:
        return True
    if pool is not None and unit == pool:
        return rel.withheld(releases.POOL) if len(rel.pool) > 1 else rel.withheld(releases.DEPARTMENT, rel.pool[0]) \
            if rel.pool else True
    return rel.withheld(releases.DEPARTMENT, releases.department_key(unit))


def parent_scores(units: pd.DataFrame, min_n: int, label: str, reportable_only: bool = False) -> pd.DataFrame:
    """The parent total (e.g. the whole organization) per round × point, threshold applied.

    With `reportable_only`, only units whose release total is published in that round count: a benchmark
    of organizations then holds no withheld organization that subtraction could single out.
    """
    if reportable_only:
        below = totals_withheld(units, min_n)
        shown = [not bool(below.get((u, s, r), False)) for u, s, r in
                 zip(units["unit"], units["source"], units["round"], strict=True)]
        units = units[shown]
    stats = describe(rollup(units, ["round", "leverage_point"])).assign(unit=label)
    return _order(_primary(stats, min_n), ["round"])


def _primary(stats: pd.DataFrame, min_n: int) -> pd.DataFrame:
    # A release's total: withheld in every point when it is below the threshold in any (the release's rule).
    out = stats.copy()
    points = out[out["leverage_point"] != OVERALL]
    below = ((points["n"] > 0) & (points["n"] < min_n)).groupby(points["round"]).any()
    hidden = out["round"].map(below).fillna(False).astype(bool)
    out["status"] = [releases.status(n, h, min_n) for n, h in zip(out["n"], hidden, strict=True)]
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

def role_scores(units: pd.DataFrame, round_name: str, min_n: int, scope_status: pd.DataFrame | None = None,
                decided: Mapping[tuple[str, str], Release] | None = None) -> pd.DataFrame:
    """Per role × leverage point of one organization's units in one round, withheld as its release decides.

    `scope_status` (leverage_point, status) of the group the roles split: where it is not shown, neither
    are the roles (the release already withholds every role of a withheld organization; this also covers
    a scope a caller withholds for reasons of its own).
    """
    rows = units[units["round"] == round_name]
    stats = describe(rollup(rows, ["role", "leverage_point"]))
    decided = decided if decided is not None else releases_of(rows, min_n)
    org = rows["organization"].iloc[0] if len(rows) else ""
    rel = decided.get((str(org), str(round_name)))
    scope_hidden = set() if scope_status is None else \
        set(scope_status.loc[scope_status["status"] != OK, "leverage_point"])
    hidden = pd.Series([rel is None or rel.withheld(releases.ROLE, "", str(r)) or p in scope_hidden
                        for r, p in zip(stats["role"], stats["leverage_point"], strict=True)], index=stats.index)
    return _order(protect(stats, hidden, min_n), ["role"])


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
                secondary: bool = True, pool: str | None = None,
                decided: Mapping[tuple[str, str], Release] | None = None) -> pd.DataFrame:
    """Per unit × item of one round: n who scored it, mean, SD, interval and difference from the parent's
    item mean; withheld as the release decides for the statements of the unit's leverage point.

    Departments (`secondary`): the organization's release (`decided`, or decided here from `rows`).
    Organizations (`secondary=False`): each is its release's total, whose statements of a point are withheld
    with the total (`unit_status`) or when any of them is below the threshold; the reference counts only
    the organizations whose statements are published.
    """
    rows = rows[rows["round"] == round_name].copy()
    mapping = dict(units_of or {})
    rows["unit"] = [mapping.get(u, u) for u in rows[unit_column].fillna(NOT_STATED)]
    sums = ["n", "s1", "s2", "n_dont_know", *LEVEL_COLUMNS]
    per_unit = rows.groupby(["unit", "item_id"], dropna=False, sort=True)[sums].sum().reset_index()
    point = str(rows["leverage_point"].iloc[0]) if len(rows) else ""
    if secondary:
        org = rows["organization"].iloc[0] if len(rows) else ""
        if decided is None:  # callers without the department view's releases: decide from these rows
            forced = [(releases.DEPARTMENT, releases.department_key(u), "") for u, st in (unit_status or {}).items()
                      if st != OK]
            rel = releases.decide(_atoms_of_items(rows), min_n, rows, str(org), str(round_name), forced=forced)
        else:
            rel = decided.get((str(org), str(round_name)))
        hidden_unit = {u: _items_hidden(rel, u, point, pool) for u in per_unit["unit"].unique()}
    else:
        below = per_unit.assign(b=(per_unit["n"] > 0) & (per_unit["n"] < min_n)).groupby("unit")["b"].any()
        status_of = dict(unit_status or {})
        hidden_unit = {u: bool(below.get(u, False)) or status_of.get(u, OK) != OK for u in per_unit["unit"].unique()}
    hidden = per_unit["unit"].map(hidden_unit).astype(bool)
    stats = describe(per_unit)
    counted = per_unit[~hidden.to_numpy()] if not secondary else per_unit  # organizations: published only
    parent = describe(counted.groupby("item_id", sort=True)[sums].sum().reset_index())
    parent = parent.assign(mean=parent["mean"].where(parent["n"] >= min_n))
    stats = stats.merge(parent[["item_id", "mean"]].rename(columns={"mean": "reference"}), on="item_id", how="left")
    stats["difference"] = stats["mean"] - stats["reference"]
    out = protect(stats, hidden, min_n)
    return out.drop(columns="reference").sort_values(["unit", "item_id"]).reset_index(drop=True)


def _items_hidden(rel: Release | None, unit: str, point: str, pool: str | None) -> bool:
    if rel is None:
        return True
    if pool is not None and unit == pool:
        if len(rel.pool) > 1:
            return rel.items_withheld(releases.POOL, point)
        return rel.items_withheld(releases.DEPARTMENT, point, rel.pool[0]) if rel.pool else True
    return rel.items_withheld(releases.DEPARTMENT, point, releases.department_key(unit))


def _atoms_of_items(items: pd.DataFrame) -> pd.DataFrame:
    """Point-level groups approximated from one point's item rows (only for callers without the cube's
    point rows; pages pass `decided`)."""
    grouped = items.groupby(["organization", "round", "department", "role", "leverage_point"], dropna=False)
    return grouped.agg(n=("n", "max"), s1=("s1", "sum")).reset_index()


# --- the frame shown and exported -------------------------------------------------------------------------

PUBLIC_COLUMNS = ["unit", "round", "leverage_point", "n", "mean", "sd", "ci_low", "ci_high", "difference",
                  "dont_know_rate", "status"]


def public(frame: pd.DataFrame, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Only the columns fit to show or export: never the raw sums (s1, s2), which would undo rounding."""
    cols = [c for c in [*PUBLIC_COLUMNS, *extra] if c in frame.columns]
    return frame[cols].reset_index(drop=True)
