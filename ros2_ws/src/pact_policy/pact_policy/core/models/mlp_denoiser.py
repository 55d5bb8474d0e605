# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""A small residual MLP denoiser over the flattened action chunk."""

from pact_policy.core.models.embeddings import time_mlp
import torch
from torch import nn


class ResidualMLPBlock(nn.Module):
    """LayerNorm → Linear → Mish → Linear, added to the input; width stays ``hidden_dim``."""

    def __init__(self, hidden_dim: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.LayerNorm(hidden_dim),
            nn.Linear(hidden_dim, hidden_dim),
            nn.Mish(),
            nn.Linear(hidden_dim, hidden_dim),
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Return ``features + body(features)``, shape (B, hidden_dim)."""
        return features + self.body(features)


class MLPDenoiser(nn.Module):
    """
    Predict ε (or velocity) for a whole chunk from [flat chunk, time embedding, condition].

    Shapes: noisy (B, H, D), time (B,), condition (B, C) → output (B, H, D).
    """

    def __init__(self, horizon: int, action_dim: int, condition_dim: int,
                 hidden_dim: int = 256, num_blocks: int = 3, time_embed_dim: int = 64):
        super().__init__()
        self.horizon = horizon
        self.action_dim = action_dim
        self.condition_dim = condition_dim
        self.time_encoder = time_mlp(time_embed_dim, time_embed_dim)
        input_dim = horizon * action_dim + time_embed_dim + condition_dim
        self.input_layer = nn.Linear(input_dim, hidden_dim)
        self.blocks = nn.Sequential(*[ResidualMLPBlock(hidden_dim) for _ in range(num_blocks)])
        self.output_layer = nn.Sequential(
            nn.LayerNorm(hidden_dim), nn.Linear(hidden_dim, horizon * action_dim))

    def forward(self, noisy: torch.Tensor, time: torch.Tensor,
                condition: torch.Tensor) -> torch.Tensor:
        """Return the prediction, shape (B, H, D)."""
        batch = noisy.shape[0]
        features = torch.cat(
            [noisy.reshape(batch, -1), self.time_encoder(time), condition], dim=-1)
        hidden = self.blocks(self.input_layer(features))
        return self.output_layer(hidden).reshape(batch, self.horizon, self.action_dim)
