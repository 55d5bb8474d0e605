# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Rigid poses: position (m) + unit quaternion (x, y, z, w, ROS order) in a named parent frame."""

from dataclasses import dataclass, field

import numpy as np


def quaternion_to_matrix(quaternion_xyzw) -> np.ndarray:
    """Return the 3x3 rotation matrix of a unit quaternion given as (x, y, z, w)."""
    x, y, z, w = np.asarray(quaternion_xyzw, dtype=float) / np.linalg.norm(quaternion_xyzw)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def rpy_to_quaternion(roll: float, pitch: float, yaw: float) -> np.ndarray:
    """Return the (x, y, z, w) quaternion of fixed-axis roll, pitch, yaw (rad), as in URDF."""
    cr, sr = np.cos(roll / 2), np.sin(roll / 2)
    cp, sp = np.cos(pitch / 2), np.sin(pitch / 2)
    cy, sy = np.cos(yaw / 2), np.sin(yaw / 2)
    return np.array([
        sr * cp * cy - cr * sp * sy,
        cr * sp * cy + sr * cp * sy,
        cr * cp * sy - sr * sp * cy,
        cr * cp * cy + sr * sp * sy,
    ])


def quaternion_taking_z_to(direction) -> np.ndarray:
    """
    Return the (x, y, z, w) quaternion of the smallest rotation taking +z onto ``direction``.

    ``direction`` need not be unit length; for -z the result is a half turn about x.
    """
    direction = np.asarray(direction, dtype=float)
    direction = direction / np.linalg.norm(direction)
    axis = np.cross([0.0, 0.0, 1.0], direction)
    sin_angle, cos_angle = np.linalg.norm(axis), direction[2]
    if sin_angle < 1e-12:
        return np.array([0.0, 0.0, 0.0, 1.0]) if cos_angle > 0 else np.array([1.0, 0, 0, 0])
    half = 0.5 * np.arctan2(sin_angle, cos_angle)
    return np.concatenate([np.sin(half) * axis / sin_angle, [np.cos(half)]])


@dataclass(frozen=True)
class Pose:
    """Pose of a child frame in its parent frame: position (m) and unit quaternion (x, y, z, w)."""

    position: np.ndarray = field(default_factory=lambda: np.zeros(3))
    quaternion_xyzw: np.ndarray = field(default_factory=lambda: np.array([0.0, 0.0, 0.0, 1.0]))

    def __post_init__(self):
        """Validate shapes and normalise the quaternion."""
        position = np.asarray(self.position, dtype=float).reshape(-1)
        quaternion = np.asarray(self.quaternion_xyzw, dtype=float).reshape(-1)
        if position.shape != (3,) or not np.all(np.isfinite(position)):
            raise ValueError(f'position must be 3 finite numbers, got {self.position!r}')
        norm = np.linalg.norm(quaternion) if quaternion.shape == (4,) else 0.0
        if not np.isfinite(norm) or norm < 1e-9:
            raise ValueError(f'quaternion must be 4 finite numbers, not all 0, '
                             f'got {self.quaternion_xyzw!r}')
        object.__setattr__(self, 'position', position)
        object.__setattr__(self, 'quaternion_xyzw', quaternion / norm)

    @property
    def rotation(self) -> np.ndarray:
        """Rotation matrix (3x3) of the child frame's axes in the parent frame."""
        return quaternion_to_matrix(self.quaternion_xyzw)

    def matrix(self) -> np.ndarray:
        """Homogeneous 4x4 transform parent <- child."""
        transform = np.eye(4)
        transform[:3, :3] = self.rotation
        transform[:3, 3] = self.position
        return transform

    def transform_points(self, points_in_child) -> np.ndarray:
        """Express points (N x 3, child frame, m) in the parent frame."""
        points = np.atleast_2d(np.asarray(points_in_child, dtype=float))
        return points @ self.rotation.T + self.position
