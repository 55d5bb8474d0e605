# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Diffusion-Policy-style conditional 1-D temporal UNet with FiLM conditioning.

The chunk (B, H, D) is treated as a 1-D signal of length H with D channels. Each residual
block applies two Conv1d-GroupNorm-Mish layers; between them the conditioning vector
(time embedding ⊕ observation features) produces a per-channel scale and bias (FiLM).
The encoder halves the length at each level except the last; each decoder level concatenates
the matching encoder features (skip connection), applies two blocks and doubles the length, so
H must be divisible by 2 ** (len(down_dims) - 1).
"""

from itertools import pairwise

from pact_policy.core.models.embeddings import time_mlp
import torch
from torch import nn


def _group_count(channels: int, preferred: int = 8) -> int:
    """Return the largest group count ≤ ``preferred`` dividing ``channels``."""
    for groups in range(min(preferred, channels), 0, -1):
        if channels % groups == 0:
            return groups
    return 1


class Conv1dBlock(nn.Module):
    """Conv1d (same length) → GroupNorm → Mish: (B, C_in, L) → (B, C_out, L)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv1d(in_channels, out_channels, kernel_size, padding=kernel_size // 2),
            nn.GroupNorm(_group_count(out_channels), out_channels),
            nn.Mish(),
        )

    def forward(self, signal: torch.Tensor) -> torch.Tensor:
        """Return the block output, shape (B, C_out, L)."""
        return self.block(signal)


class ConditionalResidualBlock1D(nn.Module):
    """
    Residual block whose hidden features are modulated by FiLM from a condition vector.

    (B, C_in, L), (B, cond_dim) → (B, C_out, L); hidden = scale(cond) * h + bias(cond).
    """

    def __init__(self, in_channels: int, out_channels: int, cond_dim: int, kernel_size: int):
        super().__init__()
        self.first = Conv1dBlock(in_channels, out_channels, kernel_size)
        self.second = Conv1dBlock(out_channels, out_channels, kernel_size)
        self.film = nn.Sequential(nn.Mish(), nn.Linear(cond_dim, 2 * out_channels))
        self.out_channels = out_channels
        self.residual = (nn.Conv1d(in_channels, out_channels, 1)
                         if in_channels != out_channels else nn.Identity())

    def forward(self, signal: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """Return the modulated residual output, shape (B, C_out, L)."""
        hidden = self.first(signal)
        scale, bias = self.film(cond).unsqueeze(-1).chunk(2, dim=1)
        hidden = self.second(scale * hidden + bias)
        return hidden + self.residual(signal)


class ConditionalUnet1D(nn.Module):
    """
    Predict ε (or velocity) for a chunk with a 1-D UNet over the time axis.

    Shapes: noisy (B, H, D), time (B,), condition (B, C) → output (B, H, D).
    ``down_dims`` gives the channel width per level, e.g. (64, 128, 256).
    """

    def __init__(self, horizon: int, action_dim: int, condition_dim: int,
                 down_dims: tuple = (64, 128), kernel_size: int = 5, time_embed_dim: int = 64):
        super().__init__()
        levels = len(down_dims)
        if levels < 1:
            raise ValueError('down_dims must name at least one level')
        if horizon % (2 ** (levels - 1)) != 0:
            raise ValueError(f'horizon {horizon} must be divisible by 2**{levels - 1} for '
                             f'down_dims {tuple(down_dims)}')
        self.horizon = horizon
        self.action_dim = action_dim
        self.condition_dim = condition_dim
        self.time_encoder = time_mlp(time_embed_dim, time_embed_dim)
        cond_dim = time_embed_dim + condition_dim
        widths = [action_dim, *down_dims]
        self.down_levels = nn.ModuleList()
        for level, (width_in, width_out) in enumerate(pairwise(widths)):
            last = level == levels - 1
            self.down_levels.append(nn.ModuleList([
                ConditionalResidualBlock1D(width_in, width_out, cond_dim, kernel_size),
                ConditionalResidualBlock1D(width_out, width_out, cond_dim, kernel_size),
                nn.Identity() if last else nn.Conv1d(width_out, width_out, 3, 2, 1),
            ]))
        middle = down_dims[-1]
        self.middle = nn.ModuleList([
            ConditionalResidualBlock1D(middle, middle, cond_dim, kernel_size),
            ConditionalResidualBlock1D(middle, middle, cond_dim, kernel_size),
        ])
        self.up_levels = nn.ModuleList()
        reversed_dims = list(reversed(down_dims))
        for width_in, width_out in pairwise(reversed_dims):
            self.up_levels.append(nn.ModuleList([
                ConditionalResidualBlock1D(2 * width_in, width_out, cond_dim, kernel_size),
                ConditionalResidualBlock1D(width_out, width_out, cond_dim, kernel_size),
                nn.ConvTranspose1d(width_out, width_out, 4, 2, 1),
            ]))
        self.final = nn.Sequential(
            Conv1dBlock(down_dims[0], down_dims[0], kernel_size),
            nn.Conv1d(down_dims[0], action_dim, 1),
        )

    def forward(self, noisy: torch.Tensor, time: torch.Tensor,
                condition: torch.Tensor) -> torch.Tensor:
        """Return the prediction, shape (B, H, D)."""
        cond = torch.cat([self.time_encoder(time), condition], dim=-1)
        signal = noisy.transpose(1, 2)  # (B, D, H)
        skips = []
        for first, second, downsample in self.down_levels:
            signal = second(first(signal, cond), cond)
            skips.append(signal)
            signal = downsample(signal)
        for block in self.middle:
            signal = block(signal, cond)
        for first, second, upsample in self.up_levels:
            signal = torch.cat([signal, skips.pop()], dim=1)
            signal = upsample(second(first(signal, cond), cond))
        return self.final(signal).transpose(1, 2)
