# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The simulator as a training rollout source: worlds, robot costs and the source, built once.

``sim_training_setup`` is what ``pact_align sim`` and the benchmarks call, so every trainer
(PACT, its control, the DPPO baseline) rolls out on the same worlds: ``num_envs`` worlds of
``task`` reset on layouts of the training range only (``training_layout_seed(seed)`` onwards,
``pact_sim.core.seed_ranges``), robot costs built for the policy's action joints with the first
world's scene as template, and every collected step carrying its own world's scene context.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pact_eval.core.sim_source import VectorEnvSource
from pact_sim.core.seed_ranges import training_layout_seed
from pact_sim.core.vector_env import VectorEnv
from pact_trainer.core.alignment_loop import PactAligner, PactConfig
from pact_trainer.core.robot_costs import robot_costs_for_policy, RobotCosts
from pact_world.core.robot_assets import PANDA_SRDF, PANDA_URDF


@dataclass
class SimTraining:
    """The parts a trainer needs to learn from the simulator's worlds."""

    env: VectorEnv
    robot_costs: RobotCosts
    source: VectorEnvSource


def sim_training_setup(policy, task: str, seed: int, constraints: str = '',
                       num_envs: int = 8, device='cpu', urdf: str = PANDA_URDF,
                       srdf: str = PANDA_SRDF) -> SimTraining:
    """Return the worlds, robot costs and rollout source for training ``policy`` on ``task``."""
    env = VectorEnv(task, num_envs)
    source = VectorEnvSource(env, seed=training_layout_seed(seed))   # resets every world
    robot = robot_costs_for_env(policy, env, constraints, device, urdf, srdf)
    source.scene_context = robot.scene_context
    return SimTraining(env, robot, source)


def robot_costs_for_env(policy, env: VectorEnv, constraints: str = '', device='cpu',
                        urdf: str = PANDA_URDF, srdf: str = PANDA_SRDF) -> RobotCosts:
    """Return the robot costs for ``policy`` with the env's first (reset) world as template."""
    return robot_costs_for_policy(policy, env.scenes()[0], urdf, srdf, constraints, device,
                                  env.action_names)


def sim_aligner(policy, task: str, config: PactConfig, constraints: str = '',
                state_dir: Optional[Path] = None, num_envs: int = 8,
                device='cpu') -> PactAligner:
    """Return a PACT aligner of ``policy`` on ``task``'s worlds (training layouts of the seed)."""
    setup = sim_training_setup(policy, task, config.seed, constraints, num_envs, device)
    return PactAligner(policy, setup.robot_costs.cost_set(), setup.source, config,
                       state_dir=state_dir, device=device)
