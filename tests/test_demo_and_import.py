"""Demo data (deterministic, plausible, loaded only into an empty store) and file imports/exports."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from leverage.core.database import StoreError
from leverage.core.settings import DEFAULT_ROLES, Settings, load_settings
from leverage.demo import survey as demo
from leverage.demo.loader import ensure_demo, load_demo
from leverage.survey.imports import check_responses, import_responses
from leverage.survey.instrument import default_instrument
from leverage.survey.responses import RESPONSE_COLUMNS
from leverage.survey.scoring import point_scores
from leverage.survey.store import Store

REPO = Path(__file__).resolve().parent.parent
ROLES = [key for key, _ in DEFAULT_ROLES]
INSTRUMENT = default_instrument()
HEADER = ",".join(RESPONSE_COLUMNS)


@pytest.fixture(scope="module")
def demo_tables() -> dict[str, pd.DataFrame]:
    return demo.generate()


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    demo.write(out)
    return out


@pytest.fixture
def sqlite_store(tmp_path):
    s = Store(f"sqlite:///{tmp_path}/store.db")
    yield s
    s.dispose()


@pytest.fixture
def demo_from(monkeypatch, demo_dir):
    """Point the demo loader at the module's demo files, never at the repository's data/demo."""
    monkeypatch.setattr(demo, "DEMO_DIR", demo_dir)
    return demo_dir


# --- demo data -----------------------------------------------------------------------------------------


def test_demo_is_deterministic(demo_tables):
    again = demo.generate()
    assert set(again) == {"responses", "rounds", "departments", "plans"}
    for name, frame in demo_tables.items():
        pd.testing.assert_frame_equal(again[name], frame, check_exact=True)
    other_seed = demo.generate(seed=demo.SEED + 1)["responses"]
    assert not other_seed["value"].equals(demo_tables["responses"]["value"])


def test_demo_files_are_identical_when_written_twice(demo_dir, tmp_path):
    paths = demo.write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in demo_dir.iterdir()) == [
        "departments.parquet", "plans.parquet", "responses.parquet", "rounds.parquet"]
    for name, path in paths.items():
        assert path.read_bytes() == (demo_dir / path.name).read_bytes(), name


def test_demo_read_returns_what_was_written(demo_dir, demo_tables):
    read = demo.read(demo_dir)
    pd.testing.assert_frame_equal(read["responses"], demo_tables["responses"])


def test_demo_shape(demo_tables):
    responses, rounds, departments = demo_tables["responses"], demo_tables["rounds"], demo_tables["departments"]
    assert list(responses.columns) == list(RESPONSE_COLUMNS)
    orgs = sorted(responses["organization"].unique())
    assert len(orgs) >= 3
    per_org = departments.groupby("organization")["department"].nunique()
    assert per_org.between(5, 8).all(), per_org.to_dict()
    assert set(per_org.index) == set(orgs)
    used = responses[["organization", "department"]].drop_duplicates()
    assert used.merge(departments, how="left", indicator=True)["_merge"].eq("both").all()
    assert (rounds.groupby("organization")["round"].nunique() == 3).all()
    assert responses.groupby("organization")["round"].nunique().eq(3).all()
    roles = responses.groupby(["organization", "round"])["role"].agg(lambda s: sorted(set(s)))
    assert len(roles) == 3 * len(orgs)
    assert all(r == sorted(ROLES) for r in roles), roles.to_dict()
    n = len(responses[["organization", "round", "respondent_id"]].drop_duplicates())
    assert 550 <= n <= 650
    assert responses["respondent_id"].nunique() == n  # ids are unique across the dataset


def test_demo_values_and_items(demo_tables):
    responses = demo_tables["responses"]
    assert pd.api.types.is_integer_dtype(responses["value"])
    scored = responses["value"].dropna()
    assert scored.between(1, 5).all() and set(scored.unique()) == {1, 2, 3, 4, 5}
    assert 0 < responses["value"].isna().mean() < 0.15  # some don't know, not many
    item_point = INSTRUMENT.item_point()
    assert (responses["item_id"].map(item_point) == responses["leverage_point"]).all()
    per_person = responses.groupby(["organization", "round", "respondent_id"])["item_id"].agg(["count", "nunique"])
    assert (per_person["count"] == len(INSTRUMENT.items)).all()
    assert (per_person["nunique"] == len(INSTRUMENT.items)).all()


def test_demo_rounds_show_change(demo_tables):
    # Every organization's overall mean rises from the first to the last round (the generator's gains are >= 0).
    responses = demo_tables["responses"]
    order = [name for name, _, _ in demo.ROUNDS]
    means = responses.groupby(["organization", "round"])["value"].mean().unstack()[order]
    assert (means[order[-1]] > means[order[0]]).all(), means


def test_demo_plans_are_one_or_two_measures(demo_tables):
    plans = demo_tables["plans"]
    assert len(plans) > 0 and set(plans["kind"]) == {"measure"}
    per_person = plans.groupby(["organization", "round", "respondent_id"]).size()
    assert per_person.between(1, 2).all()


# --- loading the demo ----------------------------------------------------------------------------------


def test_ensure_demo_loads_into_an_empty_embedded_store(sqlite_store, demo_from, demo_tables):
    settings = load_settings({})
    assert settings.load_demo == "auto" and settings.is_embedded
    report = ensure_demo(sqlite_store, settings)
    responses = demo_tables["responses"]
    assert report is not None
    assert report.respondents == len(responses[["organization", "round", "respondent_id"]].drop_duplicates())
    assert report.answers == len(responses)
    assert report.organizations == responses["organization"].nunique()
    assert report.departments == len(demo_tables["departments"])
    assert sqlite_store.get_meta(demo.DEMO_META_KEY) is not None
    stored = sqlite_store.responses()
    assert len(stored) == len(responses)
    # Round dates come from the demo, so the last (open) round is still taking answers.
    org_id = int(sqlite_store.list_organizations()["id"].iloc[0])
    rounds = sqlite_store.list_rounds(org_id)
    assert rounds["name"].tolist() == [name for name, _, _ in demo.ROUNDS]
    assert rounds["closes_on"].tolist()[-1] is None
    # The stored data scores the same as the generated data.
    pd.testing.assert_frame_equal(point_scores(stored, ["organization", "round"]),
                                  point_scores(responses, ["organization", "round"]))
    revision = sqlite_store.revision()
    assert ensure_demo(sqlite_store, settings) is None  # second start: nothing more
    assert sqlite_store.revision() == revision and len(sqlite_store.responses()) == len(responses)


@pytest.mark.parametrize("load_demo_setting", ["auto", "always"])
def test_ensure_demo_never_loads_over_real_data(sqlite_store, demo_from, load_demo_setting):
    sqlite_store.add_organization("Our Hospital")
    revision = sqlite_store.revision()
    assert ensure_demo(sqlite_store, Settings(load_demo=load_demo_setting)) is None
    assert sqlite_store.list_organizations()["name"].tolist() == ["Our Hospital"]
    assert sqlite_store.revision() == revision
    with pytest.raises(StoreError, match="only loaded into an empty store"):
        load_demo(sqlite_store, Settings())


def test_ensure_demo_never_when_told_not_to(sqlite_store, demo_from):
    assert ensure_demo(sqlite_store, load_settings({"LEVERAGE_LOAD_DEMO": "never"})) is None
    assert sqlite_store.is_empty() and sqlite_store.revision() == 0


def test_ensure_demo_auto_skips_a_server_database(sqlite_store, demo_from):
    # "auto" loads only when the configured store is the embedded SQLite file.
    settings = Settings(database_url="postgresql+psycopg://someone@db.example/leverage")
    assert ensure_demo(sqlite_store, settings) is None
    assert sqlite_store.is_empty()


# --- checking and importing files ----------------------------------------------------------------------


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_check_lists_every_problem_and_imports_nothing(sqlite_store, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [
        "North,ED,board,2026,r1,LP1.1,LP1,3",       # 1 ok
        "North,ED,janitor,2026,r2,LP1.1,LP1,3",     # 2 unknown role
        "North,ED,board,2026,r3,LP9.9,LP1,3",       # 3 item not in the instrument
        "North,ED,board,2026,r4,LP1.1,LP2,3",       # 4 item belongs to LP1, not LP2
        "North,ED,board,2026,r5,LP1.1,LP1,4",       # 5 r5 as board ...
        "North,ED,nursing,2026,r5,LP1.2,LP1,4",     # 6 ... and as nursing
    ])
    check = check_responses(path, sqlite_store, load_settings({}))
    assert not check.ok
    found = [(p.row, p.column) for p in check.problems]
    assert found == [(2, "role"), (3, "item_id"), (4, "leverage_point"), (5, "respondent_id")]
    messages = [str(p) for p in check.problems]
    assert messages[0].startswith("row 2, column 'role': 'janitor' is not a configured role")
    assert messages[1].startswith("row 3, column 'item_id': 'LP9.9' is not an item of instrument seven-leverage-points")
    assert messages[2] == "row 4, column 'leverage_point': item LP1.1 belongs to LP1, not LP2"
    assert "respondent 'r5' in North / 2026 has more than one role or department (rows 5, 6)" in messages[3]
    with pytest.raises(StoreError, match="not imported"):
        import_responses(check, sqlite_store)
    assert sqlite_store.is_empty() and sqlite_store.revision() == 0


def test_a_respondent_with_two_roles_is_reported_with_its_rows(sqlite_store, tmp_path):
    path = write_csv(tmp_path / "two-roles.csv", ["North,ED,board,2026,r5,LP1.1,LP1,4",
                                                  "North,ED,nursing,2026,r5,LP1.2,LP1,4"])
    problems = check_responses(path, sqlite_store, load_settings({})).problems
    assert len(problems) == 1 and problems[0].row is not None


def test_check_reports_format_problems_and_twice_answered_items(sqlite_store, tmp_path):
    same_item = write_csv(tmp_path / "twice.csv", ["North,ED,board,2026,r1,LP1.1,LP1,3",
                                                   "North,ED,board,2026,r1,LP1.1,LP1,4"])
    problems = check_responses(same_item, sqlite_store, load_settings({})).problems
    assert [(p.row, p.column, p.message) for p in problems] == [
        (2, "item_id", "the same respondent answers this item twice")]
    bad_value = write_csv(tmp_path / "value.csv", ["North,ED,board,2026,r1,LP1.1,LP1,3",
                                                   "North,ED,board,2026,r1,LP1.2,LP1,seven"])
    problems = check_responses(bad_value, sqlite_store, load_settings({})).problems
    assert len(problems) == 1 and "found 'seven' in row 2" in str(problems[0])
    empty = write_csv(tmp_path / "empty.csv", [])
    assert "the file has no rows" in str(check_responses(empty, sqlite_store, load_settings({})).problems[0])
    missing = check_responses(tmp_path / "nope.csv", sqlite_store, load_settings({}))
    assert not missing.ok and "no such file or directory" in str(missing.problems[0])


def test_check_uses_the_configured_roles(sqlite_store, tmp_path):
    path = write_csv(tmp_path / "roles.csv", ["North,ED,trustee,2026,r1,LP1.1,LP1,3"])
    assert not check_responses(path, sqlite_store, load_settings({})).ok
    assert check_responses(path, sqlite_store, load_settings({"LEVERAGE_ROLES": "trustee=Trustee"})).ok


GOOD_ROWS = [
    # organization, department, role, round, respondent, item, point, value ("" = don't know)
    "North,Emergency,board,2026,n1,LP1.1,LP1,4",
    "North,Emergency,board,2026,n1,LP1.2,LP1,2",
    "North,Emergency,board,2026,n1,LP2.1,LP2,",
    "North,=HYPERLINK(1),nursing,2026,n2,LP1.1,LP1,5",
    "North,=HYPERLINK(1),nursing,2026,n2,LP2.1,LP2,3",
    "North,,physician,2026,n3,LP1.1,LP1,1",
    "North,,physician,2026,n3,LP2.1,LP2,2",
    "South,Lab,manager,2025,s1,LP1.1,LP1,3",
    "South,Lab,manager,2025,s1,LP7.1,LP7,",
]


def start_export(db: Path, out: Path, *extra: str) -> subprocess.Popen:
    """`python -m leverage export` against the SQLite file `db`, chosen by LEVERAGE_DATABASE_URL."""
    env = {**os.environ, "LEVERAGE_DATABASE_URL": f"sqlite:///{db}"}
    return subprocess.Popen([sys.executable, "-m", "leverage", "export", "--out", str(out), *extra], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A store filled from a good CSV, and its responses exported by the CLI as CSV and parquet."""
    root = tmp_path_factory.mktemp("roundtrip")
    source = write_csv(root / "good.csv", GOOD_ROWS)
    db = root / "source.db"
    store = Store(f"sqlite:///{db}")
    check = check_responses(source, store, load_settings({}))
    report = import_responses(check, store)
    original = store.responses()
    store.dispose()
    # The exports run at once (each interpreter start costs ~2 s of imports).
    procs = {
        ".csv": start_export(db, root / "export.csv"),
        ".parquet": start_export(db, root / "export.parquet"),
        "south": start_export(db, root / "south.csv", "--organization", "South", "--round", "2025"),
        "nowhere": start_export(db, root / "nowhere.csv", "--organization", "Nowhere"),
    }
    results = {name: (proc.communicate(timeout=120), proc.returncode) for name, proc in procs.items()}
    return {"check": check, "report": report, "original": original, "root": root, "db": db, "results": results}


