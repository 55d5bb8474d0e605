# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Policy (de)serialisation for trainer checkpoints, safe to load with ``weights_only=True``.

A policy state is ``{'config': PolicyConfig.to_dict(), 'action_normalizer': …,
'observation_normalizer': …, 'weights': state_dict}``: plain dicts, strings, numbers and
tensors only. Deployable archives are pact_policy checkpoints
(``pact_policy.core.checkpoint``).
"""

import copy
import os
from pathlib import Path

from pact_policy.core.normalizer import Normalizer
from pact_policy.core.policy import DiffusionPolicy
from pact_policy.core.policy_config import PolicyConfig
import torch


def policy_state(policy: DiffusionPolicy) -> dict:
    """Return the weights_only-loadable description of ``policy`` (weights on CPU)."""
    return {'config': policy.config.to_dict(),
            'action_normalizer': policy.action_normalizer.to_dict(),
            'observation_normalizer': policy.observation_normalizer.to_dict(),
            'weights': {k: v.detach().cpu().clone() for k, v in policy.state_dict().items()}}


def policy_from_state(state: dict, device: str = 'cpu') -> DiffusionPolicy:
    """Rebuild a policy from ``policy_state`` output (architecture validated by load)."""
    policy = DiffusionPolicy(PolicyConfig.from_dict(state['config']),
                             Normalizer.from_dict(state['action_normalizer']),
                             Normalizer.from_dict(state['observation_normalizer']))
    policy.load_state_dict(state['weights'])
    return policy.to(device)


def frozen_copy(policy: DiffusionPolicy) -> DiffusionPolicy:
    """Return an eval-mode deep copy whose parameters need no gradient."""
    clone = copy.deepcopy(policy).eval()
    for parameter in clone.parameters():
        parameter.requires_grad_(False)
    return clone


def atomic_write_bytes(data: bytes, path: Path) -> None:
    """
    Write ``data`` to ``path`` via a temporary file + fsync + rename (crash-safe).

    A reader (or a kill -9 at any moment) sees the previous file or the complete new one,
    never a truncated file.
    """
    path = Path(path)
    temporary = path.with_name(path.name + '.tmp')
    with open(temporary, 'wb') as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)


def atomic_torch_save(obj, path: Path) -> None:
    """Write ``obj`` to ``path`` via a temporary file + fsync + rename (crash-safe)."""
    path = Path(path)
    temporary = path.with_name(path.name + '.tmp')
    with open(temporary, 'wb') as stream:
        torch.save(obj, stream)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
