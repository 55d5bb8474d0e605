# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Poses and rotation helpers (numpy only)."""

import numpy as np
from pact_world.core.spatial import (Pose, quaternion_taking_z_to, quaternion_to_matrix,
                                     rpy_to_quaternion)
import pytest


def test_pose_normalises_its_quaternion_and_transforms_points():
    pose = Pose([1.0, 2.0, 3.0], [0.0, 0.0, 2.0, 2.0])   # 90 degrees about z, not unit length
    np.testing.assert_allclose(np.linalg.norm(pose.quaternion_xyzw), 1.0)
    np.testing.assert_allclose(pose.transform_points([1.0, 0.0, 0.0]), [[1.0, 3.0, 3.0]],
                               atol=1e-12)
    np.testing.assert_allclose(pose.matrix()[:3, 3], [1.0, 2.0, 3.0])


@pytest.mark.parametrize('position, quaternion, message', [
    ([0.0, 0.0], [0, 0, 0, 1], 'position'),
    ([0.0, float('nan'), 0.0], [0, 0, 0, 1], 'position'),
    ([0.0, 0.0, 0.0], [0, 0, 0, 0], 'quaternion'),
    ([0.0, 0.0, 0.0], [0, 0, 1], 'quaternion'),
])
def test_bad_poses_are_refused(position, quaternion, message):
    with pytest.raises(ValueError, match=message):
        Pose(position, quaternion)


def test_rpy_is_the_urdf_fixed_axis_convention():
    roll, pitch, yaw = 0.3, -0.2, 1.1
    rx = np.array([[1, 0, 0], [0, np.cos(roll), -np.sin(roll)], [0, np.sin(roll), np.cos(roll)]])
    ry = np.array([[np.cos(pitch), 0, np.sin(pitch)], [0, 1, 0],
                   [-np.sin(pitch), 0, np.cos(pitch)]])
    rz = np.array([[np.cos(yaw), -np.sin(yaw), 0], [np.sin(yaw), np.cos(yaw), 0], [0, 0, 1]])
    np.testing.assert_allclose(quaternion_to_matrix(rpy_to_quaternion(roll, pitch, yaw)),
                               rz @ ry @ rx, atol=1e-12)


def test_quaternion_taking_z_to_is_the_smallest_rotation():
    for direction in ([0, 0, 1], [0, 0, -1], [1, 0, 0], [0.3, -0.4, 0.5], [-1, 2, -3]):
        unit = np.asarray(direction, float) / np.linalg.norm(direction)
        quaternion = quaternion_taking_z_to(direction)
        rotation = quaternion_to_matrix(quaternion)
        np.testing.assert_allclose(rotation[:, 2], unit, atol=1e-12)
        # smallest rotation: the angle equals the angle between +z and the direction
        angle = 2 * np.arctan2(np.linalg.norm(quaternion[:3]), quaternion[3])
        assert np.isclose(angle, np.arccos(np.clip(unit[2], -1, 1)))
