"""The `score` command's last step: from the finest groups to the table asked for, through the releases.

Why a separate step: whatever `--by` is asked for, the withheld set must be the same, so the command
first aggregates to the finest groups (organization × round × department × role × leverage point, with
either engine and no threshold), decides every release once (`leverage.survey.release`), and only then
rolls the groups up to `--by`:

- a group inside one release (its organization and round are fixed, or the input holds only one) is
  one of the release's boxes: its scores are exact and its status is the release's;
- a group that spans releases (across organizations or rounds) is the sum of the published boxes of its
  releases: `n_respondents`, `mean` and `sd` describe the respondents of those boxes only, so nothing
  can be subtracted from it that the releases withhold. A group none of whose boxes is published keeps
  its full n and is suppressed.

The step reads only the small table of groups (tens of thousands of rows at national scale).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from leverage.core.columns import GROUP_COLUMNS
from leverage.survey import release as releases

FINEST = list(GROUP_COLUMNS)  # organization, department, role, round


def atoms_from_scores(finest: pa.Table | pd.DataFrame) -> pd.DataFrame:
    """Sufficient statistics (n, Σ, Σ²) per finest group × point from a `score_table` result at min_n 1."""
    frame = finest.to_pandas() if isinstance(finest, pa.Table) else finest.copy()
    n = frame["n_respondents"].astype(float)
    mean = frame["mean"].astype(float)
    sd = frame["sd"].astype(float).fillna(0.0)
    frame["n"] = n
    frame["s1"] = mean * n
    frame["s2"] = sd ** 2 * (n - 1) + mean ** 2 * n
    department = frame["department"]
    if isinstance(department.dtype, pd.StringDtype):  # text already: only the missing and empty ones change
        frame["department"] = department.where(department.notna() & (department != ""), releases.NOT_STATED)
    else:
        frame["department"] = department.map(releases.department_key)
    return frame[[*FINEST, "leverage_point", "n", "s1", "s2"]]


def publish(finest: pa.Table | pd.DataFrame, by: Sequence[str], min_n: int,
            decided: dict[tuple[str, str], releases.Release] | None = None) -> pa.Table:
    """The `score` table for `by` (by..., leverage_point, n_respondents, mean, sd, suppressed)."""
    by = list(by)
    atoms = atoms_from_scores(finest)
    if decided is None:
        decided = releases.decide_all(atoms, min_n)
    kind = releases.kind_of(by)
    inner = [c for c in ("department", "role") if c in by]
    units = atoms[["organization", "round", *inner]].drop_duplicates()
    unit = {c: units[c].tolist() if c in inner else [""] * len(units) for c in ("department", "role")}
    hidden = [decided[(str(o), str(r))].withheld(*releases.box_key(kind, d, role)) for o, r, d, role in zip(
        units["organization"].tolist(), units["round"].tolist(), unit["department"], unit["role"], strict=True)]
    units = units.assign(_hidden=hidden)
    atoms = atoms.merge(units, on=["organization", "round", *inner], how="left")
    shown = ~atoms["_hidden"]
    # A release's number (its organization and round together) rather than their joined names: counting
    # distinct releases per group is the same, and cheaper on integers.
    release_number = atoms.groupby(["organization", "round"], sort=False, dropna=False).ngroup()
    atoms = atoms.assign(n_pub=atoms["n"].where(shown, 0.0), s1_pub=atoms["s1"].where(shown, 0.0),
                         s2_pub=atoms["s2"].where(shown, 0.0), _release=release_number)
    keys = [*by, "leverage_point"]
    grouped = atoms.groupby(keys, dropna=False, sort=True).agg(
        n_all=("n", "sum"), n_pub=("n_pub", "sum"), s1=("s1_pub", "sum"), s2=("s2_pub", "sum"),
        parts=("_release", "nunique"), hidden=("_hidden", "any")).reset_index()
    single = grouped["parts"] == 1
    suppressed = np.where(single, grouped["hidden"], grouped["n_pub"] == 0)
    n = grouped["n_pub"].where(grouped["n_pub"] > 0, grouped["n_all"])
    n_pub = grouped["n_pub"].where(grouped["n_pub"] > 0)
    mean = grouped["s1"] / n_pub
    var = (grouped["s2"] - grouped["s1"] ** 2 / n_pub) / (n_pub - 1).where(n_pub > 1)
    sd = np.sqrt(var.clip(lower=0))
    if "department" in by:  # back to null where the input had no department, as the engines write it
        grouped["department"] = grouped["department"].where(grouped["department"] != releases.NOT_STATED)
    out = {c: pa.array(grouped[c].astype(object).where(grouped[c].notna(), None), pa.string(), from_pandas=True)
           for c in keys}
    out.update({
        "n_respondents": pa.array(n.astype("int64")),
        "mean": pa.array(mean.where(~suppressed), pa.float64(), from_pandas=True),
        "sd": pa.array(sd.where(~suppressed), pa.float64(), from_pandas=True),
        "suppressed": pa.array(suppressed.astype(bool)),
    })
    return pa.table(out).sort_by([(c, "ascending") for c in keys])
