# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
A held payload as part of the robot (training path, torch): its pose along a chunk and its drop.

While the gripper holds an object, the object moves with the tool: it can hit the scene like any
link, and where the gripper lets go decides how far it falls. From the LIVE state at the start of
a chunk (tool pose from the start joint positions, object poses from the tracked objects):

- an object is **held** when the gripper is closed and the object's grasp keypoint lies within
  ``hold_radius`` of the tool frame origin (the nearest such object; at most one);
- it keeps its pose relative to the tool (``R_rel = R_tool0^T R_obj``,
  ``t_rel = R_tool0^T (p_obj - t_tool0)``) for every row until the first row whose gripper is
  open: ``held_rows``;
- it is approximated by one capsule enclosing its bounding box: axis along the box's longest
  axis through the centre, end points at ± that half extent, radius the half-diagonal of the
  other two (``payload_capsule``; conservative by up to the radius at the ends);
- at the row where the gripper opens (``release_rows``) it falls from the height of its lowest
  point above the top of the support surface beneath its centre (``drop_height``): the highest
  support box whose footprint contains the centre, else the lowest support top.

Frames: scene frame, metres; rotations are 3×3 matrices whose columns are the child axes.
"""

from dataclasses import dataclass

import torch


@dataclass
class ObjectTensors:
    """Candidate payloads per sample: (B, K, ...) tensors in the scene frame, K ≥ 0."""

    position: torch.Tensor      # B, K, 3: object centre (m)
    rotation: torch.Tensor      # B, K, 3, 3: object axes
    half_extents: torch.Tensor  # B, K, 3: half the bounding box along the object axes (m)
    keypoint: torch.Tensor      # B, K, 3: grasp keypoint (m)
    mask: torch.Tensor          # B, K: True where the sample has this object


@dataclass
class HeldPayload:
    """The held object of each sample: ``held`` (B,) and its pose relative to the tool."""

    held: torch.Tensor           # B: bool
    relative_rotation: torch.Tensor   # B, 3, 3
    relative_position: torch.Tensor   # B, 3 (m, tool frame)
    half_extents: torch.Tensor   # B, 3 (m)


def held_payload(tool_rotation: torch.Tensor, tool_position: torch.Tensor,
                 gripper_closed: torch.Tensor, objects: ObjectTensors,
                 hold_radius: float) -> HeldPayload:
    """Return which object each sample holds at the chunk start (tool pose (B,3,3), (B,3))."""
    batch = tool_position.shape[0]
    dtype, device = tool_position.dtype, tool_position.device
    if objects.position.shape[1] == 0:
        eye = torch.eye(3, dtype=dtype, device=device).expand(batch, 3, 3)
        zeros = torch.zeros(batch, 3, dtype=dtype, device=device)
        return HeldPayload(torch.zeros(batch, dtype=torch.bool, device=device), eye, zeros,
                           zeros)
    gap = torch.linalg.vector_norm(objects.keypoint - tool_position[:, None], dim=-1)
    gap = torch.where(objects.mask, gap, torch.full_like(gap, float('inf')))
    nearest = gap.argmin(dim=1)
    rows = torch.arange(batch, device=device)
    held = (gap[rows, nearest] <= hold_radius) & gripper_closed
    rotation = objects.rotation[rows, nearest]
    position = objects.position[rows, nearest]
    tool_t = tool_rotation.transpose(-1, -2)
    return HeldPayload(held, tool_t @ rotation,
                       (tool_t @ (position - tool_position)[..., None])[..., 0],
                       objects.half_extents[rows, nearest])


def held_rows(gripper_closed_rows: torch.Tensor, held: torch.Tensor) -> torch.Tensor:
    """Return (B, H) bool: the payload is still in the gripper at each row."""
    closed_so_far = torch.cumprod(gripper_closed_rows.to(torch.int8), dim=1).bool()
    return closed_so_far & held[:, None]


def release_rows(gripper_closed_rows: torch.Tensor, held: torch.Tensor) -> torch.Tensor:
    """Return (B, H) bool: True at the row where a held payload is let go (at most one)."""
    holding = held_rows(gripper_closed_rows, held)
    before = torch.cat([held[:, None], holding[:, :-1]], dim=1)
    return before & ~holding


def payload_poses(tool_rotation: torch.Tensor, tool_position: torch.Tensor,
                  payload: HeldPayload):
    """Return the payload's rotation (B, H, 3, 3) and centre (B, H, 3) at tool poses (B, H)."""
    rotation = tool_rotation @ payload.relative_rotation[:, None]
    position = tool_position + (tool_rotation @ payload.relative_position[:, None, :, None]
                                )[..., 0]
    return rotation, position


def payload_capsule(rotation: torch.Tensor, position: torch.Tensor,
                    half_extents: torch.Tensor):
    """Return capsule end points a, b (B, H, 3) and radius (B,) enclosing the payload box."""
    longest = half_extents.argmax(dim=-1)                                   # B
    one_hot = torch.nn.functional.one_hot(longest, 3).to(half_extents)      # B, 3
    half_length = (half_extents * one_hot).sum(-1)                          # B
    radius = torch.sqrt((half_extents ** 2 * (1 - one_hot)).sum(-1))        # B
    axis = (rotation @ one_hot[:, None, :, None])[..., 0]                   # B, H, 3
    offset = axis * half_length[:, None, None]
    return position - offset, position + offset, radius


def lowest_point_height(rotation: torch.Tensor, position: torch.Tensor,
                        half_extents: torch.Tensor) -> torch.Tensor:
    """Return the z (m) of the lowest corner of the payload box, (B, H)."""
    reach = (rotation[..., 2, :].abs() * half_extents[:, None]).sum(-1)
    return position[..., 2] - reach


def drop_height(rotation: torch.Tensor, position: torch.Tensor, half_extents: torch.Tensor,
                support_rotation: torch.Tensor, support_position: torch.Tensor,
                support_half: torch.Tensor) -> torch.Tensor:
    """
    Return how far (m) the payload would fall at each row, (B, H).

    Supports are boxes (S', N, ...) with S' = 1 or B: their top is their highest corner's z; a
    support is beneath the payload when the payload centre's footprint lies inside the box's
    (in the box frame's x-y). With no support, the height is +inf-free: the lowest top is used.
    """
    bottom = lowest_point_height(rotation, position, half_extents)              # B, H
    if support_position.shape[1] == 0:
        return bottom
    top = support_position[..., 2] + (support_rotation[..., 2, :].abs()
                                      * support_half).sum(-1)                   # S', N
    offset = position[:, :, None, :] - support_position[:, None]               # B, H, N, 3
    local = (offset[..., None, :] @ support_rotation[:, None])[..., 0, :]      # B, H, N, 3
    inside = (local[..., :2].abs() <= support_half[:, None, :, :2]).all(-1)    # B, H, N
    top = top[:, None].expand_as(inside)
    beneath = torch.where(inside, top, torch.full_like(top, -float('inf'))).amax(-1)
    fallback = top.amin(-1)
    surface = torch.where(torch.isfinite(beneath), beneath, fallback)
    return bottom - surface
