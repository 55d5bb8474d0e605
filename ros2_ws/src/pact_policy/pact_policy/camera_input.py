# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Optional camera input of the policy node (a mixin of ``PolicyNode``).

With ``camera_topic`` set the node subscribes sensor_msgs/Image (sensor QoS: best effort,
depth 5), converts each ``rgb8``/``bgr8`` frame with numpy (``core.image_preprocessing``; no
cv_bridge) and feeds the ``camera_image`` watchdog, so a stale or missing image makes the node
hold exactly like stale joint states. Frames in other encodings are rejected with a log and do
not feed the watchdog. Every ``action_dt`` the latest frame is preprocessed for the model
(crop, resize, normalise) together with the observation vector.

The camera is configured exactly when the model has an image encoder: a model with a camera and
no ``camera_topic`` (or the reverse) fails ``configure`` with a message saying what to set.
"""

import time

from pact_policy.core.image_preprocessing import decode_pixels, ImageError, ImagePreprocessor
from pact_policy.core.observation import ObservationError
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image

CAMERA_INPUT = 'camera_image'


class CameraInputMixin:
    """Image subscription, conversion, staleness and per-sample preprocessing."""

    def _create_camera_subscription(self):
        """Subscribe ``camera_topic`` when it is set (called once from ``__init__``)."""
        self.latest_frame = None  # (pixels (H, W, 3) uint8, encoding, Image message)
        self.current_image = None  # preprocessed (3, S, S) float32 of the latest sample
        self.current_image_message = None
        self.last_image = None  # frame of the last inference, for hot-swap smoke tests
        self.image_preprocessor = None
        if self.params.camera_topic:
            self.create_subscription(Image, self.params.camera_topic, self._on_image,
                                     qos_profile_sensor_data)

    def _watchdog_timeouts(self) -> dict:
        """Return the watched inputs and their timeouts (s)."""
        timeouts = {'joint_states': self.params.input_timeout_s}
        if self.params.camera_topic:
            timeouts[CAMERA_INPUT] = self.params.camera_timeout_s
        return timeouts

    def _configure_camera(self, config) -> str:
        """Set up preprocessing for ``config``; return an error message ('' when it fits)."""
        topic = self.params.camera_topic
        if config.uses_image and not topic:
            return (f'the model takes images of camera {config.camera_name!r} '
                    f'({config.image_size} px) but camera_topic is empty; set camera_topic '
                    "to that camera's sensor_msgs/Image topic")
        if topic and not config.uses_image:
            return (f'camera_topic is {topic!r} but the model has no image encoder; clear '
                    'camera_topic or load a model with a camera')
        self.image_preprocessor = (ImagePreprocessor.from_config(config) if config.uses_image
                                   else None)
        return ''

    def _on_image(self, message: Image):
        try:
            pixels = decode_pixels(message.height, message.width, message.encoding,
                                   message.step, message.data)
        except ImageError as error:
            self.get_logger().error(f'camera image on {self.params.camera_topic} rejected: '
                                    f'{error}', throttle_duration_sec=2.0)
            return
        with self._lock:
            self.latest_frame = (pixels, message.encoding, message)
            self.watchdog.feed(CAMERA_INPUT, time.monotonic())

    def _sample_image(self):
        """Preprocess the latest frame for this observation sample (caller holds the lock)."""
        if self.image_preprocessor is None:
            return
        if self.latest_frame is None:
            raise ObservationError('no camera image yet')
        pixels, encoding, message = self.latest_frame
        try:
            self.current_image = self.image_preprocessor.preprocess(pixels, encoding)
        except ImageError as error:
            raise ObservationError(f'camera image unusable: {error}') from error
        self.current_image_message = message
