# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Message helpers of the policy node."""

from pact_policy.core.policy_config import PolicyConfig
from pact_policy.policy_messages import history_names, logged_history_names
from pact_policy.policy_messages import seconds_to_duration


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
