# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Batched, differentiable forward kinematics in torch, built from a ``RobotModel``'s Pinocchio model.

The kinematic tree (parents, joint placements, joint axes) is copied from Pinocchio once, so
this FK agrees with Pinocchio to floating-point precision (tested). Supported joints: 1-DoF
revolute (any axis, also continuous) and prismatic (any axis); mimic joints follow their
leader through ``RobotModel.tangent_map``. Frames: the URDF root frame; units: m, rad.
"""

from typing import Sequence

import numpy as np
from pact_constraints.core.robot_model import RobotModel
import pinocchio as pin
import torch


def _motion_axes(robot: RobotModel) -> np.ndarray:
    """Return per joint (njoints x 6) its motion subspace [linear; angular] in its own frame."""
    model = robot.model
    data = model.createData()
    q = pin.neutral(model)
    axes = np.zeros((model.njoints, 6))
    for joint_id in range(1, model.njoints):
        jacobian = pin.computeJointJacobian(model, data, q, joint_id)
        axes[joint_id] = jacobian[:, model.joints[joint_id].idx_v]
    return axes


class TorchKinematics:
    """
    Forward kinematics of a batch of actuated joint vectors (N x n_actuated) in torch.

    ``joint_poses(positions)`` returns rotations (N x njoints x 3 x 3) and translations
    (N x njoints x 3) of every Pinocchio joint frame in the root frame (joint 0 = root).
    """

    def __init__(self, robot: RobotModel, device='cpu', dtype=torch.float64):
        """Copy the kinematic tree of ``robot`` to ``device``."""
        model = robot.model
        self.device, self.dtype = torch.device(device), dtype
        self.parents = [int(model.parents[j]) for j in range(model.njoints)]
        placements = [model.jointPlacements[j] for j in range(model.njoints)]
        self.placement_rotation = self._tensor(np.array([p.rotation for p in placements]))
        self.placement_translation = self._tensor(np.array([p.translation for p in placements]))
        axes = _motion_axes(robot)
        self.linear_axis = self._tensor(axes[:, :3])
        self.angular_axis = self._tensor(axes[:, 3:])
        self.revolute = [bool(np.linalg.norm(axes[j, 3:]) > 0.5) for j in range(model.njoints)]
        self.velocity_index = [int(model.joints[j].idx_v) if j else -1
                               for j in range(model.njoints)]
        self.tangent_map = self._tensor(robot.tangent_map)
        self.tangent_offset = self._tensor(robot.mimic_offsets)
        self.njoints = model.njoints
        self._vectorised_tree()

    def _tensor(self, array) -> torch.Tensor:
        return torch.as_tensor(np.asarray(array), dtype=self.dtype, device=self.device)

    def _vectorised_tree(self) -> None:
        """Precompute the per-joint tensors of ``joint_poses`` (all joints at once)."""
        count = self.njoints
        axis = self.angular_axis
        zero = torch.zeros(count, dtype=self.dtype, device=self.device)
        self.axis_skew = torch.stack([
            torch.stack([zero, -axis[:, 2], axis[:, 1]], dim=-1),
            torch.stack([axis[:, 2], zero, -axis[:, 0]], dim=-1),
            torch.stack([-axis[:, 1], axis[:, 0], zero], dim=-1)], dim=-2)   # J x 3 x 3
        self.axis_skew_squared = self.axis_skew @ self.axis_skew
        revolute = torch.as_tensor(self.revolute, device=self.device)
        revolute[0] = False                                   # the root does not move
        prismatic = ~revolute
        prismatic[0] = False
        self.revolute_mask = revolute.to(self.dtype)
        self.prismatic_mask = prismatic.to(self.dtype)
        self.value_column = torch.as_tensor([max(index, 0) for index in self.velocity_index],
                                            device=self.device)
        # Pointer jumping composes the chains in ceil(log2(depth)) batched rounds: after round
        # r each joint holds its pose relative to its 2^r-th ancestor (the root: identity).
        ancestor, depth = list(self.parents), [0] * count
        ancestor[0] = 0
        for joint in range(1, count):
            depth[joint] = depth[self.parents[joint]] + 1
        self.jump_ancestors = []
        for _ in range(max(1, int(np.ceil(np.log2(max(max(depth), 1)))) + 1)):
            if all(a == 0 for a in ancestor):
                break
            self.jump_ancestors.append(torch.as_tensor(ancestor, device=self.device))
            ancestor = [ancestor[a] for a in ancestor]

    def joint_poses(self, positions: torch.Tensor):
        """Return (rotations N x J x 3 x 3, translations N x J x 3) of every joint frame."""
        tangent = positions @ self.tangent_map.T + self.tangent_offset
        value = tangent[:, self.value_column]                              # N x J
        angle = value * self.revolute_mask
        sine, cosine = torch.sin(angle)[..., None, None], torch.cos(angle)[..., None, None]
        motion = (torch.eye(3, dtype=self.dtype, device=self.device) + sine * self.axis_skew
                  + (1 - cosine) * self.axis_skew_squared)                  # N x J x 3 x 3
        rotation = self.placement_rotation @ motion
        shift = (value * self.prismatic_mask)[..., None] * self.linear_axis
        translation = (self.placement_translation
                       + (self.placement_rotation @ shift[..., None])[..., 0])
        rotation, translation = _identity_root(rotation, translation)
        for ancestor in self.jump_ancestors:
            ancestor_rotation = rotation[:, ancestor]
            translation = (ancestor_rotation @ translation[..., None])[..., 0] \
                + translation[:, ancestor]
            rotation = ancestor_rotation @ rotation
        return rotation, translation

    def frame_poses(self, positions: torch.Tensor, robot: RobotModel, frames: Sequence[str]):
        """Return (rotations N x F x 3 x 3, translations N x F x 3) of named frames."""
        rotations, translations = self.joint_poses(positions)
        out_rotation, out_translation = [], []
        for name in frames:
            frame = robot.model.frames[robot.frame_id(name)]
            local_rotation = self._tensor(frame.placement.rotation)
            local_translation = self._tensor(frame.placement.translation)
            parent_rotation = rotations[:, frame.parentJoint]
            out_rotation.append(parent_rotation @ local_rotation)
            out_translation.append(translations[:, frame.parentJoint]
                                   + parent_rotation @ local_translation)
        return torch.stack(out_rotation, dim=1), torch.stack(out_translation, dim=1)


def _identity_root(rotation: torch.Tensor, translation: torch.Tensor):
    """Return the local poses with joint 0 (the root, the universe joint) set to identity."""
    root = torch.zeros(rotation.shape[1], dtype=torch.bool, device=rotation.device)
    root[0] = True
    eye = torch.eye(3, dtype=rotation.dtype, device=rotation.device)
    return (torch.where(root[:, None, None], eye, rotation),
            torch.where(root[:, None], torch.zeros_like(translation), translation))


def axis_angle_matrix(axis: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Return rotation matrices (N x 3 x 3) about a unit ``axis`` (3,) by ``angle`` (N,) rad."""
    x, y, z = axis[0], axis[1], axis[2]
    zero = torch.zeros((), dtype=axis.dtype, device=axis.device)
    skew = torch.stack([torch.stack([zero, -z, y]), torch.stack([z, zero, -x]),
                        torch.stack([-y, x, zero])])
    sine, cosine = torch.sin(angle)[:, None, None], torch.cos(angle)[:, None, None]
    eye = torch.eye(3, dtype=axis.dtype, device=axis.device)
    return eye + sine * skew + (1 - cosine) * (skew @ skew)
