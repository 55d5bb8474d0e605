# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The CNN image encoder: output shape, finiteness, gradients, spatial-softmax keypoints."""

import numpy as np
from pact_policy.core.models import ImageEncoder
from pact_policy.core.models.image_encoder import spatial_softmax_keypoints
import pytest
import torch

torch.set_num_threads(1)


@pytest.mark.parametrize('size, channels', [(96, (16, 32, 64, 64)), (16, (8, 8)), (13, (4,))])
def test_output_shape_finite_and_differentiable(size, channels):
    torch.manual_seed(0)
    encoder = ImageEncoder(feature_dim=24, channels=channels)
    image = torch.randn(3, 3, size, size, requires_grad=True)
    features = encoder(image)
    assert features.shape == (3, 24)
    assert bool(torch.isfinite(features).all())
    features.square().sum().backward()
    assert bool(torch.isfinite(image.grad).all()) and float(image.grad.abs().sum()) > 0.0
    for parameter in encoder.parameters():
        assert parameter.grad is not None and bool(torch.isfinite(parameter.grad).all())


def test_bad_input_shape_is_rejected():
    with pytest.raises(ValueError, match=r'\(B, 3, S, S\), got \(2, 1, 8, 8\)'):
        ImageEncoder(feature_dim=4, channels=(4,))(torch.zeros(2, 1, 8, 8))


def test_spatial_softmax_matches_a_numpy_reference():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(2, 3, 4, 5)) * 3.0
    expected = np.empty((2, 6))
    xs, ys = np.linspace(-1, 1, 5), np.linspace(-1, 1, 4)
    for b in range(2):
        for c in range(3):
            weights = np.exp(features[b, c] - features[b, c].max())
            weights /= weights.sum()
            expected[b, c] = (weights * xs[None, :]).sum()
            expected[b, 3 + c] = (weights * ys[:, None]).sum()
    result = spatial_softmax_keypoints(torch.as_tensor(features))
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_spatial_softmax_finds_a_sharp_peak():
    features = torch.zeros(1, 1, 5, 9)
    features[0, 0, 4, 2] = 100.0  # bottom row, third column
    keypoint = spatial_softmax_keypoints(features)[0]
    np.testing.assert_allclose(keypoint.numpy(), [-1.0 + 2.0 * 2 / 8, 1.0], atol=1e-6)
