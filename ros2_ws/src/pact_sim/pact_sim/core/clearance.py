# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Exact signed distances between MuJoCo geoms, for the judge's minimum clearance.

Geometry comes from MuJoCo's compiled model (box/sphere/capsule/cylinder sizes, the convex hull
of each mesh's vertices as MuJoCo uses it for contact, planes) and poses from ``MjData``; the
distance itself is computed by coal's GJK/EPA. Why not ``mj_geomDistance``: in MuJoCo 3.3.7 it
returns 0 for some separated mesh-box pairs (native CCD), approximate values on the libccd path,
and half the separation for box-box pairs. This module does not use pact_constraints.
"""

from typing import Optional

import coal
import mujoco
import numpy as np


def geom_to_coal(model: mujoco.MjModel, geom: int) -> Optional[coal.CollisionGeometry]:
    """Return the coal shape of MuJoCo geom ``geom`` in its own frame (None if unsupported)."""
    kind, size = model.geom_type[geom], model.geom_size[geom]
    if kind == mujoco.mjtGeom.mjGEOM_BOX:
        return coal.Box(*(2.0 * size))
    if kind == mujoco.mjtGeom.mjGEOM_SPHERE:
        return coal.Sphere(float(size[0]))
    if kind == mujoco.mjtGeom.mjGEOM_CAPSULE:
        return coal.Capsule(float(size[0]), float(2.0 * size[1]))
    if kind == mujoco.mjtGeom.mjGEOM_CYLINDER:
        return coal.Cylinder(float(size[0]), float(2.0 * size[1]))
    if kind == mujoco.mjtGeom.mjGEOM_MESH:
        mesh = model.geom_dataid[geom]
        start, count = model.mesh_vertadr[mesh], model.mesh_vertnum[mesh]
        points = coal.StdVec_Vec3s()
        for vertex in model.mesh_vert[start:start + count].astype(float):
            points.append(vertex)
        return coal.Convex.convexHull(points, False, None)
    if kind == mujoco.mjtGeom.mjGEOM_PLANE:
        return coal.Halfspace(np.array([0.0, 0.0, 1.0]), 0.0)
    return None


class GeomDistance:
    """Signed distances (m, negative = penetration) between geoms of one ``MjModel``."""

    def __init__(self, model: mujoco.MjModel, geoms):
        """Convert ``geoms`` (ids) to coal shapes once."""
        self.shapes = {int(g): geom_to_coal(model, int(g)) for g in geoms}
        self.request = coal.DistanceRequest()
        self.result = coal.DistanceResult()

    def supported(self, geom: int) -> bool:
        """Return True when ``geom`` has a coal shape."""
        return self.shapes.get(int(geom)) is not None

    def distance(self, data: mujoco.MjData, first: int, second: int) -> float:
        """Return the signed separation (m) of two geoms in the state of ``data``."""
        self.result.clear()
        return float(coal.distance(
            self.shapes[first], _transform(data, first),
            self.shapes[second], _transform(data, second), self.request, self.result))


def _transform(data: mujoco.MjData, geom: int) -> coal.Transform3s:
    return coal.Transform3s(data.geom_xmat[geom].reshape(3, 3), data.geom_xpos[geom])
