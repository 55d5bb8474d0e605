# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Batched observation history of N simulated worlds, one entry per executed action row.

A policy with ``n_obs_steps`` > 1 was trained on histories whose entries are ``dt`` apart (one
per executed row of the demonstrations), so closed-loop rollouts must feed it the observation
after EVERY executed row, not only after every chunk. ``RowHistory`` keeps the last
``n_obs_steps`` (N, O) observations; a world that starts a new episode is padded with its first
observation (``restart``), exactly as at the very beginning. ``observation_index`` maps the
environment's observation columns onto the policy's ``observation_names`` by NAME.
"""

from typing import List, Sequence

import numpy as np
import torch


def observation_index(policy, environment_names: Sequence[str]):
    """Return the env columns of the policy's observation names (None: policy has no names)."""
    names = policy.config.observation_names
    if not names:
        if len(environment_names) != policy.config.obs_dim:
            raise ValueError(f'the policy expects {policy.config.obs_dim} unnamed observations, '
                             f'the task gives {len(environment_names)}')
        return None
    missing = [name for name in names if name not in environment_names]
    if missing:
        raise ValueError(f'the task has no observations named {missing[:4]} (it has '
                         f'{list(environment_names)[:6]}...)')
    return [list(environment_names).index(name) for name in names]


class RowHistory:
    """The last ``n_obs_steps`` observations of N worlds, oldest first."""

    def __init__(self, n_obs_steps: int, columns=None):
        """Keep ``n_obs_steps`` entries of the env observation ``columns`` (None = all)."""
        if n_obs_steps < 1:
            raise ValueError(f'n_obs_steps must be >= 1, got {n_obs_steps}')
        self.n_obs_steps, self.columns = n_obs_steps, columns
        self.frames: List[np.ndarray] = []

    def _select(self, observations) -> np.ndarray:
        observations = np.asarray(observations, dtype=np.float32)
        return observations if self.columns is None else observations[:, self.columns]

    def push(self, observations: np.ndarray) -> None:
        """Add (N, O_env) observations (padding with them while the history is empty)."""
        observations = self._select(observations)
        if not self.frames:
            self.frames = [observations.copy() for _ in range(self.n_obs_steps)]
        self.frames = (self.frames + [observations.copy()])[-self.n_obs_steps:]

    def restart(self, rows: Sequence[int], observations: np.ndarray) -> None:
        """Pad worlds ``rows`` with their row of (N, O_env) ``observations`` (new episode)."""
        observations = self._select(observations)
        if not self.frames:
            self.push(observations)
            return
        rows = np.asarray(rows, dtype=int)
        for frame in self.frames:
            frame[rows] = observations[rows]

    def condition(self, device='cpu') -> torch.Tensor:
        """Return the flattened (N, n_obs_steps * O) history, oldest first."""
        return torch.as_tensor(np.concatenate(self.frames, axis=1)).to(device)
