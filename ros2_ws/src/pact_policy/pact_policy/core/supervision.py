# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Safety supervision decisions of the policy node: e-stop latch, input watchdog, latency stats.

All times are seconds on one monotonic clock supplied by the caller (the node passes its own
clock), so the logic is testable without ROS and without sleeping.
"""

from collections import deque
from dataclasses import dataclass, field

import numpy as np


class EStopLatch:
    """
    A latched emergency stop: ``trigger`` latches it; only ``reset`` clears it.

    Releasing the e-stop input (e.g. the e-stop topic going back to False) does NOT clear the
    latch; a reset request does, and it is refused while the e-stop input is still asserted.
    """

    def __init__(self):
        self.latched = False
        self.asserted = False
        self.reason = ''

    def update_input(self, asserted: bool, reason: str = 'e-stop input asserted'):
        """Record the e-stop input level; a rising (or held) assertion latches the stop."""
        self.asserted = bool(asserted)
        if self.asserted:
            self.trigger(reason)

    def trigger(self, reason: str):
        """Latch the stop with ``reason`` (kept from the first trigger while latched)."""
        if not self.latched:
            self.reason = reason
        self.latched = True

    def reset(self, note: str = '') -> tuple:
        """Try to clear the latch; return (success, message)."""
        if self.asserted:
            return False, 'e-stop input is still asserted; release it before resetting'
        if not self.latched:
            return True, 'e-stop was not latched'
        self.latched = False
        message = f'e-stop cleared (was: {self.reason})' + (f'; note: {note}' if note else '')
        self.reason = ''
        return True, message


@dataclass
class InputWatchdog:
    """
    Track when each required input last arrived; report which ones are stale.

    ``timeouts`` maps input name → max age (s); an input that never arrived is stale.
    """

    timeouts: dict
    last_seen: dict = field(default_factory=dict)

    def feed(self, name: str, now: float):
        """Record that ``name`` arrived at time ``now`` (s)."""
        if name not in self.timeouts:
            raise KeyError(f'watchdog does not track input {name!r}')
        self.last_seen[name] = now

    def stale_inputs(self, now: float) -> list:
        """Return the names whose last arrival is older than their timeout (or never)."""
        return [name for name, timeout in self.timeouts.items()
                if name not in self.last_seen or now - self.last_seen[name] > timeout]

    def describe(self, now: float) -> str:
        """Return a human-readable reason for holding, or '' when all inputs are fresh."""
        parts = []
        for name in self.stale_inputs(now):
            if name in self.last_seen:
                parts.append(f'{name} is {now - self.last_seen[name]:.2f} s old '
                             f'(limit {self.timeouts[name]:.2f} s)')
            else:
                parts.append(f'no {name} received yet')
        return '; '.join(parts)


class LatencyWindow:
    """Keep the last ``size`` latencies (s) and report the latest value and percentiles."""

    def __init__(self, size: int = 200):
        self.values = deque(maxlen=size)

    def add(self, seconds: float):
        """Record one latency (s)."""
        self.values.append(float(seconds))

    @property
    def last(self) -> float:
        """Return the latest latency (s), 0 when none."""
        return self.values[-1] if self.values else 0.0

    def percentile(self, q: float) -> float:
        """Return the q-th percentile of the window in s; 0 when it is empty."""
        return float(np.percentile(np.array(self.values), q)) if self.values else 0.0
