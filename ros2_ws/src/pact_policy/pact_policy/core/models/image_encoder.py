# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
A small CNN that turns one preprocessed camera image into a feature vector for the policy.

Input: (B, 3, S, S) float, normalised by ``core.image_preprocessing`` (RGB order).
Backbone: one Conv2d(3×3) → GroupNorm → ReLU layer per entry of ``channels``; every layer but
the last halves the resolution (stride 2), so the feature map is (B, C, S', S') with
S' = ceil(S / 2 ** (len(channels) - 1)) and C = ``channels[-1]``.
Head: per channel, the spatial mean (WHAT is in view: colour, texture) and the spatial-softmax
keypoint (WHERE it is: expected x, y in [-1, 1] under softmax(feature map), as in Levine et al.
2016 and Diffusion Policy), concatenated (3C) and mapped by a Linear layer to ``feature_dim``.
Output: (B, feature_dim). Trained end to end with the denoiser.
"""

import math

import torch
from torch import nn


def spatial_softmax_keypoints(features: torch.Tensor) -> torch.Tensor:
    """
    Return the expected (x, y) image position per channel, shape (B, 2C), in [-1, 1].

    ``features`` (B, C, H, W); x grows to the right, y downwards; -1/1 are the centres of the
    first/last pixel column (row). The weights are softmax over the H*W positions per channel.
    """
    batch, channels, height, width = features.shape
    weights = torch.softmax(features.reshape(batch, channels, height * width), dim=-1)
    weights = weights.reshape(batch, channels, height, width)
    xs = torch.linspace(-1.0, 1.0, width, device=features.device, dtype=features.dtype)
    ys = torch.linspace(-1.0, 1.0, height, device=features.device, dtype=features.dtype)
    expected_x = (weights.sum(dim=2) * xs).sum(dim=-1)
    expected_y = (weights.sum(dim=3) * ys).sum(dim=-1)
    return torch.cat([expected_x, expected_y], dim=-1)


class ImageEncoder(nn.Module):
    """CNN image → (B, feature_dim) features; see the module docstring."""

    def __init__(self, feature_dim: int = 64, channels: tuple = (16, 32, 64, 64)):
        super().__init__()
        if feature_dim < 1 or not channels or min(channels) < 1:
            raise ValueError(f'image encoder needs feature_dim >= 1 and positive channel '
                             f'widths, got {feature_dim} and {tuple(channels)}')
        self.feature_dim = feature_dim
        layers = []
        width_in = 3
        for index, width in enumerate(channels):
            stride = 1 if index == len(channels) - 1 else 2
            layers += [nn.Conv2d(width_in, width, 3, stride, 1),
                       nn.GroupNorm(math.gcd(8, width), width),
                       nn.ReLU()]
            width_in = width
        self.backbone = nn.Sequential(*layers)
        self.projection = nn.Linear(3 * channels[-1], feature_dim)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """Return (B, feature_dim) features of a normalised (B, 3, S, S) image batch."""
        if image.dim() != 4 or image.shape[1] != 3:
            raise ValueError(f'image batch must be (B, 3, S, S), got {tuple(image.shape)}')
        features = self.backbone(image)
        pooled = features.mean(dim=(2, 3))
        keypoints = spatial_softmax_keypoints(features)
        return self.projection(torch.cat([pooled, keypoints], dim=-1))
