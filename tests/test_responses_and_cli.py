"""The long response format and the `python -m leverage score` contract.

Each `python -m leverage` start costs ~2 s of imports (pandas, pyarrow, scipy), so the cases marked
SUBPROCESS run as real subprocesses, started together, and the rest call `leverage.cli.main.main`, which
is exactly what `python -m leverage` runs (`sys.exit(main())`), in-process.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from leverage.survey.responses import (
    RESPONSE_COLUMNS,
    ResponseDataError,
    neutralise_formulas,
    normalise_table,
    read_table,
    restore_formulas,
    write_table_atomic,
)

REPO = Path(__file__).resolve().parent.parent
DK = None

# Hand-computed data shared by every good case.
#   North/ED  board   n1: LP1 4, 2 -> 3      LP2 5        -> 5
#   North/ED  board   n2: LP1 5    -> 5      LP2 DK       -> (not counted)
#   North/ICU nursing n3: LP1 1, DK -> 1     LP2 2, 4     -> 3
#   South/Lab nursing s1: LP1 3    -> 3      LP2 3        -> 3
#   South/Lab nursing s2: LP1 2, 3 -> 2.5    LP2 DK, DK   -> (not counted)
PEOPLE = [
    ("North", "ED", "board", "n1", {"LP1.1": 4, "LP1.2": 2, "LP2.1": 5}),
    ("North", "ED", "board", "n2", {"LP1.1": 5, "LP2.1": DK}),
    ("North", "ICU", "nursing", "n3", {"LP1.1": 1, "LP1.2": DK, "LP2.1": 2, "LP2.2": 4}),
    ("South", "Lab", "nursing", "s1", {"LP1.1": 3, "LP2.1": 3}),
    ("South", "Lab", "nursing", "s2", {"LP1.1": 2, "LP1.2": 3, "LP2.1": DK, "LP2.2": DK}),
]


def long_frame(people=PEOPLE) -> pd.DataFrame:
    rows = [(org, dep, role, "2026", rid, item, item.split(".")[0], value)
            for org, dep, role, rid, answers in people for item, value in answers.items()]
    out = pd.DataFrame(rows, columns=list(RESPONSE_COLUMNS))
    out["value"] = out["value"].astype("Int64")
    return out


def with_value(value, dtype: str) -> pd.DataFrame:
    """The good data with the value of its third row replaced (don't know stays null)."""
    out = long_frame()
    values = [None if pd.isna(v) else v for v in out["value"]]
    values[2] = value
    out["value"] = pd.array(values, dtype=dtype)
    return out


@dataclass
class Case:
    args: list[str]
    out: Path | None
    subprocess: bool = False
    proc: subprocess.Popen | None = None
    result: subprocess.CompletedProcess | None = None


def start_cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "leverage", *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def run_in_process(args: list[str]) -> subprocess.CompletedProcess:
    from leverage.cli.main import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse's own errors and --help
            code = exc.code
    return subprocess.CompletedProcess(args, code, stdout.getvalue(), stderr.getvalue())


class Batch:
    """CLI runs: the subprocess ones start at once; `result(name)` waits for (or runs) one."""

    def __init__(self, cases: dict[str, Case]) -> None:
        self.cases = cases
        for case in cases.values():
            if case.subprocess:
                case.proc = start_cli(*case.args)

    def result(self, name: str) -> tuple[subprocess.CompletedProcess, Path | None]:
        case = self.cases[name]
        if case.result is None:
            if case.subprocess:
                stdout, stderr = case.proc.communicate(timeout=120)
                case.result = subprocess.CompletedProcess(case.proc.args, case.proc.returncode, stdout, stderr)
            else:
                case.result = run_in_process(case.args)
        return case.result, case.out

    def close(self) -> None:
        for case in self.cases.values():
            if case.proc is not None:
                if case.proc.poll() is None:
                    case.proc.kill()
                case.proc.communicate()


#: Cases run as real `python -m leverage` subprocesses (the others run leverage.cli.main.main in-process).
SUBPROCESS = {"help", "file-by-role", "hive-by-org", "value-6"}

BAD_CASES = {
    # name: (how to make the input, words the message must contain)
    "missing-column": (lambda p: long_frame().drop(columns=["role"]).to_parquet(p), ["missing column(s) role"]),
    "value-6": (lambda p: with_value(6, "Int64").to_parquet(p), ["column 'value'", "found 6 in row 3"]),
    "value-0": (lambda p: with_value(0, "Int64").to_parquet(p), ["column 'value'", "found 0 in row 3"]),
    "value-2.5": (lambda p: with_value(2.5, "Float64").to_parquet(p), ["column 'value'", "found 2.5 in row 3"]),
    "value-text": (lambda p: with_value("abc", "string").to_parquet(p),
                   ["column 'value'", "found 'abc' in row 3"]),
    "point-LP8": (lambda p: long_frame().assign(leverage_point=lambda f: f["leverage_point"].where(
        f.index != 4, "LP8")).to_parquet(p), ["column 'leverage_point'", "found 'LP8' in row 5"]),
    "garbage-bytes": (lambda p: p.write_bytes(b"PAR1" + bytes(range(256)) * 4), ["cannot read the file"]),
    "nonexistent": (lambda p: None, ["no such file or directory"]),
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("score-inputs")
    paths = {"file": root / "responses.parquet", "hive": root / "hive"}
    long_frame().to_parquet(paths["file"], index=False)
    ds.write_dataset(pa.Table.from_pandas(long_frame(), preserve_index=False), paths["hive"], format="parquet",
                     partitioning=["organization"], partitioning_flavor="hive")
    for name, (make, _) in BAD_CASES.items():
        paths[name] = root / f"{name}.parquet"
        make(paths[name])
    return paths


@pytest.fixture(scope="module")
def batch(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("score-out")
    cases = {
        "help": Case(["--help"], None),
        "file-by-role": Case(["score", str(inputs["file"]), "--by", "role", "--min-n", "2",
                              "--out", str(out / "by-role.csv")], out / "by-role.csv"),
        "one-group": Case(["score", str(inputs["file"]), "--by", "", "--min-n", "1",
                           "--out", str(out / "one.parquet")], out / "one.parquet"),
        "hive-by-org": Case(["score", str(inputs["hive"]), "--by", "organization", "--min-n", "2",
                             "--out", str(out / "org.parquet")], out / "org.parquet"),
        "hive-by-org-role": Case(["score", str(inputs["hive"]), "--by", "organization,role", "--min-n", "1",
                                  "--out", str(out / "org-role.csv")], out / "org-role.csv"),
        "default-min-n": Case(["score", str(inputs["file"]), "--out", str(out / "default.csv")],
                              out / "default.csv"),
        "bad-by": Case(["score", str(inputs["file"]), "--by", "organization,ward", "--out", str(out / "bad-by.csv")],
                       out / "bad-by.csv"),
        "out-txt": Case(["score", str(inputs["file"]), "--out", str(out / "scores.txt")], out / "scores.txt"),
    }
    for name in BAD_CASES:
        target = out / name / "scores.csv"
        target.parent.mkdir()
        cases[name] = Case(["score", str(inputs[name]), "--out", str(target)], target)
    for name, case in cases.items():
        case.subprocess = name in SUBPROCESS
    running = Batch(cases)
    yield running
    running.close()


def read_out(path: Path) -> pd.DataFrame:
    return pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with NaN turned into None, for exact comparison."""
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


def ok(batch: Batch, name: str) -> pd.DataFrame:
    result, out = batch.result(name)
    assert result.returncode == 0, result.stderr
    assert out.is_file()
    assert [p.name for p in out.parent.iterdir() if p.name.endswith(".tmp")] == []
    return read_out(out)


def test_help_lists_the_commands(batch):
    result, _ = batch.result("help")
    assert result.returncode == 0, result.stderr
    for command in ("demo", "score", "import", "export"):
        assert f"\n    {command} " in result.stdout, command


def test_score_one_parquet_file_by_role_to_csv(batch):
    # Each organization × round is one release, decided once at min-n 2 whatever --by asks for:
    # North: board (n1, n2; LP2 only n1) and nursing (n3) are below 2 in some point, so both are withheld
    #   for every point. Publishing board's LP1 (n 2, mean 4) would give nursing's single LP1 answer against
    #   North's total (--by organization: n 3, mean 3): 9 - 8 = 1.
    # South: its only group is its total, below 2 in LP2: withheld.
    # A role spans both releases: it adds up its published parts only (here none), keeping its full n.
    frame = ok(batch, "file-by-role")
    assert list(frame.columns) == ["role", "leverage_point", "n_respondents", "mean", "sd", "suppressed"]
    assert records(frame) == [
        {"role": "board", "leverage_point": "LP1", "n_respondents": 2, "mean": None, "sd": None, "suppressed": True},
        {"role": "board", "leverage_point": "LP2", "n_respondents": 1, "mean": None, "sd": None, "suppressed": True},
        {"role": "nursing", "leverage_point": "LP1", "n_respondents": 3, "mean": None, "sd": None,
         "suppressed": True},
        {"role": "nursing", "leverage_point": "LP2", "n_respondents": 2, "mean": None, "sd": None,
         "suppressed": True},
    ]


def test_score_one_group_to_parquet(batch):
    # LP1: 3, 5, 1, 3, 2.5 -> n 5, mean 14.5/5 = 2.9,
    #      sd = sqrt((0.1^2 + 2.1^2 + 1.9^2 + 0.1^2 + 0.4^2)/4) = sqrt(8.2/4) = sqrt(2.05)
    # LP2: 5, 3, 3 -> n 3, mean 11/3, sd = sqrt(((4/3)^2 + 2 (2/3)^2)/2) = sqrt(4/3)
    frame = ok(batch, "one-group")
    assert list(frame.columns) == ["leverage_point", "n_respondents", "mean", "sd", "suppressed"]
    assert str(frame["n_respondents"].dtype) == "int64" and str(frame["suppressed"].dtype) == "bool"
    assert records(frame) == [
        {"leverage_point": "LP1", "n_respondents": 5, "mean": pytest.approx(2.9), "sd": pytest.approx(math.sqrt(2.05)),
         "suppressed": False},
        {"leverage_point": "LP2", "n_respondents": 3, "mean": pytest.approx(11 / 3),
         "sd": pytest.approx(math.sqrt(4 / 3)), "suppressed": False},
    ]


def test_score_hive_partitioned_folder_by_organization(batch, inputs):
    assert sorted(p.name for p in inputs["hive"].iterdir()) == ["organization=North", "organization=South"]
    # North LP1: 3, 5, 1 -> mean 3, sd sqrt((0+4+4)/2) = 2;   North LP2: 5, 3 -> mean 4, sd sqrt(2)
    # South LP1: 3, 2.5 -> mean 2.75, sd sqrt((0.25^2 + 0.25^2)/1) = sqrt(0.125);   South LP2: 3 (n 1) withheld
    frame = ok(batch, "hive-by-org")
    assert list(frame.columns) == ["organization", "leverage_point", "n_respondents", "mean", "sd", "suppressed"]
    assert records(frame) == [
        {"organization": "North", "leverage_point": "LP1", "n_respondents": 3, "mean": 3.0, "sd": pytest.approx(2.0),
         "suppressed": False},
        {"organization": "North", "leverage_point": "LP2", "n_respondents": 2, "mean": 4.0,
         "sd": pytest.approx(math.sqrt(2)), "suppressed": False},
        # South's total is below 2 in LP2, so South is withheld for every point (LP1 against Overall or
        # the other points would give LP2 back).
        {"organization": "South", "leverage_point": "LP1", "n_respondents": 2, "mean": None, "sd": None,
         "suppressed": True},
        {"organization": "South", "leverage_point": "LP2", "n_respondents": 1, "mean": None, "sd": None,
         "suppressed": True},
    ]


def test_score_by_organization_and_role(batch):
    # min-n 1: every group reported; sd null where n = 1.
    frame = ok(batch, "hive-by-org-role")
    assert list(frame.columns) == ["organization", "role", "leverage_point", "n_respondents", "mean", "sd",
                                   "suppressed"]
    assert records(frame) == [
        {"organization": "North", "role": "board", "leverage_point": "LP1", "n_respondents": 2, "mean": 4.0,
         "sd": pytest.approx(math.sqrt(2)), "suppressed": False},  # n1 3, n2 5
        {"organization": "North", "role": "board", "leverage_point": "LP2", "n_respondents": 1, "mean": 5.0,
         "sd": None, "suppressed": False},  # n1 5 (n2 don't know)
        {"organization": "North", "role": "nursing", "leverage_point": "LP1", "n_respondents": 1, "mean": 1.0,
         "sd": None, "suppressed": False},  # n3 1
        {"organization": "North", "role": "nursing", "leverage_point": "LP2", "n_respondents": 1, "mean": 3.0,
         "sd": None, "suppressed": False},  # n3 (2+4)/2
        {"organization": "South", "role": "nursing", "leverage_point": "LP1", "n_respondents": 2, "mean": 2.75,
         "sd": pytest.approx(math.sqrt(0.125)), "suppressed": False},  # s1 3, s2 2.5
        {"organization": "South", "role": "nursing", "leverage_point": "LP2", "n_respondents": 1, "mean": 3.0,
         "sd": None, "suppressed": False},  # s1 3 (s2 don't know only)
    ]


def test_score_default_threshold_is_five(batch):
    # One group across two releases (North, South), each below 5: the group adds up published releases
    # only, so it is withheld with its full n (LP1 5, LP2 3); published, North's and South's totals
    # could be had from it and the other's.
    frame = ok(batch, "default-min-n")
    assert records(frame) == [
        {"leverage_point": "LP1", "n_respondents": 5, "mean": None, "sd": None, "suppressed": True},
        {"leverage_point": "LP2", "n_respondents": 3, "mean": None, "sd": None, "suppressed": True},
    ]


@pytest.mark.parametrize("name, words", [
    *[pytest.param(name, words, id=name) for name, (_, words) in BAD_CASES.items()],
    pytest.param("bad-by", ["--by: cannot group by ward"], id="bad-by"),
    pytest.param("out-txt", ["--out:", "must end in .parquet or .csv"], id="out-txt"),
])
def test_score_refuses_bad_input(batch, inputs, name, words):
    result, out = batch.result(name)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("leverage: error: ")
    for word in words:
        assert word in result.stderr
    if name in BAD_CASES:
        assert str(inputs[name]) in result.stderr  # the message names the file
        assert list(out.parent.iterdir()) == []  # no output, no temporary file
    assert not out.exists()
    assert "Traceback" not in result.stderr


# --- the response format, in-process ------------------------------------------------------------------


def test_read_table_reads_only_the_columns_asked_for(tmp_path):
    path = tmp_path / "wide.parquet"
    long_frame().assign(extra=1).to_parquet(path)
    table = read_table(path, list(RESPONSE_COLUMNS))
    assert table.column_names == list(RESPONSE_COLUMNS)
    assert table.num_rows == len(long_frame())


def test_read_table_reads_csv_as_text(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("organization,department,role,round,respondent_id,item_id,leverage_point,value\n"
                    "North,,board,2026,007,LP1.1,LP1,\nNorth,ED,board,2026,007,LP1.2,LP1,4\n", encoding="utf-8")
    table = normalise_table(read_table(path), "r.csv")
    assert table.column("respondent_id").to_pylist() == ["007", "007"]  # leading zeros kept
    assert table.column("department").to_pylist() == [None, "ED"]
    assert table.column("value").to_pylist() == [None, 4]
    assert table.column("value").type == pa.int8()


def test_normalise_accepts_text_values_and_dictionary_columns():
    frame = long_frame()
    frame["value"] = frame["value"].astype("string")
    frame["organization"] = frame["organization"].astype("category")
    table = normalise_table(pa.Table.from_pandas(frame, preserve_index=False), "x")
    assert table.column("value").to_pylist() == long_frame()["value"].astype(object).where(
        long_frame()["value"].notna(), None).tolist()
    assert table.schema.field("organization").type in (pa.string(), pa.large_string())  # not a dictionary
    assert table.column("organization").to_pylist() == long_frame()["organization"].tolist()


@pytest.mark.parametrize("column, bad, message", [
    ("role", "", "column 'role' is empty in row 4"),
    ("respondent_id", "", "column 'respondent_id' is empty in row 4"),
    ("leverage_point", None, "column 'leverage_point' is empty in row 4"),
    ("value", -1, "found -1 in row 4"),
    ("value", True, "column 'value' must be numeric"),
])
def test_normalise_names_the_column_and_row(column, bad, message):
    frame = long_frame()
    if column == "value" and isinstance(bad, bool):
        frame["value"] = True
    else:
        frame[column] = frame[column].astype(object)
        frame.loc[3, column] = bad
    with pytest.raises(ResponseDataError) as info:
        normalise_table(pa.Table.from_pandas(frame, preserve_index=False), "in.parquet")
    assert str(info.value).startswith("in.parquet: ")
    assert message in str(info.value)


@pytest.mark.parametrize("column", ["organization", "role", "round", "respondent_id", "item_id"])
def test_a_missing_required_text_is_refused(column):
    frame = long_frame()
    frame[column] = frame[column].astype(object)
    frame.loc[3, column] = None
    with pytest.raises(ResponseDataError) as info:
        normalise_table(pa.Table.from_pandas(frame, preserve_index=False), "in.parquet")
    assert f"column {column!r} is empty in row 4" in str(info.value)


def test_many_bad_rows_are_summarised():
    frame = long_frame()
    frame["value"] = 9
    with pytest.raises(ResponseDataError, match=r"found 9 in rows 1, 2, 3, 4, 5 and 10 more"):
        normalise_table(pa.Table.from_pandas(frame, preserve_index=False), "x")


def test_formula_neutralising_round_trips():
    frame = pd.DataFrame({"department": ["=HYPERLINK(1)", "+1", "-x", "@SUM", "Surgery", "'quoted", "\tx"],
                          "value": [1, 2, 3, 4, 5, 1, 2]})
    out = neutralise_formulas(frame)
    assert out["department"].tolist() == ["'=HYPERLINK(1)", "'+1", "'-x", "'@SUM", "Surgery", "'quoted", "'\tx"]
    assert out["value"].tolist() == [1, 2, 3, 4, 5, 1, 2]
    assert restore_formulas(out)["department"].tolist() == frame["department"].tolist()


def test_write_table_atomic_refuses_other_suffixes_and_leaves_nothing(tmp_path):
    with pytest.raises(ValueError, match="must end in .parquet or .csv"):
        write_table_atomic(long_frame(), tmp_path / "x.txt")
    assert os.listdir(tmp_path) == []
    write_table_atomic(long_frame(), tmp_path / "sub" / "x.parquet")
    assert os.listdir(tmp_path / "sub") == ["x.parquet"]
    back = pd.read_parquet(tmp_path / "sub" / "x.parquet")
    pd.testing.assert_frame_equal(back, long_frame(), check_dtype=False)


@pytest.mark.parametrize(("values", "message"), [
    ([1, 5, None, 3], None),  # whole numbers in range: one min/max pass, no float round trip
    ([None, None, None, None], None),  # all "don't know"
    ([1, 6, 2, 0], "found 6 in rows 2, 4"),
    ([-3, 2, 2, 2], "found -3 in row 1"),
])
def test_integer_values_are_checked_by_their_extremes(values, message):
    import pyarrow as pa

    from leverage.survey.responses import RESPONSE_COLUMNS, ResponseDataError, normalise_table

    table = pa.table({**{c: pa.array(["x"] * 4) for c in RESPONSE_COLUMNS if c not in ("value", "leverage_point")},
                      "leverage_point": pa.array(["LP1"] * 4), "value": pa.array(values, pa.int64())})
    if message is None:
        out = normalise_table(table, "t.parquet")
        assert out.column("value").type == pa.int8() and out.column("value").to_pylist() == values
    else:
        with pytest.raises(ResponseDataError, match=f"t.parquet: column 'value' must be a whole number 1–5 or empty "
                                                    f".*{message}"):
            normalise_table(table, "t.parquet")
