# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The on-policy loop: improvement, bookkeeping, monotone gate, trust region, curriculum."""

import math

from pact_trainer.core.curriculum import MarginCurriculum
from pact_trainer.core.guidance import GuidanceSchedule
from pact_trainer.core.improvement_gate import ImprovementGate, RolloutStatistics
from pact_trainer.core.rollouts import RolloutBatch, RolloutBuffer
from pact_trainer.core.toy_problem import toy_aligner
import pytest
import torch

GUIDANCE = GuidanceSchedule(mode='min_alpha', min_alpha=0.3)


@pytest.mark.parametrize('parameterisation', ['epsilon', 'velocity'])
def test_pact_loop_cuts_violations_and_accounts_for_its_budget(parameterisation):
    torch.set_num_threads(1)
    aligner = toy_aligner(parameterisation, iterations=5, guidance=GUIDANCE)
    history = aligner.run()
    rates = [record.violation_rate for record in history]
    assert rates[0] > 0.15                     # base: ≈ 27 % of chunks beyond the limit
    assert max(rates[-2:]) < 0.5 * rates[0]    # ≥ 50 % fewer violations after alignment
    assert [record.iteration for record in history] == list(range(5))
    # One chunk of H = 1 row per collected step: exactly 128 env steps per iteration.
    assert [record.env_steps for record in history] == [128 * (i + 1) for i in range(5)]
    calls = [record.denoiser_calls for record in history]
    assert all(later > earlier for earlier, later in zip(calls, calls[1:], strict=False))
    # Rollout sampling alone costs 128 chunks × 10 denoiser calls per iteration.
    assert calls[0] > 1280
    assert all(record.wall_time > 0 for record in history)
    for key in ('kl_proxy', 'kl_bound', 'stage', 'margins', 'rolled_back', 'step_scale'):
        assert getattr(history[-1], key) is not None


def test_gate_rejects_a_harmful_update_and_restores_the_accepted_weights():
    torch.set_num_threads(1)
    aligner = toy_aligner('velocity', iterations=1, guidance=GUIDANCE)
    aligner.step()
    accepted = {k: v.clone() for k, v in aligner.accepted.state_dict().items()}
    with torch.no_grad():   # harm: v̂ −= 1.5 on dim 0 ⇒ samples move +1.5 (normalised) there
        aligner.student.denoiser.output_layer[1].bias[0] -= 1.5
    record = aligner.step()
    assert record.rolled_back and 'violation rate' in record.gate_reason
    assert record.step_scale == 0.5
    for key, value in aligner.accepted.state_dict().items():
        torch.testing.assert_close(value, accepted[key])
    # The next candidate (trained from the restored weights) is accepted again.
    assert not aligner.step().rolled_back


def test_trust_region_stops_inner_epochs_when_the_kl_proxy_exceeds_its_bound():
    torch.set_num_threads(1)
    tight = toy_aligner('velocity', iterations=1, kl_bound=1e-12, max_inner_epochs=3,
                        guidance=GUIDANCE)
    record = tight.step()
    assert record.kl_stopped and record.inner_epochs == 1 and record.kl_proxy > 1e-12
    loose = toy_aligner('velocity', iterations=1, kl_bound=10.0, max_inner_epochs=3,
                        guidance=GUIDANCE)
    record = loose.step()
    assert not record.kl_stopped and record.inner_epochs == 3


def test_iterations_log_the_absorbed_correction_and_stop_once_it_is_reached():
    # The last epoch's share is logged; a target the first epoch already reaches (any share
    # above -1000) stops after one epoch, the default (1.0, never reached) runs every epoch.
    torch.set_num_threads(1)
    full = toy_aligner('velocity', iterations=1, kl_bound=10.0, max_inner_epochs=3,
                       guidance=GUIDANCE, guided_timestep_share=0.5)
    record = full.step()
    assert record.inner_epochs == 3 and len(record.correction_absorbed) == 1
    assert 0.0 < record.correction_absorbed[0] <= 1.0   # distilling learns part of it
    early = toy_aligner('velocity', iterations=1, kl_bound=10.0, max_inner_epochs=3,
                        guidance=GUIDANCE, absorb_target=1e-9)
    early_record = early.step()
    assert early_record.inner_epochs == 1 and early_record.correction_absorbed[0] >= 1e-9


@pytest.mark.parametrize('field, value', [('absorb_target', 0.0), ('absorb_target', 1.5),
                                          ('guided_timestep_share', -0.1),
                                          ('guided_timestep_share', 1.1)])
