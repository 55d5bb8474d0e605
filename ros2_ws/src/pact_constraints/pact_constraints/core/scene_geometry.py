# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Collision bodies of a ``Scene`` for coal: shape, world pose and bounding sphere per obstacle.

Poses are in the scene frame (= robot root frame). Half-spaces keep their plane (``normal``,
``offset``: solid where normal . p <= offset) for the broad phase. Mesh obstacles are read
with trimesh (``package://``, ``file://`` or paths relative to ``base_dir``) and become a
coal BVH (exact mode) or their convex hull (``convex_meshes=True``).
"""

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import coal
import numpy as np
from pact_constraints.core import link_geometry
from pact_constraints.core.mesh_assets import load_mesh
from pact_world.core.scene import Scene, SceneError, Shape


@dataclass(frozen=True)
class SceneBody:
    """
    One obstacle or tracked object ready for distance queries.

    ``transform``: 4x4 pose in the scene frame; ``centre``/``radius``: bounding sphere in the
    scene frame (radius inf for half-spaces); ``plane``: (normal, offset) for half-spaces.
    """

    name: str
    kind: str
    shape_type: str
    shape: object
    transform: np.ndarray
    coal_transform: object
    centre: np.ndarray
    radius: float
    plane: Optional[Tuple[np.ndarray, float]] = None


def bvh_from_mesh(vertices: np.ndarray, faces: np.ndarray) -> coal.BVHModelOBBRSS:
    """Return a coal BVH of a triangle mesh (vertices N x 3 in m, faces M x 3 indices)."""
    model = coal.BVHModelOBBRSS()
    model.beginModel(len(faces), len(vertices))
    model.addVertices(np.asarray(vertices, dtype=float))
    model.addTriangles(np.asarray(faces, dtype=np.int64))
    model.endModel()
    return model


def _mesh_geometry(shape: Shape, package_dirs, base_dir, convex_meshes: bool):
    mesh = load_mesh(shape.uri, shape.scale, package_dirs, base_dir)
    vertices = np.asarray(mesh.vertices, dtype=float)
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    centre = 0.5 * (low + high)
    radius = float(np.max(np.linalg.norm(vertices - centre, axis=1)))
    if convex_meshes:
        return link_geometry.convex_hull_geometry(vertices), centre, radius
    return bvh_from_mesh(vertices, np.asarray(mesh.faces)), centre, radius


def coal_shape(shape: Shape, package_dirs: Optional[Sequence] = None, base_dir=None,
               convex_meshes: bool = False):
    """Return (coal geometry, local bounding-sphere centre, radius) of a scene shape."""
    if shape.type == 'box':
        return coal.Box(*shape.size), np.zeros(3), shape.bounding_radius()
    if shape.type == 'sphere':
        return coal.Sphere(shape.radius), np.zeros(3), shape.radius
    if shape.type == 'cylinder':
        return coal.Cylinder(shape.radius, shape.length), np.zeros(3), shape.bounding_radius()
    if shape.type == 'capsule':
        return coal.Capsule(shape.radius, shape.length), np.zeros(3), shape.bounding_radius()
    if shape.type == 'half_space':
        return (coal.Halfspace(np.asarray(shape.normal, dtype=float), shape.offset),
                np.zeros(3), np.inf)
    if shape.type == 'mesh':
        try:
            return _mesh_geometry(shape, package_dirs, base_dir, convex_meshes)
        except (OSError, ValueError) as error:
            raise SceneError(f'mesh {shape.uri!r}: {error}') from error
        except Exception as error:  # noqa: B902 — coal/qhull on a degenerate hostile mesh
            raise SceneError(f'mesh {shape.uri!r}: unusable geometry '
                             f'({type(error).__name__}: {error})') from error
    raise SceneError(f'unsupported shape type {shape.type!r}')


def scene_bodies(scene: Scene, include_objects: bool = False,
                 package_dirs: Optional[Sequence] = None, base_dir=None,
                 convex_meshes: bool = False) -> List[SceneBody]:
    """Return the collision bodies of the scene's obstacles (and objects if asked)."""
    entries = [(item, 'obstacle') for item in scene.obstacles]
    if include_objects:
        entries += [(item, 'object') for item in scene.objects]
    bodies = []
    for item, kind in entries:
        shape, local_centre, radius = coal_shape(item.shape, package_dirs, base_dir,
                                                 convex_meshes)
        transform = np.eye(4) if item.shape.type == 'half_space' else item.pose.matrix()
        plane = None
        if item.shape.type == 'half_space':
            plane = (np.asarray(item.shape.normal, dtype=float), float(item.shape.offset))
        centre = transform[:3, :3] @ local_centre + transform[:3, 3]
        bodies.append(SceneBody(item.name, kind, item.shape.type, shape, transform,
                                to_coal_transform(transform), centre, radius, plane))
    return bodies


def to_coal_transform(transform: np.ndarray):
    """Return a coal ``Transform3s`` of a 4x4 homogeneous transform."""
    return coal.Transform3s(np.ascontiguousarray(transform[:3, :3]),
                            np.ascontiguousarray(transform[:3, 3]))
