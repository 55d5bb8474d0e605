# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Trajectory interpolation: linear between points like joint_trajectory_controller."""

import numpy as np
from pact_sim.core.trajectory import TrajectoryError, TrajectoryFollower
import pytest


def test_linear_interpolation_from_the_current_setpoint_and_hold_after_the_end():
    follower = TrajectoryFollower(np.zeros(3))
    follower.set_trajectory(now=10.0, current=np.array([0.0, 1.0, 2.0]), times=[1.0, 3.0],
                            positions=[[1.0, 0.0], [3.0, 4.0]], joint_indices=[0, 2])
    np.testing.assert_allclose(follower.setpoint(10.0), [0.0, 1.0, 2.0])
    np.testing.assert_allclose(follower.setpoint(10.5), [0.5, 1.0, 1.0])
    np.testing.assert_allclose(follower.setpoint(12.0), [2.0, 1.0, 2.0])
    np.testing.assert_allclose(follower.setpoint(20.0), [3.0, 1.0, 4.0])


def test_future_start_time_holds_until_then():
    follower = TrajectoryFollower(np.zeros(1))
    follower.set_trajectory(0.0, np.zeros(1), [1.0], [[2.0]], [0], start_time=5.0)
    assert follower.setpoint(4.0)[0] == 0.0
    assert follower.setpoint(5.5)[0] == pytest.approx(1.0)


@pytest.mark.parametrize('times, positions, message', [
    ([], np.zeros((0, 1)), 'no points'),
    ([1.0, 0.5], [[0.0], [1.0]], 'increasing'),
    ([1.0], [[np.nan]], 'NaN'),
    ([1.0], [[0.0, 1.0]], 'shape'),
])
def test_bad_trajectories_are_rejected(times, positions, message):
    follower = TrajectoryFollower(np.zeros(1))
    with pytest.raises(TrajectoryError, match=message):
        follower.set_trajectory(0.0, np.zeros(1), times, positions, [0])
