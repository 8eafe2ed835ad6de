"""One throttle for every guessable secret: sign-in passwords, join codes, the facilitator passphrase.

Each attempt is counted under several keys at once, each with its own `Policy`: the *target* (the
account signed in to, the workshop code typed, the passphrase) and the *client address* (and, where
there is no account, the browser session). An attempt is refused at once, without checking what was
typed, while any of its keys is blocked; the server never sleeps. A failure increments every key;
once a key's failures pass its `free` allowance, each further failure blocks it for a delay that
doubles up to `max_s`. A success clears nothing (a guesser who also knows one right code or
password cannot use it to reset the count); counts are forgotten when a key has had no failure for
`forget_s` seconds.

Counters live in the database (table `throttle`), so every app server behind a load balancer sees
the same counts, and keys are stored as SHA-256 digests, so the table holds no e-mail address or IP.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from leverage.core.database import Database, aware, now_utc
from leverage.core.schema import throttle

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Policy:
    """How one kind of key is throttled. `scope` names it in the table (at most 32 characters)."""

    scope: str
    free: int  # failures allowed before any delay
    base_s: float  # the delay after the first failure beyond `free`
    max_s: float  # the longest delay
    forget_s: float  # a key with no failure for this long starts again from zero

    def delay(self, failures: int) -> float:
        """Seconds a key is blocked after its `failures`-th failure: 0 up to `free`, then doubling to `max_s`."""
        if failures <= self.free:
            return 0.0
        return min(self.base_s * 2.0 ** min(failures - self.free - 1, 64), self.max_s)


Key = tuple[Policy, str]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Throttle:
    """Counters of failed attempts per (policy, key), shared by every server on one database."""

    def __init__(self, db: Database, clock: Clock = now_utc) -> None:
        self.db = db
        self.clock = clock

    def wait_seconds(self, keys: Sequence[Key]) -> float:
        """How long the attempt must still wait (the longest block among its keys; 0 = may try now)."""
        if not keys:
            return 0.0
        now = self.clock()
        wanted = sa.tuple_(throttle.c.scope, throttle.c.key).in_([(p.scope, digest(k)) for p, k in keys])
        with self.db.engine.connect() as conn:
            blocks = conn.execute(sa.select(throttle.c.blocked_until).where(wanted)).scalars().all()
        waits = [(aware(b) - now).total_seconds() for b in blocks if b is not None]
        return max([0.0, *waits])

    def failed(self, keys: Sequence[Key]) -> float:
        """Count one failure under every key; returns the longest delay now imposed (0 = none yet)."""
        now = self.clock()
        longest = 0.0
        dialect = postgresql if self.db.backend == "postgresql" else sqlite
        with self.db.write() as conn:
            for policy, key in keys:
                where = (throttle.c.scope == policy.scope) & (throttle.c.key == digest(key))
                conn.execute(dialect.insert(throttle).values(
                    scope=policy.scope, key=digest(key), failures=0, last_failure=now, blocked_until=None)
                    .on_conflict_do_nothing(index_elements=["scope", "key"]))
                row = conn.execute(sa.select(throttle.c.failures, throttle.c.last_failure).where(where)
                                   .with_for_update()).one()
                stale = (now - aware(row.last_failure)).total_seconds() > policy.forget_s
                failures = 1 if stale else row.failures + 1
                delay = policy.delay(failures)
                conn.execute(throttle.update().where(where).values(
                    failures=failures, last_failure=now,
                    blocked_until=now + dt.timedelta(seconds=delay) if delay else None))
                longest = max(longest, delay)
            # Keys idle for a day are of no use to anyone: keep the table small.
            conn.execute(throttle.delete().where(throttle.c.last_failure < now - dt.timedelta(days=1)))
        return longest

    def failures(self, policy: Policy, key: str) -> int:
        """The current count of a key (0 when forgotten), for tests and the audit log."""
        with self.db.engine.connect() as conn:
            row = conn.execute(sa.select(throttle.c.failures, throttle.c.last_failure).where(
                (throttle.c.scope == policy.scope) & (throttle.c.key == digest(key)))).first()
        if row is None or (self.clock() - aware(row.last_failure)).total_seconds() > policy.forget_s:
            return 0
        return int(row.failures)


def wait_text(seconds: float) -> str:
    """A wait in words for a person: "5 s", "2 min"."""
    seconds = max(1, int(seconds + 0.999))
    return f"{seconds} s" if seconds < 120 else f"{(seconds + 59) // 60} min"
