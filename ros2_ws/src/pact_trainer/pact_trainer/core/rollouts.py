# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
On-policy rollout data, the abstract rollout source, and the rollout buffer.

A ``RolloutBatch`` holds N executed policy steps: the observation the policy saw (N, O,
unnormalised SI units), the action chunk it proposed (N, H, D, unnormalised), and the cost
context (per-sample tensors with leading N, always including ``'observation'``). It has NO
reward and NO success field: PACT and its baselines never see either.

A rollout source is any object with ``collect(policy, num_chunks, generator) -> RolloutBatch``
(e.g. pact_sim's vectorised env driven by the policy, or logged PolicyStep data). It reports the
env steps it consumed (physics control steps executed, i.e. chunks × executed rows) and the
denoiser calls it spent sampling.

``RolloutBuffer`` is a FIFO of the most recent ``capacity`` steps; its ``state_dict`` holds only
tensors and ints, so checkpoints can be read back with ``torch.load(weights_only=True)``.
"""

from dataclasses import dataclass, field
from typing import Protocol

from pact_trainer.core.costs import slice_context
import torch


@dataclass
class RolloutBatch:
    """N policy steps: observation (N,O), action (N,H,D), context, and their cost in steps."""

    observation: torch.Tensor
    action: torch.Tensor
    context: dict = field(default_factory=dict)
    env_steps: int = 0
    denoiser_calls: int = 0

    def __post_init__(self):
        """Fill the observation into the context and check that every batch axis agrees."""
        self.context = dict(self.context)
        self.context.setdefault('observation', self.observation)
        size = self.observation.shape[0]
        if self.action.dim() != 3 or self.action.shape[0] != size:
            raise ValueError(f'rollout action shape {tuple(self.action.shape)} does not match '
                             f'{size} observations (need (N, H, D))')
        for key, value in self.context.items():
            if value.shape[0] != size:
                raise ValueError(f'rollout context {key!r} has {value.shape[0]} rows, '
                                 f'expected {size}')

    def __len__(self) -> int:
        """Return N."""
        return int(self.observation.shape[0])

    def to(self, device) -> 'RolloutBatch':
        """Return the rows on ``device`` (no step accounting)."""
        return RolloutBatch(self.observation.to(device), self.action.to(device),
                            {key: value.to(device) for key, value in self.context.items()})

    def select(self, index) -> 'RolloutBatch':
        """Return the rows ``index`` (no step accounting)."""
        return RolloutBatch(self.observation[index], self.action[index],
                            slice_context(self.context, index))


class RolloutSource(Protocol):
    """Anything that runs a policy and returns what it saw and proposed (never rewards)."""

    def collect(self, policy, num_chunks: int,
                generator: torch.Generator = None) -> RolloutBatch:
        """Run ``policy`` for ``num_chunks`` policy steps and return the batch."""


def concatenate(batches) -> RolloutBatch:
    """Return one batch with the rows of ``batches`` in order (step counts summed)."""
    batches = list(batches)
    keys = batches[0].context.keys()
    return RolloutBatch(torch.cat([b.observation for b in batches]),
                        torch.cat([b.action for b in batches]),
                        {key: torch.cat([b.context[key] for b in batches]) for key in keys},
                        sum(b.env_steps for b in batches),
                        sum(b.denoiser_calls for b in batches))


class RolloutBuffer:
    """FIFO of the latest ``capacity`` rollout steps, sampled uniformly for distillation."""

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError(f'rollout buffer capacity must be >= 1, got {capacity}')
        self.capacity = capacity
        self.data = None

    def __len__(self) -> int:
        """Return the number of stored steps."""
        return 0 if self.data is None else len(self.data)

    def add(self, batch: RolloutBatch) -> None:
        """Append ``batch`` (detached, on CPU) and drop the oldest rows beyond capacity."""
        batch = RolloutBatch(batch.observation.detach().cpu(), batch.action.detach().cpu(),
                             {k: v.detach().cpu() for k, v in batch.context.items()})
        merged = batch if self.data is None else concatenate([self.data, batch])
        if len(merged) > self.capacity:
            merged = merged.select(slice(len(merged) - self.capacity, None))
        self.data = merged

    def sample(self, batch_size: int, generator: torch.Generator = None) -> RolloutBatch:
        """Return ``batch_size`` rows drawn uniformly with replacement."""
        if self.data is None:
            raise RuntimeError('rollout buffer is empty')
        index = torch.randint(0, len(self.data), (batch_size,), generator=generator)
        return self.data.select(index)

    def state_dict(self) -> dict:
        """Return tensors and ints only (weights_only-loadable)."""
        if self.data is None:
            return {'capacity': self.capacity}
        return {'capacity': self.capacity, 'observation': self.data.observation,
                'action': self.data.action,
                'context': dict(self.data.context)}

    def load_state_dict(self, state: dict) -> None:
        """Restore from ``state_dict`` output."""
        self.capacity = int(state['capacity'])
        self.data = None
        if 'observation' in state:
            self.data = RolloutBatch(state['observation'], state['action'], state['context'])
