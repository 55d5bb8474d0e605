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

No level with α_t = 0 is ever guided, whatever the mode: there a_t is pure noise, carries no
information about a_0, and the teacher's factors σ_t·λ_t/α_t (flow) and 1/α_t (stop-gradient)
are infinite. Only the flow time t = 1 has α_t = 0 (a flow sampler's first step); that step then
follows the teacher's own velocity, which delays the tilt by one step (O(Δt); see
test_guided_sampling).

``REFERENCE_PRESETS`` holds the public reference's three settings by name; ``LOW_NOISE_PRESETS``
guide only the levels with α_t ≥ 0.9 with a constant weight (the setting of our MuJoCo
benchmark: guiding noisier levels through a stop-gradient teacher shifts â_0 by ≈ σ_t²/α_t²·λ∇c,
about 100× the clean-level shift at α_t = 0.1). ``preset(name)`` returns any of them.
``DEFAULT_PRESET`` is the library default (``PactConfig``); pact_trainer's README lists the
mean shift every preset gives on the Gaussian toy against the closed-form tilt
(``bench/guidance/preset_shift.py``). λ_t is dimensionless; the units of the cost are absorbed
by λ_k of the cost terms.

Jacobian of the teacher (``SafeTeacher``): ``'stop_gradient'`` is exact only in the low-noise
limit; its correction grows like σ_t/α_t (ε) or σ_t/α_t² (flow) as α_t → 0 (at DDPM step 99
of 100: 3616 where the exact value is 2·10⁻⁴). A schedule that guides levels with
α_t < ``STOP_GRADIENT_MIN_ALPHA`` (``needs_full_jacobian``; e.g. ``tilt_exact``, which guides
every level) is therefore refused with ``'stop_gradient'``; ``resolve_jacobian`` picks
``'full'`` for it when asked for ``'auto'``. Schedules that select by step position
(``lowest_steps``) are not checked: which α they reach depends on the policy's noise schedule.
"""

from dataclasses import asdict, dataclass

import torch

SELECTION_MODES = ('all', 'lowest_steps', 'min_alpha')
WEIGHTINGS = ('constant', 'inverse_beta')
JACOBIANS = ('stop_gradient', 'full')
STOP_GRADIENT_MIN_ALPHA = 0.1


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

    @property
    def needs_full_jacobian(self) -> bool:
        """Return True when the schedule guides levels with α_t < STOP_GRADIENT_MIN_ALPHA."""
        if self.scale == 0.0:
            return False
        return self.mode == 'all' or (self.mode == 'min_alpha'
                                      and self.min_alpha < STOP_GRADIENT_MIN_ALPHA)

    def guided(self, step_position: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        """Return a bool mask (B,) of the guided samples."""
        if self.mode == 'all':
            selected = torch.ones_like(alpha, dtype=torch.bool)
        elif self.mode == 'lowest_steps':
            selected = step_position < self.num_steps - 1e-6
        else:
            selected = alpha >= self.min_alpha
        return selected & (alpha > 0.0)

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


# Preset names, one constant each (the scale w is part of the name: w = 0.03 in reference_w0.03).
REFERENCE_W0_01 = 'reference_w0.01'
REFERENCE_W0_03 = 'reference_w0.03'
REFERENCE_W0_1 = 'reference_w0.1'
LOW_NOISE_W1 = 'low_noise_w1'
LOW_NOISE_W3 = 'low_noise_w3'
TILT_EXACT = 'tilt_exact'


def _reference(scale: float) -> GuidanceSchedule:
    return GuidanceSchedule(mode='lowest_steps', num_steps=3, weighting='inverse_beta',
                            scale=scale)


def _low_noise(scale: float) -> GuidanceSchedule:
    return GuidanceSchedule(mode='min_alpha', min_alpha=0.9, weighting='constant', scale=scale)


REFERENCE_PRESETS = {REFERENCE_W0_01: _reference(0.01), REFERENCE_W0_03: _reference(0.03),
                     REFERENCE_W0_1: _reference(0.1)}


LOW_NOISE_PRESETS = {LOW_NOISE_W1: _low_noise(1.0), LOW_NOISE_W3: _low_noise(3.0)}


PRESETS = {**REFERENCE_PRESETS, **LOW_NOISE_PRESETS,
           TILT_EXACT: GuidanceSchedule(mode='all', weighting='constant', scale=1.0)}

# One round of the ε teacher of the Gaussian toy with this preset moves the mean 0.97× as far as
# the closed-form tilt (DDIM, 10 steps), the flow teacher 0.06× (Euler, 10 steps); see README.
DEFAULT_PRESET = LOW_NOISE_W3


def preset(name: str) -> GuidanceSchedule:
    """Return a named schedule: reference_w0.01|0.03|0.1, low_noise_w1|3 or tilt_exact."""
    if name not in PRESETS:
        raise ValueError(f'unknown guidance preset {name!r}; known: {sorted(PRESETS)}')
    return PRESETS[name]


def default_schedule() -> GuidanceSchedule:
    """Return the library's default schedule, ``preset(DEFAULT_PRESET)``."""
    return preset(DEFAULT_PRESET)


def resolve_jacobian(schedule: GuidanceSchedule, jacobian: str = 'auto') -> str:
    """
    Return the teacher Jacobian to use with ``schedule``; raise ValueError on a refused pair.

    ``jacobian``: 'stop_gradient', 'full', or 'auto' ('full' when the schedule needs it, else
    'stop_gradient'). 'stop_gradient' is refused for a schedule that ``needs_full_jacobian``.
    """
    if jacobian == 'auto':
        return 'full' if schedule.needs_full_jacobian else 'stop_gradient'
    if jacobian not in JACOBIANS:
        raise ValueError(f"teacher jacobian must be 'auto' or one of {JACOBIANS}, "
                         f'got {jacobian!r}')
    if jacobian == 'stop_gradient' and schedule.needs_full_jacobian:
        raise ValueError(
            f'guidance {schedule} guides levels with alpha_t < {STOP_GRADIENT_MIN_ALPHA}, where '
            "the 'stop_gradient' teacher Jacobian diverges (its correction grows like "
            "sigma_t/alpha_t, flow: sigma_t/alpha_t^2); use jacobian 'full' (or 'auto'), or a "
            'low-noise schedule')
    return jacobian


def step_position(policy, timestep: torch.Tensor) -> torch.Tensor:
    """Return p = t (ε policy) or t·T (flow policy) as float (B,)."""
    timestep = torch.as_tensor(timestep).float()
    if policy.is_flow:
        return timestep * policy.config.num_train_timesteps
    return timestep
