# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Which noise levels carry the constraint term of the safe teacher, and with which weight λ_t.

Timesteps are those of the policy (``DiffusionPolicy``): integer DDPM steps t ∈ {0..T-1}
for ε-policies, float flow times t ∈ [0, 1] for velocity policies. Both are mapped to a
"step position" p = t (ε) or p = t·T (flow), so "the k lowest-noise steps" means p < k.

Selection (``mode``):

- ``'all'``: every timestep is guided;
- ``'lowest_steps'``: p < ``num_steps`` (the public reference: the 3 lowest of T = 100);
- ``'min_alpha'``: α_t ≥ ``min_alpha``, i.e. every level whose signal fraction is large enough
  for â_0 = (a_t − σ_t ε̂)/α_t to be well conditioned (the 1/α_t factor amplifies denoiser error).

Weight (``weighting``):

- ``'constant'``: λ_t = w;
- ``'inverse_beta'``: λ_t = w / β_t (the public reference, w ∈ {0.01, 0.03, 0.1}).

``REFERENCE_PRESETS`` holds the public reference's three settings by name; ``LOW_NOISE_PRESETS``
guide only the levels with α_t ≥ 0.9 with a constant weight (the setting of our MuJoCo
benchmark: guiding noisier levels through a stop-gradient teacher shifts â_0 by ≈ σ_t²/α_t²·λ∇c,
about 100× the clean-level shift at α_t = 0.1). ``preset(name)`` returns any of them.
λ_t is dimensionless; the units of the cost are absorbed by λ_k of the cost terms.
"""

from dataclasses import asdict, dataclass

import torch

SELECTION_MODES = ('all', 'lowest_steps', 'min_alpha')
WEIGHTINGS = ('constant', 'inverse_beta')


@dataclass(frozen=True)
class GuidanceSchedule:
    """Guided-timestep selection and λ_t schedule (see the module docstring)."""

    mode: str = 'min_alpha'
    num_steps: int = 3
    min_alpha: float = 0.1
    weighting: str = 'constant'
    scale: float = 1.0

    def __post_init__(self):
        """Validate every field, naming the bad one."""
        if self.mode not in SELECTION_MODES:
            raise ValueError(f'guidance mode must be one of {SELECTION_MODES}, got {self.mode!r}')
        if self.weighting not in WEIGHTINGS:
            raise ValueError(
                f'guidance weighting must be one of {WEIGHTINGS}, got {self.weighting!r}')
        if self.num_steps < 1:
            raise ValueError(f'guidance num_steps must be >= 1, got {self.num_steps}')
        if not 0.0 <= self.min_alpha <= 1.0:
            raise ValueError(f'guidance min_alpha must be in [0, 1], got {self.min_alpha}')
        if not self.scale >= 0.0:
            raise ValueError(f'guidance scale w must be >= 0, got {self.scale}')

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return asdict(self)

    def guided(self, step_position: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        """Return a bool mask (B,) of the guided samples."""
        if self.mode == 'all':
            return torch.ones_like(alpha, dtype=torch.bool)
        if self.mode == 'lowest_steps':
            return step_position < self.num_steps - 1e-6
        return alpha >= self.min_alpha

    def weight(self, beta: torch.Tensor) -> torch.Tensor:
        """Return λ_t (B,) before masking."""
        if self.weighting == 'inverse_beta':
            return self.scale / beta.clamp(min=1e-8)
        return torch.full_like(beta, self.scale)

    def lambda_t(self, step_position: torch.Tensor, alpha: torch.Tensor,
                 beta: torch.Tensor) -> torch.Tensor:
        """Return λ_t (B,), zero where the timestep is not guided."""
        mask = self.guided(step_position, alpha)
        return torch.where(mask, self.weight(beta), torch.zeros_like(beta))


REFERENCE_PRESETS = {
    f'reference_w{w:g}': GuidanceSchedule(mode='lowest_steps', num_steps=3,
                                          weighting='inverse_beta', scale=w)
    for w in (0.01, 0.03, 0.1)
}


LOW_NOISE_PRESETS = {
    f'low_noise_w{w:g}': GuidanceSchedule(mode='min_alpha', min_alpha=0.9, weighting='constant',
                                          scale=w)
    for w in (1.0, 3.0)
}


def preset(name: str) -> GuidanceSchedule:
    """Return a named schedule: reference_w0.01|0.03|0.1, low_noise_w1|3 or tilt_exact."""
    presets = {**REFERENCE_PRESETS, **LOW_NOISE_PRESETS,
               'tilt_exact': GuidanceSchedule(mode='all', weighting='constant', scale=1.0)}
    if name not in presets:
        raise ValueError(f'unknown guidance preset {name!r}; known: {sorted(presets)}')
    return presets[name]


def step_position(policy, timestep: torch.Tensor) -> torch.Tensor:
    """Return p = t (ε policy) or t·T (flow policy) as float (B,)."""
    timestep = torch.as_tensor(timestep).float()
    if policy.is_flow:
        return timestep * policy.config.num_train_timesteps
    return timestep
