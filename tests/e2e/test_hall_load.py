"""CI load test of a hall: 400 simulated phones through HAProxy to two workers on PostgreSQL (`scripts/serve`),
worker 2 killed with SIGKILL mid-room; its phones reconnect through HAProxy to the other worker as the same
participants, and no acknowledged answer is lost. The figures are printed (run pytest with -s to see them);
benchmarks/hall_load.py is the same scenario as a script with options."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.hall_load import run_hall
from tests.helpers import require_component, require_postgres

pytestmark = [pytest.mark.postgres]

PHONES = 400


def test_a_worker_killed_mid_room_loses_no_acknowledged_answer():
    require_postgres()
    require_component(shutil.which("haproxy") is not None or Path("/usr/sbin/haproxy").exists(),
                      "HAProxy is not installed (scripts/test installs Debian's haproxy)")
    figures = run_hall(phones=PHONES, points=3, arrival=20.0, think=2.0, kill_at=0.4, max_seconds=300.0)
    print("\n" + "\n".join(figures.lines()))

    assert figures.errors == []
    assert figures.joined == PHONES and figures.finished == PHONES
    assert figures.killed_at_s is not None and figures.server_restarted
    assert figures.reconnected_phones >= PHONES // 4  # leastconn put about half of them on the killed worker
    # zero acknowledged answers lost; anything stored beyond them was in flight when the worker died
    assert figures.lost == 0
    assert figures.acknowledged <= figures.stored <= PHONES * 15
    assert figures.stored == PHONES * 15  # every phone answered every statement in the end
    # a phone that reconnected stayed the same participant (its token rides in the link)
    assert figures.rejoined == 0
    # a join in flight when its worker died may or may not have been stored before the kill; the phone joins
    # again through the other worker, so each such join is at most one extra participant (with no answers)
    assert figures.joined <= figures.participants <= figures.joined + figures.joins_in_flight
