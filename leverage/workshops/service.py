"""Live workshops: every piece of state in the database, so any app server can serve any request.

A workshop asks a chosen set of leverage points and items of one organization. Each point moves
through pending → open → closed (may reopen) → locked (final for this vote); a reset deletes its answers
of the current vote and makes it pending again. Results stay hidden until revealed unless the facilitator
chose otherwise. A second vote (re-vote after discussion) locks the first and asks the same points
again; the shift per point and role compares the two. Ending the workshop saves, per participant and
item, the answer of the latest vote that has one into the organization's history as a round (through
`Store.import_responses`, all or nothing).

Rules that keep a room honest:
- answers are accepted only for a point that is open in the current vote, from a token of this workshop;
  a resend replaces the participant's earlier answer (upsert), so a reload is never counted twice;
- the anonymity threshold applies to every result the room sees, never below the installation's minimum;
  results come from published, frozen sums taken when a point closes (see `disclosure`), so watching a
  view never shows one answer arrive;
- ending is atomic with answering: every acknowledged answer is in the saved round;
- participant answers do not bump the store's global revision (that would invalidate every cached reader
  of the app at every tap): live views read through a short time-based cache instead.
"""

from __future__ import annotations

from leverage.core.database import now_utc
from leverage.core.settings import MIN_N_RANGE
from leverage.core.throttle import Clock, Throttle
from leverage.survey.instrument import Instrument, default_instrument
from leverage.survey.store import Store
from leverage.workshops.ending import Ending
from leverage.workshops.facilitation import Facilitation
from leverage.workshops.participation import Participation
from leverage.workshops.results import LiveResults


class Workshops(Facilitation, Ending, Participation, LiveResults):
    """Create and run workshops on a Store (SQLite or PostgreSQL): one object for a page to hold, its
    jobs in four modules (facilitation, ending, participation, results)."""

    def __init__(self, store: Store, instrument: Instrument | None = None, min_n_floor: int = MIN_N_RANGE[0],
                 clock: Clock = now_utc) -> None:
        """`min_n_floor` is the installation's minimum threshold (`Settings.min_n`; the app passes it): no
        workshop is created below it, and one created below it earlier is read with it."""
        self.store = store
        self.instrument = instrument or default_instrument()
        self.throttle = Throttle(store, clock)
        self.min_n_floor = int(min_n_floor)
