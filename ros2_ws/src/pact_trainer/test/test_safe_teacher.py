# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Safe-teacher targets vs closed forms, finite differences, the score–velocity identity."""

from pact_trainer.core.costs import CostSet, CostTerm
from pact_trainer.core.guidance import GuidanceSchedule, preset, REFERENCE_PRESETS
from pact_trainer.core.safe_teacher import clean_estimate, SafeTeacher
from pact_trainer.core.toy_problem import (GaussianDenoiser, linear_cost_term, make_toy_policy,
                                           tilted_gaussian_linear)
import pytest
import torch

ACTION_MEAN = torch.tensor([0.5, -0.3])
ACTION_STD = torch.tensor([2.0, 0.5])
MEAN = torch.tensor([0.3, -0.2])                      # normalised
COVARIANCE = torch.tensor([[0.5, 0.3], [0.3, 0.8]])   # normalised
COST_GRADIENT = torch.tensor([0.4, -1.0])             # in UNnormalised units


def analytic_policy(parameterisation, mean=MEAN, covariance=COVARIANCE):
    policy = make_toy_policy(parameterisation, ACTION_MEAN, ACTION_STD)
    policy.denoiser = GaussianDenoiser(policy, mean, covariance)
    return policy


def inputs(policy, batch=64, seed=0):
    generator = torch.Generator().manual_seed(seed)
    noisy = torch.randn(batch, 1, 2, generator=generator)
    timestep = policy.sample_timesteps(batch, generator)
    observation = torch.zeros(batch, 1)
    return noisy, timestep, observation, {'observation': observation}


@pytest.mark.parametrize('parameterisation', ['epsilon', 'velocity'])
def test_full_jacobian_teacher_equals_tilted_denoiser_for_gaussian_and_linear_cost(
        parameterisation):
    """
    For μ = N(m, Σ) and C(a) = gᵀa the tilt is N(m − Σg, Σ); teacher (1)/(2) must equal it.

    The cost acts on UNnormalised chunks a = std·z + mean, so in normalised space g_n = std·g:
    this also checks the chain rule through the policy's un-normalisation.
    """
    base = analytic_policy(parameterisation)
    tilted_mean, tilted_cov = tilted_gaussian_linear(MEAN, COVARIANCE, COST_GRADIENT * ACTION_STD)
    tilted = analytic_policy(parameterisation, tilted_mean, tilted_cov)
    teacher = SafeTeacher(base, CostSet([linear_cost_term(COST_GRADIENT)]), preset('tilt_exact'),
                          jacobian='full')
    noisy, timestep, observation, context = inputs(base)
    output = teacher.target(noisy, timestep, observation, context)
    expected = tilted.predict(noisy, timestep, observation)
    assert float((output.prediction - expected).abs().max()) > 0.05   # the tilt does matter
    torch.testing.assert_close(output.target, expected, atol=2e-4, rtol=1e-3)


def test_score_velocity_identity_of_the_linear_interpolant():
    """v̂ = (α̇/α) a_t + (σ̇ − α̇σ/α) ε̂ with ε̂ = −σ·score, checked against the exact Gaussian."""
    flow = analytic_policy('velocity')
    epsilon_policy = analytic_policy('epsilon')
    noisy, time, observation, _ = inputs(flow)
    time = time.clamp(0.02, 0.98)
    alpha, sigma = 1.0 - time[:, None, None], time[:, None, None]
    # Exact ε̂ at flow time t: same Gaussian formula as the ε denoiser, at these α, σ.
    epsilon_denoiser = epsilon_policy.denoiser
    epsilon_denoiser.levels = lambda model_time: (1.0 - time, time)
    epsilon = epsilon_denoiser(noisy, time, observation)
    velocity = flow.predict(noisy, time, observation)
    alpha_dot, sigma_dot = -1.0, 1.0
    identity = alpha_dot / alpha * noisy + (sigma_dot - alpha_dot * sigma / alpha) * epsilon
    torch.testing.assert_close(velocity, identity, atol=1e-5, rtol=1e-4)
    # Velocity change from a score change, by finite differences of the identity:
    # Δv = −σ (σ̇ − α̇σ/α) Δs = (σ/α)·(−Δs) for the linear interpolant.
    delta_score = 1e-3 * torch.randn_like(noisy)
    perturbed = (alpha_dot / alpha * noisy
                 + (sigma_dot - alpha_dot * sigma / alpha) * (epsilon - sigma * delta_score))
    torch.testing.assert_close((perturbed - identity), -(sigma / alpha) * delta_score,
                               atol=1e-6, rtol=1e-3)


