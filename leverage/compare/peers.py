"""Other organizations as anonymous peer figures, and the scoping of organization views to what a person
may see.

A person sees by name only organizations where they hold a role (and those whose admins and theirs
both agreed to a named comparison). Every other organization appears only inside peer figures: the
median and quartiles of the reportable peers' means per round × leverage point, shown only when at
least `MIN_PEERS` (3) peer organizations are reportable there, so no figure is one or two named-less
organizations' own.

A benchmark that pools visible and hidden organizations (the mean of all organizations) would give
away the hidden ones by subtraction when only one or two of them are in it: such a benchmark, and
every difference from it, is withheld too.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from leverage.compare.cube import POINT_ORDER

MIN_PEERS = 3
WITHHELD = "withheld (fewer than 3 peer organizations)"
PEER_COLUMNS = ["round", "leverage_point", "peers", "q1", "median", "q3", "status"]


def peer_figures(scores: pd.DataFrame, peers: Collection[str], min_peers: int = MIN_PEERS) -> pd.DataFrame:
    """Median and quartiles (linear interpolation, Hyndman–Fan type 7) of the reportable peers' means.

    `scores`: unit scores (unit, round, leverage_point, mean, status) of organizations; `peers`: the units
    that are not shown by name. Rounds × points with fewer than `min_peers` reportable peers are withheld.
    """
    rows = scores[scores["unit"].isin(list(peers))]
    if rows.empty:
        return pd.DataFrame(columns=PEER_COLUMNS)
    out = []
    for (rnd, point), group in rows.groupby(["round", "leverage_point"], sort=False):
        means = group.loc[group["status"] == "ok", "mean"].dropna().to_numpy(dtype=float)
        if len(means) >= min_peers:
            q1, median, q3 = np.percentile(means, [25, 50, 75])
            out.append((rnd, point, len(means), q1, median, q3, "ok"))
        else:
            out.append((rnd, point, len(means), np.nan, np.nan, np.nan, WITHHELD))
    frame = pd.DataFrame(out, columns=PEER_COLUMNS)
    rank = {p: i for i, p in enumerate(POINT_ORDER)}
    return frame.sort_values(["round", "leverage_point"], key=lambda s: s.map(rank) if s.name == "leverage_point"
                             else s.astype(str)).reset_index(drop=True)


def hidden_counts(scores: pd.DataFrame, visible: Collection[str]) -> pd.DataFrame:
    """Per round × point: how many reportable organizations a benchmark of all of them holds unseen."""
    ok = scores[(scores["status"] == "ok") & ~scores["unit"].isin(list(visible))]
    counts = ok.groupby(["round", "leverage_point"]).size().rename("hidden").reset_index()
    keys = scores[["round", "leverage_point"]].drop_duplicates()
    return keys.merge(counts, on=["round", "leverage_point"], how="left").fillna({"hidden": 0})


def scope_benchmark(benchmark: pd.DataFrame, scores: pd.DataFrame, visible: Collection[str],
                    min_peers: int = MIN_PEERS) -> pd.DataFrame:
    """`benchmark` (round, leverage_point, mean, ...) withheld where it pools 1 or 2 unseen organizations."""
    counts = hidden_counts(scores, visible)
    unsafe = counts[(counts["hidden"] > 0) & (counts["hidden"] < min_peers)][["round", "leverage_point"]]
    out = benchmark.copy()
    if unsafe.empty or out.empty:
        return out
    mask = out.set_index(["round", "leverage_point"]).index.isin(unsafe.set_index(["round", "leverage_point"]).index)
    numeric = [c for c in out.columns if c not in ("unit", "round", "leverage_point", "status", "n", "source")
               and pd.api.types.is_numeric_dtype(out[c])]
    out.loc[mask, numeric] = np.nan
    out.loc[mask, "status"] = WITHHELD
    return out


def scope_scores(scores: pd.DataFrame, visible: Collection[str], benchmark: pd.DataFrame) -> pd.DataFrame:
    """Only the visible units' rows; their difference from a withheld benchmark is withheld with it."""
    out = scores[scores["unit"].isin(list(visible))].copy()
    if "difference" in out.columns and not benchmark.empty:
        withheld = benchmark.loc[benchmark["status"] == WITHHELD, ["round", "leverage_point"]]
        mask = out.set_index(["round", "leverage_point"]).index.isin(
            withheld.set_index(["round", "leverage_point"]).index)
        out.loc[mask, "difference"] = np.nan
    return out.reset_index(drop=True)
