# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Policy (de)serialisation for trainer checkpoints, safe to load with ``weights_only=True``.

A policy state is ``{'config': PolicyConfig.to_dict(), 'action_normalizer': …,
'observation_normalizer': …, 'weights': state_dict}``: plain dicts, strings, numbers and
tensors only. ``export_policy`` writes the deployable files (config JSON + safetensors) that
``pact_policy`` loads; see the report for the remaining format hand-shake with pact_policy.
"""

import copy
import json
import os
from pathlib import Path

from pact_policy.core.normalizer import Normalizer
from pact_policy.core.policy import DiffusionPolicy
from pact_policy.core.policy_config import PolicyConfig
from safetensors.torch import save_file
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


def atomic_torch_save(obj, path: Path) -> None:
    """Write ``obj`` to ``path`` via a temporary file + fsync + rename (crash-safe)."""
    path = Path(path)
    temporary = path.with_name(path.name + '.tmp')
    with open(temporary, 'wb') as stream:
        torch.save(obj, stream)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)


def export_policy(policy: DiffusionPolicy, directory: Path, metadata: dict = None) -> Path:
    """Write ``config.json`` (config + normalisers + metadata) and ``model.safetensors``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    description = {'config': policy.config.to_dict(),
                   'architecture_id': policy.config.architecture_id,
                   'action_normalizer': policy.action_normalizer.to_dict(),
                   'observation_normalizer': policy.observation_normalizer.to_dict(),
                   'metadata': metadata or {}}
    weights = {k: v.detach().cpu().contiguous() for k, v in policy.state_dict().items()}
    save_file(weights, str(directory / 'model.safetensors'))
    (directory / 'config.json').write_text(json.dumps(description, indent=2))
    return directory
