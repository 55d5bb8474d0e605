# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Chunks are scored on the path a trajectory controller executes, not on their rows alone."""

import numpy as np
from pact_constraints.core.config import config_from_dict
from pact_constraints.core.distance import DistanceQuery
from pact_constraints.core.executed_path import executed_path, ExecutedPathCosts
from pact_constraints.core.scene_geometry import scene_bodies
from pact_constraints.core.torch_costs import TorchConstraintCosts
from pact_world.core.scene import scene_from_dict
import pytest
import torch

POST = scene_from_dict({'obstacles': [
    {'name': 'post', 'type': 'box', 'size': [0.04, 0.04, 1.0],
     'pose': {'position': [0.45, 0.0, 0.5]}}]})

CONFIG = config_from_dict({
    'geometry_mode': 'capsule', 'penalty': 'smooth', 'capsules_per_link': 2,
    'constraints': {
        'clearance': {'margin': 0.01, 'smooth_width': 0.01},
        'self_collision': {'active': False}, 'joint_position': {'margin': 0.05},
        'joint_velocity': {'margin': 0.0, 'smooth_width': 0.1},
        'workspace': {'active': False}, 'grasp_approach': {'active': False}}})


def controller_setpoints(chunk: np.ndarray, start: np.ndarray, substeps: int) -> np.ndarray:
    """Independent reference: a trajectory controller's setpoint loop, one step at a time."""
    setpoints, previous = [], start
    for row in chunk:
        for step in range(1, substeps + 1):
            setpoints.append(previous + (row - previous) * step / substeps)
        previous = row
    return np.array(setpoints)


def test_path_is_the_controller_setpoint_sequence():
    rng = np.random.default_rng(3)
    chunk, start = rng.normal(size=(2, 5, 8)), rng.normal(size=(2, 8))
    path = executed_path(torch.tensor(chunk), torch.tensor(start), substeps=4, rows=3)
    assert path.shape == (2, 12, 8)
    for sample in range(2):
        # float64 round-off of one multiply-add per element
        np.testing.assert_allclose(path[sample].numpy(),
                                   controller_setpoints(chunk[sample, :3], start[sample], 4),
                                   rtol=0, atol=1e-12)
    # the last sub-step of every row is the row itself
    np.testing.assert_allclose(path[:, 3::4].numpy(), chunk[:, :3], rtol=0, atol=1e-12)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match='substeps'):
        executed_path(torch.zeros(1, 2, 3), torch.zeros(1, 3), substeps=0)
    with pytest.raises(ValueError, match='rows'):
        executed_path(torch.zeros(1, 2, 3), torch.zeros(1, 3), substeps=2, rows=3)
    with pytest.raises(ValueError, match='start'):
        executed_path(torch.zeros(1, 2, 3), torch.zeros(2, 3), substeps=2)


def sweep_through_post(panda):
    """Return (start, chunk) swinging joint 1 from -0.7 to +0.7 rad across a post at y = 0."""
    joints = [f'panda_joint{index}' for index in range(1, 8)] + ['panda_finger_joint1']
    pose = np.array([0.0, 0.3, 0.0, -1.8, 0.0, 2.1, 0.785, 0.03])
    start, end = pose.copy(), pose.copy()
    start[0], end[0] = -0.7, 0.7
    return joints, start, np.stack([start, end])


def test_a_row_jump_through_an_obstacle_costs_on_the_executed_path_only(panda):
    joints, start, chunk = sweep_through_post(panda)
    costs = TorchConstraintCosts(panda, POST, CONFIG, joints, dt=0.1, dtype=torch.float64)
    chunk_t, start_t = torch.tensor(chunk[None]), torch.tensor(start[None])
    rows_only = costs(chunk_t, start_t)
    path = ExecutedPathCosts(costs, substeps=10)(chunk_t, start_t)
    assert rows_only.costs['clearance'].item() == 0.0
    assert rows_only.min_clearance.item() > 0.05
    assert path.costs['clearance'].item() > 0.0
    # independent check with the exact meshes (Pinocchio + coal): the swept configuration in
    # the middle of the row penetrates the post, the two rows are clear of it
    query = DistanceQuery(panda, 'exact', scene_bodies(POST))
    middle = controller_setpoints(chunk, start, 10)[14]
    assert exact_clearance(query, panda, joints, middle) < 0.0
    for row in chunk:
        assert exact_clearance(query, panda, joints, row) > 0.0
    assert path.min_clearance.item() < 0.0