def test_a_good_csv_imports(exported):
    check, report = exported["check"], exported["report"]
    assert check.ok and check.problems == []
    assert check.summary() == {"rows": 9, "organizations": 2, "rounds": 2, "respondents": 4, "don't know": 2}
    assert (report.organizations, report.rounds, report.departments, report.respondents, report.answers) == \
        (2, 2, 3, 4, 9)
    original = exported["original"]
    assert len(original) == 9
    assert original["value"].isna().sum() == 2
    n3 = original[original["respondent_id"] == "n3"]
    assert n3["department"].isna().all()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_and_reimport_give_the_same_data_and_scores(exported, tmp_path, suffix):
    (stdout, stderr), code = exported["results"][suffix]
    assert code == 0, stderr
    assert f"wrote 9 answers to {exported['root'] / f'export{suffix}'}" in stderr
    fresh = Store(f"sqlite:///{tmp_path}/fresh.db")
    try:
        check = check_responses(exported["root"] / f"export{suffix}", fresh, load_settings({}))
        assert check.ok, [str(p) for p in check.problems]
        import_responses(check, fresh)
        again = fresh.responses()
    finally:
        fresh.dispose()
    original = exported["original"]
    key = ["organization", "round", "respondent_id", "item_id"]
    a = original.sort_values(key).reset_index(drop=True)
    b = again.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    for by in (["organization", "round"], ["department"], ["role"]):
        pd.testing.assert_frame_equal(point_scores(a, by, min_n=1), point_scores(b, by, min_n=1))
    # North LP1: n1 (4+2)/2 = 3, n2 5, n3 1 -> mean 3, n 3
    lp1 = point_scores(b, ["organization"], min_n=1).set_index(["organization", "leverage_point"]).loc[("North", "LP1")]
    assert lp1["n_respondents"] == 3 and lp1["mean"] == 3.0


