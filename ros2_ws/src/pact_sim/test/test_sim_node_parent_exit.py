# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
A sim node whose parent process dies stops by itself instead of running on as an orphan.

The parent stands in for ``ros2 launch`` dying without stopping its children (SIGKILL, a
crash, an error path of launch): it starts the node, reports its pid, and is killed with
SIGKILL once the node is up. The node must notice within a few seconds (it polls its parent
pid every 0.5 s) and exit through its normal SIGINT path.
"""

import os
import pathlib
import signal

from pact_testing.processes import NodeProcess, wait_until
import pytest
import rclpy

pytestmark = [pytest.mark.dds, pytest.mark.sim, pytest.mark.slow]

PARENT_SCRIPT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, '-m', 'pact_sim.sim_node', '--ros-args',
                          '-p', 'task:=reach', '-p', 'rate:=50.0'])
print(f'child pid {child.pid}', flush=True)
time.sleep(600)
"""
STARTUP_TIMEOUT_S = 90.0
EXIT_TIMEOUT_S = 10.0


def running(pid: int) -> bool:
    """Return True while ``pid`` exists and is not a zombie (a reaped or exited child is not)."""
    try:
        state = pathlib.Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != 'Z'


def test_sim_node_exits_when_its_parent_is_killed():
    with NodeProcess(['-c', PARENT_SCRIPT], name='fake_launch') as parent:
        assert wait_until(lambda: 'child pid' in parent.output(), STARTUP_TIMEOUT_S)
        child = int(parent.output().split('child pid ')[1].split()[0])
        # The node is up once it publishes /joint_states.
        rclpy.init()
        try:
            observer = rclpy.create_node('parent_exit_observer')
            assert wait_until(lambda: observer.count_publishers('/joint_states') > 0,
                              STARTUP_TIMEOUT_S), parent.output()
            observer.destroy_node()
        finally:
            rclpy.shutdown()
        parent.process.send_signal(signal.SIGKILL)
        parent.process.wait()
        try:
            assert wait_until(lambda: not running(child), EXIT_TIMEOUT_S), (
                f'sim_node {child} still runs after its parent died\n{parent.output()}')
        finally:
            if running(child):  # do not leave it behind when the assertion failed
                os.kill(child, signal.SIGKILL)
