# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Small message helpers of the policy node (durations, observation-history names)."""

from builtin_interfaces.msg import Duration

# The naming rule lives in the ROS-free core; re-exported for the node layer.
from pact_policy.core.naming import history_names, logged_history_names  # noqa: F401


def seconds_to_duration(seconds: float) -> Duration:
    """Return a builtin Duration for ``seconds`` ≥ 0."""
    whole = int(seconds)
    return Duration(sec=whole, nanosec=int(round((seconds - whole) * 1e9)))
