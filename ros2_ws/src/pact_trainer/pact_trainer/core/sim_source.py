# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Rollout source over pact_sim's in-process vectorised environment (the benchmark fast path).

``collect`` runs the policy in N worlds: observe (N, O) → sample chunks (N, H, D) → execute the
first ``n_action_steps`` rows → repeat, resetting finished worlds with fresh layout seeds. It
reads observations, joint positions, the current scenes (randomised obstacle layout, tracked
object poses) and the done flag only; the simulator's judge events, rewards and success
summaries are evaluation-only and never touched here.

Per step the context holds ``'joint_position'`` (N, D, action order: where each chunk starts)
and, with ``scene_context`` (e.g. ``RobotCosts.scene_context``), the rows it returns for the
scene each world was in when the chunk was sampled (obstacle tensors, object keypoints), so the
robot costs are evaluated against the layout each sample came from. Observations are mapped by NAME
onto the policy's ``observation_names`` when the policy has names. Env steps = action rows
actually executed (each row = ``dt`` s of simulated time).
"""

import numpy as np
from pact_trainer.core.rollouts import RolloutBatch
from pact_trainer.core.sources import sampler_calls
import torch


class VectorEnvSource:
    """Drive a ``pact_sim.core.vector_env.VectorEnv`` with the current policy."""

    def __init__(self, env, seed: int = 0, num_steps: int = None, scene_context=None):
        self.env = env
        self.next_seed = seed
        self.num_steps = num_steps
        self.scene_context = scene_context
        self.env.reset(self._seeds(env.num_envs))

    def _seeds(self, count: int) -> list:
        seeds = list(range(self.next_seed, self.next_seed + count))
        self.next_seed += count
        return seeds

    def _observation_index(self, policy):
        names = policy.config.observation_names
        if not names:
            return None
        env_names = self.env.observation_names
        missing = sorted(set(names) - set(env_names))
        if missing:
            raise ValueError(f'the environment has no observations named {missing[:3]}')
        return [env_names.index(name) for name in names]

    def collect(self, policy, num_chunks: int, generator: torch.Generator = None):
        """Return at least ``num_chunks`` steps (a multiple of the env count)."""
        index = self._observation_index(policy)
        rows = policy.config.n_action_steps
        observations, actions, contexts = [], [], []
        env_steps = calls = 0
        while len(observations) * self.env.num_envs < num_chunks:
            finished = np.flatnonzero(self.env.done())
            if finished.size:
                self.env.reset(self._seeds(finished.size), finished.tolist())
            observation = self.env.observations()
            if index is not None:
                observation = observation[:, index]
            observation = torch.as_tensor(observation, dtype=torch.float32)
            with torch.no_grad():
                chunk = policy.sample(observation.to(policy.device), num_steps=self.num_steps,
                                      generator=generator).cpu()
            contexts.append(self._context())
            _, _, infos = self.env.step(chunk.numpy(), execute_rows=rows)
            env_steps += sum(info['rows_executed'] for info in infos)
            calls += self.env.num_envs * sampler_calls(policy, self.num_steps)
            observations.append(observation)
            actions.append(chunk)
        context = {key: torch.cat([rows[key] for rows in contexts]) for key in contexts[0]}
        return RolloutBatch(torch.cat(observations), torch.cat(actions), context,
                            env_steps=env_steps, denoiser_calls=calls)

    def _context(self) -> dict:
        """Return the cost context of the worlds as they are before the step."""
        context = {'joint_position': torch.as_tensor(self.env.joint_positions(),
                                                     dtype=torch.float32)}
        if self.scene_context is not None:
            context.update(self.scene_context(self.env.scenes()))
        return context
