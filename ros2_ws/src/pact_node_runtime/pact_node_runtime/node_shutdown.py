# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Spin a node until Ctrl-C or an external shutdown, whichever point of the spin it lands at.

rclpy's SIGINT handler (Ctrl-C, ``ros2 launch`` stopping its children, ``exit_with_parent``)
shuts the context down from outside the executor loop. Landing while the executor waits, the
loop raises ``ExternalShutdownException``; landing between the loop's context check and the
construction of its next wait set, rclpy raises ``RCLError`` ("the given context is not
valid"); landing inside a message take, pybind11 turns the pending KeyboardInterrupt into a
RuntimeError ("Unable to convert call argument"). All are the same clean stop once the context
is shut down (waited for up to CONTEXT_SHUTDOWN_WAIT_S); a RuntimeError on a context that stays
valid is a real error and propagates.
"""

import time
from typing import Callable

import rclpy
from rclpy.executors import ExternalShutdownException

CONTEXT_SHUTDOWN_WAIT_S = 2.0


def spin_until_shutdown(spin: Callable[[], None], context=None) -> None:
    """Run ``spin()`` (e.g. ``executor.spin``); return once the process is asked to stop."""
    try:
        spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except RuntimeError:  # RCLError, or pybind11's 'Unable to convert call argument'
        if not context_goes_down(context):
            raise


def context_goes_down(context=None, wait_s: float = CONTEXT_SHUTDOWN_WAIT_S) -> bool:
    """
    Return True once ``context`` is shut down, waiting up to ``wait_s`` (s) for it.

    A Ctrl-C that lands inside a C++ call of rclpy surfaces as a RuntimeError (``RCLError``,
    or pybind11's "Unable to convert call argument" for the pending KeyboardInterrupt), and
    rclpy's signal handler may shut the context down a moment after the error is raised.
    """
    deadline = time.monotonic() + wait_s
    while rclpy.ok(context=context):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