@pytest.mark.parametrize('parameterisation', ['epsilon', 'velocity'])
def test_stop_gradient_teacher_matches_its_formula_with_finite_differences(parameterisation):
    """
    Stop-gradient: ε* − ε_T = σ λ_t (1/α) ∇_{â_0}C, ∇ by central differences of C.

    Levels with α_t < 0.1 are not guided (stop-gradient is refused there), so λ_t is 0.5 on
    the guided rows and 0 elsewhere.
    """
    policy = analytic_policy(parameterisation)

    def bowl(chunk, context, margin):
        return ((chunk - 0.2) ** 2).sum(dim=(1, 2)) + torch.sin(chunk[:, 0, 0])

    costs = CostSet([CostTerm('bowl', bowl, weight=0.7)])
    schedule = GuidanceSchedule(mode='min_alpha', min_alpha=0.1, scale=0.5)
    teacher = SafeTeacher(policy, costs, schedule, jacobian='stop_gradient')
    noisy, timestep, observation, context = inputs(policy, batch=8, seed=3)
    output = teacher.target(noisy, timestep, observation, context)
    guided = policy.noise_levels(timestep).alpha >= 0.1
    assert guided.any()
    torch.testing.assert_close(output.lambda_t, torch.where(guided, 0.5, 0.0))
    levels = policy.noise_levels(timestep)
    clean = clean_estimate(policy, noisy, output.prediction, timestep).double()
    step = 1e-4
    gradient = torch.zeros_like(clean)
    for index in range(2):
        offset = torch.zeros_like(clean)
        offset[:, 0, index] = step
        plus = costs.total(policy.unnormalize_action((clean + offset).float()).double(), context)
        minus = costs.total(policy.unnormalize_action((clean - offset).float()).double(), context)
        gradient[:, 0, index] = (plus - minus) / (2 * step)
    factor = (levels.sigma * output.lambda_t / levels.alpha).double()
    if policy.is_flow:
        factor = factor / levels.alpha.double()
    expected = output.prediction.double() + factor[:, None, None] * gradient
    torch.testing.assert_close(output.target.double(), expected, atol=2e-3, rtol=2e-3)


def test_reference_presets_guide_only_the_three_lowest_steps_with_w_over_beta():
    policy = make_toy_policy('epsilon', ACTION_MEAN, ACTION_STD)
    costs = CostSet([linear_cost_term(COST_GRADIENT)])
    assert sorted(REFERENCE_PRESETS) == ['reference_w0.01', 'reference_w0.03', 'reference_w0.1']
    teacher = SafeTeacher(policy, costs, preset('reference_w0.03'))
    steps = torch.arange(100)
    lam = teacher.lambda_t(steps)
    expected = torch.zeros(100)
    expected[:3] = 0.03 / policy.schedule.betas[:3].float()
    torch.testing.assert_close(lam, expected)
    flow = make_toy_policy('velocity', ACTION_MEAN, ACTION_STD)
    flow_lam = SafeTeacher(flow, costs, preset('reference_w0.1')).lambda_t(
        torch.tensor([0.005, 0.025, 0.035, 0.5]))
    assert flow_lam[0] > 0 and flow_lam[1] > 0 and flow_lam[2] == 0 and flow_lam[3] == 0


def test_low_noise_presets_guide_levels_with_alpha_at_least_0_9_with_constant_weight():
    policy = make_toy_policy('epsilon', ACTION_MEAN, ACTION_STD)
    costs = CostSet([linear_cost_term(COST_GRADIENT)])
    lam = SafeTeacher(policy, costs, preset('low_noise_w3')).lambda_t(torch.arange(100))
    alpha = torch.cumprod(1.0 - policy.schedule.betas.double(), 0).sqrt()   # from β_t alone
    expected = torch.where(alpha >= 0.9, 3.0, 0.0).float()
    assert 0 < int((expected > 0).sum()) < 100
    torch.testing.assert_close(lam, expected)


def test_unguided_samples_keep_the_teacher_prediction_and_bad_options_raise():
    policy = analytic_policy('epsilon')
    costs = CostSet([linear_cost_term(COST_GRADIENT)])
    teacher = SafeTeacher(policy, costs, GuidanceSchedule(mode='min_alpha', min_alpha=0.5),
                          jacobian='full', max_correction_rms=0.01)
    noisy, timestep, observation, context = inputs(policy)
    output = teacher.target(noisy, timestep, observation, context)
    unguided = policy.noise_levels(timestep).alpha < 0.5
    assert unguided.any() and (~unguided).any()
    torch.testing.assert_close(output.target[unguided], output.prediction[unguided])
    rms = (output.target - output.prediction).flatten(1).pow(2).mean(1).sqrt()
    assert float(rms.max()) <= 0.01 + 1e-6 and float(rms[~unguided].min()) > 0.009
    with pytest.raises(ValueError, match='jacobian'):
        SafeTeacher(policy, costs, preset('tilt_exact'), jacobian='exact')
    with pytest.raises(ValueError, match='preset'):
        preset('reference_w0.5')
    with pytest.raises(ValueError, match='mode'):
        GuidanceSchedule(mode='highest')
    with pytest.raises(ValueError, match='returned shape'):
        CostSet([CostTerm('bad', lambda c, x, m: c.sum(-1))]).total(noisy, context)


