"""Seeded demo aims for the demo organizations: whole-system measures with 24–48 months of data.

Each organization's charts show what boards must learn to read: a shift after a change (with a new
phase), a trend, a stable process that will not meet its target, an astronomical point, and
annotations of the changes tested. Invented numbers in plausible ranges.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leverage.aims.register import Aim
from leverage.aims.repository import AimStore
from leverage.survey.store import Store

SEED = 20080107
LAST_PERIOD = dt.date(2026, 10, 1)
MONTHS = {"Riverside Health System": 48, "Northfield Community Hospital": 36,
          "Lakeshore University Medical Center": 24}
# Per organization: monthly change in the harm rate after the bundle (per 1,000 patient days), the HSMR
# target, whether the sepsis programme started a new phase, and the HSMR after it. Gives the board view some variety:
# on course, at risk, off course, and one aim achieved and stable.
STYLE = {"Riverside Health System": (-0.55, 90.0, "change", 93.0),
         "Northfield Community Hospital": (-0.25, 90.0, "change", 93.0),
         "Lakeshore University Medical Center": (0.0, 100.0, "phase", 88.0)}


@dataclass(frozen=True)
class DemoAim:
    aim: Aim
    measurements: pd.DataFrame
    notes: tuple[tuple[dt.date, str, str], ...]
    last_reviewed: dt.date | None


def _months(count: int) -> pd.DatetimeIndex:
    return pd.date_range(end=pd.Timestamp(LAST_PERIOD), periods=count, freq="MS")


def _at(periods: pd.DatetimeIndex, i: int) -> dt.date:
    return periods[i].date()


def aims_for(organization_id: int, organization: str, seed: int = SEED) -> list[DemoAim]:
    """The demo aims of one organization (deterministic for a seed and organization)."""
    rng = np.random.default_rng([seed, sum(organization.encode())])
    months = MONTHS.get(organization, 36)
    periods = _months(months)
    n = len(periods)
    change = n // 2  # the month a harm bundle went live: a new phase
    harm_slope, hsmr_target, sepsis_kind, hsmr_after = STYLE.get(organization, (0.0, 90.0, "change", 93.0))
    out: list[DemoAim] = []

    # 1. Harm: adverse events per 1,000 patient days, u chart, lower is better; a shift after the bundle.
    days = rng.integers(8_500, 11_500, n).astype(float)
    after = np.arange(n) - change
    rate = np.where(after < 0, 62.0, 44.0 + harm_slope * after) / 1000
    events = rng.poisson(rate * days).astype(float)
    harm = Aim(organization_id=organization_id, title="Cut harm by half", measure="Adverse events per 1,000 "
               "patient days", definition="Global Trigger Tool adverse events found in 20 sampled records a "
               "month, scaled to 1,000 patient days.", unit="events per 1,000 patient days", data_type="rate",
               direction="down", baseline_period=_at(periods, 0), baseline_value=62.0, target_value=31.0,
               deadline=dt.date(2027, 12, 31), owner="Chief Medical Officer", leverage_points=(1, 2, 3),
               public_commitment=True, chart="u", rule_set="mdc", review_cadence="monthly",
               trajectory=((dt.date(2026, 12, 31), 40.0),))
    out.append(DemoAim(harm, pd.DataFrame({"period": periods, "numerator": events, "denominator": days}),
                       ((_at(periods, change - 4), "Trigger tool training for reviewers", "pdsa"),
                        (_at(periods, change), "Harm bundle live on all wards", "phase"),
                        (_at(periods, min(change + 5, n - 1)), "Falls huddles spread to surgery", "change")),
                       LAST_PERIOD + dt.timedelta(days=20)))

    # 2. Readmissions: proportion, p chart, lower is better; a downward trend over the last eight months.
    discharges = rng.integers(1_300, 1_700, n).astype(float)
    share = np.full(n, 0.142)
    share[-8:] = 0.142 - 0.0045 * np.arange(1, 9)
    readmitted = np.round(share * discharges + rng.normal(0, 3, n)).clip(0)
    readmissions = Aim(organization_id=organization_id, title="Fewer avoidable readmissions",
                       measure="Hospital readmission percentage", definition="Unplanned readmissions within 30 "
                       "days of discharge, as a percentage of discharges.", unit="% of discharges",
                       data_type="proportion", direction="down", baseline_period=_at(periods, 0),
                       baseline_value=14.2, target_value=10.0, deadline=dt.date(2027, 6, 30),
                       owner="Chief Nursing Officer", leverage_points=(1, 4), chart="p", rule_set="mdc",
                       review_cadence="bimonthly")
    out.append(DemoAim(readmissions,
                       pd.DataFrame({"period": periods, "numerator": readmitted, "denominator": discharges}),
                       ((_at(periods, n - 9), "Discharge phone calls tested on two wards", "pdsa"),
                        (_at(periods, n - 6), "Teach-back spread to all medical wards", "change")),
                       LAST_PERIOD - dt.timedelta(days=75)))

    # 3. Patient experience: continuous, XmR, higher is better; stable, target inside the limits; one
    # astronomical month (a survey vendor outage).
    experience = rng.normal(78.0, 1.6, n).round(1)
    outage = n - 11
    experience[outage] = 64.0
    experience_aim = Aim(organization_id=organization_id, title="Patients rate us among the best",
                         measure="Patient experience score", definition="Mean overall rating (0–100) in the "
                         "inpatient survey.", unit="score (0–100)", data_type="continuous", direction="up",
                         baseline_period=_at(periods, 0), baseline_value=78.0, target_value=80.0,
                         deadline=dt.date(2027, 12, 31), owner="Director of Patient Experience",
                         leverage_points=(1, 4), chart="xmr", rule_set="mdc", review_cadence="quarterly")
    out.append(DemoAim(experience_aim, pd.DataFrame({"period": periods, "value": experience}),
                       ((_at(periods, outage), "Survey vendor outage: partial sample", "astronomical"),),
                       None))

    # 4. Mortality: HSMR, XmR, lower is better; a shift after a sepsis programme.
    hsmr = np.where(np.arange(n) < n - 10, 101.0, hsmr_after) + rng.normal(0, 2.2, n)
    mortality = Aim(organization_id=organization_id, title="Reduce avoidable deaths",
                    measure="Hospital standardized mortality ratio (HSMR)", definition="Observed / expected "
                    "deaths × 100 (case-mix adjusted).", unit="ratio × 100", data_type="continuous",
                    direction="down", baseline_period=_at(periods, 0), baseline_value=101.0, target_value=hsmr_target,
                    deadline=dt.date(2027, 3, 31), owner="Chief Executive", leverage_points=(1, 6),
                    public_commitment=True, chart="xmr", rule_set="mdc", review_cadence="monthly",
                    baseline_points=12)
    out.append(DemoAim(mortality, pd.DataFrame({"period": periods, "value": hsmr.round(1)}),
                       ((_at(periods, n - 10), "Sepsis six bundle across the hospital", sepsis_kind),),
                       LAST_PERIOD + dt.timedelta(days=20)))

    # 5. Access: days to third next available appointment, run chart (IHI rules), lower is better.
    access = np.maximum(1, 24 - 0.35 * np.arange(n) + rng.normal(0, 1.4, n)).round(0)
    access_aim = Aim(organization_id=organization_id, title="See patients when they need us",
                     measure="Days to third next available appointment", unit="days", data_type="continuous",
                     direction="down", baseline_period=_at(periods, 0), baseline_value=24.0, target_value=7.0,
                     deadline=dt.date(2027, 9, 30), owner="", leverage_points=(1,), chart="run", rule_set="ihi",
                     review_cadence="quarterly")
    out.append(DemoAim(access_aim, pd.DataFrame({"period": periods, "value": access}),
                       ((_at(periods, n // 3), "Advanced access redesign in primary care", "change"),), None))
    return out


def load_demo_aims(store: Store, seed: int = SEED) -> int:
    """Write the demo aims of every demo organization found in the store; returns the number of aims."""
    register = AimStore(store)
    count = 0
    orgs = store.list_organizations()
    for org_id, name in orgs.itertuples(index=False):
        if name not in MONTHS:
            continue
        for demo_aim in aims_for(int(org_id), name, seed):
            aim_id = register.save_aim(demo_aim.aim)
            aim = register.get_aim(aim_id)
            register.save_measurements(aim, demo_aim.measurements, source="demo", replace_all=True)
            for on, label, kind in demo_aim.notes:
                register.add_annotation(aim_id, on, label, kind)
            if demo_aim.last_reviewed:
                register.mark_reviewed(aim_id, demo_aim.last_reviewed)
            count += 1
    return count
