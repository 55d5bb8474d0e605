# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Teacher-guided sampling on the Gaussian toy as a distribution: presets, Jacobians, defaults.

The teacher ε* (or v*) is the regression target of distillation, so a perfectly distilled
student samples exactly what ``GuardrailPolicy`` draws with the same teacher: these tests check
the distribution one PACT round aims at, with the exact Gaussian denoiser of ``toy_problem``
(no network error) and against closed forms.
"""

import subprocess
import sys

from pact_trainer.align_cli import parse_arguments
from pact_trainer.core.alignment_loop import PactConfig
from pact_trainer.core.baselines.guardrail import GuardrailPolicy
from pact_trainer.core.costs import CostSet
from pact_trainer.core.guidance import (GuidanceSchedule, preset, REFERENCE_PRESETS,
                                        resolve_jacobian)
from pact_trainer.core.safe_teacher import SafeTeacher
from pact_trainer.core.toy_problem import (exact_toy_policy, guided_mean_shift,
                                           linear_cost_term, shift_ratio, tilted_gaussian_linear,
                                           TOY_ACTION_STD, TOY_COST_GRADIENT, TOY_COVARIANCE,
                                           TOY_MEAN)
import pytest
import torch

GRADIENT = torch.tensor(TOY_COST_GRADIENT)
NORMALISED_GRADIENT = GRADIENT * torch.tensor(TOY_ACTION_STD)   # g_n = std·g
SAMPLES = 4000


def normalised_samples(sampler, policy, num_steps, seed=0):
    """Return normalised samples (SAMPLES, 2) of ``sampler`` from fixed noise."""
    noise = torch.randn(SAMPLES, 1, 2, generator=torch.Generator().manual_seed(seed))
    chunks = sampler.sample(torch.zeros(SAMPLES, 1), num_steps=num_steps, noise=noise)
    return policy.normalize_action(chunks.detach()).reshape(SAMPLES, 2)


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


@pytest.mark.parametrize('num_steps', [20, 100])
def test_flow_tilt_exact_euler_sampling_is_finite_and_follows_the_tilted_flow(num_steps):
    """
    Flow + ``tilt_exact`` (full Jacobian), Euler from t = 1: finite, and the tilt's mean.

    Reference: the exact velocity of the tilted Gaussian N(m − Σg_n, Σ) integrated by the same
    Euler steps from the same noise. The first step (t = 1, α = 0) is not guided: a_1 is pure
    noise, the teacher's factor σλ/α is infinite there, and the tilted velocity differs from
    the base's by Σg_n (|Σg_n| = 0.30). Missing it for one step of Δt = 1/N moves the chain by
    Δt·Σg_n, which the remaining flow carries to a_0 with a gain ≤ 1 on this Σ: the means may
    differ by |Σg_n|/N per component (measured: 0.007 at N = 20, 0.0014 at N = 100).
    """
    base = exact_toy_policy('velocity')
    tilted_mean, tilted_cov = tilted_gaussian_linear(
        torch.tensor(TOY_MEAN), torch.tensor(TOY_COVARIANCE), NORMALISED_GRADIENT)
    tilted = exact_toy_policy('velocity', tilted_mean, tilted_cov)
    teacher = SafeTeacher(base, CostSet([linear_cost_term(GRADIENT)]), preset('tilt_exact'),
                          jacobian='full')
    guided = normalised_samples(GuardrailPolicy(base, teacher), base, num_steps)
    reference = normalised_samples(tilted, tilted, num_steps)
    unguided = normalised_samples(base, base, num_steps)
    assert bool(torch.isfinite(guided).all())
    assert float((reference.mean(0) - unguided.mean(0)).norm()) > 0.25   # the tilt matters
    lag = float((torch.tensor(TOY_COVARIANCE) @ NORMALISED_GRADIENT).norm()) / num_steps
    torch.testing.assert_close(guided.mean(0), reference.mean(0), atol=lag, rtol=0.0)
    # The covariance is the tilt's (= Σ) as far as this Euler grid reproduces it.
    torch.testing.assert_close(torch.cov(guided.T), torch.cov(reference.T), atol=0.02, rtol=0.0)


@pytest.mark.parametrize('name', sorted(REFERENCE_PRESETS))
def test_reference_preset_with_10_ddim_steps_translates_the_gaussian_by_w_g_over_1_minus_beta0(
        name):
    """
    Stop-gradient teacher, reference preset, 10 DDIM steps: every sample moves by −w·g_n/(1−β_0).

    Derivation. DDIM (η = 0) with 10 of T = 100 steps visits t = 99, 88, …, 11, 0; the
    reference preset guides step positions p < 3, so only t = 0, with λ_0 = w/β_0. For the
    linear cost C(a) = gᵀa (g_n = std·g on normalised chunks) the stop-gradient teacher holds
    ε̂ fixed inside â_0 = (a_t − σ_t ε̂)/α_t, so ∇_{a_t}C = g_n/α_0 and

        ε* = ε̂ + σ_0·(w/β_0)·g_n/α_0,     the same vector for every sample.

    The last DDIM transition (to the clean sample) returns â_0* = (a_0 − σ_0 ε*)/α_0
    = â_0 − (σ_0²/α_0²)(w/β_0)·g_n. With ᾱ_0 = 1 − β_0: σ_0² = 1 − ᾱ_0 = β_0 and α_0² = 1 − β_0,
    hence every sample moves by exactly −w·g_n/(1 − β_0): the guided distribution is the base
    Gaussian translated (same covariance), whatever the denoiser (â_0 clipping off). A λ_t off
    by a factor k moves it k times as far. Tolerance: float32 rounding of O(1) values through 10
    steps (< 1e-5; the shift is ≥ 0.009 per component).
    """
    base = exact_toy_policy('epsilon')
    schedule = preset(name)
    teacher = SafeTeacher(base, CostSet([linear_cost_term(GRADIENT)]), schedule,
                          jacobian='stop_gradient')
    guided = normalised_samples(GuardrailPolicy(base, teacher), base, 10)
    unguided = normalised_samples(base, base, 10)
    beta_0 = float(base.schedule.betas[0])
    expected = -schedule.scale * NORMALISED_GRADIENT / (1.0 - beta_0)
    torch.testing.assert_close(guided - unguided, expected.expand(SAMPLES, 2), atol=1e-5,
                               rtol=0.0)


def test_library_default_moves_the_toy_mean_as_far_as_its_documented_ratio():
    """
    ``PactConfig``'s guidance: the README's ratios to the closed-form tilt, no overshoot.

    README (bench/guidance/preset_shift.py): ε, 10 DDIM steps 0.967; flow, 10 Euler steps 0.0579.
    Stop-gradient and a linear cost move every sample by the same vector, so 4000 samples fix
    the ratio to float32 rounding; 0.005 leaves room for it.
    """
    config = PactConfig()
    assert config.guidance == preset('low_noise_w3') and config.jacobian == 'stop_gradient'
    for parameterisation, documented in (('epsilon', 0.967), ('velocity', 0.0579)):
        ratio = shift_ratio(*guided_mean_shift(parameterisation, config.guidance,
                                               config.jacobian, num_steps=10))
        assert ratio == pytest.approx(documented, abs=0.005), parameterisation


def test_tilt_exact_with_the_stop_gradient_jacobian_is_refused_everywhere():
    tilt = preset('tilt_exact')
    costs = CostSet([linear_cost_term(GRADIENT)])
    policy = exact_toy_policy('epsilon')
    assert resolve_jacobian(tilt, 'auto') == 'full'
    assert resolve_jacobian(preset('reference_w0.03'), 'auto') == 'stop_gradient'
    assert resolve_jacobian(GuidanceSchedule(mode='all', scale=0.0), 'stop_gradient')  # no-op
    for schedule in (tilt, GuidanceSchedule(mode='min_alpha', min_alpha=0.05)):
        with pytest.raises(ValueError, match='stop_gradient'):
            SafeTeacher(policy, costs, schedule, jacobian='stop_gradient')
        with pytest.raises(ValueError, match='stop_gradient'):
            PactConfig(guidance=schedule, jacobian='stop_gradient')
    assert PactConfig(guidance=tilt).jacobian == 'full'
    assert SafeTeacher(policy, costs, tilt, jacobian='auto').jacobian == 'full'
    cli = ['mcap', '--base', 'b.pact', '--out', 'o', '--logs', 'l.mcap',
           '--guidance-preset', 'tilt_exact']
    assert parse_arguments(cli).jacobian == 'full'
    with pytest.raises(SystemExit):
        parse_arguments([*cli, '--jacobian', 'stop_gradient'])


@pytest.mark.dds
def test_trainer_node_refuses_tilt_exact_with_stop_gradient_at_start_up(tmp_path):
    """The node stops before loading anything (the checkpoint path does not even exist)."""
    finished = subprocess.run(
        [sys.executable, '-m', 'pact_trainer.trainer_node', '--ros-args',
         '-p', f'base_checkpoint:={tmp_path / "missing.pact"}',
         '-p', 'guidance_preset:=tilt_exact', '-p', 'jacobian:=stop_gradient'],
        capture_output=True, text=True, timeout=120)
    assert finished.returncode != 0
    assert "use jacobian 'full'" in finished.stderr, finished.stderr[-2000:]
