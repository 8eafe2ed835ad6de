"""AppTest: rounds in date order on Compare and Home; a workshop round labelled and never the default."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from leverage.survey.store import Store
from tests.pages.conftest import no_errors, org_id
from tests.test_rounds import run_workshop

LAKESHORE = "Lakeshore University Medical Center"  # the organization the app selects first


@pytest.fixture
def with_workshop_round(db_url: str) -> str:
    """The demo store plus a workshop round for Lakeshore, newer than its latest survey round (2026 Autumn)."""
    store = Store(db_url)
    try:
        run_workshop(store, org_id(db_url, LAKESHORE), round_name="Board away day")
    finally:
        store.dispose()
    return db_url


def _open(app: AppTest, page: str) -> AppTest:
    app.switch_page(page)
    app.run()
    no_errors(app)
    return app


def test_home_shows_the_latest_survey_round_not_a_newer_workshop_round(app, with_workshop_round):
    at = _open(app, "pages/home.py")
    picker = at.selectbox(key="home_round_id")
    labels = picker.options  # newest first, as shown
    assert labels[0] == "Board away day (workshop) (5 respondents)"
    assert [label.split(" (")[0] for label in labels[1:]] == ["2026 Autumn", "2026 Spring", "2025 Autumn"]
    assert "round **2026 Autumn**" in " ".join(m.value for m in at.markdown)
    assert {m.label: m.value for m in at.metric}["Respondents"] == "55"
    # choosing the workshop round shows it, named as such
    store = Store(with_workshop_round)
    try:
        rounds = store.list_rounds(org_id(with_workshop_round, LAKESHORE)).set_index("name")
    finally:
        store.dispose()
    picker.set_value(int(rounds.loc["Board away day", "id"])).run()
    no_errors(at)
    assert "workshop round **Board away day**" in " ".join(m.value for m in at.markdown)
    assert {m.label: m.value for m in at.metric}["Respondents"] == "5"


def test_compare_lists_rounds_by_date_with_the_latest_survey_round_first(app, with_workshop_round):
    at = _open(app, "pages/compare.py")
    box = next(s for s in at.selectbox if s.label == "Round")
    assert box.options[0] == "Board away day (workshop)"
    assert box.options[1:] == ["2026 Autumn", "2026 Spring", "2025 Autumn"]  # by opening date, not alphabet
    assert box.value == "2026 Autumn"
    at.segmented_control(key="compare_view").set_value("Trend").run()
    no_errors(at)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    x = figure["data"][0]["x"]
    assert x[:3] == ["2025 Autumn", "2026 Spring", "2026 Autumn"]  # the trend joins rounds in date order


def test_compare_organizations_mode_orders_rounds_by_date(app, db_url):
    at = _open(app, "pages/compare.py")
    at.segmented_control(key="compare_mode").set_value("Organizations").run()
    no_errors(at)
    box = next(s for s in at.selectbox if s.label == "Round")
    assert box.options == ["2026 Autumn", "2026 Spring", "2025 Autumn"] and box.value == "2026 Autumn"
