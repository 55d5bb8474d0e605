# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The robot's surroundings as plain data: static obstacles and tracked objects.

One scene description feeds the constraint node, the MuJoCo simulator and the trainer. It is
read from YAML (the format below) or converted from a ``pact_msgs/Scene`` message by the node
layer. All poses are in the scene ``frame`` (the robot's root frame); lengths are in metres.

YAML format::

    frame: world            # frame every pose is expressed in
    version: 1              # optional, default 1
    obstacles:
      - name: table
        type: box           # box | sphere | cylinder | capsule | half_space | mesh
        size: [0.8, 1.2, 0.04]             # box: full extents along x, y, z (m)
        pose: {position: [0.5, 0.0, 0.38], rpy: [0, 0, 0]}   # or quaternion: [x, y, z, w]
      - {name: post, type: cylinder, radius: 0.03, length: 0.5, pose: {position: [0.4, 0.2, 0.65]}}
      - {name: floor, type: half_space, normal: [0, 0, 1], offset: 0.0}  # solid: n.p <= offset
      - {name: bin, type: mesh, uri: package://my_pkg/meshes/bin.stl, scale: [1, 1, 1]}
    objects:
      - name: cube
        type: box
        size: [0.05, 0.05, 0.05]
        pose: {position: [0.5, 0.0, 0.425]}
        keypoints: {grasp: [0, 0, 0], top: [0, 0, 0.025]}   # object frame (m)

Unknown keys and bad values raise ``SceneError`` naming the offending entry.
"""

from dataclasses import dataclass, field
import math
import pathlib
from typing import Mapping, Optional, Sequence, Tuple

import numpy as np
from pact_world.core.spatial import Pose, rpy_to_quaternion
import yaml

SHAPE_TYPES = ('box', 'sphere', 'cylinder', 'capsule', 'half_space', 'mesh')
# Most obstacles + objects a node accepts in one scene message from a peer (its max_obstacles).
DEFAULT_MAX_OBSTACLES = 256
OBJECT_SHAPE_TYPES = ('box', 'sphere', 'cylinder')

# Keys each shape type needs (besides name/type/pose) and may have.
_SHAPE_KEYS = {
    'box': ({'size'}, set()),
    'sphere': ({'radius'}, set()),
    'cylinder': ({'radius', 'length'}, set()),
    'capsule': ({'radius', 'length'}, set()),
    'half_space': ({'normal', 'offset'}, set()),
    'mesh': ({'uri'}, {'scale'}),
}


class SceneError(ValueError):
    """A scene description is malformed; the message names the entry and the key."""


@dataclass(frozen=True)
class Shape:
    """
    Geometry of an obstacle or object in its own frame.

    ``box``: ``size`` = full extents (x, y, z); ``sphere``: ``radius``; ``cylinder`` and
    ``capsule``: ``radius`` and ``length`` along the local z axis (for a capsule, the distance
    between the two hemisphere centres); ``half_space``: unit ``normal`` and ``offset`` in the
    scene frame, solid where normal . p <= offset; ``mesh``: ``uri`` and per-axis ``scale``.
    """

    type: str  # noqa: A003 (the YAML key; kept for every package that reads scenes)
    size: Tuple[float, float, float] = (0.0, 0.0, 0.0)
    radius: float = 0.0
    length: float = 0.0
    normal: Tuple[float, float, float] = (0.0, 0.0, 1.0)
    offset: float = 0.0
    uri: str = ''
    scale: Tuple[float, float, float] = (1.0, 1.0, 1.0)

    def bounding_radius(self) -> float:
        """Radius (m) of a sphere about the local origin enclosing the shape (inf if unbounded)."""
        if self.type == 'box':
            return 0.5 * float(np.linalg.norm(self.size))
        if self.type == 'sphere':
            return self.radius
        if self.type == 'cylinder':
            return math.hypot(self.radius, 0.5 * self.length)
        if self.type == 'capsule':
            return self.radius + 0.5 * self.length
        return math.inf


@dataclass(frozen=True)
class Obstacle:
    """A static obstacle: a named shape at a pose in the scene frame."""

    name: str
    shape: Shape
    pose: Pose = field(default_factory=Pose)


@dataclass(frozen=True)
class TrackedObject:
    """
    An object whose pose changes: shape, pose in the scene frame, named keypoints.

    ``keypoints`` maps names to positions in the OBJECT frame (m); ``keypoint_in_scene`` gives
    them in the scene frame.
    """

    name: str
    shape: Shape
    pose: Pose = field(default_factory=Pose)
    keypoints: Mapping[str, Tuple[float, float, float]] = field(default_factory=dict)

    @property
    def dimensions(self) -> Tuple[float, float, float]:
        """Bounding-box extents along the object axes (m)."""
        if self.shape.type == 'box':
            return tuple(self.shape.size)
        if self.shape.type == 'sphere':
            return (2 * self.shape.radius,) * 3
        return (2 * self.shape.radius, 2 * self.shape.radius, self.shape.length)

    def keypoint_in_scene(self, name: str) -> np.ndarray:
        """Return keypoint ``name`` in the scene frame (m)."""
        if name not in self.keypoints:
            raise KeyError(f'object {self.name!r} has no keypoint {name!r} '
                           f'(has {sorted(self.keypoints)})')
        return self.pose.transform_points(self.keypoints[name])[0]


@dataclass(frozen=True)
class Scene:
    """Obstacles and objects in ``frame``; ``version`` increases whenever anything changes."""

    frame: str = 'world'
    version: int = 1
    obstacles: Tuple[Obstacle, ...] = ()
    objects: Tuple[TrackedObject, ...] = ()

    def obstacle(self, name: str) -> Obstacle:
        """Return the obstacle called ``name``."""
        for obstacle in self.obstacles:
            if obstacle.name == name:
                return obstacle
        raise KeyError(f'no obstacle {name!r} in the scene')

    def keypoints(self, name: str) -> np.ndarray:
        """Return keypoint ``name`` of every tracked object that has it (K x 3, scene frame)."""
        return np.array([item.keypoint_in_scene(name) for item in self.objects
                         if name in item.keypoints]).reshape(-1, 3)

    def tracked_object(self, name: str) -> TrackedObject:
        """Return the tracked object called ``name``."""
        for tracked in self.objects:
            if tracked.name == name:
                return tracked
        raise KeyError(f'no tracked object {name!r} in the scene')


def _number(value, where: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SceneError(f'{where}: expected a finite number, got {value!r}')
    if positive and value <= 0:
        raise SceneError(f'{where}: must be > 0, got {value!r}')
    return float(value)


def _vector(value, where: str, length: int, positive: bool = False) -> Tuple[float, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != length:
        raise SceneError(f'{where}: expected a list of {length} numbers, got {value!r}')
    return tuple(_number(item, f'{where}[{index}]', positive) for index, item in enumerate(value))


def _check_keys(entry: Mapping, allowed: set, where: str):
    if not isinstance(entry, Mapping):
        raise SceneError(f'{where}: expected a mapping, got {entry!r}')
    unknown = set(entry) - allowed
    if unknown:
        raise SceneError(f'{where}: unknown key(s) {sorted(unknown)} (allowed: {sorted(allowed)})')


def parse_pose(entry: Optional[Mapping], where: str) -> Pose:
    """Parse ``{position: [x, y, z], rpy: [r, p, y]}`` or ``{..., quaternion: [x, y, z, w]}``."""
    if entry is None:
        return Pose()
    _check_keys(entry, {'position', 'rpy', 'quaternion'}, where)
    if 'rpy' in entry and 'quaternion' in entry:
        raise SceneError(f'{where}: give either rpy or quaternion, not both')
    position = _vector(entry.get('position', [0, 0, 0]), f'{where}.position', 3)
    if 'rpy' in entry:
        quaternion = rpy_to_quaternion(*_vector(entry['rpy'], f'{where}.rpy', 3))
    else:
        quaternion = _vector(entry.get('quaternion', [0, 0, 0, 1]), f'{where}.quaternion', 4)
    try:
        return Pose(np.array(position), np.array(quaternion))
    except ValueError as error:
        raise SceneError(f'{where}: {error}') from error


def parse_shape(entry: Mapping, where: str, allowed_types: Sequence[str] = SHAPE_TYPES) -> Shape:
    """Parse the shape keys of an obstacle/object entry (``type`` and its dimensions)."""
    shape_type = entry.get('type')
    if shape_type not in allowed_types:
        raise SceneError(
            f'{where}.type: expected one of {list(allowed_types)}, got {shape_type!r}')
    required, optional = _SHAPE_KEYS[shape_type]
    missing = required - set(entry)
    if missing:
        raise SceneError(f'{where}: type {shape_type} needs key(s) {sorted(missing)}')
    kwargs = {'type': shape_type}
    if 'size' in entry:
        kwargs['size'] = _vector(entry['size'], f'{where}.size', 3, positive=True)
    for key in ('radius', 'length'):
        if key in entry:
            kwargs[key] = _number(entry[key], f'{where}.{key}', positive=True)
    if shape_type == 'half_space':
        normal = np.array(_vector(entry['normal'], f'{where}.normal', 3))
        if np.linalg.norm(normal) < 1e-9:
            raise SceneError(f'{where}.normal: must not be the zero vector')
        kwargs['normal'] = tuple(normal / np.linalg.norm(normal))
        kwargs['offset'] = _number(entry['offset'], f'{where}.offset')
    if shape_type == 'mesh':
        if not isinstance(entry['uri'], str) or not entry['uri']:
            raise SceneError(f'{where}.uri: expected a non-empty string, got {entry["uri"]!r}')
        kwargs['uri'] = entry['uri']
        kwargs['scale'] = _vector(entry.get('scale', [1, 1, 1]), f'{where}.scale', 3, True)
    return Shape(**kwargs)


def _shape_keys(shape_type) -> set:
    required, optional = _SHAPE_KEYS.get(shape_type, (set(), set()))
    return required | optional


def parse_obstacle(entry: Mapping, where: str) -> Obstacle:
    """Parse one entry of ``obstacles``."""
    _check_keys(entry, {'name', 'type', 'pose'} | _shape_keys(
        entry.get('type') if isinstance(entry, Mapping) else None), where)
    name = entry.get('name')
    if not isinstance(name, str) or not name:
        raise SceneError(f'{where}.name: expected a non-empty string, got {name!r}')
    where = f'{where} ({name})'
    if entry.get('type') == 'half_space' and 'pose' in entry:
        raise SceneError(f'{where}: a half_space takes normal/offset in the scene frame, not pose')
    pose = parse_pose(entry.get('pose'), f'{where}.pose')
    return Obstacle(name, parse_shape(entry, where), pose)


def parse_object(entry: Mapping, where: str) -> TrackedObject:
    """Parse one entry of ``objects``."""
    _check_keys(entry, {'name', 'type', 'pose', 'keypoints'} | _shape_keys(
        entry.get('type') if isinstance(entry, Mapping) else None), where)
    name = entry.get('name')
    if not isinstance(name, str) or not name:
        raise SceneError(f'{where}.name: expected a non-empty string, got {name!r}')
    where = f'{where} ({name})'
    keypoints = entry.get('keypoints', {}) or {}
    if not isinstance(keypoints, Mapping):
        raise SceneError(f'{where}.keypoints: expected a mapping name -> [x, y, z]')
    parsed_keypoints = {str(key): _vector(value, f'{where}.keypoints.{key}', 3)
                        for key, value in keypoints.items()}
    return TrackedObject(name, parse_shape(entry, where, OBJECT_SHAPE_TYPES),
                         parse_pose(entry.get('pose'), f'{where}.pose'), parsed_keypoints)


def _unique(names: Sequence[str], what: str):
    seen = set()
    for name in names:
        if name in seen:
            raise SceneError(f'duplicate {what} name {name!r}')
        seen.add(name)


def scene_from_dict(data: Mapping, source: str = 'scene') -> Scene:
    """Build a Scene from parsed YAML; ``source`` names the file in error messages."""
    if data is None:
        data = {}
    _check_keys(data, {'frame', 'version', 'obstacles', 'objects'}, source)
    frame = data.get('frame', 'world')
    if not isinstance(frame, str) or not frame:
        raise SceneError(f'{source}.frame: expected a non-empty string, got {frame!r}')
    version = data.get('version', 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise SceneError(f'{source}.version: expected an integer >= 0, got {version!r}')
    obstacle_entries = data.get('obstacles', []) or []
    object_entries = data.get('objects', []) or []
    for key, entries in (('obstacles', obstacle_entries), ('objects', object_entries)):
        if not isinstance(entries, list):
            raise SceneError(f'{source}.{key}: expected a list, got {entries!r}')
    obstacles = tuple(parse_obstacle(entry, f'{source}.obstacles[{index}]')
                      for index, entry in enumerate(obstacle_entries))
    objects = tuple(parse_object(entry, f'{source}.objects[{index}]')
                    for index, entry in enumerate(object_entries))
    _unique([item.name for item in obstacles + objects], 'obstacle/object')
    return Scene(frame, version, obstacles, objects)


def load_scene_yaml(path) -> Scene:
    """Read and validate a scene YAML file."""
    path = pathlib.Path(path)
    try:
        text = path.read_text(encoding='utf-8')
    except OSError as error:
        raise SceneError(f'cannot read scene file {path}: {error}') from error
    return scene_from_yaml_text(text, str(path))


def scene_from_yaml_text(text: str, source: str = 'scene') -> Scene:
    """Parse and validate a scene given as YAML text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SceneError(f'{source}: not valid YAML: {error}') from error
    return scene_from_dict(data, source)
