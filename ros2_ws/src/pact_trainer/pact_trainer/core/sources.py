# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Rollout sources that need no simulator.

``ObservationReplaySource`` re-queries the policy on stored observations (e.g. read from MCAP
logs of PolicyStep messages, or the toy problem's fixed observation): each collected step
draws an observation uniformly from the store and samples a fresh chunk from the current
policy. Env steps are accounted as chunks × ``n_action_steps`` (what executing the chunk would
cost); denoiser calls as chunks × sampler evaluations per chunk.
"""

from pact_trainer.core.costs import slice_context
from pact_trainer.core.rollouts import RolloutBatch, RolloutSource
import torch


def sampler_calls(policy, num_steps: int = None, sampler: str = None) -> int:
    """Return denoiser evaluations per sampled chunk for the policy's sampler."""
    sampler = sampler or policy.config.default_sampler
    num_steps = num_steps or policy.config.num_inference_steps
    return 2 * num_steps if sampler == 'midpoint' else num_steps


class ObservationReplaySource(RolloutSource):
    """Sample observations (N_store, O) + context rows uniformly; chunks from the policy."""

    def __init__(self, observations: torch.Tensor, context: dict = None, num_steps: int = None,
                 sampler: str = None):
        if observations.dim() != 2 or observations.shape[0] == 0:
            raise ValueError(f'observation store must be (N, O) with N > 0, got '
                             f'{tuple(observations.shape)}')
        self.observations = observations.float()
        self.context = dict(context or {})
        self.num_steps = num_steps
        self.sampler = sampler

    def collect(self, policy, num_chunks: int, generator: torch.Generator = None):
        """Return ``num_chunks`` steps of the current ``policy`` (no reward, no success)."""
        cpu = torch.Generator().manual_seed(int(torch.randint(
            0, 2 ** 31, (1,), generator=generator, device=generator.device if generator
            else 'cpu').item()))
        index = torch.randint(0, self.observations.shape[0], (num_chunks,), generator=cpu)
        observation = self.observations[index]
        with torch.no_grad():
            action = policy.sample(observation.to(policy.device), sampler=self.sampler,
                                   num_steps=self.num_steps, generator=generator).cpu()
        context = slice_context(self.context, index)
        return RolloutBatch(observation, action, context,
                            env_steps=num_chunks * policy.config.n_action_steps,
                            denoiser_calls=num_chunks * sampler_calls(policy, self.num_steps,
                                                                      self.sampler))
