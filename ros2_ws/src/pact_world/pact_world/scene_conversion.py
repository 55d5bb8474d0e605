# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Convert ``pact_msgs/Scene`` messages to and from the core ``Scene`` (node layer).

Messages are turned into the scene-YAML dictionary and validated by ``scene_from_dict``, so a
malformed message raises ``SceneError`` with the same wording as a malformed YAML file.

A scene message comes from any peer on the graph, so it is held to more than a scene file: at
most ``max_obstacles`` obstacles and objects, and mesh URIs either ``package://<pkg>/<file>``
(resolved inside the package) or an absolute path / ``file://`` URI under one of the folders
in ``mesh_dirs`` (none by default).
"""

import math
import pathlib
import urllib.parse

from geometry_msgs.msg import Point, Pose as PoseMsg
from pact_msgs.msg import Obstacle as ObstacleMsg, Scene as SceneMsg
from pact_msgs.msg import TrackedObject as TrackedObjectMsg
from pact_world.core.scene import (DEFAULT_MAX_OBSTACLES, Scene, scene_from_dict,
                                   SceneError)
from shape_msgs.msg import SolidPrimitive

_PRIMITIVE_NAMES = {SolidPrimitive.BOX: 'box', SolidPrimitive.SPHERE: 'sphere',
                    SolidPrimitive.CYLINDER: 'cylinder'}


def _pose_dict(pose: PoseMsg) -> dict:
    q = pose.orientation
    return {'position': [pose.position.x, pose.position.y, pose.position.z],
            'quaternion': [q.x, q.y, q.z, q.w]}


def _primitive_dict(primitive: SolidPrimitive, where: str) -> dict:
    kind = _PRIMITIVE_NAMES.get(primitive.type)
    if kind is None:
        raise SceneError(f'{where}: unsupported SolidPrimitive type {primitive.type} '
                         f'(BOX, SPHERE or CYLINDER)')
    dims = list(primitive.dimensions)
    needed = {'box': 3, 'sphere': 1, 'cylinder': 2}[kind]
    if len(dims) < needed:
        raise SceneError(f'{where}: a {kind} needs {needed} dimensions, got {dims}')
    if kind == 'box':
        return {'type': 'box', 'size': dims[:3]}
    if kind == 'sphere':
        return {'type': 'sphere', 'radius': dims[SolidPrimitive.SPHERE_RADIUS]}
    return {'type': 'cylinder', 'radius': dims[SolidPrimitive.CYLINDER_RADIUS],
            'length': dims[SolidPrimitive.CYLINDER_HEIGHT]}


def check_mesh_uri(uri: str, mesh_dirs, where: str):
    """Raise SceneError unless a peer's mesh URI is package:// or a file under ``mesh_dirs``."""
    if uri.startswith('package://'):
        rest = uri[len('package://'):]
        if '..' in pathlib.PurePosixPath(rest).parts:
            raise SceneError(f'{where}.mesh_uri: {uri!r} climbs out of its package ("..")')
        return
    path = pathlib.Path(urllib.parse.unquote(uri[len('file://'):]) if uri.startswith('file://')
                        else uri)
    resolved = path.resolve() if path.is_absolute() else None
    if resolved is None or not any(resolved.is_relative_to(pathlib.Path(folder).resolve())
                                   for folder in mesh_dirs if str(folder)):
        raise SceneError(f'{where}.mesh_uri: {uri!r} refused: a scene message may name meshes '
                         'by package:// URI or under the configured mesh_dirs only')


def _obstacle_dict(msg: ObstacleMsg, where: str, mesh_dirs=()) -> dict:
    entry = {'name': msg.name}
    if msg.shape == ObstacleMsg.SHAPE_PRIMITIVE:
        entry.update(_primitive_dict(msg.primitive, where))
    elif msg.shape == ObstacleMsg.SHAPE_CAPSULE:
        entry.update({'type': 'capsule', 'radius': msg.capsule_radius,
                      'length': msg.capsule_length})
    elif msg.shape == ObstacleMsg.SHAPE_HALF_SPACE:
        a, b, c, d = (float(v) for v in msg.plane.coef)
        norm = math.sqrt(a * a + b * b + c * c)
        if not norm > 1e-9:
            raise SceneError(f'{where}.plane: normal (a, b, c) must not be zero')
        return {'name': msg.name, 'type': 'half_space', 'normal': [a / norm, b / norm, c / norm],
                'offset': -d / norm}
    elif msg.shape == ObstacleMsg.SHAPE_MESH:
        scale = [msg.mesh_scale.x, msg.mesh_scale.y, msg.mesh_scale.z]
        check_mesh_uri(msg.mesh_uri, mesh_dirs, where)
        entry.update({'type': 'mesh', 'uri': msg.mesh_uri,
                      'scale': scale if any(scale) else [1.0, 1.0, 1.0]})
    else:
        raise SceneError(f'{where}.shape: unknown shape constant {msg.shape}')
    entry['pose'] = _pose_dict(msg.pose)
    return entry


