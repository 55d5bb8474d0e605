# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Sinusoidal embedding of the (float) diffusion time, as in Transformer positional codes."""

import math

import torch
from torch import nn


class SinusoidalTimeEmbedding(nn.Module):
    """
    Embed a float time per sample, shape (B,), into (B, dim) sin/cos features.

    Frequencies are geometric from 1 to 1/10000, so times in [0, ~1000] (DDPM step indices,
    or flow time scaled by the number of training steps) are resolved well.
    """

    def __init__(self, dim: int):
        super().__init__()
        if dim % 2 != 0 or dim < 2:
            raise ValueError(f'time embedding dim must be even and >= 2, got {dim}')
        self.dim = dim

    def forward(self, time: torch.Tensor) -> torch.Tensor:
        """Return the (B, dim) embedding of ``time`` (B,)."""
        half = self.dim // 2
        exponent = torch.arange(half, device=time.device, dtype=torch.float32) / max(half - 1, 1)
        frequencies = torch.exp(-math.log(10000.0) * exponent)
        angles = time.float()[:, None] * frequencies[None, :]
        return torch.cat([angles.sin(), angles.cos()], dim=-1)


def time_mlp(embed_dim: int, out_dim: int) -> nn.Sequential:
    """Return sinusoidal embedding → Linear → Mish → Linear, mapping (B,) to (B, out_dim)."""
    return nn.Sequential(
        SinusoidalTimeEmbedding(embed_dim),
        nn.Linear(embed_dim, 4 * embed_dim),
        nn.Mish(),
        nn.Linear(4 * embed_dim, out_dim),
    )
