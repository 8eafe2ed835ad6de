"""Manage data page: organizations, departments, rounds, imports (all or nothing) and exports."""

from __future__ import annotations

import io

import pandas as pd

from leverage.survey.store import Store
from tests.pages.conftest import no_errors, org_id

ORG = "Lakeshore University Medical Center"


def open_page(at, url, org=ORG):
    at.session_state["organization_id"] = org_id(url, org)
    at.switch_page("pages/manage_data.py").run()
    no_errors(at)
    return at


def submit(at, form_label):
    next(b for b in at.button if b.label == form_label).click().run()


def text_input(at, label):
    return next(t for t in at.text_input if t.label == label)


def counts(url):
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            return {t: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar_one()  # noqa: S608 - fixed names
                    for t in ("organizations", "departments", "rounds", "respondents", "answers")}
    finally:
        store.dispose()


def good_rows(org="Imported Clinic", round_name="2027 Spring", n=5):
    rows = []
    for r in range(n):
        for item, point in (("LP1.1", "LP1"), ("LP1.2", "LP1"), ("LP2.1", "LP2")):
            rows.append({"organization": org, "department": "Clinic A", "role": "manager", "round": round_name,
                         "respondent_id": f"imp-{r}", "item_id": item, "leverage_point": point,
                         "value": None if (r, item) == (0, "LP1.2") else 1 + (r % 5)})
    return pd.DataFrame(rows)


def test_add_organization_and_refuse_a_duplicate(app, db_url):
    open_page(app, db_url)
    text_input(app, "New organization").set_value("Harbour Hospital")
    submit(app, "Add organization")
    no_errors(app)
    assert any("Added organization 'Harbour Hospital'" in s.value for s in app.success)
    before = counts(db_url)
    text_input(app, "New organization").set_value("Harbour Hospital")
    submit(app, "Add organization")
    assert any("already exists" in e.value for e in app.error)
    assert counts(db_url) == before


def test_add_department_and_round(app, db_url):
    open_page(app, db_url)
    text_input(app, "New department").set_value("Radiology")
    submit(app, "Add department")
    no_errors(app)
    text_input(app, "Round name").set_value("2027 Spring")
    submit(app, "Add round")
    no_errors(app)
    store = Store(db_url)
    oid = org_id(db_url, ORG)
    assert "Radiology" in set(store.list_departments(oid)["name"])
    assert "2027 Spring" in set(store.list_rounds(oid)["name"])
    store.dispose()


def test_round_closing_before_it_opens_is_refused(app, db_url):
    open_page(app, db_url)
    before = counts(db_url)
    text_input(app, "Round name").set_value("Backwards")
    dates = app.date_input
    next(d for d in dates if d.label.startswith("Opens")).set_value(pd.Timestamp("2027-05-01").date())
    next(d for d in dates if d.label.startswith("Closes")).set_value(pd.Timestamp("2027-04-01").date())
    submit(app, "Add round")
    assert any("closes" in e.value and "before it opens" in e.value for e in app.error)
    assert counts(db_url) == before


def test_import_good_csv_all_rows(app, db_url):
    open_page(app, db_url)
    before = counts(db_url)
    data = good_rows().to_csv(index=False).encode()
    app.file_uploader[0].upload("clinic.csv", data, "text/csv")
    app.run()
    no_errors(app)
    assert any("clinic.csv is valid" in s.value for s in app.success)
    submit(app, "Import these responses")
    no_errors(app)
    assert any("Imported 5 respondents and 15 answers" in s.value for s in app.success)
    after = counts(db_url)
    assert after["respondents"] == before["respondents"] + 5
    assert after["answers"] == before["answers"] + 15
    assert after["organizations"] == before["organizations"] + 1


def test_bad_upload_lists_problems_and_writes_nothing(app, db_url):
    open_page(app, db_url)
    before = counts(db_url)
    bad = good_rows()
    bad.loc[1, "role"] = "janitor"
    bad.loc[4, "item_id"] = "LP9.9"
    app.file_uploader[0].upload("bad.csv", bad.to_csv(index=False).encode(), "text/csv")
    app.run()
    # Row 2 also gives respondent imp-0 a second role, which is a problem of its own.
    assert any("bad.csv cannot be imported: 3 problem(s)" in e.value for e in app.error)
    problems = app.dataframe[-1].value
    assert list(problems["Row"]) == [2, 5, 1]  # the respondent's problem points at its first row
    assert "janitor" in problems["Problem"].iloc[0] and "LP9.9" in problems["Problem"].iloc[1]
    assert "more than one role" in problems["Problem"].iloc[2] and "rows 1, 2, 3" in problems["Problem"].iloc[2]
    assert not [b for b in app.button if b.label == "Import these responses"]
    assert counts(db_url) == before


def test_upload_with_out_of_range_value_or_missing_column_is_refused(app, db_url):
    open_page(app, db_url)
    before = counts(db_url)
    out_of_range = good_rows()
    out_of_range.loc[2, "value"] = 7
    app.file_uploader[0].upload("range.csv", out_of_range.to_csv(index=False).encode(), "text/csv")
    app.run()
    assert any("cannot be imported" in e.value for e in app.error)
    assert any("value" in str(v) and "row 3" in str(v) for v in app.dataframe[-1].value["Problem"])
    missing = good_rows().drop(columns=["leverage_point"])
    sink = io.BytesIO()
    missing.to_parquet(sink, index=False)
    app.file_uploader[0].upload("missing.parquet", sink.getvalue(), "application/octet-stream")
    app.run()
    assert any("leverage_point" in str(v) for v in app.dataframe[-1].value["Problem"])
    assert counts(db_url) == before


def test_export_offers_parquet_and_csv(app, db_url):
    open_page(app, db_url)
    labels = [b.label for b in app.get("download_button")]
    assert "Download parquet" in labels and "Download CSV" in labels
    assert any("respondents in 3 round(s)" in c.value for c in app.caption)


def test_no_organization_yet(app, empty_url):
    app.switch_page("pages/manage_data.py").run()
    no_errors(app)
    assert any("There is no organization yet" in i.value for i in app.info)
    text_input(app, "New organization").set_value("First Hospital")
    submit(app, "Add organization")
    no_errors(app)
    assert counts(empty_url)["organizations"] == 1
