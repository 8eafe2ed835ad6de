"""Results by role and by department: no group below the threshold can be had by subtraction."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leverage.survey.scoring import OVERALL, point_scores
from leverage.survey.suppression import SECONDARY, withhold_secondary


def _answers(sizes: dict[str, int], value_of: dict[str, int]) -> pd.DataFrame:
    rows = []
    for role, size in sizes.items():
        for r in range(size):
            rows.append({"organization": "A", "department": None, "role": role, "round": "R",
                         "respondent_id": f"{role}-{r}", "item_id": "LP1.1", "leverage_point": "LP1",
                         "value": value_of[role]})
    return pd.DataFrame(rows).astype({"value": "Int8"})


def test_a_lone_small_role_takes_the_next_smallest_with_it() -> None:
    # board 2 (below 5), nursing 6, physician 10: the organization's LP1 mean over 18 people and the two
    # larger roles' means would give the board's mean by subtraction, so nursing is withheld too.
    data = _answers({"board": 2, "nursing": 6, "physician": 10}, {"board": 5, "nursing": 2, "physician": 3})
    by_role = withhold_secondary(point_scores(data, ["role"], 5), ["leverage_point"], 5)
    lp1 = by_role[by_role["leverage_point"] == "LP1"].set_index("role")
    assert lp1.loc["board", "status"] == "below threshold" and np.isnan(lp1.loc["board", "mean"])
    assert lp1.loc["nursing", "status"] == SECONDARY and np.isnan(lp1.loc["nursing", "mean"])
    assert lp1.loc["nursing", "n_respondents"] == 6  # counts stay visible
    assert lp1.loc["physician", "mean"] == 3.0
    # what subtraction now yields: the two withheld roles together (8 people), never the board alone
    org = point_scores(data, [], 5).set_index("leverage_point")
    combined = (org.loc["LP1", "mean"] * 18 - 3.0 * 10) / 8
    assert combined == (5 * 2 + 2 * 6) / 8
    assert set(by_role.loc[by_role["leverage_point"] == OVERALL, "status"]) == {"below threshold", SECONDARY, "ok"}


def test_two_small_roles_that_add_up_below_the_threshold_take_a_third() -> None:
    data = _answers({"board": 2, "executive": 2, "nursing": 7, "physician": 9},
                    {"board": 5, "executive": 4, "nursing": 2, "physician": 3})
    lp1 = withhold_secondary(point_scores(data, ["role"], 5), ["leverage_point"], 5)
    lp1 = lp1[lp1["leverage_point"] == "LP1"].set_index("role")["status"]
    assert lp1.to_dict() == {"board": "below threshold", "executive": "below threshold", "nursing": SECONDARY,
                             "physician": "ok"}


def test_nothing_changes_when_no_group_is_small() -> None:
    data = _answers({"nursing": 6, "physician": 10}, {"nursing": 2, "physician": 3})
    scores = point_scores(data, ["role"], 5)
    assert withhold_secondary(scores, ["leverage_point"], 5) is scores
