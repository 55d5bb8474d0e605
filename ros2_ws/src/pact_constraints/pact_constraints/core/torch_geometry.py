# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Batched signed distances between capsules (segment + radius) and primitives in torch.

Closest-point parameters are found without gradient (closed form for segments and points,
a golden-section search for boxes and cylinders, whose signed distance is convex along a
segment) and the distance is then evaluated with gradient at those parameters: by the
envelope theorem this is the exact gradient of the minimum distance. In penetration the
value is the signed distance of the deepest segment point minus the radius (for boxes and
cylinders), which equals the true signed distance whenever the capsules are separated.
All tensors are (..., 3) in one common frame, in metres.
"""

import torch

_GOLDEN = 0.6180339887498949
_SEARCH_STEPS = 32


def _clamp01(value: torch.Tensor) -> torch.Tensor:
    return torch.clamp(value, 0.0, 1.0)


def closest_segment_parameter(a, b, point) -> torch.Tensor:
    """Return t in [0, 1] of the point of segment a-b closest to ``point`` (no gradient)."""
    with torch.no_grad():
        axis = b - a
        length_sq = (axis * axis).sum(-1)
        t = ((point - a) * axis).sum(-1) / torch.clamp(length_sq, min=1e-18)
        return _clamp01(torch.where(length_sq > 1e-18, t, torch.zeros_like(t)))


def segment_point_distance(a, b, point) -> torch.Tensor:
    """Return distances (m) from points to segments a-b (broadcast over leading dims)."""
    t = closest_segment_parameter(a, b, point)
    closest = a + t[..., None] * (b - a)
    return _norm(point - closest)


def closest_segment_parameters(p1, q1, p2, q2):
    """Return (s, t) of the closest points of segments p1-q1 and p2-q2 (no gradient)."""
    with torch.no_grad():
        d1, d2, r = q1 - p1, q2 - p2, p1 - p2
        a, e = (d1 * d1).sum(-1), (d2 * d2).sum(-1)
        b, c, f = (d1 * d2).sum(-1), (d1 * r).sum(-1), (d2 * r).sum(-1)
        eps = 1e-18
        safe_a, safe_e = torch.clamp(a, min=eps), torch.clamp(e, min=eps)
        denominator = a * e - b * b
        s = torch.where(denominator > 1e-14 * torch.clamp(a * e, min=eps),
                        _clamp01((b * f - c * e) / torch.clamp(denominator, min=eps)),
                        torch.zeros_like(a))
        t = (b * s + f) / safe_e
        s_above = torch.where(t > 1, _clamp01((b - c) / safe_a), s)
        s = torch.where(t < 0, _clamp01(-c / safe_a), s_above)
        t = _clamp01(t)
        s = torch.where(a <= eps, torch.zeros_like(s), s)
        t = torch.where(a <= eps, _clamp01(f / safe_e), t)
        t = torch.where(e <= eps, torch.zeros_like(t), t)
        s = torch.where((e <= eps) & (a > eps), _clamp01(-c / safe_a), s)
        return s, t


def segment_segment_distance(p1, q1, p2, q2) -> torch.Tensor:
    """Return distances (m) between segments p1-q1 and p2-q2."""
    s, t = closest_segment_parameters(p1, q1, p2, q2)
    return _norm((p1 + s[..., None] * (q1 - p1)) - (p2 + t[..., None] * (q2 - p2)))


def box_signed_distance(local_point, half_extents) -> torch.Tensor:
    """Return the signed distance (m) of points given in a box frame to the box."""
    q = local_point.abs() - half_extents
    outside = _norm(torch.clamp(q, min=0.0))
    inside = torch.clamp(q.max(-1).values, max=0.0)
    return outside + inside


def cylinder_signed_distance(local_point, radius, half_length) -> torch.Tensor:
    """Return the signed distance (m) of points in a cylinder frame (axis z) to the cylinder."""
    radial = _norm(local_point[..., :2]) - radius
    axial = local_point[..., 2].abs() - half_length
    q = torch.stack([radial, axial], dim=-1)
    return _norm(torch.clamp(q, min=0.0)) + torch.clamp(q.max(-1).values, max=0.0)


def segment_convex_distance(a, b, signed_distance) -> torch.Tensor:
    """
    Return min over the segment a-b of ``signed_distance(point)`` (a convex function).

    The minimiser is located by golden-section search without gradient (one evaluation per
    step; the bracket shrinks to 0.618**32 of the segment, ~2e-7), then the distance is
    evaluated there with gradient.
    """
    def along(t):
        return signed_distance(a + t[..., None] * (b - a))
    with torch.no_grad():
        low = torch.zeros(a.shape[:-1], dtype=a.dtype, device=a.device)
        high = torch.ones_like(low)
        left, right = high - _GOLDEN * (high - low), low + _GOLDEN * (high - low)
        f_left, f_right = along(left), along(right)
        for _ in range(_SEARCH_STEPS):
            keep_left = f_left < f_right        # minimum in [low, right]
            high = torch.where(keep_left, right, high)
            low = torch.where(keep_left, low, left)
            probe = torch.where(keep_left, high - _GOLDEN * (high - low),
                                low + _GOLDEN * (high - low))
            f_probe = along(probe)
            left, right = (torch.where(keep_left, probe, right),
                           torch.where(keep_left, left, probe))
            f_left, f_right = (torch.where(keep_left, f_probe, f_right),
                               torch.where(keep_left, f_left, f_probe))
        t = 0.5 * (low + high)
    return along(t)


def _norm(vector: torch.Tensor) -> torch.Tensor:
    """Return the Euclidean norm over the last axis with a finite gradient at zero."""
    return torch.sqrt((vector * vector).sum(-1) + 1e-18)
