# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Baselines on the Gaussian toy: guardrail, reward-weighted regression, DPPO-style PPO."""

import copy

from pact_trainer.core.alignment_loop import evaluate
from pact_trainer.core.baselines.dppo import (ChainRecordingPolicy, DppoAligner, DppoConfig,
                                              gaussian_log_prob)
from pact_trainer.core.baselines.guardrail import GuardrailPolicy
from pact_trainer.core.baselines.rwr import rwr_weights
from pact_trainer.core.guidance import GuidanceSchedule
from pact_trainer.core.safe_teacher import SafeTeacher
from pact_trainer.core.sources import sampler_calls
from pact_trainer.core.toy_problem import toy_aligner
import pytest
import torch


@pytest.mark.parametrize('parameterisation', ['epsilon', 'velocity'])
def test_guardrail_cuts_violations_at_inference_without_touching_the_weights(parameterisation):
    torch.set_num_threads(1)
    aligner = toy_aligner(parameterisation)
    before = {k: v.clone() for k, v in aligner.student.state_dict().items()}
    schedule = GuidanceSchedule(mode='min_alpha', min_alpha=0.3, scale=3.0)
    guarded = GuardrailPolicy(aligner.student, SafeTeacher(aligner.student, aligner.costs,
                                                           schedule))
    base = evaluate(aligner.costs, aligner.source.collect(
        aligner.student, 500, torch.Generator().manual_seed(0)))
    safe = evaluate(aligner.costs, aligner.source.collect(
        guarded, 500, torch.Generator().manual_seed(0)))
    assert base.violation_rate > 0.15
    assert safe.violation_rate < 0.5 * base.violation_rate
    assert safe.mean_cost < 0.2 * base.mean_cost
    # stop-gradient guidance reuses the teacher's prediction: no network call beyond sampling
    assert guarded.denoiser_calls == 500 * sampler_calls(aligner.student)
    for key, value in aligner.student.state_dict().items():
        torch.testing.assert_close(value, before[key])


def test_rwr_weights_are_a_scaled_softmax_and_rwr_training_cuts_violations():
    cost = torch.tensor([0.0, 1.0, 2.0])
    expected = torch.exp(-cost / 0.5) / torch.exp(-cost / 0.5).sum() * 3
    torch.testing.assert_close(rwr_weights(cost, 0.5), expected)
    with pytest.raises(ValueError, match='temperature'):
        rwr_weights(cost, 0.0)
    torch.set_num_threads(1)
    history = toy_aligner('epsilon', iterations=4, objective='rwr').run()
    rates = [record.violation_rate for record in history]
    assert rates[-1] < 0.5 * rates[0]


def test_dppo_log_probs_are_consistent_and_ppo_cuts_violations():
    torch.set_num_threads(1)
    aligner = toy_aligner('epsilon')
    policy = copy.deepcopy(aligner.student)
    recorder = ChainRecordingPolicy(policy, min_std=0.1)
    recorder.sample(torch.zeros(6, 1), generator=torch.Generator().manual_seed(2))
    chain = recorder.chains[0]
    grid = chain['steps']
    for k in (0, len(grid) - 1):
        previous = grid[k + 1] if k + 1 < len(grid) else -1
        mean, std = recorder.transition(chain['states'][:, k], grid[k], previous,
                                        chain['condition'])
        recomputed = torch.distributions.Normal(mean, std).log_prob(
            chain['nexts'][:, k]).flatten(1).sum(1)
        torch.testing.assert_close(chain['log_probs'][:, k], recomputed, atol=1e-4, rtol=1e-5)
        torch.testing.assert_close(gaussian_log_prob(chain['nexts'][:, k], mean, std),
                                   recomputed, atol=1e-4, rtol=1e-5)
    dppo = DppoAligner(policy, aligner.costs, aligner.source,
                       DppoConfig(iterations=4, chunks_per_iteration=128, learning_rate=1e-3,
                                  ppo_epochs=2))
    history = dppo.run()
    rates = [record.violation_rate for record in history]
    assert rates[0] > 0.1 and rates[-1] < 0.5 * rates[0]
    assert history[-1].env_steps == 4 * 128
    # 128 chunks × 10 steps sampled, plus 2 PPO epochs over the same 1280 transitions.
    assert history[0].denoiser_calls == 128 * 10 * 3
    with pytest.raises(ValueError, match='flow'):
        ChainRecordingPolicy(toy_aligner('velocity', base_steps=1).student)
