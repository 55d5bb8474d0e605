# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Give every test process its own ROS 2 domain so parallel test runs never cross-talk.

The id comes from ``pact_node_runtime.ros_domain`` (an exclusive lock held for the life of the
process) in the test range, disjoint from the demo's. Child processes inherit
``ROS_DOMAIN_ID`` through the environment.
"""

import os

from pact_node_runtime.ros_domain import default_lock_dir, reserve_domain_id, TEST_DOMAINS


def isolate_this_process() -> int:
    """Reserve a test domain, export it with localhost-only discovery, and return the id."""
    domain = reserve_domain_id(TEST_DOMAINS, default_lock_dir('test'))
    os.environ['ROS_DOMAIN_ID'] = str(domain)
    os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
    return domain
