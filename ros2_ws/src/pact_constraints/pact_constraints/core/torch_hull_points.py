# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Robot links as points on their convex hulls: batched clearance to scene obstacles in torch.

What the simulator (MuJoCo) collides is each link's convex hull; capsules fitted around a link
pad it by up to a few centimetres, and that padding charges clearance cost for motions that
touch nothing (``bench/alignment/CLEARANCE_GEOMETRY.md``). ``HullPointClearance`` gives the
torch costs the hulls instead (``geometry_mode: convex``): each moving link is a set of points
on its hull's surface (``link_geometry.hull_surface_points``, at most ``spacing`` apart), and a
link's distance to an obstacle is the smallest signed distance of its points to it
(closed form per obstacle type, ``ObstacleTensors.point_distances``). Being on the hull, the
points never report a distance smaller than the hull's; for separated bodies they exceed it by
at most ``spacing / sqrt(3)`` (tested against coal's GJK on the same hulls). In penetration the
value is the depth of the deepest hull point inside the obstacle. Gradients flow through the
selected point's distance (the envelope theorem: the exact gradient of the minimum where it is
unique).

Points are grouped in clusters of at most ``cluster_size`` with bounding spheres. A call with
``beyond`` (m) first measures every cluster's sphere against every obstacle (a lower bound of
its points' distances) and evaluates points only for (configuration, cluster, obstacle) triples
whose bound is within ``beyond``; the others keep their bound (> ``beyond``, no gradient). A
penalty of ``margin − distance`` with ``beyond = margin`` is unchanged by this, value and
gradient. The selection reads back to the host (fine on the CPU; on a GPU it synchronises).
Frames: scene frame (= robot root); units: m.
"""

from typing import Optional

import numpy as np
from pact_constraints.core import link_geometry
from pact_constraints.core.robot_model import RobotModel
from pact_constraints.core.torch_obstacles import ObstacleTensors
import torch

# 1.5 cm: surface points at most 8.7 mm from any hull point; 21 k on the Panda's moving links.
DEFAULT_SPACING = 0.015
DEFAULT_CLUSTER_SIZE = 32
# A triple is skipped only when its bound exceeds ``beyond`` by this much (m): rounding in the
# point distances (float32: ~1e-7 m) cannot bring a skipped triple under ``beyond``.
_SKIP_SLACK = 1e-6


class HullPointClearance:
    """Signed distances of every moving link's hull points to scene obstacles (see module)."""

    def __init__(self, robot: RobotModel, device='cpu', dtype=torch.float32,
                 spacing: float = DEFAULT_SPACING, cluster_size: int = DEFAULT_CLUSTER_SIZE):
        """Sample and cluster the hull points of every link that moves (joint id > 0)."""
        self.device, self.dtype = torch.device(device), dtype
        self.spacing = float(spacing)
        links, joints, points, link_of_cluster = [], [], [], []
        self.point_count = 0
        for link, (joint_id, vertices) in robot.link_vertices().items():
            if joint_id == 0:
                continue                       # the fixed base never changes its clearance
            surface = link_geometry.hull_surface_points(vertices, self.spacing)
            self.point_count += len(surface)
            for indices in link_geometry.cluster_points(surface, cluster_size):
                # Pad with the cluster's first point: a repeated point leaves the minimum as is.
                padded = np.concatenate([indices, np.full(cluster_size - len(indices),
                                                          indices[0])])
                points.append(surface[padded])
                joints.append(joint_id)
                link_of_cluster.append(len(links))
            links.append(link)
        self.links = links
        stacked = np.array(points)                                         # Ncl, M, 3
        centre = 0.5 * (stacked.min(axis=1) + stacked.max(axis=1))
        radius = np.linalg.norm(stacked - centre[:, None], axis=-1).max(axis=1)
        self.points = self._tensor(stacked)
        self.centre = self._tensor(centre)
        self.radius = self._tensor(radius)
        self.joint = torch.as_tensor(joints, device=self.device)
        self.link = torch.as_tensor(link_of_cluster, device=self.device)

    def _tensor(self, array) -> torch.Tensor:
        return torch.as_tensor(np.asarray(array, dtype=float), dtype=self.dtype,
                               device=self.device)

    def link_distances(self, rotations: torch.Tensor, translations: torch.Tensor,
                       obstacles: ObstacleTensors, samples: int,
                       beyond: Optional[float] = None) -> Optional[torch.Tensor]:
        """
        Return signed distances (N, L, O) of every moving link to every obstacle (m).

        ``rotations`` (N, J, 3, 3), ``translations`` (N, J, 3): joint poses of N configurations
        (``TorchKinematics.joint_poses``), ``samples`` consecutive ones per scene of
        ``obstacles`` when it holds one scene per sample (N = S * samples). Links are in
        ``links`` order, obstacles in ``obstacles.names`` order. ``beyond``: see the module
        docstring (None: every distance exact). None when there is no obstacle.
        """
        count = rotations.shape[0]
        scene = self._scene_index(obstacles, count, samples)
        joint_r = rotations[:, self.joint]                                  # N, Ncl, 3, 3
        joint_t = translations[:, self.joint]                               # N, Ncl, 3
        with torch.no_grad():
            centres = (joint_r @ self.centre[..., None])[..., 0] + joint_t
            bound = obstacles.point_distances(centres, scene)
            if bound is None:
                return None
            bound = bound - self.radius[:, None]                            # N, Ncl, O
            if beyond is None:
                near = torch.ones_like(bound, dtype=torch.bool)
            else:
                near = bound <= beyond + _SKIP_SLACK
            config, cluster, column = near.nonzero(as_tuple=True)
        links = len(self.links)
        obstacle_count = bound.shape[-1]
        target = (config * links + self.link[cluster]) * obstacle_count + column
        far = torch.where(near, torch.full_like(bound, float('inf')), bound)
        start = far.new_full((count * links * obstacle_count,), float('inf'))
        link_index = (torch.arange(count, device=self.device)[:, None] * links
                      + self.link[None]) * obstacle_count                   # N, Ncl
        start = start.scatter_reduce(
            0, (link_index[..., None] + torch.arange(obstacle_count, device=self.device)
                ).reshape(-1), far.reshape(-1), 'amin')
        points = (joint_r[config, cluster] @ self.points[cluster].transpose(-1, -2)
                  ).transpose(-1, -2) + joint_t[config, cluster][:, None]   # K, M, 3
        exact = obstacles.point_distances(points, scene[config], column).amin(-1)   # K
        distances = start.scatter_reduce(0, target, exact, 'amin')
        return distances.reshape(count, links, obstacle_count)

    @staticmethod
    def _scene_index(obstacles: ObstacleTensors, count: int, samples: int) -> torch.Tensor:
        """Return, per configuration, the index of its scene in ``obstacles`` (S = 1 or B)."""
        scenes = obstacles.scene_count
        device = obstacles.device
        if scenes == 1:
            return torch.zeros(count, dtype=torch.long, device=device)
        if scenes * samples != count:
            raise ValueError(f'{count} configurations do not split into {scenes} scenes of '
                             f'{samples} samples')
        return torch.arange(scenes, device=device).repeat_interleave(samples)
