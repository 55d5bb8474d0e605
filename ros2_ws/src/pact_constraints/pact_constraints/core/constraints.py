# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Exact constraint values and gradients (Pinocchio FK + coal distances): the live-monitor path.

Every constraint k has a slack s (what is measured) held to a margin d_k; its value
c_k = penalty(d_k - s) summed over the elements named below (``penalty.py``: hinge or smooth)
is >= 0 and 0 when satisfied with the margin. Units: m, rad (m for prismatic), rad/s.

- ``clearance``: s = signed distance of every robot body <-> scene obstacle pair (m); measured
  = the minimum, with witness points, normal, link and obstacle names.
- ``self_collision``: s = signed distance of every checked robot body pair (m).
- ``joint_position``: s = distance of each joint to its nearer URDF limit (the gripper joint is
  excluded: its limits are its normal operating points); the margin is capped at a quarter of
  each joint's range.
- ``joint_velocity``: s = velocity_scale * URDF limit - |velocity| per joint; velocity from
  consecutive chunk rows, (x_h - x_{h-1}) / dt with x_{-1} the current positions, or the
  measured joint velocity for a single state.
- ``workspace``: s = distance of the tool-frame origin to each workspace face, inside positive.
- ``grasp_approach`` ("poke"): for each object keypoint, s = margin - lateral distance of the
  keypoint from the tool's approach axis (tool z), i.e. c = gate * penalty(lateral - d_k) with
  gate = max(0, 1 - |keypoint - tool| / activation_radius); only while the gripper is open
  (robots without a gripper joint never activate it).

A chunk (H x D rows of absolute targets for ``action_joints``, ``dt`` s apart) sums position
terms over its rows; its gradient is d c_k / d chunk (H x D). Gradients come from witness-point
Jacobians (distances) and frame Jacobians (workspace, grasp approach).
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np
from pact_constraints.core.config import CONSTRAINT_NAMES, ConstraintConfig
from pact_constraints.core.distance import DistanceQuery, PairDistance
from pact_constraints.core.penalty import penalty
from pact_constraints.core.robot_model import RobotModel, skew_matrix
from pact_constraints.core.scene_geometry import scene_bodies
from pact_world.core.scene import Scene
import pinocchio as pin


@dataclass
class TermResult:
    """Value c_k, margin d_k, measured slack (worst element) and optional gradient."""

    name: str
    value: float
    margin: float
    measured: float
    gradient: Optional[np.ndarray] = None

    @property
    def violated(self) -> bool:
        """Return True when c_k > 0, i.e. the constraint is violated."""
        return self.value > 0.0


@dataclass
class StateEvaluation:
    """All active constraints at one joint state, with what the markers need."""

    terms: Dict[str, TermResult]
    total: float
    clearance_pairs: List[PairDistance] = field(default_factory=list)
    self_pairs: List[PairDistance] = field(default_factory=list)
    joint_slack: Optional[np.ndarray] = None
    tool_pose: Optional[np.ndarray] = None

    @property
    def min_clearance(self) -> Optional[PairDistance]:
        """Return the closest robot<->scene pair, or None when there is no obstacle."""
        return self.clearance_pairs[0] if self.clearance_pairs else None


@dataclass
class ChunkEvaluation:
    """Constraint values of an action chunk and their gradients w.r.t. the chunk (H x D)."""

    values: Dict[str, float]
    measured: Dict[str, float]
    gradients: Dict[str, np.ndarray]
    total: float
    total_gradient: np.ndarray


