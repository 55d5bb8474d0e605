# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""How much of the teacher's correction a student holds, and the guided-level batch share."""

import math

from pact_trainer.core.costs import CostSet
from pact_trainer.core.distillation import (correction_absorbed, DistillationBatch,
                                            focused_timesteps)
from pact_trainer.core.guidance import GuidanceSchedule
from pact_trainer.core.safe_teacher import SafeTeacher
from pact_trainer.core.toy_problem import joint_limit_term, make_toy_policy
import pytest
import torch


def toy(parameterisation='epsilon', batch=512):
    """Return (policy, teacher, batch): a Gaussian toy policy whose samples cross a limit."""
    policy = make_toy_policy(parameterisation, [0.5, -0.3], [2.0, 0.5], seed=2).eval()
    schedule = GuidanceSchedule(mode='min_alpha', min_alpha=0.5, weighting='constant', scale=1.0)
    teacher = SafeTeacher(policy, CostSet([joint_limit_term(0.5)]), schedule)
    generator = torch.Generator().manual_seed(0)
    action = (torch.randn(batch, 1, 2, generator=generator) * torch.tensor([2.0, 0.5])
              + torch.tensor([0.5, -0.3]))
    observation = torch.zeros(batch, 1)
    return policy, teacher, DistillationBatch(action, observation, {'observation': observation})


class ShiftedStudent:
    """The teacher's policy with a share of the teacher's own correction added to its output."""

    def __init__(self, teacher: SafeTeacher, share: float):
        self.teacher, self.share = teacher, share
        self.policy = teacher.policy

    def __getattr__(self, name):
        return getattr(self.policy, name)

    def predict(self, noisy, timestep, observation):
        output = self.teacher.target(noisy, timestep, observation, self.context)
        return output.prediction + self.share * (output.target - output.prediction)


@pytest.mark.parametrize('share', [0.0, 0.5, 1.0])
def test_absorbed_share_is_read_back_exactly(share):
    # residual = (1 − s)·c on every guided row, so 1 − Σ‖(1 − s)c‖²/Σ‖c‖² = 1 − (1 − s)².
    policy, teacher, batch = toy()
    student = ShiftedStudent(teacher, share)
    student.context = batch.context
    absorbed = correction_absorbed(student, teacher, batch, torch.Generator().manual_seed(3))
    assert absorbed == pytest.approx(1.0 - (1.0 - share) ** 2, abs=1e-6)


def test_absorbed_is_nan_without_guided_rows():
    policy, teacher, batch = toy()
    teacher.schedule = GuidanceSchedule(mode='min_alpha', min_alpha=1.0, scale=1.0)
    assert math.isnan(correction_absorbed(policy, teacher, batch,
                                          torch.Generator().manual_seed(3)))


@pytest.mark.parametrize('parameterisation', ['epsilon', 'velocity'])
def test_focused_timesteps_put_the_asked_share_at_guided_levels(parameterisation):
    policy, teacher, _ = toy(parameterisation)
    generator = torch.Generator().manual_seed(4)
    uniform_share = float((teacher.lambda_t(policy.sample_timesteps(20_000, generator)) > 0)
                          .double().mean())
    timestep = focused_timesteps(policy, teacher, 20_000, 0.5, generator)
    share = float((teacher.lambda_t(timestep) > 0).double().mean())
    # half drawn at guided levels, the other half uniform: 0.5 + 0.5·p (binomial sd < 0.004)
    assert share == pytest.approx(0.5 + 0.5 * uniform_share, abs=0.015)
    assert 0.05 < uniform_share < 0.95
    assert torch.equal(focused_timesteps(policy, teacher, 8, 0.0,
                                         torch.Generator().manual_seed(1)),
                       policy.sample_timesteps(8, torch.Generator().manual_seed(1)))
