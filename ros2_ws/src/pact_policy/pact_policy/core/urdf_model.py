# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
A small URDF model: joint limits and forward kinematics of named links, numpy only.

The policy node needs the joint position/velocity limits (to clamp and rate-limit commands)
and the world position of a tool frame (observation entry ``tool.position.x`` …). This module
reads both straight from the ``/robot_description`` XML (parsed by
``pact_world.core.robot_assets.parse_description``, as in every package) so the policy does not
depend on Pinocchio or pact_constraints. Units: rad and rad/s for revolute joints, m and m/s for
prismatic ones; positions in the URDF root frame (``world`` for our robots).
"""

from dataclasses import dataclass
import math

import numpy as np
from pact_world.core.robot_assets import parse_description, RobotDescriptionError

MOVABLE_TYPES = ('revolute', 'continuous', 'prismatic')


class URDFError(ValueError):
    """The robot description could not be parsed or lacks what was asked for."""


@dataclass(frozen=True)
class JointLimit:
    """Position range [lower, upper] (±inf for continuous joints) and max |velocity|."""

    name: str
    joint_type: str
    lower: float
    upper: float
    velocity: float


@dataclass(frozen=True)
class URDFJoint:
    """One joint of the tree: parent/child links, origin transform (4x4) and axis."""

    name: str
    joint_type: str
    parent: str
    child: str
    origin: np.ndarray
    axis: np.ndarray
    mimic: tuple  # (joint, multiplier, offset) or ()


def _floats(text: str, count: int, default: float, where: str) -> np.ndarray:
    if text is None:
        return np.full(count, default)
    try:
        values = np.array([float(v) for v in text.split()])
    except ValueError as error:
        raise URDFError(f'{where}: {error}') from error
    if values.shape != (count,):
        raise URDFError(f'{where}: expected {count} numbers, got {text!r}')
    return values


def _number(text: str, where: str, default: float = None) -> float:
    """Return the number in an attribute's text (``default`` when absent; else URDFError)."""
    if text is None:
        if default is None:
            raise URDFError(f'{where}: missing')
        return default
    try:
        return float(text)
    except ValueError as error:
        raise URDFError(f'{where}: {text!r} is not a number') from error


def rpy_matrix(roll: float, pitch: float, yaw: float) -> np.ndarray:
    """Return R = Rz(yaw) Ry(pitch) Rx(roll) (URDF fixed-axis convention)."""
    cr, sr, cp, sp, cy, sy = (math.cos(roll), math.sin(roll), math.cos(pitch),
                              math.sin(pitch), math.cos(yaw), math.sin(yaw))
    return np.array([[cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
                     [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
                     [-sp, cp * sr, cp * cr]])


def axis_rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    """Return the rotation by ``angle`` rad about the unit ``axis`` (Rodrigues)."""
    x, y, z = axis
    skew = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])
    return np.eye(3) + math.sin(angle) * skew + (1.0 - math.cos(angle)) * skew @ skew


