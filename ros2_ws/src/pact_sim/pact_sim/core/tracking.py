# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
How closely the simulated arm follows its commands (per-row tracking error).

The tracking error of one executed action row is the largest absolute difference over the ARM
joints (rad; the gripper is excluded: it stalls on a grasped object by design) between the row's
position target and the measured joint position at the end of the row, ``dt`` s after the row
was started. A tuned ros2_control arm following a joint trajectory keeps this to about a
hundredth of a radian; a controller without velocity feed-forward lags a ramp by
``(kv / kp) * velocity``.
"""

from dataclasses import dataclass
from typing import Optional

import numpy as np
from pact_sim.core.experts import ScriptedExpert
from pact_sim.core.scene_builder import RobotConfig
from pact_sim.core.sim_env import SimEnv


@dataclass(frozen=True)
class TrackingStatistics:
    """Per-row tracking errors (rad) of one task and their median / 90th percentile."""

    task: str
    errors: np.ndarray

    @property
    def median(self) -> float:
        """Return the median per-row error (rad)."""
        return float(np.median(self.errors))

    @property
    def p90(self) -> float:
        """Return the 90th percentile of the per-row errors (rad)."""
        return float(np.percentile(self.errors, 90))


def row_tracking_error(env: SimEnv, row: np.ndarray) -> float:
    """Return the arm's tracking error (rad) of ``row`` measured now, at the end of the row."""
    arm = len(env.sim.arm_joints)
    return float(np.max(np.abs(env.joint_positions()[:arm] - np.asarray(row)[:arm])))


def expert_tracking(task: str, seeds, carelessness: float = 0.0,
                    robot: Optional[RobotConfig] = None, progress=None) -> TrackingStatistics:
    """Run the scripted expert on ``seeds`` and collect the per-row tracking errors."""
    env = SimEnv(task, robot=robot)
    expert = ScriptedExpert(env, carelessness)
    errors = []
    for seed in seeds:
        env.reset(seed)
        for row in expert.plan(seed):
            env.step_row(row)
            errors.append(row_tracking_error(env, row))
        if progress is not None:
            progress()
    return TrackingStatistics(task, np.asarray(errors))
