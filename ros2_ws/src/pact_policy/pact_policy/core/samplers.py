# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Reverse-process samplers in normalised action space.

ε-parameterised (discrete DDPM schedule, integer steps):

- ``sample_ddpm``: ancestral sampling over ``num_steps`` evenly spaced steps of the T training
  steps (num_steps = T is the original DDPM; fewer steps use the exact posterior between the
  strided steps, β_eff = 1 - ᾱ_t / ᾱ_prev);
- ``sample_ddim``: DDIM (Song et al. 2021) over ``num_steps`` steps; ``eta`` = 0 is
  deterministic, ``eta`` = 1 matches the DDPM posterior variance.

Velocity-parameterised (linear interpolant, continuous t from 1 to 0):

- ``sample_flow_euler``: a ← a - Δt · v(a, t);
- ``sample_flow_midpoint``: a ← a - Δt · v(a - Δt/2 · v(a, t), t - Δt/2).

``epsilon_model(x, step)`` takes x (B, H, D) and integer steps (B,) and returns ε̂ (B, H, D);
``velocity_model(x, time)`` takes float times (B,) and returns v̂ (B, H, D). ``noise`` is the
initial sample (B, H, D) ~ N(0, I); ``generator`` drives the extra DDPM/DDIM noise and must
live on the device of ``noise``. ``trace``, when a list, receives (step or time, x) after every
update so that trainers can inspect the chain.
"""

from itertools import pairwise

from pact_policy.core.noise_schedule import NoiseSchedule
import torch


def ddpm_step_indices(num_train_timesteps: int, num_steps: int) -> list:
    """Return ``num_steps`` distinct integer steps from T-1 down to 0 (evenly spaced)."""
    if not 1 <= num_steps <= num_train_timesteps:
        raise ValueError(f'num_steps must be in [1, {num_train_timesteps}], got {num_steps}')
    grid = torch.linspace(num_train_timesteps - 1, 0, num_steps).round().long().tolist()
    return [int(step) for step in grid]


def _clean_estimate(x, epsilon, alpha_bar, clip_range):
    """Return â_0 = (x - sqrt(1-ᾱ) ε̂) / sqrt(ᾱ), optionally clipped, and the matching ε̂."""
    clean = (x - (1.0 - alpha_bar).sqrt() * epsilon) / alpha_bar.sqrt()
    if clip_range > 0.0:
        clean = clean.clamp(-clip_range, clip_range)
        epsilon = (x - alpha_bar.sqrt() * clean) / (1.0 - alpha_bar).sqrt()
    return clean, epsilon


def _step_pairs(schedule: NoiseSchedule, num_steps: int):
    steps = ddpm_step_indices(schedule.num_train_timesteps, num_steps)
    return list(pairwise([*steps, -1]))


def sample_ddpm(epsilon_model, schedule: NoiseSchedule, noise: torch.Tensor, num_steps: int,
                generator: torch.Generator = None, clip_range: float = 0.0,
                trace: list = None) -> torch.Tensor:
    """Return â_0 (B, H, D) by ancestral DDPM sampling (DDIM with eta = 1)."""
    return sample_ddim(epsilon_model, schedule, noise, num_steps, eta=1.0, generator=generator,
                       clip_range=clip_range, trace=trace)


def sample_ddim(epsilon_model, schedule: NoiseSchedule, noise: torch.Tensor, num_steps: int,
                eta: float = 0.0, generator: torch.Generator = None, clip_range: float = 0.0,
                trace: list = None) -> torch.Tensor:
    """
    Return â_0 (B, H, D) by DDIM sampling with stochasticity ``eta`` ∈ [0, 1].

    x_prev = sqrt(ᾱ_prev) â_0 + sqrt(1 - ᾱ_prev - s²) ε̂ + s z, with
    s² = eta² (1 - ᾱ_prev)/(1 - ᾱ_t) (1 - ᾱ_t/ᾱ_prev) (the DDPM posterior variance at eta = 1).
    """
    x = noise
    batch = x.shape[0]
    for step, previous in _step_pairs(schedule, num_steps):
        step_tensor = torch.full((batch,), step, dtype=torch.long, device=x.device)
        mean, std = ddim_transition(schedule, x, epsilon_model(x, step_tensor), step, previous,
                                    eta, clip_range)
        x = mean
        if previous >= 0 and eta > 0.0:
            x = x + std * torch.randn(x.shape, generator=generator, device=x.device,
                                      dtype=x.dtype)
        if trace is not None:
            trace.append((previous, x))
    return x


def ddim_transition(schedule: NoiseSchedule, x: torch.Tensor, epsilon: torch.Tensor,
                    step: int, previous: int, eta: float = 1.0, clip_range: float = 0.0):
    """
    Return (mean, std) of the Gaussian step x_step → x_previous given the prediction ε̂.

    ``previous`` = -1 means the clean sample (std 0). With ``eta`` = 1 this is the DDPM
    posterior q(x_prev | x_t, â_0) (for previous = step - 1 its variance is β̃_t); with 0 it is
    deterministic DDIM. Differentiable in ``epsilon`` (useful for log-probabilities of the
    denoising chain, e.g. in PPO-style diffusion RL). ``std`` is a scalar tensor.
    """
    alpha_bar = schedule.alpha_cumprod_at(torch.tensor(step)).to(x)
    alpha_bar_prev = schedule.alpha_cumprod_at(torch.tensor(previous)).to(x)
    clean, epsilon = _clean_estimate(x, epsilon, alpha_bar, clip_range)
    variance = ((1.0 - alpha_bar_prev) / (1.0 - alpha_bar)
                * (1.0 - alpha_bar / alpha_bar_prev)) * eta ** 2
    direction = (1.0 - alpha_bar_prev - variance).clamp(min=0.0).sqrt() * epsilon
    return alpha_bar_prev.sqrt() * clean + direction, variance.sqrt()


def flow_time_grid(num_steps: int, max_time: float = 1.0, min_time: float = 0.0) -> list:
    """Return ``num_steps + 1`` times from ``max_time`` down to ``min_time``."""
    if num_steps < 1:
        raise ValueError(f'num_steps must be >= 1, got {num_steps}')
    return torch.linspace(max_time, min_time, num_steps + 1).tolist()


def sample_flow_euler(velocity_model, noise: torch.Tensor, num_steps: int,
                      trace: list = None) -> torch.Tensor:
    """Return â_0 (B, H, D) by explicit Euler integration of da/dt = v from t = 1 to 0."""
    x = noise
    times = flow_time_grid(num_steps)
    for time, next_time in pairwise(times):
        x = x + (next_time - time) * velocity_model(x, _times(x, time))
        if trace is not None:
            trace.append((next_time, x))
    return x


def sample_flow_midpoint(velocity_model, noise: torch.Tensor, num_steps: int,
                         trace: list = None) -> torch.Tensor:
    """Return â_0 (B, H, D) by the explicit midpoint rule (2 model calls per step)."""
    x = noise
    times = flow_time_grid(num_steps)
    for time, next_time in pairwise(times):
        delta = next_time - time
        half = x + 0.5 * delta * velocity_model(x, _times(x, time))
        x = x + delta * velocity_model(half, _times(x, time + 0.5 * delta))
        if trace is not None:
            trace.append((next_time, x))
    return x


def _times(x: torch.Tensor, time: float) -> torch.Tensor:
    return torch.full((x.shape[0],), time, dtype=x.dtype, device=x.device)
