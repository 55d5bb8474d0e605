# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Guards for rclpy callbacks that parse what a peer sent (policy and trainer nodes)."""

import functools


def peer_input(topic: str, throttle_s: float = 0.0):
    """
    Wrap a subscription callback so that no message, however malformed, ends the process.

    Parsers raise errors naming the field; anything else that escapes is logged with the topic
    (at most one line per ``throttle_s`` seconds when > 0) and the message is dropped, leaving
    the node's last good state in place.
    """
    throttle = {'throttle_duration_sec': throttle_s} if throttle_s > 0 else {}

    def decorate(callback):
        @functools.wraps(callback)
        def guarded(self, message, *args):
            try:
                return callback(self, message, *args)
            except Exception as error:  # noqa: B902 — peer input must never kill the node
                self.get_logger().error(f'{topic}: message rejected: '
                                        f'{type(error).__name__}: {error}', **throttle)
                return None
        return guarded
    return decorate
