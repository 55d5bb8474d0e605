# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""E-stop latch, input watchdog and latency window decisions."""

import numpy as np
from pact_policy.core.supervision import EStopLatch, InputWatchdog, LatencyWindow


def test_estop_latches_until_reset_and_refuses_reset_while_asserted():
    latch = EStopLatch()
    assert latch.reset() == (True, 'e-stop was not latched')
    latch.update_input(True)
    assert latch.latched
    success, message = latch.reset('operator')
    assert not success and 'still asserted' in message and latch.latched
    latch.update_input(False)
    assert latch.latched  # releasing the input is not a reset
    success, message = latch.reset('operator')
    assert success and 'operator' in message and not latch.latched


def test_estop_keeps_first_reason():
    latch = EStopLatch()
    latch.trigger('first')
    latch.trigger('second')
    assert latch.reason == 'first'


def test_watchdog_reports_missing_and_stale_inputs():
    watchdog = InputWatchdog({'joint_states': 0.5, 'scene': 2.0})
    assert watchdog.stale_inputs(0.0) == ['joint_states', 'scene']
    watchdog.feed('joint_states', 10.0)
    watchdog.feed('scene', 10.0)
    assert watchdog.stale_inputs(10.4) == []
    assert watchdog.stale_inputs(10.6) == ['joint_states']
    assert watchdog.describe(10.6) == 'joint_states is 0.60 s old (limit 0.50 s)'


def test_latency_window_percentiles():
    window = LatencyWindow(size=100)
    for value in range(1, 201):
        window.add(value / 1000.0)
    assert window.last == 0.2
    assert window.percentile(50) == np.percentile(np.arange(101, 201) / 1000.0, 50)
