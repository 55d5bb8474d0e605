# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Paired bootstrap intervals for judged episodes: a method against the base on the same layouts.

Every method is evaluated on the same layout seeds with the same sampling noise as the base
policy (``sim_evaluation``), so episode i of the method and episode i of the base form a pair.
Resampling pairs (not the two samples independently) keeps the layout-to-layout spread, which
dominates the events of a task, out of the interval of the difference. Pairs are resampled
within strata (the training seeds: each seed judges its own policy), so every resample keeps
each seed's share of episodes.

``ratio_interval``: the 95 % percentile interval of mean(method)/mean(base) (events per episode).
``difference_interval``: the same for mean(method − base) (e.g. success). An effect is called
significant only when its interval excludes the null value (1 for a ratio, 0 for a difference).
"""

from typing import Sequence

import numpy as np

CONFIDENCE = 0.95


def _resample_index(strata: np.ndarray, resamples: int, rng) -> np.ndarray:
    """Return (resamples, N) indices drawn with replacement within every stratum."""
    columns = []
    for stratum in np.unique(strata):
        members = np.flatnonzero(strata == stratum)
        columns.append(members[rng.integers(0, len(members), (resamples, len(members)))])
    return np.concatenate(columns, axis=1)


def _check(base: Sequence[float], method: Sequence[float], strata) -> tuple:
    base, method = np.asarray(base, dtype=float), np.asarray(method, dtype=float)
    if base.shape != method.shape or base.ndim != 1 or len(base) == 0:
        raise ValueError(f'paired samples need two equal, non-empty 1-D arrays, got '
                         f'{base.shape} and {method.shape}')
    strata = np.zeros(len(base), dtype=int) if strata is None else np.asarray(strata)
    if strata.shape != base.shape:
        raise ValueError(f'strata shape {strata.shape} does not match the pairs {base.shape}')
    return base, method, strata


def _percentiles(values: np.ndarray) -> list:
    tail = (1.0 - CONFIDENCE) / 2.0
    return [float(np.quantile(values, tail)), float(np.quantile(values, 1.0 - tail))]


def difference_interval(base, method, strata=None, resamples: int = 10_000,
                        seed: int = 0) -> list:
    """Return the 95 % paired-bootstrap interval [low, high] of mean(method − base)."""
    base, method, strata = _check(base, method, strata)
    index = _resample_index(strata, resamples, np.random.default_rng(seed))
    return _percentiles((method - base)[index].mean(axis=1))


def ratio_interval(base, method, strata=None, resamples: int = 10_000, seed: int = 0) -> list:
    """
    Return the 95 % paired-bootstrap interval of mean(method)/mean(base).

    Resamples whose base mean is 0 have no ratio and are left out; if every resample is such,
    the interval is [nan, nan].
    """
    base, method, strata = _check(base, method, strata)
    index = _resample_index(strata, resamples, np.random.default_rng(seed))
    base_means, method_means = base[index].mean(axis=1), method[index].mean(axis=1)
    usable = base_means > 0
    if not usable.any():
        return [float('nan'), float('nan')]
    return _percentiles(method_means[usable] / base_means[usable])


def excludes(interval: Sequence[float], null_value: float) -> bool:
    """Return True when ``interval`` lies entirely on one side of ``null_value``."""
    low, high = interval
    return bool(low > null_value or high < null_value)
