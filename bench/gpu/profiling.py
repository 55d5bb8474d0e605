# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Counting what one profiled step dispatches (shared by the bench/gpu scripts)."""


def outermost_operators(events) -> int:
    """Return the aten operators not called by another aten operator (forward and backward)."""
    def nested(event):
        parent = event.cpu_parent
        while parent is not None:
            if parent.name.startswith('aten::'):
                return True
            parent = parent.cpu_parent
        return False
    return sum(1 for event in events if event.name.startswith('aten::') and not nested(event))
