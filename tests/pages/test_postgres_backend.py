"""The pages on the scale-out backend: the same app, demo loaded into an empty PostgreSQL schema."""

from __future__ import annotations

import pytest

from leverage.access.permissions import Role
from leverage.survey.store import Store
from tests.helpers import postgres_schema, require_postgres
from tests.pages.conftest import invitation_token, no_errors, org_id, sign_in
from tests.pages.test_self_assessment import button, complete, selectbox

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url(monkeypatch: pytest.MonkeyPatch):
    with postgres_schema(require_postgres()) as url:
        monkeypatch.setenv("LEVERAGE_DATABASE_URL", url)
        monkeypatch.setenv("LEVERAGE_LOAD_DEMO", "always")  # "auto" loads the demo into SQLite only
        yield url  # the app's pooled connections sit idle after each transaction, so the drop is not blocked


def test_demo_loads_an_assessment_reaches_results_and_the_board_works_on_postgres(app, pg_url):
    app.run(timeout=90)
    no_errors(app)
    assert any("demo data was loaded" in i.value for i in app.info)  # in the page, not a toast (issue 18)
    northfield = org_id(pg_url, "Northfield Community Hospital")
    sign_in(app, pg_url, "pg-admin@demo.example", every_org=(Role.ADMIN,))  # the demo came after the first user
    app.session_state["organization_id"] = northfield
    app.query_params["invitation"] = invitation_token(pg_url, "Northfield Community Hospital", "2026 Autumn")
    app.switch_page("pages/self_assessment.py").run()
    selectbox(app, "Your role").set_value("manager")
    button(app, "Start the self-assessment").click().run()
    complete(app, app.session_state["sa_draft"], value=4, dont_know=())
    button(app, "Submit my answers").click().run()
    no_errors(app)
    app.switch_page("pages/results.py").run()
    no_errors(app)
    assert {m.label: m.value for m in app.metric}["Respondents"] == "66"  # 65 demo respondents + this one
    app.switch_page("pages/board.py").run()  # the demo aims, read and charted from PostgreSQL
    no_errors(app)
    assert len(app.dataframe[0].value) == 5
    app.toggle(key="board_meeting_mode").set_value(True).run()
    app.button(key="board_mark_reviewed").click().run()
    no_errors(app)
    store = Store(pg_url)
    try:
        assert store.backend == "postgresql"
    finally:
        store.dispose()
