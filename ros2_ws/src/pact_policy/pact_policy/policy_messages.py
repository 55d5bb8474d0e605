# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Small message helpers of the policy node (durations, observation-history names)."""

from builtin_interfaces.msg import Duration


def seconds_to_duration(seconds: float) -> Duration:
    """Return a builtin Duration for ``seconds`` ≥ 0."""
    whole = int(seconds)
    return Duration(sec=whole, nanosec=int(round((seconds - whole) * 1e9)))


def history_names(names, n_obs_steps: int, obs_dim: int) -> list:
    """Return one name per entry of the flattened history (``name@-k`` for older steps)."""
    names = list(names) or [f'obs{i}' for i in range(obs_dim)]
    result = []
    for lag in range(n_obs_steps - 1, -1, -1):
        result += [name if lag == 0 else f'{name}@-{lag}' for name in names]
    return result


def logged_history_names(config) -> list:
    """
    Return the names of a PolicyStep's flattened history for a policy ``config`` (PolicyConfig).

    [] when the policy's observations are unnamed: the logged values cannot be mapped by name.
    """
    if not config.observation_names:
        return []
    return history_names(config.observation_names, config.n_obs_steps, config.obs_dim)
