# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
A robot for constraint evaluation, built from a URDF string, an SRDF string and package dirs.

``RobotModel`` holds the Pinocchio kinematic model, the *actuated* joints (one scalar each,
in URDF order; mimic joints such as the Panda's ``panda_finger_joint2`` are not actuated and
follow their leader as ``q = multiplier * leader + offset``), their position/velocity limits,
and the robot's collision geometry in three modes:

- ``exact``: the URDF collision geometry as loaded by Pinocchio (meshes as BVH, primitives);
- ``convex``: one convex hull per link (coal ``Convex`` of all its collision vertices);
- ``capsule``: one (or ``capsules_per_link``) capsule per link fitted around its vertices.

Self-collision pairs exclude pairs disabled in the SRDF, pairs on the same rigid body (same
parent joint: their distance never changes) and pairs of links joined directly by a joint
(``skip_adjacent``, as MoveIt's "Adjacent"). Frames: everything is in the URDF root frame,
which is the scene frame (``world``) by the project's contract.
"""

from dataclasses import dataclass
import functools
import hashlib
from typing import Dict, List, Optional, Sequence, Tuple
import xml.etree.ElementTree as ElementTree

import numpy as np
from pact_constraints.core import link_geometry
from pact_constraints.core.config import GEOMETRY_MODES
from pact_world.core.robot_assets import (default_package_dirs, parse_description,
                                          read_description, RobotDescriptionError)
import pinocchio as pin

__all__ = ['GEOMETRY_MODES', 'RobotGeometry', 'RobotModel', 'RobotModelError',
           'load_robot_model', 'skew_matrix']


class RobotModelError(ValueError):
    """A robot description (URDF/SRDF/meshes) is malformed; the message says what and where."""


@dataclass(frozen=True)
class RobotGeometry:
    """
    One collision body of the robot: shape fixed to a link, moving with its parent joint.

    ``placement``: 4x4 pose of the shape in the parent joint frame (m). ``centre``/``radius``:
    bounding sphere in the parent joint frame (m), used for broad-phase culling.
    ``capsule`` is set in capsule mode (segment end points in the parent joint frame).
    """

    name: str
    link: str
    joint_id: int
    shape: object
    placement: np.ndarray
    centre: np.ndarray
    radius: float
    capsule: Optional[link_geometry.Capsule] = None


@dataclass(frozen=True)
class MimicJoint:
    """``q[joint] = multiplier * q[leader] + offset`` (leader and follower are model joints)."""

    joint: str
    leader: str
    multiplier: float = 1.0
    offset: float = 0.0


def skew_matrix(vector) -> np.ndarray:
    """Return the 3 x 3 matrix [v]x with [v]x @ w = v x w."""
    x, y, z = vector
    return np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])


def _parse_xml(text: str, what: str) -> ElementTree.Element:
    """Return the ``<robot>`` root of a description; RobotModelError when malformed."""
    try:
        return parse_description(text, what)
    except RobotDescriptionError as error:
        raise RobotModelError(str(error)) from error


def parse_mimic_joints(urdf: str) -> List[MimicJoint]:
    """Return the ``<mimic>`` relations declared in a URDF."""
    mimics = []
    for joint in _parse_xml(urdf, 'URDF').iter('joint'):
        tag = joint.find('mimic')
        if tag is not None:
            mimics.append(MimicJoint(joint.get('name'), tag.get('joint'),
                                     float(tag.get('multiplier', 1.0)),
                                     float(tag.get('offset', 0.0))))
    return mimics


def parse_srdf(srdf: str) -> Tuple[set, Optional[str]]:
    """Return (disabled link pairs as frozensets, end-effector parent link or None)."""
    root = _parse_xml(srdf, 'SRDF')
    disabled = set()
    for entry in root.iter('disable_collisions'):
        first, second = entry.get('link1'), entry.get('link2')
        if not first or not second:
            raise RobotModelError('SRDF: <disable_collisions> needs link1 and link2 attributes')
        disabled.add(frozenset((first, second)))
    end_effector = root.find('end_effector')
    return disabled, (end_effector.get('parent_link') if end_effector is not None else None)


class RobotModel:
    """
    Kinematics, limits and collision geometry of one robot (see module docstring).

    Joint vectors called ``positions`` hold the actuated joints in ``joint_names`` order
    (rad for revolute, m for prismatic); ``q`` is Pinocchio's configuration vector.
    """

    def __init__(self, urdf: str, srdf: str = '', package_dirs: Optional[Sequence] = None,
                 capsules_per_link: int = 1, skip_adjacent: bool = True):
        """Build the model; raise ``RobotModelError`` naming what is wrong in the description."""
        root = _parse_xml(urdf, 'URDF')
        self.name = root.get('name', 'robot')
        self.robot_id = f'{self.name}:{hashlib.sha256((urdf + srdf).encode()).hexdigest()[:8]}'
        try:
            self.model = pin.buildModelFromXML(urdf)
        except (RuntimeError, ValueError) as error:
            raise RobotModelError(f'URDF: Pinocchio cannot build the model: {error}') from error
        self.data = self.model.createData()
        dirs = [str(d) for d in (package_dirs if package_dirs is not None
                                 else default_package_dirs())]
        try:
            self.collision_model = pin.buildGeomFromUrdfString(
                self.model, urdf, pin.GeometryType.COLLISION, package_dirs=dirs)
        except (RuntimeError, ValueError, OSError) as error:
            raise RobotModelError(f'URDF collision geometry: {error}') from error
        self.disabled_link_pairs, srdf_tool = parse_srdf(srdf) if srdf.strip() else (set(), None)
        self._setup_joints(parse_mimic_joints(urdf))
        self.default_tool_frame = srdf_tool or self._last_link_frame()
        self.gripper_joint = self._default_gripper_joint()
        self.capsules_per_link = int(capsules_per_link)
        self.skip_adjacent = skip_adjacent
        self._geometries: Dict[str, List[RobotGeometry]] = {}
        self._self_pairs: Dict[str, List[Tuple[int, int]]] = {}

    # ----------------------------------------------------------------- joints and limits
    def _setup_joints(self, mimics: List[MimicJoint]):
        model = self.model
        known = set(model.names)
        self.mimic_joints = [m for m in mimics if m.joint in known and m.leader in known]
        followers = {m.joint for m in self.mimic_joints}
        names, ids = [], []
        for joint_id in range(1, model.njoints):
            joint = model.joints[joint_id]
            if joint.nv != 1:
                raise RobotModelError(
                    f'URDF joint {model.names[joint_id]!r}: only 1-DoF joints are supported '
                    f'(got {joint.shortname()} with {joint.nv} DoF)')
            if model.names[joint_id] not in followers:
                names.append(model.names[joint_id])
                ids.append(joint_id)
        self.joint_names: List[str] = names
        self._actuated_ids = ids
        v_index = [model.joints[j].idx_v for j in ids]
        self.lower = np.array([model.lowerPositionLimit[model.joints[j].idx_q] for j in ids])
        self.upper = np.array([model.upperPositionLimit[model.joints[j].idx_q] for j in ids])
        self.velocity_limit = np.array([model.velocityLimit[i] for i in v_index])
        # Tangent map: dq_tangent = tangent_map @ d(positions); offsets for mimic followers.
        self.tangent_map = np.zeros((model.nv, len(ids)))
        self.mimic_offsets = np.zeros(model.nv)
        for column, joint_id in enumerate(ids):
            self.tangent_map[model.joints[joint_id].idx_v, column] = 1.0
        for mimic in self.mimic_joints:
            leader = names.index(mimic.leader)
            row = model.joints[model.getJointId(mimic.joint)].idx_v
            self.tangent_map[row, leader] = mimic.multiplier
            self.mimic_offsets[row] = mimic.offset
        self._continuous = [model.joints[j].nq == 2 for j in range(1, model.njoints)]

    def joint_index(self, name: str) -> int:
        """Return the index of actuated joint ``name`` in ``joint_names``."""
        if name not in self.joint_names:
            raise KeyError(f'robot {self.name!r} has no actuated joint {name!r} '
                           f'(has {self.joint_names})')
        return self.joint_names.index(name)

    def configuration(self, positions) -> np.ndarray:
        """Return Pinocchio's ``q`` for actuated joint positions (rad/m, ``joint_names`` order)."""
        positions = np.asarray(positions, dtype=float).reshape(-1)
        if positions.shape != (len(self.joint_names),):
            raise ValueError(f'expected {len(self.joint_names)} joint positions '
                             f'({self.joint_names}), got {positions.shape[0]}')
        tangent = self.tangent_map @ positions + self.mimic_offsets
        if not any(self._continuous):
            return tangent
        q = np.zeros(self.model.nq)
        for joint_id in range(1, self.model.njoints):
            joint = self.model.joints[joint_id]
            value = tangent[joint.idx_v]
            if joint.nq == 2:
                q[joint.idx_q:joint.idx_q + 2] = (np.cos(value), np.sin(value))
            else:
                q[joint.idx_q] = value
        return q

    def frame_id(self, name: str) -> int:
        """Return the Pinocchio frame id of ``name`` (a link or joint frame)."""
        if not self.model.existFrame(name):
            raise KeyError(f'robot {self.name!r} has no frame {name!r}')
        return self.model.getFrameId(name)

    def _last_link_frame(self) -> str:
        bodies = [f for f in self.model.frames if f.type == pin.FrameType.BODY]
        deepest = max(f.parentJoint for f in bodies)
        return [f.name for f in bodies if f.parentJoint == deepest][-1]

    def _default_gripper_joint(self) -> Optional[str]:
        """Return the prismatic joint leading mimic joints, else one named finger/gripper."""
        leaders = {mimic.leader for mimic in self.mimic_joints}
        pairs = zip(self.joint_names, self._actuated_ids, strict=True)
        prismatic = [name for name, joint_id in pairs
                     if self.model.joints[joint_id].shortname().startswith('JointModelP')]
        for name in prismatic:
            if name in leaders:
                return name
        for name in prismatic:
            if 'finger' in name or 'gripper' in name:
                return name
        return None

    def limited_joints(self, gripper: Optional[str] = '') -> Tuple[Optional[int], np.ndarray]:
        """
        Return (gripper index or None, bool mask of the joints the joint-position term limits).

        ``gripper``: '' = the detected gripper joint, 'none' = no gripper, else a joint name.
        Joints with infinite or huge (>= 1e6) ranges, and the gripper, are not limited.
        """
        gripper = gripper or self.gripper_joint
        index = None if gripper in (None, '', 'none') else self.joint_index(gripper)
        span = self.upper - self.lower
        limited = np.isfinite(span) & (span < 1e6)
        if index is not None:
            limited[index] = False
        return index, limited

    # ----------------------------------------------------------------- kinematics
    def forward(self, positions) -> pin.Data:
        """Run forward kinematics for actuated positions; return the updated Pinocchio data."""
        pin.forwardKinematics(self.model, self.data, self.configuration(positions))
        return self.data

    def frame_pose(self, frame: str, positions) -> np.ndarray:
        """Return the 4x4 pose of ``frame`` in the root frame at ``positions``."""
        self.forward(positions)
        frame_id = self.frame_id(frame)
        return pin.updateFramePlacement(self.model, self.data, frame_id).homogeneous

    def point_jacobian(self, joint_id: int, point_world: np.ndarray) -> np.ndarray:
        """
        Return d(point)/d(positions) (3 x n_actuated) of a point fixed to joint ``joint_id``.

        Needs ``pin.computeJointJacobians`` to have run at the current configuration
        (``compute_jacobians``). The point is given in the root frame (m).
        """
        if joint_id == 0:
            return np.zeros((3, len(self.joint_names)))
        jacobian = pin.getJointJacobian(self.model, self.data, joint_id,
                                        pin.ReferenceFrame.LOCAL_WORLD_ALIGNED)
        lever = np.asarray(point_world) - self.data.oMi[joint_id].translation
        linear = jacobian[:3] - skew_matrix(lever) @ jacobian[3:]
        return linear @ self.tangent_map

    def compute_jacobians(self, positions):
        """Run FK and all joint Jacobians at ``positions`` (for ``point_jacobian``)."""
        pin.computeJointJacobians(self.model, self.data, self.configuration(positions))

    def frame_jacobian(self, frame: str, positions) -> np.ndarray:
        """Return the 6 x n_actuated Jacobian (linear; angular) of ``frame``, world-aligned."""
        q = self.configuration(positions)
        jacobian = pin.computeFrameJacobian(self.model, self.data, q, self.frame_id(frame),
                                            pin.ReferenceFrame.LOCAL_WORLD_ALIGNED)
        return jacobian @ self.tangent_map

    # ----------------------------------------------------------------- geometry
    def geometries(self, mode: str) -> List[RobotGeometry]:
        """Return the robot's collision bodies for geometry ``mode`` (built once, cached)."""
        if mode not in GEOMETRY_MODES:
            raise ValueError(f'geometry mode must be one of {GEOMETRY_MODES}, got {mode!r}')
        if mode not in self._geometries:
            self._geometries[mode] = self._build_geometries(mode)
        return self._geometries[mode]

    def link_vertices(self) -> Dict[str, Tuple[int, np.ndarray]]:
        """Return {link: (parent joint id, collision vertices N x 3 in that joint's frame, m)}."""
        return dict(self._link_vertices)

    def link_capsules(self) -> Dict[str, link_geometry.Capsule]:
        """Return one capsule per link enclosing its collision geometry (parent-joint frame)."""
        if not hasattr(self, '_link_capsules'):
            self._link_capsules = {link: link_geometry.fit_enclosing_capsule(vertices)
                                   for link, (_, vertices) in self._link_vertices.items()}
        return self._link_capsules

    def self_collision_pairs(self, mode: str) -> List[Tuple[int, int]]:
        """Return index pairs into ``geometries(mode)`` checked for self-collision."""
        if mode not in self._self_pairs:
            bodies = self.geometries(mode)
            self._self_pairs[mode] = [
                (i, j) for i in range(len(bodies)) for j in range(i + 1, len(bodies))
                if self._pair_checked(bodies[i], bodies[j])]
        return self._self_pairs[mode]

    def _pair_checked(self, first: RobotGeometry, second: RobotGeometry) -> bool:
        if first.joint_id == second.joint_id or first.link == second.link:
            return False
        if frozenset((first.link, second.link)) in self.disabled_link_pairs:
            return False
        parents = self.model.parents
        adjacent = (parents[first.joint_id] == second.joint_id
                    or parents[second.joint_id] == first.joint_id)
        return not (self.skip_adjacent and adjacent)

    @functools.cached_property
    def _link_vertices(self) -> Dict[str, Tuple[int, np.ndarray]]:
        """{link: (parent joint id, vertices in the parent joint frame)}, read once."""
        links: Dict[str, Tuple[int, list]] = {}
        for obj in self.collision_model.geometryObjects:
            link = self.model.frames[obj.parentFrame].name
            vertices = link_geometry.geometry_vertices(obj.geometry, obj.meshPath, obj.meshScale)
            placed = vertices @ obj.placement.rotation.T + obj.placement.translation
            links.setdefault(link, (obj.parentJoint, []))[1].append(placed)
        return {link: (joint, np.vstack(parts)) for link, (joint, parts) in links.items()}

    def _build_geometries(self, mode: str) -> List[RobotGeometry]:
        if mode == 'exact':
            bodies = []
            for obj in self.collision_model.geometryObjects:
                link = self.model.frames[obj.parentFrame].name
                vertices = link_geometry.geometry_vertices(
                    obj.geometry, obj.meshPath, obj.meshScale)
                placed = vertices @ obj.placement.rotation.T + obj.placement.translation
                centre, radius = _bounding_sphere(placed)
                bodies.append(RobotGeometry(obj.name, link, obj.parentJoint, obj.geometry,
                                            obj.placement.homogeneous, centre, radius))
            return bodies
        bodies = []
        for link, (joint_id, vertices) in self._link_vertices.items():
            if mode == 'convex':
                centre, radius = _bounding_sphere(vertices)
                bodies.append(RobotGeometry(f'{link}_hull', link, joint_id,
                                            link_geometry.convex_hull_geometry(vertices),
                                            np.eye(4), centre, radius))
                continue
            for index, capsule in enumerate(
                    link_geometry.fit_capsules(vertices, self.capsules_per_link)):
                shape, placement = link_geometry.capsule_geometry(capsule)
                bodies.append(RobotGeometry(
                    f'{link}_capsule{index}', link, joint_id, shape, placement,
                    0.5 * (capsule.a + capsule.b), 0.5 * capsule.length + capsule.radius,
                    capsule))
        return bodies


def _bounding_sphere(points: np.ndarray) -> Tuple[np.ndarray, float]:
    centre = 0.5 * (points.min(axis=0) + points.max(axis=0))
    return centre, float(np.max(np.linalg.norm(points - centre, axis=1)))


def load_robot_model(urdf_uri: str, srdf_uri: str = '',
                     package_dirs: Optional[Sequence] = None, **kwargs) -> RobotModel:
    """Build a RobotModel from URDF/SRDF URIs (``package://``, ``file://`` or paths)."""
    urdf = read_description(urdf_uri, package_dirs)
    srdf = read_description(srdf_uri, package_dirs) if srdf_uri else ''
    return RobotModel(urdf, srdf, package_dirs, **kwargs)
