"""Benchmark: the SPC engine over 1,000 aims x 60 points, and the Board page with 25 aims.

Prints figures; asserts nothing. Run from the project root:
    .venv/bin/python benchmarks/spc_and_board.py [--repeat 5]

Measures
1. `leverage.aims.spc.analyse_arrays` (the engine) over 1,000 seeded series of 60 monthly points: 40 % XmR,
   30 % p, 20 % u, 10 % run charts, each with a phase change and a direction and target, as one batch;
2. the same through `leverage.aims.spc.analyse` (pandas in, a DataFrame of points out);
3. the whole aim reading (`analyse_aim`: chart, projection, required path) for 25 aims;
4. the Board page's script time via AppTest with 25 aims of 36 months each: first run (cold caches:
   reads, analysis, table) and a cached rerun; and meeting mode (one large chart).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import leverage  # noqa: E402
from leverage.aims.spc import analyse_arrays  # noqa: E402  (the NumPy core, below the public analyse)

CHART_MIX = ["xmr"] * 4 + ["p"] * 3 + ["u"] * 2 + ["run"]


def make_series(count: int, points: int, seed: int = 7) -> list[dict]:
    rng = np.random.default_rng(seed)
    periods = pd.date_range("2021-01-01", periods=points, freq="MS").to_numpy(dtype="datetime64[D]")
    out = []
    for i in range(count):
        chart = CHART_MIX[i % len(CHART_MIX)]
        shift = np.where(np.arange(points) < points // 2, 0.0, rng.uniform(-0.3, 0.3))
        series = {"chart": chart, "periods": periods, "phase_starts": [periods[points // 2]],
                  "direction": "down" if i % 2 else "up", "target": None}
        if chart in ("p", "u"):
            den = rng.integers(200, 2000, points).astype(float)
            rate = np.clip(0.1 * (1 + shift), 0.01, 0.9)
            num = rng.binomial(den.astype(int), rate).astype(float)
            series.update(numerator=num, denominator=den, value=num / den, target=0.08)
        else:
            series.update(value=rng.normal(50, 5, points) * (1 + shift), target=45.0)
        out.append(series)
    return out


def time_engine(series: list[dict]) -> float:
    t0 = time.perf_counter()
    for s in series:
        analyse_arrays(s["periods"], s["value"], chart=s["chart"], direction=s["direction"], target=s["target"],
                       phase_starts=s["phase_starts"], numerator=s.get("numerator"),
                       denominator=s.get("denominator"))
    return time.perf_counter() - t0


def time_pandas_wrapper(series: list[dict]) -> float:
    frames = []
    for s in series:
        frame = pd.DataFrame({"period": s["periods"], "value": s["value"]})
        if s["chart"] in ("p", "u"):
            frame["numerator"], frame["denominator"] = s["numerator"], s["denominator"]
        frames.append(frame)
    t0 = time.perf_counter()
    for s, frame in zip(series, frames, strict=True):
        leverage.analyse(frame, chart=s["chart"], direction=s["direction"], target=s["target"],
                phase_starts=s["phase_starts"])
    return time.perf_counter() - t0


def board_database(folder: Path, aims: int = 25) -> tuple[str, int]:
    from leverage.demo.aims import aims_for

    url = f"sqlite:///{folder / 'board.db'}"
    store = leverage.Store(url)
    org = store.add_organization("Benchmark Health")
    register = leverage.AimStore(store)
    templates = aims_for(org, "Northfield Community Hospital")  # 36 months each
    for i in range(aims):
        demo = templates[i % len(templates)]
        aim_id = register.save_aim(leverage.Aim(**{**demo.aim.__dict__, "title": f"{demo.aim.title} #{i + 1}"}))
        register.save_measurements(register.get_aim(aim_id), demo.measurements, replace_all=True)
        for on, label, kind in demo.notes:
            register.add_annotation(aim_id, on, label, kind)
    store.dispose()
    return url, org


def time_board(url: str, org: int, repeat: int) -> dict[str, list[float]]:
    import os

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["LEVERAGE_DATABASE_URL"] = url
    os.environ["LEVERAGE_LOAD_DEMO"] = "never"
    figures: dict[str, list[float]] = {"first": [], "rerun": [], "meeting": []}
    for _ in range(repeat):
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.session_state["organization_id"] = org
        at.switch_page("pages/board.py")
        t0 = time.perf_counter()
        at.run()
        figures["first"].append(time.perf_counter() - t0)
        assert not at.exception, at.exception
        assert len(at.dataframe[0].value) == 25
        t0 = time.perf_counter()
        at.run()
        figures["rerun"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        at.toggle(key="board_meeting_mode").set_value(True).run()
        figures["meeting"].append(time.perf_counter() - t0)
    return figures


def show(label: str, values: list[float], unit: str = "s") -> None:
    scale = 1000 if unit == "ms" else 1
    shown = ", ".join(f"{v * scale:.3g}" for v in values)
    print(f"{label}: median {statistics.median(values) * scale:.3g} {unit}  [{shown}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--aims", type=int, default=1000)
    parser.add_argument("--points", type=int, default=60)
    args = parser.parse_args()
    series = make_series(args.aims, args.points)
    time_engine(series[:20])  # warm up imports and caches
    engine = [time_engine(series) for _ in range(args.repeat)]
    wrapper = [time_pandas_wrapper(series) for _ in range(args.repeat)]
    print(f"SPC engine, {args.aims} aims x {args.points} points (mix {'/'.join(sorted(set(CHART_MIX)))}):")
    show("  analyse_arrays (batch)", engine)
    show("  analyse (pandas in/out, batch)", wrapper)
    print(f"  per aim: {statistics.median(engine) / args.aims * 1e6:.0f} us (engine), "
          f"{statistics.median(wrapper) / args.aims * 1e6:.0f} us (pandas)")

    from leverage.aims.register import normalise
    from leverage.aims.view import analyse_aim
    from leverage.demo.aims import aims_for

    demo = aims_for(1, "Northfield Community Hospital")
    empty = pd.DataFrame(columns=["id", "aim_id", "on_date", "label", "kind"])
    prepared = [(leverage.Aim(**{**normalise(demo[i % 5].aim).__dict__, "id": i}), demo[i % 5].measurements)
                for i in range(25)]
    reading = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for aim, rows in prepared:
            analyse_aim(aim, rows, empty)
        reading.append(time.perf_counter() - t0)
    show("Aim reading (chart + projection + path), 25 aims", reading)

    with tempfile.TemporaryDirectory() as folder:
        url, org = board_database(Path(folder))
        figures = time_board(url, org, args.repeat)
    print("Board page via AppTest, 25 aims x 36 months:")
    show("  first run (cold caches)", figures["first"])
    show("  cached rerun", figures["rerun"])
    show("  meeting mode (one large chart)", figures["meeting"])


if __name__ == "__main__":
    main()
