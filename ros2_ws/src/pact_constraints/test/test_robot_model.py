# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""RobotModel: joints, limits, mimic fingers, kinematics, geometry modes, SRDF pairs."""

import numpy as np
from pact_constraints.core import link_geometry
from pact_constraints.core.robot_model import GEOMETRY_MODES, RobotModel, RobotModelError
from pact_world.core.robot_assets import PANDA_SRDF, read_description
import pytest


def random_positions(robot, rng):
    """Return uniformly random actuated positions within the joint limits."""
    lower = np.maximum(robot.lower, -np.pi)
    upper = np.minimum(robot.upper, np.pi)
    return rng.uniform(lower, upper)


def test_panda_joints_limits_and_tool(panda):
    assert panda.joint_names == [f'panda_joint{i}' for i in range(1, 8)] + ['panda_finger_joint1']
    np.testing.assert_allclose(panda.lower[:7], [-2.8973, -1.7628, -2.8973, -3.0718, -2.8973,
                                                 -0.0175, -2.8973])
    np.testing.assert_allclose(panda.upper[[3, 5, 7]], [-0.0698, 3.7525, 0.04])
    np.testing.assert_allclose(panda.velocity_limit, [2.175] * 4 + [2.61] * 3 + [0.2])
    assert panda.default_tool_frame == 'panda_hand_tcp'
    assert panda.gripper_joint == 'panda_finger_joint1'


def test_panda_finger2_mimics_finger1(panda):
    positions = np.zeros(8)
    positions[7] = 0.031
    q = panda.configuration(positions)
    finger2 = panda.model.joints[panda.model.getJointId('panda_finger_joint2')].idx_q
    assert q[finger2] == pytest.approx(0.031)
    left = panda.frame_pose('panda_leftfinger', positions)[:3, 3]
    right = panda.frame_pose('panda_rightfinger', positions)[:3, 3]
    assert np.linalg.norm(left - right) == pytest.approx(0.062, abs=1e-9)


def test_panda_tcp_at_zero_matches_urdf_chain(panda):
    # Zero configuration: z = 0.333 + 0.316 + 0.384 - 0.107 - 0.1034, x = 0.0825 - 0.0825 + 0.088.
    pose = panda.frame_pose('panda_hand_tcp', np.zeros(8))
    np.testing.assert_allclose(pose[:3, 3], [0.088, 0.0, 0.8226], atol=1e-9)
    np.testing.assert_allclose(pose[:3, 2], [0.0, 0.0, -1.0], atol=1e-9)


def test_ur5_has_no_gripper(ur5):
    assert ur5.joint_names == ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint',
                               'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint']
    assert ur5.gripper_joint is None
    assert ur5.default_tool_frame == 'tool0'
    np.testing.assert_allclose(ur5.velocity_limit, [3.15] * 3 + [3.2] * 3)


@pytest.mark.parametrize('mode', GEOMETRY_MODES)
def test_srdf_disabled_pairs_are_never_checked(robot, mode):
    bodies = robot.geometries(mode)
    pairs = robot.self_collision_pairs(mode)
    assert pairs, 'no self-collision pair left'
    for i, j in pairs:
        assert frozenset((bodies[i].link, bodies[j].link)) not in robot.disabled_link_pairs
        assert bodies[i].joint_id != bodies[j].joint_id
    assert robot.disabled_link_pairs


def test_capsules_enclose_every_collision_vertex(robot):
    vertices = robot._link_vertices
    capsules = robot.geometries('capsule')
    assert {body.link for body in capsules} == set(vertices)
    for body in capsules:
        joint_id, points = vertices[body.link]
        assert body.joint_id == joint_id
        assert np.all(body.capsule.contains(points, tolerance=1e-7)), body.name
        # Tight: some vertex touches the surface.
        distances = link_geometry.segment_point_distance(body.capsule.a, body.capsule.b, points)
        assert distances.max() == pytest.approx(body.capsule.radius, abs=1e-6)


def test_bounding_spheres_enclose_geometry(robot):
    vertices = robot._link_vertices
    for mode in ('convex', 'capsule'):
        for body in robot.geometries(mode):
            points = vertices[body.link][1]
            if body.capsule is not None:
                points = points[body.capsule.contains(points)]
            assert np.all(np.linalg.norm(points - body.centre, axis=1) <= body.radius + 1e-7)


def test_fit_capsule_recovers_a_sampled_capsule():
    rng = np.random.default_rng(3)
    directions = rng.normal(size=(4000, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    points = 0.05 * directions
    points[:, 2] += np.where(points[:, 2] > 0, 0.1, -0.1)   # capsule: length 0.2, radius 0.05
    capsule = link_geometry.fit_enclosing_capsule(points)
    assert capsule.radius == pytest.approx(0.05, abs=2e-3)
    assert capsule.length == pytest.approx(0.2, abs=5e-3)


def test_point_jacobian_matches_finite_differences(robot):
    rng = np.random.default_rng(0)
    positions = random_positions(robot, rng)
    joint_id = robot.model.njoints - 1
    local_point = np.array([0.01, -0.02, 0.05])

    def point_at(x):
        robot.forward(x)
        pose = robot.data.oMi[joint_id]
        return pose.rotation @ local_point + pose.translation
    robot.compute_jacobians(positions)
    analytic = robot.point_jacobian(joint_id, point_at(positions))
    step = 1e-6
    numeric = np.column_stack([
        (point_at(positions + step * e) - point_at(positions - step * e)) / (2 * step)
        for e in np.eye(len(positions))])
    np.testing.assert_allclose(analytic, numeric, atol=1e-7)


def test_malformed_descriptions_are_rejected_with_a_reason():
    with pytest.raises(RobotModelError, match='not valid XML'):
        RobotModel('<robot name="x"><link name="a"></robot>')
    with pytest.raises(RobotModelError, match='empty'):
        RobotModel('')
    urdf = '<robot name="one"><link name="base"/></robot>'
    with pytest.raises(RobotModelError, match='SRDF'):
        RobotModel(urdf, '<robot><disable_collisions link1="a"/></robot>')
    with pytest.raises(RobotModelError, match='SRDF: not valid XML'):
        RobotModel(urdf, read_description(PANDA_SRDF)[:200])


def test_missing_mesh_is_reported():
    urdf = ('<robot name="m"><link name="base"><collision><geometry>'
            '<mesh filename="package://nowhere/none.stl"/></geometry></collision></link></robot>')
    with pytest.raises(RobotModelError, match='collision geometry'):
        RobotModel(urdf)
