"""Join codes, participant tokens, the facilitator passphrase and slowing down guessers.

- A join code is read aloud and typed on a phone: 6+ characters from an alphabet without look-alikes
  (no 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, U/V), drawn with `secrets`. 6 characters of 22 give 113 million codes;
  with the growing delay below one client gets about a dozen tries an hour once blocked at the maximum, so
  hitting one of a handful of live codes before it expires is out of reach.
- A participant token is 192 random bits (`secrets.token_urlsafe(24)`): it rides in the link, so it
  must be unguessable, never derived from anything.
- The facilitator passphrase is compared with `hmac.compare_digest`, which takes the same time whatever
  the first differing character, so timing says nothing about how close a guess was.
- Repeated wrong codes or passphrases are slowed by `leverage.core.throttle` (counted in the database,
  so every app server sees the same counts), under two keys at once: the phone (its browser session;
  strict) and the client address (generous, because a room of phones on one hospital Wi-Fi shares one
  address: one phone's typos must not lock the room out). The passphrase's target is the passphrase
  itself (one secret, so one strict counter whoever guesses), with the address beside it. A blocked
  attempt is refused at once (the server thread never sleeps); a success clears nothing.
"""

from __future__ import annotations

import hmac
import secrets

from leverage.core.throttle import Key, Policy

#: No 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, U/V: characters a room reads aloud and types on a phone without doubt.
ALPHABET = "ACDEFGHJKMNPRTWXY34679"
CODE_LENGTH = 6
TOKEN_BYTES = 24
#: The phone (browser session) that types codes: three free misses, then 2 s doubling to 5 min.
CODE_PHONE = Policy("code-phone", free=3, base_s=2.0, max_s=300.0, forget_s=900.0)
#: Everyone behind one address: about one typo for every other phone of a 200-phone room before any delay,
#: and a short one then (1 s doubling to 30 s), so a room keeps joining while a guesser is slowed.
CODE_ADDRESS = Policy("code-address", free=100, base_s=1.0, max_s=30.0, forget_s=600.0)
#: The facilitator passphrase is one secret: its own strict counter, whoever guesses, plus the address.
PASSPHRASE = Policy("passphrase", free=3, base_s=2.0, max_s=300.0, forget_s=3600.0)
PASSPHRASE_ADDRESS = Policy("passphrase-addr", free=20, base_s=2.0, max_s=300.0, forget_s=3600.0)
FREE_FAILURES = CODE_PHONE.free
MAX_DELAY_S = CODE_PHONE.max_s



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


def delay_after(failures: int) -> float:
    """Seconds a phone is blocked after its `failures`-th wrong code: 0 for the first few, then doubling."""
    return CODE_PHONE.delay(failures)


def code_keys(phone: str, address: str | None = None) -> list[Key]:
    """The throttle keys of one attempt at a join code: the phone, and its address when known."""
    return [(CODE_PHONE, phone)] + ([(CODE_ADDRESS, address)] if address else [])


def passphrase_keys(address: str) -> list[Key]:
    return [(PASSPHRASE, "facilitator-passphrase"), (PASSPHRASE_ADDRESS, address)]
