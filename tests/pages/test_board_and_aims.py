"""AppTest: the Board page (vital few table, click-through, meeting mode) and the Aims page (register)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from streamlit.testing.v1 import AppTest

from leverage.aims.register import Aim
from leverage.aims.repository import AimStore
from leverage.survey.store import Store
from tests.pages.conftest import add_organization, no_errors, org_id

RIVERSIDE = "Riverside Health System"


def _open(app: AppTest, db_url: str, page: str, org: str = RIVERSIDE) -> AppTest:
    app.session_state["organization_id"] = org_id(db_url, org)
    app.switch_page(page)
    app.run()
    return app


def _plain(markdown: str) -> str:
    """Shown text without the markdown escapes the page adds to user text."""
    return markdown.replace("\\", "")


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _register(url: str) -> tuple[Store, AimStore]:
    store = Store(url)
    return store, AimStore(store)


def test_board_lists_every_demo_aim_with_icons_and_projection(app: AppTest, db_url: str) -> None:
    at = _open(app, db_url, "pages/board.py")
    no_errors(at)
    table = at.dataframe[0].value
    assert len(table) == 5
    assert table["Aim"].tolist()[0] == "Cut harm by half"
    assert all(str(v).startswith("data:image/svg+xml;base64,") for v in table["Variation"])
    assert set(table["Projection"]) <= {"Achieved and stable", "On course", "At risk", "Off course",
                                        "Not enough data"}
    assert any("Select an aim" in i.value for i in at.info)


def test_board_meeting_mode_steps_through_aims_and_records_a_review(app: AppTest, db_url: str) -> None:
    at = _open(app, db_url, "pages/board.py")
    at.toggle(key="board_meeting_mode").set_value(True).run()
    no_errors(at)
    assert at.markdown[1].value.startswith("# Cut harm by half") or any(
        m.value == "# Cut harm by half" for m in at.markdown)
    at.button(key="board_next").click().run()
    assert any(m.value == "# Fewer avoidable readmissions" for m in at.markdown)
    at.button(key="board_prev").click().run()
    at.button(key="board_prev").click().run()
    assert any(m.value == "# See patients when they need us" for m in at.markdown)
    at.button(key="board_mark_reviewed").click().run()
    no_errors(at)
    # confirmed in the page (a success box), not in a toast an assistive technology cannot name (issue 18)
    assert [s.value for s in at.success] == [f"Recorded: reviewed on {dt.date.today():%b} {dt.date.today().day}, "
                                             f"{dt.date.today().year}."]
    assert not at.toast
    store, reg = _register(db_url)
    try:
        aim = next(a for a in reg.list_aims(org_id(db_url, RIVERSIDE)) if a.title == "See patients when they need us")
        assert aim.last_reviewed == dt.date.today()
    finally:
        store.dispose()


def test_board_without_aims_points_to_the_aims_page(app: AppTest, db_url: str) -> None:
    add_organization(db_url, "Empty Trust")
    at = _open(app, db_url, "pages/board.py", org="Empty Trust")
    no_errors(at)
    assert "no system-level aims yet" in at.info[0].value


def test_aims_page_shows_chart_questions_and_measurements(app: AppTest, db_url: str) -> None:
    at = _open(app, db_url, "pages/aims.py")
    no_errors(at)
    assert at.selectbox(key="aims_selected").value is not None
    assert any("Questions to ask" in m.value for m in at.markdown)
    assert len(at.tabs) == 4


def test_create_aim_with_problems_saves_nothing_then_saves(app: AppTest, db_url: str) -> None:
    oid = add_organization(db_url, "New Trust")
    at = _open(app, db_url, "pages/aims.py", org="New Trust")
    no_errors(at)
    assert at.selectbox(key="aims_selected").value == -1  # "New aim" when there is none
    at.text_input[0].set_value("")  # no title
    _button(at, "Create aim").click().run()
    assert any("The aim was not saved" in e.value and "title" in e.value for e in at.error)
    store, reg = _register(db_url)
    try:
        assert reg.list_aims(oid) == []
    finally:
        store.dispose()
    at.text_input[0].set_value("Zero falls with harm")
    _button(at, "Create aim").click().run()
    no_errors(at)
    assert at.selectbox(key="aims_selected").value != -1  # the new aim is shown
    store, reg = _register(db_url)
    try:
        assert [a.title for a in reg.list_aims(oid)] == ["Zero falls with harm"]
    finally:
        store.dispose()


def test_measurement_upload_is_all_or_nothing(app: AppTest, db_url: str) -> None:
    oid = add_organization(db_url, "Upload Trust")
    store, reg = _register(db_url)
    try:
        aim_id = reg.save_aim(Aim(organization_id=oid, title="Shorter waits", measure="Days to third next "
                                  "available appointment", data_type="continuous", direction="down"))
    finally:
        store.dispose()
    at = _open(app, db_url, "pages/aims.py", org="Upload Trust")
    bad = b"period,value\n2026-01-01,5\n2026-02-30,6\n2026-03-01,abc\n"
    at.file_uploader(key=f"meas_upload_{aim_id}").upload("waits.csv", bad, "text/csv").run()
    at.button(key=f"meas_import_{aim_id}").click().run()
    assert any("row 2" in e.value and "row 3" in e.value and "nothing was saved" in e.value for e in at.error)
    store, reg = _register(db_url)
    try:
        assert reg.measurements([aim_id]).empty
    finally:
        store.dispose()
    good = pd.DataFrame({"period": pd.date_range("2025-01-01", periods=8, freq="MS"),
                         "value": [9, 8, 9, 7, 8, 6, 7, 6]}).to_csv(index=False).encode()
    at.file_uploader(key=f"meas_upload_{aim_id}").upload("waits.csv", good, "text/csv").run()
    at.button(key=f"meas_import_{aim_id}").click().run()
    no_errors(at)
    assert any("Imported 8 period(s)" in s.value for s in at.success)


def test_leverage_point_one_shows_evidence_from_the_register(app: AppTest, db_url: str) -> None:
    from tests.pages.test_self_assessment import ORG, start

    start(app, db_url)
    evidence = [e for e in app.expander if "Evidence from the aims register" in e.label]
    assert len(evidence) == 1
    # Northfield's demo register: 5 aims, all with measure, baseline, target and deadline; 2 public
    assert "5 aim(s); **5** with a measure, baseline, target and deadline; 2 publicly committed" in evidence[0].label
    app.button[-1].click().run()  # on to leverage point 2 (unanswered: refused, still on point 1)
    assert ORG


def _aim_with_values(db_url: str, org_name: str, values: list[float] | None = None) -> tuple[int, int]:
    oid = add_organization(db_url, org_name)
    store, reg = _register(db_url)
    try:
        aim_id = reg.save_aim(Aim(organization_id=oid, title="Shorter waits", measure="Days to third next available "
                                  "appointment", data_type="continuous", direction="down", target_value=7.0,
                                  deadline=dt.date(2027, 12, 31)))
        if values:
            frame = pd.DataFrame({"period": pd.date_range("2025-01-01", periods=len(values), freq="MS"),
                                  "value": values})
            reg.save_measurements(reg.get_aim(aim_id), frame)
    finally:
        store.dispose()
    return oid, aim_id


def test_an_aim_without_data_shows_on_the_board_as_not_enough_data(app: AppTest, db_url: str) -> None:
    _aim_with_values(db_url, "Fresh Trust")
    at = _open(app, db_url, "pages/board.py", org="Fresh Trust")
    no_errors(at)
    table = at.dataframe[0].value
    assert table["Projection"].tolist() == ["Not enough data"] and table["Latest"].tolist() == ["—"]


def test_one_period_form_and_delete(app: AppTest, db_url: str) -> None:
    _, aim_id = _aim_with_values(db_url, "Form Trust", [9, 8, 9])
    at = _open(app, db_url, "pages/aims.py", org="Form Trust")
    _button(at, "Save period").click().run()  # no date, no value
    assert any("period (empty)" in _plain(e.value) and "value (empty)" in _plain(e.value) for e in at.error)
    at.date_input[0].set_value(dt.date(2025, 4, 1))
    at.number_input[0].set_value(6.5)
    _button(at, "Save period").click().run()
    no_errors(at)
    store, reg = _register(db_url)
    try:
        assert reg.measurements([aim_id])["value"].tolist() == [9, 8, 9, 6.5]
    finally:
        store.dispose()
    at.selectbox(key=f"meas_del_{aim_id}").set_value(dt.date(2025, 1, 1))
    at.button(key=f"meas_del_btn_{aim_id}").click().run()
    no_errors(at)
    store, reg = _register(db_url)
    try:
        assert reg.measurements([aim_id])["value"].tolist() == [8, 9, 6.5]
    finally:
        store.dispose()


def test_annotations_are_validated_added_and_deleted(app: AppTest, db_url: str) -> None:
    _, aim_id = _aim_with_values(db_url, "Note Trust", [9, 8, 9, 7, 8, 7, 6])
    at = _open(app, db_url, "pages/aims.py", org="Note Trust")
    _button(at, "Add annotation").click().run()
    assert any("label: say what happened" in _plain(e.value) for e in at.error)
    label_box = next(t for t in at.text_input if t.label == "What happened")
    label_box.set_value("=HYPERLINK(\"http://x\") *bold* new rota")
    next(s for s in at.selectbox if s.label == "Kind").set_value("phase")
    _button(at, "Add annotation").click().run()
    no_errors(at)
    store, reg = _register(db_url)
    try:
        notes = reg.annotations([aim_id])
        assert notes["label"].tolist() == ["=HYPERLINK(\"http://x\") *bold* new rota"]
        assert notes["kind"].tolist() == ["phase"]
    finally:
        store.dispose()
    at.button(key=f"note_del_btn_{aim_id}").click().run()
    no_errors(at)
    store, reg = _register(db_url)
    try:
        assert reg.annotations([aim_id]).empty
    finally:
        store.dispose()
