# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""A held payload is robot geometry: pose vs Pinocchio, clearance vs coal, drop by hand."""

import coal
import numpy as np
from pact_constraints.core import torch_payload
from pact_constraints.core.config import config_from_dict
from pact_constraints.core.torch_costs import object_tensors, TorchConstraintCosts
from pact_constraints.core.torch_obstacles import ObstacleTensors
from pact_world.core.scene import scene_from_dict
import pytest
from scipy.spatial.transform import Rotation
import torch

JOINTS = [f'panda_joint{index}' for index in range(1, 8)] + ['panda_finger_joint1']
HOLD = np.array([0.0, 0.2, 0.0, -2.2, 0.0, 2.4, 0.785, 0.0])   # tool down, gripper closed
BOX = (0.04, 0.04, 0.08)


def scene_holding(robot, positions, wall_x=0.75, floor_z=0.0):
    """Return a scene whose box payload hangs in the gripper at ``positions``."""
    tool = robot.frame_pose('panda_hand_tcp', positions)
    centre = tool[:3, 3] + tool[:3, :3] @ np.array([0.0, 0.0, 0.03])   # 3 cm below the tcp
    # object frame axes = tool axes: its z points down like the tool's; grasp keypoint 3 cm up
    # the object's z from the centre is at the tcp
    quaternion = Rotation.from_matrix(tool[:3, :3]).as_quat()   # x, y, z, w
    return scene_from_dict({
        'obstacles': [
            {'name': 'wall', 'type': 'box', 'size': [0.03, 0.6, 0.6],
             'pose': {'position': [wall_x, 0.0, 0.3]}},
            {'name': 'bin_floor', 'type': 'box', 'size': [0.3, 0.3, 0.01],
             'pose': {'position': [float(centre[0]), float(centre[1]), floor_z]}}],
        'objects': [{'name': 'payload', 'type': 'box', 'size': list(BOX),
                     'pose': {'position': centre.tolist(), 'quaternion': quaternion.tolist()},
                     'keypoints': {'grasp': [0.0, 0.0, -0.03]}}]})


def config(active, **payload):
    terms = {name: {'active': name in active} for name in (
        'clearance', 'self_collision', 'joint_position', 'joint_velocity', 'workspace',
        'grasp_approach', 'payload_drop')}
    terms['clearance'].update({'margin': 0.02, 'held_objects': True, 'smooth_width': 0.01})
    terms['payload_drop'].update({'margin': 0.0, 'max_drop': 0.05, 'smooth_width': 0.01})
    return config_from_dict({'geometry_mode': 'capsule', 'penalty': 'smooth',
                             'capsules_per_link': 2,
                             'payload': {'hold_radius': 0.03, 'support_surfaces': ['bin_floor'],
                                         **payload},
                             'constraints': terms})


def test_held_payload_follows_the_tool_like_a_rigid_attachment(panda):
    scene = scene_holding(panda, HOLD)
    objects = object_tensors([scene], 'grasp', dtype=torch.float64)
    chunk = HOLD + np.outer(np.linspace(0.1, 0.4, 4), [0.5, -0.3, 0.2, 0.3, 0.4, -0.2, 0.6, 0])
    costs = TorchConstraintCosts(panda, scene, config(['clearance']), JOINTS, dtype=torch.float64)
    start_r, start_t = costs._tool_poses(*costs.kinematics.joint_poses(
        torch.tensor(HOLD[None])), 1, 1)
    payload = torch_payload.held_payload(start_r[:, 0], start_t[:, 0], torch.tensor([True]),
                                         objects, 0.03)
    assert payload.held.item()
    tool_r, tool_t = costs._tool_poses(*costs.kinematics.joint_poses(torch.tensor(chunk)), 1, 4)
    rotation, position = torch_payload.payload_poses(tool_r, tool_t, payload)
    # independent reference: Pinocchio's tool placements and 4x4 matrix products
    object_pose = scene.objects[0].pose.matrix()
    attached = np.linalg.inv(panda.frame_pose('panda_hand_tcp', HOLD)) @ object_pose
    for row, positions in enumerate(chunk):
        expected = panda.frame_pose('panda_hand_tcp', positions) @ attached
        np.testing.assert_allclose(position[0, row].numpy(), expected[:3, 3], atol=1e-12)
        np.testing.assert_allclose(rotation[0, row].numpy(), expected[:3, :3], atol=1e-12)