def test_csv_export_neutralises_formulas(exported):
    text = (exported["root"] / "export.csv").read_text(encoding="utf-8")
    cells = [row for row in csv.reader(io.StringIO(text))]
    assert cells[0] == list(RESPONSE_COLUMNS)
    departments = {row[1] for row in cells[1:]}
    assert departments == {"Emergency", "'=HYPERLINK(1)", "", "Lab"}
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in cells for cell in row)


def test_csv_import_restores_neutralised_formulas(exported, tmp_path):
    fresh = Store(f"sqlite:///{tmp_path}/fresh.db")
    try:
        import_responses(check_responses(exported["root"] / "export.csv", fresh, load_settings({})), fresh)
        north = int(fresh.list_organizations().set_index("name").loc["North", "id"])
        assert fresh.list_departments(north)["name"].tolist() == ["=HYPERLINK(1)", "Emergency"]
    finally:
        fresh.dispose()


def test_reimporting_into_the_same_store_is_refused(exported, tmp_path):
    store = Store(f"sqlite:///{exported['db']}")
    try:
        revision = store.revision()
        check = check_responses(exported["root"] / "export.parquet", store, load_settings({}))
        assert check.ok
        with pytest.raises(StoreError, match="4 respondent id\\(s\\) are already stored"):
            import_responses(check, store)
        assert store.revision() == revision and len(store.responses()) == 9
    finally:
        store.dispose()


