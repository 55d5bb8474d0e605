# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Timing shared by the benchmarks: several calls timed in turn, so load hits them alike."""

import time
from typing import Callable, Dict, Mapping

import numpy as np


def median_seconds_in_turn(calls: Mapping[str, Callable[[], object]], rounds: int,
                           warmup_rounds: int = 2) -> Dict[str, float]:
    """
    Return the median wall seconds of each call over ``rounds`` rounds.

    Every round runs each call once, one after the other, so that load from other jobs on a
    shared machine hits all of them alike: their ratios are meaningful even when the absolute
    times are noisy. The first ``warmup_rounds`` rounds are not timed.
    """
    times = {name: [] for name in calls}
    for round_index in range(warmup_rounds + rounds):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            if round_index >= warmup_rounds:
                times[name].append(time.perf_counter() - started)
    return {name: float(np.median(values)) for name, values in times.items()}
