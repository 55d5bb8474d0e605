# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Node-layer logic without DDS: scene message conversion, monitor statuses, marker bookkeeping."""

import numpy as np
from pact_constraints.core.config import default_config
from pact_constraints.core.marker_plan import MarkerSpec, MarkerTracker, RED, slack_colour
from pact_constraints.core.monitor import (config_with_overrides, ConstraintMonitor,
                                           STATUS_UNKNOWN, STATUS_VIOLATED)
from pact_constraints.core.robot_assets import PANDA_SRDF, PANDA_URDF, read_description
from pact_constraints.core.robot_model import RobotModelError
from pact_constraints.core.scene import scene_from_dict, SceneError
from pact_constraints.scene_conversion import scene_from_msg, scene_to_msg
from pact_msgs.msg import Obstacle
import pytest
from shape_msgs.msg import SolidPrimitive

FULL_SCENE = {'frame': 'world', 'version': 4, 'obstacles': [
    {'name': 'table', 'type': 'box', 'size': [0.8, 1.2, 0.04],
     'pose': {'position': [0.5, 0.0, 0.38], 'rpy': [0.1, 0, 0.3]}},
    {'name': 'post', 'type': 'cylinder', 'radius': 0.03, 'length': 0.5,
     'pose': {'position': [0.4, 0.2, 0.65]}},
    {'name': 'ball', 'type': 'sphere', 'radius': 0.1, 'pose': {'position': [0, 1, 2]}},
    {'name': 'bar', 'type': 'capsule', 'radius': 0.02, 'length': 0.3},
    {'name': 'floor', 'type': 'half_space', 'normal': [0, 0.6, 0.8], 'offset': -0.2},
    {'name': 'bin', 'type': 'mesh', 'uri': 'package://x/bin.stl', 'scale': [1, 2, 3]},
], 'objects': [
    {'name': 'cube', 'type': 'box', 'size': [0.05, 0.05, 0.05],
     'pose': {'position': [0.5, 0.0, 0.425]}, 'keypoints': {'grasp': [0, 0, 0],
                                                            'top': [0, 0, 0.025]}},
    {'name': 'can', 'type': 'cylinder', 'radius': 0.03, 'length': 0.1},
]}


def test_scene_message_round_trip():
    scene = scene_from_dict(FULL_SCENE)
    back = scene_from_msg(scene_to_msg(scene))
    assert back.frame == 'world' and back.version == 4
    assert [o.name for o in back.obstacles] == [o.name for o in scene.obstacles]
    for ours, theirs in zip(back.obstacles + back.objects, scene.obstacles + scene.objects,
                            strict=True):
        assert ours.shape == pytest.approx(theirs.shape) or ours.shape == theirs.shape
        np.testing.assert_allclose(ours.pose.matrix(), theirs.pose.matrix(), atol=1e-12)
    np.testing.assert_allclose(back.tracked_object('cube').keypoint_in_scene('top'),
                               [0.5, 0.0, 0.45])
    floor = back.obstacle('floor').shape
    np.testing.assert_allclose(floor.normal, [0, 0.6, 0.8])
    assert floor.offset == pytest.approx(-0.2)


def test_malformed_scene_messages_are_named():
    msg = scene_to_msg(scene_from_dict(FULL_SCENE))
    msg.obstacles[0].primitive.type = SolidPrimitive.CONE
    with pytest.raises(SceneError, match=r'obstacles\[0\] \(table\).*CONE|SolidPrimitive'):
        scene_from_msg(msg)
    msg = scene_to_msg(scene_from_dict(FULL_SCENE))
    msg.objects[0].keypoint_names.append('extra')
    with pytest.raises(SceneError, match='keypoint'):
        scene_from_msg(msg)
    msg = scene_to_msg(scene_from_dict(FULL_SCENE))
    msg.obstacles[1].primitive.dimensions = [-1.0, 0.03]
    with pytest.raises(SceneError, match='post'):
        scene_from_msg(msg)
    msg = scene_to_msg(scene_from_dict(FULL_SCENE))
    msg.obstacles[4].shape = Obstacle.SHAPE_HALF_SPACE
    msg.obstacles[4].plane.coef = [0.0, 0.0, 0.0, 1.0]
    with pytest.raises(SceneError, match='normal'):
        scene_from_msg(msg)


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
