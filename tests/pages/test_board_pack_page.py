"""AppTest: the Board page's board-pack panel, and the pack's icons against the Board page's own."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from leverage.core.settings import load_settings
from leverage.reports.boardpack.content import BoardPackError, gather
from leverage.reports.boardpack.pdf import build_pdf
from leverage.survey.store import Store
from tests.pages.conftest import no_errors, org_id
from tests.test_boardpack import icon_alts, page_texts
from ui import boardpack_widget

RIVERSIDE = "Riverside Health System"


def _board(app: AppTest, db_url: str, org: str = RIVERSIDE) -> AppTest:
    app.session_state["organization_id"] = org_id(db_url, org)
    app.switch_page("pages/board.py")
    app.run()
    return app


def _svg_title(uri: str) -> str:
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    return re.search(r"<title>(.*?)</title>", svg).group(1)


def _download_button(at: AppTest):
    (button,) = [d for d in at.get("download_button") if d.proto.label.startswith("Download the board pack")]
    return button


def test_pack_icons_match_the_board_page_for_every_aim(app: AppTest, db_url: str) -> None:
    at = _board(app, db_url)
    no_errors(at)
    table = at.dataframe[0].value
    on_page = []
    for v, a in zip(table["Variation"], table["Assurance"], strict=True):
        on_page += [_svg_title(v), _svg_title(a)]
    store = Store(db_url)
    pack = gather(store, load_settings({}), RIVERSIDE)
    store.dispose()
    assert table["Aim"].tolist() == [v.aim.title for v in pack.views]
    assert table["Projection"].tolist() == pack.summary["projection_label"].tolist()
    in_pdf = [alt for page, alt in icon_alts(build_pdf(pack, None, "test").pdf) if page == 2]
    assert in_pdf == on_page


def test_one_click_builds_the_pack_and_says_why_charts_are_tables(app: AppTest, db_url: str, made,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The download's data function (what Streamlit runs on the click) builds the pack and reports its job."""
    monkeypatch.setenv("LEVERAGE_CHROMIUM", "off")
    at = _board(app, db_url)
    no_errors(at)
    assert any("Charts will be tables in this pack: chart images are switched off" in w.value.replace("\\", "")
               for w in at.warning)
    assert _download_button(at).proto.label == "Download the board pack (PDF)"
    name = f"board-pack-Riverside-Health-System-{dt.date.today():%Y-%m-%d}.pdf"
    started = time.monotonic()
    data = made[name]()
    texts = page_texts(data)
    assert texts[0].startswith("Board pack") and "Charts are shown as tables" in " ".join(texts[0].split())
    token = at.session_state[boardpack_widget.TOKEN]
    job = boardpack_widget.fresh_job(token, started)
    assert job is not None and job.done and job.error is None and job.fraction == 1.0
    assert job.summary.startswith(f"{len(texts)} pages, 0 of 5 charts drawn; charts shown as tables: chart images "
                                  "are switched off")
    # a second click on the same pack is served from what was built: the very same bytes
    again = time.monotonic()
    assert made[name]() is data
    assert boardpack_widget.fresh_job(token, again).done


def test_board_pack_download_holds_the_cut_off_and_format_chosen(app: AppTest, db_url: str, made,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEVERAGE_CHROMIUM", "off")
    at = _board(app, db_url)
    at.date_input(key="boardpack_as_of").set_value(dt.date(2026, 6, 30))
    at.date_input(key="boardpack_meeting").set_value(dt.date(2026, 7, 8)).run()
    no_errors(at)
    texts = page_texts(made["board-pack-Riverside-Health-System-2026-06-30.pdf"]())
    cover = " ".join(texts[0].split())
    assert "Meeting: Wednesday 08 July 2026" in cover and "Data cut-off: 30 June 2026" in cover
    at.radio(key="boardpack_format").set_value("PowerPoint").run()
    assert _download_button(at).proto.label == "Download the board pack (PowerPoint)"
    deck = made["board-pack-Riverside-Health-System-2026-06-30.pptx"]()
    assert deck[:2] == b"PK"  # a zip: the .pptx container


def test_a_failed_build_is_reported_to_the_page_and_raised(db_url: str) -> None:
    store = Store(db_url)
    try:
        with pytest.raises(BoardPackError, match="no organization called 'Gone'"):
            boardpack_widget.make_file("tok-fail", ("k",), store, load_settings({}), "Gone", dt.date(2026, 6, 1),
                                       dt.date(2026, 6, 1), ".pdf")
    finally:
        store.dispose()
    job = boardpack_widget.jobs["tok-fail"]
    assert job.done and "no organization called 'Gone'" in job.error


def test_only_the_build_a_click_started_is_followed() -> None:
    token = "tok-fresh"
    boardpack_widget.jobs[token] = boardpack_widget.Job(started=100.0)
    assert boardpack_widget.fresh_job(token, clicked_at=102.0) is not None  # began with the click
    assert boardpack_widget.fresh_job(token, clicked_at=200.0) is None  # an older build
    assert boardpack_widget.fresh_job("tok-none", clicked_at=0.0) is None


def test_pack_file_name_is_safe_and_dated() -> None:
    from ui.boardpack_widget import file_name

    assert file_name("Riverside Health System", dt.date(2026, 6, 30), ".pdf") == \
        "board-pack-Riverside-Health-System-2026-06-30.pdf"
    assert file_name("../../etc/passwd ÆØ", dt.date(2026, 1, 2), ".pptx") == "board-pack-etc-passwd-2026-01-02.pptx"
    assert file_name("ÆØÅ", dt.date(2026, 1, 2), ".pdf") == "board-pack-organization-2026-01-02.pdf"


def test_the_pack_takes_the_round_chosen_and_defaults_to_the_latest_survey_round(app: AppTest, db_url: str, made,
                                                                                 monkeypatch: pytest.MonkeyPatch
                                                                                 ) -> None:
    from tests.test_rounds import run_workshop

    monkeypatch.setenv("LEVERAGE_CHROMIUM", "off")
    store = Store(db_url)
    try:
        run_workshop(store, org_id(db_url, RIVERSIDE), round_name="Board away day")  # newer than 2026 Autumn
    finally:
        store.dispose()
    at = _board(app, db_url)
    no_errors(at)
    box = at.selectbox(key="boardpack_round")
    assert box.options[0] == "Board away day (workshop)" and box.value == "2026 Autumn"
    name = f"board-pack-Riverside-Health-System-{dt.date.today():%Y-%m-%d}.pdf"
    survey = " ".join(" ".join(page_texts(made[name]())).split())
    assert "Round 2026 Autumn" in survey and "Workshop round" not in survey
    box.set_value("Board away day").run()
    no_errors(at)
    workshop = " ".join(" ".join(page_texts(made[name]())).split())
    assert "Workshop round Board away day" in workshop
