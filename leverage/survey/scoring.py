"""Scoring: respondent → group scores per leverage point and item, with the anonymity threshold inside.

Rules (the paper's instrument is a planning tool, so scores describe groups, never single people):
- a respondent's leverage-point score is the mean of their scored items in that point;
- a group's score is the mean of its respondents' scores, with n, sd (sample), a 95 % interval that stays
  on the 1–5 scale (`leverage.survey.intervals`) and the distribution of answers over levels;
- "don't know" answers are counted and reported, never scored;
- a group with fewer than `min_n` respondents keeps its counts but loses every score, sd, interval and
  distribution ("below threshold"), so no page or export built on these functions can reveal it.

The heavy aggregation runs in pyarrow (ten million answers in a few seconds); the small results are
returned as pandas frames for pages and charts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from leverage.core.columns import IDENTITY, NOT_STATED, check_by
from leverage.core.settings import DEFAULT_MIN_N
from leverage.survey.aggregate import Codes, group, respondent_scores
from leverage.survey.intervals import mean_interval

BELOW_THRESHOLD = "below threshold"
NO_DATA = "no data"
OVERALL = "Overall"


def _as_table(data: pd.DataFrame | pa.Table) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    return pa.Table.from_pandas(data, preserve_index=False)


def stated(data: pd.DataFrame | pa.Table, by: Sequence[str]) -> pd.DataFrame | pa.Table:
    """`data` with missing values of the grouping columns `by` named NOT_STATED: a group of their own.

    Answers without a department (or role) are neither dropped nor left as a null group, which pandas'
    pivots lose and some group-bys refuse.
    """
    if isinstance(data, pa.Table):
        for name in by:
            if name in data.column_names and data.column(name).null_count:
                column = pc.cast(data.column(name), pa.string())
                data = data.set_column(data.column_names.index(name), name, pc.fill_null(column, NOT_STATED))
        return data
    missing = [c for c in by if c in data.columns and data[c].isna().any()]
    if not missing:
        return data
    out = data.copy()
    for c in missing:
        out[c] = out[c].astype(object).where(out[c].notna(), NOT_STATED)
    return out


def _respondent_keys(by: list[str], table: pa.Table) -> list[str]:
    """Keys that identify one respondent's answers: the group columns plus who answered in which round."""
    return by + [c for c in IDENTITY if c not in by and c in table.column_names]


def respondent_point_table(data: pd.DataFrame | pa.Table, by: Sequence[str] = ()) -> pa.Table:
    """One row per respondent × leverage point: score (mean of scored items), scored and don't-know counts."""
    table = _as_table(data)
    keys = _respondent_keys(check_by(by), table) + ["leverage_point"]
    value = pc.cast(table.column("value"), pa.float64())
    slim = table.select(keys).append_column("value", value)
    grouped = slim.group_by(keys, use_threads=True).aggregate([
        ("value", "mean"), ("value", "count"), ("value", "count", pc.CountOptions(mode="only_null")),
    ])
    return grouped.rename_columns(keys + ["score", "n_scored", "n_dont_know"])


