# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Pytest plugin (auto-loaded through the ``pytest11`` entry point): DDS isolation, CUDA marker.

It runs before any test module imports rclpy, so every node created by a test, and every
process a test starts, lives in a ROS domain no other concurrent test process uses.

Tests marked ``@pytest.mark.cuda`` need a CUDA device; where torch sees none they are skipped
with ``CUDA_SKIP_REASON``, the one skip reason ``scripts/test_summary.py`` accepts for them.
"""

from pact_testing.ros_domain import isolate_this_process
import pytest

CUDA_SKIP_REASON = 'requires a CUDA device (torch.cuda.is_available() is False)'


def pytest_configure(config):
    """Reserve a private ROS domain for this pytest process; register the ``cuda`` marker."""
    domain = isolate_this_process()
    config.stash_pact_domain = domain
    config.addinivalue_line('markers', 'cuda: needs a CUDA device (skipped where there is none)')


def pytest_collection_modifyitems(config, items):
    """Skip the ``cuda``-marked tests when torch sees no CUDA device."""
    marked = [item for item in items if item.get_closest_marker('cuda') is not None]
    if not marked:
        return
    import torch
    if torch.cuda.is_available():
        return
    for item in marked:
        item.add_marker(pytest.mark.skip(reason=CUDA_SKIP_REASON))


def pytest_report_header(config):
    """Show the reserved domain in pytest's header."""
    return f'ROS_DOMAIN_ID={getattr(config, "stash_pact_domain", "?")} (reserved by pact_testing)'
