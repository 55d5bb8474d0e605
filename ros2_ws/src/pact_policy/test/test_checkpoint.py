# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Checkpoint archives: exact round trip, determinism, and rejection of bad archives by name."""

import io
import json
import zipfile

import numpy as np
from pact_policy.core.checkpoint import (
    checkpoint_bytes, CheckpointError, load_checkpoint, read_checkpoint_metadata, save_checkpoint,
    sha256_hex)
from pact_policy.core.normalizer import Normalizer
from pact_policy.core.policy import DiffusionPolicy
from pact_policy.core.policy_config import PolicyConfig
import pytest
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
import torch


def make_policy(model_type='unet', **overrides):
    settings = {'action_dim': 3, 'obs_dim': 5, 'horizon': 8, 'n_obs_steps': 2,
                'n_action_steps': 4, 'model_type': model_type, 'unet_down_dims': [8, 16],
                'unet_kernel_size': 3, 'mlp_hidden_dim': 16, 'mlp_num_blocks': 1,
                'time_embed_dim': 8, 'action_names': ['j1', 'j2', 'j3']}
    config = PolicyConfig(**{**settings, **overrides})
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    return DiffusionPolicy(config, Normalizer.fit(rng.uniform(-1, 2, (40, 3)), 'minmax'),
                           Normalizer.fit(rng.normal(size=(40, 5)), 'gaussian'))


def rebuild(data: bytes, mutate) -> bytes:
    """Return an archive whose members went through ``mutate(dict name -> bytes)``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    mutate(members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def edit_json(edit):
    def mutate(members):
        description = json.loads(members['policy.json'])
        edit(description)
        members['policy.json'] = json.dumps(description).encode()
    return mutate


@pytest.mark.parametrize('model_type', ['mlp', 'unet'])
def test_round_trip_is_exact(tmp_path, model_type):
    policy = make_policy(model_type)
    path = tmp_path / 'policy.pact'
    digest = save_checkpoint(policy, path, {'version': 'v7', 'parent_version': 'v6'})
    loaded = load_checkpoint(path, expected_architecture_id=policy.config.architecture_id,
                             expected_sha256=digest)
    assert loaded.version == 'v7' and loaded.metadata['parent_version'] == 'v6'
    assert loaded.sha256 == digest == sha256_hex(path.read_bytes())
    assert loaded.policy.config == policy.config
    for name, tensor in policy.state_dict().items():
        assert torch.equal(loaded.policy.state_dict()[name], tensor), name
    np.testing.assert_array_equal(loaded.policy.action_normalizer.scale,
                                  policy.action_normalizer.scale)
    observation = torch.randn(2, 10)
    noise = torch.randn(2, 8, 3)
    torch.testing.assert_close(loaded.policy.sample(observation, noise=noise, num_steps=3),
                               policy.eval().sample(observation, noise=noise, num_steps=3),
                               rtol=0, atol=0)
    # Deterministic bytes: the same weights and metadata give the same archive and digest.
    assert checkpoint_bytes(loaded.policy, loaded.metadata) == path.read_bytes()


def test_weights_are_plain_safetensors():
    data = checkpoint_bytes(make_policy())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        tensors = load_safetensors(archive.read('weights.safetensors'))
        assert sorted(archive.namelist()) == ['policy.json', 'weights.safetensors']
    assert set(tensors) == set(make_policy().state_dict())


def test_architecture_mismatch_is_named():
    data = checkpoint_bytes(make_policy())
    other = make_policy(unet_down_dims=[16, 32]).config.architecture_id
    with pytest.raises(CheckpointError, match='architecture mismatch: checkpoint .*unet1d-8-16'):
        load_checkpoint(data, expected_architecture_id=other)


def test_sha256_mismatch_is_rejected():
    data = checkpoint_bytes(make_policy())
    with pytest.raises(CheckpointError, match='sha256 mismatch'):
        load_checkpoint(data, expected_sha256='0' * 64)


@pytest.mark.parametrize('mutate, message', [
    (edit_json(lambda d: d['config'].update(horizon=16)), 'does not match its config'),
    (edit_json(lambda d: d.update(format='other/9')), "unsupported checkpoint format 'other/9'"),
    (edit_json(lambda d: d['config'].update(horizon=-1)), 'horizon must be a positive integer'),
    (edit_json(lambda d: d['normalizers']['action'].update(min=[0.0, 0.0])),
     'action normaliser'),
    (edit_json(lambda d: d['normalizers'].pop('observation')), 'observation normaliser'),
    (lambda m: m.update({'policy.json': b'{not json'}), 'not valid JSON'),
    (lambda m: m.update({'extra.bin': b'x'}), 'archive holds'),
    (lambda m: m.update({'weights.safetensors': m['weights.safetensors'][:-7]}),
     'tampered weights'),
], ids=['arch-id', 'format', 'config', 'normaliser-dims', 'normaliser-missing', 'json',
        'extra-member', 'truncated-weights'])
def test_tampered_archives_are_rejected(mutate, message):
    data = rebuild(checkpoint_bytes(make_policy()), mutate)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(data)


def _replace_weights(tensors_edit):
    """Change the weights and keep the JSON digest consistent (a well-formed but wrong file)."""
    def mutate(members):
        tensors = dict(load_safetensors(members['weights.safetensors']))
        tensors_edit(tensors)
        members['weights.safetensors'] = save_safetensors(tensors)
        description = json.loads(members['policy.json'])
        description['weights_sha256'] = sha256_hex(members['weights.safetensors'])
        members['policy.json'] = json.dumps(description).encode()
    return mutate


@pytest.mark.parametrize('edit, message', [
    (lambda t: t.update({'denoiser.final.1.bias': torch.zeros(4)}),
     'weight denoiser.final.1.bias: shape \\(4,\\)'),
    (lambda t: t.pop('denoiser.final.1.bias'), "missing \\['denoiser.final.1.bias'\\]"),
    (lambda t: t.update({'denoiser.extra': torch.zeros(1)}), "unexpected \\['denoiser.extra'\\]"),
    (lambda t: t['denoiser.final.1.bias'].fill_(float('nan')), 'contains NaN or Inf'),
    (lambda t: t.update({'denoiser.final.1.bias': t['denoiser.final.1.bias'].double()}),
     'torch.float64, expected'),
], ids=['shape', 'missing', 'unexpected', 'nan', 'dtype'])
def test_mismatched_weights_are_named(edit, message):
    data = rebuild(checkpoint_bytes(make_policy()), _replace_weights(edit))
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(data)


def test_corrupt_bytes_and_size_limit_are_rejected(tmp_path):
    data = checkpoint_bytes(make_policy())
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    with pytest.raises(CheckpointError):
        load_checkpoint(bytes(flipped))
    with pytest.raises(CheckpointError, match='not a readable checkpoint archive'):
        load_checkpoint(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match='over the limit of 100'):
        load_checkpoint(data, max_bytes=100)
    with pytest.raises(CheckpointError, match='does not exist'):
        load_checkpoint(tmp_path / 'missing.pact')
    expected = make_policy().config.architecture_id
    assert read_checkpoint_metadata(data)['architecture_id'] == expected
