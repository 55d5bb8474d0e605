# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Rectified-flow (linear) interpolant between data and Gaussian noise, continuous t ∈ [0, 1].

    a_t = α_t · a_0 + σ_t · ε   with   α_t = 1 - t,   σ_t = t

t = 0 is clean data, t = 1 pure noise (same direction as DDPM step indices). The velocity
target is the time derivative of the path:

    v = d a_t / dt = ε - a_0

and sampling integrates da/dt = v from t = 1 down to t = 0. Conversions used by samplers and by
trainers that think in ε / score terms (all exact for this interpolant):

    â_0 = a_t - t · v,        ε̂ = a_t + (1 - t) · v,        score ∇ log p_t(a_t) = -ε̂ / σ_t.

For comparison with DDPM, ``equivalent_beta`` gives β of the variance-preserving process with the
same signal-to-noise ratio α_t²/σ_t² on a grid of ``num_steps`` (dimensionless).
"""

import torch


class FlowInterpolant:
    """The linear interpolant a_t = (1 - t) a_0 + t ε and its velocity/ε/â_0 conversions."""

    def __init__(self, min_time: float = 0.0, max_time: float = 1.0):
        if not 0.0 <= min_time < max_time <= 1.0:
            raise ValueError(f'need 0 <= min_time < max_time <= 1, got {min_time}, {max_time}')
        self.min_time = min_time
        self.max_time = max_time

    @staticmethod
    def alpha_at(time: torch.Tensor) -> torch.Tensor:
        """Return α_t = 1 - t, shape of ``time``."""
        return 1.0 - torch.as_tensor(time).float()

    @staticmethod
    def sigma_at(time: torch.Tensor) -> torch.Tensor:
        """Return σ_t = t, shape of ``time``."""
        return torch.as_tensor(time).float()

    @staticmethod
    def equivalent_beta(time: torch.Tensor, num_steps: int) -> torch.Tensor:
        """Return β of the SNR-matched VP process between t - 1/num_steps and t."""
        time = torch.as_tensor(time).float()

        def vp_alpha_bar(t):
            alpha, sigma = 1.0 - t, t
            return alpha ** 2 / (alpha ** 2 + sigma ** 2)

        previous = (time - 1.0 / num_steps).clamp(min=0.0)
        ratio = vp_alpha_bar(time) / vp_alpha_bar(previous)
        return (1.0 - ratio).clamp(1e-8, 0.999)

    def sample_time(self, batch: int, generator: torch.Generator = None,
                    device: torch.device = None) -> torch.Tensor:
        """Return training times uniform in [min_time, max_time], shape (batch,)."""
        uniform = torch.rand(batch, generator=generator, device=device)
        return self.min_time + (self.max_time - self.min_time) * uniform

    @staticmethod
    def _expand(time: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        return time.to(like.dtype).reshape((-1,) + (1,) * (like.dim() - 1))

    def add_noise(self, clean: torch.Tensor, noise: torch.Tensor,
                  time: torch.Tensor) -> torch.Tensor:
        """Return a_t = (1 - t) a_0 + t ε; ``clean``/``noise`` (B, ...), ``time`` (B,)."""
        t = self._expand(time, clean)
        return (1.0 - t) * clean + t * noise

    @staticmethod
    def velocity_target(clean: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """Return v = ε - a_0 (same shape as the inputs)."""
        return noise - clean

    def clean_from_velocity(self, noisy: torch.Tensor, velocity: torch.Tensor,
                            time: torch.Tensor) -> torch.Tensor:
        """Return â_0 = a_t - t v."""
        return noisy - self._expand(time, noisy) * velocity

    def epsilon_from_velocity(self, noisy: torch.Tensor, velocity: torch.Tensor,
                              time: torch.Tensor) -> torch.Tensor:
        """Return ε̂ = a_t + (1 - t) v."""
        return noisy + (1.0 - self._expand(time, noisy)) * velocity

    def velocity_from_epsilon(self, noisy: torch.Tensor, epsilon: torch.Tensor,
                              time: torch.Tensor) -> torch.Tensor:
        """Return v = (ε - a_t) / (1 - t), the inverse of ``epsilon_from_velocity`` (t < 1)."""
        return (epsilon - noisy) / (1.0 - self._expand(time, noisy))