@pytest.mark.parametrize('jacobian, extra_rows', [('stop_gradient', 0), ('full', 1)])
def test_teacher_evaluates_the_network_once_per_row_plus_the_full_jacobians_guided_rows(
        jacobian, extra_rows):
    policy = analytic_policy('epsilon')
    costs = CostSet([linear_cost_term(COST_GRADIENT)])
    teacher = SafeTeacher(policy, costs, GuidanceSchedule(mode='min_alpha', min_alpha=0.5),
                          jacobian=jacobian)
    rows = []
    predict = policy.predict

    def counting_predict(noisy, timestep, observation):
        rows.append(noisy.shape[0])
        return predict(noisy, timestep, observation)

    policy.predict = counting_predict
    noisy, timestep, observation, context = inputs(policy, batch=32, seed=5)
    output = teacher.target(noisy, timestep, observation, context)
    guided = int((output.lambda_t > 0).sum())
    assert 0 < guided < 32
    assert sum(rows) == 32 + extra_rows * guided
    assert teacher.extra_calls_per_guided_row == 2 * extra_rows   # forward + backward when full


def mlp_teacher(parameterisation, schedule, cost_term, sync_free=None, seed=3):
    """Return a SafeTeacher around a (randomly initialised) MLP toy policy."""
    policy = make_toy_policy(parameterisation, ACTION_MEAN, ACTION_STD, seed=seed)
    return SafeTeacher(policy.eval(), CostSet([cost_term]), schedule, sync_free=sync_free)


@pytest.mark.parametrize('parameterisation', ['epsilon', 'velocity'])
def test_teacher_under_bf16_autocast_returns_fp32_targets_with_an_fp32_correction(
        parameterisation):
    """
    Under bf16 autocast only the network runs in bf16: target and cost stay float32.

    With a linear cost the correction σ_t λ_t ∇C does not depend on the network's output, so
    target − prediction must equal the float32 run's to float32 rounding (1e-6 on O(1)
    values) although the predictions themselves differ by bf16's 8-bit mantissa.
    """
    schedule = GuidanceSchedule(mode='min_alpha', min_alpha=0.5, weighting='constant',
                                scale=0.7)
    teacher = mlp_teacher(parameterisation, schedule, linear_cost_term(COST_GRADIENT))
    noisy, timestep, observation, context = inputs(teacher.policy, batch=256)
    reference = teacher.target(noisy, timestep, observation, context)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        mixed = teacher.target(noisy, timestep, observation, context)
    guided = reference.lambda_t > 0
    assert 0 < int(guided.sum()) < len(guided)      # both kinds of rows are exercised
    assert mixed.target.dtype == mixed.cost.dtype == torch.float32
    assert float((mixed.prediction - reference.prediction).abs().max()) > 1e-4  # bf16 ran
    torch.testing.assert_close(mixed.target - mixed.prediction,
                               reference.target - reference.prediction, atol=1e-6, rtol=0)
    torch.testing.assert_close(mixed.cost[~guided], torch.zeros(int((~guided).sum())))


@pytest.mark.parametrize('parameterisation', ['epsilon', 'velocity'])
def test_sync_free_teacher_equals_the_gathering_teacher(parameterisation):
    """The masked (accelerator) path gives the gathered path's targets and costs (1e-6)."""
    limit = 1.0
    term = CostTerm('limit', lambda chunk, context, margin: torch.relu(
        chunk[:, :, 0] + margin - limit).sum(1))
    schedule = preset('reference_w0.03') if parameterisation == 'epsilon' else GuidanceSchedule(
        mode='min_alpha', min_alpha=0.6, weighting='constant', scale=2.0)
    gathering = mlp_teacher(parameterisation, schedule, term, sync_free=False)
    masked = mlp_teacher(parameterisation, schedule, term, sync_free=True)
    noisy, timestep, observation, context = inputs(gathering.policy, batch=512, seed=4)
    if parameterisation == 'epsilon':     # make sure some rows sit on the guided steps
        timestep[:64] = torch.arange(64) % 3
    expected = gathering.target(noisy, timestep, observation, context)
    ours = masked.target(noisy, timestep, observation, context)
    assert int((expected.lambda_t > 0).sum()) >= 32
    assert float((expected.target - expected.prediction).abs().max()) > 1e-3
    torch.testing.assert_close(ours.target, expected.target, atol=1e-6, rtol=0)
    torch.testing.assert_close(ours.cost, expected.cost, atol=1e-6, rtol=0)
