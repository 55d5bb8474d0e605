# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The trainer on CUDA against the same code on the CPU (skipped where there is no CUDA device).

Deterministic parts (the Gaussian toy denoiser, the safe teacher, the robot costs, one
distillation step on the same noisy inputs) are compared on identical inputs to stated float
tolerances; parts that draw from a device generator (distillation losses, one ``align_cli sim``
iteration) are compared statistically, since CPU and CUDA generators give different streams.
"""

import json
import math

import numpy as np
from pact_constraints.core.config import default_config
from pact_constraints.core.robot_model import load_robot_model
from pact_policy.core.checkpoint import save_checkpoint
from pact_sim.core.vector_env import VectorEnv
from pact_trainer.align_cli import main
from pact_trainer.core.costs import CostSet
from pact_trainer.core.distillation import distillation_loss, DistillationBatch
from pact_trainer.core.guidance import GuidanceSchedule, preset
from pact_trainer.core.robot_costs import RobotCosts
from pact_trainer.core.safe_teacher import SafeTeacher
from pact_trainer.core.toy_problem import (GaussianDenoiser, joint_limit_term,
                                           linear_cost_term, make_toy_policy, toy_aligner)
from pact_world.core.robot_assets import PANDA_SRDF, PANDA_URDF
from pact_world.core.scene import scene_from_dict
import pytest
import torch
from torch.profiler import profile, ProfilerActivity

pytestmark = pytest.mark.cuda

JOINTS = [f'panda_joint{i}' for i in range(1, 8)] + ['panda_finger_joint1']
REACH = np.array([0.0, 0.5, 0.0, -1.9, 0.0, 2.4, 0.785, 0.035])
SCENE = {'obstacles': [
    {'name': 'table', 'type': 'box', 'size': [0.8, 1.2, 0.04],
     'pose': {'position': [0.6, 0.0, -0.02]}},
    {'name': 'board', 'type': 'box', 'size': [0.26, 0.44, 0.02],
     'pose': {'position': [0.55, 0.0, 0.2], 'rpy': [0.0, 0.1, 0.2]}},
    {'name': 'post', 'type': 'cylinder', 'radius': 0.03, 'length': 0.5,
     'pose': {'position': [0.3, 0.4, 0.25]}},
    {'name': 'ball', 'type': 'sphere', 'radius': 0.05, 'pose': {'position': [0.4, -0.3, 0.4]}}],
    'objects': [{'name': 'cube', 'type': 'box', 'size': [0.05, 0.05, 0.05],
                 'pose': {'position': [0.5, 0.0, 0.1]}, 'keypoints': {'grasp': [0, 0, 0]}}]}


def toy_inputs(policy, batch=512, seed=0):
    """Return CPU (noisy (B,1,2), timestep (B,), observation (B,1), context)."""
    generator = torch.Generator().manual_seed(seed)
    noisy = torch.randn(batch, 1, 2, generator=generator)
    timestep = policy.sample_timesteps(batch, generator)
    observation = torch.zeros(batch, 1)
    return noisy, timestep, observation, {'observation': observation}


def to_cuda(*values):
    """Return the tensors (or dicts of tensors) on CUDA."""
    return [({key: item.cuda() for key, item in value.items()} if isinstance(value, dict)
             else value.cuda()) for value in values]


@pytest.mark.parametrize('parameterisation', ['epsilon', 'velocity'])
def test_gaussian_toy_denoiser_runs_on_cuda_and_matches_the_cpu(parameterisation):
    """The toy's exact denoiser built its identity on the CPU (device mismatch on CUDA)."""
    policy = make_toy_policy(parameterisation, [0.5, -0.3], [2.0, 0.5])
    policy.denoiser = GaussianDenoiser(policy, torch.tensor([0.3, -0.2]),
                                       torch.tensor([[0.5, 0.3], [0.3, 0.8]]))
    noisy, timestep, observation, _ = toy_inputs(policy)
    expected = policy.predict(noisy, timestep, observation)
    ours = policy.cuda().predict(*to_cuda(noisy, timestep, observation))
    # float32 2x2 solves on two backends; σ_t/α_t amplification near t = 1 bounds it ~1e-4.
    torch.testing.assert_close(ours.cpu(), expected, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize('parameterisation', ['epsilon', 'velocity'])
def test_safe_teacher_on_cuda_matches_the_cpu(parameterisation):
    """Same inputs: the CUDA (sync-free) targets equal the CPU (gathering) ones to 1e-5."""
    schedule = (preset('reference_w0.03') if parameterisation == 'epsilon' else
                GuidanceSchedule(mode='min_alpha', min_alpha=0.5, scale=2.0))
    policy = make_toy_policy(parameterisation, [0.5, -0.3], [2.0, 0.5], seed=3).eval()
    teacher = SafeTeacher(policy, CostSet([joint_limit_term(0.5)]), schedule)
    noisy, timestep, observation, context = toy_inputs(policy)
    if parameterisation == 'epsilon':
        timestep[:128] = torch.arange(128) % 3          # rows on the guided steps
    expected = teacher.target(noisy, timestep, observation, context)
    teacher.policy = policy.cuda()
    ours = teacher.target(*to_cuda(noisy, timestep, observation, context))
    assert int((expected.lambda_t > 0).sum()) >= 64
    torch.testing.assert_close(ours.target.cpu(), expected.target, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ours.cost.cpu(), expected.cost, atol=1e-5, rtol=1e-5)


def test_bf16_teacher_on_cuda_keeps_an_fp32_correction():
    """Under CUDA bf16 autocast the target is fp32 and its correction the fp32 one (1e-6)."""
    policy = make_toy_policy('velocity', [0.5, -0.3], [2.0, 0.5], seed=3).eval().cuda()
    teacher = SafeTeacher(policy, CostSet([linear_cost_term(torch.tensor([0.4, -1.0]))]),
                          GuidanceSchedule(mode='min_alpha', min_alpha=0.5, scale=0.7))
    inputs = to_cuda(*toy_inputs(policy))
    reference = teacher.target(*inputs)
    with torch.autocast('cuda', dtype=torch.bfloat16):
        mixed = teacher.target(*inputs)
    assert mixed.target.dtype == torch.float32
    torch.testing.assert_close(mixed.target - mixed.prediction,
                               reference.target - reference.prediction, atol=1e-6, rtol=0)


def test_robot_costs_on_cuda_match_the_cpu():
    """
    Robot cost values and gradients agree: float64 to 1e-6, float32 to 1e-3.

    float64: the cylinder search's bracket; float32: CUDA computes the box and cylinder
    distances in float64, the CPU in float32 (1.5e-4 apart in deep penetration).
    """
    panda = load_robot_model(PANDA_URDF, PANDA_SRDF)
    scene = scene_from_dict(SCENE)
    rng = np.random.default_rng(0)
    start = REACH + rng.normal(0, 0.3, (64, 8))
    start[:, 7] = 0.035
    chunk = start[:, None] + np.cumsum(rng.normal(0, 0.08, (64, 4, 8)), axis=1)
    chunk[..., 7] = 0.035
    for dtype, tolerance in ((torch.float64, 1e-6), (torch.float32, 1e-3)):
        results = []
        for device in ('cpu', 'cuda'):
            robot = RobotCosts(panda, scene, default_config(), JOINTS, 0.1, device, dtype)
            chunks = torch.tensor(chunk, dtype=dtype, device=device, requires_grad=True)
            context = {'joint_position': torch.tensor(start, dtype=dtype, device=device)}
            total = robot.cost_set().total(chunks, context)
            gradient, = torch.autograd.grad(total.sum(), chunks)
            results.append((total.detach().cpu(), gradient.cpu()))
        assert float(results[0][0].max()) > 0.1                  # constraints are active
        for ours, expected in zip(results[1], results[0], strict=True):
            torch.testing.assert_close(ours, expected, atol=tolerance, rtol=tolerance)


@pytest.mark.parametrize('parameterisation', ['epsilon', 'velocity'])
def test_distillation_step_on_cuda_has_no_host_sync_and_matches_the_cpu_statistically(
        parameterisation):
    """
    A CUDA step waits for nothing and matches the CPU's loss statistically.

    It dispatches no read-back and no stream synchronisation; the mean loss over 40 seeds
    agrees with the CPU's within 5 standard errors (different generator streams).
    """
    losses = {}
    for device in ('cpu', 'cuda'):
        student = make_toy_policy(parameterisation, [0.5, -0.3], [2.0, 0.5],
                                  seed=1).to(device)
        teacher = SafeTeacher(make_toy_policy(parameterisation, [0.5, -0.3], [2.0, 0.5],
                                              seed=2).eval().to(device),
                              CostSet([joint_limit_term(0.5)]),
                              GuidanceSchedule(mode='min_alpha', min_alpha=0.5, scale=1.0))
        generator = torch.Generator().manual_seed(0)
        action = (torch.randn(1024, 1, 2, generator=generator) * torch.tensor([2.0, 0.5])
                  + torch.tensor([0.5, -0.3])).to(device)
        observation = torch.zeros(1024, 1, device=device)
        batch = DistillationBatch(action, observation, {'observation': observation})
        values = []
        for seed in range(40):
            loss, _ = distillation_loss(student, teacher, batch,
                                        torch.Generator(device=device).manual_seed(seed))
            values.append(float(loss.detach()))
        losses[device] = np.array(values)
        if device == 'cuda':
            with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as profiler:
                loss, _ = distillation_loss(student, teacher, batch,
                                            torch.Generator(device='cuda').manual_seed(99))
                loss.backward()
                torch.cuda.synchronize()
            names = [event.name for event in profiler.events()]
            assert not [name for name in names if name in (
                'aten::_local_scalar_dense', 'aten::item', 'aten::nonzero',
                'cudaStreamSynchronize', 'cudaMemcpy')]
    error = math.sqrt(losses['cpu'].var(ddof=1) / 40 + losses['cuda'].var(ddof=1) / 40)
    assert abs(losses['cpu'].mean() - losses['cuda'].mean()) < 5 * error + 1e-6


@pytest.mark.parametrize('precision', ['fp32', 'bf16'])
def test_toy_alignment_iteration_on_cuda(precision):
    """One toy PACT iteration on CUDA (rollouts, gate, distillation) completes with finite logs."""
    aligner = toy_aligner(base_steps=20, iterations=1, chunks_per_iteration=128,
                          steps_per_epoch=5, max_inner_epochs=1, device='cuda',
                          precision=precision)
    record = aligner.step()
    assert math.isfinite(record.distillation_loss) and math.isfinite(record.kl_proxy)
    assert next(aligner.student.parameters()).is_cuda


def test_align_cli_sim_iteration_on_cuda_matches_the_cpu_statistically(tmp_path):
    """
    One ``pact_align sim`` iteration per device from the same base agree statistically.

    The joint-velocity violation rates of the fresh rollouts agree within 4 binomial standard
    errors (+ 0.05).
    """
    from pact_policy.core.normalizer import Normalizer
    from pact_policy.core.policy import DiffusionPolicy
    from pact_policy.core.policy_config import PolicyConfig
    env = VectorEnv('reach', 1)
    config = PolicyConfig(action_dim=len(env.action_names), obs_dim=len(env.observation_names),
                          horizon=4, n_action_steps=2, parameterisation='velocity',
                          model_type='mlp', mlp_hidden_dim=16, mlp_num_blocks=1,
                          time_embed_dim=8, num_inference_steps=2,
                          action_names=list(env.action_names),
                          observation_names=env.observation_names)
    actions = Normalizer.from_statistics('minmax', {'min': env.action_low.tolist(),
                                                    'max': env.action_high.tolist()})
    torch.manual_seed(0)
    save_checkpoint(DiffusionPolicy(config, actions), tmp_path / 'base.pact')
    rates = {}
    for device in ('cpu', 'cuda'):
        out = tmp_path / device
        assert main(['sim', '--base', str(tmp_path / 'base.pact'), '--out', str(out),
                     '--num-envs', '4', '--iterations', '1', '--steps-per-epoch', '5',
                     '--max-inner-epochs', '1', '--batch-size', '64',
                     '--chunks-per-iteration', '128', '--device', device]) == 0
        record = json.loads((out / 'iterations.jsonl').read_text().splitlines()[0])
        rates[device] = record['constraints']['joint_velocity']['violation_rate']
        assert (out / 'checkpoints' / 'base-pact1.pact').exists()
    p = 0.5 * (rates['cpu'] + rates['cuda'])
    assert abs(rates['cpu'] - rates['cuda']) <= 4 * math.sqrt(p * (1 - p) * 2 / 128) + 0.05
