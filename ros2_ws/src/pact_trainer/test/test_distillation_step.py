# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""One distillation step: no host synchronisation, its bookkeeping, and the bf16 option."""

from pact_trainer.core.costs import CostSet
from pact_trainer.core.distillation import distillation_loss, DistillationBatch
from pact_trainer.core.guidance import GuidanceSchedule
from pact_trainer.core.safe_teacher import SafeTeacher
from pact_trainer.core.toy_problem import joint_limit_term, make_toy_policy, toy_aligner
import pytest
import torch
from torch.profiler import profile, ProfilerActivity

# Operators that copy a device value to the host (and so wait for the device).
READ_BACKS = ('aten::_local_scalar_dense', 'aten::item', 'aten::is_nonzero', 'aten::nonzero')


def step_setup(parameterisation='velocity', batch=256, sync_free=True):
    """Return (student, teacher, batch) on the Gaussian toy with a joint-limit cost."""
    student = make_toy_policy(parameterisation, [0.5, -0.3], [2.0, 0.5], seed=1).train()
    teacher_policy = make_toy_policy(parameterisation, [0.5, -0.3], [2.0, 0.5], seed=2).eval()
    schedule = GuidanceSchedule(mode='min_alpha', min_alpha=0.5, weighting='constant', scale=1.0)
    teacher = SafeTeacher(teacher_policy, CostSet([joint_limit_term(0.5)]), schedule,
                          sync_free=sync_free)
    generator = torch.Generator().manual_seed(0)
    action = (torch.randn(batch, 1, 2, generator=generator) * torch.tensor([2.0, 0.5])
              + torch.tensor([0.5, -0.3]))
    observation = torch.zeros(batch, 1)
    return student, teacher, DistillationBatch(action, observation, {'observation': observation})


def test_distillation_step_reads_nothing_back_from_the_device():
    """
    Loss, backward and the info of a step dispatch no operator that waits for the device.

    Flow policy: ε-policies look their noise levels up in the DDPM schedule, which checks
    CPU step indices eagerly (a ValueError at once) and device ones asynchronously; the CUDA
    test covers that path.
    """
    student, teacher, batch = step_setup('velocity')
    generator = torch.Generator().manual_seed(5)
    distillation_loss(student, teacher, batch, generator)   # warm-up (lazy initialisation)
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        loss, info = distillation_loss(student, teacher, batch, generator)
        loss.backward()
    names = [event.name for event in profiler.events()]
    assert not [name for name in names if name in READ_BACKS]
    assert len(names) > 50     # the profiler did record the step


def test_step_info_counts_guided_rows_and_their_mean_cost():
    """The step's info equals its definitions, recomputed from the teacher's output."""
    student, teacher, batch = step_setup(batch=512)
    loss, info = distillation_loss(student, teacher, batch, torch.Generator().manual_seed(9))
    from pact_trainer.core.distillation import noisy_inputs
    noisy, timestep, observation, _, _ = noisy_inputs(student, batch,
                                                      torch.Generator().manual_seed(9))
    output = teacher.target(noisy, timestep, observation, batch.context)
    guided = output.lambda_t > 0
    assert 0 < int(guided.sum()) < 512
    assert float(info['guided_fraction']) == pytest.approx(float(guided.double().mean()),
                                                           abs=1e-7)
    assert float(info['mean_teacher_cost']) == pytest.approx(
        float(output.cost[guided].double().mean()), rel=1e-5)
    assert int(info['denoiser_calls']) == 2 * 512
    assert float(loss.detach()) > 0


def test_bf16_step_keeps_loss_fp32_and_close_to_the_fp32_step():
    """bf16 autocast moves the loss by bf16 rounding only (≤ 5 % here), and it stays fp32."""
    student, teacher, batch = step_setup()
    full, _ = distillation_loss(student, teacher, batch, torch.Generator().manual_seed(2))
    mixed, _ = distillation_loss(student, teacher, batch, torch.Generator().manual_seed(2),
                                 precision='bf16')
    assert mixed.dtype == torch.float32
    assert float(mixed.detach()) == pytest.approx(float(full.detach()), rel=0.05)
    assert abs(float(mixed.detach()) - float(full.detach())) > 1e-7   # bf16 did run
    mixed.backward()
    assert all(parameter.grad.dtype == torch.float32 for parameter in student.parameters()
               if parameter.grad is not None)
    with pytest.raises(ValueError, match='precision'):
        distillation_loss(student, teacher, batch, precision='fp16')


def test_alignment_iteration_runs_under_bf16():
    """One toy PACT iteration with precision='bf16' on the CPU (autocast works there too)."""
    aligner = toy_aligner(base_steps=20, iterations=1, chunks_per_iteration=64,
                          steps_per_epoch=3, max_inner_epochs=1, precision='bf16')
    record = aligner.step()
    assert record.distillation_loss > 0 and record.denoiser_calls > 0
    with pytest.raises(ValueError, match='precision'):
        toy_aligner(base_steps=1, precision='fp16')
