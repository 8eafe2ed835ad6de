"""Sign-in costs: an argon2id verification, a password sign-in end to end, resolving a session cookie (what a
new connection costs), the throttle's check and count, and an invitation submission, on SQLite (and on
PostgreSQL with --postgres URL). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/signin.py [--postgres postgresql+psycopg://user@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from leverage.access import passwords  # noqa: E402
from leverage.access.service import Access  # noqa: E402
from leverage.access.users import COMMAND_LINE  # noqa: E402
from leverage.core.throttle import Policy  # noqa: E402
from leverage.survey.instrument import default_instrument  # noqa: E402
from leverage.survey.store import Store  # noqa: E402
from leverage.survey.submissions import Submission  # noqa: E402

POLICY = Policy("bench", free=1000, base_s=1, max_s=1, forget_s=3600)


def timed(label: str, fn, repeat: int) -> None:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    p95 = sorted(runs)[int(0.95 * (len(runs) - 1))]
    print(f"{label:<44} median {statistics.median(runs):7.2f} ms   p95 {p95:7.2f} ms   (n = {repeat})")


def run(url: str) -> None:
    store = Store(url)
    access = Access(store)
    org = store.add_organization("Bench Hospital")
    rnd = store.add_round(org, "Bench round", opens_on=dt.date(2020, 1, 1))
    uid = access.users.add(COMMAND_LINE, "bench@example.org", organization_id=org, roles=())
    me = access.users.principal(uid, "test")
    access.users.set_password(me, uid, "harbour lights at dusk")
    stored = access.users.by_email("bench@example.org")["password_hash"]
    cookie = access.sessions.start(uid, "test")
    print(f"backend: {store.backend}")
    timed("argon2id verify (one password check)", lambda: passwords.verify(stored, "harbour lights at dusk"), 20)
    timed("password sign-in (check, session, audit)",
          lambda: access.sessions.sign_in("bench@example.org", "harbour lights at dusk", "127.0.0.1"), 20)
    timed("resolve a session cookie to a person", lambda: access.principal_for_session(cookie), 200)
    timed("throttle: may this attempt go ahead?", lambda: access.sessions.throttle.wait_seconds(
        [(POLICY, "k"), (POLICY, "a")]), 200)
    timed("throttle: count a failure (two keys)", lambda: access.sessions.throttle.failed(
        [(POLICY, "k"), (POLICY, "a")]), 100)
    made = access.invitations.create(COMMAND_LINE, rnd, [(None, None)] * 50)
    tokens = iter(access.invitations.list(rnd).set_index("id").loc[made, "token"])
    answers = {i.id: 3 for i in default_instrument().items}
    counter = iter(range(10_000))
    timed("invitation submission (35 answers)", lambda: access.invitations.submit(
        next(tokens), Submission(f"s-{next(counter)}", rnd, "nursing", answers), ["nursing"]), 50)
    store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL (a schema of its own is not made: use a test database)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.db")
    if args.postgres:
        from tests.helpers import postgres_schema

        with postgres_schema(args.postgres) as url:
            run(url)


if __name__ == "__main__":
    main()
