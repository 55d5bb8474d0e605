# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Scene obstacles as batched torch tensors, and capsule<->obstacle signed distances.

``ObstacleTensors.from_scenes`` takes one ``Scene`` (shared by the whole batch) or a list of B
scenes with the same obstacles in the same order (poses and sizes may differ per sample, e.g.
randomised episodes). Tensors have a leading scene dimension S (1 or B). Supported: half-space,
sphere, capsule, box, cylinder; a mesh obstacle is replaced by its oriented bounding box
(trimesh), which encloses it (conservative). Frame: the scene frame; units: m.
"""

from dataclasses import dataclass
from typing import List, Optional, Sequence, Union

import numpy as np
from pact_constraints.core import torch_geometry as geometry
from pact_constraints.core.mesh_assets import load_mesh
from pact_world.core.scene import Scene, SceneError
import torch

_TYPES = ('half_space', 'sphere', 'capsule', 'box', 'cylinder')


def _obstacle_entries(scene: Scene, include_objects: bool, package_dirs, base_dir):
    """Return (name, type, rotation 3x3, translation 3, parameters dict) per obstacle."""
    items = list(scene.obstacles) + (list(scene.objects) if include_objects else [])
    entries = []
    for item in items:
        shape, pose = item.shape, item.pose
        rotation, translation = pose.rotation, pose.position
        if shape.type == 'mesh':
            try:
                mesh = load_mesh(shape.uri, shape.scale, package_dirs, base_dir)
                box = mesh.bounding_box_oriented
                local = np.asarray(box.primitive.transform)
            except Exception as error:  # noqa: B902 — unreadable or degenerate hostile mesh
                raise SceneError(f'mesh {shape.uri!r}: {error}') from error
            rotation = rotation @ local[:3, :3]
            translation = pose.position + pose.rotation @ local[:3, 3]
            entries.append((item.name, 'box', rotation, translation,
                            {'half': np.asarray(box.primitive.extents) / 2}))
            continue
        parameters = {
            'half_space': lambda s: {'normal': np.asarray(s.normal), 'offset': s.offset},
            'sphere': lambda s: {'radius': s.radius},
            'capsule': lambda s: {'radius': s.radius, 'half_length': s.length / 2},
            'box': lambda s: {'half': np.asarray(s.size) / 2},
            'cylinder': lambda s: {'radius': s.radius, 'half_length': s.length / 2},
        }[shape.type](shape)
        entries.append((item.name, shape.type, rotation, translation, parameters))
    return entries


@dataclass
class ObstacleTensors:
    """Per type, stacked obstacle parameters with a leading scene dimension S (1 or B)."""

    names: List[str]
    tensors: dict

    @classmethod
    def from_scenes(cls, scenes: Union[Scene, Sequence[Scene]], include_objects: bool = False,
                    package_dirs=None, base_dir=None, device='cpu', dtype=torch.float32
                    ) -> 'ObstacleTensors':
        """Stack the obstacles of one scene or of B structurally identical scenes."""
        scenes = [scenes] if isinstance(scenes, Scene) else list(scenes)
        if not scenes:
            raise SceneError('no scene given')
        per_scene = [_obstacle_entries(s, include_objects, package_dirs, base_dir)
                     for s in scenes]
        layout = [(name, kind) for name, kind, *_ in per_scene[0]]
        for index, entries in enumerate(per_scene[1:], start=1):
            if [(name, kind) for name, kind, *_ in entries] != layout:
                raise SceneError(f'scene {index} has other obstacles than scene 0 '
                                 f'(batched scenes must list the same obstacles in order)')
        names, tensors = [], {}
        for kind in _TYPES:
            columns = [i for i, (_, k) in enumerate(layout) if k == kind]
            names += [layout[i][0] for i in columns]
            if not columns:
                continue

            def stack(getter, columns=columns):
                values = [[getter(entries[i]) for i in columns] for entries in per_scene]
                return torch.as_tensor(np.array(values, dtype=float), dtype=dtype,
                                       device=device)
            keys = per_scene[0][columns[0]][4]
            tensors[kind] = {'rotation': stack(lambda e: e[2]),
                             'translation': stack(lambda e: e[3])}
            tensors[kind].update({key: stack(lambda e, key=key: e[4][key]) for key in keys})
        return cls(names, tensors)

    @property
    def scene_count(self) -> int:
        """Return S, the number of scenes stacked (1 = shared by the whole batch)."""
        return next(iter(self.tensors.values()))['translation'].shape[0] if self.tensors else 1

    @property
    def device(self) -> torch.device:
        """Return the device the obstacle tensors live on."""
        return next(iter(self.tensors.values()))['translation'].device if self.tensors else \
            torch.device('cpu')

    def point_distances(self, points: torch.Tensor, scene: torch.Tensor,
                        column: Optional[torch.Tensor] = None) -> Optional[torch.Tensor]:
        """
        Return signed distances (m) of points (K, M, 3) to obstacles, in closed form.

        ``scene`` (K,): the scene of each row. Without ``column``: (K, M, O), every obstacle in
        ``names`` order. With ``column`` (K,): (K, M), each row's points to its own obstacle.
        None when there is no obstacle.
        """
        if not self.names:
            return None
        if column is None:
            parts = [_point_distance(kind, {key: value[scene][:, None]
                                            for key, value in t.items()}, points[:, :, None])
                     for kind, t in self._kinds()]
            return torch.cat(parts, dim=-1)
        out = points.new_zeros(points.shape[:-1])
        first = 0
        for kind, t in self._kinds():
            count = t['translation'].shape[1]
            rows = ((column >= first) & (column < first + count)).nonzero().squeeze(-1)
            if len(rows):
                chosen = {key: value[scene[rows], column[rows] - first][:, None]
                          for key, value in t.items()}
                out = out.index_put((rows,), _point_distance(kind, chosen, points[rows]))
            first += count
        return out

    def _kinds(self):
        """Yield (kind, tensors) in column order."""
        for kind in _TYPES:
            if kind in self.tensors:
                yield kind, self.tensors[kind]

    def capsule_distances(self, a: torch.Tensor, b: torch.Tensor, radius: torch.Tensor,
                          beyond: Optional[float] = None) -> Optional[torch.Tensor]:
        """
        Return signed distances (S', H, C, O) from robot capsules to every obstacle.

        ``a``, ``b``: capsule end points (B, H, C, 3) in the scene frame; ``radius``: (C,).
        Obstacles broadcast over B when S == 1. Column order is ``names``.

        ``beyond`` (m, optional): the caller only needs distances up to ``beyond`` exactly. A
        capsule-box or capsule-cylinder pair whose distance provably exceeds it (by 1 µm) then
        gets a lower bound of its distance (still above ``beyond``, without gradient) instead of
        the exact distance, which is the expensive part of a cost call (``_solid_distance``).
        A penalty of ``margin − distance`` with ``beyond = margin`` is then unchanged, value and
        gradient: it is exactly 0 for those pairs either way.
        """
        columns = []
        a5, b5 = a[:, :, :, None, :], b[:, :, :, None, :]
        for kind, t in self._kinds():
            rotation = t['rotation'][:, None, None]          # S, 1, 1, O, 3, 3
            translation = t['translation'][:, None, None]    # S, 1, 1, O, 3
            if kind == 'half_space':
                normal = t['normal'][:, None, None]
                offset = t['offset'][:, None, None]
                heights = torch.minimum((a5 * normal).sum(-1), (b5 * normal).sum(-1))
                distance = heights - offset
            elif kind == 'sphere':
                distance = geometry.segment_point_distance(a5, b5, translation) - \
                    t['radius'][:, None, None]
            elif kind == 'capsule':
                axis = rotation[..., :, 2] * t['half_length'][:, None, None, :, None]
                distance = geometry.segment_segment_distance(
                    a5, b5, translation - axis, translation + axis) - \
                    t['radius'][:, None, None]
            else:
                cutoff = None if beyond is None else beyond + radius[:, None]
                distance = _solid_distance(kind, t, a5, b5, rotation, translation, cutoff)
            columns.append(distance - radius[:, None])
        if not columns:
            return None
        return torch.cat(columns, dim=-1)


def _point_distance(kind: str, t: dict, points: torch.Tensor) -> torch.Tensor:
    """Return the signed distance (m) of scene-frame points to one obstacle kind (broadcast)."""
    if kind == 'half_space':
        return (points * t['normal']).sum(-1) - t['offset']
    if kind == 'sphere':
        centre = t['translation']
        return geometry.segment_point_distance(centre, centre, points) - t['radius']
    if kind == 'capsule':
        axis = t['rotation'][..., :, 2] * t['half_length'][..., None]
        return geometry.segment_point_distance(t['translation'] - axis, t['translation'] + axis,
                                               points) - t['radius']
    local = _to_local(points, t['rotation'], t['translation'])
    if kind == 'box':
        return geometry.box_signed_distance(local, t['half'])
    return geometry.cylinder_signed_distance(local, t['radius'], t['half_length'])


def _to_local(point: torch.Tensor, rotation: torch.Tensor, translation: torch.Tensor):
    """Return scene-frame points expressed in the obstacles' frames."""
    return torch.einsum('...j,...jk->...k', point - translation, rotation)


def _solid_distance(kind: str, parameters: dict, a, b, rotation, translation,
                    cutoff: Optional[torch.Tensor] = None) -> torch.Tensor:
    """
    Return the min signed distance (m) of scene-frame segments a-b to boxes or cylinders.

    On accelerators computed in float64 whatever the input dtype (gradients flow back through
    the casts): in penetration the deepest point sits on a kink of the signed distance, and
    float64 brings a float32 caller's clearance gradient there from 1.5e-4 to 2e-7 of the
    float64 one, for little time on a launch-bound GPU. On the CPU, where it costs a third of
    the cost call's throughput, the input dtype is kept (package README).

    ``cutoff`` (m, broadcastable to the result; CPU only): segments whose distance provably
    exceeds it get the lower bound ``sd(midpoint) − half the segment's length`` (the signed
    distance is 1-Lipschitz) without gradient, and only the others are solved exactly.
    """
    wide = torch.float64 if a.device.type != 'cpu' else a.dtype
    a_local = _to_local(a.to(wide), rotation.to(wide), translation.to(wide))
    b_local = _to_local(b.to(wide), rotation.to(wide), translation.to(wide))
    if kind == 'box':
        size = (parameters['half'][:, None, None].to(wide),)
        exact, point_distance = geometry.segment_box_signed_distance, geometry.box_signed_distance
    else:
        size = (parameters['radius'][:, None, None].to(wide),
                parameters['half_length'][:, None, None].to(wide))
        exact = geometry.segment_cylinder_signed_distance
        point_distance = geometry.cylinder_signed_distance
    if cutoff is None or a.device.type != 'cpu':     # fixed shapes: no read-back on devices
        return exact(a_local, b_local, *size).to(a.dtype)
    return _near_pairs_exactly(a_local, b_local, size, cutoff, exact,
                               point_distance).to(a.dtype)


# A pair is skipped only when its lower bound exceeds the cutoff by this much (m), so that
# rounding in the exact solver (float32: ~1e-7 m) cannot bring a skipped pair under the cutoff.
_SKIP_SLACK = 1e-6


def _near_pairs_exactly(a_local, b_local, size, cutoff, exact, point_distance) -> torch.Tensor:
    """Return exact distances where a pair may lie within ``cutoff``, lower bounds elsewhere."""
    shape = torch.broadcast_shapes(a_local.shape, b_local.shape)          # (..., 3)
    a_local, b_local = a_local.expand(shape), b_local.expand(shape)
    # Box half extents carry the coordinate axis (..., 3); cylinder sizes do not (...).
    sizes = [value.expand(shape if value.dim() == len(shape) else shape[:-1]) for value in size]
    with torch.no_grad():
        middle = 0.5 * (a_local + b_local)
        reach = 0.5 * (b_local - a_local).norm(dim=-1)
        bound = point_distance(middle, *sizes) - reach
        near = (bound <= cutoff + _SKIP_SLACK).reshape(-1).nonzero().squeeze(-1)
    rows = [tensor.reshape(-1, 3)[near] for tensor in (a_local, b_local)]
    rows += [value.reshape((-1, 3) if value.dim() == len(shape) else (-1,))[near]
             for value in sizes]
    return bound.reshape(-1).index_put((near,), exact(*rows)).reshape(bound.shape)
