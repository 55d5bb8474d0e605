# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Optional camera input of the policy node (``CameraInput``, held by ``PolicyNode``).

With ``camera_topic`` set the node subscribes sensor_msgs/Image (sensor QoS: best effort,
depth 5) with ``CameraInput.on_image``, which converts each ``rgb8``/``bgr8`` frame with numpy
(``core.image_preprocessing``; no cv_bridge) and feeds the ``camera_image`` watchdog, so a stale
or missing image makes the node hold exactly like stale joint states. Frames in other encodings
are rejected with a log and do not feed the watchdog. Every ``action_dt`` the latest frame is
preprocessed for the model (crop, resize, normalise) together with the observation vector.

The camera is configured exactly when the model has an image encoder: a model with a camera and
no ``camera_topic`` (or the reverse) fails ``configure`` with a message saying what to set.
"""

import time
from typing import NamedTuple, Optional

import numpy as np
from pact_policy.core.image_preprocessing import decode_pixels, ImageError, ImagePreprocessor
from pact_policy.core.observation import ObservationError

CAMERA_INPUT = 'camera_image'


class CameraFrame(NamedTuple):
    """The frame of one observation sample."""

    image: np.ndarray  # preprocessed (3, S, S) float32, the model's input
    message: object    # the sensor_msgs/Image it came from (PolicyStep carries it)


def camera_timeouts(topic: str, timeout_s: float) -> dict:
    """Return the watchdog entry of the camera ({} without ``topic``): name → timeout (s)."""
    return {CAMERA_INPUT: timeout_s} if topic else {}


class CameraInput:
    """Image conversion, staleness and per-sample preprocessing."""

    def __init__(self, topic: str, watchdog, lock, logger, clock=time.monotonic):
        """
        Take frames of ``topic`` ('' = no camera).

        ``watchdog`` (an ``InputWatchdog`` watching ``CAMERA_INPUT``) is fed at ``clock()`` s
        under ``lock`` (the node's) for every usable frame; rejections go to ``logger``.
        """
        self.topic = topic
        self.watchdog, self.lock, self.logger, self.clock = watchdog, lock, logger, clock
        self.latest_frame = None  # (pixels (H, W, 3) uint8, encoding, Image message)
        self.image_preprocessor = None

    def configure(self, config) -> str:
        """Set up preprocessing for ``config``; return an error message ('' when it fits)."""
        if config.uses_image and not self.topic:
            return (f'the model takes images of camera {config.camera_name!r} '
                    f'({config.image_size} px) but camera_topic is empty; set camera_topic '
                    "to that camera's sensor_msgs/Image topic")
        if self.topic and not config.uses_image:
            return (f'camera_topic is {self.topic!r} but the model has no image encoder; clear '
                    'camera_topic or load a model with a camera')
        self.image_preprocessor = (ImagePreprocessor.from_config(config) if config.uses_image
                                   else None)
        return ''

    def on_image(self, message) -> None:
        """Subscription callback of sensor_msgs/Image: keep the frame, feed the watchdog."""
        try:
            pixels = decode_pixels(message.height, message.width, message.encoding,
                                   message.step, message.data)
        except ImageError as error:
            self.logger.error(f'camera image on {self.topic} rejected: {error}',
                              throttle_duration_sec=2.0)
            return
        with self.lock:
            self.latest_frame = (pixels, message.encoding, message)
            self.watchdog.feed(CAMERA_INPUT, self.clock())

    def sample(self) -> Optional[CameraFrame]:
        """Return the latest frame preprocessed (None without a camera); caller holds the lock."""
        if self.image_preprocessor is None:
            return None
        if self.latest_frame is None:
            raise ObservationError('no camera image yet')
        pixels, encoding, message = self.latest_frame
        try:
            return CameraFrame(self.image_preprocessor.preprocess(pixels, encoding), message)
        except ImageError as error:
            raise ObservationError(f'camera image unusable: {error}') from error