def test_config_refuses_shares_outside_their_range(field, value):
    from pact_trainer.core.alignment_loop import PactConfig
    with pytest.raises(ValueError, match=field):
        PactConfig(**{field: value})


def test_curriculum_interpolates_margins_and_advances_only_below_target():
    curriculum = MarginCurriculum({'clearance': 0.0, 'joint': 0.1},
                                  {'clearance': 0.04, 'joint': 0.2}, num_stages=4,
                                  target_violation_rate=0.1)
    assert curriculum.margins() == pytest.approx({'clearance': 0.01, 'joint': 0.125})
    assert not curriculum.update(0.2) and curriculum.stage == 0
    assert curriculum.update(0.05) and curriculum.stage == 1
    for _ in range(5):
        curriculum.update(0.0)
    assert curriculum.stage == 3 and curriculum.margins() == pytest.approx(
        {'clearance': 0.04, 'joint': 0.2})
    with pytest.raises(ValueError, match='different constraints'):
        MarginCurriculum({'a': 0.0}, {'b': 0.0})


def test_gate_statistics_match_hand_computed_z_tests():
    values = torch.tensor([[0.0, 0.0], [0.2, 0.0], [0.0, 0.4], [0.0, 0.0]])
    stats = RolloutStatistics.from_costs(values, torch.tensor([1.0, 0.5]))
    assert stats.violation_rate == pytest.approx(0.5)
    assert stats.mean_cost == pytest.approx(0.1)
    assert stats.cost_variance == pytest.approx(((0.1 ** 2) * 2 + 0.1 ** 2 * 2) / 3)
    gate = ImprovementGate(z=2.0)
    old = RolloutStatistics(0.10, 1.0, 1.0, 400)
    # pooled p = 0.125, s.e. = sqrt(0.125·0.875·(2/400)) = 0.02339; 2 s.e. = 0.0468.
    threshold = 2 * math.sqrt(0.125 * 0.875 * 2 / 400)
    assert not gate.worse(RolloutStatistics(0.15 - 0.0045, 1.0, 1.0, 400), old)[0]
    assert gate.worse(RolloutStatistics(0.10 + threshold + 0.01, 1.0, 1.0, 400), old)[0]
    # Mean cost: s.e. = sqrt(2/400) = 0.0707; rise of 0.2 > 2 s.e. → worse.
    assert gate.worse(RolloutStatistics(0.10, 1.2, 1.0, 400), old)[0]
    assert not gate.worse(RolloutStatistics(0.10, 1.1, 1.0, 400), old)[0]


def test_rollout_buffer_is_fifo_and_round_trips_through_its_state():
    buffer = RolloutBuffer(5)
    for start in (0, 3):
        observation = torch.arange(start, start + 3).float()[:, None]
        buffer.add(RolloutBatch(observation, observation[:, :, None].repeat(1, 2, 2)))
    assert len(buffer) == 5
    assert buffer.data.observation[:, 0].tolist() == [1, 2, 3, 4, 5]
    restored = RolloutBuffer(1)
    restored.load_state_dict(buffer.state_dict())
    torch.testing.assert_close(restored.data.action, buffer.data.action)
    with pytest.raises(ValueError, match='does not match'):
        RolloutBatch(torch.zeros(3, 1), torch.zeros(2, 1, 1))


def test_paired_gate_sees_a_small_regression_that_batch_noise_hides():
    # Costs on 400 states whose level varies a lot from state to state (episode phase), and a
    # candidate that is uniformly 0.05 worse on every state. Two independent batches cannot
    # tell (the unpaired test's standard error is ~0.07); the paired test on the same states
    # must reject, and must accept a candidate that is equally good.
    generator = torch.Generator().manual_seed(0)
    level = torch.rand(400, 1, generator=generator) * 2.0
    accepted = level + 0.01 * torch.rand(400, 1, generator=generator)
    worse = accepted + 0.05
    weights = torch.ones(1)
    gate = ImprovementGate(z=2.0)
    is_worse, reason = gate.worse_on_same_states(worse, accepted, weights)
    assert is_worse and 'mean cost' in reason
    equal = level + 0.01 * torch.rand(400, 1, generator=generator)
    assert not gate.worse_on_same_states(equal, accepted, weights)[0]
    other = level[torch.randperm(400, generator=generator)] + 0.05
    assert not gate.worse(RolloutStatistics.from_costs(other, weights),
                          RolloutStatistics.from_costs(accepted, weights))[0]
