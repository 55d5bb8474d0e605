# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Turn logged or live policy steps (PolicyStep fields, ROS-free) into rollout batches.

Observations and actions are mapped by NAME onto the policy's ``observation_names`` /
``action_names`` (order may differ between robots; a policy without names is matched by
size); a step whose names do not cover the
policy's, or whose sizes are inconsistent or non-finite, is rejected with a reason and counted.
Given the policy's normalizers, a step whose observation or action lies more than
``max_normalized`` normalizer ranges from the centre (finite but absurd values such as 1e30,
which would turn the distillation loss and then the weights into NaN) is rejected as well.
Only the observation, the proposed chunk and the identity of the scene the step was taken in
(robot, ``scene_version``) are kept: no success, no reward. ``drain(scene_context)`` turns the
scene identities into per-sample cost context rows (e.g. obstacle poses of that scene).
"""

from dataclasses import dataclass

import numpy as np
from pact_trainer.core.costs import slice_context
from pact_trainer.core.rollouts import RolloutBatch
import torch


@dataclass
class StepRecord:
    """The fields of one PolicyStep the trainer uses (arrays are flat, row-major)."""

    robot: str
    episode_id: str
    model_version: str
    observation_names: list
    observation: np.ndarray
    action_names: list
    action_horizon: int
    action_dim: int
    action_chunk: np.ndarray
    scene_version: int = 0


# Steps with values beyond this many normalizer ranges from the centre are refused.
DEFAULT_MAX_NORMALIZED = 100.0


class RolloutIntake:
    """Accumulate validated steps for a policy configuration; drain them as a RolloutBatch."""

    def __init__(self, observation_names, action_names, horizon: int, n_action_steps: int,
                 obs_dim: int = 0, action_dim: int = 0, observation_normalizer=None,
                 action_normalizer=None,
                 max_normalized: float = DEFAULT_MAX_NORMALIZED):
        """
        Prepare an empty intake for a policy with these names and sizes.

        ``observation_normalizer``/``action_normalizer``: pact_policy Normalizers (offset and
        scale per dimension, in the policy's order) or None; values with
        |x - offset| / scale > ``max_normalized`` are refused.
        """
        self.normalizers = {'observation': observation_normalizer,
                            'action': action_normalizer}
        self.max_normalized = float(max_normalized)
        self.obs_dim = obs_dim or len(observation_names)
        self.action_dim = action_dim or len(action_names)
        self.observation_names = list(observation_names)
        self.action_names = list(action_names)
        self.horizon = horizon
        self.n_action_steps = n_action_steps
        self.observations, self.actions, self.scene_keys = [], [], []
        self.rejected = {}
        self.accepted_total = 0

    def __len__(self) -> int:
        """Return the number of steps waiting to be drained."""
        return len(self.observations)

    def add(self, step: StepRecord) -> str:
        """Validate and store ``step``; return '' or the reason it was rejected."""
        reason = self._check(step)
        if reason:
            self.rejected[reason] = self.rejected.get(reason, 0) + 1
            return reason
        observation = np.asarray(step.observation, dtype=np.float32)
        chunk = np.asarray(step.action_chunk, dtype=np.float32).reshape(
            step.action_horizon, step.action_dim)
        if self.observation_names:
            observation = _by_name(observation, step.observation_names, self.observation_names)
        if self.action_names:
            chunk = chunk[:, [step.action_names.index(n) for n in self.action_names]]
        reason = self._range_reason(observation, chunk)
        if reason:
            self.rejected[reason] = self.rejected.get(reason, 0) + 1
            return reason
        self.observations.append(observation)
        self.actions.append(chunk)
        self.scene_keys.append((step.robot, int(step.scene_version)))
        self.accepted_total += 1
        return ''

    def drain(self, scene_context=None) -> RolloutBatch:
        """
        Return every stored step as a batch (env steps = steps × n_action_steps) and clear.

        ``scene_context(keys)``, given the (robot, scene_version) of each step, returns
        (context rows with leading N, valid (N,) bool); steps that are not valid (e.g. no
        usable scene) are dropped and counted in ``rejected``.
        """
        observation = torch.as_tensor(np.stack(self.observations))
        action = torch.as_tensor(np.stack(self.actions))
        keys = self.scene_keys
        self.observations, self.actions, self.scene_keys = [], [], []
        steps = len(observation) * self.n_action_steps
        if scene_context is None:
            return RolloutBatch(observation, action, env_steps=steps)
        context, valid = scene_context(keys)
        valid = torch.as_tensor(valid, dtype=torch.bool)
        dropped = int((~valid).sum())
        if dropped:
            reason = 'no usable scene for the step'
            self.rejected[reason] = self.rejected.get(reason, 0) + dropped
        return RolloutBatch(observation[valid], action[valid],
                            slice_context(context, valid),
                            env_steps=steps)

    def _range_reason(self, observation: np.ndarray, chunk: np.ndarray) -> str:
        """Return why float32 values are non-finite or absurd against the normalizers ('')."""
        for what, values in (('observation', observation), ('action', chunk)):
            if not np.all(np.isfinite(values)):
                return f'{what} overflows float32'
            normalizer = self.normalizers[what]
            if normalizer is None or values.shape[-1] % normalizer.dim:
                continue
            frames = values.shape[-1] // normalizer.dim  # an observation history: n frames
            offset, scale = np.tile(normalizer.offset, frames), np.tile(normalizer.scale, frames)
            distance = np.abs((values.astype(np.float64) - offset) / scale)
            if float(distance.max()) > self.max_normalized:
                return (f'{what} outside {self.max_normalized:g} normalizer ranges of the '
                        f'policy (max {float(distance.max()):.3g})')
        return ''

    def _check(self, step: StepRecord) -> str:
        if step.action_horizon != self.horizon:
            return f'action_horizon {step.action_horizon} != policy horizon {self.horizon}'
        if len(step.action_chunk) != step.action_horizon * step.action_dim:
            return 'action_chunk length != action_horizon * action_dim'
        if not self.action_names and step.action_dim != self.action_dim:
            return f'action_dim {step.action_dim} != policy action_dim {self.action_dim}'
        if not self.observation_names and len(step.observation) != self.obs_dim:
            return f'observation length {len(step.observation)} != policy obs_dim {self.obs_dim}'
        if self.action_names and len(step.action_names) != step.action_dim:
            return 'action_names length != action_dim'
        if self.observation_names and len(step.observation_names) != len(step.observation):
            return 'observation_names length != observation length'
        missing = sorted(set(self.action_names) - set(step.action_names))
        missing += sorted(set(self.observation_names) - set(step.observation_names))
        if missing:
            return f'missing names {missing[:3]}'
        if not (np.all(np.isfinite(step.observation)) and np.all(np.isfinite(step.action_chunk))):
            return 'non-finite observation or action'
        return ''


def _by_name(values, names, wanted) -> np.ndarray:
    index = {name: i for i, name in enumerate(names)}
    return np.asarray(values, dtype=np.float32)[[index[name] for name in wanted]]
