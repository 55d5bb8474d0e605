# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Point clouds of robot collision geometry and the capsules/spheres fitted around them.

Everything here works in the frame of the link's parent *joint* (Pinocchio's ``oMi`` frame):
vertices of every collision geometry of a link are gathered there, and the fitted capsule is
expressed there too, so a capsule's world pose is simply ``oMi[joint] * placement``.

Fitting (``fit_enclosing_capsule``): the axis is the principal direction of the vertices, the
axis line passes through the centre of a near-minimal circle enclosing the vertices projected
on the plane normal to it, the radius is the largest vertex distance to that line and the end
points are pulled in as far as the hemispherical caps allow. Every vertex lies inside the
capsule (tested), so a single fitted capsule encloses the convex hull of the link's collision
geometry: capsule distances are conservative (never larger than the exact ones).
"""

from dataclasses import dataclass
from typing import Optional

import coal
import numpy as np
from scipy.optimize import minimize
import trimesh

_CYLINDER_SEGMENTS = 24


@dataclass(frozen=True)
class Capsule:
    """
    Segment ``a``–``b`` (m, parent-joint frame) swept by a sphere of ``radius`` (m).

    ``a == b`` makes it a sphere.
    """

    a: np.ndarray
    b: np.ndarray
    radius: float

    @property
    def length(self) -> float:
        """Distance between the two cap centres (m)."""
        return float(np.linalg.norm(self.b - self.a))

    def contains(self, points: np.ndarray, tolerance: float = 1e-9) -> np.ndarray:
        """Return, per point (N x 3, m), whether it lies inside the capsule."""
        return segment_point_distance(self.a, self.b, points) <= self.radius + tolerance


def segment_point_distance(a: np.ndarray, b: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Return the distances (m) from points (N x 3) to the segment a–b."""
    axis = b - a
    length_sq = float(axis @ axis)
    points = np.atleast_2d(points)
    if length_sq < 1e-18:
        return np.linalg.norm(points - a, axis=1)
    t = np.clip((points - a) @ axis / length_sq, 0.0, 1.0)
    return np.linalg.norm(points - (a + t[:, None] * axis), axis=1)


def geometry_vertices(geometry, mesh_path: str = '', mesh_scale=None) -> np.ndarray:
    """
    Return vertices (N x 3, m, geometry frame) that span a collision geometry's convex hull.

    Meshes are read from ``mesh_path`` (scaled); boxes give their corners, cylinders and
    capsules sampled rims (their hull differs from the true shape by < 1 % of the radius),
    spheres six extreme points plus the exact radius handled by the caller.
    """
    if isinstance(geometry, coal.Box):
        half = np.asarray(geometry.halfSide, dtype=float)
        signs = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)])
        return signs * half
    if isinstance(geometry, coal.Sphere):
        return np.vstack([np.eye(3), -np.eye(3)]) * geometry.radius
    if isinstance(geometry, (coal.Cylinder, coal.Capsule)):
        angles = np.linspace(0.0, 2 * np.pi, _CYLINDER_SEGMENTS, endpoint=False)
        # Circumscribe the polygon so the sampled hull encloses the round rim.
        radius = geometry.radius / np.cos(np.pi / _CYLINDER_SEGMENTS)
        ring = np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
        half = geometry.halfLength
        if isinstance(geometry, coal.Capsule):
            half = half + geometry.radius
        return np.vstack([np.column_stack([ring, np.full(len(ring), z)]) for z in (-half, half)])
    if mesh_path:
        mesh = trimesh.load(mesh_path, force='mesh')
        scale = np.ones(3) if mesh_scale is None else np.asarray(mesh_scale, dtype=float)
        return np.asarray(mesh.convex_hull.vertices, dtype=float) * scale
    raise ValueError(f'cannot take vertices of collision geometry {type(geometry).__name__}')


def convex_hull_geometry(vertices: np.ndarray) -> coal.ConvexBase:
    """Return a coal convex polytope of the hull of ``vertices`` (N x 3, m)."""
    hull = trimesh.convex.convex_hull(np.asarray(vertices, dtype=float))
    points = np.asarray(hull.vertices, dtype=float)
    vertex_list = coal.StdVec_Vec3s()
    for point in points:
        vertex_list.append(point)
    triangle_list = coal.StdVec_Triangle()
    for face in hull.faces:
        triangle_list.append(coal.Triangle(int(face[0]), int(face[1]), int(face[2])))
    return coal.Convex(vertex_list, triangle_list)


def hull_surface_points(vertices: np.ndarray, spacing: float) -> np.ndarray:
    """
    Return points (N x 3, m) on the surface of the convex hull of ``vertices``.

    Every hull face is bisected at the midpoint of its longest edge until no edge is longer
    than ``spacing``; the corners of the pieces are returned (each once). No surface point is
    then farther than ``spacing / sqrt(3)`` from a returned one (the farthest point of a
    triangle from its corners is its circumcentre or its longest edge's midpoint). Bisecting
    (rather than a uniform grid per face) keeps long thin faces from getting dense grids.
    """
    if not spacing > 0:
        raise ValueError(f'hull point spacing must be > 0 m, got {spacing}')
    hull = trimesh.convex.convex_hull(np.asarray(vertices, dtype=float))
    corners = np.asarray(hull.vertices, dtype=float)
    points = [corners]
    pending = [tuple(corners[face]) for face in np.asarray(hull.faces)]
    while pending:
        triangle = pending.pop()
        lengths = [np.linalg.norm(triangle[(k + 1) % 3] - triangle[k]) for k in range(3)]
        longest = int(np.argmax(lengths))
        if lengths[longest] <= spacing:
            continue
        first, second, other = (triangle[longest], triangle[(longest + 1) % 3],
                                triangle[(longest + 2) % 3])
        middle = 0.5 * (first + second)
        points.append(middle[None])
        pending += [(first, middle, other), (middle, second, other)]
    stacked = np.vstack(points)
    _, unique = np.unique(np.round(stacked / 1e-9), axis=0, return_index=True)
    return stacked[np.sort(unique)]


