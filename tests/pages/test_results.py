"""Results page: threshold applied everywhere, change since the previous round, empty states."""

from __future__ import annotations

from leverage.survey.store import Store
from tests.pages.conftest import add_organization, no_errors, org_id


def open_results(app, url, org="Riverside Health System"):
    app.session_state["organization_id"] = org_id(url, org)
    app.run()
    app.switch_page("pages/results.py").run()
    no_errors(app)
    return app


def test_results_default_to_latest_round_with_metrics_and_charts(app, db_url):
    open_results(app, db_url)
    assert app.selectbox(key="round_id").format_func(app.selectbox(key="round_id").value) == \
        "2026 Autumn (83 respondents)"
    metrics = {m.label: m for m in app.metric}
    assert metrics["Respondents"].value == "83"
    assert "since 2026 Spring" in metrics["Overall score (1–5)"].delta
    assert metrics["Threshold"].value == "n ≥ 5"
    assert len(app.get("plotly_chart")) >= 3  # points, levels, statements (+ change)
    assert [t.label for t in app.tabs] == ["Leverage points", "Statements", "By role", "By department",
                                           "Change over rounds", "Focus measures"]


def test_small_departments_are_withheld_not_shown(app, db_url):
    open_results(app, db_url)
    # In the demo, Riverside's Internal Medicine has 1 respondent in 2026 Autumn.
    by_dept = app.tabs[3].dataframe[0].value
    row = by_dept.loc["Internal Medicine"]
    assert row["n"] == 1
    assert set(row.drop("n")) == {"below threshold"}
    big = by_dept.loc["Intensive Care"]
    assert big["n"] >= 5 and all(v != "below threshold" for v in big.drop("n"))


def test_threshold_setting_is_applied(app, db_url, monkeypatch):
    monkeypatch.setenv("LEVERAGE_MIN_N", "10")
    open_results(app, db_url)
    by_dept = app.tabs[3].dataframe[0].value
    # Riverside's Emergency Department has exactly 5 respondents in 2026 Autumn: reported at 5, withheld at 10.
    assert by_dept.loc["Emergency Department", "n"] == 5
    assert set(by_dept.loc["Emergency Department"].drop("n")) == {"below threshold"}
    assert by_dept.loc["Pharmacy", "n"] == 10
    assert "below threshold" not in set(by_dept.loc["Pharmacy"].drop("n"))
    assert {m.label: m.value for m in app.metric}["Threshold"] == "n ≥ 10"


def test_group_of_exactly_min_n_is_reported(app, db_url):
    open_results(app, db_url)
    by_dept = app.tabs[3].dataframe[0].value
    assert by_dept.loc["Emergency Department", "n"] == 5
    assert "below threshold" not in set(by_dept.loc["Emergency Department"].drop("n"))


def test_first_round_has_nothing_to_compare(app, db_url):
    open_results(app, db_url)
    store = Store(db_url)
    first = int(store.list_rounds(org_id(db_url, "Riverside Health System"))["id"].iloc[0])
    store.dispose()
    app.selectbox(key="round_id").set_value(first).run()
    no_errors(app)
    assert any("first round" in i.value for i in app.tabs[4].info)
    assert app.metric[1].delta is None or app.metric[1].delta == ""


def test_organization_without_responses_gets_an_empty_state(app, db_url):
    new_org = add_organization(db_url, "Empty Hospital")
    app.session_state["organization_id"] = new_org
    app.run()
    app.switch_page("pages/results.py").run()
    no_errors(app)
    assert any("no responses yet" in i.value for i in app.info)