def _object_dict(msg: TrackedObjectMsg, where: str) -> dict:
    if len(msg.keypoint_names) != len(msg.keypoints):
        raise SceneError(f'{where}: {len(msg.keypoint_names)} keypoint names but '
                         f'{len(msg.keypoints)} keypoints')
    entry = {'name': msg.name, 'pose': _pose_dict(msg.pose)}
    entry.update(_primitive_dict(msg.shape, where))
    entry['keypoints'] = {name: [p.x, p.y, p.z]
                          for name, p in zip(msg.keypoint_names, msg.keypoints, strict=True)}
    return entry


def scene_from_msg(msg: SceneMsg, mesh_dirs=(),
                   max_obstacles: int = DEFAULT_MAX_OBSTACLES) -> Scene:
    """
    Return the core Scene of a ``pact_msgs/Scene``; raise ``SceneError`` when malformed.

    ``mesh_dirs``: folders a mesh URI other than package:// may point into; ``max_obstacles``:
    the most obstacles + objects accepted (the work per evaluation grows with their number).
    """
    count = len(msg.obstacles) + len(msg.objects)
    if count > max_obstacles:
        raise SceneError(f'scene: {len(msg.obstacles)} obstacles + {len(msg.objects)} objects '
                         f'exceed the limit of {max_obstacles} (parameter max_obstacles)')
    data = {
        'frame': msg.header.frame_id or 'world',
        'version': int(msg.version),
        'obstacles': [_obstacle_dict(item, f'scene.obstacles[{index}] ({item.name})',
                                     mesh_dirs)
                      for index, item in enumerate(msg.obstacles)],
        'objects': [_object_dict(item, f'scene.objects[{index}] ({item.name})')
                    for index, item in enumerate(msg.objects)],
    }
    return scene_from_dict(data, 'scene message')


def _pose_msg(pose) -> PoseMsg:
    msg = PoseMsg()
    msg.position.x, msg.position.y, msg.position.z = (float(v) for v in pose.position)
    q = pose.quaternion_xyzw
    msg.orientation.x, msg.orientation.y, msg.orientation.z, msg.orientation.w = (
        float(v) for v in q)
    return msg


def _primitive_msg(shape) -> SolidPrimitive:
    primitive = SolidPrimitive()
    if shape.type == 'box':
        primitive.type, primitive.dimensions = SolidPrimitive.BOX, [float(v) for v in shape.size]
    elif shape.type == 'sphere':
        primitive.type, primitive.dimensions = SolidPrimitive.SPHERE, [float(shape.radius)]
    else:
        dims = [0.0, 0.0]
        dims[SolidPrimitive.CYLINDER_HEIGHT] = float(shape.length)
        dims[SolidPrimitive.CYLINDER_RADIUS] = float(shape.radius)
        primitive.type, primitive.dimensions = SolidPrimitive.CYLINDER, dims
    return primitive


def scene_to_msg(scene: Scene) -> SceneMsg:
    """Return a ``pact_msgs/Scene`` carrying a core Scene (header stamp left to the caller)."""
    msg = SceneMsg()
    msg.header.frame_id = scene.frame
    msg.version = int(scene.version)
    for obstacle in scene.obstacles:
        item = ObstacleMsg(name=obstacle.name)
        shape = obstacle.shape
        if shape.type in _PRIMITIVE_NAMES.values():
            item.shape, item.primitive = ObstacleMsg.SHAPE_PRIMITIVE, _primitive_msg(shape)
        elif shape.type == 'capsule':
            item.shape = ObstacleMsg.SHAPE_CAPSULE
            item.capsule_radius, item.capsule_length = float(shape.radius), float(shape.length)
        elif shape.type == 'half_space':
            item.shape = ObstacleMsg.SHAPE_HALF_SPACE
            item.plane.coef = [float(v) for v in shape.normal] + [-float(shape.offset)]
        else:
            item.shape, item.mesh_uri = ObstacleMsg.SHAPE_MESH, shape.uri
            item.mesh_scale.x, item.mesh_scale.y, item.mesh_scale.z = (
                float(v) for v in shape.scale)
        item.pose = _pose_msg(obstacle.pose)
        msg.obstacles.append(item)
    for tracked in scene.objects:
        item = TrackedObjectMsg(name=tracked.name, pose=_pose_msg(tracked.pose),
                                shape=_primitive_msg(tracked.shape))
        item.dimensions.x, item.dimensions.y, item.dimensions.z = (
            float(v) for v in tracked.dimensions)
        item.keypoint_names = list(tracked.keypoints)
        item.keypoints = [Point(x=float(p[0]), y=float(p[1]), z=float(p[2]))
                          for p in tracked.keypoints.values()]
        msg.objects.append(item)
    return msg
