# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Make a proposed action chunk safe to send: validate, clamp to limits, limit velocity.

Every chunk the policy proposes goes through ``make_safe_command`` before it reaches the
controller:

1. validation: shape (H, D) as configured, every entry finite → otherwise ``ChunkRejected``;
2. position clamp to [lower + margin, upper - margin] per joint (URDF limits, rad or m; when
   the margin is wider than half the range, the joint is pinned to the range centre);
3. velocity limit: starting from the measured position, each row may move at most
   ``velocity_scale · v_max · dt`` from the previous row (v_max from the URDF, dt the row
   spacing in s), always towards the clamped target, so rows never leave the clamped range
   unless the measured position itself is outside it (then they move back at the limit).

The output is the first ``n_execute`` rows (the rows actually commanded).
"""

from dataclasses import dataclass

import numpy as np


class ChunkRejected(ValueError):
    """A chunk that must not be executed (wrong shape, NaN/Inf); the message says why."""


@dataclass(frozen=True)
class SafetyLimits:
    """Per-joint position bounds (after the margin) and max step per row, arrays of shape (D,)."""

    lower: np.ndarray
    upper: np.ndarray
    max_velocity: np.ndarray

    @classmethod
    def from_joint_limits(cls, limits, margin: float, velocity_scale: float,
                          prismatic_margin: float = 0.002) -> 'SafetyLimits':
        """
        Build from URDF ``JointLimit``s.

        ``margin`` (rad) applies to revolute joints, ``prismatic_margin`` (m) to prismatic
        ones; ``velocity_scale`` ∈ (0, 1] scales the URDF velocity limits.
        """
        if min(margin, prismatic_margin) < 0 or not 0 < velocity_scale <= 1:
            raise ValueError(f'need margins >= 0 and 0 < velocity_scale <= 1, got {margin}, '
                             f'{prismatic_margin}, {velocity_scale}')
        margins = np.array([prismatic_margin if limit.joint_type == 'prismatic' else margin
                            for limit in limits])
        lower = np.array([limit.lower for limit in limits], dtype=np.float64) + margins
        upper = np.array([limit.upper for limit in limits], dtype=np.float64) - margins
        centre = np.where(np.isfinite(lower + upper), 0.5 * (lower + upper), 0.0)
        pinned = lower > upper
        lower, upper = np.where(pinned, centre, lower), np.where(pinned, centre, upper)
        velocity = velocity_scale * np.array([limit.velocity for limit in limits])
        return cls(lower, upper, velocity)


@dataclass(frozen=True)
class SafeCommand:
    """The rows to send (n, D) and what had to be changed to make them safe."""

    rows: np.ndarray
    clamped: bool
    rate_limited: bool


def validate_chunk(chunk, horizon: int, action_dim: int) -> np.ndarray:
    """Return ``chunk`` as float64 (H, D) or raise ChunkRejected naming the defect."""
    array = np.asarray(chunk, dtype=np.float64)
    if array.shape != (horizon, action_dim):
        raise ChunkRejected(f'chunk shape {array.shape}, expected ({horizon}, {action_dim})')
    bad = ~np.isfinite(array)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise ChunkRejected(f'chunk has {int(bad.sum())} non-finite entries (first at row '
                            f'{row}, column {column})')
    return array


def rate_limit(rows: np.ndarray, start: np.ndarray, max_velocity: np.ndarray,
               dt: float) -> np.ndarray:
    """Return rows where |row_k - row_{k-1}| ≤ max_velocity·dt, row_{-1} = ``start``."""
    limited = np.empty_like(rows)
    previous = np.asarray(start, dtype=np.float64)
    step = max_velocity * dt
    for index, row in enumerate(rows):
        previous = previous + np.clip(row - previous, -step, step)
        limited[index] = previous
    return limited


def make_safe_command(chunk, measured: np.ndarray, limits: SafetyLimits, dt: float,
                      horizon: int, n_execute: int) -> SafeCommand:
    """
    Validate, clamp and rate-limit ``chunk`` (H, D) starting from the ``measured`` position (D,).

    Rate limiting starts at the measured position itself, so a robot that sits inside the
    margin is walked back into the allowed range at the velocity limit instead of jumping.
    """
    array = validate_chunk(chunk, horizon, limits.lower.shape[0])
    measured = np.asarray(measured, dtype=np.float64)
    if measured.shape != limits.lower.shape or not np.all(np.isfinite(measured)):
        raise ChunkRejected(f'measured position of shape {measured.shape} is invalid or '
                            'non-finite')
    rows = array[:n_execute]
    clamped = np.clip(rows, limits.lower, limits.upper)
    limited = rate_limit(clamped, measured, limits.max_velocity, dt)
    return SafeCommand(limited, bool(np.any(clamped != rows)),
                       bool(np.any(np.abs(limited - clamped) > 1e-12)))
