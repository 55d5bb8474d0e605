# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Setpoint interpolation like ros2_control's joint_trajectory_controller (linear between points).

A trajectory starts at ``start_time`` (s, sim time) from the setpoint held at that moment; point k
is reached at ``start_time + times[k]``. Between points the setpoint moves linearly; after the
last point it holds the last point. Joints a trajectory does not name keep their current
setpoint. Times are in s; positions in the action order (rad, gripper m).
"""

from typing import Optional, Sequence

import numpy as np


class TrajectoryError(ValueError):
    """A trajectory is malformed; the message says what is wrong."""


class TrajectoryFollower:
    """Holds the active trajectory and answers ``setpoint(t)``."""

    def __init__(self, initial_setpoint: np.ndarray):
        """Start by holding ``initial_setpoint`` (D,)."""
        self.hold(initial_setpoint)

    def hold(self, setpoint: np.ndarray):
        """Drop any trajectory and hold ``setpoint``."""
        self.times = np.zeros(1)
        self.points = np.asarray(setpoint, dtype=float).reshape(1, -1).copy()
        self.start_time = 0.0

    def set_trajectory(self, now: float, current: np.ndarray, times: Sequence[float],
                       positions: np.ndarray, joint_indices: Sequence[int],
                       start_time: Optional[float] = None):
        """Replace the trajectory: points for ``joint_indices``, other joints keep ``current``."""
        times = np.asarray(times, dtype=float)
        positions = np.asarray(positions, dtype=float)
        if len(times) == 0:
            raise TrajectoryError('trajectory has no points')
        if positions.shape != (len(times), len(joint_indices)):
            raise TrajectoryError(f'positions have shape {positions.shape}, expected '
                                  f'({len(times)}, {len(joint_indices)})')
        if not (np.all(np.isfinite(times)) and np.all(np.isfinite(positions))):
            raise TrajectoryError('trajectory contains NaN/Inf')
        if np.any(np.diff(times) <= 0) or times[0] < 0:
            raise TrajectoryError(f'time_from_start must be >= 0 and increasing, got {times}')
        current = np.asarray(current, dtype=float)
        points = np.repeat(current[None, :], len(times), axis=0)
        points[:, list(joint_indices)] = positions
        start = now if start_time is None or start_time <= 0 else start_time
        if times[0] > 0:
            times = np.concatenate([[0.0], times])
            points = np.concatenate([current[None, :], points])
        self.start_time, self.times, self.points = start, times, points

    def setpoint(self, now: float) -> np.ndarray:
        """Return the interpolated setpoint at sim time ``now`` (s)."""
        elapsed = now - self.start_time
        if elapsed <= self.times[0]:
            return self.points[0].copy()
        if elapsed >= self.times[-1]:
            return self.points[-1].copy()
        upper = int(np.searchsorted(self.times, elapsed, side='right'))
        fraction = (elapsed - self.times[upper - 1]) / (self.times[upper] - self.times[upper - 1])
        return self.points[upper - 1] + fraction * (self.points[upper] - self.points[upper - 1])
