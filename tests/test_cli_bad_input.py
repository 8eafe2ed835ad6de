"""Every command on bad input: empty, malformed, conflicting or too large. Each answers with one line that
names the problem, exit code 2, no traceback, and writes nothing (no output file, no change in the store).

Most cases call `leverage.cli.main.main` in-process (what `python -m leverage` runs); two run as real
subprocesses to show that nothing else (a warning, a traceback) reaches the terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leverage.cli.main import main
from leverage.survey.store import Store
from tests.test_responses_and_cli import long_frame

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Inputs of every kind in tmp_path, which is also the working directory; an empty store."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEVERAGE_DATABASE_URL", f"sqlite:///{tmp_path}/store.db")
    for key in ("LEVERAGE_MAX_UPLOAD_MB", "LEVERAGE_MIN_N", "LEVERAGE_DEBUG"):
        monkeypatch.delenv(key, raising=False)
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header_only.csv").write_text(",".join(long_frame().columns) + "\n")
    (tmp_path / "garbage.parquet").write_bytes(b"PAR1 this is not parquet")
    (tmp_path / "garbage.xlsx").write_bytes(b"not a workbook")
    (tmp_path / "notes.json").write_text('{"a": 1}')
    long_frame().to_csv(tmp_path / "good.csv", index=False)
    long_frame().to_parquet(tmp_path / "good.parquet")
    # Over a 1 MB limit: the size is checked before a byte is parsed, so the content does not matter.
    header = ",".join(long_frame().columns) + "\n"
    (tmp_path / "big.csv").write_text(header + "x" * (2 * 1024 * 1024))
    (tmp_path / "series_dup.csv").write_text("period,value\n2026-01-01,3\n2026-01-01,4\n2026-02-01,5\n")
    (tmp_path / "series_big.csv").write_text("period,value\n" + "2026-01-01,1\n" * 100_000)
    (tmp_path / "a_folder").mkdir()
    return tmp_path


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    err = capsys.readouterr().err
    return code, err


def store_rows(tmp_path: Path) -> int:
    store = Store(f"sqlite:///{tmp_path}/store.db")
    try:
        return len(store.responses())
    finally:
        store.dispose()


CASES = [
    # (id, args, what the one line must say, env)
    ("score-empty", ["score", "empty.csv", "--out", "o.parquet"], "empty.csv: the file is empty", {}),
    ("score-header-only", ["score", "header_only.csv", "--out", "o.parquet"], "no answers to score", {}),
    ("score-malformed", ["score", "garbage.parquet", "--out", "o.parquet"], "garbage.parquet: cannot read the file",
     {}),
    ("score-missing", ["score", "nowhere.parquet", "--out", "o.parquet"], "nowhere.parquet: no such file", {}),
    ("score-repeated-by", ["score", "good.parquet", "--by", "round,round", "--out", "o.parquet"],
     "--by: a grouping column is repeated", {}),
    ("score-unknown-by", ["score", "good.parquet", "--by", "ward", "--out", "o.parquet"], "cannot group by ward", {}),
    ("score-out-folder", ["score", "good.parquet", "--out", "a_folder"], "must end in .parquet or .csv", {}),
    ("score-min-n", ["score", "good.parquet", "--min-n", "0", "--out", "o.parquet"], "--min-n must be at least 1",
     {}),
    ("score-min-n-strict", ["score", "good.parquet", "--strict-min-n", "--min-n", "99", "--out", "o.parquet"],
     "outside the allowed range 3–10", {}),
    ("score-min-n-text", ["score", "good.parquet", "--min-n", "five", "--out", "o.parquet"],
     "argument --min-n: invalid int value", {}),
    ("import-empty", ["import", "empty.csv"], "empty.csv: the file is empty", {}),
    ("import-header-only", ["import", "header_only.csv"], "the file has no rows", {}),
    ("import-malformed", ["import", "garbage.parquet"], "cannot read the file", {}),
    ("import-wrong-type", ["import", "notes.json"], "import a .parquet or .csv file", {}),
    ("import-too-large", ["import", "big.csv"], "larger than the limit of 1 MB (LEVERAGE_MAX_UPLOAD_MB)",
     {"LEVERAGE_MAX_UPLOAD_MB": "1"}),
    ("import-bad-limit", ["import", "good.csv"], "LEVERAGE_MAX_UPLOAD_MB: 'lots' is not a whole number",
     {"LEVERAGE_MAX_UPLOAD_MB": "lots"}),
    ("export-unknown-org", ["export", "--organization", "Nowhere", "--out", "o.csv"],
     "no organization called 'Nowhere'", {}),
    ("export-bad-out", ["export", "--out", "o.xlsx"], "must end in .parquet or .csv", {}),
    ("spc-empty", ["spc", "empty.csv", "--chart", "xmr", "--out", "o.json"], "empty.csv: the file is empty", {}),
    ("spc-malformed", ["spc", "garbage.xlsx", "--chart", "xmr", "--out", "o.json"], "cannot be read as xlsx", {}),
    ("spc-duplicate-periods", ["spc", "series_dup.csv", "--chart", "xmr", "--out", "o.json"], "2026-01-01", {}),
    ("spc-too-large", ["spc", "series_big.csv", "--chart", "xmr", "--out", "o.json"],
     "larger than the limit of 1 MB", {"LEVERAGE_MAX_UPLOAD_MB": "1"}),
    ("spc-bad-phase", ["spc", "series_dup.csv", "--chart", "xmr", "--phase-start", "soon", "--out", "o.json"],
     "--phase-start: 'soon' is not an ISO date", {}),
    ("spc-bad-chart", ["spc", "series_dup.csv", "--chart", "pie", "--out", "o.json"], "invalid choice: 'pie'", {}),
    ("boardpack-unknown-org", ["boardpack", "--organization", "Nowhere", "--no-charts", "--out", "o.pdf"],
     "no organization called 'Nowhere'", {}),
    ("boardpack-since-after-cutoff", ["boardpack", "--organization", "x", "--as-of", "2026-01-31", "--since",
                                      "2026-03-01", "--out", "o.pdf"], "is after the data cut-off", {}),
    ("boardpack-bad-out", ["boardpack", "--organization", "x", "--out", "o.docx"], "must end in .pdf or .pptx", {}),
    ("db-unknown-action", ["db", "downgrade"], "invalid choice: 'downgrade'", {}),
    ("backup-no-store", ["backup", "b.db"], "no such database file", {}),
    ("backup-existing-file", ["backup", "good.csv"], "good.csv already exists; choose another name", {}),
    ("backup-into-folder", ["backup", "a_folder"], "a_folder is a folder; name the backup file", {}),
    ("restore-not-a-backup", ["restore", "good.csv"], "good.csv is not a Leverage backup", {}),
    ("restore-missing", ["restore", "nowhere.db"], "nowhere.db: no such file", {}),
    ("copy-to-not-a-url", ["copy-to", "mysql://x"], "give a SQLAlchemy URL", {}),
    ("no-command", [], "the following arguments are required: COMMAND", {}),
]


@pytest.mark.parametrize(("args", "says", "env"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_one_line_exit_2_and_writes_nothing(files, capsys, monkeypatch, args, says, env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    before = sorted(p.name for p in files.iterdir())
    code, err = run(capsys, *args)
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 or lines[0].startswith("leverage: error:"), err  # import lists each problem below
    assert says in err, err
    assert "Traceback" not in err
    after = sorted(p.name for p in files.iterdir() if not p.name.startswith("store.db"))
    assert after == [n for n in before if not n.startswith("store.db")], "a file was written"


def test_importing_the_same_respondents_twice_conflicts_and_changes_nothing(files, capsys):
    assert run(capsys, "import", "good.csv")[0] == 0
    stored = store_rows(files)
    code, err = run(capsys, "import", "good.csv")
    assert code == 2 and "already stored in their round" in err and "nothing was imported" in err
    assert store_rows(files) == stored


def test_demo_load_into_a_store_with_data_is_refused_before_writing_anything(files, capsys):
    store = Store(f"sqlite:///{files}/store.db")
    store.add_organization("Real hospital")
    store.dispose()
    code, err = run(capsys, "demo", "--out", "demo_out", "--load")
    assert code == 2
    assert err.strip() == ("leverage: error: --load: the store already holds data; the demo data is only loaded "
                           "into an empty store (point LEVERAGE_DATABASE_URL at a new database, or leave out --load)")
    assert not (files / "demo_out").exists()


def test_demo_into_a_path_that_is_a_file(files, capsys):
    code, err = run(capsys, "demo", "--out", "good.csv")
    assert code == 2 and err.count("\n") == 1 and "good.csv" in err and "Traceback" not in err


def test_an_unreachable_database_is_one_line_and_exit_1(files, capsys, monkeypatch):
    monkeypatch.setenv("LEVERAGE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    code, err = run(capsys, "export", "--out", "o.csv")
    assert code == 1
    assert err.startswith("leverage: error: the database cannot be reached (") and err.count("\n") == 1, err


def test_an_unexpected_failure_is_one_line_unless_debug_is_asked_for(files, capsys, monkeypatch):
    import leverage.cli.survey_commands as commands

    def broken(_args):
        raise KeyError("a bug")

    monkeypatch.setattr(commands, "cmd_export", broken)
    code, err = run(capsys, "export", "--out", "o.csv")
    assert code == 1
    assert err == ("leverage: internal error (KeyError: 'a bug'); nothing was written. Set LEVERAGE_DEBUG=1 to "
                   "see the traceback.\n")
    monkeypatch.setenv("LEVERAGE_DEBUG", "1")
    with pytest.raises(KeyError):
        main(["export", "--out", "o.csv"])


def test_demo_load_into_an_empty_store_still_works(files, capsys):
    assert run(capsys, "demo", "--out", "demo_out", "--load")[0] == 0
    assert store_rows(files) > 0


@pytest.mark.parametrize("args", [["score", "empty.csv", "--out", "o.parquet"], ["import", "header_only.csv"]])
def test_as_a_real_subprocess_only_the_one_line_reaches_the_terminal(files, args):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "leverage", *args], cwd=files, capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("leverage: error:") and "Traceback" not in done.stderr
    assert len(lines) <= 2  # import adds the indented problem under its one-line summary


def test_run_refuses_a_server_flag_the_shipped_configuration_lacks(files, capsys):
    code, err = run(capsys, "run", "--port", "9", "--server.enableCORS", "false")
    assert code == 2
    assert "--server.enableCORS false: the shipped configuration (config.toml) does not set this" in err


def test_the_shipped_command_is_what_tests_and_benchmarks_start():
    from leverage.cli.server_commands import shipped_command, shipped_settings

    assert shipped_settings()["server.fileWatcherType"] == "none"  # production: no file watcher
    assert shipped_settings()["runner.postScriptGC"] == "false"
    command = shipped_command(8600, "127.0.0.1", ["--server.fileWatcherType", "none"])
    assert command[1:] == ["-m", "streamlit", "run", str(REPO / "server.py"), "--server.headless", "true",
                           "--server.port", "8600", "--server.address", "127.0.0.1", "--server.fileWatcherType",
                           "none"]
    dev = shipped_command(dev=True)
    assert dev[-4:] == ["--server.fileWatcherType", "auto", "--server.runOnSave", "true"]
