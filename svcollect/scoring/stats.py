"""Paired t and Welch two-sample statistics on numpy arrays (no suppression here)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats as sps


@dataclass(frozen=True)
class PairedTest:
    """Paired mean change with a t-distribution interval and two-sided p-value."""

    n: int
    mean_change: float
    sd_change: float | None
    ci_low: float | None
    ci_high: float | None
    t: float | None
    p_value: float | None
    srm: float | None  # standardised response mean: mean change / SD of change


@dataclass(frozen=True)
class WelchTest:
    """Difference in means of two independent groups (b minus a), Welch-Satterthwaite df."""

    n_a: int
    n_b: int
    difference: float
    ci_low: float | None
    ci_high: float | None
    df: float | None
    p_value: float | None


def _p_two_sided(t: float, df: float) -> float:
    return float(2.0 * sps.t.sf(abs(t), df))


def paired_t(diffs: npt.NDArray[np.float64], confidence: float = 0.95) -> PairedTest:
    """Mean of paired differences, CI mean +/- t(1-a/2, n-1) * sd/sqrt(n), p from t = mean/se.

    With one pair, only the mean exists. When every difference is the same the SD is 0:
    the interval collapses to the mean and p is 1 if that mean is 0, else 0.
    """
    n = len(diffs)
    if n == 0:
        raise ValueError("no pairs")
    mean = float(np.mean(diffs))
    if n == 1:
        return PairedTest(1, mean, None, None, None, None, None, None)
    sd = float(np.std(diffs, ddof=1))
    se = sd / math.sqrt(n)
    df = n - 1
    if se == 0.0:
        p = 1.0 if mean == 0.0 else 0.0
        return PairedTest(n, mean, 0.0, mean, mean, None, p, None)
    crit = float(sps.t.ppf(0.5 + confidence / 2.0, df))
    t = mean / se
    return PairedTest(
        n, mean, sd, mean - crit * se, mean + crit * se, t, _p_two_sided(t, df), mean / sd
    )


def welch(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64], confidence: float = 0.95
) -> WelchTest:
    """Welch two-sample comparison of means (b - a); needs at least two in each group."""
    n_a, n_b = len(a), len(b)
    if n_a == 0 or n_b == 0:
        raise ValueError("both groups need at least one value")
    diff = float(np.mean(b) - np.mean(a))
    if n_a < 2 or n_b < 2:
        return WelchTest(n_a, n_b, diff, None, None, None, None)
    va = float(np.var(a, ddof=1)) / n_a
    vb = float(np.var(b, ddof=1)) / n_b
    se = math.sqrt(va + vb)
    if se == 0.0:
        return WelchTest(n_a, n_b, diff, diff, diff, None, 1.0 if diff == 0.0 else 0.0)
    df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
    crit = float(sps.t.ppf(0.5 + confidence / 2.0, df))
    return WelchTest(
        n_a, n_b, diff, diff - crit * se, diff + crit * se, df, _p_two_sided(diff / se, df)
    )
