"""AppTest: the Board page's board-pack panel, and the pack's icons against the Board page's own."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from leverage.boardpack import gather
from leverage.boardpack_pdf import build_pdf
from leverage.config import load_settings
from leverage.store import Store
from tests.pages.conftest import no_errors, org_id
from tests.test_boardpack import icon_alts, page_texts
from ui.state import REVISION_TTL

RIVERSIDE = "Riverside Health System"


def _board(app: AppTest, db_url: str, org: str = RIVERSIDE) -> AppTest:
    app.session_state["organization_id"] = org_id(db_url, org)
    app.switch_page("pages/board.py")
    app.run()
    return app


def _svg_title(uri: str) -> str:
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    return re.search(r"<title>(.*?)</title>", svg).group(1)


def _downloads(at: AppTest) -> list:
    return [d for d in at.get("download_button") if d.proto.label.startswith("Download the board pack")]


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


def test_board_page_builds_the_pack_with_a_reason_when_charts_are_off(app: AppTest, db_url: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEVERAGE_CHROMIUM", "off")
    at = _board(app, db_url)
    no_errors(at)
    assert any("Charts will be tables in this pack: chart images are switched off" in w.value.replace("\\", "")
               for w in at.warning)
    assert _downloads(at) == []
    at.button(key="boardpack_build").click().run(timeout=120)
    no_errors(at)
    ready = [s.value.replace("\\", "") for s in at.success]
    assert any(r.startswith("The board pack is ready: 10 pages, 0 of 5 charts drawn; charts shown as tables")
               for r in ready)
    assert len(_downloads(at)) == 1
    # asking again for the same pack needs no rebuild: the download is still there after another run
    at.run()
    assert len(_downloads(at)) == 1
    assert not any("The data has changed" in c.value for c in at.caption)
    # a write by someone else: the pack is still offered, with a line saying it is older than the data
    store = Store(db_url)
    store.add_department(org_id(db_url, RIVERSIDE), "New ward")
    store.dispose()
    time.sleep(REVISION_TTL + 0.2)
    at.run()
    assert len(_downloads(at)) == 1
    assert any("The data has changed since this pack was built" in c.value for c in at.caption)


def test_board_pack_download_holds_the_cut_off_chosen(app: AppTest, db_url: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEVERAGE_CHROMIUM", "off")
    at = _board(app, db_url)
    at.date_input(key="boardpack_as_of").set_value(dt.date(2026, 6, 30)).run()
    at.button(key="boardpack_build").click().run(timeout=120)
    no_errors(at)
    assert len(_downloads(at)) == 1
    built = at.session_state["boardpack_built"]
    texts = page_texts(built["data"])
    assert "Data cut-off: 30 June 2026" in " ".join(texts[0].split())
    # a changed date asks for a new build: the old file is not offered for the new date
    at.date_input(key="boardpack_as_of").set_value(dt.date(2026, 7, 31)).run()
    assert _downloads(at) == []


def test_pack_file_name_is_safe_and_dated() -> None:
    from ui.boardpack_widget import file_name

    assert file_name("Riverside Health System", dt.date(2026, 6, 30), ".pdf") == \
        "board-pack-Riverside-Health-System-2026-06-30.pdf"
    assert file_name("../../etc/passwd ÆØ", dt.date(2026, 1, 2), ".pptx") == "board-pack-etc-passwd-2026-01-02.pptx"
    assert file_name("ÆØÅ", dt.date(2026, 1, 2), ".pdf") == "board-pack-organization-2026-01-02.pdf"
