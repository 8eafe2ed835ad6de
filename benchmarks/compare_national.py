"""Benchmark: comparison at national scale (issue 4). Prints figures; asserts nothing.

Run from the project root (generating 10 M answers takes about a minute the first time; the files are
kept under benchmarks/out/ and reused when the seed and size match):
    .venv/bin/python benchmarks/compare_national.py [--answers 10000000] [--seed 4] [--repeat 3]

Measures, in one run:
1. `python -m leverage score DIR --by organization,department,role,round` (a subprocess, as a user runs it);
2. the same aggregation as one DuckDB SQL query (respondent scores, then a GROUP BY) over the same files,
   and the ratio score / DuckDB;
3. the peak memory (max RSS) of each;
4. the Compare page's script time via AppTest with the dataset as a parquet source, signed in as a viewer of
   one of its organizations: first load (wall and CPU seconds; new source, then with the cube an earlier
   run saved) and cached rerun;
5. the engines for the page's aggregation, side by side: pyarrow compute (the page's choice; `score`
   reads valid parquet with DuckDB, whose end-to-end pass wins once imports and reading count), DuckDB,
   pandas, polars (when installed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"
PY = sys.executable

ROLES = ("board", "executive", "physician", "nursing", "manager")
ROUNDS = ("2023-autumn", "2024-autumn", "2025-autumn")
N_ORGS = 200
ITEMS_PER_POINT = 5


def sources_dir(answers: int, seed: int) -> Path:
    """A sources folder (LEVERAGE_SOURCES_DIR) holding the dataset as its one folder source, `national/`."""
    return OUT / f"national-{answers}-s{seed}"


def dataset_dir(answers: int, seed: int) -> Path:
    return sources_dir(answers, seed) / "national"


def generate(answers: int = 10_000_000, seed: int = 4, out: Path | None = None) -> Path:
    """Seeded synthetic national collaborative, as hive-partitioned parquet (round=.../part-k.parquet).

    200 organizations with 4–14 departments each, five roles, three rounds; respondents answer all 35
    statements (about 7 % "don't know"); scores depend on organization, department, role, point and round
    so comparisons show real structure. Departments are deliberately uneven so some fall below the threshold.
    """
    out = out or dataset_dir(answers, seed)
    marker = out / "_done.json"
    if marker.exists():
        return out
    if out.exists():
        shutil.rmtree(out)
    rng = np.random.default_rng(seed)
    items = [f"LP{p}.{i}" for p in range(1, 8) for i in range(1, ITEMS_PER_POINT + 1)]
    n_items = len(items)
    n_resp = answers // n_items
    per_org_round = n_resp // (N_ORGS * len(ROUNDS))
    org_effect = rng.normal(0, 0.35, N_ORGS)
    point_effect = rng.normal(0, 0.3, 7)
    role_effect = {"board": 0.35, "executive": 0.25, "physician": -0.2, "nursing": -0.1, "manager": 0.0}
    n_depts = rng.integers(4, 15, N_ORGS)
    item_point = np.repeat(np.arange(7), ITEMS_PER_POINT)
    item_arr = pa.array(items)
    point_arr = pa.array([f"LP{p + 1}" for p in item_point])
    for r, round_name in enumerate(ROUNDS):
        folder = out / f"round={round_name}"
        folder.mkdir(parents=True)
        for part, orgs in enumerate(np.array_split(np.arange(N_ORGS), 4)):
            cols: dict[str, list] = {k: [] for k in ("organization", "department", "role", "respondent_id",
                                                     "item_id", "leverage_point", "value")}
            for org in orgs:
                k = int(n_depts[org])
                weights = rng.dirichlet(np.full(k, 0.8))  # uneven departments: some tiny
                dept = rng.choice(k, per_org_round, p=weights)
                role = rng.choice(len(ROLES), per_org_round, p=[0.08, 0.12, 0.3, 0.3, 0.2])
                dept_effect = rng.normal(0, 0.25, k)
                base = (3.0 + org_effect[org] + dept_effect[dept] + np.array([role_effect[x] for x in ROLES])[role]
                        + 0.12 * r)
                person = rng.normal(0, 0.45, per_org_round)
                latent = (base + person)[:, None] + point_effect[item_point][None, :] \
                    + rng.normal(0, 0.7, (per_org_round, n_items))
                value = np.clip(np.rint(latent), 1, 5).astype(np.int8)
                dont_know = rng.random((per_org_round, n_items)) < 0.07
                n = per_org_round * n_items
                cols["organization"].append(pa.DictionaryArray.from_arrays(
                    np.zeros(n, np.int32), pa.array([f"Health system {org + 1:03d}"])))
                dept_names = pa.array([f"Department {d + 1:02d}" for d in range(k)])
                cols["department"].append(pa.DictionaryArray.from_arrays(np.repeat(dept, n_items).astype(np.int32),
                                                                         dept_names))
                cols["role"].append(pa.DictionaryArray.from_arrays(np.repeat(role, n_items).astype(np.int32),
                                                                   pa.array(ROLES)))
                ids = pa.array([f"o{org + 1:03d}-r{r + 1}-{i:05d}" for i in range(per_org_round)])
                cols["respondent_id"].append(pa.DictionaryArray.from_arrays(
                    np.repeat(np.arange(per_org_round, dtype=np.int32), n_items), ids))
                cols["item_id"].append(pa.DictionaryArray.from_arrays(
                    np.tile(np.arange(n_items, dtype=np.int32), per_org_round), item_arr))
                cols["leverage_point"].append(pa.DictionaryArray.from_arrays(
                    np.tile(np.arange(n_items, dtype=np.int32), per_org_round), point_arr))
                cols["value"].append(pa.array(value.ravel(), mask=dont_know.ravel()))
            table = pa.table({k: pa.chunked_array(v).cast(pa.string()) if k != "value" else pa.chunked_array(v)
                              for k, v in cols.items()})
            pq.write_table(table, folder / f"part-{part}.parquet", row_group_size=1_000_000)
    rows = pq.ParquetDataset(out).read(columns=["value"]).num_rows
    marker.write_text(json.dumps({"answers": rows, "seed": seed}))
    return out


# --- measuring ----------------------------------------------------------------------------------------------

DUCKDB_SCORE = """
import sys, duckdb
src, out, min_n = sys.argv[1], sys.argv[2], int(sys.argv[3])
duckdb.sql(f\"\"\"
COPY (
  WITH per_respondent AS (
    SELECT organization, department, role, "round", respondent_id, leverage_point, avg(value) AS score
    FROM read_parquet('{src}/*/*.parquet', hive_partitioning = true)
    GROUP BY ALL HAVING count(value) > 0)
  SELECT organization, department, role, "round", leverage_point, count(*) AS n_respondents,
         CASE WHEN count(*) >= {min_n} THEN avg(score) END AS mean,
         CASE WHEN count(*) >= {min_n} THEN stddev_samp(score) END AS sd, count(*) < {min_n} AS suppressed
  FROM per_respondent GROUP BY ALL ORDER BY ALL) TO '{out}' (FORMAT parquet)
\"\"\")
"""

PAGE_RUN = """
import os, resource, sys, time
sys.path.insert(0, os.environ["ROOT"])
from streamlit.testing.v1 import AppTest
from leverage.access.permissions import Role
from leverage.access.service import Access
from leverage.access.users import COMMAND_LINE
from leverage.survey.store import Store
# A viewer of one organization that the national source also holds: the page shows its departments first.
store = Store(os.environ["LEVERAGE_DATABASE_URL"])
access = Access(store)
org = store.add_organization("Health system 001")
uid = access.users.add(COMMAND_LINE, "viewer@bench.example", organization_id=org, roles=(Role.VIEWER,))
cookie = access.sessions.start(uid, "bench")
store.dispose()
at = AppTest.from_file(os.path.join(os.environ["ROOT"], "dashboard.py"), default_timeout=600)
at.session_state["_leverage_cookie"] = cookie  # ui.auth.COOKIE_KEY: signed in, as after the sign-in page
at.run()
at.switch_page("pages/compare.py")
def cpu():
    use = resource.getrusage(resource.RUSAGE_SELF)  # the script runs in a thread of this process
    return use.ru_utime + use.ru_stime
c0 = cpu(); t0 = time.perf_counter(); at.run(); first = time.perf_counter() - t0; first_cpu = cpu() - c0
assert not at.exception and not at.error, [e.value for e in at.exception] + [e.value for e in at.error]
reruns = []
for _ in range(5):
    t0 = time.perf_counter(); at.run(); reruns.append(time.perf_counter() - t0)
at.segmented_control(key="compare_mode").set_value("Organizations")
t0 = time.perf_counter(); at.run(); orgs_first = time.perf_counter() - t0
orgs_reruns = []
for _ in range(3):
    t0 = time.perf_counter(); at.run(); orgs_reruns.append(time.perf_counter() - t0)
orgs_rerun = min(orgs_reruns)
import base64
import numpy as np


def marks(at):
    total = 0
    for chart in at.get("plotly_chart"):
        for trace in __import__("json").loads(chart.proto.spec)["data"]:
            for axis in ("z", "x"):  # a heat map's cells, or a trace's points
                values = trace.get(axis)
                if isinstance(values, dict):  # Plotly's typed array: {"dtype", "bdata", "shape"}
                    if "shape" in values:
                        total += int(np.prod([int(v) for v in str(values["shape"]).split(",")]))
                    else:
                        total += len(base64.b64decode(values["bdata"])) // np.dtype(values["dtype"]).itemsize
                elif values:
                    total += sum(len(v) if isinstance(v, list) else 1 for v in values)
                if values:
                    break
    return total
points = marks(at)
print(first, first_cpu, min(reruns), orgs_first, orgs_rerun, points, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure_cli(path: Path, out_dir: Path, repeat: int) -> dict[str, float]:
    by = "organization,department,role,round"
    score, duck, score_cpu, duck_cpu = [], [], [], []
    score_rss = duck_rss = 0.0
    for _ in range(repeat):  # interleaved, so both see the same load
        wall, rss, _ = run_tracked([PY, "-m", "leverage", "score", str(path), "--by", by,
                                    "--out", str(out_dir / "score.parquet")])
        score.append(wall)
        score_cpu.append(LAST_CPU[0])
        score_rss = max(score_rss, rss)
        wall, rss, _ = run_tracked([PY, "-c", DUCKDB_SCORE, str(path), str(out_dir / "duckdb.parquet"), "5"])
        duck.append(wall)
        duck_cpu.append(LAST_CPU[0])
        duck_rss = max(duck_rss, rss)
    ours, theirs = pq.read_table(out_dir / "score.parquet"), pq.read_table(out_dir / "duckdb.parquet")
    same = ours.num_rows == theirs.num_rows and abs(
        (pc_sum(ours, "n_respondents")) - pc_sum(theirs, "n_respondents")) == 0
    return {"score_s": statistics.median(score), "duckdb_s": statistics.median(duck), "score_rss_mb": score_rss,
            "duckdb_rss_mb": duck_rss, "same_groups": same, "score_cpu_s": statistics.median(score_cpu),
            "duckdb_cpu_s": statistics.median(duck_cpu)}


def pc_sum(table: pa.Table, column: str) -> int:
    import pyarrow.compute as pc

    return int(pc.sum(table.column(column)).as_py())


LAST_CPU = [0.0]  # CPU seconds (user + system) of the last child run_tracked ran


def run_tracked(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall seconds, this child's peak RSS in MB, stdout), via wait4 so each child is measured alone; its CPU
    seconds land in LAST_CPU (steadier than wall time when other work shares the machine)."""
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out_file, stderr=err_file,
                                text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        LAST_CPU[0] = usage.ru_utime + usage.ru_stime
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd[:4]))} failed: {err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, out


def measure_page(sources: Path, cold: bool) -> dict[str, float]:
    """The Compare page in a fresh process on an empty store with the dataset as its parquet source."""
    if cold:
        shutil.rmtree(sources / ".cache", ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {"ROOT": str(ROOT), "LEVERAGE_DATABASE_URL": f"sqlite:///{tmp}/bench.db", "LEVERAGE_LOAD_DEMO": "never",
               "LEVERAGE_SOURCES_DIR": str(sources)}
        wall, rss, out = run_tracked([PY, "-c", PAGE_RUN], env)
    first, first_cpu, rerun, orgs_first, orgs_rerun, points, _ = out.split()[-7:]
    return {"first_s": float(first), "first_cpu_s": float(first_cpu), "rerun_s": float(rerun),
            "orgs_first_s": float(orgs_first),
            "orgs_rerun_s": float(orgs_rerun), "chart_points": int(points), "rss_mb": rss}


def measure_engines(path: Path) -> dict[str, float]:
    """The page's aggregation (respondent scores, then units) in each engine, in this process."""
    import duckdb

    from leverage.compare.cube import build_cube
    from leverage.survey.responses import RESPONSE_COLUMNS, normalise_table, read_table

    keys = ["organization", "department", "role", "round"]
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    table = normalise_table(read_table(path, list(RESPONSE_COLUMNS), dictionary=True), str(path))
    out["read_and_validate_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    build_cube(table)
    out["pyarrow_codes_cube_s"] = time.perf_counter() - t0
    from leverage.survey.scoring import score_table

    t0 = time.perf_counter()
    score_table(table, keys)
    out["pyarrow_codes_score_s"] = time.perf_counter() - t0
    con = duckdb.connect()
    con.register("answers", table)
    t0 = time.perf_counter()
    con.sql("""SELECT organization, department, role, "round", leverage_point, count(*) n, avg(s) mean,
                stddev_samp(s) sd FROM (SELECT organization, department, role, "round", respondent_id,
                leverage_point, avg(value) s FROM answers GROUP BY ALL HAVING count(value) > 0) GROUP BY ALL"""
            ).to_arrow_table()
    out["duckdb_score_s"] = time.perf_counter() - t0
    try:
        import polars as pl

        frame = pl.from_arrow(table)
        t0 = time.perf_counter()
        (frame.group_by([*keys, "respondent_id", "leverage_point"]).agg(pl.col("value").mean().alias("s"))
         .drop_nulls("s").group_by([*keys, "leverage_point"])
         .agg(pl.len().alias("n"), pl.col("s").mean(), pl.col("s").std().alias("sd")))
        out["polars_score_s"] = time.perf_counter() - t0
    except ImportError:
        out["polars_score_s"] = float("nan")
    frame = table.to_pandas()
    t0 = time.perf_counter()
    per = frame.groupby([*keys, "respondent_id", "leverage_point"], observed=True, sort=False)["value"].mean()
    per.dropna().groupby([*keys, "leverage_point"], observed=True, sort=False).agg(["count", "mean", "std"])
    out["pandas_score_s"] = time.perf_counter() - t0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="runs of score and DuckDB (median reported)")
    parser.add_argument("--skip-engines", action="store_true")
    args = parser.parse_args()
    t0 = time.perf_counter()
    path = generate(args.answers, args.seed)
    rows = json.loads((path / "_done.json").read_text())["answers"]
    print(f"dataset: {path.relative_to(ROOT)}: {rows:,} answers, {N_ORGS} organizations, {len(ROUNDS)} rounds "
          f"({time.perf_counter() - t0:.1f} s)")
    print(f"machine: {os.cpu_count()} cores; other work may share the CPU")
    with tempfile.TemporaryDirectory() as tmp:
        cli = measure_cli(path, Path(tmp), args.repeat)
    print(f"score (python -m leverage score --by organization,department,role,round): {cli['score_s']:.2f} s, "
          f"peak {cli['score_rss_mb']:.0f} MB")
    print(f"DuckDB (same aggregation, one query, parquet out):           {cli['duckdb_s']:.2f} s, "
          f"peak {cli['duckdb_rss_mb']:.0f} MB")
    print(f"ratio score / DuckDB: {cli['score_s'] / cli['duckdb_s']:.2f} (target <= 1.2; medians of {args.repeat} "
          f"interleaved runs); same groups and n: {cli['same_groups']}")
    print(f"CPU (user + system): score {cli['score_cpu_s']:.2f} s, DuckDB {cli['duckdb_cpu_s']:.2f} s, ratio "
          f"{cli['score_cpu_s'] / cli['duckdb_cpu_s']:.2f} (steadier than wall time on a shared machine)")
    sources = sources_dir(args.answers, args.seed)
    cold = measure_page(sources, cold=True)
    warm = measure_page(sources, cold=False)
    print(f"Compare page, new source (scan and check it, then one organization's cube): first load "
          f"{cold['first_s']:.2f} s ({cold['first_cpu_s']:.2f} CPU s), cached rerun {cold['rerun_s']:.3f} s")
    print(f"  then the Organizations view (builds and saves the full cube): {cold['orgs_first_s']:.2f} s, "
          f"rerun {cold['orgs_rerun_s']:.3f} s; peak memory {cold['rss_mb']:.0f} MB")
    print(f"Compare page, fresh process (full cube saved by an earlier run): first load {warm['first_s']:.2f} s "
          f"({warm['first_cpu_s']:.2f} CPU s), cached rerun {warm['rerun_s']:.3f} s")
    print(f"  Organizations view (all {N_ORGS}): {warm['orgs_first_s']:.2f} s, rerun {warm['orgs_rerun_s']:.3f} s; "
          f"peak memory {warm['rss_mb']:.0f} MB; chart marks sent: {warm['chart_points']}")
    if not args.skip_engines:
        engines = measure_engines(path)
        print("engines, in one process on the validated table (respondent scores, then groups):")
        for name, value in engines.items():
            print(f"  {name:28s} {value:.2f} s")
        print(f"  peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
