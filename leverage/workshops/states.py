"""The words of a workshop's life: point and workshop states, limits, the refusal error, a participant.

Kept apart from the queries so the pages, the command line and the tests can name a state without
loading the database layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from leverage.core.database import StoreError

PENDING, OPEN, CLOSED, LOCKED = "pending", "open", "closed", "locked"
RUNNING, ENDING, ENDED = "running", "ending", "ended"  # ending: saving the round; nothing is accepted
MAX_VOTES = 2
DEFAULT_HOURS = 12
MAX_HOURS = 72
UNSPECIFIED_ROLE = "other"  # saved for participants who chose no role (must be a configured role)

EXPORT_COLUMNS = ["workshop", "vote", "organization", "department", "role", "round", "respondent_id", "item_id",
                  "leverage_point", "value"]  # no answer times: with role and department they could identify people


class WorkshopError(StoreError):
    """A workshop action was refused and nothing changed; the message says why in the user's terms."""


@dataclass(frozen=True)
class Participant:
    id: int
    workshop_id: int
    token: str
    role: str | None
    department_id: int | None


def respondent_key(workshop_id: int, participant_id: int) -> str:
    """The pseudonymous respondent id a participant gets in exports and in the saved round."""
    return f"ws{workshop_id}-p{participant_id}"

