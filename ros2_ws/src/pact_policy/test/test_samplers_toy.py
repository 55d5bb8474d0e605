# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Every sampler reproduces known 2-D distributions.

1. Exact denoiser (no training): for Gaussian data a_0 ~ N(μ, diag s²) the optimal ε and
   velocity predictions are closed-form; with them every sampler must return N(μ, diag s²)
   up to its discretisation error, which must shrink as the step count grows.
2. Trained small MLP (short CPU training): a two-component Gaussian mixture in R² (equal
   weights, means c ± m, m = (0.6, -0.3), isotropic std 0.35) whose centre c = (0.6 o, 0)
   follows a scalar observation o ∈ {-1, +1}. Closed-form moments: mean c, covariance
   0.35² I + m mᵀ. Tolerances (fit + discretisation + 4000-sample error, all measured with a
   margin): |mean error| < 0.06 and ‖Ĉ - C‖_F / ‖C‖_F < 0.15.
"""

import numpy as np
from pact_policy.core.noise_schedule import NoiseSchedule
from pact_policy.core.normalizer import Normalizer
from pact_policy.core.policy import DiffusionPolicy
from pact_policy.core.policy_config import PolicyConfig
from pact_policy.core.samplers import ddim_transition
from pact_policy.core.training import fit_policy, TrainingSettings
import pytest
import torch

GAUSSIAN_MEAN = torch.tensor([0.5, -1.0])
GAUSSIAN_STD = torch.tensor([0.3, 0.8])
COMPONENT_OFFSET = np.array([0.6, -0.3])
COMPONENT_STD = 0.35
CENTRE_GAIN = 0.6
MEAN_TOLERANCE = 0.06
COVARIANCE_RELATIVE_TOLERANCE = 0.15


class ExactGaussianDenoiser(torch.nn.Module):
    """E[ε | a_t] (or E[ε - a_0 | a_t]) for a_0 ~ N(GAUSSIAN_MEAN, diag GAUSSIAN_STD²)."""

    def __init__(self, policy):
        super().__init__()
        self.policy = [policy]  # a list keeps the parent out of this module's children
        self.unused = torch.nn.Parameter(torch.zeros(1))

    def forward(self, noisy, time, condition):
        policy = self.policy[0]
        if policy.is_flow:
            t = (time / policy.config.num_train_timesteps)[:, None, None]
            alpha, sigma = 1.0 - t, t
        else:
            step = time.round().long()
            alpha = policy.schedule.alpha_at(step)[:, None, None]
            sigma = policy.schedule.sigma_at(step)[:, None, None]
        variance = alpha ** 2 * GAUSSIAN_STD ** 2 + sigma ** 2
        residual = noisy - alpha * GAUSSIAN_MEAN
        epsilon = sigma * residual / variance
        if not policy.is_flow:
            return epsilon
        return epsilon - (GAUSSIAN_MEAN + alpha * GAUSSIAN_STD ** 2 * residual / variance)


def exact_policy(parameterisation: str, num_train_timesteps: int = 1000):
    config = PolicyConfig(action_dim=2, obs_dim=1, horizon=1, n_action_steps=1,
                          parameterisation=parameterisation, model_type='mlp',
                          num_train_timesteps=num_train_timesteps, clip_sample_range=0.0,
                          mlp_hidden_dim=8, mlp_num_blocks=1, time_embed_dim=8)
    policy = DiffusionPolicy(config)
    policy.denoiser = ExactGaussianDenoiser(policy)
    return policy


def std_error(policy, sampler: str, num_steps: int) -> float:
    samples = policy.sample(torch.zeros(20000, 1), sampler, num_steps,
                            torch.Generator().manual_seed(0))[:, 0]
    torch.testing.assert_close(samples.mean(0), GAUSSIAN_MEAN, atol=0.03, rtol=0)
    return float(torch.max(torch.abs(samples.std(0) / GAUSSIAN_STD - 1.0)))


@pytest.mark.parametrize('parameterisation, sampler, few, many', [
    ('epsilon', 'ddpm', 20, 1000),
    ('epsilon', 'ddim', 10, 500),
    ('velocity', 'euler', 10, 500),
    ('velocity', 'midpoint', 2, 50),
])
def test_exact_denoiser_converges_to_the_data_distribution(parameterisation, sampler, few, many):
    torch.set_num_threads(1)
    policy = exact_policy(parameterisation)
    error_many = std_error(policy, sampler, many)
    assert error_many < 0.02, f'{sampler} with {many} steps: std off by {error_many:.3f}'
    assert std_error(policy, sampler, few) > error_many


def mixture_moments(observation: float):
    mean = np.array([CENTRE_GAIN * observation, 0.0])
    covariance = COMPONENT_STD ** 2 * np.eye(2) + np.outer(COMPONENT_OFFSET, COMPONENT_OFFSET)
    return mean, covariance


def mixture_dataset(count: int, seed: int):
    rng = np.random.default_rng(seed)
    observation = rng.choice([-1.0, 1.0], size=(count, 1))
    sign = rng.choice([-1.0, 1.0], size=(count, 1))
    centre = np.concatenate([CENTRE_GAIN * observation, np.zeros((count, 1))], axis=1)
    action = centre + sign * COMPONENT_OFFSET + COMPONENT_STD * rng.normal(size=(count, 2))
    return (torch.tensor(action[:, None, :], dtype=torch.float32),
            torch.tensor(observation, dtype=torch.float32))


def trained_policy(parameterisation: str):
    torch.set_num_threads(1)
    actions, observations = mixture_dataset(8000, seed=0)
    config = PolicyConfig(action_dim=2, obs_dim=1, horizon=1, n_action_steps=1,
                          parameterisation=parameterisation, model_type='mlp',
                          num_train_timesteps=100, beta_schedule='cosine',
                          mlp_hidden_dim=128, mlp_num_blocks=2, time_embed_dim=32)
    torch.manual_seed(0)
    policy = DiffusionPolicy(config, Normalizer.fit(actions[:, 0], 'minmax'),
                             Normalizer.fit(observations, 'gaussian'))
    settings = TrainingSettings(num_steps=2000, batch_size=256, learning_rate=2e-3,
                                ema_decay=0.99, seed=0)
    ema_policy, losses = fit_policy(policy, actions, observations, settings)
    assert np.mean(losses[-100:]) < 0.9 * np.mean(losses[:100])
    return ema_policy


@pytest.fixture(scope='module')
def epsilon_policy():
    return trained_policy('epsilon')


@pytest.fixture(scope='module')
def velocity_policy():
    return trained_policy('velocity')


def check_mixture_moments(policy, sampler: str, num_steps: int):
    for observation in (-1.0, 1.0):
        condition = torch.full((4000, 1), observation)
        samples = policy.sample(condition, sampler, num_steps,
                                torch.Generator().manual_seed(1))[:, 0].double().numpy()
        mean, covariance = mixture_moments(observation)
        np.testing.assert_allclose(samples.mean(axis=0), mean, atol=MEAN_TOLERANCE,
                                   err_msg=f'{sampler} mean, o={observation}')
        relative = np.linalg.norm(np.cov(samples.T) - covariance) / np.linalg.norm(covariance)
        assert relative < COVARIANCE_RELATIVE_TOLERANCE, (sampler, observation, relative)


@pytest.mark.slow
def test_trained_ddpm_matches_mixture_moments(epsilon_policy):
    check_mixture_moments(epsilon_policy, 'ddpm', 100)


@pytest.mark.slow
def test_trained_ddim_matches_mixture_moments(epsilon_policy):
    check_mixture_moments(epsilon_policy, 'ddim', 50)


@pytest.mark.slow
def test_trained_flow_euler_matches_mixture_moments(velocity_policy):
    check_mixture_moments(velocity_policy, 'euler', 50)


@pytest.mark.slow
def test_trained_flow_midpoint_matches_mixture_moments(velocity_policy):
    check_mixture_moments(velocity_policy, 'midpoint', 20)


def test_untrained_policy_fails_the_moment_check():
    config = PolicyConfig(action_dim=2, obs_dim=1, horizon=1, n_action_steps=1,
                          model_type='mlp', num_train_timesteps=50, mlp_hidden_dim=32,
                          mlp_num_blocks=1, time_embed_dim=8)
    torch.manual_seed(0)
    with pytest.raises(AssertionError):
        check_mixture_moments(DiffusionPolicy(config), 'ddim', 10)


def test_ddim_transition_with_eta_one_is_the_ddpm_posterior():
    schedule = NoiseSchedule(50, 'linear')
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(4, 3, 2, generator=generator)
    epsilon = torch.randn(4, 3, 2, generator=generator)
    step = 20
    mean, std = ddim_transition(schedule, x, epsilon, step, step - 1, eta=1.0)
    # Ho et al. (2020), eq. 7 with â_0 from ε̂.
    beta = schedule.betas[step].item()
    alpha_bar = schedule.alphas_cumprod[step].item()
    alpha_bar_prev = schedule.alphas_cumprod[step - 1].item()
    clean = (x - np.sqrt(1 - alpha_bar) * epsilon) / np.sqrt(alpha_bar)
    expected_mean = (np.sqrt(alpha_bar_prev) * beta / (1 - alpha_bar) * clean
                     + np.sqrt(1 - beta) * (1 - alpha_bar_prev) / (1 - alpha_bar) * x)
    torch.testing.assert_close(mean, expected_mean.float(), rtol=1e-5, atol=1e-5)
    assert std.item() == pytest.approx(np.sqrt((1 - alpha_bar_prev) / (1 - alpha_bar) * beta),
                                       rel=1e-5)
    _, deterministic = ddim_transition(schedule, x, epsilon, step, step - 1, eta=0.0)
    assert deterministic.item() == 0.0
