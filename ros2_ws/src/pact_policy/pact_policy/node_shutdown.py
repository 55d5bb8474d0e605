# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Spin a node until Ctrl-C or an external shutdown, whichever point of the spin it lands at.

rclpy's SIGINT handler (Ctrl-C, ``ros2 launch`` stopping its children, ``exit_with_parent``)
shuts the context down from outside the executor loop. Landing while the executor waits, the
loop raises ``ExternalShutdownException``; landing between the loop's context check and the
construction of its next wait set, rclpy raises ``RCLError`` ("the given context is not
valid"). Both are the same clean stop. An ``RCLError`` while the context is still valid is a
real error and propagates.
"""

from typing import Callable

import rclpy
from rclpy._rclpy_pybind11 import RCLError
from rclpy.executors import ExternalShutdownException


def spin_until_shutdown(spin: Callable[[], None], context=None) -> None:
    """Run ``spin()`` (e.g. ``executor.spin``); return once the process is asked to stop."""
    try:
        spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except RCLError:
        if rclpy.ok(context=context):
            raise
