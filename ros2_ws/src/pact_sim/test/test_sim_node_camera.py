# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The sim node's optional camera publishes rendered images (software renderer without GL)."""

import numpy as np
from pact_testing.processes import NodeProcess, wait_until
import pytest
import rclpy
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image

pytestmark = [pytest.mark.dds, pytest.mark.sim, pytest.mark.slow]


def test_camera_images_show_the_scene():
    images = []
    with NodeProcess(['-m', 'pact_sim.sim_node', '--ros-args', '-p', 'task:=pick',
                      '-p', 'camera_enabled:=true', '-p', 'camera_width:=160',
                      '-p', 'camera_height:=120'], name='sim_camera') as sim:
        rclpy.init()
        node = rclpy.create_node('camera_probe')
        try:
            node.create_subscription(Image, '/sim_node/camera/image_raw', images.append,
                                     QoSProfile(depth=5,
                                                reliability=ReliabilityPolicy.BEST_EFFORT))
            assert wait_until(lambda: images, 30.0,
                              lambda: rclpy.spin_once(node, timeout_sec=0.05)), sim.output()
        finally:
            node.destroy_node()
            rclpy.shutdown()
    image = images[-1]
    assert (image.width, image.height, image.encoding) == (160, 120, 'rgb8')
    pixels = np.frombuffer(bytes(image.data), dtype=np.uint8).reshape(120, 160, 3)
    assert pixels.std() > 10      # not a blank frame: robot, table and objects are drawn
