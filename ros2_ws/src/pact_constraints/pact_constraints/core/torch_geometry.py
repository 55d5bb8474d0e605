# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Batched signed distances between capsules (segment + radius) and primitives in torch.

Closest-point parameters are found without gradient and the distance is then evaluated with
gradient at those parameters: by the envelope theorem this is the exact gradient of the minimum
distance. The parameters come

- in closed form for segments and points;
- in closed form for boxes (``segment_box_signed_distance``): the signed distance along a
  segment is convex and piecewise simple, so its minimum is at one of 49 candidate parameters
  (the ends, the crossings of the six face planes and of the three mid planes, the minimisers
  of the 26 quadratic pieces outside, the 12 kinks of the inside distance), all evaluated in
  one batched pass;
- by a fixed-iteration batched search for cylinders and any other convex signed distance
  (``segment_convex_distance``): ``rounds`` rounds, each evaluating ``probes`` + 2 evenly
  spaced points of the bracket at once and keeping the two cells around the best.

Both take a fixed number of tensor operations whatever the inputs (no data-dependent control
flow, nothing read back to the host), which is what a GPU wants. In penetration the value is the
signed distance of the deepest segment point minus the radius (for boxes and cylinders), which
equals the true signed distance whenever the capsules are separated. All tensors are (..., 3) in
one common frame, in metres.
"""

import itertools

import torch

_SEARCH_PROBES = 16
_SEARCH_ROUNDS = 7


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


def segment_convex_distance(a, b, signed_distance, probes: int = _SEARCH_PROBES,
                            rounds: int = _SEARCH_ROUNDS) -> torch.Tensor:
    """
    Return min over the segment a-b of ``signed_distance(point)`` (a convex function).

    The minimiser is bracketed without gradient: each of ``rounds`` rounds evaluates the
    function at ``probes`` + 2 evenly spaced parameters of the bracket in one batched call and
    keeps the two cells around the smallest value (convexity puts the minimiser there), so
    the bracket shrinks by 2 / (probes + 1) per round: to 3.1e-7 of the segment with the
    defaults. The distance is then evaluated with gradient at the best parameter.
    ``signed_distance`` receives points (..., K, 3) with K parameters per segment.
    """
    def along(t):
        return signed_distance(a[..., None, :] + t[..., None] * (b - a)[..., None, :])
    batch_shape = torch.broadcast_shapes(a.shape[:-1], b.shape[:-1])
    steps = torch.linspace(0.0, 1.0, probes + 2, dtype=a.dtype, device=a.device)
    last = probes + 1
    with torch.no_grad():
        low = torch.zeros(batch_shape + (1,), dtype=a.dtype, device=a.device)
        width = torch.ones_like(low)
        for _ in range(rounds):
            grid = low + width * steps                                  # (..., probes + 2)
            best = along(grid).argmin(-1, keepdim=True)
            low = torch.gather(grid, -1, (best - 1).clamp(min=0))
            width = torch.gather(grid, -1, (best + 1).clamp(max=last)) - low
        t = torch.gather(grid, -1, best)
    return along(t)[..., 0]


def _box_candidate_patterns():
    """Return the sign patterns of the closed-form box search (see the module docstring)."""
    outside = [pattern for pattern in itertools.product((-1.0, 0.0, 1.0), repeat=3)
               if any(pattern)]                                          # 26 active sets
    kinks, shifts = [], []
    for first, second in itertools.combinations(range(3), 2):          # 12 inside kinks
        for first_sign, second_sign in itertools.product((-1.0, 1.0), repeat=2):
            kink, shift = [0.0] * 3, [0.0] * 3
            kink[first], kink[second] = first_sign, -second_sign
            shift[first], shift[second] = 1.0, -1.0
            kinks.append(kink)
            shifts.append(shift)
    return outside, kinks, shifts


_BOX_OUTSIDE, _BOX_KINKS, _BOX_SHIFTS = _box_candidate_patterns()


def _safe_ratio(numerator: torch.Tensor, denominator: torch.Tensor) -> torch.Tensor:
    """Return numerator / denominator, 0 where the denominator vanishes (a harmless candidate)."""
    usable = denominator.abs() > 1e-12
    return torch.where(usable, numerator / torch.where(usable, denominator,
                                                       torch.ones_like(denominator)),
                       torch.zeros_like(numerator))


def box_segment_candidates(a, b, half_extents) -> torch.Tensor:
    """
    Return (..., 49) segment parameters in [0, 1] among which the box distance is minimal.

    ``a``, ``b``: segment ends in the box frame; ``half_extents`` (..., 3). Outside the box
    the squared distance is, between face-plane crossings, the quadratic Σ_{i∈S}(p_i − s_i
    h_i)² of one active set S with signs s: its minimiser is a candidate (26 sets). Inside,
    the distance max_i(|p_i| − h_i) is piecewise linear: its minimum is at a kink (|p_i| = 0,
    or |p_i| − h_i = |p_j| − h_j). With the ends and the plane crossings the set holds the
    minimiser of the convex signed distance along the segment.
    """
    direction = b - a
    half = torch.broadcast_tensors(a, half_extents)[1]
    options = {'dtype': a.dtype, 'device': a.device}
    signs = torch.tensor(_BOX_OUTSIDE, **options)                      # 26 x 3
    active = signs.abs()
    quadratic = _safe_ratio(-((direction * a) @ active.T - (direction * half) @ signs.T),
                            (direction * direction) @ active.T)
    planes = torch.cat([_safe_ratio(half - a, direction), _safe_ratio(-half - a, direction),
                        _safe_ratio(-a, direction)], dim=-1)           # 9 plane crossings
    kinks = torch.tensor(_BOX_KINKS, **options)                        # 12 x 3
    shifts = torch.tensor(_BOX_SHIFTS, **options)
    kink = _safe_ratio(half @ shifts.T - a @ kinks.T, direction @ kinks.T)
    ends = torch.stack([torch.zeros_like(a[..., 0]), torch.ones_like(a[..., 0])], dim=-1)
    return torch.cat([ends, planes, quadratic, kink], dim=-1).clamp(0.0, 1.0)


def segment_box_signed_distance(a, b, half_extents) -> torch.Tensor:
    """
    Return min over the segment a-b (box frame) of the box's signed distance (m), exactly.

    The minimiser is the best of ``box_segment_candidates`` (no gradient); the distance is
    evaluated with gradient there (gradient to ``a``, ``b`` and ``half_extents``).
    """
    with torch.no_grad():
        candidates = box_segment_candidates(a, b, half_extents)
        points = a[..., None, :] + candidates[..., None] * (b - a)[..., None, :]
        values = box_signed_distance(points, half_extents[..., None, :])
        t = torch.gather(candidates, -1, values.argmin(-1, keepdim=True))[..., 0]
    return box_signed_distance(a + t[..., None] * (b - a), half_extents)


def _norm(vector: torch.Tensor) -> torch.Tensor:
    """Return the Euclidean norm over the last axis with a finite gradient at zero."""
    return torch.sqrt((vector * vector).sum(-1) + 1e-18)