class URDFModel:
    """Joints, limits and forward kinematics of a URDF given as an XML string."""

    def __init__(self, urdf_xml: str):
        try:
            root = parse_description(urdf_xml, 'robot description')
        except RobotDescriptionError as error:
            raise URDFError(str(error)) from error
        self.joints = {}
        self.limits = {}
        for element in root.findall('joint'):
            joint = self._parse_joint(element)
            self.joints[joint.name] = joint
            if joint.joint_type in MOVABLE_TYPES and not joint.mimic:
                self.limits[joint.name] = self._parse_limit(element, joint)
        self._joint_by_child = {joint.child: joint for joint in self.joints.values()}
        links = [link.get('name') for link in root.findall('link')]
        roots = [link for link in links if link not in self._joint_by_child]
        if len(roots) != 1:
            raise URDFError(f'robot description must have one root link, found {roots}')
        self.root_link = roots[0]
        self.links = set(links)

    @staticmethod
    def _parse_joint(element) -> URDFJoint:
        name = element.get('name')
        where = f'joint {name!r}'
        parent, child = element.find('parent'), element.find('child')
        if not name or parent is None or child is None:
            raise URDFError(f'{where} lacks a name, parent or child')
        origin_element = element.find('origin')
        xyz = _floats(None if origin_element is None else origin_element.get('xyz'), 3, 0.0,
                      where + ' origin xyz')
        rpy = _floats(None if origin_element is None else origin_element.get('rpy'), 3, 0.0,
                      where + ' origin rpy')
        origin = np.eye(4)
        origin[:3, :3] = rpy_matrix(*rpy)
        origin[:3, 3] = xyz
        axis_element = element.find('axis')
        axis = _floats(None if axis_element is None else axis_element.get('xyz'), 3, 0.0,
                       where + ' axis')
        if axis_element is None:
            axis = np.array([1.0, 0.0, 0.0])
        if np.linalg.norm(axis) > 0:
            axis = axis / np.linalg.norm(axis)
        mimic_element = element.find('mimic')
        mimic = () if mimic_element is None else (
            mimic_element.get('joint'),
            _number(mimic_element.get('multiplier'), where + ' mimic multiplier', 1.0),
            _number(mimic_element.get('offset'), where + ' mimic offset', 0.0))
        if mimic and not all(math.isfinite(value) for value in mimic[1:]):
            raise URDFError(f'{where} mimic: multiplier and offset must be finite, got '
                            f'{mimic[1:]}')
        return URDFJoint(name, element.get('type', ''), parent.get('link'), child.get('link'),
                         origin, axis, mimic)

    @staticmethod
    def _parse_limit(element, joint: URDFJoint) -> JointLimit:
        limit = element.find('limit')
        where = f'joint {joint.name!r} limit'
        if joint.joint_type == 'continuous':
            lower, upper = -math.inf, math.inf
        elif limit is None or limit.get('lower') is None or limit.get('upper') is None:
            raise URDFError(f'joint {joint.name!r} ({joint.joint_type}) has no position limits')
        else:
            lower = _number(limit.get('lower'), where + ' lower')
            upper = _number(limit.get('upper'), where + ' upper')
            if not (math.isfinite(lower) and math.isfinite(upper)):
                raise URDFError(f'{where}: position limits must be finite, got '
                                f'[{lower}, {upper}] (use a continuous joint)')
        # Like Pinocchio's URDF parser: a movable joint needs a finite velocity limit, or the
        # rate limiter would let a command jump anywhere in one row.
        if limit is None or limit.get('velocity') is None:
            raise URDFError(f'{where}: no velocity attribute (a finite velocity limit is '
                            'required)')
        velocity = _number(limit.get('velocity'), where + ' velocity')
        if not lower <= upper or not 0 < velocity < math.inf:
            raise URDFError(f'joint {joint.name!r} has invalid limits [{lower}, {upper}], '
                            f'velocity {velocity} (need lower <= upper and a finite '
                            'velocity > 0)')
        return JointLimit(joint.name, joint.joint_type, lower, upper, velocity)

    def limits_for(self, names) -> list:
        """Return the JointLimit of each name, raising URDFError naming unknown joints."""
        unknown = [name for name in names if name not in self.limits]
        if unknown:
            raise URDFError(f'joints {unknown} are not movable joints of the robot description '
                            f'(movable: {sorted(self.limits)})')
        return [self.limits[name] for name in names]

    def link_transform(self, link: str, positions: dict) -> np.ndarray:
        """Return the 4x4 pose of ``link`` in the root frame for joint ``positions`` by name."""
        if link not in self.links:
            raise URDFError(f'link {link!r} is not in the robot description')
        transform = np.eye(4)
        current = link
        while current != self.root_link:
            joint = self._joint_by_child[current]
            transform = joint.origin @ self._motion(joint, positions) @ transform
            current = joint.parent
        return transform

    def _motion(self, joint: URDFJoint, positions: dict) -> np.ndarray:
        motion = np.eye(4)
        if joint.joint_type not in MOVABLE_TYPES:
            return motion
        if joint.mimic:
            source, multiplier, offset = joint.mimic
            value = multiplier * self._position(source, positions) + offset
        else:
            value = self._position(joint.name, positions)
        if joint.joint_type == 'prismatic':
            motion[:3, 3] = joint.axis * value
        else:
            motion[:3, :3] = axis_rotation(joint.axis, value)
        return motion

    @staticmethod
    def _position(name: str, positions: dict) -> float:
        if name not in positions:
            raise URDFError(f'forward kinematics needs the position of joint {name!r}')
        return float(positions[name])
