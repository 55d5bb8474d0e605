# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The DiffusionPolicy interface: shapes, schedule quantities, losses, sampler dispatch."""

import numpy as np
from pact_policy.core.normalizer import Normalizer
from pact_policy.core.policy import DiffusionPolicy
from pact_policy.core.policy_config import PolicyConfig
import pytest
import torch


def make_policy(parameterisation='epsilon', model_type='mlp', **overrides):
    config = PolicyConfig(action_dim=3, obs_dim=4, horizon=8, n_action_steps=4, n_obs_steps=2,
                          parameterisation=parameterisation, model_type=model_type,
                          num_train_timesteps=20, mlp_hidden_dim=32, mlp_num_blocks=1,
                          unet_down_dims=[8, 16], unet_kernel_size=3, time_embed_dim=8,
                          **overrides)
    rng = np.random.default_rng(0)
    actions = Normalizer.fit(rng.uniform(-2, 2, size=(100, 3)), 'minmax')
    observations = Normalizer.fit(rng.normal(1.0, 3.0, size=(100, 4)), 'gaussian')
    torch.manual_seed(0)
    return DiffusionPolicy(config, actions, observations)


@pytest.mark.parametrize('parameterisation', ['epsilon', 'velocity'])
@pytest.mark.parametrize('model_type', ['mlp', 'unet'])
def test_predict_and_sample_shapes(parameterisation, model_type):
    policy = make_policy(parameterisation, model_type)
    noisy = torch.randn(5, 8, 3)
    timestep = (policy.sample_timesteps(5))
    observation = torch.randn(5, 8)
    assert policy.predict(noisy, timestep, observation).shape == (5, 8, 3)
    assert policy.predict(noisy, timestep, observation.reshape(5, 2, 4)).shape == (5, 8, 3)
    for sampler in ('ddpm', 'ddim') if parameterisation == 'epsilon' else ('euler', 'midpoint'):
        chunk = policy.sample(observation, sampler=sampler, num_steps=3)
        assert chunk.shape == (5, 8, 3) and torch.all(torch.isfinite(chunk))


def test_epsilon_noise_levels_and_loss_match_manual_computation():
    policy = make_policy('epsilon')
    step = torch.tensor([0, 7, 19])
    levels = policy.noise_levels(step)
    torch.testing.assert_close(levels.alpha, policy.schedule.alpha[step].float())
    torch.testing.assert_close(levels.sigma, policy.schedule.sigma[step].float())
    torch.testing.assert_close(levels.beta, policy.schedule.betas[step].float())
    action = torch.rand(6, 8, 3) * 4 - 2
    observation = torch.randn(6, 8)
    loss = policy.loss(action, observation, torch.Generator().manual_seed(5))
    generator = torch.Generator().manual_seed(5)
    clean = (action - torch.tensor(policy.action_normalizer.offset).float()) / torch.tensor(
        policy.action_normalizer.scale).float()
    noise = torch.randn(clean.shape, generator=generator)
    step = torch.randint(0, 20, (6,), generator=generator)
    alpha_bar = torch.cumprod(1 - policy.schedule.betas, 0)[step].float()[:, None, None]
    noisy = alpha_bar.sqrt() * clean + (1 - alpha_bar).sqrt() * noise
    prediction = policy.predict(noisy, step, policy.normalize_observation(observation))
    torch.testing.assert_close(loss, torch.mean((prediction - noise) ** 2))


def test_velocity_loss_matches_manual_computation():
    policy = make_policy('velocity')
    action = torch.rand(6, 8, 3) * 4 - 2
    observation = torch.randn(6, 8)
    loss = policy.loss(action, observation, torch.Generator().manual_seed(2))
    generator = torch.Generator().manual_seed(2)
    clean = policy.normalize_action(action)
    noise = torch.randn(clean.shape, generator=generator)
    time = torch.rand(6, generator=generator)
    noisy = (1 - time[:, None, None]) * clean + time[:, None, None] * noise
    prediction = policy.predict(noisy, time, policy.normalize_observation(observation))
    torch.testing.assert_close(loss, torch.mean((prediction - (noise - clean)) ** 2))
    levels = policy.noise_levels(time)
    torch.testing.assert_close(levels.alpha, 1 - time)
    torch.testing.assert_close(levels.sigma, time)


def test_observation_history_is_normalised_per_step():
    policy = make_policy()
    history = torch.randn(2, 2, 4)
    flat = policy.normalize_observation(history)
    expected = (history - torch.tensor(policy.observation_normalizer.offset).float()) / \
        torch.tensor(policy.observation_normalizer.scale).float()
    torch.testing.assert_close(flat, expected.reshape(2, 8))
    torch.testing.assert_close(policy.unnormalize_observation(flat), history.reshape(2, 8))


def test_sampling_is_reproducible_with_a_generator():
    policy = make_policy('epsilon')
    observation = torch.randn(2, 8)
    first = policy.sample(observation, 'ddpm', 5, torch.Generator().manual_seed(3))
    second = policy.sample(observation, 'ddpm', 5, torch.Generator().manual_seed(3))
    torch.testing.assert_close(first, second, rtol=0, atol=0)


def test_errors_name_the_problem():
    policy = make_policy('epsilon')
    with pytest.raises(ValueError, match="sampler 'euler' does not fit a epsilon"):
        policy.sample(torch.randn(1, 8), sampler='euler')
    with pytest.raises(ValueError, match='observation shape \\(1, 5\\)'):
        policy.sample(torch.randn(1, 5))
    with pytest.raises(ValueError, match='action chunk shape \\(1, 7, 3\\)'):
        policy.predict(torch.randn(1, 7, 3), torch.tensor([1]), torch.randn(1, 8))
    with pytest.raises(ValueError, match='n_action_steps 9 exceeds horizon 8'):
        PolicyConfig(action_dim=3, obs_dim=4, horizon=8, n_action_steps=9)
    with pytest.raises(ValueError, match='action_names has 2 entries, expected 3'):
        PolicyConfig(action_dim=3, obs_dim=4, action_names=['a', 'b'])
    with pytest.raises(ValueError, match='unknown fields'):
        PolicyConfig.from_dict({'action_dim': 3, 'obs_dim': 4, 'colour': 'red'})


def test_architecture_id_tracks_weight_layout():
    base = PolicyConfig(action_dim=3, obs_dim=4)
    assert base.architecture_id == PolicyConfig.from_dict(base.to_dict()).architecture_id
    for change in ({'unet_down_dims': [32, 64]}, {'horizon': 8}, {'parameterisation': 'velocity'},
                   {'n_obs_steps': 2}, {'model_type': 'mlp'}):
        assert PolicyConfig(action_dim=3, obs_dim=4, **change).architecture_id != \
            base.architecture_id, change
    assert PolicyConfig(action_dim=3, obs_dim=4, n_action_steps=4).architecture_id == \
        base.architecture_id
