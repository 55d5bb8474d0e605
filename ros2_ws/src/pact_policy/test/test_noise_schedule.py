# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The DDPM schedule and the flow interpolant against closed forms."""

import math

import numpy as np
from pact_policy.core.flow_matching import FlowInterpolant
from pact_policy.core.noise_schedule import NoiseSchedule
import pytest
import torch


def test_linear_schedule_matches_ho_et_al_at_1000_steps():
    schedule = NoiseSchedule(1000, 'linear')
    assert schedule.betas[0].item() == pytest.approx(1e-4)
    assert schedule.betas[-1].item() == pytest.approx(2e-2)
    expected_alpha_bar = np.cumprod(1.0 - np.linspace(1e-4, 2e-2, 1000))
    np.testing.assert_allclose(schedule.alphas_cumprod.numpy(), expected_alpha_bar, rtol=1e-10)


def test_cosine_schedule_matches_closed_form_alpha_bar():
    steps = 100
    schedule = NoiseSchedule(steps, 'cosine')

    def f(t):
        return math.cos((t / steps + 0.008) / 1.008 * math.pi / 2) ** 2

    expected = np.array([f(t + 1) / f(0) for t in range(steps)])
    unclipped = schedule.betas.numpy() < 0.999
    np.testing.assert_allclose(schedule.alphas_cumprod.numpy()[unclipped], expected[unclipped],
                               rtol=1e-9)


@pytest.mark.parametrize('kind', ['linear', 'cosine'])
def test_variance_preserving_quantities(kind):
    schedule = NoiseSchedule(50, kind)
    steps = torch.arange(50)
    alpha, sigma = schedule.alpha_at(steps), schedule.sigma_at(steps)
    beta = schedule.beta_at(steps)
    torch.testing.assert_close(alpha ** 2 + sigma ** 2, torch.ones(50))
    product = torch.cumprod(1.0 - beta.double(), 0).float()
    torch.testing.assert_close(alpha ** 2, product, rtol=1e-5, atol=1e-7)
    assert torch.all(alpha[1:] < alpha[:-1])
    assert schedule.alpha_cumprod_at(torch.tensor(-1)).item() == 1.0


def test_add_noise_moments():
    schedule = NoiseSchedule(100, 'cosine')
    generator = torch.Generator().manual_seed(0)
    clean = torch.full((200_000, 1, 1), 0.7)
    noise = torch.randn(clean.shape, generator=generator)
    step = torch.full((clean.shape[0],), 60)
    noisy = schedule.add_noise(clean, noise, step)
    alpha, sigma = schedule.alpha[60].item(), schedule.sigma[60].item()
    assert noisy.mean().item() == pytest.approx(alpha * 0.7, abs=4 * sigma / math.sqrt(2e5))
    assert noisy.std().item() == pytest.approx(sigma, rel=0.01)


def test_bad_schedule_arguments_are_named():
    with pytest.raises(ValueError, match='beta_schedule'):
        NoiseSchedule(10, 'quadratic')
    with pytest.raises(ValueError, match='timestep out of range'):
        NoiseSchedule(10).alpha_at(torch.tensor([10]))


def test_flow_interpolant_identities():
    interpolant = FlowInterpolant()
    generator = torch.Generator().manual_seed(1)
    clean = torch.randn(6, 4, 2, generator=generator)
    noise = torch.randn(6, 4, 2, generator=generator)
    time = torch.rand(6, generator=generator) * 0.9
    noisy = interpolant.add_noise(clean, noise, time)
    t = time[:, None, None]
    torch.testing.assert_close(noisy, (1 - t) * clean + t * noise)
    velocity = interpolant.velocity_target(clean, noise)
    # The velocity is the time derivative of the path: check by finite differences.
    step = 1e-3
    derivative = (interpolant.add_noise(clean, noise, time + step)
                  - interpolant.add_noise(clean, noise, time - step)) / (2 * step)
    torch.testing.assert_close(derivative, velocity, rtol=1e-3, atol=1e-3)
    torch.testing.assert_close(interpolant.clean_from_velocity(noisy, velocity, time), clean)
    torch.testing.assert_close(interpolant.epsilon_from_velocity(noisy, velocity, time), noise)
    torch.testing.assert_close(interpolant.velocity_from_epsilon(noisy, noise, time), velocity)


def test_flow_equivalent_beta_matches_snr():
    time = torch.tensor([0.3, 0.7])
    beta = FlowInterpolant.equivalent_beta(time, 100)

    def vp_alpha_bar(t):
        return (1 - t) ** 2 / ((1 - t) ** 2 + t ** 2)

    expected = 1 - vp_alpha_bar(time) / vp_alpha_bar(time - 0.01)
    torch.testing.assert_close(beta, expected)
    assert torch.all(beta > 0)