def score_table(data: pd.DataFrame | pa.Table, by: Sequence[str] = (), min_n: int = DEFAULT_MIN_N) -> pa.Table:
    """The `score` contract: one row per group × leverage point with n_respondents, mean, sd, suppressed.

    A respondent counts in a group × point when they scored at least one item in it. The group-bys run
    on integer codes (leverage.survey.aggregate): ten million answers in about a second on two cores.
    """
    by = check_by(by)
    table = _as_table(data)
    resp_keys = _respondent_keys(by, table) + ["leverage_point"]
    keys = by + ["leverage_point"]
    codes = Codes(table, resp_keys)
    dense = respondent_scores(codes, table.column("value"), resp_keys[:-1])
    if dense is not None:  # respondent ids unique to one person: count instead of hashing
        per_resp, score = dense
    else:
        value = pc.cast(table.column("value"), pa.float64())
        per_resp, (score, n_scored) = group(codes, resp_keys, {"value": value},
                                            [("value", "mean"), ("value", "count")])
        scored = pc.greater(n_scored, 0).to_numpy(zero_copy_only=False)
        per_resp, score = per_resp.filter(scored), score.filter(pa.array(scored))
    groups, (n, mean, sd) = group(codes, keys, {"score": score}, [
        ("score", "count"), ("score", "mean"), ("score", "stddev", pc.VarianceOptions(ddof=1))], source=per_resp)
    suppressed = pc.less(n, min_n)
    null = pa.nulls(len(n), pa.float64())
    out = pa.table({
        **codes.decode(groups, keys),
        "n_respondents": pc.cast(n, pa.int64()),
        "mean": pc.if_else(suppressed, null, mean),
        "sd": pc.if_else(pc.or_(suppressed, pc.less(n, 2)), null, sd),
        "suppressed": suppressed,
    })
    return out.sort_by([(c, "ascending") for c in keys])


def point_scores(data: pd.DataFrame | pa.Table, by: Sequence[str] = (), min_n: int = DEFAULT_MIN_N,
                 include_overall: bool = True) -> pd.DataFrame:
    """Group scores per leverage point (and overall) for pages: the contract plus interval and counts.

    Columns: by..., leverage_point, n_respondents, mean, sd, ci_low, ci_high, suppressed, status,
    n_answers, n_dont_know, dont_know_rate. `status` is "ok", "below threshold" or "no data".
    The overall score of a respondent is the mean of their leverage-point scores (each point weighs
    the same, whatever its number of items).
    """
    by = check_by(by)
    table = stated(_as_table(data), by)
    frame = score_table(table, by, min_n).to_pandas()
    per_resp = respondent_point_table(table, by).to_pandas()
    keys = by + ["leverage_point"]
    counts = per_resp.groupby(keys, dropna=False).agg(n_scored=("n_scored", "sum"), n_dont_know=("n_dont_know", "sum"),
                                                      n_people=("score", "size")).reset_index()
    if include_overall and not per_resp.empty:
        resp_keys = _respondent_keys(by, table)
        overall_resp = per_resp.dropna(subset=["score"]).groupby(resp_keys, dropna=False)["score"].mean()
        overall_resp = overall_resp.reset_index().assign(leverage_point=OVERALL)
        frame = pd.concat([frame, _summarise(overall_resp, by, min_n)], ignore_index=True)
        # Overall counts: answers summed over the points, people counted once each.
        people = per_resp.drop_duplicates(resp_keys).assign(one=1)
        grouped = (counts.groupby(by, dropna=False)[["n_scored", "n_dont_know"]].sum()
                   .join(people.groupby(by, dropna=False)["one"].sum().rename("n_people"))) if by else \
            pd.DataFrame({"n_scored": [counts["n_scored"].sum()], "n_dont_know": [counts["n_dont_know"].sum()],
                          "n_people": [len(people)]})
        counts = pd.concat([counts, grouped.reset_index(drop=not by).assign(leverage_point=OVERALL)],
                           ignore_index=True)
    extra = ["n_scored", "n_dont_know", "n_people"]
    frame = frame.merge(counts[keys + extra], on=keys, how="outer") if not frame.empty \
        else counts[keys + extra].assign(n_respondents=0, mean=np.nan, sd=np.nan, suppressed=False)
    frame["n_respondents"] = frame["n_respondents"].fillna(0).astype(int)
    frame["n_answers"] = (frame["n_scored"] + frame["n_dont_know"]).astype(int)
    frame["n_dont_know"] = frame["n_dont_know"].astype(float)
    frame["dont_know_rate"] = frame["n_dont_know"] / frame["n_answers"].where(frame["n_answers"] > 0)
    frame["suppressed"] = frame["suppressed"].fillna(False).astype(bool) & (frame["n_respondents"] > 0)
    frame["ci_low"], frame["ci_high"] = mean_interval(frame["mean"], frame["sd"], frame["n_respondents"])
    # Whether a member of a small group answered "don't know" is theirs to keep too: judged on everyone
    # who answered the point, scored or not.
    frame.loc[frame["suppressed"] | (frame["n_people"] < min_n), ["n_dont_know", "dont_know_rate"]] = np.nan
    frame["status"] = np.where(frame["n_respondents"] == 0, NO_DATA,
                               np.where(frame["suppressed"], BELOW_THRESHOLD, "ok"))
    frame = frame.drop(columns=["n_scored", "n_people"])
    order = {p: i for i, p in enumerate([*[f"LP{i}" for i in range(1, 8)], OVERALL])}
    frame = frame.sort_values(by + ["leverage_point"], key=lambda s: s.map(order) if s.name == "leverage_point"
                              else s).reset_index(drop=True)
    return frame[keys + ["n_respondents", "mean", "sd", "ci_low", "ci_high", "suppressed", "status", "n_answers",
                         "n_dont_know", "dont_know_rate"]]


