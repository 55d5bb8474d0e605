# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Load a robot URDF (+ SRDF) into a MuJoCo ``MjSpec``, the same files the constraint node reads.

Both files are read and parsed by ``pact_world.core.robot_assets`` (a malformed one raises
``RobotLoadError`` naming it). The URDF is rewritten before MuJoCo parses it: ``package://`` mesh
URIs become absolute paths (resolved by the same module), visual geometry is discarded
(collision geometry is what the physics and the safety judge use), fixed links stay separate
bodies (so the tool frame, e.g. ``panda_hand_tcp``, exists as a body) and a root link called
``world`` is dropped (MuJoCo owns the world body). The SRDF supplies the disabled collision
pairs and the home posture (first ``group_state``); joints that ``<mimic>`` another joint are
reported so the scene builder can couple them with an equality constraint.
"""

from dataclasses import dataclass, field
import re
from typing import Dict, List, Optional, Tuple
import xml.etree.ElementTree as ElementTree

import mujoco
import numpy as np

from pact_world.core import robot_assets


class RobotLoadError(ValueError):
    """The robot description cannot be turned into a MuJoCo model; the message says why."""


@dataclass
class RobotDescription:
    """What the scene builder needs to know about the robot, besides the ``MjSpec`` itself."""

    name: str
    root_link: str
    movable_joints: List[str]
    joint_effort: Dict[str, float]
    mimic: Dict[str, Tuple[str, float, float]]   # joint -> (leader, multiplier, offset)
    disabled_pairs: List[Tuple[str, str]] = field(default_factory=list)
    home: Dict[str, float] = field(default_factory=dict)


_COMPILER_TAG = ('<mujoco><compiler strippath="false" discardvisual="true" '
                 'fusestatic="false" balanceinertia="true" angle="radian"/></mujoco>')


def _load_description(uri: str, package_dirs=None) -> ElementTree.Element:
    """Return the ``<robot>`` root of the URDF/SRDF at ``uri``; RobotLoadError when malformed."""
    try:
        return robot_assets.parse_description(robot_assets.read_description(uri, package_dirs),
                                              uri)
    except robot_assets.RobotDescriptionError as error:
        raise RobotLoadError(str(error)) from error


def _resolve_meshes(root: ElementTree.Element, package_dirs=None):
    for mesh in root.iter('mesh'):
        filename = mesh.get('filename', '')
        if filename:
            mesh.set('filename', str(robot_assets.resolve_uri(filename, package_dirs)))


def _drop_world_link(root: ElementTree.Element):
    """Remove a URDF link called ``world`` and the fixed joint hanging the robot from it."""
    for link in list(root.findall('link')):
        if link.get('name') == 'world':
            root.remove(link)
    for joint in list(root.findall('joint')):
        parent = joint.find('parent')
        if parent is not None and parent.get('link') == 'world':
            origin = joint.find('origin')
            if origin is not None and any(
                    abs(float(v)) > 1e-9 for key in ('xyz', 'rpy')
                    for v in origin.get(key, '0 0 0').split()):
                raise RobotLoadError(
                    f'joint {joint.get("name")!r} places the robot away from the world origin; '
                    'put the base pose in the scene instead')
            root.remove(joint)


def _strip_non_kinematic(root: ElementTree.Element):
    for tag in ('gazebo', 'transmission', 'ros2_control'):
        for element in list(root.findall(tag)):
            root.remove(element)


def _describe_urdf(root: ElementTree.Element) -> RobotDescription:
    links = [link.get('name') for link in root.findall('link')]
    children = {joint.find('child').get('link') for joint in root.findall('joint')}
    roots = [name for name in links if name not in children]
    if len(roots) != 1:
        raise RobotLoadError(f'URDF must have exactly one root link, found {roots}')
    movable, effort, mimic = [], {}, {}
    for joint in root.findall('joint'):
        if joint.get('type') in ('revolute', 'prismatic', 'continuous'):
            name = joint.get('name')
            movable.append(name)
            limit = joint.find('limit')
            effort[name] = float(limit.get('effort', 0.0)) if limit is not None else 0.0
            mimic_tag = joint.find('mimic')
            if mimic_tag is not None:
                mimic[name] = (mimic_tag.get('joint'), float(mimic_tag.get('multiplier', 1.0)),
                               float(mimic_tag.get('offset', 0.0)))
    return RobotDescription(root.get('name', 'robot'), roots[0], movable, effort, mimic)


def _read_srdf(description: RobotDescription, srdf: ElementTree.Element):
    for pair in srdf.iter('disable_collisions'):
        description.disabled_pairs.append((pair.get('link1'), pair.get('link2')))
    states = list(srdf.iter('group_state'))
    preferred = [s for s in states if s.get('name') in ('default', 'home', 'ready')] or states
    if preferred:
        description.home = {joint.get('name'): float(joint.get('value'))
                            for joint in preferred[0].iter('joint')}


def load_robot_spec(urdf_uri: str, srdf_uri: Optional[str] = None,
                    package_dirs=None) -> Tuple[mujoco.MjSpec, RobotDescription]:
    """Return the robot as an ``MjSpec`` (root body under ``world``) and its description."""
    root = _load_description(urdf_uri, package_dirs)
    _strip_non_kinematic(root)
    _drop_world_link(root)
    _resolve_meshes(root, package_dirs)
    description = _describe_urdf(root)
    if srdf_uri:
        _read_srdf(description, _load_description(srdf_uri, package_dirs))
    urdf = ElementTree.tostring(root, encoding='unicode')
    urdf = re.sub(r'(<robot\b[^>]*>)', lambda match: match.group(1) + _COMPILER_TAG, urdf,
                  count=1)
    try:
        spec = mujoco.MjSpec.from_string(urdf)
    except ValueError as error:
        raise RobotLoadError(f'{urdf_uri}: MuJoCo cannot parse it: {error}') from error
    return spec, description


def home_vector(description: RobotDescription, joint_names: List[str],
                ranges: np.ndarray) -> np.ndarray:
    """Return the SRDF home posture for ``joint_names`` (mid-range where the SRDF is silent)."""
    return np.array([description.home.get(name, 0.5 * (low + high) if low < high else 0.0)
                     for name, (low, high) in zip(joint_names, ranges, strict=True)])
