"""Compare page: demo data from the store, parquet sources (placed and uploaded), bad uploads, every view."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pages.conftest import no_errors

VIEWS = ["Heat map", "Profiles", "Distributions", "Role gaps", "Trend", "Funnel", "Statements"]


@pytest.fixture
def sources_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    monkeypatch.setenv("LEVERAGE_SOURCES_DIR", str(folder))
    return folder


def open_compare(app, db_url):
    app.switch_page("pages/compare.py")
    app.run()
    no_errors(app)
    return app


def test_every_view_renders_on_the_demo_data(app, db_url, sources_dir):
    at = open_compare(app, db_url)
    assert at.title[0].value == "Compare"
    for mode in ["Departments", "Organizations"]:
        at.segmented_control(key="compare_mode").set_value(mode).run()
        no_errors(at)
        for view in VIEWS:
            at.segmented_control(key="compare_view").set_value(view).run()
            no_errors(at)
            assert at.get("plotly_chart"), (mode, view)
