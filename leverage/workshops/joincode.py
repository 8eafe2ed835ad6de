"""Join codes, participant tokens, the facilitator passphrase and slowing down guessers.

- A join code is read aloud and typed on a phone: 6+ characters from an alphabet without look-alikes
  (no 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, U/V), drawn with `secrets`. 6 characters of 22 give 113 million codes;
  with the growing delay below one client gets about a dozen tries an hour once blocked at the maximum, so
  hitting one of a handful of live codes before it expires is out of reach.
- A participant token is 192 random bits (`secrets.token_urlsafe(24)`): it rides in the link, so it
  must be unguessable, never derived from anything.
- The facilitator passphrase is compared with `hmac.compare_digest`, which takes the same time whatever
  the first differing character, so timing says nothing about how close a guess was.
- Repeated wrong codes or passphrases are slowed by an attempt counter kept in the database (table
  `workshop_attempts`), so every app server behind a load balancer sees the same count: after
  `FREE_FAILURES` misses from one key (the client address, or the session when the address is unknown),
  each further miss blocks that key for a delay that doubles up to `MAX_DELAY_S`. A blocked attempt is
  refused at once (the server thread never sleeps), and a success clears the counter.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

import sqlalchemy as sa

from leverage.core.database import Database, aware
from leverage.core.schema import attempts

#: No 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, U/V: characters a room reads aloud and types on a phone without doubt.
ALPHABET = "ACDEFGHJKMNPRTWXY34679"
CODE_LENGTH = 6
TOKEN_BYTES = 24
FREE_FAILURES = 3
BASE_DELAY_S = 2.0
MAX_DELAY_S = 300.0



def new_code(length: int = CODE_LENGTH) -> str:
    if length < CODE_LENGTH:
        raise ValueError(f"a join code needs at least {CODE_LENGTH} characters")
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_code(text: str | None) -> str:
    """What a person typed, as a code: upper case, spaces and dashes dropped."""
    return "".join(ch for ch in (text or "").upper() if ch not in " -\t")


def looks_like_code(text: str) -> bool:
    return len(text) >= CODE_LENGTH and all(ch in ALPHABET for ch in text)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def valid_token(token: str | None) -> bool:
    """The shape of a token `new_token` draws (32-64 URL-safe characters); anything else is refused unread."""
    return isinstance(token, str) and 32 <= len(token) <= 64 and set(token) <= _TOKEN_CHARS


def passphrase_matches(given: str | None, configured: str | None) -> bool:
    """Constant-time comparison; never true when no passphrase is configured."""
    if not configured or given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), configured.encode("utf-8"))


def email_allowed(email: str | None, allowed: tuple[str, ...]) -> bool:
    """A single-sign-on user may facilitate only when their e-mail is listed (case-insensitive, exact)."""
    return bool(email) and email.strip().lower() in set(allowed)


def delay_after(failures: int) -> float:
    """Seconds a key is blocked after its `failures`-th miss in a row: 0 for the first few, then doubling."""
    if failures <= FREE_FAILURES:
        return 0.0
    return min(BASE_DELAY_S * 2 ** (failures - FREE_FAILURES - 1), MAX_DELAY_S)



class Throttle:
    """The database-backed attempt counter (shared by every server on the same store)."""

    def __init__(self, store: Database) -> None:
        self.store = store

    def wait_seconds(self, key: str, now: dt.datetime | None = None) -> float:
        """How long `key` must still wait before its next attempt (0 = may try now)."""
        now = now or dt.datetime.now(dt.UTC)
        with self.store.engine.connect() as conn:
            until = conn.execute(sa.select(attempts.c.blocked_until).where(attempts.c.key == key)).scalar()
        until = aware(until)
        return max(0.0, (until - now).total_seconds()) if until else 0.0

    def failed(self, key: str, now: dt.datetime | None = None) -> float:
        """Count a miss; returns the delay now imposed on `key`."""
        now = now or dt.datetime.now(dt.UTC)
        with self.store.write() as conn:
            failures = conn.execute(sa.select(attempts.c.failures).where(attempts.c.key == key)).scalar()
            failures = (failures or 0) + 1
            delay = delay_after(failures)
            until = now + dt.timedelta(seconds=delay) if delay else None
            if failures == 1:
                try:
                    with conn.begin_nested():
                        conn.execute(attempts.insert().values(key=key, failures=1, blocked_until=until))
                except sa.exc.IntegrityError:  # another server counted this key's first miss at the same moment
                    conn.execute(attempts.update().where(attempts.c.key == key)
                                 .values(failures=attempts.c.failures + 1, blocked_until=until))
            else:
                conn.execute(attempts.update().where(attempts.c.key == key)
                             .values(failures=failures, blocked_until=until))
        return delay

    def succeeded(self, key: str) -> None:
        with self.store.write() as conn:
            conn.execute(attempts.delete().where(attempts.c.key == key))
