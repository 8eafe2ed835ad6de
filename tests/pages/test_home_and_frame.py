"""Home page and the shared frame (navigation, organization picker, About)."""

from __future__ import annotations

from leverage.core.about import CITATION
from tests.pages.conftest import add_organization, no_errors, org_id


def test_home_shows_latest_round_at_a_glance(app, db_url):
    app.run()
    no_errors(app)
    assert app.title[0].value == "Seven Leadership Leverage Points"
    # Lakeshore (first alphabetically) is selected; its latest round is 2026 Autumn with 55 demo respondents.
    assert app.session_state["organization_id"] == org_id(db_url, "Lakeshore University Medical Center")
    assert "2026 Autumn" in " ".join(m.value for m in app.markdown)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Respondents"] == "55"
    assert float(metrics["Overall score (1–5)"]) > 1
    assert len(app.get("plotly_chart")) == 1
    # The seven points are listed from the instrument.
    assert [e.label.split("**")[1] for e in app.expander if e.label.startswith("**LP")] == [
        f"LP{i}" for i in range(1, 8)]


def test_sidebar_picker_changes_organization(app, db_url):
    app.run()
    riverside = org_id(db_url, "Riverside Health System")
    app.sidebar.selectbox(key="organization_picker").set_value(riverside).run()
    no_errors(app)
    assert "Riverside Health System" in " ".join(m.value for m in app.markdown)
    assert {m.label: m.value for m in app.metric}["Respondents"] == "83"


def test_about_cites_the_paper_and_disclaims_the_appendix(app, db_url):
    app.run()
    about = " ".join(m.value for m in app.sidebar.markdown)
    assert CITATION in about
    assert "not the IHI's own appendix tool" in about


def test_demo_data_is_announced_on_first_start(app, tmp_path, monkeypatch):
    """In the page (an st.info), not in a toast: a toast is an unnamed dialog to a screen reader."""
    monkeypatch.setenv("LEVERAGE_DATABASE_URL", f"sqlite:///{tmp_path / 'first.db'}")
    monkeypatch.delenv("LEVERAGE_LOAD_DEMO", raising=False)
    app.run(timeout=60)
    no_errors(app)
    assert any("demo data was loaded" in i.value for i in app.info)  # in the page, not a toast (issue 18)
    assert any("demo data" in c.value for c in app.sidebar.caption)


def test_empty_store_without_demo_says_what_to_do(app, empty_url):
    app.run()
    no_errors(app)
    assert any("There is no organization yet" in i.value for i in app.info)
    assert not app.get("plotly_chart")


def test_bad_configuration_is_reported(app, db_url, monkeypatch):
    monkeypatch.setenv("LEVERAGE_MIN_N", "2")
    app.run()
    assert any("LEVERAGE_MIN_N" in e.value for e in app.error)


def test_organization_choice_survives_a_page_switch(app, db_url):
    app.run()
    app.sidebar.selectbox(key="organization_picker").set_value(org_id(db_url, "Riverside Health System")).run()
    app.switch_page("pages/results.py").run()
    no_errors(app)
    assert {m.label: m.value for m in app.metric}["Respondents"] == "83"


def test_names_cannot_inject_markdown(app, db_url):
    evil = add_organization(db_url, "![x](http://example.invalid/p.png) :material/home:")
    app.session_state["organization_id"] = evil
    app.run()
    no_errors(app)
    shown = next(i.value for i in app.info if "has no responses yet" in i.value)
    assert shown.startswith(r"\!\[x\]\(http\://example.invalid/p.png\) \:material/home\:")
