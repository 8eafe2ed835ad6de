"""A prediction interval for a measure's value at a future date, honest about autocorrelation.

Monthly health-care measures drift, and one month is rarely independent of the last. The interval here is
for the *value that will be measured* at the deadline (not for the fitted line), and keeps its nominal
coverage when the month-to-month scatter is autocorrelated. Method (docs/statistics.md, "Deadline
projection"):

1. Points are placed on a grid of steps (the median spacing of the periods: a month for monthly data).
2. The trend is a Theil–Sen line (the median of all pairwise slopes, so one odd month cannot swing it),
   fitted to the latest `MAX_POINTS` points of the current phase.
3. The scatter around it is modelled as first-order autoregressive, AR(1): its lag-1 autocorrelation is
   estimated from the residuals and corrected for the bias of that estimate in short detrended series
   (E[φ̂] ≈ φ − (2 + 6φ)/n, found by simulation for this estimator).
4. The error of the prediction is studentised by a plug-in standard error (the variance of a linear-trend
   forecast under AR(1) errors), and the distribution of that ratio is simulated: `SIMULATIONS` series of
   AR(1) noise with autocorrelations drawn around the corrected estimate (so the uncertainty of φ itself is
   carried), each fitted by the same Theil–Sen procedure. The ratio does not depend on the trend or the
   scale, so its simulated quantiles, times the data's own standard error, give the interval.

The simulation is seeded and cached by the design (positions, horizon, autocorrelation on a 0.05 grid), so
the same data always give the same interval, and a board of aims of the same length shares the work.
`benchmarks/projection_coverage.py` measures the coverage this achieves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

LEVEL = 0.90
MIN_POINTS = 12  # fewer points: no projection (the interval's coverage is checked from 12 points)
MAX_POINTS = 60  # the latest points of the phase a trend is fitted to
SIMULATIONS = 800
PHI_LIMITS = (-0.5, 0.9)  # autocorrelations outside this range are taken at its edge
PHI_GRID = 0.05  # the corrected autocorrelation is rounded to this grid (the simulation's cache key)
MAX_STEPS = 600  # periods ahead beyond which nothing is projected (fifty years of months)
BAND_STEPS = 24  # horizons at which the band to the deadline is computed (at most)
SEED = 20080101
DAYS_PER_YEAR = 365.25
METHOD_NAME = ("Theil–Sen trend with AR(1) scatter; prediction interval from a simulation-calibrated "
               "studentised forecast error (bias-corrected autocorrelation)")


class PredictionError(ValueError):
    """The series cannot be projected (too few points, a deadline not after the last point)."""


@dataclass(frozen=True)
class Prediction:
    """The value expected at the deadline, with its prediction interval and the fitted line."""

    estimate: float
    low: float
    high: float
    level: float
    slope_per_year: float
    autocorrelation: float  # the bias-corrected lag-1 autocorrelation the interval was computed with
    points: int  # points the trend was fitted to
    line: pd.DataFrame  # period, value: the fitted trend from the first fitted point to the deadline
    band: pd.DataFrame  # period, low, high: the prediction interval from the last point to the deadline


# --- the fit ----------------------------------------------------------------------------------------------
def _theil_sen(pos: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intercepts and slopes of each row of `values` (n columns at `pos`): median pairwise slope, median intercept."""
    i, j = np.triu_indices(len(pos), 1)
    slopes = _median_rows((values[:, j] - values[:, i]) / (pos[j] - pos[i]))
    intercepts = _median_rows(values - slopes[:, None] * pos[None, :])
    return intercepts, slopes


def _median_rows(a: np.ndarray) -> np.ndarray:
    """The median of each row, partitioning `a` in place (it is a temporary): np.median without its copy."""
    m = a.shape[1]
    half = m // 2
    if m % 2:
        a.partition(half, axis=1)
        return a[:, half].copy()
    a.partition((half - 1, half), axis=1)
    return (a[:, half - 1] + a[:, half]) / 2.0


def _lag_one(residuals: np.ndarray) -> np.ndarray:
    centred = residuals - residuals.mean(axis=1, keepdims=True)
    total = (centred ** 2).sum(axis=1)
    lagged = (centred[:, 1:] * centred[:, :-1]).sum(axis=1)
    return np.divide(lagged, total, out=np.zeros_like(total), where=total > 0)


