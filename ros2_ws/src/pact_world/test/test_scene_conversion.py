# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Scene <-> pact_msgs/Scene conversion (node layer, no DDS): round trip and named errors."""

import numpy as np
from pact_msgs.msg import Obstacle
from pact_world.core.scene import scene_from_dict, SceneError
from pact_world.scene_conversion import scene_from_msg, scene_to_msg
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
