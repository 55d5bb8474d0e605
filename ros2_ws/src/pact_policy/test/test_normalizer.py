# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Per-dimension normalisers: ranges, moments, round trips, degenerate dimensions."""

import json

import numpy as np
from pact_policy.core.normalizer import Normalizer
import pytest
import torch


def test_minmax_maps_data_range_to_unit_interval():
    data = np.array([[0.0, -2.0, 5.0], [1.0, 2.0, 5.0], [0.5, 0.0, 5.0]])
    normalizer = Normalizer.fit(data, 'minmax')
    normalized = normalizer.normalize(data)
    np.testing.assert_allclose(normalized[:, 0], [-1.0, 1.0, 0.0])
    np.testing.assert_allclose(normalized[:, 1], [-1.0, 1.0, 0.0])
    np.testing.assert_allclose(normalized[:, 2], [0.0, 0.0, 0.0])  # constant dim stays finite
    np.testing.assert_allclose(normalizer.unnormalize(normalized), data)


def test_gaussian_gives_zero_mean_unit_std_and_works_on_torch():
    rng = np.random.default_rng(0)
    data = rng.normal([1.0, -3.0], [0.5, 2.0], size=(1000, 2))
    normalizer = Normalizer.fit(data, 'gaussian')
    normalized = normalizer.normalize(torch.tensor(data, dtype=torch.float32))
    assert isinstance(normalized, torch.Tensor)
    torch.testing.assert_close(normalized.mean(0), torch.zeros(2), atol=1e-5, rtol=0)
    torch.testing.assert_close(normalized.std(0, unbiased=False), torch.ones(2), atol=1e-4,
                               rtol=0)


def test_json_round_trip_is_exact():
    rng = np.random.default_rng(3)
    for mode in ('minmax', 'gaussian'):
        normalizer = Normalizer.fit(rng.normal(size=(50, 4)), mode)
        restored = Normalizer.from_dict(json.loads(json.dumps(normalizer.to_dict())))
        np.testing.assert_array_equal(restored.offset, normalizer.offset)
        np.testing.assert_array_equal(restored.scale, normalizer.scale)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match='mode'):
        Normalizer.fit(np.zeros((3, 2)), 'robust')
    with pytest.raises(ValueError, match='non-finite'):
        Normalizer.fit(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="lack \\['max'\\]"):
        Normalizer.from_dict({'mode': 'minmax', 'min': [0.0]})
    with pytest.raises(ValueError, match='last dimension 2'):
        Normalizer.identity(2).normalize(np.zeros((1, 3)))
