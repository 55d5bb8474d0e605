# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""spin_until_shutdown: a stop at any point of the spin is clean, a real rcl error is not."""

import threading

from pact_node_runtime.node_shutdown import spin_until_shutdown
import pytest
import rclpy
from rclpy._rclpy_pybind11 import RCLError
from rclpy.executors import ExternalShutdownException


@pytest.fixture
def context():
    """Return an initialised rclpy context of its own (shut down at the end)."""
    context = rclpy.Context()
    rclpy.init(args=[], context=context)
    yield context
    context.try_shutdown()


def raising(error):
    def spin():
        raise error
    return spin


def test_interrupts_and_external_shutdowns_return(context):
    spin_until_shutdown(raising(KeyboardInterrupt()), context)
    spin_until_shutdown(raising(ExternalShutdownException()), context)


def test_an_rcl_error_after_the_context_was_shut_down_is_a_clean_stop(context):
    def shut_down_then_fail():
        context.shutdown()      # what rclpy's SIGINT handler does from outside the loop
        raise RCLError('failed to initialize wait set: the given context is not valid')
    spin_until_shutdown(shut_down_then_fail, context)


def test_an_rcl_error_on_a_valid_context_propagates(context):
    with pytest.raises(RCLError, match='real failure'):
        spin_until_shutdown(raising(RCLError('real failure')), context)


def test_a_conversion_error_while_the_signal_handler_shuts_down_is_a_clean_stop(context):
    def interrupted_take():  # the context goes down 0.2 s after the error, from another thread
        threading.Timer(0.2, context.shutdown).start()
        raise RuntimeError("Unable to convert call argument '0' to Python object")
    spin_until_shutdown(interrupted_take, context)
    assert not rclpy.ok(context=context)


def test_a_runtime_error_on_a_context_that_stays_valid_propagates(context):
    with pytest.raises(RuntimeError, match='Unable to convert'):
        spin_until_shutdown(raising(RuntimeError('Unable to convert call argument')), context)