def _variance_factors(pos: np.ndarray, at: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Var(forecast error) / Var(scatter) of a least-squares line forecast at `at` under AR(1) with `phi`.

    1 + wᵀRw − 2wᵀr: w the line's weights for the forecast, R the scatter's correlations at the observed
    positions, r their correlations with the scatter at the forecast position. Shape (len(phi), len(at)).
    """
    design = np.column_stack([np.ones_like(pos), pos])
    weights = np.column_stack([np.ones_like(at), at]) @ np.linalg.pinv(design)  # (K, n)
    steps = pos.astype(int)
    lags = np.abs(steps[:, None] - steps[None, :]).ravel()
    pair_sums = np.stack([np.bincount(lags, weights=np.outer(w, w).ravel(), minlength=lags.max() + 1)
                          for w in weights])  # (K, max lag + 1): Σ w_i w_j over pairs at each lag
    within = np.power.outer(phi, np.arange(pair_sums.shape[1])) @ pair_sums.T
    # corr(scatter at a_k, at p_i) = φ^(a_k − p_last) · φ^(p_last − p_i)
    back = np.power.outer(phi, steps[-1] - steps) @ weights.T  # (B, K)
    ahead = np.power.outer(phi, np.round(at - pos[-1])) * back
    return np.maximum(1.0 + within - 2.0 * ahead, 1e-12)


def _fit(pos: np.ndarray, values: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(forecasts at `at`, their plug-in standard errors, lag-1 autocorrelation) for each row of `values`."""
    n = len(pos)
    intercepts, slopes = _theil_sen(pos, values)
    residuals = values - intercepts[:, None] - slopes[:, None] * pos[None, :]
    scatter = (residuals ** 2).sum(axis=1) / (n - 2)
    phi = _lag_one(residuals)
    factors = _variance_factors(pos, at, np.clip(phi, *PHI_LIMITS))
    forecast = intercepts[:, None] + slopes[:, None] * at[None, :]
    return forecast, np.sqrt(scatter[:, None] * factors), phi


def corrected_autocorrelation(phi: float, n: int) -> float:
    """The lag-1 autocorrelation of Theil–Sen residuals, corrected for its bias: E[φ̂] ≈ φ − (2 + 6φ)/n."""
    return float(np.clip((phi + 2.0 / n) / (1.0 - 6.0 / n), *PHI_LIMITS))


# --- the calibration ----------------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _studentised_errors(pos: tuple[int, ...], horizons: tuple[int, ...], phi: float) -> np.ndarray:
    """Sorted simulated (future value − forecast) / standard error, per horizon: shape (SIMULATIONS, K).

    AR(1) series with unit innovations and autocorrelation drawn around `phi` (its sampling spread for this
    many points), observed at `pos`, fitted as the data are; no trend is needed (the ratio ignores it).
    """
    where = np.asarray(pos, dtype=float)
    n = len(where)
    rng = np.random.default_rng([SEED, n, len(horizons), round((phi + 1) * 1000)])
    spread = math.sqrt(max(1.0 - phi ** 2, 0.05) / n)  # the asymptotic spread of an AR(1) estimate
    phis = np.clip(phi + spread * rng.standard_normal(SIMULATIONS), PHI_LIMITS[0], 0.95)
    length = pos[-1] + max(horizons) + 1
    shocks = rng.standard_normal((SIMULATIONS, length))
    series = np.empty_like(shocks)
    series[:, 0] = shocks[:, 0] / np.sqrt(1.0 - phis ** 2)
    for t in range(1, length):
        series[:, t] = phis * series[:, t - 1] + shocks[:, t]
    at = np.asarray([pos[-1] + h for h in horizons], dtype=float)
    forecast, error, _ = _fit(where, series[:, list(pos)], at)
    future = series[:, [pos[-1] + h for h in horizons]]
    return np.sort((future - forecast) / error, axis=0)


def _quantiles(sorted_errors: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1.0 - level) / 2.0
    return (np.quantile(sorted_errors, tail, axis=0, method="linear"),
            np.quantile(sorted_errors, 1.0 - tail, axis=0, method="linear"))


# --- the public function -------------------------------------------------------------------------------------
def predict(periods: Sequence[object], values: Sequence[float], deadline: object,
            level: float = LEVEL) -> Prediction:
    """The value at `deadline` predicted from the series (`periods` ascending), with a `level` interval."""
    times = pd.to_datetime(pd.Series(list(periods))).to_numpy(dtype="datetime64[D]")
    y = np.asarray(values, dtype=float)
    if len(y) != len(times):
        raise PredictionError("periods and values differ in length")
    times, y = times[-MAX_POINTS:], y[-MAX_POINTS:]
    n = len(y)
    if n < MIN_POINTS:
        raise PredictionError(f"{n} point(s); a projection needs {MIN_POINTS}")
    if not 0.0 < level < 1.0:
        raise PredictionError("the level must lie between 0 and 1")
    days = (times - times[0]).astype(float)
    step = float(np.median(np.diff(days)))
    if step <= 0:
        raise PredictionError("two points share a period")
    pos = np.round(days / step)
    if np.any(np.diff(pos) <= 0):  # uneven periods that round together: take them as evenly spaced
        pos = np.arange(n, dtype=float)
    deadline_day = np.datetime64(pd.Timestamp(deadline).date(), "D")
    ahead = float((deadline_day - times[0]).astype(float)) / step
    if ahead <= pos[-1]:
        raise PredictionError("the deadline is not after the last point")
    steps = max(1, round(ahead - pos[-1]))
    if steps > MAX_STEPS:
        raise PredictionError(f"the deadline is more than {MAX_STEPS} periods after the last point")
    horizons = tuple(sorted({int(h) for h in np.round(np.linspace(1, steps, min(steps, BAND_STEPS)))} | {steps}))
    at = pos[-1] + np.asarray(horizons, dtype=float)
    at[-1] = ahead  # the last horizon is the deadline itself
    observed = y[None, :]
    forecast, error, phi_hat = _fit(pos, observed, at)
    phi = round(corrected_autocorrelation(float(phi_hat[0]), n) / PHI_GRID) * PHI_GRID
    below, above = _quantiles(_studentised_errors(tuple(int(p) for p in pos), horizons, round(phi, 2)), level)
    lows, highs = forecast[0] + below * error[0], forecast[0] + above * error[0]
    intercept, slope = _theil_sen(pos, observed)
    start = pd.Timestamp(times[0])

    def period(x: np.ndarray) -> pd.DatetimeIndex:
        return start + pd.to_timedelta(np.asarray(x) * step, unit="D")

    grid = np.linspace(0.0, ahead, BAND_STEPS)
    line = pd.DataFrame({"period": period(grid), "value": intercept[0] + slope[0] * grid})
    band = pd.DataFrame({"period": period(at), "low": lows, "high": highs})
    return Prediction(estimate=float(forecast[0, -1]), low=float(lows[-1]), high=float(highs[-1]), level=level,
                      slope_per_year=float(slope[0]) / step * DAYS_PER_YEAR, autocorrelation=phi, points=n,
                      line=line, band=band)
