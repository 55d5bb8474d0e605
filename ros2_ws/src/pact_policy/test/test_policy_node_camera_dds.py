# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The policy node with a camera model over real DDS, in its own process.

This process plays robot and camera: ``/joint_states``, the latched URDF and sensor_msgs/Image
frames (sensor QoS). Images in → JointTrajectory out; no (or unusable) images → hold; a camera
model without ``camera_topic`` fails configure with a message saying what to set.
"""

import numpy as np
from pact_msgs.msg import PolicyStatus
from pact_policy.camera_input import CameraInput
from pact_policy.core.checkpoint import save_checkpoint
from pact_testing.processes import NodeProcess, wait_until
from policy_fixtures import LATCHED, PANDA_ACTION_NAMES, PANDA_HOME, panda_urdf
from policy_fixtures import record_policy_outputs, tiny_panda_policy
import pytest
import rclpy
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import String

pytestmark = [pytest.mark.dds, pytest.mark.slow]

TIMEOUT_S = 30.0
CAMERA_TOPIC = '/wrist_camera/image_raw'
CAMERA_SETTINGS = {'camera_name': 'wrist', 'image_size': 16, 'image_encoder_channels': [4, 8],
                   'image_feature_dim': 4}


def camera_policy():
    return tiny_panda_policy(seed=0, **CAMERA_SETTINGS)


def rgb_image(encoding: str = 'rgb8') -> Image:
    """Return a 32 × 24 frame (red left half, blue right half) in ``encoding``."""
    channels = 1 if encoding == 'mono8' else 3
    pixels = np.zeros((24, 32, channels), dtype=np.uint8)
    pixels[:, :16, 0] = 200
    pixels[:, 16:, -1] = 200
    return Image(height=24, width=32, encoding=encoding, step=32 * channels,
                 data=pixels.tobytes())


class CameraRig:
    """Robot + camera publishers and the node's outputs, in this process."""

    def __init__(self, peer):
        self.peer = peer
        self.node = rclpy.create_node('camera_rig')
        self.image_encoding = 'rgb8'  # '' = camera silent
        self.trajectories, self.steps, self.statuses = [], [], []
        node = self.node
        joints = node.create_publisher(JointState, '/joint_states', 5)
        camera = node.create_publisher(Image, CAMERA_TOPIC, qos_profile_sensor_data)
        node.create_publisher(String, '/robot_description', LATCHED).publish(
            String(data=panda_urdf()))
        record_policy_outputs(node, self.trajectories, self.steps, self.statuses)
        node.create_timer(0.02, lambda: joints.publish(
            JointState(name=PANDA_ACTION_NAMES, position=PANDA_HOME)))
        node.create_timer(0.04, lambda: self.image_encoding and camera.publish(
            rgb_image(self.image_encoding)))

    def spin(self):
        rclpy.spin_once(self.node, timeout_sec=0.02)

    def wait(self, condition, what: str):
        assert wait_until(condition, TIMEOUT_S, self.spin), \
            f'timed out waiting for {what}\n--- node log ---\n{self.peer.output()[-4000:]}'

    def status(self) -> PolicyStatus:
        return self.statuses[-1] if self.statuses else PolicyStatus()

    def hold_commands_after(self, count: int):
        self.wait(lambda: len(self.trajectories) >= count + 2, 'hold commands')
        for trajectory in self.trajectories[count:]:
            assert len(trajectory.points) == 1
            np.testing.assert_allclose(trajectory.points[0].positions, PANDA_HOME)


def test_images_in_chunks_out_and_no_image_holds(tmp_path):
    path = tmp_path / 'camera.pact'
    save_checkpoint(camera_policy(), path, {'version': 'cam'})
    args = ['-m', 'pact_policy.policy_node', '--ros-args', '-p', f'model_path:={path}',
            '-p', f'camera_topic:={CAMERA_TOPIC}', '-p', 'camera_timeout_s:=0.5',
            '-p', 'status_rate_hz:=10.0', '-p', 'autostart_activate:=true']
    rclpy.init()
    try:
        with NodeProcess(args, name='policy_node_camera') as peer:
            rig = CameraRig(peer)
            rig.wait(lambda: any(len(t.points) == 2 for t in rig.trajectories), 'a chunk')
            rig.wait(lambda: rig.steps, 'a PolicyStep')
            step = rig.steps[-1]
            assert step.has_image and step.image.encoding == 'rgb8'
            assert (step.image.width, step.image.height) == (32, 24)
            # the latest status may predate the first frame (HOLDING on the camera): wait
            rig.wait(lambda: rig.status().state == PolicyStatus.STATE_ACTIVE, 'ACTIVE')

            rig.image_encoding = ''  # the camera stops: hold, like stale joint states
            rig.wait(lambda: rig.status().state == PolicyStatus.STATE_HOLDING, 'HOLDING')
            assert 'camera_image' in rig.status().message, rig.status().message
            rig.hold_commands_after(len(rig.trajectories))

            rig.image_encoding = 'mono8'  # frames arrive but are unusable: still holding
            rig.wait(lambda: "encoding 'mono8' is not supported" in peer.output(),
                     'rejection of mono8 frames')
            count = len(rig.trajectories)
            rig.hold_commands_after(count)
            assert rig.status().state == PolicyStatus.STATE_HOLDING

            rig.image_encoding = 'bgr8'
            rig.wait(lambda: rig.status().state == PolicyStatus.STATE_ACTIVE, 'ACTIVE again')
            count = len(rig.steps)
            rig.wait(lambda: len(rig.steps) > count and rig.steps[-1].image.encoding == 'bgr8',
                     'a chunk computed from a bgr8 frame')
            rig.node.destroy_node()
    finally:
        rclpy.shutdown()


def test_camera_model_without_camera_topic_fails_configure(tmp_path):
    path = tmp_path / 'camera.pact'
    save_checkpoint(camera_policy(), path, {'version': 'cam'})
    args = ['-m', 'pact_policy.policy_node', '--ros-args', '-p', f'model_path:={path}']
    with NodeProcess(args, name='policy_node_no_camera') as peer:
        assert wait_until(lambda: 'configure failed' in peer.output(), TIMEOUT_S), peer.output()
        assert "camera 'wrist'" in peer.output() and 'camera_topic is empty' in peer.output()
        assert peer.alive()  # the node stays up, unconfigured, for a corrected configure


def test_camera_configuration_must_match_the_model():
    blind, seeing = tiny_panda_policy().config, camera_policy().config

    def check(topic, config):
        camera = CameraInput(topic, watchdog=None, lock=None, logger=None)
        return camera.configure(config), camera

    assert 'no image encoder' in check(CAMERA_TOPIC, blind)[0]
    assert 'camera_topic is empty' in check('', seeing)[0]
    message, camera = check(CAMERA_TOPIC, seeing)
    assert message == '' and camera.image_preprocessor.size == 16
    message, camera = check('', blind)
    assert message == '' and camera.image_preprocessor is None
