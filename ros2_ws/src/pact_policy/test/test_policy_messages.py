# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Message helpers of the policy node."""

from builtin_interfaces.msg import Time
import numpy as np
from pact_policy.core.policy_config import PolicyConfig
from pact_policy.policy_messages import history_names, joint_trajectory, logged_history_names
from pact_policy.policy_messages import policy_step, seconds_to_duration
from sensor_msgs.msg import Image


def test_history_names_follow_the_flattened_history_order():
    assert history_names(['a', 'b'], 3, 2) == ['a@-2', 'b@-2', 'a@-1', 'b@-1', 'a', 'b']
    assert history_names([], 1, 2) == ['obs0', 'obs1']


def test_logged_history_names_are_empty_for_unnamed_observations():
    named = PolicyConfig(action_dim=1, obs_dim=2, n_obs_steps=2, observation_names=['a', 'b'])
    assert logged_history_names(named) == ['a@-1', 'b@-1', 'a', 'b']
    assert logged_history_names(PolicyConfig(action_dim=1, obs_dim=2)) == []


def test_seconds_to_duration():
    duration = seconds_to_duration(1.25)
    assert (duration.sec, duration.nanosec) == (1, 250_000_000)
    duration = seconds_to_duration(0.05 * 3)
    assert duration.sec == 0 and abs(duration.nanosec - 150_000_000) <= 1


def test_joint_trajectory_has_one_point_per_row_action_dt_apart():
    trajectory = joint_trajectory(('a', 'b'), ((0.5, 0.25), (1.0, 0.25)), 0.125,
                                  Time(sec=3, nanosec=7))
    assert list(trajectory.joint_names) == ['a', 'b']
    assert (trajectory.header.stamp.sec, trajectory.header.stamp.nanosec) == (3, 7)
    assert [list(point.positions) for point in trajectory.points] == [[0.5, 0.25], [1.0, 0.25]]
    assert [(p.time_from_start.sec, p.time_from_start.nanosec) for p in trajectory.points] == [
        (0, 125_000_000), (0, 250_000_000)]


def test_policy_step_carries_the_chunk_the_command_and_the_history_names():
    config = PolicyConfig(action_dim=2, obs_dim=1, n_obs_steps=2, horizon=3, n_action_steps=2,
                          action_dt=0.125, observation_names=['a.position'], model_type='mlp')
    chunk = np.arange(6.0).reshape(3, 2)
    step = policy_step(config, ('a', 'b'), 'v1', np.array([0.5, 0.75], dtype=np.float32),
                       chunk, ((0.5, 0.25), (1.0, 0.25)), 0.01)
    assert (step.model_version, step.action_horizon, step.action_dim) == ('v1', 3, 2)
    assert (list(step.action_names), step.action_dt, step.command_horizon) == (['a', 'b'],
                                                                               0.125, 2)
    assert list(step.observation_names) == ['a.position@-1', 'a.position']
    assert list(step.observation) == [0.5, 0.75] and step.inference_latency == 0.01
    assert list(step.action_chunk) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert list(step.command) == [0.5, 0.25, 1.0, 0.25] and not step.has_image
    image = Image(encoding='rgb8', width=4, height=2)
    step = policy_step(config, ('a', 'b'), 'v1', np.zeros(2), chunk, ((0.0, 0.0),), 0.01, image)
    assert step.has_image and step.image.encoding == 'rgb8'