def _summarise(per_resp: pd.DataFrame, by: list[str], min_n: int) -> pd.DataFrame:
    keys = by + ["leverage_point"]
    g = per_resp.groupby(keys, dropna=False)["score"].agg(n_respondents="count", mean="mean", sd="std").reset_index()
    below = g["n_respondents"] < min_n
    g.loc[below, ["mean", "sd"]] = np.nan
    g["suppressed"] = below
    return g


def item_scores(data: pd.DataFrame, by: Sequence[str] = (), min_n: int = DEFAULT_MIN_N,
                levels: Sequence[int] = (1, 2, 3, 4, 5)) -> pd.DataFrame:
    """Per item: respondents who scored it, mean, sd, don't-know count and the distribution over levels.

    The threshold applies per group × item on the number who scored it; the level counts are withheld
    with the mean, as they would reveal the same answers.
    """
    by = check_by(by)
    data = stated(data, by)
    keys = by + ["leverage_point", "item_id"]
    if data.empty:
        return pd.DataFrame(columns=keys + ["n_respondents", "mean", "sd", "suppressed", "status", "n_dont_know",
                                            "dont_know_rate", *[f"level_{v}" for v in levels]])
    values = data["value"].astype("Float64")
    frame = data[keys].assign(value=values)
    g = frame.groupby(keys, dropna=False)["value"]
    out = g.agg(n_respondents="count", mean="mean", sd="std").reset_index()
    out["n_dont_know"] = g.apply(lambda s: int(s.isna().sum())).to_numpy()
    dist = (frame.dropna(subset=["value"]).assign(value=lambda f: f["value"].astype(int))
            .pivot_table(index=keys, columns="value", values="leverage_point", aggfunc="size", fill_value=0))
    dist = dist.reindex(columns=list(levels), fill_value=0)
    dist.columns = [f"level_{v}" for v in levels]
    out = out.merge(dist.reset_index(), on=keys, how="left")
    level_cols = [f"level_{v}" for v in levels]
    out[level_cols] = out[level_cols].fillna(0).astype(float)
    total = out["n_respondents"] + out["n_dont_know"]
    out["dont_know_rate"] = out["n_dont_know"] / total.where(total > 0)
    below = out["n_respondents"] < min_n
    out["n_dont_know"] = out["n_dont_know"].astype(float)
    out.loc[below, ["mean", "sd", "n_dont_know", "dont_know_rate", *level_cols]] = np.nan
    out["suppressed"] = below & (out["n_respondents"] > 0)
    out["status"] = np.where(out["n_respondents"] == 0, NO_DATA, np.where(below, BELOW_THRESHOLD, "ok"))
    return out[keys + ["n_respondents", "mean", "sd", "suppressed", "status", "n_dont_know", "dont_know_rate",
                       *level_cols]].sort_values(keys).reset_index(drop=True)


