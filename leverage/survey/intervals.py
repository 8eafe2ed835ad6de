"""Intervals for a group's mean score on the bounded 1–5 scale: never outside it, never of zero width.

A t interval (mean ± t·SD/√n) ignores that scores cannot leave 1–5: near the ends of the scale it runs past
them, and when everyone in a group gave the same answer it has no width at all, as if the group's mean were
known exactly. The interval here is a score interval for a bounded mean (Wilson 1927, generalised as for
quasi-binomial data, Wedderburn 1974):

1. The scale is rescaled to 0–1 (x = (score − 1) / 4) and the group's mean m and sample variance v with it.
2. The variance of a mean on 0–1 is modelled as c·μ(1 − μ)/n, with c = v / (m(1 − m)) matched to the data
   (c ≤ 1: no variable on 0–1 varies more than a yes/no one). The interval is the set of μ whose distance
   from m is within t·√(c·μ(1 − μ)/n): Wilson's formula with n/c in place of n and Student's t (n − 1
   degrees of freedom) in place of z. Inside 0–1 by construction, and close to the t interval away from
   the ends of the scale.
3. **Choice** (so that agreement is not read as certainty): the variance is never taken below that of the
   group plus one more respondent half a scale step away, (0.125² / (n + 1) on 0–1); and c is judged against
   at least a scale step's variance, 0.25² / (n + 1), so a group all at one end still gets a width.

In simulation on 5-point items (4 per point; groups of 5–30; spread, skewed, all-but-extreme and clustered
answers) this holds the group's mean at least 95 % of the time, where the t interval ran past the scale in
up to 84 % of small skewed groups and had zero width in 14 % of clustered ones (tests/test_intervals.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import stdtrit  # the t quantile; scipy.stats would add ~1 s to every start

from leverage.core.columns import SCALE_RANGE

HALF_STEP_FLOOR = 0.5  # the floor's pseudo-respondent is this many scale steps from the rest
STEP_CAP = 1.0  # c is judged against at least this many steps' variance
HALF_STEP_VARIANCE = HALF_STEP_FLOOR ** 2  # on the 1–5 scale: the floor is this / (n + 1) (Welch's test uses it)


def mean_interval(mean: pd.Series | np.ndarray, sd: pd.Series | np.ndarray, n: pd.Series | np.ndarray,
                  level: float = 0.95, scale: tuple[int, int] = SCALE_RANGE) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of each group's mean on `scale`; NaN where n < 2 or the mean is missing."""
    low_end, high_end = scale
    span = float(high_end - low_end)
    n = np.asarray(n, dtype=float)
    mean = np.asarray(mean, dtype=float)
    sd = np.asarray(sd, dtype=float)
    usable = (n >= 2) & np.isfinite(mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.clip((mean - low_end) / span, 0.0, 1.0)
        step = 1.0 / span
        variance = np.where(np.isfinite(sd), (sd / span) ** 2, 0.0)
        variance = np.maximum(variance, (HALF_STEP_FLOOR * step) ** 2 / (n + 1))
        c = np.minimum(1.0, variance / np.maximum(m * (1 - m), (STEP_CAP * step) ** 2 / (n + 1)))
        t = stdtrit(np.where(usable, n - 1, 1.0), 0.5 + level / 2)
        effective = n / c
        t2 = t ** 2
        centre = (m + t2 / (2 * effective)) / (1 + t2 / effective)
        half = t / (1 + t2 / effective) * np.sqrt(m * (1 - m) / effective + t2 / (4 * effective ** 2))
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    low = np.where(usable, low_end + span * np.minimum(low, m), np.nan)
    high = np.where(usable, low_end + span * np.maximum(high, m), np.nan)
    return low, high
