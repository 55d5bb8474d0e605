# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The policy node in forward-command mode, and a file:// hot swap, over real DDS.

The node (own process) starts configured + active (``autostart_activate``, ``use_sim_time``
off) and streams Float64MultiArray rows; this process plays robot and trainer.
"""

import hashlib

import numpy as np
from pact_msgs.msg import ModelAnnouncement, PolicyStatus
from pact_policy.core.checkpoint import checkpoint_bytes, save_checkpoint
from pact_policy.core.urdf_model import URDFModel
from pact_testing.processes import NodeProcess, wait_until
from policy_fixtures import LATCHED, PANDA_ACTION_NAMES, PANDA_HOME, panda_urdf
from policy_fixtures import RELIABLE, tiny_panda_policy
import pytest
import rclpy
from sensor_msgs.msg import JointState
from std_msgs.msg import Float64MultiArray, String

pytestmark = [pytest.mark.dds, pytest.mark.slow]


def test_forward_commands_within_limits_and_file_uri_swap(tmp_path):
    base = tiny_panda_policy(seed=0)
    save_checkpoint(base, tmp_path / 'base.pact', {'version': 'base'})
    update = checkpoint_bytes(tiny_panda_policy(seed=5), {'version': 'v2'})
    (tmp_path / 'v2.pact').write_bytes(update)
    rclpy.init()
    node = rclpy.create_node('forward_test')
    commands, statuses = [], []
    node.create_subscription(Float64MultiArray, 'forward_position_controller/commands',
                             commands.append, RELIABLE)
    node.create_subscription(PolicyStatus, '/policy_node/status', statuses.append, RELIABLE)
    joints = node.create_publisher(JointState, '/joint_states', 5)
    node.create_publisher(String, '/robot_description', LATCHED).publish(
        String(data=panda_urdf()))
    announcer = node.create_publisher(ModelAnnouncement, '/model_announcement', LATCHED)
    measured = list(PANDA_HOME)
    node.create_timer(0.02, lambda: joints.publish(
        JointState(name=PANDA_ACTION_NAMES, position=measured)))
    args = ['-m', 'pact_policy.policy_node', '--ros-args', '-p',
            f'model_path:={tmp_path / "base.pact"}', '-p', 'output_mode:=forward',
            '-p', 'autostart_activate:=true', '-p', 'auto_activate:=true',
            '-p', 'status_rate_hz:=10.0', '-p', f'model_dirs:=[{tmp_path}]']
    try:
        with NodeProcess(args, name='policy_node_forward') as peer:
            def spin():
                rclpy.spin_once(node, timeout_sec=0.02)
            assert wait_until(lambda: len(commands) >= 10, 30.0, spin), peer.output()
            limits = URDFModel(panda_urdf()).limits_for(PANDA_ACTION_NAMES)
            values = np.array([command.data for command in commands])
            assert values.shape[1] == 8
            lower = np.array([limit.lower for limit in limits])
            upper = np.array([limit.upper for limit in limits])
            assert np.all(values >= lower) and np.all(values <= upper)
            announcer.publish(ModelAnnouncement(
                version='v2', architecture_id=base.config.architecture_id,
                size_bytes=len(update), sha256=hashlib.sha256(update).hexdigest(),
                uri=f'file://{tmp_path / "v2.pact"}'))
            assert wait_until(lambda: statuses and statuses[-1].active_model_version == 'v2',
                              30.0, spin), peer.output()[-3000:]
            assert statuses[-1].previous_model_version == 'base'
            # A NaN measurement: the node holds, and the hold is the last finite command.
            measured[0] = float('nan')
            count = len(commands)
            assert wait_until(lambda: statuses[-1].state == PolicyStatus.STATE_HOLDING
                              and len(commands) >= count + 3, 30.0, spin), peer.output()[-3000:]
            assert np.all(np.isfinite([c.data for c in commands[count:]]))
    finally:
        node.destroy_node()
        rclpy.shutdown()
