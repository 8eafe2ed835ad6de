"""The shared throttle (leverage/core/throttle.py) with a fake clock, and the client address behind proxies
(leverage/core/clientaddr.py): counts per target and per address, back-off, successes clear nothing,
counts forgotten after a quiet spell, and a room of phones on one address that keeps joining."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from leverage.core.clientaddr import client_address, networks
from leverage.core.database import Database
from leverage.core.schema import throttle
from leverage.core.settings import ConfigError, load_settings
from leverage.core.throttle import Policy, Throttle, digest, wait_text

START = dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC)
STRICT = Policy("test-target", free=3, base_s=2.0, max_s=60.0, forget_s=600.0)
GENEROUS = Policy("test-address", free=100, base_s=1.0, max_s=30.0, forget_s=600.0)


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def counter(store, clock) -> Throttle:
    return Throttle(store, clock)


def test_policy_delay_is_free_then_doubles_to_the_cap():
    assert [STRICT.delay(n) for n in range(1, 10)] == [0, 0, 0, 2, 4, 8, 16, 32, 60]
    assert STRICT.delay(10_000) == 60  # no overflow for absurd counts
    assert [GENEROUS.delay(n) for n in (100, 101, 102, 106, 200)] == [0, 1, 2, 30, 30]


def test_failures_block_per_key_and_refuse_at_once(counter, clock):
    keys = [(STRICT, "ana@example.org"), (GENEROUS, "198.51.100.7")]
    assert counter.wait_seconds(keys) == 0
    assert [counter.failed(keys) for _ in range(5)] == [0, 0, 0, 2, 4]
    assert counter.wait_seconds(keys) == 4
    # the same address trying another account is not blocked by the first account's count
    assert counter.wait_seconds([(STRICT, "ben@example.org"), (GENEROUS, "198.51.100.7")]) == 0
    clock.advance(3)
    assert counter.wait_seconds(keys) == pytest.approx(1)
    clock.advance(1)
    assert counter.wait_seconds(keys) == 0


def test_a_success_does_not_reset_and_quiet_time_forgets(counter, clock):
    key = [(STRICT, "ana@example.org")]
    for _ in range(4):
        counter.failed(key)
    clock.advance(10)  # the block is over; "succeeding" now changes nothing in the table
    assert counter.failures(STRICT, "ana@example.org") == 4
    assert counter.failed(key) == 4  # the fifth failure: 2 s × 2
    clock.advance(STRICT.forget_s + 1)
    assert counter.failures(STRICT, "ana@example.org") == 0
    assert counter.failed(key) == 0  # counting starts again at one


def test_keys_are_stored_as_digests_and_old_rows_are_dropped(counter, store, clock):
    counter.failed([(STRICT, "ana@example.org")])
    clock.advance(2 * 86_400)
    counter.failed([(STRICT, "ben@example.org")])
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(throttle.c.key)).scalars().all()
    assert rows == [digest("ben@example.org")]
    assert "ben" not in rows[0]


def test_two_servers_share_one_count(store, clock, tmp_path):
    other = Database(store.url)
    try:
        a, b = Throttle(store, clock), Throttle(other, clock)
        key = [(STRICT, "shared")]
        for t in (a, b, a, b):
            t.failed(key)
        assert a.wait_seconds(key) == b.wait_seconds(key) == 2
    finally:
        other.dispose()


def test_a_room_of_200_phones_on_one_address_keeps_joining(counter, clock):
    """40 phones mistype once and one phone guesses 30 times, all behind one hospital address: every phone
    with the right code still gets in; the guessing phone is blocked on its own count."""
    address = (GENEROUS, "203.0.113.50")
    refused = 0
    for phone in range(200):
        keys = [(STRICT, f"phone-{phone}"), address]
        if phone < 40:
            counter.failed(keys)  # one typo
            clock.advance(1)
        if counter.wait_seconds(keys) > 0:
            refused += 1
        clock.advance(1)
    guesser = [(STRICT, "phone-guesser"), address]
    blocked_guesses = 0
    for _ in range(30):
        if counter.wait_seconds(guesser) > 0:
            blocked_guesses += 1
            clock.advance(1)
            continue
        counter.failed(guesser)
    assert refused == 0
    assert blocked_guesses > 20  # the guesser spends most of its tries waiting
    assert counter.wait_seconds([(STRICT, "phone-late"), address]) == 0  # the room still gets in


def test_wait_text():
    assert [wait_text(s) for s in (0.2, 2, 59.5, 119, 120, 300, 900)] == \
        ["1 s", "2 s", "60 s", "119 s", "2 min", "5 min", "15 min"]


# --- the client address -----------------------------------------------------------------------------------

PROXIES = networks(["127.0.0.1/32", "10.0.0.0/8"])


@pytest.mark.parametrize(("peer", "header", "trusted", "expected"), [
    ("198.51.100.7", None, (), "198.51.100.7"),
    ("198.51.100.7", "1.2.3.4", PROXIES, "198.51.100.7"),  # a client may not speak for itself
    ("127.0.0.1", "198.51.100.7", (), "127.0.0.1"),  # no trusted proxy configured: the header is ignored
    ("127.0.0.1", "198.51.100.7", PROXIES, "198.51.100.7"),
    ("127.0.0.1", "6.6.6.6, 198.51.100.7", PROXIES, "198.51.100.7"),  # a forged first entry is never reached
    ("127.0.0.1", "198.51.100.7, 10.1.2.3", PROXIES, "198.51.100.7"),  # two trusted hops
    ("127.0.0.1", "garbage", PROXIES, "127.0.0.1"),
    ("127.0.0.1", "", PROXIES, "127.0.0.1"),
    ("::ffff:10.0.0.5", "2001:db8::1", PROXIES, "2001:db8::1"),
    ("10.0.0.5", "[2001:db8::2]:443", PROXIES, "2001:db8::2"),
    ("10.0.0.5", "198.51.100.9:5123", PROXIES, "198.51.100.9"),
    ("not an address", None, PROXIES, "unknown"),
])
def test_client_address(peer, header, trusted, expected):
    assert client_address(peer, header, trusted) == expected


@given(header=st.text(max_size=200), octet=st.integers(1, 254))
def test_an_untrusted_peer_is_always_the_client_whatever_the_header(header, octet):
    peer = f"198.51.100.{octet}"
    assert client_address(peer, header, PROXIES) == peer


@given(hops=st.lists(st.ip_addresses(v=4), min_size=1, max_size=5))
def test_behind_a_trusted_proxy_the_last_untrusted_hop_is_the_client(hops):
    header = ", ".join(str(h) for h in hops)
    found = client_address("10.9.9.9", header, PROXIES)
    untrusted = [h for h in hops if not any(ipaddress.ip_address(h) in n for n in PROXIES if n.version == 4)]
    if untrusted:
        # walking from the right, the first hop that no trusted proxy added is the answer
        expected = next(str(h) for h in reversed(hops) if str(h) in {str(u) for u in untrusted})
        assert found == expected
    else:
        assert found == str(hops[0])


def test_settings_for_sign_in():
    assert load_settings({"LEVERAGE_TRUSTED_PROXIES": "127.0.0.1/32, 10.0.0.0/8"}).trusted_proxies == \
        ("127.0.0.1/32", "10.0.0.0/8")
    with pytest.raises(ConfigError, match="LEVERAGE_TRUSTED_PROXIES: 'ten' is not an address"):
        load_settings({"LEVERAGE_TRUSTED_PROXIES": "ten"})
    with pytest.raises(ConfigError, match="LEVERAGE_SECRET_KEY: 5 characters is too short"):
        load_settings({"LEVERAGE_SECRET_KEY": "short"})
    assert "k" * 40 not in repr(load_settings({"LEVERAGE_SECRET_KEY": "k" * 40}))