def test_payload_capsule_encloses_the_box_measured_by_coal(panda):
    """The payload capsule's wall distance vs coal's exact box-box distance."""
    scene = scene_holding(panda, HOLD)
    tool = panda.frame_pose('panda_hand_tcp', HOLD)
    centre = scene.objects[0].pose.position
    rotation = torch.tensor(tool[None, None, :3, :3])
    position = torch.tensor(centre[None, None])
    half = torch.tensor([BOX], dtype=torch.float64) / 2
    a, b, radius = torch_payload.payload_capsule(rotation, position, half)
    capsule_radius = np.hypot(BOX[0] / 2, BOX[1] / 2)
    assert radius.item() == pytest.approx(capsule_radius, abs=1e-15)
    for gap in (0.06, 0.04, 0.025, 0.0):
        wall_x = centre[0] + gap + 0.015
        obstacles = ObstacleTensors.from_scenes(scene_holding(panda, HOLD, wall_x=wall_x),
                                                dtype=torch.float64)
        wall = obstacles.names.index('wall')
        distance = obstacles.capsule_distances(a[:, :, None], b[:, :, None], radius)[
            0, 0, 0, wall].item()
        request, answer = coal.DistanceRequest(), coal.DistanceResult()
        exact = coal.distance(coal.Box(*BOX), coal.Transform3s(tool[:3, :3], centre),
                              coal.Box(0.03, 0.6, 0.6),
                              coal.Transform3s(np.eye(3), np.array([wall_x, 0.0, 0.3])),
                              request, answer)
        # the enclosing capsule is never farther than the box, and at most its radius closer
        assert distance <= exact + 1e-9
        assert distance >= exact - capsule_radius - 1e-9


def test_nothing_is_held_with_an_open_gripper_or_far_from_the_object(panda):
    scene = scene_holding(panda, HOLD, wall_x=0.0)
    open_hold = HOLD.copy()
    open_hold[-1] = 0.04
    chunk = np.stack([open_hold, open_hold])
    costs = TorchConstraintCosts(panda, scene, config(['clearance']), JOINTS, dtype=torch.float64)
    result = costs(torch.tensor(chunk[None]), torch.tensor(open_hold[None]))
    robot_only = TorchConstraintCosts(panda, scene, config(['clearance'], hold_radius=1e-6),
                                      JOINTS, dtype=torch.float64)
    reference = robot_only(torch.tensor(chunk[None]), torch.tensor(open_hold[None]))
    assert result.costs['clearance'].item() == pytest.approx(reference.costs['clearance'].item(),
                                                             abs=1e-15)


@pytest.mark.parametrize('floor_gap', [0.02, 0.09])
def test_drop_height_is_the_fall_of_the_lowest_corner_onto_the_support(panda, floor_gap):
    tool = panda.frame_pose('panda_hand_tcp', HOLD)
    centre = tool[:3, 3] + tool[:3, :3] @ np.array([0.0, 0.0, 0.03])
    lowest = centre[2] - np.abs(tool[2, :3]) @ (np.array(BOX) / 2)
    floor_top = lowest - floor_gap
    scene = scene_holding(panda, HOLD, floor_z=floor_top - 0.005)
    release = HOLD.copy()
    release[-1] = 0.04
    chunk = np.stack([HOLD, release, release])   # the gripper opens at row 1
    costs = TorchConstraintCosts(panda, scene, config(['payload_drop']), JOINTS,
                                 dtype=torch.float64)
    result = costs(torch.tensor(chunk[None]), torch.tensor(HOLD[None]))
    excess = floor_gap - 0.05                    # max_drop 0.05 m, margin 0
    smooth = 0.0 if excess <= 0 else (excess ** 2 / 0.02 if excess < 0.01 else excess - 0.005)
    assert result.costs['payload_drop'].item() == pytest.approx(smooth, abs=1e-9)


def test_payload_costs_gradient_matches_finite_differences(panda):
    scene = scene_holding(panda, HOLD, wall_x=0.0)
    centre = scene.objects[0].pose.position
    scene = scene_holding(panda, HOLD, wall_x=centre[0] + 0.03, floor_z=centre[2] - 0.2)
    release = HOLD.copy()
    release[-1] = 0.04
    arm = np.r_[np.ones(7), 0.0]     # move the arm; the gripper stays off its open threshold
    chunk = np.stack([HOLD + 0.01 * arm, HOLD + 0.02 * arm, release + 0.02 * arm])
    costs = TorchConstraintCosts(panda, scene, config(['clearance', 'payload_drop']), JOINTS,
                                 dtype=torch.float64)
    start = torch.tensor(HOLD[None])
    chunk_t = torch.tensor(chunk[None], requires_grad=True)
    result = costs(chunk_t, start)
    assert result.costs['payload_drop'].item() > 0 and result.costs['clearance'].item() > 0
    result.total.sum().backward()
    numeric = np.zeros(chunk.size)
    step = 1e-6
    for index in range(chunk.size):
        values = []
        for sign in (1, -1):
            probe = chunk.reshape(-1).copy()
            probe[index] += sign * step
            values.append(costs(torch.tensor(probe.reshape(1, *chunk.shape)), start
                                ).total.item())
        numeric[index] = (values[0] - values[1]) / (2 * step)
    # central differences, float64: truncation O(step^2), round-off ~1e-16 / step; the gripper
    # column moves no cost (its gate is a step function), so its analytic and numeric are 0
    np.testing.assert_allclose(chunk_t.grad.numpy().reshape(-1), numeric, rtol=1e-5, atol=1e-6)
