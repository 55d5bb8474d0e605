# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Discrete DDPM noise schedule: T training steps, linear or cosine β.

Forward noising at integer step t ∈ {0, …, T-1} (t = 0 is the least noisy):

    a_t = α_t · a_0 + σ_t · ε,   α_t = sqrt(ᾱ_t),   σ_t = sqrt(1 - ᾱ_t),   ᾱ_t = Π_{s≤t} (1 - β_s)

so α_t² + σ_t² = 1 (variance preserving). All quantities are dimensionless (they act on
normalised actions). ``betas``, ``alphas_cumprod``, ``alpha``, ``sigma`` are float64 tensors of
shape (T,), always on CPU; the gather methods return float32 on the device of the index tensor.

Lookups on an accelerator never wait for it: the float32 tables are copied to a device once and
cached, and the range check of the step indices runs there asynchronously
(``torch._assert_async``: a bad index fails the next synchronising call instead of raising
``ValueError`` at once, as it does for CPU indices).
"""

import math

import torch

BETA_SCHEDULES = ('linear', 'cosine')


def linear_betas(num_steps: int, beta_start: float = 1e-4, beta_end: float = 2e-2) -> torch.Tensor:
    """Return β linearly spaced over ``num_steps`` (Ho et al. 2020 for T = 1000), scaled to T."""
    scale = 1000.0 / num_steps
    return torch.linspace(beta_start * scale, beta_end * scale, num_steps, dtype=torch.float64,
                          device='cpu')


def cosine_betas(num_steps: int, offset: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """Return β of the cosine schedule (Nichol & Dhariwal 2021), clipped to ``max_beta``."""
    steps = torch.arange(num_steps + 1, dtype=torch.float64, device='cpu') / num_steps
    alpha_bar = torch.cos((steps + offset) / (1 + offset) * math.pi / 2) ** 2
    betas = 1.0 - alpha_bar[1:] / alpha_bar[:-1]
    return betas.clamp(max=max_beta)


class NoiseSchedule:
    """
    The DDPM schedule with its per-step quantities and the forward-noising operator.

    Example::

        schedule = NoiseSchedule(100, 'cosine')
        a_t = schedule.add_noise(a0, noise, t)       # a0, noise (B, H, D); t (B,) int64
        alpha, sigma, beta = schedule.alpha_at(t), schedule.sigma_at(t), schedule.beta_at(t)
    """

    def __init__(self, num_train_timesteps: int = 100, beta_schedule: str = 'cosine'):
        if num_train_timesteps < 2:
            raise ValueError(f'num_train_timesteps must be >= 2, got {num_train_timesteps}')
        if beta_schedule == 'linear':
            betas = linear_betas(num_train_timesteps)
        elif beta_schedule == 'cosine':
            betas = cosine_betas(num_train_timesteps)
        else:
            raise ValueError(
                f'beta_schedule must be one of {BETA_SCHEDULES}, got {beta_schedule!r}')
        self.num_train_timesteps = num_train_timesteps
        self.beta_schedule = beta_schedule
        self.betas = betas
        self.alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
        self.alpha = self.alphas_cumprod.sqrt()
        self.sigma = (1.0 - self.alphas_cumprod).sqrt()
        self._device_tables = {}

    def _table_on(self, name: str, device: torch.device) -> torch.Tensor:
        """Return the float64 table attribute ``name`` as float32 on ``device``, copied once."""
        key = (name, device)
        if key not in self._device_tables:
            self._device_tables[key] = getattr(self, name).float().to(device)
        return self._device_tables[key]

    def _gather(self, name: str, timestep: torch.Tensor) -> torch.Tensor:
        """Return ``<name>[timestep]`` as float32 on the timestep's device, shape of timestep."""
        index = torch.as_tensor(timestep).long()
        if index.device.type == 'cpu':
            if index.numel() and (index.min() < 0 or index.max() >= self.num_train_timesteps):
                raise ValueError(f'timestep out of range [0, {self.num_train_timesteps - 1}]')
        elif index.numel():
            torch._assert_async(((index >= 0) & (index < self.num_train_timesteps)).all(),
                                f'timestep out of range [0, {self.num_train_timesteps - 1}]')
        return self._table_on(name, index.device)[index]

    def alpha_at(self, timestep: torch.Tensor) -> torch.Tensor:
        """Return α_t = sqrt(ᾱ_t) for integer steps, shape of ``timestep``."""
        return self._gather('alpha', timestep)

    def sigma_at(self, timestep: torch.Tensor) -> torch.Tensor:
        """Return σ_t = sqrt(1 - ᾱ_t) for integer steps, shape of ``timestep``."""
        return self._gather('sigma', timestep)

    def beta_at(self, timestep: torch.Tensor) -> torch.Tensor:
        """Return β_t for integer steps, shape of ``timestep``."""
        return self._gather('betas', timestep)

    def alpha_cumprod_at(self, timestep: torch.Tensor) -> torch.Tensor:
        """Return ᾱ_t for integer steps; a step of -1 means 'clean data' (ᾱ = 1)."""
        index = torch.as_tensor(timestep).long()
        padded = torch.cat([torch.ones(1, dtype=torch.float64, device='cpu'), self.alphas_cumprod])
        return padded.to(index.device)[index + 1].float()

    def add_noise(self, clean: torch.Tensor, noise: torch.Tensor,
                  timestep: torch.Tensor) -> torch.Tensor:
        """Return a_t = α_t a_0 + σ_t ε; ``clean``/``noise`` (B, ...), ``timestep`` (B,)."""
        shape = (-1,) + (1,) * (clean.dim() - 1)
        alpha = self.alpha_at(timestep).to(clean.dtype).reshape(shape)
        sigma = self.sigma_at(timestep).to(clean.dtype).reshape(shape)
        return alpha * clean + sigma * noise