def cluster_points(points: np.ndarray, size: int) -> list:
    """
    Return index arrays that split ``points`` (N x 3) into clusters of at most ``size``.

    Each split halves a cluster at the median of its widest coordinate, so clusters are
    compact (small bounding spheres) and the split is deterministic.
    """
    if size < 1:
        raise ValueError(f'cluster size must be >= 1, got {size}')
    pending, clusters = [np.arange(len(points))], []
    while pending:
        indices = pending.pop()
        if len(indices) <= size:
            clusters.append(indices)
            continue
        chosen = points[indices]
        axis = int(np.argmax(chosen.max(axis=0) - chosen.min(axis=0)))
        order = indices[np.argsort(chosen[:, axis], kind='stable')]
        half = len(order) // 2
        pending += [order[half:], order[:half]]
    return clusters


def _enclosing_circle_centre(planar: np.ndarray) -> np.ndarray:
    """Return the centre of a near-minimal circle enclosing 2-D points (N x 2)."""
    start = 0.5 * (planar.min(axis=0) + planar.max(axis=0))

    def radius(centre):
        return float(np.max(np.linalg.norm(planar - centre, axis=1)))
    found = minimize(radius, start, method='Nelder-Mead',
                     options={'xatol': 1e-7, 'fatol': 1e-9, 'maxiter': 400})
    return found.x if radius(found.x) <= radius(start) else start


def fit_enclosing_capsule(vertices: np.ndarray,
                          axis: Optional[np.ndarray] = None) -> Capsule:
    """
    Return a tight capsule containing every vertex (N x 3, m).

    ``axis`` fixes the capsule direction; by default the principal axis of the vertices.
    """
    points = np.asarray(vertices, dtype=float)
    centroid = points.mean(axis=0)
    if axis is None:
        _, _, right = np.linalg.svd(points - centroid, full_matrices=False)
        axis = right[0]
    axis = np.asarray(axis, dtype=float) / np.linalg.norm(axis)
    helper = np.eye(3)[int(np.argmin(np.abs(axis)))]
    u = np.cross(axis, helper)
    u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    relative = points - centroid
    planar = np.column_stack([relative @ u, relative @ v])
    centre_2d = _enclosing_circle_centre(planar)
    origin = centroid + centre_2d[0] * u + centre_2d[1] * v
    along = (points - origin) @ axis
    radial = np.linalg.norm(planar - centre_2d, axis=1)
    radius = float(radial.max()) * (1 + 1e-9) + 1e-12
    cap = np.sqrt(np.maximum(radius ** 2 - radial ** 2, 0.0))
    top = float(np.max(along - cap))
    bottom = float(np.min(along + cap))
    if top < bottom:  # the points fit in a sphere of this radius centred on the axis
        top = bottom = 0.5 * (top + bottom)
        radius = float(np.max(np.linalg.norm(points - (origin + top * axis), axis=1))) + 1e-12
    return Capsule(origin + bottom * axis, origin + top * axis, radius)


def fit_capsules(vertices: np.ndarray, count: int = 1) -> list:
    """
    Return ``count`` capsules covering the vertices (N x 3, m).

    With ``count > 1`` the vertices are cut into slabs of equal extent along the principal
    axis (overlapping by 10 %) and one capsule is fitted per slab; every vertex is inside one
    of them. ``count == 1`` encloses the convex hull exactly (see module docstring).
    """
    points = np.asarray(vertices, dtype=float)
    if count <= 1 or len(points) < 8:
        return [fit_enclosing_capsule(points)]
    centroid = points.mean(axis=0)
    _, _, right = np.linalg.svd(points - centroid, full_matrices=False)
    along = (points - centroid) @ right[0]
    edges = np.linspace(along.min(), along.max(), count + 1)
    overlap = 0.1 * (edges[1] - edges[0])
    capsules = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        chosen = points[(along >= low - overlap) & (along <= high + overlap)]
        if len(chosen) >= 2:
            capsules.append(fit_enclosing_capsule(chosen))
    return capsules


def capsule_geometry(capsule: Capsule):
    """Return the coal shape and its placement (4x4, parent-joint frame) for a capsule."""
    placement = np.eye(4)
    placement[:3, 3] = 0.5 * (capsule.a + capsule.b)
    if capsule.length < 1e-9:
        return coal.Sphere(capsule.radius), placement
    axis = (capsule.b - capsule.a) / capsule.length
    placement[:3, :3] = rotation_taking_z_to(axis)
    return coal.Capsule(capsule.radius, capsule.length), placement


def rotation_taking_z_to(direction: np.ndarray) -> np.ndarray:
    """Return a rotation matrix whose third column is the unit vector ``direction``."""
    z = np.asarray(direction, dtype=float) / np.linalg.norm(direction)
    helper = np.eye(3)[int(np.argmin(np.abs(z)))]
    x = np.cross(helper, z)
    x /= np.linalg.norm(x)
    return np.column_stack([x, np.cross(z, x), z])
