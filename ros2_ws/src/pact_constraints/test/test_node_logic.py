# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Node-layer logic without DDS: monitor statuses, marker bookkeeping."""

from pact_constraints.core.config import default_config
from pact_constraints.core.marker_plan import MarkerSpec, MarkerTracker, RED, slack_colour
from pact_constraints.core.monitor import (config_with_overrides, ConstraintMonitor,
                                           STATUS_UNKNOWN, STATUS_VIOLATED)
from pact_constraints.core.robot_model import RobotModelError
from pact_world.core.robot_assets import PANDA_SRDF, PANDA_URDF, read_description
from pact_world.core.scene import scene_from_dict
import pytest


@pytest.fixture(scope='module')
def monitor():
    """Return a Panda monitor on a scene with a table."""
    scene = scene_from_dict({'obstacles': [{'name': 'table', 'type': 'box',
                                            'size': [0.8, 1.2, 0.04],
                                            'pose': {'position': [0.75, 0.0, 0.1]}}]})
    config = config_with_overrides(default_config(), geometry_mode='capsule',
                                   margins={'clearance': 0.05, 'workspace': -1.0})
    result = ConstraintMonitor(config, read_description(PANDA_SRDF), scene, stale_timeout=0.5)
    result.set_robot_description(read_description(PANDA_URDF))
    return result


ARM = [f'panda_joint{i}' for i in range(1, 8)]
HOME = [0.0, -0.3, 0.0, -2.2, 0.0, 2.0, 0.785]


def test_monitor_statuses(monitor):
    assert monitor.config.term('clearance').margin == 0.05
    monitor.joints.clear()
    monitor.add_joint_state(ARM, HOME, [], stamp=10.0, received=100.0)
    result = monitor.evaluate(100.1)
    assert result.status == STATUS_UNKNOWN and 'panda_finger_joint1' in result.message
    monitor.add_joint_state(['panda_finger_joint1'], [0.02], [0.0], stamp=10.0, received=100.0)
    result = monitor.evaluate(100.1)
    # The arm has no velocity yet (no field, one stamp): joint_velocity cannot be measured.
    assert result.status == STATUS_UNKNOWN and result.stamp == 10.0
    assert 'no joint velocity' in result.message and 'panda_joint1' in result.message
    assert monitor.evaluate(100.6).status == STATUS_UNKNOWN     # stale
    monitor.add_joint_state(ARM, [h + 0.01 for h in HOME], [], stamp=10.1, received=100.6)
    monitor.add_joint_state(['panda_finger_joint1'], [0.02], [0.0], stamp=10.1, received=100.6)
    assert monitor.joints['panda_joint1'].velocity == pytest.approx(0.1)   # finite difference
    assert 'joint_velocity' in monitor.evaluate(100.7).evaluation.terms
    monitor.add_joint_state(['panda_joint2'], [float('nan')], [], stamp=10.2, received=100.7)
    result = monitor.evaluate(100.7)
    assert result.status == STATUS_UNKNOWN and 'panda_joint2' in result.message
    monitor.add_joint_state(['panda_joint2'], [1.0], [], stamp=10.3, received=100.7)   # dives
    assert monitor.evaluate(100.7).status == STATUS_VIOLATED


def test_monitor_keeps_last_good_model(monitor):
    robot = monitor.robot
    with pytest.raises(RobotModelError):
        monitor.set_robot_description('<robot name="x"><link name="a">')
    with pytest.raises(RobotModelError):
        monitor.set_robot_description(read_description(PANDA_URDF), '<robot><oops')
    assert monitor.robot is robot and monitor.evaluator is not None


def test_marker_colours_and_deletions():
    assert slack_colour(0.01, 0.03, 0.3) == RED
    assert slack_colour(0.3, 0.03, 0.3)[:3] == (0.0, 1.0, 0.0)
    assert slack_colour(0.165, 0.03, 0.3)[:3] == pytest.approx((1.0, 1.0, 0.0))
    tracker = MarkerTracker()
    first = [MarkerSpec('clearance', 3, 'line', RED), MarkerSpec('labels', 3, 'text', RED)]
    assert tracker.update(first) == []
    assert tracker.update(first[:1]) == [('labels', 3)]
    assert tracker.update([]) == [('clearance', 3)]
