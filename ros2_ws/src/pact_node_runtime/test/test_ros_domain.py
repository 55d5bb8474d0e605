# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Domain reservations: exclusive across live processes, released on exit, ranges disjoint."""

import os
import subprocess
import sys

from pact_node_runtime.ros_domain import (DEMO_DOMAINS, private_domain_environment,
                                          reserve_domain_id, TEST_DOMAINS)
import pytest


def reserve_in_child(lock_dir) -> int:
    """Return the id a short-lived child process reserves in the test range."""
    code = ('import sys; from pact_node_runtime.ros_domain import reserve_domain_id, '
            'TEST_DOMAINS; print(reserve_domain_id(TEST_DOMAINS, sys.argv[1]))')
    return int(subprocess.check_output([sys.executable, '-c', code, str(lock_dir)],
                                       env=dict(os.environ)).decode())


def test_reservations_are_exclusive_across_processes(tmp_path):
    mine = reserve_domain_id(TEST_DOMAINS, tmp_path)
    others = {reserve_in_child(tmp_path) for _ in range(3)}
    assert mine not in others
    # The children exited, so their locks were released: they may share one id among them.
    assert all(other in TEST_DOMAINS for other in others | {mine})


def test_ids_held_by_this_process_are_distinct(tmp_path):
    first, second = (reserve_domain_id(DEMO_DOMAINS, tmp_path),
                     reserve_domain_id(DEMO_DOMAINS, tmp_path))
    assert first != second and {first, second} <= set(DEMO_DOMAINS)


def test_a_full_range_is_refused_with_the_range_named(tmp_path):
    held = [reserve_domain_id(range(7, 9), tmp_path) for _ in range(2)]
    assert sorted(held) == [7, 8]
    with pytest.raises(RuntimeError, match=r'no free ROS domain id in \[7, 8\]'):
        reserve_domain_id(range(7, 9), tmp_path)


def test_demo_and_test_ranges_are_disjoint_and_fit_fast_dds_ports():
    assert not set(DEMO_DOMAINS) & set(TEST_DOMAINS)
    assert min(DEMO_DOMAINS) >= 0 and max(TEST_DOMAINS) <= 232


def test_a_private_environment_names_a_held_id_and_localhost_discovery(tmp_path, monkeypatch):
    monkeypatch.setattr('tempfile.tempdir', str(tmp_path))
    environment = private_domain_environment(range(7, 9), 'unit')
    assert environment['ROS_AUTOMATIC_DISCOVERY_RANGE'] == 'LOCALHOST'
    held = int(environment['ROS_DOMAIN_ID'])
    assert held in (7, 8)
    # the id stays reserved: the only other one is all that is left in its lock folder
    assert reserve_domain_id(range(7, 9), tmp_path / 'pact_ros_unit_domains') == 15 - held
