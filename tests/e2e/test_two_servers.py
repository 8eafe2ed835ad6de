"""Two app servers, one PostgreSQL schema: the facilitator on one server, the participant on the other.

This is the scale-out set-up (several `streamlit run` processes behind a sticky load balancer): nothing
about a workshop lives in a server's memory, so every change made through one server shows on the other.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from leverage.survey.store import Store
from leverage.workshops.service import Workshops
from tests.e2e.servers import streamlit_server
from tests.e2e.test_self_assessment_browser import TIMEOUT, wait_idle
from tests.e2e.test_workshop_browser import answer, check_until_form, click_key, go, join, open_console
from tests.helpers import postgres_schema, require_postgres

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

PASS = "two servers one schema"


def test_facilitator_and_participant_on_different_servers(tmp_path, browser: Browser):
    server_url = require_postgres()
    with postgres_schema(server_url) as db:
        store = Store(db)
        try:
            org = store.add_organization("Two Rivers Health")
            made = Workshops(store).create(org, "Scale-out session", ["LP1"], round_name="Two servers", min_n=3)
        finally:
            store.dispose()
        env = {"LEVERAGE_FACILITATOR_PASSPHRASE": PASS, "LEVERAGE_LOAD_DEMO": "never"}
        with streamlit_server(tmp_path, db, "a", **env) as a, streamlit_server(tmp_path, db, "b", **env) as b:
            fac_ctx, phone_ctx = browser.new_context(viewport={"width": 1400, "height": 1000}), browser.new_context()
            try:
                fac = fac_ctx.new_page()
                open_console(fac, a.url, PASS)
                expect(fac.get_by_text(re.compile(r"pending · 0 answered"))).to_be_visible(timeout=TIMEOUT)

                phone = phone_ctx.new_page()
                join(phone, f"{b.url}/join?code={made['code']}", None)  # server B
                participants = fac.get_by_test_id("stMetric").filter(
                    has=fac.get_by_test_id("stMetricLabel").get_by_text("Participants", exact=True))
                expect(participants.get_by_test_id("stMetricValue")).to_have_text("1", timeout=TIMEOUT)  # seen on A

                click_key(fac, "open_LP1")  # on A
                expect(fac.get_by_text(re.compile(r"open · 0 answered"))).to_be_visible(timeout=TIMEOUT)
                check_until_form(phone)  # on B
                answer(phone, 3)  # on B
                expect(fac.get_by_text(re.compile(r"open · 1 answered"))).to_be_visible(timeout=TIMEOUT)

                # the same participant link on the other server: same participant, same answers
                link = phone.url.replace(b.url, a.url)
                other = phone_ctx.new_page()
                go(other, link)
                expect(other.get_by_text("1 of 1 open points answered.")).to_be_visible(timeout=TIMEOUT)
                other.get_by_role("radio", name="Change LP1").click()  # the pills are a radio group
                expect(other.locator("[data-testid='stForm'] [data-testid='stRadio']")).to_have_count(5)
                expect(other.get_by_role("radio", name="3 Early deployment", exact=True).first).to_be_checked()

                click_key(fac, "lock_LP1")  # on A; the participant on B can no longer change answers
                expect(fac.get_by_text(re.compile(r"locked · 1 answered"))).to_be_visible(timeout=TIMEOUT)
                phone.reload()
                wait_idle(phone)
                expect(phone.get_by_text(re.compile(r"LP1 .*locked, read-only"))).to_be_visible(timeout=TIMEOUT)
                expect(phone.locator("[data-testid='stForm']")).to_have_count(0)
            finally:
                fac_ctx.close()
                phone_ctx.close()
        check = Store(db)
        try:
            w = Workshops(check)
            assert w.snapshot(made["id"])["participants"] == 1
            assert set(w.answers(made["id"])["value"]) == {3}
        finally:
            check.dispose()
