# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Samplers, schedule lookups and the denoising loss on CUDA vs the CPU (skipped without CUDA).

Deterministic samplers (DDIM with η = 0, Euler, midpoint) start from the same CPU noise and
must end where the CPU ends, to float32 tolerances; DDPM draws fresh noise from a device
generator, so its samples are compared by their moments against the exact data distribution.
"""

from pact_policy.core.noise_schedule import NoiseSchedule
from pact_policy.core.policy import DiffusionPolicy
from pact_policy.core.policy_config import PolicyConfig
import pytest
import torch

pytestmark = pytest.mark.cuda


def mlp_policy(parameterisation: str) -> DiffusionPolicy:
    """Return a small randomly initialised MLP policy (eval mode) on the CPU."""
    config = PolicyConfig(action_dim=3, obs_dim=2, horizon=4, n_action_steps=2,
                          parameterisation=parameterisation, model_type='mlp',
                          mlp_hidden_dim=32, mlp_num_blocks=2, time_embed_dim=8)
    torch.manual_seed(0)
    return DiffusionPolicy(config).eval()


@pytest.mark.parametrize('parameterisation, sampler', [
    ('epsilon', 'ddim'), ('velocity', 'euler'), ('velocity', 'midpoint')])
def test_deterministic_samplers_on_cuda_match_the_cpu(parameterisation, sampler):
    """Same noise, same weights: CUDA chunks equal the CPU's to 1e-4 (10 float32 steps)."""
    policy = mlp_policy(parameterisation)
    generator = torch.Generator().manual_seed(1)
    observation = torch.randn(256, 2, generator=generator)
    noise = torch.randn(256, 4, 3, generator=generator)
    expected = policy.sample(observation, sampler, 10, noise=noise)
    ours = policy.cuda().sample(observation.cuda(), sampler, 10, noise=noise.cuda())
    torch.testing.assert_close(ours.cpu(), expected, atol=1e-4, rtol=1e-4)


def test_ddpm_on_cuda_takes_a_cuda_generator_and_matches_the_cpu_moments():
    """DDPM (device noise each step): mean and std per entry agree within 5 standard errors."""
    policy = mlp_policy('epsilon')
    observation = torch.zeros(20000, 2)
    expected = policy.sample(observation, 'ddpm', 20, torch.Generator().manual_seed(0))
    ours = policy.cuda().sample(observation.cuda(), 'ddpm', 20,
                                torch.Generator(device='cuda').manual_seed(0)).cpu()
    spread = expected.std(0)
    torch.testing.assert_close(ours.mean(0), expected.mean(0), rtol=0,
                               atol=float(5 * spread.max() * (2 / 20000) ** 0.5))
    torch.testing.assert_close(ours.std(0), spread, rtol=0.05, atol=1e-3)


def test_schedule_lookups_on_cuda_equal_the_cpu_and_check_range_asynchronously():
    """Lookups copy the table once per device; a bad index fails at the next synchronisation."""
    schedule = NoiseSchedule(100, 'cosine')
    steps = torch.arange(100)
    for lookup in (schedule.alpha_at, schedule.sigma_at, schedule.beta_at):
        torch.testing.assert_close(lookup(steps.cuda()).cpu(), lookup(steps), atol=0, rtol=0)
    with pytest.raises(RuntimeError):
        schedule.alpha_at(torch.tensor([100], device='cuda'))
        torch.cuda.synchronize()


@pytest.mark.parametrize('parameterisation', ['epsilon', 'velocity'])
def test_training_loss_on_cuda_matches_the_cpu_statistically(parameterisation):
    """policy.loss with device generators: means over 30 seeds within 5 standard errors."""
    policy = mlp_policy(parameterisation)
    generator = torch.Generator().manual_seed(2)
    action = torch.randn(512, 4, 3, generator=generator)
    observation = torch.randn(512, 2, generator=generator)
    losses = {}
    for device in ('cpu', 'cuda'):
        policy = policy.to(device)
        losses[device] = torch.tensor([
            float(policy.loss(action.to(device), observation.to(device),
                              torch.Generator(device=device).manual_seed(seed)).detach())
            for seed in range(30)], dtype=torch.float64)
    error = float((losses['cpu'].var() / 30 + losses['cuda'].var() / 30).sqrt())
    assert abs(float(losses['cpu'].mean() - losses['cuda'].mean())) < 5 * error + 1e-6
