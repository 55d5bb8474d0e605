# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Training path: batched, differentiable constraint costs of action chunks in torch.

This is the interface the trainer (PACT's implicit safe teacher) calls to get
∇_chunk Σ_k λ_k c_k(s, a) for a batch of denoised chunks â_0.

Usage::

    robot = load_robot_model(PANDA_URDF, PANDA_SRDF)
    costs = TorchConstraintCosts(robot, scene, default_config(),
                                 action_joints=[f'panda_joint{i}' for i in range(1, 8)]
                                 + ['panda_finger_joint1'], dt=0.1, device='cuda')
    chunks = a0_hat.requires_grad_()            # (B, H, D): absolute targets, rad / m
    out = costs(chunks, current_positions)       # current_positions: (B, D), same joints
    out.total.sum().backward()                   # chunks.grad: d total / d chunk
    out.costs['clearance']                       # (B,) per constraint, also in out.costs

Inputs (all torch tensors on any device; converted to the module's dtype/device):

- ``chunks`` (B, H, D): rows ``dt`` s apart, columns in ``action_joints`` order.
- ``current_positions`` (B, D): joint positions when the chunk starts (first velocity row).
- ``keypoints`` (B, K, 3), optional: object keypoints in the scene frame (m) for
  ``grasp_approach``; default: the scene objects' configured keypoint; ``keypoint_mask``
  (B, K) bool marks the valid ones.
- ``scenes``: at construction one ``Scene`` or B scenes with the same obstacles in order
  (per-sample poses); replace later with ``set_scenes``, or pass ``obstacles`` (an
  ``ObstacleTensors`` with S = 1 or B scenes) to one call, e.g. built once per rollout step
  and stored per sample by a trainer.
- ``margins`` (optional ``{name: d_k}``): overrides the configured margins for this call (a
  training curriculum tightens them stage by stage); unknown names raise ``ValueError``.

Output ``ChunkCosts``: ``costs[name]`` (B,) for each active constraint, ``total`` (B,) =
Σ_k weight_k c_k, and ``min_clearance`` (B,) (detached; +inf without obstacles).

The costs are the exact path's (``constraints.py``) with the robot as capsules (the
``capsule`` geometry mode, also used for ``exact``: ``capsules_per_link`` capsules per link
fitted around its collision geometry, enclosing it) or, with ``geometry_mode: convex``, as
points on each link's convex hull for clearance (``torch_hull_points``; self-collision keeps
capsules). Per chunk, position terms are summed over the H rows, velocity over rows and
joints, each element through the same hinge/smooth penalty. Agreement with
``ConstraintEvaluator`` in capsule mode is to 1e-5 (float64, separated bodies; tested);
against the mesh geometry capsules are conservative (distances smaller by at most the
capsule's padding, a few cm on the Panda). In penetration box/cylinder distances are the
depth of the deepest capsule-axis point (see ``torch_geometry``). Joints not in
``action_joints`` are held at ``held_positions`` (``set_held_positions`` changes them).
"""

from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Sequence, Union

import numpy as np
from pact_constraints.core import torch_geometry as geometry
from pact_constraints.core import torch_payload as payload_geometry
from pact_constraints.core.config import CONSTRAINT_NAMES, ConstraintConfig
from pact_constraints.core.penalty import torch_penalty
from pact_constraints.core.robot_model import RobotModel
from pact_constraints.core.torch_hull_points import HullPointClearance
from pact_constraints.core.torch_kinematics import TorchKinematics
from pact_constraints.core.torch_obstacles import ObstacleTensors
from pact_constraints.core.torch_payload import ObjectTensors
from pact_world.core.scene import Scene
import torch


@dataclass
class ChunkCosts:
    """Per-sample costs: ``costs[name]`` (B,), weighted ``total`` (B,), ``min_clearance`` (B,)."""

    costs: Dict[str, torch.Tensor]
    total: torch.Tensor
    min_clearance: torch.Tensor


class TorchConstraintCosts:
    """Batched differentiable constraint costs of action chunks (see module docstring)."""

    def __init__(self, robot: RobotModel, scenes: Union[Scene, Sequence[Scene]],
                 config: ConstraintConfig, action_joints: Optional[Sequence[str]] = None,
                 dt: float = 0.1, device='cpu', dtype=torch.float32,
                 held_positions=None, package_dirs=None, scene_dir=None,
                 exact_far_clearance: bool = True):
        """
        Copy kinematics, capsules, limits and obstacles to ``device``.

        ``exact_far_clearance=False`` (what training wants: costs and gradients only) skips the
        exact capsule-box/cylinder distance of pairs provably farther than the clearance margin:
        costs and gradients are unchanged (exactly 0 for those pairs either way), and
        ``min_clearance`` is exact where it is within the margin and a lower bound above it.
        The default keeps every distance exact (the live monitor publishes min_clearance).
        """
        if dt <= 0:
            raise ValueError(f'dt must be > 0, got {dt}')
        self.exact_far_clearance = bool(exact_far_clearance)
        self.robot, self.config, self.dt = robot, config, float(dt)
        self.device, self.dtype = torch.device(device), dtype
        self.action_joints = list(action_joints or robot.joint_names)
        self.columns = [robot.joint_index(name) for name in self.action_joints]
        self.column_index = torch.as_tensor(self.columns, device=self.device)
        self.kinematics = TorchKinematics(robot, self.device, dtype)
        bodies = robot.geometries('capsule')
        self.capsule_joint = torch.as_tensor([b.joint_id for b in bodies], device=self.device)
        self.capsule_a = self._tensor([b.capsule.a for b in bodies])
        self.capsule_b = self._tensor([b.capsule.b for b in bodies])
        self.capsule_radius = self._tensor([b.capsule.radius for b in bodies])
        self.moving = self.capsule_joint != 0
        # Index tensors on the device: a Python list or a boolean mask as an index would copy
        # to (or read back from) the device on every call, which makes the host wait for it.
        self.moving_index = self.moving.nonzero().squeeze(-1)
        self.moving_radius = self.capsule_radius[self.moving_index]
        self.hull_points = (HullPointClearance(robot, self.device, dtype)
                            if config.geometry_mode == 'convex' else None)
        pairs = np.array(robot.self_collision_pairs('capsule'), dtype=int).reshape(-1, 2)
        self.self_pairs = torch.as_tensor(pairs, device=self.device)
        self.lower, self.upper = self._tensor(robot.lower), self._tensor(robot.upper)
        self.velocity_bound = self._tensor(config.velocity_scale * robot.velocity_limit)
        span = robot.upper - robot.lower
        self.joint_margin_cap = self._tensor(0.25 * span)
        self.gripper_index, limited = robot.limited_joints(config.gripper_joint)
        self.limited = torch.as_tensor(limited, device=self.device)
        self.tool_frame = config.tool_frame or robot.default_tool_frame
        tool = robot.model.frames[robot.frame_id(self.tool_frame)]  # raises when unknown
        self.tool_parent_joint = tool.parentJoint
        self.tool_local_r = self._tensor(tool.placement.rotation)  # in the parent joint
        self.tool_local_t = self._tensor(tool.placement.translation)
        held = np.clip(np.zeros(len(robot.joint_names)), robot.lower, robot.upper) \
            if held_positions is None else np.asarray(held_positions, dtype=float)
        self.held = self._tensor(held)
        normals, offsets = config.workspace.faces()
        self.face_normals, self.face_offsets = self._tensor(normals), self._tensor(offsets)
        self._package_dirs, self._scene_dir = package_dirs, scene_dir
        self._support_masks = {}   # obstacle names -> (O,) support-surface mask
        self.set_scenes(scenes)

    def set_held_positions(self, positions):
        """Hold the joints not in ``action_joints`` at ``positions`` (every joint, rad / m)."""
        held = np.asarray(positions, dtype=float)
        if held.shape != (len(self.robot.joint_names),):
            raise ValueError(f'expected {len(self.robot.joint_names)} held positions '
                             f'({self.robot.joint_names}), got shape {held.shape}')
        self.held = self._tensor(held)

    def _tensor(self, array) -> torch.Tensor:
        return torch.as_tensor(np.asarray(array, dtype=float), dtype=self.dtype,
                               device=self.device)

    def set_scenes(self, scenes: Union[Scene, Sequence[Scene]]):
        """Replace the obstacles (one shared scene or B per-sample scenes) and keypoints."""
        self.obstacles = ObstacleTensors.from_scenes(
            scenes, self.config.include_objects_in_clearance, self._package_dirs,
            self._scene_dir, self.device, self.dtype)
        scene_list = [scenes] if isinstance(scenes, Scene) else list(scenes)
        per_scene = [scene.keypoints(self.config.grasp_approach.keypoint)
                     for scene in scene_list]
        count = max(len(points) for points in per_scene)
        padded = np.zeros((len(scene_list), count, 3))
        mask = np.zeros((len(scene_list), count), dtype=bool)
        for index, points in enumerate(per_scene):
            padded[index, :len(points)] = points
            mask[index, :len(points)] = True
        self.scene_keypoints = self._tensor(padded)
        self.scene_keypoint_mask = torch.as_tensor(mask, device=self.device)
        self.scene_objects = object_tensors(scene_list, self.config.grasp_approach.keypoint,
                                            self.device, self.dtype)

    def _penalty(self, name: str, violation: torch.Tensor) -> torch.Tensor:
        term = self.config.term(name)
        return torch_penalty(violation, term.penalty, term.smooth_width)

    def _margins(self, overrides: Optional[Mapping[str, float]]) -> Dict[str, float]:
        """Return d_k per constraint: the configured margins with ``overrides`` applied."""
        overrides = dict(overrides or {})
        unknown = sorted(set(overrides) - set(CONSTRAINT_NAMES))
        if unknown:
            raise ValueError(f'margins for unknown constraints {unknown} '
                             f'(known: {list(CONSTRAINT_NAMES)})')
        bad = {name: value for name, value in overrides.items() if not float(value) >= 0.0}
        if bad:
            raise ValueError(f'margins must be >= 0, got {bad}')
        return {name: float(overrides.get(name, self.config.term(name).margin))
                for name in CONSTRAINT_NAMES}

    def __call__(self, chunks: torch.Tensor, current_positions: torch.Tensor,
                 keypoints: Optional[torch.Tensor] = None,
                 keypoint_mask: Optional[torch.Tensor] = None,
                 margins: Optional[Mapping[str, float]] = None,
                 obstacles: Optional[ObstacleTensors] = None,
                 dt: Optional[float] = None,
                 objects: Optional[ObjectTensors] = None) -> ChunkCosts:
        """
        Return the costs of chunks (B, H, D), rows ``dt`` s apart (default: the built dt).

        ``objects``: the tracked objects that may be held (default: the scenes' objects with
        the grasp keypoint), for the held-payload part of clearance and for ``payload_drop``.
        """
        margin = self._margins(margins)
        row_dt = self.dt if dt is None else float(dt)
        if not row_dt > 0:
            raise ValueError(f'dt must be > 0, got {dt}')
        chunks = chunks.to(self.device, self.dtype)
        if chunks.dim() != 3 or chunks.shape[-1] != len(self.columns):
            raise ValueError(f'chunks must be (B, H, {len(self.columns)}), got '
                             f'{tuple(chunks.shape)}')
        batch, horizon, _ = chunks.shape
        current = current_positions.to(self.device, self.dtype).reshape(batch, -1)
        rows = self.held.expand(batch, horizon, -1).clone()
        rows[:, :, self.column_index] = chunks
        start = self.held.expand(batch, -1).clone()
        start[:, self.column_index] = current
        active = self.config.active
        costs: Dict[str, torch.Tensor] = {}
        min_clearance = torch.full((batch,), float('inf'), dtype=self.dtype, device=self.device)
        flat = rows.reshape(batch * horizon, -1)
        uses_payload = 'payload_drop' in active or (
            'clearance' in active and self.config.payload.held_in_clearance)
        needs_pose = {'clearance', 'self_collision', 'workspace', 'grasp_approach',
                      'payload_drop'} & set(active)
        if needs_pose:
            rotations, translations = self.kinematics.joint_poses(flat)
        capsule_clearance = 'clearance' in active and self.hull_points is None
        if capsule_clearance or 'self_collision' in active:
            a, b = self._capsules(rotations, translations, batch, horizon)
        if 'clearance' in active:
            obstacles_now = obstacles or self.obstacles
            if capsule_clearance:
                distances = self._capsule_clearance(a, b, margin['clearance'], obstacles_now)
            else:
                distances = self._hull_clearance(rotations, translations, batch, horizon,
                                                 margin['clearance'], obstacles_now)
            costs['clearance'], min_clearance = self._clearance(distances, batch,
                                                                margin['clearance'])
        if 'self_collision' in active:
            costs['self_collision'] = self._self_collision(a, b, margin['self_collision'])
        if 'joint_position' in active:
            below, above = rows - self.lower, self.upper - rows
            joint_margin = torch.clamp(self.joint_margin_cap, max=margin['joint_position'])
            cost = self._penalty('joint_position', joint_margin - torch.minimum(below, above))
            costs['joint_position'] = (cost * self.limited).sum((1, 2))
        if 'joint_velocity' in active:
            previous = torch.cat([start[:, None], rows[:, :-1]], dim=1)
            speed = ((rows - previous) / row_dt).abs()
            costs['joint_velocity'] = self._penalty(
                'joint_velocity', margin['joint_velocity'] - (self.velocity_bound - speed)
            ).sum((1, 2))
        if 'workspace' in active or 'grasp_approach' in active or uses_payload:
            tool_r, tool_t = self._tool_poses(rotations, translations, batch, horizon)
        if 'workspace' in active:
            costs['workspace'] = self._workspace(tool_t, margin['workspace'])
        if 'grasp_approach' in active:
            costs['grasp_approach'] = self._grasp(rows, tool_r, tool_t, keypoints, keypoint_mask,
                                                  margin['grasp_approach'])
        if uses_payload:
            payload_clearance = self._payload_terms(costs, rows, start, tool_r, tool_t,
                                                    obstacles or self.obstacles, objects, margin)
            if payload_clearance is not None:
                min_clearance = torch.minimum(min_clearance, payload_clearance)
        total = sum(self.config.term(name).weight * value for name, value in costs.items())
        if not costs:
            total = torch.zeros(batch, dtype=self.dtype, device=self.device)
        return ChunkCosts(costs, total, min_clearance)

    def _tool_poses(self, rotations, translations, batch, horizon):
        """Return the tool frame's rotation (B, H, 3, 3) and origin (B, H, 3)."""
        parent_r = rotations[:, self.tool_parent_joint]
        tool_r = (parent_r @ self.tool_local_r).reshape(batch, horizon, 3, 3)
        tool_t = (translations[:, self.tool_parent_joint]
                  + parent_r @ self.tool_local_t).reshape(batch, horizon, 3)
        return tool_r, tool_t

    def _gripper_closed(self, rows: torch.Tensor) -> torch.Tensor:
        """Return where the gripper is commanded closed (below its open fraction)."""
        low, high = self.lower[self.gripper_index], self.upper[self.gripper_index]
        threshold = low + self.config.grasp_approach.open_fraction * (high - low)
        return rows[..., self.gripper_index] < threshold

    def _payload_terms(self, costs, rows, start, tool_r, tool_t, obstacles, objects, margin):
        """
        Add the held payload to ``costs['clearance']``, fill ``costs['payload_drop']``.

        Return the payload's smallest clearance (B,) (detached) when it is part of clearance.
        """
        batch = rows.shape[0]
        if self.gripper_index is None:   # nothing can be held
            if 'payload_drop' in self.config.active:
                costs['payload_drop'] = torch.zeros(batch, dtype=self.dtype, device=self.device)
            return None
        start_r, start_t = self._tool_poses(*self.kinematics.joint_poses(start), batch, 1)
        candidates = self._objects(objects, batch)
        payload = payload_geometry.held_payload(
            start_r[:, 0], start_t[:, 0], self._gripper_closed(start), candidates,
            self.config.payload.hold_radius)
        closed = self._gripper_closed(rows)
        holding = payload_geometry.held_rows(closed, payload.held).to(self.dtype)
        rotation, position = payload_geometry.payload_poses(tool_r, tool_t, payload)
        support = self._support_columns(obstacles)
        payload_clearance = None
        if 'clearance' in costs and self.config.payload.held_in_clearance:
            a, b, radius = payload_geometry.payload_capsule(rotation, position,
                                                            payload.half_extents)
            distances = obstacles.capsule_distances(
                a[:, :, None], b[:, :, None], torch.zeros(1, dtype=self.dtype,
                                                          device=self.device))
            if distances is not None:
                distances = distances[..., 0, :] - radius[:, None, None]    # B, H, O
                keep = holding[..., None] * (~support).to(self.dtype)
                cost = self._penalty('clearance', margin['clearance'] - distances) * keep
                costs['clearance'] = costs['clearance'] + cost.sum((1, 2))
                masked = torch.where(keep > 0, distances.detach(),
                                     torch.full_like(distances, float('inf')))
                payload_clearance = masked.amin((1, 2))
        if 'payload_drop' in self.config.active:
            released = payload_geometry.release_rows(closed, payload.held).to(self.dtype)
            boxes = obstacles.tensors.get('box')
            box_support = support[self._box_columns(obstacles)]
            if boxes is None or not bool(box_support.any()):
                empty = torch.zeros(1, 0, 3, dtype=self.dtype, device=self.device)
                surfaces = (empty[..., None].expand(1, 0, 3, 3), empty, empty)
            else:
                surfaces = (boxes['rotation'][:, box_support],
                            boxes['translation'][:, box_support], boxes['half'][:, box_support])
            height = payload_geometry.drop_height(rotation, position, payload.half_extents,
                                                  *surfaces)
            slack = self.config.payload.max_drop - height
            cost = self._penalty('payload_drop', margin['payload_drop'] - slack) * released
            costs['payload_drop'] = cost.sum(1)
        return payload_clearance

    def _support_columns(self, obstacles: ObstacleTensors) -> torch.Tensor:
        """Return (O,) bool: which obstacle columns are support surfaces (once per layout)."""
        names = tuple(obstacles.names)
        if names not in self._support_masks:
            surfaces = set(self.config.payload.support_surfaces)
            self._support_masks[names] = torch.as_tensor(
                [name in surfaces for name in names], dtype=torch.bool, device=self.device)
        return self._support_masks[names]

    @staticmethod
    def _box_columns(obstacles: ObstacleTensors) -> slice:
        """Return the slice of the box obstacles in ``obstacles.names`` (types are grouped)."""
        first = 0
        for kind in ('half_space', 'sphere', 'capsule'):
            if kind in obstacles.tensors:
                first += obstacles.tensors[kind]['translation'].shape[1]
        count = obstacles.tensors['box']['translation'].shape[1] if 'box' in \
            obstacles.tensors else 0
        return slice(first, first + count)

    def _objects(self, objects: Optional[ObjectTensors], batch: int) -> ObjectTensors:
        """Return the held-object candidates expanded to the batch."""
        objects = objects or self.scene_objects

        def expand(tensor):
            tensor = tensor.to(self.device)
            if tensor.is_floating_point():
                tensor = tensor.to(self.dtype)
            return tensor.expand(batch, *tensor.shape[1:]) if tensor.shape[0] == 1 else tensor
        return ObjectTensors(*(expand(value) for value in (
            objects.position, objects.rotation, objects.half_extents, objects.keypoint,
            objects.mask)))

    def _capsules(self, rotations, translations, batch, horizon):
        joint_r = rotations[:, self.capsule_joint]            # N, C, 3, 3
        joint_t = translations[:, self.capsule_joint]         # N, C, 3
        a = (joint_r @ self.capsule_a[..., None])[..., 0] + joint_t
        b = (joint_r @ self.capsule_b[..., None])[..., 0] + joint_t
        shape = (batch, horizon, -1, 3)
        return a.reshape(shape), b.reshape(shape)

    def _beyond(self, margin: float) -> Optional[float]:
        """Return how far distances must be exact (None: all; see ``exact_far_clearance``)."""
        return None if self.exact_far_clearance else margin

    def _capsule_clearance(self, a, b, margin, obstacles):
        """Return the moving capsules' distances (B, H, C, O) to the obstacles, or None."""
        return obstacles.capsule_distances(
            a[:, :, self.moving_index], b[:, :, self.moving_index], self.moving_radius,
            beyond=self._beyond(margin))

    def _hull_clearance(self, rotations, translations, batch, horizon, margin, obstacles):
        """Return the moving links' hull distances (B, H, L, O) to the obstacles, or None."""
        distances = self.hull_points.link_distances(rotations, translations, obstacles, horizon,
                                                    self._beyond(margin))
        if distances is None:
            return None
        return distances.reshape(batch, horizon, *distances.shape[1:])

    def _clearance(self, distances, batch, margin):
        """Return the clearance cost (B,) and smallest distance (B,) from body distances."""
        if distances is None:
            zero = torch.zeros(batch, dtype=self.dtype, device=self.device)
            return zero, torch.full_like(zero, float('inf'))
        cost = self._penalty('clearance', margin - distances).sum((1, 2, 3))
        return cost, distances.detach().amin((1, 2, 3))

    def _self_collision(self, a, b, margin):
        if len(self.self_pairs) == 0:
            return torch.zeros(a.shape[0], dtype=self.dtype, device=self.device)
        first, second = self.self_pairs[:, 0], self.self_pairs[:, 1]
        distance = geometry.segment_segment_distance(
            a[:, :, first], b[:, :, first], a[:, :, second], b[:, :, second])
        distance = distance - self.capsule_radius[first] - self.capsule_radius[second]
        return self._penalty('self_collision', margin - distance).sum((1, 2))

    def _workspace(self, tool_t, margin):
        if len(self.face_offsets) == 0:
            return torch.zeros(tool_t.shape[0], dtype=self.dtype, device=self.device)
        slack = self.face_offsets - tool_t @ self.face_normals.T
        return self._penalty('workspace', margin - slack).sum((1, 2))

    def _grasp(self, rows, tool_r, tool_t, keypoints, keypoint_mask, margin):
        batch = rows.shape[0]
        if keypoints is None:
            keypoints = self.scene_keypoints.expand(batch, -1, -1)
            keypoint_mask = self.scene_keypoint_mask.expand(batch, -1)
        keypoints = keypoints.to(self.device, self.dtype)
        if self.gripper_index is None or keypoints.shape[1] == 0:
            return torch.zeros(batch, dtype=self.dtype, device=self.device)
        settings = self.config.grasp_approach
        low, high = self.lower[self.gripper_index], self.upper[self.gripper_index]
        is_open = (rows[:, :, self.gripper_index] >= low + settings.open_fraction * (high - low))
        offset = keypoints[:, None] - tool_t[:, :, None]                 # B, H, K, 3
        axis = tool_r[..., 2][:, :, None]                                 # B, H, 1, 3
        along = (offset * axis).sum(-1, keepdim=True)
        lateral = torch.sqrt(((offset - along * axis) ** 2).sum(-1) + 1e-18)
        distance = torch.sqrt((offset ** 2).sum(-1) + 1e-18)
        gate = torch.clamp(1.0 - distance / settings.activation_radius, min=0.0)
        cost = gate * self._penalty('grasp_approach', lateral - margin)
        if keypoint_mask is not None:
            cost = cost * keypoint_mask.to(self.device)[:, None].to(self.dtype)
        return (cost * is_open[..., None].to(self.dtype)).sum((1, 2))


def object_tensors(scenes: Sequence[Scene], keypoint: str, device='cpu',
                   dtype=torch.float32, names: Optional[Sequence[str]] = None) -> ObjectTensors:
    """
    Return the held-object candidates of scenes: tracked objects with ``keypoint`` (S, K, ...).

    ``names`` fixes the objects and their order (default: scene 0's objects with the keypoint);
    a scene without one of them has it masked out.
    """
    names = list(names if names is not None else [
        item.name for item in scenes[0].objects if keypoint in item.keypoints])
    count = len(scenes)
    position = np.zeros((count, len(names), 3))
    rotation = np.tile(np.eye(3), (count, len(names), 1, 1))
    half = np.zeros((count, len(names), 3))
    point = np.zeros((count, len(names), 3))
    mask = np.zeros((count, len(names)), dtype=bool)
    for row, scene in enumerate(scenes):
        present = {item.name: item for item in scene.objects if keypoint in item.keypoints}
        for column, name in enumerate(names):
            if name in present:
                item = present[name]
                position[row, column] = item.pose.position
                rotation[row, column] = item.pose.rotation
                half[row, column] = np.asarray(item.dimensions) / 2
                point[row, column] = item.keypoint_in_scene(keypoint)
                mask[row, column] = True

    def tensor(array):
        return torch.as_tensor(array, dtype=dtype, device=device)
    return ObjectTensors(tensor(position), tensor(rotation), tensor(half), tensor(point),
                         torch.as_tensor(mask, device=device))
