# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Robot costs (pact_constraints' torch path) as PACT cost terms: values, gradients, teacher."""

from dataclasses import replace

import numpy as np
from pact_constraints.core.config import default_config
from pact_constraints.core.robot_model import load_robot_model
from pact_constraints.core.torch_costs import TorchConstraintCosts
from pact_trainer.core.guidance import GuidanceSchedule
from pact_trainer.core.robot_costs import RobotCosts
from pact_trainer.core.rollouts import RolloutBatch, RolloutBuffer
from pact_trainer.core.safe_teacher import clean_estimate, SafeTeacher
from pact_trainer.core.toy_problem import make_toy_policy
from pact_world.core.robot_assets import PANDA_SRDF, PANDA_URDF
from pact_world.core.scene import scene_from_dict, SceneError
import pytest
import torch

JOINTS = [f'panda_joint{i}' for i in range(1, 8)] + ['panda_finger_joint1']
# Arm reaching forward and down, gripper open (finger 0.035 m).
REACH = np.array([0.0, 0.5, 0.0, -1.9, 0.0, 2.4, 0.785, 0.035])
# Tolerance between two float32 code paths of the same costs (see the first test).
FLOAT32_PATHS = {'rtol': 1e-5, 'atol': 1e-6}


@pytest.fixture(scope='module')
def panda():
    # One intra-op thread: on busy shared cores torch's pool makes tiny reductions ~1000x slower.
    torch.set_num_threads(1)
    return load_robot_model(PANDA_URDF, PANDA_SRDF)


def shelf_scene(panda, shift=(0.0, 0.0, 0.0), cube_shift=(0.0, 0.0, 0.0), thickness=0.02):
    """Return table + shelf board through the hand at REACH + a cube near the tool."""
    tool = panda.frame_pose('panda_hand_tcp', REACH)[:3, 3]
    board = tool + np.array([0.0, 0.0, 0.04]) + np.asarray(shift)
    cube = tool + np.array([0.0, 0.03, -0.02]) + np.asarray(cube_shift)
    return scene_from_dict({
        'obstacles': [
            {'name': 'table', 'type': 'box', 'size': [0.8, 1.2, 0.04],
             'pose': {'position': [0.6, 0.0, -0.02]}},
            {'name': 'shelf_board', 'type': 'box', 'size': [0.26, 0.44, thickness],
             'pose': {'position': board.tolist()}},
            {'name': 'post', 'type': 'cylinder', 'radius': 0.03, 'length': 0.5,
             'pose': {'position': [0.3, 0.4, 0.25]}}],
        'objects': [{'name': 'cube', 'type': 'box', 'size': [0.05, 0.05, 0.05],
                     'pose': {'position': cube.tolist()}, 'keypoints': {'grasp': [0, 0, 0]}}]})


def config_with(margins, penalty='hinge'):
    config = default_config()
    terms = {name: replace(term, margin=margins.get(name, term.margin), penalty=penalty)
             for name, term in config.terms.items()}
    return replace(config, terms=terms)


def chunks_near_reach(count, horizon=3, seed=0):
    rng = np.random.default_rng(seed)
    start = REACH + rng.normal(0, 0.05, (count, 8))
    start[:, 7] = 0.035
    steps = rng.normal(0, 0.08, (count, horizon, 8))
    steps[..., 7] = 0.0
    return torch.tensor(start), torch.tensor(start[:, None] + np.cumsum(steps, axis=1))


def test_cost_set_equals_torch_constraint_costs_per_sample_scene_and_margin(panda):
    scenes = [shelf_scene(panda), shelf_scene(panda, (0.05, 0.1, 0.0), (0.02, 0.0, 0.0)),
              shelf_scene(panda, (-0.03, 0.0, 0.06), (0.0, -0.05, 0.0))]
    start, chunks = chunks_near_reach(3)
    start, chunks = start.float(), chunks.float()
    robot = RobotCosts(panda, scenes[0], default_config(), JOINTS, 0.1)
    assert robot.names == ['clearance', 'self_collision', 'joint_position', 'joint_velocity',
                           'workspace', 'grasp_approach']
    context = {'joint_position': start, **robot.scene_context(scenes)}
    margins = {'clearance': 0.06, 'self_collision': 0.03, 'joint_position': 0.3,
               'joint_velocity': 0.5, 'workspace': 0.1, 'grasp_approach': 0.005}
    costs = robot.cost_set().with_margins(margins)
    values = costs.values(chunks, context)
    reference = TorchConstraintCosts(panda, scenes, config_with(margins), JOINTS, 0.1)(
        chunks, start)
    # Two code paths over the same float32 formulas: each cost is a sum of hinge terms over
    # up to a few hundred (capsule, obstacle) pairs and time steps, and the order of those
    # additions follows the SIMD width of the vectorised reductions (AVX2 vs AVX-512) and the
    # thread count. Reordering a sum of n terms moves it by at most (n - 1) * eps * sum|terms|,
    # with eps = 1.2e-7 for float32 and n <= ~100 per reduction: rtol 1e-5. atol 1e-6 covers
    # costs near zero (a hinge just past its margin), far below the 1e-3 scale of any margin.
    for column, name in enumerate(costs.names):
        torch.testing.assert_close(values[:, column], reference.costs[name], **FLOAT32_PATHS,
                                   msg=name)
        torch.testing.assert_close(costs.terms[column].evaluate(chunks, context),
                                   reference.costs[name], **FLOAT32_PATHS, msg=name)
    torch.testing.assert_close(costs.total(chunks, context), reference.total, **FLOAT32_PATHS)
    config = default_config()
    assert [term.weight for term in costs.terms] == [config.term(n).weight for n in costs.names]
    nonzero = {name for column, name in enumerate(costs.names) if values[:, column].sum() > 0}
    assert {'clearance', 'joint_velocity', 'grasp_approach'} <= nonzero
    # Per-sample layouts matter: the samples' scenes give other costs than the template's.
    template = robot.cost_set().with_margins(margins).values(chunks, {'joint_position': start})
    assert not torch.allclose(template[1:, 0], values[1:, 0])
    # Rows survive the buffer and its checkpoint (tensors only).
    buffer = RolloutBuffer(8)
    buffer.add(RolloutBatch(start, chunks, context))
    restored = RolloutBuffer(1)
    restored.load_state_dict(buffer.state_dict())
    assert torch.equal(costs.values(restored.data.action, restored.data.context), values)
    with pytest.raises(SceneError, match='template'):
        robot.scene_context([scene_from_dict({'obstacles': []})])


