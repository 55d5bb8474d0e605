# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Paired bootstrap intervals against normal-theory closed forms (large samples)."""

import numpy as np
from pact_trainer.core.paired_statistics import (difference_interval, excludes,
                                                 ratio_interval)
import pytest

Z = 1.959964  # standard normal 97.5 % quantile


def test_difference_interval_matches_the_normal_interval_of_the_paired_mean():
    # 2000 pairs: the bootstrap percentile interval of the mean difference approaches
    # mean ± z·sd/√n (sd with ddof 0, the bootstrap's); 5 % of the half-width is the tolerance
    # for 10^4 resamples (Monte-Carlo error of the 2.5/97.5 % quantiles is about 2 %).
    rng = np.random.default_rng(3)
    base = rng.poisson(2.0, 2000).astype(float)
    method = base + rng.normal(-0.5, 1.0, 2000)
    low, high = difference_interval(base, method, resamples=10_000)
    difference = method - base
    half = Z * difference.std() / np.sqrt(len(difference))
    assert (low + high) / 2 == pytest.approx(difference.mean(), abs=0.05 * half)
    assert (high - low) / 2 == pytest.approx(half, rel=0.05)


def test_strata_remove_the_between_seed_spread_from_the_interval():
    # Three strata with very different means: resampling within strata gives the variance
    # Σ_s (n_s/N)² var_s / n_s of the mean, not the larger pooled variance.
    rng = np.random.default_rng(4)
    strata = np.repeat([0, 1, 2], 800)
    offsets = np.array([-3.0, 0.0, 3.0])[strata]
    difference = offsets + rng.normal(0.0, 0.5, len(strata))
    low, high = difference_interval(np.zeros(len(strata)), difference, strata, 10_000)
    n = len(strata)
    variance = sum((np.sum(strata == s) / n) ** 2 * difference[strata == s].var()
                   / np.sum(strata == s) for s in range(3))
    assert (high - low) / 2 == pytest.approx(Z * np.sqrt(variance), rel=0.05)
    pooled_low, pooled_high = difference_interval(np.zeros(n), difference, None, 10_000)
    assert pooled_high - pooled_low > 3 * (high - low)  # pooled sd 2.5 vs 0.5


def test_ratio_interval_matches_the_delta_method():
    # ratio R = mean(m)/mean(b); delta method: var(R) ≈ var(m - R b)/(n mean(b)²).
    rng = np.random.default_rng(5)
    base = rng.poisson(3.0, 3000).astype(float)
    method = rng.binomial(base.astype(int), 0.4).astype(float)
    low, high = ratio_interval(base, method, resamples=10_000)
    ratio = method.mean() / base.mean()
    half = Z * np.sqrt((method - ratio * base).var() / len(base)) / base.mean()
    assert (low + high) / 2 == pytest.approx(ratio, abs=0.05 * half)
    assert (high - low) / 2 == pytest.approx(half, rel=0.05)
    assert excludes([low, high], 1.0) and not excludes([low, high], ratio)


def test_bad_pairs_are_refused_and_zero_base_has_no_ratio():
    with pytest.raises(ValueError, match='paired samples'):
        difference_interval([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match='strata'):
        difference_interval([1.0, 2.0], [1.0, 2.0], strata=[0])
    assert all(np.isnan(ratio_interval([0.0, 0.0], [1.0, 2.0])))
