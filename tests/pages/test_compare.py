"""Compare page: demo data from the store, parquet sources (placed and uploaded), bad uploads, every view."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from leverage.reports.chart_images import status
from tests.pages.conftest import add_organization, no_errors

VIEWS = ["Heat map", "Profiles", "Distributions", "Role gaps", "Trend", "Funnel", "Statements"]


@pytest.fixture
def sources_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    monkeypatch.setenv("LEVERAGE_SOURCES_DIR", str(folder))
    return folder


@pytest.fixture
def partners(db_url: str) -> str:
    """Organizations of the store named like those in the test files, so the signed-in admin (admin of every
    organization) sees those files' organizations by name: one's own organization, in a national file."""
    for name in ("Lakeside", "Hillside"):
        add_organization(db_url, name)
    return db_url


def open_compare(app, db_url):
    """The Compare page after its first run, which must show no error."""
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


def long_frame(org: str = "Lakeside", depts: dict[str, int] | None = None, round_name: str = "2025") -> pd.DataFrame:
    """Every respondent answers LP1.1 and LP2.1; department sizes as given."""
    depts = depts or {"Surgery": 8, "Medicine": 6, "Lab": 2}
    rows = []
    for dept, size in depts.items():
        for k in range(size):
            for item in ["LP1.1", "LP2.1"]:
                rows.append({"organization": org, "department": dept, "role": ["board", "nursing"][k % 2],
                             "round": round_name, "respondent_id": f"{dept}-{k}", "item_id": item,
                             "leverage_point": item.split(".")[0], "value": 1 + (k + len(dept)) % 5})
    return pd.DataFrame(rows)


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
    return sink.getvalue()


def shown_frames(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


OWN = "Lakeshore University Medical Center"  # the signed-in admin's organization, also in the uploaded file


def test_uploaded_parquet_is_added_and_compared_beside_the_store(app, db_url, sources_dir):
    at = open_compare(app, db_url)
    both = pd.concat([long_frame(), long_frame(org=OWN)], ignore_index=True)
    at.file_uploader(key="compare_upload_0").upload("lakeside.parquet", parquet_bytes(both),
                                                    "application/octet-stream").run()
    no_errors(at)
    at.button[0].click().run()
    no_errors(at)
    assert (sources_dir / "lakeside.parquet").exists()
    assert "Added lakeside.parquet" in at.success[0].value
    sources = shown_frames(at)[0]
    assert set(sources["Source"]) == {"App store", "lakeside.parquet"}
    choices = at.selectbox(key="compare_org").options
    # one's own organization in the file by name; an organization one holds no role in, never by name
    assert f"{OWN} · lakeside.parquet" in choices and any(c.endswith("· App store") for c in choices)
    assert not any(c.startswith("Lakeside") for c in choices)
    at.selectbox(key="compare_org").set_value(("lakeside.parquet", OWN)).run()
    no_errors(at)
    table = shown_frames(at)[-1]
    lab = table[table["unit"] == "Lab"]
    assert (lab["status"] == "below threshold").all() and lab["mean"].isna().all()
    medicine = table[table["unit"] == "Medicine"]  # the next smallest, withheld so Lab cannot be worked out
    assert (medicine["status"] == "withheld (secondary)").all() and medicine["mean"].isna().all()
    surgery = table[table["unit"] == "Surgery"]
    assert surgery["mean"].notna().all()
    at.segmented_control(key="compare_mode").set_value("Organizations").run()
    at.selectbox(key="compare_org_round").set_value("2025").run()
    no_errors(at)
    units = set(shown_frames(at)[-1]["unit"])
    assert f"{OWN} · lakeside.parquet" in units and "Lakeside · lakeside.parquet" not in units


@pytest.mark.parametrize(("frame_change", "message"), [
    (lambda f: f.drop(columns=["respondent_id"]), "missing column(s) respondent_id"),
    (lambda f: f.assign(value=f["value"].astype(str).where(f.index != 3, "lots")), "column 'value' must be a whole"),
    (lambda f: f.assign(value=f["value"].where(f.index != 5, 9)), "found 9 in row 6"),
    (lambda f: f.assign(leverage_point=f["leverage_point"].where(f.index != 0, "LP9")), "LP9"),
])
def test_bad_upload_is_refused_with_a_clear_message_and_changes_nothing(app, db_url, sources_dir, frame_change,
                                                                        message):
    at = open_compare(app, db_url)
    bad = frame_change(long_frame())
    at.file_uploader(key="compare_upload_0").upload("bad.parquet", parquet_bytes(bad), "application/octet-stream").run()
    assert at.error, "a bad upload must be reported"
    text = at.error[0].value
    assert "Nothing added" in text and "bad.parquet" in text and message in text.replace("\\", "")
    assert not [b for b in at.button if b.label.startswith("Add ") and "source" in b.label], \
        "no way to add a refused file"
    assert list(sources_dir.iterdir()) == []
    assert set(shown_frames(at)[0]["Source"]) == {"App store"}


def test_a_bad_file_placed_in_a_folder_source_is_named_and_the_folder_refused(app, db_url, sources_dir, partners):
    folder = sources_dir / "collaborative"
    (folder / "round=2025").mkdir(parents=True)
    good = long_frame().drop(columns=["round"])
    pq.write_table(pa.Table.from_pandas(good, preserve_index=False), folder / "round=2025" / "a.parquet")
    bad = long_frame(org="Hillside").drop(columns=["round"])
    bad.loc[4, "value"] = 0
    pq.write_table(pa.Table.from_pandas(bad, preserve_index=False), folder / "round=2025" / "b.parquet")
    app.switch_page("pages/compare.py")
    at = app.run()
    assert not at.exception
    assert at.error and "collaborative/round=2025/b.parquet" in at.error[0].value.replace("\\", "")
    assert "row 5" in at.error[0].value
    assert "Hillside" not in str(at.selectbox(key="compare_org").options)
    # Fix the file: the folder is read again (its modification time changed) and both organizations appear.
    bad.loc[4, "value"] = 3
    fixed = folder / "round=2025" / "b.parquet"
    pq.write_table(pa.Table.from_pandas(bad, preserve_index=False), fixed)
    later = fixed.stat().st_mtime_ns + 1_000_000_000  # as an edit seconds later would (coarse file-system clocks)
    os.utime(fixed, ns=(later, later))
    at.run()
    no_errors(at)
    assert {"Lakeside · collaborative/", "Hillside · collaborative/"} <= set(at.selectbox(key="compare_org").options)


def test_pooling_small_departments_makes_one_reportable_group(app, db_url, sources_dir, partners):
    frame = long_frame(depts={"Surgery": 9, "Medicine": 7, "Lab": 2, "Pharmacy": 3})
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sources_dir / "pool.parquet")
    at = open_compare(app, db_url)
    at.selectbox(key="compare_org").set_value(("pool.parquet", "Lakeside")).run()
    table = shown_frames(at)[-1]
    assert table.loc[table["unit"].isin(["Lab", "Pharmacy"]), "mean"].isna().all()
    at.text_input[0].input("Small units")
    at.button[0].click().run()  # "Pool small departments" (form submit)
    no_errors(at)
    table = shown_frames(at)[-1]
    pool = table[table["unit"] == "Small units"]
    assert (pool["n"] == 5).all() and pool["mean"].notna().all()
    assert not set(table["unit"]) & {"Lab", "Pharmacy"}
    assert (table["status"] == "ok").all()
    assert any("Lab, Pharmacy" in m.value for m in at.markdown)
    at.button[1].click().run()  # "Stop pooling"
    assert {"Lab", "Pharmacy"} <= set(shown_frames(at)[-1]["unit"])


def test_a_pool_named_like_a_department_is_refused(app, db_url, sources_dir, partners):
    pq.write_table(pa.Table.from_pandas(long_frame(), preserve_index=False), sources_dir / "p.parquet")
    at = open_compare(app, db_url)
    at.selectbox(key="compare_org").set_value(("p.parquet", "Lakeside")).run()
    at.text_input[0].input("Surgery")
    at.button[0].click().run()
    assert any("already the name of a department" in e.value for e in at.error)
    assert "Surgery" in set(shown_frames(at)[-1]["unit"]) and "Lab" in set(shown_frames(at)[-1]["unit"])


def test_empty_store_without_sources_says_how_to_start(app, empty_url, sources_dir):
    app.switch_page("pages/compare.py")
    at = app.run()
    no_errors(at)
    assert any("There is no organization yet" in i.value for i in at.info)  # an empty store: no role to hold yet
    assert not at.get("plotly_chart")


def test_charts_offer_a_png_download_named_after_the_view(app, db_url, sources_dir):
    at = open_compare(app, db_url)
    config = json.loads(at.get("plotly_chart")[0].proto.config)
    assert config["toImageButtonOptions"]["format"] == "png"
    assert config["toImageButtonOptions"]["filename"].endswith("-heat-map")
    tables = [b.label for b in at.get("download_button") if not b.key.startswith("img_")]
    assert tables[:3] == ["CSV", "Excel", "Parquet"]
    images = {b.key: b.label for b in at.get("download_button") if b.key.startswith("img_")}
    assert images == ({"img_compare_heat_png": "PNG", "img_compare_heat_svg": "SVG"} if status().available else {})


def test_departments_from_a_saved_cube_are_those_of_the_new_source(app, db_url, sources_dir, partners, monkeypatch):
    """The first view of a new source (scanned, one organization's row groups read) and the first view of a
    fresh process that finds the saved cube show the same table: the same means, and the same withheld cells."""
    import streamlit as st

    from tests.pages.conftest import signed_in_app

    folder = sources_dir / "collab"
    (folder / "round=2025").mkdir(parents=True)
    lakeside = long_frame(depts={"Surgery": 9, "Medicine": 6, "Lab": 2}).drop(columns=["round"])
    hillside = long_frame(org="Hillside", depts={"Surgery": 7, "Lab": 3}).drop(columns=["round"])
    pq.write_table(pa.Table.from_pandas(pd.concat([lakeside, hillside], ignore_index=True), preserve_index=False),
                   folder / "round=2025" / "part-0.parquet", row_group_size=20)
    at = open_compare(app, db_url)
    at.selectbox(key="compare_org").set_value(("collab/", "Lakeside")).run()
    no_errors(at)
    new_source = shown_frames(at)[-1]
    assert not (sources_dir / ".cache").exists()  # the first view built no full cube
    assert (new_source.loc[new_source["unit"] == "Lab", "status"] == "below threshold").all()
    at.segmented_control(key="compare_mode").set_value("Organizations").run()  # builds and saves the full cube
    no_errors(at)
    assert len(list((sources_dir / ".cache").glob("*.parquet"))) == 2
    st.cache_resource.clear()  # as a fresh server process

    def no_scan(*args):
        raise AssertionError("the saved cube should serve the first view")

    monkeypatch.setattr("ui.compare_data.scan", no_scan)
    again = open_compare(signed_in_app(), db_url)
    again.selectbox(key="compare_org").set_value(("collab/", "Lakeside")).run()
    no_errors(again)
    pd.testing.assert_frame_equal(shown_frames(again)[-1], new_source)
