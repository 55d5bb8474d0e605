# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Inverse kinematics of the tool site from MuJoCo Jacobians (damped least squares).

Used by the scripted experts and to place the arm at task starts; privileged (exact model).
Targets are in the world frame: position (m) and a 3x3 rotation whose columns are the tool's
x, y, z axes. The posture term pulls the redundant joints toward a reference (rad).
"""

from typing import Optional, Tuple

import mujoco
import numpy as np

from pact_sim.core.scene_builder import SimModel

# Common tool orientations (columns = tool x, y, z axes in the world frame).
TOOL_DOWN = np.array([[1.0, 0, 0], [0, -1, 0], [0, 0, -1]])     # z down, fingers along y
_SQRT_HALF = np.sqrt(0.5)
# z pointing forward (+x) and 45 deg down, fingers along y: how the reach expert enters the shelf.
TOOL_FORWARD_DOWN = np.array([[_SQRT_HALF, 0, _SQRT_HALF], [0, -1, 0],
                              [_SQRT_HALF, 0, -_SQRT_HALF]])


def rotation_about_z(yaw: float) -> np.ndarray:
    """Return the 3x3 rotation of ``yaw`` rad about the world z axis."""
    cos_yaw, sin_yaw = np.cos(yaw), np.sin(yaw)
    return np.array([[cos_yaw, -sin_yaw, 0], [sin_yaw, cos_yaw, 0], [0, 0, 1.0]])


def orientation_error(current: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Return the rotation vector (rad, world frame) taking ``current`` to ``target``."""
    delta = target @ current.T
    quaternion = np.zeros(4)
    mujoco.mju_mat2Quat(quaternion, delta.reshape(-1))
    rotvec = np.zeros(3)
    mujoco.mju_quat2Vel(rotvec, quaternion, 1.0)
    return rotvec


class ToolIK:
    """Damped-least-squares IK for the arm joints of a ``SimModel`` (own scratch ``MjData``)."""

    def __init__(self, sim: SimModel, damping: float = 1e-3, posture_gain: float = 0.05):
        """Prepare a scratch ``MjData`` for ``sim.model``."""
        self.sim = sim
        self.data = mujoco.MjData(sim.model)
        self.damping = damping
        self.posture_gain = posture_gain
        self.arm_count = len(sim.arm_joints)
        self.arm_dofs = sim.action_dof_adr[:self.arm_count]
        self.arm_qpos = sim.action_qpos_adr[:self.arm_count]
        self.low = sim.action_low[:self.arm_count]
        self.high = sim.action_high[:self.arm_count]

    def tool_pose(self, arm_q: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Return the tool position (m) and rotation for arm joint positions ``arm_q`` (rad)."""
        self.data.qpos[self.arm_qpos] = arm_q
        mujoco.mj_kinematics(self.sim.model, self.data)
        site = self.sim.tool_site
        return self.data.site_xpos[site].copy(), self.data.site_xmat[site].reshape(3, 3).copy()

    def solve(self, position, rotation: Optional[np.ndarray], initial: np.ndarray,
              posture: Optional[np.ndarray] = None, iterations: int = 60,
              tolerance: float = 1e-4) -> Tuple[np.ndarray, float]:
        """
        Return arm joints (rad) placing the tool at ``position`` (and ``rotation`` if given).

        Also returns the final position error (m). ``initial`` seeds the iteration; ``posture``
        (default: ``initial``) is the null-space reference.
        """
        model, data, site = self.sim.model, self.data, self.sim.tool_site
        q = np.clip(np.array(initial, dtype=float), self.low, self.high)
        posture = q.copy() if posture is None else np.asarray(posture, dtype=float)
        jac_pos, jac_rot = np.zeros((3, model.nv)), np.zeros((3, model.nv))
        error_norm = np.inf
        for _ in range(iterations):
            data.qpos[self.arm_qpos] = q
            mujoco.mj_kinematics(model, data)
            mujoco.mj_comPos(model, data)
            position_error = np.asarray(position) - data.site_xpos[site]
            error_norm = float(np.linalg.norm(position_error))
            mujoco.mj_jacSite(model, data, jac_pos, jac_rot, site)
            if rotation is None:
                error, jacobian = position_error, jac_pos[:, self.arm_dofs]
            else:
                rotation_error = orientation_error(data.site_xmat[site].reshape(3, 3), rotation)
                error = np.concatenate([position_error, 0.5 * rotation_error])
                jacobian = np.vstack([jac_pos[:, self.arm_dofs], 0.5 * jac_rot[:, self.arm_dofs]])
                if error_norm < tolerance and np.linalg.norm(rotation_error) < 1e-3:
                    break
            if rotation is None and error_norm < tolerance:
                break
            step = self._dls_step(jacobian, error, q, posture)
            q = np.clip(q + step, self.low, self.high)
        return q, error_norm

    def _dls_step(self, jacobian, error, q, posture) -> np.ndarray:
        regularised = jacobian @ jacobian.T + self.damping * np.eye(jacobian.shape[0])
        task_step = jacobian.T @ np.linalg.solve(regularised, error)
        null_projector = np.eye(len(q)) - np.linalg.pinv(jacobian) @ jacobian
        step = task_step + null_projector @ (self.posture_gain * (posture - q))
        largest = np.max(np.abs(step))
        return step * (0.3 / largest) if largest > 0.3 else step
