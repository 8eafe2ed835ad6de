"""The long response format's column names and fixed vocabularies, and the check of a grouping.

Kept free of heavy imports: the `score` command reads them before deciding which engine to load.
"""

GROUP_COLUMNS = ("organization", "department", "role", "round")
RESPONSE_COLUMNS = (*GROUP_COLUMNS, "respondent_id", "item_id", "leverage_point", "value")
IDENTITY = ("organization", "round", "respondent_id")  # who answered, in which round
POINT_IDS = tuple(f"LP{i}" for i in range(1, 8))
SCALE_RANGE = (1, 5)
NOT_STATED = "not stated"  # the group of answers whose grouping value (department, role...) is missing


def check_by(by: "list[str] | tuple[str, ...]") -> list[str]:
    """The grouping columns, or ValueError naming the unknown or repeated one."""
    by = list(by)
    unknown = [c for c in by if c not in GROUP_COLUMNS]
    if unknown:
        raise ValueError(f"cannot group by {', '.join(unknown)}; choose from {', '.join(GROUP_COLUMNS)}")
    if len(set(by)) != len(by):
        raise ValueError("a grouping column is repeated")
    return by
