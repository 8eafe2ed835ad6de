"""Benchmark: the largest upload each format accepts, its peak memory and time (issue 14). Prints figures.

Run from the project root:
    .venv/bin/python benchmarks/upload_limits.py [--mb 50] [--rows 2000000]

For each format the script writes the largest file the settings accept (LEVERAGE_MAX_UPLOAD_MB and
LEVERAGE_MAX_UPLOAD_ROWS, defaults 50 MB and 2,000,000 rows; measurement series are also capped at
100,000 rows), then checks it in a fresh Python process exactly as the app does, and prints that
process's peak resident memory (max RSS) and wall time:

- responses, CSV: Manage data's check (`leverage.survey.imports.check_upload`): the size cap binds first
  (50 MB of CSV is about 850,000 answers);
- responses, parquet: the same check; the row cap binds (2,000,000 answers);
- Compare parquet source upload (`leverage.compare.sources.check_upload`): 2,000,000 rows;
- aim measurements, CSV, parquet and Excel (`leverage.aims.measurements.read_bytes` + `check_series`):
  100,000 periods each.

Each check must stay under 1 GB. Files are kept under benchmarks/out/uploads/ and reused.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out" / "uploads"
LIMIT_BYTES = 1 << 30

RESPONSES_CHECK = """
import json, resource, sys, time, tempfile
sys.path.insert(0, {root!r})
from pathlib import Path
from leverage.core.settings import Settings
from leverage.survey.store import Store
path, mb, rows = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
settings = Settings(max_upload_mb=mb, max_upload_rows=rows)
with tempfile.TemporaryDirectory() as folder:
    store = Store(f"sqlite:///{{folder}}/b.db")
    data = path.read_bytes()
    t = time.perf_counter()
    if sys.argv[4] == "compare":
        from leverage.compare.sources import check_upload
        table = check_upload(data, path.name, mb, rows)
        ok, n = True, table.num_rows
    else:
        from leverage.survey.imports import check_upload
        check = check_upload(data, path.name, store, settings)
        ok, n = check.ok, (len(check.frame) if check.frame is not None else 0)
        if not ok:
            print(check.problems[:3], file=sys.stderr)
    took = time.perf_counter() - t
print(json.dumps({{"ok": ok, "rows": n, "seconds": took,
                  "peak_mb": peak_mb()}}))
"""

SERIES_CHECK = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from leverage.aims.measurements import check_series, kind_for_chart, read_bytes
path, rows = Path(sys.argv[1]), int(sys.argv[2])
data = path.read_bytes()
t = time.perf_counter()
series = check_series(read_bytes(data, path.name, rows), kind_for_chart("xmr"), path.name)
took = time.perf_counter() - t
print(json.dumps({{"ok": True, "rows": len(series), "seconds": took,
                  "peak_mb": peak_mb()}}))
"""

# VmHWM: this process's own peak (ru_maxrss would carry the parent's size across fork and exec).
PEAK = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""


def responses(rows: int, seed: int = 14) -> pd.DataFrame:
    """Realistic answers: 50 organizations, 12 departments, 5 roles, 35 statements per respondent."""
    rng = np.random.default_rng(seed)
    people = rows // 35 + 1
    items = [f"LP{p}.{i}" for p in range(1, 8) for i in range(1, 6)]
    person = np.repeat(np.arange(people), 35)[:rows]
    item = np.tile(np.arange(35), people)[:rows]
    org = rng.integers(0, 50, people)[person]
    dept = rng.integers(0, 12, people)[person]
    role = rng.integers(0, 5, people)[person]
    value = rng.integers(1, 6, rows).astype(float)
    value[rng.random(rows) < 0.07] = np.nan
    return pd.DataFrame({
        "organization": pd.Categorical.from_codes(org, [f"Health system {i:03d}" for i in range(50)]),
        "department": pd.Categorical.from_codes(dept, [f"Department {i:02d}" for i in range(12)]),
        "role": pd.Categorical.from_codes(role, ["board", "executive", "physician", "nursing", "manager"]),
        "round": "2026-spring",
        "respondent_id": [f"resp-{p:07d}" for p in person],
        "item_id": pd.Categorical.from_codes(item, items),
        "leverage_point": pd.Categorical.from_codes(item // 5, [f"LP{p}" for p in range(1, 8)]),
        "value": pd.array(value, dtype="Float64").astype("Int64"),
    })


def largest_csv(mb: int, rows: int) -> Path:
    path = OUT / f"responses-{mb}mb.csv"
    if path.exists():
        return path
    frame = responses(rows)
    text = frame.to_csv(index=False).encode()
    cut = text[: mb * 1024 * 1024]
    cut = cut[: cut.rfind(b"\n") + 1]  # whole rows only, at most `mb` MB
    path.write_bytes(cut)
    return path


def largest_parquet(rows: int) -> Path:
    path = OUT / f"responses-{rows}.parquet"
    if not path.exists():
        frame = responses(rows)
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False).cast(pa.schema([
            (c, pa.string()) if c != "value" else (c, pa.int64()) for c in frame.columns])), path)
    return path


def series(rows: int, suffix: str) -> Path:
    path = OUT / f"series-{rows}{suffix}"
    if path.exists():
        return path
    frame = pd.DataFrame({"period": pd.date_range("1800-01-01", periods=rows).strftime("%Y-%m-%d"),
                          "value": np.round(np.random.default_rng(1).normal(50, 5, rows), 2)})
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(["period", "value"])
        for p, v in zip(frame["period"], frame["value"], strict=True):
            sheet.append([p, float(v)])
        book.save(path)
    return path


def run(script: str, *args: str) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(PEAK + script.format(root=str(ROOT)))
    done = subprocess.run([sys.executable, handle.name, *args], capture_output=True, text=True, timeout=1800)
    Path(handle.name).unlink()
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--rows", type=int, default=2_000_000)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    from leverage.aims.measurements import MAX_SERIES_ROWS

    cases = [
        ("responses CSV (Manage data)", largest_csv(args.mb, args.rows), RESPONSES_CHECK, "import"),
        ("responses parquet (Manage data)", largest_parquet(args.rows), RESPONSES_CHECK, "import"),
        ("parquet source (Compare)", largest_parquet(args.rows), RESPONSES_CHECK, "compare"),
    ]
    print(f"{'upload':34} {'file MB':>8} {'rows':>10} {'seconds':>8} {'peak MB':>8}  under 1 GB")
    for name, path, script, mode in cases:
        result = run(script, str(path), str(args.mb), str(args.rows), mode)
        print(f"{name:34} {path.stat().st_size / 2**20:8.1f} {result['rows']:10,} {result['seconds']:8.2f} "
              f"{result['peak_mb']:8.0f}  {'yes' if result['peak_mb'] * 2**20 < LIMIT_BYTES else 'NO'}")
    for suffix in (".csv", ".parquet", ".xlsx"):
        path = series(MAX_SERIES_ROWS, suffix)
        result = run(SERIES_CHECK, str(path), str(args.rows))
        print(f"{'measurements ' + suffix.lstrip('.') + ' (Aims)':34} {path.stat().st_size / 2**20:8.1f} "
              f"{result['rows']:10,} {result['seconds']:8.2f} {result['peak_mb']:8.0f}  "
              f"{'yes' if result['peak_mb'] * 2**20 < LIMIT_BYTES else 'NO'}")


if __name__ == "__main__":
    main()
