# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The constraint node's logic without ROS: inputs, staleness, model rebuilds, one evaluation.

``ConstraintMonitor`` keeps the last good robot model and scene (a malformed replacement
raises and leaves them in place), merges joint states by joint NAME (several publishers may
each cover some joints), and turns them into a ``MonitorResult`` whose status is UNKNOWN --
never OK -- when the model, a joint, or a fresh finite value is missing. Times are seconds
on one monotonic clock chosen by the caller.
"""

from dataclasses import dataclass, replace
import math
from typing import Dict, Optional, Sequence

import numpy as np
from pact_constraints.core.config import ConstraintConfig
from pact_constraints.core.constraints import ConstraintEvaluator, StateEvaluation
from pact_constraints.core.robot_model import RobotModel, RobotModelError
from pact_world.core.scene import Scene

STATUS_UNKNOWN, STATUS_OK, STATUS_VIOLATED = 0, 1, 2
DEFAULT_MAX_JOINT_NAMES = 1000
# Joint states older than this (s) make the status UNKNOWN.
DEFAULT_STALE_TIMEOUT = 0.5


class JointStateError(ValueError):
    """A joint-state message was refused (in part); the message says which joints and why."""


@dataclass
class JointSample:
    """Latest value of one joint: position (rad/m), velocity or None, stamp and arrival (s)."""

    position: float
    velocity: Optional[float]
    stamp: float
    received: float


@dataclass
class MonitorResult:
    """Status (STATUS_*), reason, the evaluation (None when UNKNOWN) and the input stamp (s)."""

    status: int
    message: str
    evaluation: Optional[StateEvaluation] = None
    stamp: float = 0.0


class ConstraintMonitor:
    """Evaluate constraints from the latest inputs (see module docstring)."""

    def __init__(self, config: ConstraintConfig, srdf: str = '', scene: Optional[Scene] = None,
                 stale_timeout: float = DEFAULT_STALE_TIMEOUT,
                 package_dirs: Optional[Sequence] = None, scene_dir=None,
                 max_joint_names: int = DEFAULT_MAX_JOINT_NAMES):
        """
        Start without a robot; ``scene`` defaults to an empty one (version 0).

        ``max_joint_names`` bounds the distinct joint names remembered (any peer may publish
        joint states; names beyond the bound are refused unless they belong to the robot).
        """
        self.config, self.srdf = config, srdf
        self.max_joint_names = int(max_joint_names)
        self.scene = scene if scene is not None else Scene(version=0)
        self.stale_timeout = float(stale_timeout)
        self.package_dirs, self.scene_dir = package_dirs, scene_dir
        self.robot: Optional[RobotModel] = None
        self.evaluator: Optional[ConstraintEvaluator] = None
        self.joints: Dict[str, JointSample] = {}

    def set_robot_description(self, urdf: str, srdf: Optional[str] = None) -> RobotModel:
        """Build a new model (raises ``RobotModelError``; the previous model then stays)."""
        srdf = self.srdf if srdf is None else srdf
        robot = RobotModel(urdf, srdf, self.package_dirs, self.config.capsules_per_link)
        evaluator = self._evaluator(robot, self.scene)
        self.robot, self.evaluator, self.srdf = robot, evaluator, srdf
        return robot

    def set_scene(self, scene: Scene):
        """Use a new scene (raises ``SceneError`` on unusable geometry; the old one stays)."""
        if self.robot is not None:
            self.evaluator = self._evaluator(self.robot, scene)
        self.scene = scene

    def _evaluator(self, robot: RobotModel, scene: Scene) -> ConstraintEvaluator:
        try:
            return ConstraintEvaluator(robot, scene, self.config, self.package_dirs,
                                       self.scene_dir)
        except KeyError as error:
            raise RobotModelError(f'configuration does not fit robot {robot.name!r}: '
                                  f'{error}') from error

    def add_joint_state(self, names, positions, velocities, stamp: float, received: float):
        """
        Merge one joint-state message (parallel name/position/velocity lists).

        Raises JointStateError (after merging what fits) when new names would exceed
        ``max_joint_names``; the robot's own joints are always accepted.
        """
        has_velocity = len(velocities) == len(names)
        robot_joints = set(self.robot.joint_names) if self.robot is not None else set()
        refused = 0
        for index, name in enumerate(names):
            if index >= len(positions):
                break
            if (name not in self.joints and name not in robot_joints
                    and len(self.joints) >= self.max_joint_names):
                refused += 1
                continue
            velocity = float(velocities[index]) if has_velocity else None
            previous = self.joints.get(name)
            position = float(positions[index])
            if (velocity is None and previous is not None and stamp > previous.stamp
                    and math.isfinite(previous.position)):
                velocity = (position - previous.position) / (stamp - previous.stamp)
            self.joints[name] = JointSample(position, velocity, stamp, received)
        if refused:
            raise JointStateError(f'joint state: {refused} new joint names refused, the limit '
                                  f'of {self.max_joint_names} distinct names is reached '
                                  '(parameter max_joint_names)')

    def fresh_positions(self, now: float) -> Dict[str, float]:
        """Return {joint name: position} of the finite samples received within the timeout."""
        return {name: sample.position for name, sample in self.joints.items()
                if now - sample.received <= self.stale_timeout
                and math.isfinite(sample.position)}

    def evaluate(self, now: float, for_markers: bool = False) -> MonitorResult:
        """
        Evaluate the active constraints from the latest inputs at time ``now`` (s).

        ``for_markers`` also measures pairs within ``report_distance`` (slower; for display).
        """
        if self.evaluator is None:
            return MonitorResult(STATUS_UNKNOWN, 'no robot model yet (waiting for '
                                 'robot_description)')
        names = self.robot.joint_names
        missing = [name for name in names if name not in self.joints]
        if missing:
            return MonitorResult(STATUS_UNKNOWN, f'no joint state for {missing}')
        samples = [self.joints[name] for name in names]
        stamp = max(sample.stamp for sample in samples)
        age = now - min(sample.received for sample in samples)
        if age > self.stale_timeout:
            return MonitorResult(STATUS_UNKNOWN, f'joint state stale: {age:.2f} s '
                                 f'(timeout {self.stale_timeout:.2f} s)', stamp=stamp)
        positions = np.array([sample.position for sample in samples])
        bad = [name for name, value in zip(names, positions, strict=True)
               if not math.isfinite(value)]
        if bad:
            return MonitorResult(STATUS_UNKNOWN, f'non-finite joint position for {bad}',
                                 stamp=stamp)
        velocities, unmeasured = None, ''
        if all(sample.velocity is not None for sample in samples):
            velocities = np.array([sample.velocity for sample in samples])
            if not np.all(np.isfinite(velocities)):
                return MonitorResult(STATUS_UNKNOWN, 'non-finite joint velocity', stamp=stamp)
        elif 'joint_velocity' in self.config.active:
            unknown = [name for name, sample in zip(names, samples, strict=True)
                       if sample.velocity is None]
            unmeasured = (f'no joint velocity for {unknown}: the joint states carry no '
                          'velocity field and their stamps do not advance')
        evaluation = self.evaluator.evaluate(
            positions, velocities,
            report_distance=self.config.report_distance if for_markers else 0.0)
        violated = [name for name, term in evaluation.terms.items() if term.violated]
        if violated:
            return MonitorResult(STATUS_VIOLATED, f'violated: {", ".join(violated)}'
                                 + (f'; {unmeasured}' if unmeasured else ''), evaluation, stamp)
        if unmeasured:  # the other constraints hold, but joint_velocity is not known: not OK
            return MonitorResult(STATUS_UNKNOWN, unmeasured, stamp=stamp)
        return MonitorResult(STATUS_OK, '', evaluation, stamp)


def config_with_overrides(config: ConstraintConfig, active=None, geometry_mode: str = '',
                          margins: Optional[Dict[str, float]] = None) -> ConstraintConfig:
    """Return ``config`` with node-parameter overrides (empty/None/negative = keep)."""
    if active:
        config = config.with_active(active)
    if geometry_mode:
        config = config.with_geometry_mode(geometry_mode)
    terms = dict(config.terms)
    for name, margin in (margins or {}).items():
        if margin is not None and margin >= 0:
            terms[name] = replace(terms[name], margin=float(margin))
    return replace(config, terms=terms)