def test_cost_gradients_match_finite_differences(panda):
    scene = shelf_scene(panda, (0.0, 0.0, -0.16))    # board 1-5 cm below the fingers
    robot = RobotCosts(panda, scene, config_with({'clearance': 0.12}, 'smooth'), JOINTS, 0.1,
                       dtype=torch.float64)
    start, chunks = chunks_near_reach(2, horizon=2, seed=1)
    context = {'joint_position': start, **robot.scene_context([scene, scene])}
    costs = robot.cost_set().with_margins({'joint_velocity': 0.5})
    chunks.requires_grad_(True)
    gradient, = torch.autograd.grad(costs.total(chunks, context).sum(), chunks)
    numeric = torch.zeros_like(chunks)
    step = 1e-6
    with torch.no_grad():
        for index in np.ndindex(tuple(chunks.shape)):
            offset = torch.zeros_like(chunks)
            offset[index] = step
            numeric[index] = (costs.total(chunks + offset, context).sum()
                              - costs.total(chunks - offset, context).sum()) / (2 * step)
    assert float(numeric.abs().max()) > 0.1
    torch.testing.assert_close(gradient, numeric, atol=1e-4, rtol=1e-4)


def test_safe_teacher_moves_a_colliding_chunk_away_from_the_shelf(panda):
    scene = shelf_scene(panda, (0.0, 0.0, -0.05))     # board through the fingertips
    robot = RobotCosts(panda, scene, default_config(), JOINTS, 0.1)
    policy = make_toy_policy('epsilon', REACH.tolist(), [0.2] * 8, horizon=2, hidden_dim=16,
                             num_blocks=1, action_names=JOINTS)
    teacher = SafeTeacher(policy, robot.cost_set(),
                          GuidanceSchedule(mode='min_alpha', min_alpha=0.9,  # step 5: α ≈ 0.99
                                           weighting='constant', scale=10.0))
    count = 4
    start = torch.tensor(REACH, dtype=torch.float32).expand(count, -1)
    context = {'joint_position': start, **robot.scene_context([scene] * count)}
    clean = policy.normalize_action(start[:, None].expand(-1, 2, -1))
    timestep = torch.full((count,), 5, dtype=torch.long)
    levels = policy.noise_levels(timestep)
    noise = torch.randn(clean.shape, generator=torch.Generator().manual_seed(0))
    noisy = levels.alpha[:, None, None] * clean + levels.sigma[:, None, None] * noise
    output = teacher.target(noisy, timestep, torch.zeros(count, 1), context)
    before = policy.unnormalize_action(clean_estimate(policy, noisy, output.prediction,
                                                      timestep))
    after = policy.unnormalize_action(clean_estimate(policy, noisy, output.target, timestep))
    costs_before = robot.chunk_costs(before, context)
    costs_after = robot.chunk_costs(after, context)
    # The teacher's denoised chunks come too close to the board (positive clearance cost),
    # some into it (negative clearance, m) ...
    assert bool((costs_before.costs['clearance'] > 0.02).all())
    assert float(costs_before.min_clearance.min()) < -0.005
    torch.testing.assert_close(output.cost, costs_before.total)
    # ... and the corrected target moves them away: less clearance cost (the summed hinge of
    # every capsule-obstacle pair) for each, a larger minimum clearance on average, and never
    # a smaller one (a capsule deep inside the 2 cm board has a saturated depth, -0.027 m).
    gained = costs_after.min_clearance - costs_before.min_clearance
    assert float(gained.mean()) > 2e-3 and bool((gained > -1e-6).all()), gained
    assert bool((costs_after.costs['clearance'] < costs_before.costs['clearance'] - 0.01).all())


def test_cost_context_obstacle_keys_round_trip_and_reject_malformed_keys():
    from pact_trainer.core import cost_context
    key = cost_context.obstacle_key('box', 'translation')
    assert key == 'obstacles/box/translation' and cost_context.is_obstacle_key(key)
    assert cost_context.parse_obstacle_key(key) == ('box', 'translation')
    for bad in ('obstacles/box', 'obstacles//x', 'held_candidates/position', 'obstacles/a/b/c'):
        with pytest.raises(ValueError, match='cost context key'):
            cost_context.parse_obstacle_key(bad)
