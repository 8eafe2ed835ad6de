"""A phone in Chromium joins a workshop through HAProxy's port (`scripts/serve --workers 2` on PostgreSQL); the
worker it is on is killed with SIGKILL; Streamlit's page reconnects through HAProxy to the other worker, and the
phone carries on as the same participant: its first answers are still shown, the next point is answered and
recorded, and the database holds one participant with every answer."""

from __future__ import annotations

import os
import re
import signal

import pytest
from playwright.sync_api import Browser, Page, expect

from leverage.cli.haproxy import COOKIE
from leverage.survey.store import Store
from leverage.workshops.service import Workshops
from tests.e2e.test_self_assessment_browser import TIMEOUT, wait_idle
from tests.e2e.test_workshop_browser import LEVELS
from tests.helpers import postgres_schema, require_postgres
from tests.test_serve import Served, need_haproxy

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def answer_point(page: Page, point: str, value: int) -> None:
    radios = page.locator("[data-testid='stForm'] [data-testid='stRadio']")
    expect(radios).to_have_count(5, timeout=TIMEOUT)
    wait_idle(page)
    for i in range(5):
        radios.nth(i).get_by_text(LEVELS[value], exact=True).click()
    page.get_by_role("button", name=f"Save my answers to {point}").click()
    expect(page.get_by_text(re.compile(rf"^Recorded at .*your answers to {point}"))).to_be_visible(timeout=TIMEOUT)


def worker_cookie(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == COOKIE)


def test_a_phone_carries_on_when_its_worker_is_killed(tmp_path, browser: Browser):
    need_haproxy()
    with postgres_schema(require_postgres()) as db:
        store = Store(db)
        try:
            org = store.add_organization("Congress Hall Health")
            service = Workshops(store)
            made = service.create(org, "Plenary", ["LP1", "LP2", "LP3"], round_name="Plenary", min_n=3)
            service.open_point(made["id"], "LP1")
            service.open_point(made["id"], "LP2")  # LP3 opens after the worker is killed
        finally:
            store.dispose()
        served = Served(tmp_path, db, "--workers", "2")
        context = browser.new_context()
        try:
            phone = context.new_page()
            hall = f"http://127.0.0.1:{served.port}"
            phone.goto(f"{hall}/join?code={made['code']}", wait_until="domcontentloaded")
            wait_idle(phone)
            phone.get_by_role("button", name="Join", exact=True).click()
            expect(phone.get_by_text("0 of 2 open points answered.")).to_be_visible(timeout=TIMEOUT)
            token_link = phone.url
            assert re.search(r"[?&]t=[\w-]{20,}", token_link)
            answer_point(phone, "LP1", 3)

            pinned = worker_cookie(phone)
            slot = int(pinned[1]) - 1
            os.kill(served.status()["workers"][slot]["pid"], signal.SIGKILL)

            # Streamlit's page reconnects through HAProxy (re-pinned to the other worker); the page reloads
            # itself (ui/reconnect.py) with its link: a full run in a new session there, the same participant
            expect(phone.get_by_text(re.compile(r"^Recorded at"))).to_have_count(0, timeout=60_000)  # reloaded
            expect(phone.get_by_text("1 of 2 open points answered.")).to_be_visible(timeout=TIMEOUT)
            wait_idle(phone)
            assert phone.url == token_link
            assert worker_cookie(phone) != pinned
            answer_point(phone, "LP2", 4)  # the first tap on the new worker is recorded

            # the waiting phone follows the room on the new worker: a point opened now shows by itself
            reopen = Store(db)
            try:
                Workshops(reopen).open_point(made["id"], "LP3")
            finally:
                reopen.dispose()
            expect(phone.get_by_role("button", name="Save my answers to LP3")).to_be_visible(timeout=40_000)
            answer_point(phone, "LP3", 2)
        finally:
            context.close()
            served.proc.send_signal(signal.SIGTERM)
            served.proc.wait(timeout=60)
        check = Store(db)
        try:
            w = Workshops(check)
            assert w.snapshot(made["id"])["participants"] == 1
            answers = w.answers(made["id"])
            assert sorted(answers.groupby("leverage_point")["value"].agg(set).items()) == [
                ("LP1", {3}), ("LP2", {4}), ("LP3", {2})]
        finally:
            check.dispose()