def test_export_filters_and_refuses_unknown_names(exported):
    (_, stderr), code = exported["results"]["south"]
    assert code == 0, stderr
    south = pd.read_csv(exported["root"] / "south.csv", dtype=str, keep_default_na=False)
    assert set(south["organization"]) == {"South"} and set(south["round"]) == {"2025"} and len(south) == 2
    (_, stderr), code = exported["results"]["nowhere"]
    assert code == 2 and "--organization: no organization called 'Nowhere'" in stderr
    assert not (exported["root"] / "nowhere.csv").exists()


def test_an_empty_respondent_id_is_a_problem(sqlite_store, tmp_path):
    path = write_csv(tmp_path / "no-id.csv", ["North,ED,board,2026,,LP1.1,LP1,3",
                                              "North,ED,board,2026,,LP1.2,LP1,4"])
    check = check_responses(path, sqlite_store, load_settings({}))
    assert not check.ok
    assert "column 'respondent_id' is empty in rows 1, 2" in str(check.problems[0])


def test_check_upload_reads_bytes_by_file_name_and_refuses_other_types(sqlite_store):
    from leverage.survey.imports import check_upload

    csv = (b"organization,department,role,round,respondent_id,item_id,leverage_point,value\n"
           b"North,ED,board,2026,r1,LP1.1,LP1,3\n")
    assert check_upload(csv, "ok.csv", sqlite_store, load_settings({})).ok
    refused = check_upload(csv, "notes.txt", sqlite_store, load_settings({}))
    assert not refused.ok and str(refused.problems[0]) == "notes.txt: upload a .parquet or .csv file"
