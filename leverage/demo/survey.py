"""A deterministic synthetic dataset: fictional organizations, so the app is useful on first start.

Seeded, so every run writes the same data; `python -m leverage demo` writes it under data/demo/. The
numbers are invented but plausible: points differ in maturity, boards rate more kindly than physicians,
most points improve a little each round, and a few departments are small enough to fall below the
anonymity threshold.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from leverage.core.settings import DEFAULT_ROLES, DEMO_DIR
from leverage.survey.instrument import Instrument, default_instrument
from leverage.survey.measures import WHOLE_SYSTEM_MEASURES

SEED = 20080101
DEMO_META_KEY = "demo_loaded_at"

ORGANIZATIONS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    # name, respondents per round, departments
    ("Riverside Health System", 84, ("Emergency Department", "Surgery", "Internal Medicine", "Maternity",
                                     "Intensive Care", "Pharmacy", "Primary Care Network", "Executive Office")),
    ("Northfield Community Hospital", 66, ("Emergency Department", "Surgery", "Medicine", "Nursing Services",
                                           "Finance", "Executive Office")),
    ("Lakeshore University Medical Center", 52, ("Cardiology", "Oncology", "Pediatrics", "Emergency Department",
                                                 "Quality and Safety")),
)
ROUNDS: tuple[tuple[str, dt.date, dt.date | None], ...] = (
    ("2025 Autumn", dt.date(2025, 10, 1), dt.date(2025, 11, 15)),
    ("2026 Spring", dt.date(2026, 4, 1), dt.date(2026, 5, 15)),
    ("2026 Autumn", dt.date(2026, 10, 1), None),  # still open: a visitor can take part in it
)
ROLE_WEIGHTS = {"board": 0.10, "executive": 0.12, "physician": 0.26, "nursing": 0.24, "manager": 0.20,
                "other": 0.08}
# How generously each role rates (boards see the plan, physicians see the ward).
ROLE_BIAS = {"board": 0.45, "executive": 0.30, "physician": -0.35, "nursing": -0.05, "manager": 0.0, "other": -0.1}
# Organization maturity per leverage point, and the gain per round.
MATURITY = {
    "Riverside Health System": ([3.3, 3.0, 3.1, 2.2, 2.0, 2.6, 3.2], [0.25, 0.2, 0.15, 0.3, 0.1, 0.2, 0.2]),
    "Northfield Community Hospital": ([2.4, 2.0, 2.5, 1.8, 1.6, 2.1, 2.2], [0.35, 0.3, 0.2, 0.15, 0.25, 0.1, 0.3]),
    "Lakeshore University Medical Center": ([2.8, 2.6, 2.2, 2.9, 1.9, 1.7, 3.4],
                                            [0.0, 0.15, 0.1, 0.05, 0.0, 0.3, 0.05]),
}


def generate(instrument: Instrument | None = None, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Build the demo tables in memory: responses (long format), rounds, departments, plans."""
    instrument = instrument or default_instrument()
    rng = np.random.default_rng(seed)
    roles = [r for r, _ in DEFAULT_ROLES]
    weights = np.array([ROLE_WEIGHTS[r] for r in roles])
    item_effect = {item.id: rng.normal(0, 0.25) for item in instrument.items}
    answers, plans, round_rows, dept_rows = [], [], [], []
    serial = 0
    for org, size, departments in ORGANIZATIONS:
        base, gain = MATURITY[org]
        dept_effect = {d: rng.normal(0, 0.3) for d in departments}
        dept_weights = rng.dirichlet(np.full(len(departments), 2.0))
        dept_rows += [{"organization": org, "department": d} for d in departments]
        for r_index, (round_name, opens, closes) in enumerate(ROUNDS):
            round_rows.append({"organization": org, "round": round_name, "opens_on": opens, "closes_on": closes,
                               "instrument_id": instrument.id, "instrument_version": instrument.version})
            n = size + int(rng.integers(-4, 5))
            # Every role appears in every organization and round; the rest follow the weights.
            people_roles = roles + list(rng.choice(roles, size=n - len(roles), p=weights))
            for role in people_roles:
                serial += 1
                dept = departments[int(rng.choice(len(departments), p=dept_weights))]
                rid = f"demo-{serial:05d}"
                person = rng.normal(0, 0.35)
                for p_index, point in enumerate(instrument.points):
                    latent = (base[p_index] + gain[p_index] * r_index + ROLE_BIAS[role] + dept_effect[dept]
                              + person)
                    dont_know_p = 0.03 + (0.12 if role == "board" and point.id in ("LP6", "LP7") else 0) \
                        + (0.10 if role == "physician" and point.id == "LP5" else 0)
                    for item in instrument.items_for(point.id):
                        if rng.random() < dont_know_p:
                            value = None
                        else:
                            value = int(np.clip(np.rint(latent + item_effect[item.id] + rng.normal(0, 0.55)),
                                                instrument.scale_min, instrument.scale_max))
                        answers.append((org, dept, role, round_name, rid, item.id, point.id, value))
                if rng.random() < 0.6:
                    k = 1 + int(rng.random() < 0.5)
                    chosen = rng.choice(len(WHOLE_SYSTEM_MEASURES), size=k, replace=False, p=_measure_weights())
                    for pos, m in enumerate(sorted(int(c) for c in chosen), 1):
                        plans.append((org, round_name, rid, "measure", None, pos, WHOLE_SYSTEM_MEASURES[m]))
    responses = pd.DataFrame(answers, columns=["organization", "department", "role", "round", "respondent_id",
                                               "item_id", "leverage_point", "value"])
    responses["value"] = responses["value"].astype("Int8")
    return {
        "responses": responses,
        "rounds": pd.DataFrame(round_rows),
        "departments": pd.DataFrame(dept_rows),
        "plans": pd.DataFrame(plans, columns=["organization", "round", "respondent_id", "kind", "leverage_point",
                                              "position", "text"]),
    }


def _measure_weights() -> np.ndarray:
    # Harm, mortality, readmissions and experience are what boards pick most often.
    w = np.array([5, 1, 4, 2, 1, 4, 2, 3, 2, 1, 1, 2], dtype=float)
    return w / w.sum()


def write(out_dir: Path = DEMO_DIR, seed: int = SEED) -> dict[str, Path]:
    """Write the demo tables as parquet files; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in generate(seed=seed).items():
        path = out_dir / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        paths[name] = path
    return paths


def read(out_dir: Path = DEMO_DIR) -> dict[str, pd.DataFrame]:
    """Read the demo tables, writing them first when they are missing."""
    names = ("responses", "rounds", "departments", "plans")
    if not all((out_dir / f"{n}.parquet").exists() for n in names):
        write(out_dir)
    return {n: pd.read_parquet(out_dir / f"{n}.parquet") for n in names}