class ConstraintEvaluator:
    """Exact constraints for one robot, scene and configuration (see module docstring)."""

    def __init__(self, robot: RobotModel, scene: Scene, config: ConstraintConfig,
                 package_dirs: Optional[Sequence] = None, scene_dir=None):
        """Prepare distance queries for ``config.geometry_mode``."""
        self.robot = robot
        self.scene = scene
        self.config = config
        self.tool_frame = config.tool_frame or robot.default_tool_frame
        self._tool_frame_id = robot.frame_id(self.tool_frame)  # raises on an unknown frame
        self.gripper_index, self.limited_joints = robot.limited_joints(config.gripper_joint)
        bodies = scene_bodies(scene, config.include_objects_in_clearance, package_dirs,
                              scene_dir, convex_meshes=config.geometry_mode != 'exact')
        self.query = DistanceQuery(robot, config.geometry_mode, bodies)
        self._face_normals, self._face_offsets = config.workspace.faces()
        span = robot.upper - robot.lower
        margin = config.term('joint_position').margin
        self.joint_margins = np.minimum(margin, 0.25 * span)

    # ----------------------------------------------------------------- inputs
    def scene_keypoints(self) -> np.ndarray:
        """Return the configured keypoint of every tracked object that has it (K x 3, m)."""
        return self.scene.keypoints(self.config.grasp_approach.keypoint)

    def gripper_open(self, positions) -> bool:
        """Return whether the gripper counts as open at ``positions``."""
        if self.gripper_index is None:
            return False
        index = self.gripper_index
        low, high = self.robot.lower[index], self.robot.upper[index]
        return positions[index] >= low + self.config.grasp_approach.open_fraction * (high - low)

    # ----------------------------------------------------------------- single state
    def evaluate(self, positions, velocities=None, keypoints=None,
                 with_gradient: bool = False, report_distance: float = 0.0) -> StateEvaluation:
        """
        Evaluate every active constraint at actuated joint ``positions``.

        ``velocities`` (rad/s, same order) feed ``joint_velocity`` (skipped when None);
        ``keypoints`` (K x 3, scene frame) default to the scene objects' keypoints.
        Gradients are d c_k / d positions. Distance pairs are measured exactly when they may
        be closer than their margin or ``report_distance`` (m; e.g. for markers), and the
        closest pair always (so ``min_clearance`` is exact).
        """
        positions = np.asarray(positions, dtype=float)
        evaluation = self._position_terms(positions, keypoints, with_gradient, report_distance)
        term = self.config.term('joint_velocity')
        if term.active and velocities is not None:
            slack = self._velocity_bound() - np.abs(np.asarray(velocities, dtype=float))
            cost, _ = penalty(term.margin - slack, term.penalty, term.smooth_width)
            evaluation.terms['joint_velocity'] = TermResult(
                'joint_velocity', float(cost.sum()), term.margin, float(slack.min()),
                np.zeros(len(positions)) if with_gradient else None)
        evaluation.terms = {name: evaluation.terms[name] for name in CONSTRAINT_NAMES
                            if name in evaluation.terms}
        evaluation.total = self._weighted_total(evaluation.terms)
        return evaluation

    def _weighted_total(self, terms: Dict[str, TermResult]) -> float:
        return float(sum(self.config.term(name).weight * term.value
                         for name, term in terms.items()))

    def _velocity_bound(self) -> np.ndarray:
        return self.config.velocity_scale * self.robot.velocity_limit

    def _position_terms(self, positions, keypoints, with_gradient,
                        report_distance: float = 0.0) -> StateEvaluation:
        config, robot = self.config, self.robot
        active = set(config.active)
        if with_gradient:
            robot.compute_jacobians(positions)
        self.query.place(positions)
        terms: Dict[str, TermResult] = {}
        evaluation = StateEvaluation(terms, 0.0)
        if 'clearance' in active:
            term = config.term('clearance')
            pairs = self.query.scene_distances(max(term.margin, report_distance))
            evaluation.clearance_pairs = pairs
            terms['clearance'] = self._distance_term('clearance', pairs, False, with_gradient)
        if 'self_collision' in active:
            term = config.term('self_collision')
            pairs = self.query.self_distances(max(term.margin, report_distance))
            evaluation.self_pairs = pairs
            terms['self_collision'] = self._distance_term('self_collision', pairs, True,
                                                          with_gradient)
        if 'joint_position' in active:
            terms['joint_position'], evaluation.joint_slack = self._joint_position(positions)
        if 'workspace' in active or 'grasp_approach' in active:
            tool = pin.updateFramePlacement(robot.model, robot.data,
                                            self._tool_frame_id).homogeneous
            evaluation.tool_pose = tool
            jacobian = None
            if with_gradient:
                jacobian = robot.frame_jacobian(self.tool_frame, positions)
            if 'workspace' in active:
                terms['workspace'] = self._workspace(tool, jacobian)
            if 'grasp_approach' in active:
                if keypoints is None:
                    keypoints = self.scene_keypoints()
                terms['grasp_approach'] = self._grasp_approach(
                    positions, tool, jacobian, np.asarray(keypoints, dtype=float).reshape(-1, 3))
        if not with_gradient:
            for result in terms.values():
                result.gradient = None
        return evaluation

    def _distance_term(self, name: str, pairs: List[PairDistance], self_pairs: bool,
                       with_gradient: bool) -> TermResult:
        term = self.config.term(name)
        measured = pairs[0].distance if pairs else np.inf
        if not pairs:
            return TermResult(name, 0.0, term.margin, measured,
                              np.zeros(len(self.robot.joint_names)))
        distances = np.array([pair.distance for pair in pairs])
        cost, slope = penalty(term.margin - distances, term.penalty, term.smooth_width)
        gradient = np.zeros(len(self.robot.joint_names))
        if with_gradient:
            bodies = self.query.robot_bodies
            for pair, pair_slope in zip(pairs, slope, strict=True):
                if pair_slope == 0.0:
                    continue
                jacobian = -self.robot.point_jacobian(bodies[pair.robot_body].joint_id,
                                                      pair.point_robot)
                if self_pairs:
                    jacobian = jacobian + self.robot.point_jacobian(
                        bodies[pair.other_body].joint_id, pair.point_other)
                gradient -= pair_slope * (pair.normal @ jacobian)
        return TermResult(name, float(cost.sum()), term.margin, float(measured), gradient)

    def _joint_position(self, positions):
        term = self.config.term('joint_position')
        robot = self.robot
        below, above = positions - robot.lower, robot.upper - positions
        slack = np.minimum(below, above)
        cost, slope = penalty(self.joint_margins - slack, term.penalty, term.smooth_width)
        limited = self.limited_joints
        cost, slope = np.where(limited, cost, 0.0), np.where(limited, slope, 0.0)
        gradient = slope * np.where(below < above, -1.0, 1.0)
        measured = float(slack[limited].min()) if limited.any() else np.inf
        return (TermResult('joint_position', float(cost.sum()), term.margin, measured, gradient),
                slack)

    def _workspace(self, tool: np.ndarray, jacobian) -> TermResult:
        term = self.config.term('workspace')
        gradient = np.zeros(len(self.robot.joint_names))
        if not len(self._face_offsets):
            return TermResult('workspace', 0.0, term.margin, np.inf, gradient)
        normals, offsets = self._face_normals, self._face_offsets
        slack = offsets - normals @ tool[:3, 3]
        cost, slope = penalty(term.margin - slack, term.penalty, term.smooth_width)
        if jacobian is not None:
            gradient = (slope @ normals) @ jacobian[:3]
        return TermResult('workspace', float(cost.sum()), term.margin, float(slack.min()),
                          gradient)

    def _grasp_approach(self, positions, tool, jacobian, keypoints) -> TermResult:
        term = self.config.term('grasp_approach')
        settings = self.config.grasp_approach
        gradient = np.zeros(len(self.robot.joint_names))
        if len(keypoints) == 0 or not self.gripper_open(positions):
            return TermResult('grasp_approach', 0.0, term.margin, 0.0, gradient)
        origin, axis = tool[:3, 3], tool[:3, 2]
        total, worst = 0.0, 0.0
        for keypoint in keypoints:
            offset = keypoint - origin
            distance = float(np.linalg.norm(offset))
            gate = max(0.0, 1.0 - distance / settings.activation_radius)
            if gate == 0.0:
                continue
            along = float(offset @ axis)
            lateral_vector = offset - along * axis
            lateral = float(np.linalg.norm(lateral_vector))
            cost, slope = penalty(np.array(lateral - term.margin), term.penalty,
                                  term.smooth_width)
            total += gate * float(cost)
            worst = max(worst, lateral)
            if jacobian is None or distance < 1e-12:
                continue
            d_gate = (offset / distance) @ jacobian[:3] / settings.activation_radius
            d_lateral = np.zeros(len(gradient))
            if lateral > 1e-12:
                unit = lateral_vector / lateral
                d_lateral = (-unit @ jacobian[:3]
                             + along * (unit @ skew_matrix(axis)) @ jacobian[3:])
            gradient += d_gate * float(cost) + gate * float(slope) * d_lateral
        return TermResult('grasp_approach', total, term.margin, worst, gradient)

    # ----------------------------------------------------------------- chunks
    def chunk_positions(self, chunk, current_positions, action_joints=None) -> np.ndarray:
        """Return full actuated positions per chunk row (H x n) from a chunk (H x D)."""
        columns = self._action_columns(action_joints)
        chunk = np.atleast_2d(np.asarray(chunk, dtype=float))
        if chunk.shape[1] != len(columns):
            raise ValueError(f'chunk has {chunk.shape[1]} columns, expected {len(columns)}')
        rows = np.tile(np.asarray(current_positions, dtype=float), (len(chunk), 1))
        rows[:, columns] = chunk
        return rows

    def _action_columns(self, action_joints) -> List[int]:
        names = self.robot.joint_names if action_joints is None else list(action_joints)
        return [self.robot.joint_index(name) for name in names]

    def evaluate_chunk(self, chunk, current_positions, dt: float, action_joints=None,
                       keypoints=None, with_gradient: bool = True) -> ChunkEvaluation:
        """Evaluate a chunk (H x D absolute targets, rows ``dt`` s apart); see module doc."""
        if dt <= 0:
            raise ValueError(f'dt must be > 0, got {dt}')
        columns = self._action_columns(action_joints)
        rows = self.chunk_positions(chunk, current_positions, action_joints)
        horizon, count = len(rows), len(self.robot.joint_names)
        values = dict.fromkeys(self.config.active, 0.0)
        measured = {name: np.inf for name in self.config.active}
        gradients = {name: np.zeros((horizon, count)) for name in self.config.active}
        for row_index, row in enumerate(rows):
            evaluation = self._position_terms(row, keypoints, with_gradient)
            for name, result in evaluation.terms.items():
                values[name] += result.value
                measured[name] = min(measured[name], result.measured)
                if with_gradient:
                    gradients[name][row_index] = result.gradient
        if 'joint_velocity' in values:
            term = self.config.term('joint_velocity')
            previous = np.vstack([np.asarray(current_positions, dtype=float)[None], rows[:-1]])
            velocity = (rows - previous) / dt
            slack = self._velocity_bound() - np.abs(velocity)
            cost, slope = penalty(term.margin - slack, term.penalty, term.smooth_width)
            values['joint_velocity'] = float(cost.sum())
            measured['joint_velocity'] = float(slack.min())
            d_rows = slope * np.sign(velocity) / dt
            gradients['joint_velocity'] = d_rows - np.vstack([d_rows[1:], np.zeros((1, count))])
        chunk_gradients = {name: gradient[:, columns] for name, gradient in gradients.items()}
        weights = {name: self.config.term(name).weight for name in values}
        total = float(sum(weights[name] * values[name] for name in values))
        total_gradient = sum(weights[name] * chunk_gradients[name] for name in values)
        return ChunkEvaluation(values, measured, chunk_gradients, total,
                               np.asarray(total_gradient, dtype=float))


__all__ = ['CONSTRAINT_NAMES', 'ChunkEvaluation', 'ConstraintEvaluator', 'StateEvaluation',
           'TermResult']
