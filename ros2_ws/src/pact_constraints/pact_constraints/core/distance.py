# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Exact distances robot<->scene and robot<->robot with coal, with a bounding-sphere broad phase.

``DistanceQuery.measure`` places every robot collision body at the current joint positions
(Pinocchio FK), computes lower bounds of every pair distance from bounding spheres, and runs
coal's narrow phase on pairs in increasing lower-bound order: all pairs whose bound is below
``cutoff`` (these can carry a cost), and then on until the bound exceeds the smallest exact
distance found, so the reported minimum is exact. Signed distances are negative in
penetration. Witness points are in the root (scene) frame and the unit ``normal`` points from
the robot witness point towards the other body, so that distance = normal . (p_other - p_robot).
Robot bodies fixed to the root (e.g. the base link bolted to a table) are not checked against
the scene: their distance never changes and they usually touch their mount.

Before the per-pair bounds, a cull bounds every obstacle's distance to one sphere around the
whole moving robot; only obstacles that can come closer than the cutoff (or than the smallest
distance found so far) get per-pair bounds, so far obstacles cost one vector entry each.
"""

from dataclasses import dataclass
import math
from typing import List, Sequence

import coal
import numpy as np
from pact_constraints.core.robot_model import RobotGeometry, RobotModel
from pact_constraints.core.scene_geometry import SceneBody, to_coal_transform


@dataclass
class PairDistance:
    """
    Signed distance (m) between a robot body and another body (scene or robot).

    ``robot_body``/``other_body`` index ``DistanceQuery.robot_bodies`` and
    ``DistanceQuery.scene_bodies`` (or ``robot_bodies`` again for self pairs).
    """

    distance: float
    point_robot: np.ndarray
    point_other: np.ndarray
    normal: np.ndarray
    robot_body: int
    other_body: int
    robot_link: str
    other_name: str


class DistanceQuery:
    """Distance queries of one robot geometry mode against one scene (see module docstring)."""

    def __init__(self, robot: RobotModel, mode: str, scene: Sequence[SceneBody]):
        """Prepare coal functors for every robot<->scene and self-collision pair."""
        self.robot = robot
        self.mode = mode
        self.robot_bodies: List[RobotGeometry] = robot.geometries(mode)
        self.scene_bodies: List[SceneBody] = list(scene)
        self.self_pairs = np.array(robot.self_collision_pairs(mode), dtype=int).reshape(-1, 2)
        self._request = coal.DistanceRequest()
        self._request.enable_signed_distance = True
        self._request.gjk_tolerance = 1e-9
        self._result = coal.DistanceResult()
        self._scene_functors = [[coal.ComputeDistance(body.shape, other.shape)
                                 for other in self.scene_bodies] for body in self.robot_bodies]
        self._self_functors = [coal.ComputeDistance(self.robot_bodies[i].shape,
                                                    self.robot_bodies[j].shape)
                               for i, j in self.self_pairs]
        self._local_centres = np.array([b.centre for b in self.robot_bodies]).reshape(-1, 3)
        capsules = robot.link_capsules()
        self._capsule_a = np.array([capsules[b.link].a for b in self.robot_bodies]).reshape(-1, 3)
        self._capsule_b = np.array([capsules[b.link].b for b in self.robot_bodies]).reshape(-1, 3)
        self._capsule_radius = np.array([capsules[b.link].radius for b in self.robot_bodies])
        self._radii = np.array([b.radius for b in self.robot_bodies])
        self._joint_ids = np.array([b.joint_id for b in self.robot_bodies], dtype=int)
        self._scene_centres = np.array([b.centre for b in self.scene_bodies]).reshape(-1, 3)
        self._scene_radii = np.array([b.radius for b in self.scene_bodies])
        self._planes = [b.plane for b in self.scene_bodies]
        self._box_columns = [i for i, b in enumerate(self.scene_bodies) if b.shape_type == 'box']
        boxes = [self.scene_bodies[i] for i in self._box_columns]
        self._box_frames = (np.array([b.transform[:3, :3] for b in boxes]).reshape(-1, 3, 3),
                            np.array([b.transform[:3, 3] for b in boxes]).reshape(-1, 3),
                            np.array([np.asarray(b.shape.halfSide) for b in boxes]).reshape(-1, 3))
        self._placements = np.array([b.placement for b in self.robot_bodies])  # in joint frames
        self._coal_transforms: list = []

    def place(self, positions) -> np.ndarray:
        """Run FK at actuated ``positions``; return robot body transforms (N x 4 x 4, root)."""
        data = self.robot.forward(positions)
        joints = np.array([data.oMi[j].homogeneous for j in range(self.robot.model.njoints)])
        transforms = joints[self._joint_ids] @ self._placements
        self._coal_transforms = [to_coal_transform(t) for t in transforms]
        rotations = joints[self._joint_ids, :3, :3]
        origins = joints[self._joint_ids, :3, 3]
        self._world_centres = np.einsum('nij,nj->ni', rotations, self._local_centres) + origins
        self._world_a = np.einsum('nij,nj->ni', rotations, self._capsule_a) + origins
        self._world_b = np.einsum('nij,nj->ni', rotations, self._capsule_b) + origins
        return transforms

    def _narrow(self, functor, transform_a, transform_b):
        result = self._result
        result.clear()
        distance = functor(transform_a, transform_b, self._request, result)
        normal = np.array(result.normal)
        norm = math.sqrt(float(normal @ normal))
        normal = normal / norm if norm > 1e-12 else np.zeros(3)
        return (float(distance), np.array(result.getNearestPoint1()),
                np.array(result.getNearestPoint2()), normal)

    def robot_sphere_bounds(self) -> np.ndarray:
        """
        Return a lower bound (m) of each scene body's distance to the whole moving robot.

        The robot's moving capsules lie in one sphere (centre: mean of the capsule end points;
        radius: the farthest end point plus the largest capsule radius); each obstacle is
        bounded by its bounding sphere. Half-spaces get -inf (always examined).
        """
        moving = self._joint_ids != 0
        if not self.scene_bodies or not moving.any():
            return np.full(len(self.scene_bodies), -np.inf)
        ends = np.concatenate([self._world_a[moving], self._world_b[moving]])
        centre = ends.mean(axis=0)
        radius = (np.sqrt(((ends - centre) ** 2).sum(axis=1)).max()
                  + self._capsule_radius[moving].max())
        gaps = np.sqrt(((self._scene_centres - centre) ** 2).sum(axis=1))
        bounds = gaps - radius - self._scene_radii
        bounds[[plane is not None for plane in self._planes]] = -np.inf
        return bounds

    def scene_lower_bounds(self, columns=None) -> np.ndarray:
        """
        Return lower bounds (robot bodies x scene bodies, m) of the pair distances.

        Each robot body is bounded by its link's enclosing capsule, each obstacle by its
        bounding sphere (half-spaces exactly). ``columns``: only these scene bodies (indices),
        in that order; default all.
        """
        columns = (np.arange(len(self.scene_bodies)) if columns is None
                   else np.asarray(columns, dtype=int))
        if len(columns) == 0:
            return np.zeros((len(self.robot_bodies), 0))
        centres, radii = self._scene_centres[columns], self._scene_radii[columns]
        a, b = self._world_a[:, None, :], self._world_b[:, None, :]
        axis = b - a
        length_sq = np.maximum((axis * axis).sum(-1), 1e-18)
        t = np.clip(((centres[None] - a) * axis).sum(-1) / length_sq, 0.0, 1.0)
        closest = a + t[..., None] * axis
        gaps = np.linalg.norm(closest - centres[None], axis=2)
        bounds = gaps - self._capsule_radius[:, None] - radii[None]
        for local, column in enumerate(columns):
            plane = self._planes[column]
            if plane is not None:
                heights = np.minimum(self._world_a @ plane[0], self._world_b @ plane[0])
                bounds[:, local] = heights - plane[1] - self._capsule_radius
        box_position = {column: index for index, column in enumerate(self._box_columns)}
        boxes = [(local, box_position[column]) for local, column in enumerate(columns)
                 if column in box_position]
        if boxes:
            local, box = np.array(boxes, dtype=int).T
            bounds[:, local] = np.maximum(bounds[:, local], self._box_slab_bounds(box))
        bounds[self._joint_ids == 0] = np.inf
        return bounds

    def _box_slab_bounds(self, boxes=None) -> np.ndarray:
        """Return separating-axis lower bounds (bodies x boxes, m) along each box axis."""
        rotations, centres, halves = self._box_frames
        if boxes is not None:
            rotations, centres, halves = rotations[boxes], centres[boxes], halves[boxes]
        a = np.einsum('oji,noj->noi', rotations, self._world_a[:, None] - centres[None])
        b = np.einsum('oji,noj->noi', rotations, self._world_b[:, None] - centres[None])
        low, high = np.minimum(a, b), np.maximum(a, b)
        gaps = np.maximum(np.maximum(low - halves[None], -halves[None] - high), 0.0)
        return gaps.max(axis=2) - self._capsule_radius[:, None]

    def self_lower_bounds(self) -> np.ndarray:
        """Return lower bounds (one per self pair, m) of the self-collision distances."""
        if len(self.self_pairs) == 0:
            return np.zeros(0)
        first, second = self.self_pairs[:, 0], self.self_pairs[:, 1]
        gaps = np.linalg.norm(self._world_centres[first] - self._world_centres[second], axis=1)
        return gaps - self._radii[first] - self._radii[second]

    def scene_distances(self, cutoff: float) -> List[PairDistance]:
        """
        Return exact robot<->scene distances of every pair that may be closer than ``cutoff``.

        The pair with the smallest distance is always included (first in the list).
        Call ``place`` first.
        """
        coarse = self.robot_sphere_bounds()
        order = np.argsort(coarse, kind='stable')
        found: List[PairDistance] = []
        best, done = np.inf, 0
        self.examined_columns = 0
        while done < len(order):
            limit = max(cutoff, best) if found else cutoff
            end = done + int(np.searchsorted(coarse[order[done:]], limit))
            if end == done:
                if found:
                    break  # no other obstacle can come closer than the cutoff or the minimum
                end = done + 1  # none within the cutoff: the nearest one gives the minimum
            columns = order[done:end]
            done = end
            self.examined_columns += len(columns)
            best = self._narrow_columns(columns, cutoff, best, found)
        return _smallest_first(found)

    def _narrow_columns(self, columns, cutoff: float, best: float,
                        found: List[PairDistance]) -> float:
        """Run the narrow phase on ``columns``' pairs in bound order; return the new minimum."""
        bounds = self.scene_lower_bounds(columns)
        for flat in np.argsort(bounds, axis=None):
            body, local = np.unravel_index(flat, bounds.shape)
            if bounds[body, local] >= max(cutoff, best):
                break
            other = int(columns[local])
            distance, point_robot, point_other, normal = self._narrow(
                self._scene_functors[body][other], self._coal_transforms[body],
                self.scene_bodies[other].coal_transform)
            found.append(PairDistance(distance, point_robot, point_other, normal, int(body),
                                      other, self.robot_bodies[body].link,
                                      self.scene_bodies[other].name))
            best = min(best, distance)
        return best

    def self_distances(self, cutoff: float) -> List[PairDistance]:
        """Return exact self-collision distances of pairs that may be closer than ``cutoff``."""
        bounds = self.self_lower_bounds()
        found: List[PairDistance] = []
        best = np.inf
        for index in np.argsort(bounds):
            if bounds[index] >= max(cutoff, best):
                break
            first, second = self.self_pairs[index]
            distance, point_a, point_b, normal = self._narrow(
                self._self_functors[index], self._coal_transforms[first],
                self._coal_transforms[second])
            found.append(PairDistance(distance, point_a, point_b, normal, int(first),
                                      int(second), self.robot_bodies[first].link,
                                      self.robot_bodies[second].link))
            best = min(best, distance)
        return _smallest_first(found)


def _smallest_first(found: List[PairDistance]) -> List[PairDistance]:
    if not found:
        return found
    smallest = min(range(len(found)), key=lambda index: found[index].distance)
    return [found[smallest]] + found[:smallest] + found[smallest + 1:]