def exact_clearance(query, robot, joints, positions) -> float:
    """Return the exact mesh clearance (m) of the robot at named joint ``positions``."""
    ordered = np.array([positions[joints.index(name)] for name in robot.joint_names])
    query.place(ordered)
    return query.scene_distances(cutoff=0.0)[0].distance


def test_sub_steps_keep_the_scale_of_row_costs(panda):
    """A chunk that rests at its start costs the same at any sub-step count."""
    joints, start, _ = sweep_through_post(panda)
    chunk = np.stack([start, start, start])
    chunk[:, 0] = 0.0   # resting inside the post: every row and sub-step has the same cost
    start = chunk[0]
    costs = TorchConstraintCosts(panda, POST, CONFIG, joints, dt=0.1, dtype=torch.float64)
    args = torch.tensor(chunk[None]), torch.tensor(start[None])
    rows_only = costs(*args).total.item()
    assert rows_only > 0.0
    for substeps in (1, 3, 8):
        # summing S equal sub-step costs then dividing by S: a few ulps of round-off
        assert ExecutedPathCosts(costs, substeps)(*args).total.item() == pytest.approx(
            rows_only, rel=1e-12)


def test_velocity_keeps_its_meaning_on_sub_steps(panda):
    """A constant-speed chunk: sub-step speeds equal the row speed, so the cost is unchanged."""
    joints, start, _ = sweep_through_post(panda)
    speed = 2.0 * np.asarray([panda.velocity_limit[panda.joint_index(name)]
                              for name in joints[:7]] + [0.0])
    chunk = start + 0.1 * speed * np.arange(1, 5)[:, None]
    costs = TorchConstraintCosts(panda, scene_from_dict({}), CONFIG.with_active(
        ['joint_velocity']), joints, dt=0.1, dtype=torch.float64)
    args = torch.tensor(chunk[None]), torch.tensor(start[None])
    assert costs(*args).total.item() > 0.0
    assert ExecutedPathCosts(costs, 6)(*args).total.item() == pytest.approx(
        costs(*args).total.item(), rel=1e-9)


def test_executed_path_gradient_matches_finite_differences(panda):
    joints, start, chunk = sweep_through_post(panda)
    chunk = np.concatenate([chunk, chunk[-1:] + 0.05])
    costs = TorchConstraintCosts(panda, POST, CONFIG.with_active(['clearance', 'joint_velocity']),
                                 joints, dt=0.1, dtype=torch.float64)
    path_costs = ExecutedPathCosts(costs, substeps=5)
    chunk_t = torch.tensor(chunk[None], requires_grad=True)
    start_t = torch.tensor(start[None], requires_grad=True)
    path_costs(chunk_t, start_t).total.sum().backward()
    step = 1e-6
    for tensor, grad in ((chunk_t, chunk_t.grad), (start_t, start_t.grad)):
        numeric = torch.zeros_like(tensor)
        flat = tensor.detach().reshape(-1)
        for index in range(flat.numel()):
            values = []
            for sign in (1, -1):
                probe = flat.clone()
                probe[index] += sign * step
                probe = probe.reshape(tensor.shape)
                other = (probe, start_t.detach()) if tensor is chunk_t else (
                    chunk_t.detach(), probe)
                values.append(path_costs(*other).total.item())
            numeric.reshape(-1)[index] = (values[0] - values[1]) / (2 * step)
        # central differences in float64: O(step^2) truncation + 1e-16 / step round-off
        np.testing.assert_allclose(grad.numpy(), numeric.numpy(), rtol=1e-5, atol=1e-6)
