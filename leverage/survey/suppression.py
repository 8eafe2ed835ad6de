"""Confidentiality for comparison tables: the threshold (primary) and the subtraction rule (secondary).

Primary: a cell with 0 < n < min_n keeps its count and loses every score.
Secondary: when exactly one unit under a parent is withheld, the parent's total and the other units would
give it away by subtraction (parent sum − the others' sums), so the next-smallest unit is withheld too.
Subtraction then yields only the withheld units' combined total, so they must also add up to at least
min_n: two departments of 2 would otherwise be revealed together as a group of 4. The smallest reportable
units are withheld until both hold (ties: the first row, so the choice is stable).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

OK = "ok"
BELOW = "below threshold"
SECONDARY = "withheld (secondary)"
NO_DATA = "no data"


def suppress(frame: pd.DataFrame, parent: Sequence[str], min_n: int, n_column: str = "n",
             forced: pd.Series | None = None) -> pd.Series:
    """Status per row of a units table: ok, below threshold, withheld (secondary) or no data.

    `parent` names the columns that identify a parent total (e.g. round and leverage point for the
    departments of one organization); every row of a parent group is one of its units. `forced` marks
    rows that must be withheld whatever their n, because a coarser table withholds them (an item of a
    department whose point score is withheld, a role of such a department); they count as withheld
    when the subtraction rule looks for a lone one.
    """
    n = frame[n_column].fillna(0).astype(int)
    status = pd.Series(np.where(n == 0, NO_DATA, np.where(n < min_n, BELOW, OK)), index=frame.index, dtype=object)
    if frame.empty:
        return status
    if forced is not None:
        status[forced.reindex(frame.index, fill_value=False).astype(bool) & (status == OK)] = SECONDARY
    hidden = status.isin([BELOW, SECONDARY])
    keys = list(parent)
    gid = frame.groupby(keys, dropna=False, sort=False).ngroup() if keys else pd.Series(0, index=frame.index)
    count = hidden.groupby(gid).transform("sum")
    total = n.where(hidden, 0).groupby(gid).transform("sum")
    needs = (count == 1) | ((count > 0) & (total < min_n))
    if needs.any():
        for rows in gid.index[needs].groupby(gid[needs].to_numpy()).values():
            _withhold_more(status, n, gid.index[gid == gid.loc[rows[0]]], min_n)
    return status


def _withhold_more(status: pd.Series, n: pd.Series, rows: pd.Index, min_n: int) -> None:
    """Withhold the smallest reportable units of one parent until the withheld ones are two or more and
    add up to at least min_n (so subtraction from the parent yields no group below the threshold)."""
    hidden = status.loc[rows].isin([BELOW, SECONDARY])
    candidates = n.loc[rows][status.loc[rows] == OK].sort_values(kind="stable")
    count, total = int(hidden.sum()), int(n.loc[rows][hidden].sum())
    for index, size in candidates.items():
        if count >= 2 and total >= min_n:
            break
        status.loc[index] = SECONDARY
        count, total = count + 1, total + int(size)


def withheld(status: pd.Series) -> pd.Series:
    return status.isin([BELOW, SECONDARY])


SCORE_COLUMNS = ("mean", "sd", "ci_low", "ci_high", "n_dont_know", "dont_know_rate")


def withhold_secondary(scores: pd.DataFrame, parent: Sequence[str], min_n: int) -> pd.DataFrame:
    """A `point_scores` table by one grouping (roles, departments) with the subtraction rule applied.

    The organization's own row per point is shown beside such tables, so a lone group below the
    threshold could be had by subtraction; the groups `suppress` marks lose their scores like
    groups below the threshold (their counts stay), with status "withheld (secondary)".
    """
    status = suppress(scores, parent, min_n, n_column="n_respondents")
    secondary = status == SECONDARY
    if not secondary.any():
        return scores
    out = scores.copy()
    for column in SCORE_COLUMNS:
        if column in out:
            out[column] = out[column].astype(float).where(~secondary)
    out.loc[secondary, "status"] = SECONDARY
    if "suppressed" in out:
        out.loc[secondary, "suppressed"] = True
    return out
