# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Rollout source over pact_sim's in-process vectorised environment (the benchmark fast path).

``collect`` runs the policy in N worlds: observe (N, O) → sample chunks (N, H, D) → execute the
first ``n_action_steps`` rows → repeat, resetting finished worlds with fresh layout seeds. It
reads observations, joint positions, the current scenes (randomised obstacle layout, tracked
object poses) and the done flag only; the simulator's judge events, rewards and success
summaries are evaluation-only and never touched here.

Per step the context holds ``'joint_position'`` (N, D, action order: where each chunk starts),
``'previous_command'`` (N, D: the last row the world executed, or its joint positions at the
start of an episode; the reference of the chunk's first velocity row, because position targets
lead the measured state by the tracking lag) and, with ``scene_context`` (e.g.
``RobotCosts.scene_context``), the rows it returns for the scene each world was in when the
chunk was sampled (obstacle tensors, object keypoints), so the robot costs are evaluated
against the layout each sample came from. Observations are mapped by NAME onto the policy's
``observation_names`` when the policy has names; a policy with an observation history
(``n_obs_steps`` > 1) gets the observation after every executed row (``RowHistory``), as in
evaluation and in the demonstrations. Env steps = action rows actually executed (each row =
``dt`` s of simulated time).
"""

import numpy as np
from pact_eval.core.observation_history import observation_index, RowHistory
from pact_trainer.core.cost_context import JOINT_POSITION, PREVIOUS_COMMAND
from pact_trainer.core.rollouts import RolloutBatch, RolloutSource
from pact_trainer.core.sources import sampler_calls
import torch


class VectorEnvSource(RolloutSource):
    """Drive a ``pact_sim.core.vector_env.VectorEnv`` with the current policy."""

    def __init__(self, env, seed: int = 0, num_steps: int = None, scene_context=None):
        self.env = env
        self.next_seed = seed
        self.num_steps = num_steps
        self.scene_context = scene_context
        self.history = None
        self.env.reset(self._seeds(env.num_envs))
        self.previous_command = env.joint_positions().astype(np.float32)

    def _seeds(self, count: int) -> list:
        seeds = list(range(self.next_seed, self.next_seed + count))
        self.next_seed += count
        return seeds

    def _history_for(self, policy) -> RowHistory:
        """Return the observation history the policy reads (kept across ``collect`` calls)."""
        columns = observation_index(policy, self.env.observation_names)
        steps = policy.config.n_obs_steps
        if self.history is None or (self.history.n_obs_steps, self.history.columns) != (
                steps, columns):
            self.history = RowHistory(steps, columns)
            self.history.push(self.env.observations())
        return self.history

    def collect(self, policy, num_chunks: int, generator: torch.Generator = None):
        """Return at least ``num_chunks`` steps (a multiple of the env count)."""
        history = self._history_for(policy)
        observations, actions, contexts = [], [], []
        env_steps = calls = 0
        while len(observations) * self.env.num_envs < num_chunks:
            finished = np.flatnonzero(self.env.done())
            if finished.size:
                self.env.reset(self._seeds(finished.size), finished.tolist())
                history.restart(finished, self.env.observations())
                self.previous_command[finished] = self.env.joint_positions()[finished]
            observation = history.condition()
            with torch.no_grad():
                chunk = policy.sample(observation.to(policy.device), num_steps=self.num_steps,
                                      generator=generator).cpu()
            contexts.append(self._context())
            env_steps += self._execute(chunk.numpy(), policy.config.n_action_steps, history)
            calls += self.env.num_envs * sampler_calls(policy, self.num_steps)
            observations.append(observation)
            actions.append(chunk)
        context = {key: torch.cat([rows[key] for rows in contexts]) for key in contexts[0]}
        return RolloutBatch(torch.cat(observations), torch.cat(actions), context,
                            env_steps=env_steps, denoiser_calls=calls)

    def _execute(self, chunks: np.ndarray, rows: int, history: RowHistory) -> int:
        """Execute ``rows`` rows of every chunk, feeding the history; return rows executed."""
        per_world = np.zeros(len(chunks), dtype=int)
        batches = [(0, rows)] if history.n_obs_steps == 1 else [(row, 1) for row in range(rows)]
        for first, count in batches:  # one row at a time when the history needs every row
            observations, _, infos = self.env.step(chunks[:, first:], execute_rows=count)
            history.push(observations)
            per_world += [info['rows_executed'] for info in infos]
        moved = np.flatnonzero(per_world)
        self.previous_command[moved] = chunks[moved, per_world[moved] - 1]
        return int(per_world.sum())

    def _context(self) -> dict:
        """Return the cost context of the worlds as they are before the step."""
        context = world_context(self.env, self.scene_context)
        context[PREVIOUS_COMMAND] = torch.as_tensor(self.previous_command.copy())
        return context


def world_context(env, scene_context=None) -> dict:
    """
    Return the cost context of ``env``'s worlds as they are now (rows = worlds).

    ``'joint_position'`` (N, D, action order) plus, with ``scene_context`` (e.g.
    ``RobotCosts.scene_context``), the rows it returns for the worlds' current scenes.
    """
    context = {JOINT_POSITION: torch.as_tensor(env.joint_positions(), dtype=torch.float32)}
    if scene_context is not None:
        context.update(scene_context(env.scenes()))
    return context
