# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Pytest plugin (auto-loaded through the ``pytest11`` entry point) isolating DDS per process.

It runs before any test module imports rclpy, so every node created by a test, and every
process a test starts, lives in a ROS domain no other concurrent test process uses.
"""

from pact_testing.ros_domain import isolate_this_process


def pytest_configure(config):
    """Reserve a private ROS domain for this pytest process."""
    domain = isolate_this_process()
    config.stash_pact_domain = domain


def pytest_report_header(config):
    """Show the reserved domain in pytest's header."""
    return f'ROS_DOMAIN_ID={getattr(config, "stash_pact_domain", "?")} (reserved by pact_testing)'