def item_level_shares(items: pd.DataFrame, levels: Sequence[int] = (1, 2, 3, 4, 5)) -> pd.DataFrame:
    """`item_scores` rows with level counts turned into shares of all answers (don't know included), as
    `level_distribution` gives them for points; withheld rows stay withheld."""
    out = items.copy()
    level_cols = [f"level_{v}" for v in levels]
    totals = out[level_cols].sum(axis=1) + out["n_dont_know"]
    out[level_cols] = out[level_cols].div(totals, axis=0)
    out["dont_know"] = out["n_dont_know"] / totals
    return out


def level_distribution(data: pd.DataFrame, by: Sequence[str] = (), min_n: int = DEFAULT_MIN_N,
                       levels: Sequence[int] = (1, 2, 3, 4, 5)) -> pd.DataFrame:
    """Answers per level (and don't know) per group × leverage point, as shares; withheld below threshold.

    The threshold is judged on respondents (as for the point score), not on answers.
    """
    by = check_by(by)
    data = stated(data, by)
    keys = by + ["leverage_point"]
    scores = point_scores(data, by, min_n, include_overall=False)[keys + ["n_respondents", "suppressed"]]
    if data.empty:
        return scores
    frame = data[keys].assign(level=data["value"].astype("Float64").astype(object).where(data["value"].notna(),
                                                                                          "dont_know"))
    frame["level"] = frame["level"].map(lambda v: v if v == "dont_know" else f"level_{int(v)}")
    counts = frame.pivot_table(index=keys, columns="level", aggfunc="size", fill_value=0)
    cols = [f"level_{v}" for v in levels] + ["dont_know"]
    counts = counts.reindex(columns=cols, fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0).reset_index()
    out = scores.merge(shares, on=keys, how="left")
    out.loc[out["suppressed"] | (out["n_respondents"] == 0), cols] = np.nan
    return out


def strengths_and_gaps(points: pd.DataFrame, items: pd.DataFrame | None = None, k: int = 2) -> dict[str, pd.DataFrame]:
    """Highest and lowest leverage points (and items) among those with a reportable score.

    A strength must score above the lowest, and a gap below the highest: when everything ties, there is
    neither, rather than the same points listed as both.
    """
    def top(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["mean"] > frame["mean"].min()].nlargest(k, "mean")

    def bottom(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["mean"] < frame["mean"].max()].nsmallest(k, "mean")

    usable = points[(points["leverage_point"] != OVERALL) & points["mean"].notna()]
    result = {"strong_points": top(usable), "weak_points": bottom(usable)}
    if items is not None:
        scored = items[items["mean"].notna()]
        result["strong_items"] = top(scored)
        result["weak_items"] = bottom(scored)
    return result


def respondent_profile(answers: dict[str, int | None], item_point: dict[str, str]) -> pd.DataFrame:
    """One person's own scores per point (their own data: no threshold applies to showing it to them)."""
    rows = [{"respondent_id": "me", "organization": "", "round": "", "item_id": item,
             "leverage_point": item_point[item], "value": value}
            for item, value in answers.items() if item in item_point]
    frame = pd.DataFrame(rows, columns=["respondent_id", "organization", "round", "item_id", "leverage_point", "value"])
    frame["value"] = frame["value"].astype("Float64")
    return point_scores(frame, (), min_n=1)


def change_between(previous: pd.DataFrame, current: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Change in mean per group × point between two `point_scores` results; null when either is withheld."""
    keys = list(by) + ["leverage_point"]
    merged = current[keys + ["n_respondents", "mean"]].merge(
        previous[keys + ["n_respondents", "mean"]], on=keys, how="left", suffixes=("", "_previous"))
    merged["change"] = merged["mean"] - merged["mean_previous"]
    merged["n_respondents_previous"] = merged["n_respondents_previous"].fillna(0).astype(int)
    return merged
