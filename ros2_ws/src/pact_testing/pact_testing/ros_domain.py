# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Give every test process its own ROS 2 domain so parallel test runs never cross-talk.

The id comes from ``pact_node_runtime.ros_domain`` (an exclusive lock held for the life of the
process) in the test range, disjoint from the demo's. Child processes inherit
``ROS_DOMAIN_ID`` through the environment.
"""

import os

from pact_node_runtime.ros_domain import private_domain_environment, TEST_DOMAINS


def isolate_this_process() -> int:
    """Reserve a test domain, export it with localhost-only discovery, and return the id."""
    environment = private_domain_environment(TEST_DOMAINS, 'test')
    os.environ.update(environment)
    return int(environment['ROS_DOMAIN_ID'])
