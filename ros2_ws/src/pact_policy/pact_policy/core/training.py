# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Supervised denoising training of a ``DiffusionPolicy`` on (observation, action chunk) pairs.

``fit_policy`` runs AdamW on ``policy.loss`` over random mini-batches, keeps an exponential
moving average (EMA) of the weights, and returns the per-step losses. It is deterministic for a
given ``seed`` on a given device and torch build (batch order, noise and timesteps all come from
generators seeded from ``seed``).
"""

import copy
from dataclasses import dataclass

import torch


class ExponentialMovingAverage:
    """
    EMA of a module's parameters: θ_ema ← d θ_ema + (1 - d) θ with warm-up.

    The decay grows as min(decay, (1 + n) / (10 + n)) with the update count n, so early
    averages are not dominated by the random initialisation.
    """

    def __init__(self, module: torch.nn.Module, decay: float = 0.995):
        if not 0.0 <= decay < 1.0:
            raise ValueError(f'EMA decay must be in [0, 1), got {decay}')
        self.decay = decay
        self.updates = 0
        self.shadow = copy.deepcopy(module).eval()
        for parameter in self.shadow.parameters():
            parameter.requires_grad_(False)

    def current_decay(self) -> float:
        """Return the decay used by the next update."""
        return min(self.decay, (1.0 + self.updates) / (10.0 + self.updates))

    @torch.no_grad()
    def update(self, module: torch.nn.Module):
        """Blend the module's current parameters (and copy its buffers) into the shadow."""
        decay = self.current_decay()
        for shadow, live in zip(self.shadow.parameters(), module.parameters(), strict=True):
            shadow.mul_(decay).add_(live.detach(), alpha=1.0 - decay)
        for shadow, live in zip(self.shadow.buffers(), module.buffers(), strict=True):
            shadow.copy_(live)
        self.updates += 1


@dataclass
class TrainingSettings:
    """Optimisation settings; ``num_steps`` gradient steps of ``batch_size`` samples."""

    num_steps: int = 2000
    batch_size: int = 256
    learning_rate: float = 1e-3
    weight_decay: float = 1e-6
    ema_decay: float = 0.995
    grad_clip_norm: float = 1.0
    seed: int = 0


def fit_policy(policy, actions: torch.Tensor, observations: torch.Tensor,
               settings: TrainingSettings, progress=None, images: torch.Tensor = None):
    """
    Train ``policy`` in place; return (EMA copy of the policy, losses list of floats).

    ``actions`` (N, H, D) and ``observations`` (N, O) are unnormalised tensors; ``images``
    (N, 3, S, S) preprocessed camera frames, for a policy with a camera only (its image encoder
    is trained together with the denoiser). ``progress``, when given, is called as
    ``progress(step, loss)`` after every step.
    """
    if actions.shape[0] != observations.shape[0] or actions.shape[0] == 0:
        raise ValueError(f'need matching non-empty datasets, got {actions.shape[0]} action '
                         f'chunks and {observations.shape[0]} observations')
    if images is not None and images.shape[0] != actions.shape[0]:
        raise ValueError(f'need one image per action chunk, got {images.shape[0]} images and '
                         f'{actions.shape[0]} chunks')
    device = policy.device
    actions, observations = actions.to(device), observations.to(device)
    images = None if images is None else images.to(device)
    torch.manual_seed(settings.seed)
    generator = torch.Generator(device=device).manual_seed(settings.seed)
    optimizer = torch.optim.AdamW(policy.parameters(), lr=settings.learning_rate,
                                  weight_decay=settings.weight_decay)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, settings.num_steps)
    ema = ExponentialMovingAverage(policy, settings.ema_decay)
    losses = []
    policy.train()
    for step in range(settings.num_steps):
        index = torch.randint(0, actions.shape[0], (settings.batch_size,), generator=generator,
                              device=device)
        loss = policy.loss(actions[index], observations[index], generator,
                           None if images is None else images[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if settings.grad_clip_norm > 0.0:
            torch.nn.utils.clip_grad_norm_(policy.parameters(), settings.grad_clip_norm)
        optimizer.step()
        schedule.step()
        ema.update(policy)
        losses.append(float(loss.detach()))
        if progress is not None:
            progress(step, losses[-1])
    policy.eval()
    return ema.shadow, losses
