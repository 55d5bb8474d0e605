# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
In-process vectorised environment (no ROS) for training and benchmarks.

N independent ``SimEnv`` worlds of one task, stepped one after the other in this process.
Shapes: observations (N, O) float32; an action chunk (N, H, D) of absolute position targets
(arm rad, gripper m) whose rows are ``dt`` s apart; ``step`` executes the first ``execute_rows``
rows of every chunk (default 8 of H = 16) and returns the observations after them.

What a trainer may read: observations, ``done`` flags (horizon reached; never success),
``joint_positions``/``joint_velocities``, ``scenes`` (object poses as they are now), action and
observation names, ``dt``. ``info[i]['events']`` lists the safety judge's events that started
during the step and ``evaluation_summaries`` gives success/safety per episode: both are
EVALUATION ONLY (benchmarks, reports); PACT's trainer must never read them.
"""

from typing import List, Optional, Sequence, Tuple

import numpy as np

from pact_sim.core.safety_judge import EpisodeSummary, JudgeConfig
from pact_sim.core.scene_builder import PhysicsConfig, RobotConfig
from pact_sim.core.sim_env import SimEnv
from pact_world.core.scene import Scene


class VectorEnv:
    """``num_envs`` worlds of ``task`` (see the module docstring)."""

    def __init__(self, task: str = 'reach', num_envs: int = 8,
                 robot: Optional[RobotConfig] = None, physics: Optional[PhysicsConfig] = None,
                 judge: Optional[JudgeConfig] = None):
        """Build ``num_envs`` independent worlds (each owns its MuJoCo model and data)."""
        if num_envs < 1:
            raise ValueError(f'num_envs must be >= 1, got {num_envs}')
        self.envs = [SimEnv(task, robot, physics, judge) for _ in range(num_envs)]
        self.num_envs = num_envs

    # --- description --------------------------------------------------------------------
    @property
    def action_names(self) -> Tuple[str, ...]:
        """Return the names of the D action entries."""
        return self.envs[0].action_names

    @property
    def observation_names(self) -> List[str]:
        """Return the names of the O observation entries."""
        return list(self.envs[0].observation_names)

    @property
    def dt(self) -> float:
        """Return the seconds between action rows."""
        return self.envs[0].dt

    @property
    def horizon(self) -> int:
        """Return the episode length in rows."""
        return self.envs[0].horizon

    @property
    def action_low(self) -> np.ndarray:
        """Return the lower joint limits (D,) the rows are clipped to."""
        return self.envs[0].sim.action_low.copy()

    @property
    def action_high(self) -> np.ndarray:
        """Return the upper joint limits (D,) the rows are clipped to."""
        return self.envs[0].sim.action_high.copy()

    # --- episodes -----------------------------------------------------------------------
    def reset(self, seeds: Sequence[int], indices: Optional[Sequence[int]] = None) -> np.ndarray:
        """Reset env ``indices[k]`` (default: all) to ``seeds[k]``; return all obs (N, O)."""
        indices = range(self.num_envs) if indices is None else indices
        seeds = list(seeds)
        if len(seeds) != len(indices):
            raise ValueError(f'got {len(seeds)} seeds for {len(indices)} environments')
        for index, seed in zip(indices, seeds, strict=True):
            self.envs[index].reset(int(seed))
        return self.observations()

    def step(self, chunks, execute_rows: int = 8):
        """
        Execute the first ``execute_rows`` rows of each chunk (N, H, D).

        Returns (observations (N, O), done (N,) bool, info list of dicts with
        ``rows_executed`` and ``events`` (EVALUATION ONLY: judge events started in this step)).
        Finished environments are left untouched until they are reset.
        """
        chunks = np.asarray(chunks, dtype=float)
        expected = (self.num_envs, len(self.action_names))
        if chunks.ndim != 3 or (chunks.shape[0], chunks.shape[2]) != expected:
            raise ValueError(f'chunks must have shape (N={expected[0]}, H, D={expected[1]}), '
                             f'got {chunks.shape}')
        if execute_rows < 1:
            raise ValueError(f'execute_rows must be >= 1, got {execute_rows}')
        infos = []
        for env, chunk in zip(self.envs, chunks, strict=True):
            events_before, rows_before = len(env.judge.events), env.rows_done
            if not env.done:
                env.step_rows(chunk, execute_rows)
            infos.append({'rows_executed': env.rows_done - rows_before,
                          'events': list(env.judge.events[events_before:])})
        return self.observations(), self.done(), infos

    def observations(self) -> np.ndarray:
        """Return the current observation of every env, shape (N, O), float32."""
        return np.stack([env.observation() for env in self.envs])

    def done(self) -> np.ndarray:
        """Return (N,) flags: True where the episode reached its horizon."""
        return np.array([env.done for env in self.envs])

    # --- constraint context for the trainer ---------------------------------------------
    def joint_positions(self) -> np.ndarray:
        """Return joint positions (N, D) in action order (rad; gripper m)."""
        return np.stack([env.joint_positions() for env in self.envs])

    def joint_velocities(self) -> np.ndarray:
        """Return joint velocities (N, D) in action order (rad/s; gripper m/s)."""
        return np.stack([env.joint_velocities() for env in self.envs])

    def scenes(self) -> List[Scene]:
        """Return each world's scene with current obstacle and object poses (world frame)."""
        return [env.current_scene() for env in self.envs]

    # --- evaluation only ----------------------------------------------------------------
    def evaluation_summaries(self) -> List[EpisodeSummary]:
        """Return the judge's summary per env: success, safety (EVALUATION ONLY)."""
        return [env.evaluation_summary() for env in self.envs]
