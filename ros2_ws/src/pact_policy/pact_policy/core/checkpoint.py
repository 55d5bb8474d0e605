# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Policy checkpoints that are safe to receive over the network.

One checkpoint = one archive (bytes or a ``.pact`` file): an uncompressed ZIP holding exactly

- ``policy.json``: ``{"format": "pact-policy-checkpoint/1", "architecture_id": str,
  "config": PolicyConfig.to_dict(), "normalizers": {"action": {...}, "observation": {...}},
  "weights_sha256": hex, "metadata": {"version": str, "parent_version": str, ...}}``
- ``weights.safetensors``: the policy's ``state_dict`` (float tensors, no pickle): the
  denoiser, plus the image encoder (``image_encoder.*``) when the config names a camera.

The archive is byte-for-byte deterministic for given weights and metadata, so its SHA-256
(announced by the trainer) identifies it. Loading never executes code from the archive and
validates, in order: archive layout and member sizes, JSON schema, the config, the
architecture id (recomputed from the config, and against ``expected_architecture_id``), the
normaliser statistics, the weights digest, then every tensor name, shape, dtype and finiteness
against a freshly built model. Any failure raises ``CheckpointError`` naming what mismatched.
"""

from dataclasses import dataclass
import hashlib
import io
import json
import os
import pathlib
import tempfile
import zipfile

from pact_policy.core.normalizer import Normalizer
from pact_policy.core.policy import DiffusionPolicy
from pact_policy.core.policy_config import architecture_difference, PolicyConfig
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
import torch

CHECKPOINT_FORMAT = 'pact-policy-checkpoint/1'
CONFIG_MEMBER = 'policy.json'
WEIGHTS_MEMBER = 'weights.safetensors'
MAX_CONFIG_BYTES = 1 << 20
DEFAULT_MAX_ARCHIVE_BYTES = 1 << 30
_FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


class CheckpointError(ValueError):
    """A checkpoint could not be read or does not fit; the message names the problem."""


@dataclass
class LoadedCheckpoint:
    """A validated checkpoint: the policy (eval mode), its metadata and the archive digest."""

    policy: DiffusionPolicy
    metadata: dict
    sha256: str
    size_bytes: int

    @property
    def version(self) -> str:
        """Return metadata['version'] ('' when absent)."""
        return str(self.metadata.get('version', ''))


def sha256_hex(data: bytes) -> str:
    """Return the lowercase hex SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def checkpoint_bytes(policy: DiffusionPolicy, metadata: dict = None) -> bytes:
    """Return the archive of ``policy`` (weights moved to CPU) with JSON-able ``metadata``."""
    state = {name: tensor.detach().to('cpu').contiguous().clone()
             for name, tensor in policy.state_dict().items()}
    weights = save_safetensors(state)
    description = {
        'format': CHECKPOINT_FORMAT,
        'architecture_id': policy.config.architecture_id,
        'config': policy.config.to_dict(),
        'normalizers': {'action': policy.action_normalizer.to_dict(),
                        'observation': policy.observation_normalizer.to_dict()},
        'weights_sha256': sha256_hex(weights),
        'metadata': {'version': '', 'parent_version': '', **(metadata or {})},
    }
    config_bytes = json.dumps(description, indent=1, sort_keys=True).encode('utf-8')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', compression=zipfile.ZIP_STORED) as archive:
        for name, data in ((CONFIG_MEMBER, config_bytes), (WEIGHTS_MEMBER, weights)):
            archive.writestr(zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME), data)
    return buffer.getvalue()


def save_checkpoint(policy: DiffusionPolicy, path, metadata: dict = None) -> str:
    """Write the archive atomically to ``path`` and return its SHA-256."""
    data = checkpoint_bytes(policy, metadata)
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix='.partial')
    with os.fdopen(handle, 'wb') as stream:
        stream.write(data)
    os.chmod(temporary, 0o644)  # mkstemp creates 0600; other users (trainer) must read it
    os.replace(temporary, path)
    return sha256_hex(data)


def load_checkpoint(source, expected_architecture_id: str = None, device='cpu',
                    expected_sha256: str = None,
                    max_bytes: int = DEFAULT_MAX_ARCHIVE_BYTES) -> LoadedCheckpoint:
    """Validate and load an archive given as bytes or a path; raise ``CheckpointError``."""
    data = _read_source(source, max_bytes)
    digest = sha256_hex(data)
    if expected_sha256 is not None and digest != expected_sha256.lower():
        raise CheckpointError(f'sha256 mismatch: archive {digest}, expected {expected_sha256}')
    description, weights = _unpack(data)
    config = _parse_config(description, expected_architecture_id)
    normalizers = _parse_normalizers(description, config)
    if sha256_hex(weights) != description.get('weights_sha256'):
        raise CheckpointError('weights sha256 does not match policy.json (tampered weights?)')
    with torch.device('meta'):  # no random initialisation: every tensor comes from the file
        policy = DiffusionPolicy(config, *normalizers)
    _load_weights(policy, weights)
    metadata = description.get('metadata', {})
    if not isinstance(metadata, dict):
        raise CheckpointError('metadata must be a JSON object')
    return LoadedCheckpoint(policy.to(device).eval(), metadata, digest, len(data))


def read_checkpoint_metadata(source, max_bytes: int = DEFAULT_MAX_ARCHIVE_BYTES) -> dict:
    """Return the parsed ``policy.json`` of an archive without loading the weights."""
    return _unpack(_read_source(source, max_bytes))[0]


def _read_source(source, max_bytes: int) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        path = pathlib.Path(source)
        if not path.is_file():
            raise CheckpointError(f'checkpoint file {path} does not exist')
        if path.stat().st_size > max_bytes:
            raise CheckpointError(f'checkpoint {path} is {path.stat().st_size} bytes, '
                                  f'over the limit of {max_bytes}')
        data = path.read_bytes()
    if len(data) > max_bytes:
        raise CheckpointError(f'checkpoint is {len(data)} bytes, over the limit of {max_bytes}')
    return data


def _unpack(data: bytes):
    """Return (description dict, weights bytes) after checking the archive layout."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {info.filename: info for info in archive.infolist()}
            if sorted(members) != sorted([CONFIG_MEMBER, WEIGHTS_MEMBER]):
                raise CheckpointError(f'archive holds {sorted(members)}, expected exactly '
                                      f'{[CONFIG_MEMBER, WEIGHTS_MEMBER]}')
            for info in members.values():
                if info.compress_type != zipfile.ZIP_STORED or info.file_size > len(data):
                    raise CheckpointError(f'archive member {info.filename} is compressed or '
                                          'larger than the archive')
            if members[CONFIG_MEMBER].file_size > MAX_CONFIG_BYTES:
                raise CheckpointError(f'{CONFIG_MEMBER} exceeds {MAX_CONFIG_BYTES} bytes')
            config_bytes = archive.read(CONFIG_MEMBER)
            weights = archive.read(WEIGHTS_MEMBER)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
        raise CheckpointError(f'not a readable checkpoint archive: {error}') from error
    try:
        description = json.loads(config_bytes.decode('utf-8'))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f'{CONFIG_MEMBER} is not valid JSON: {error}') from error
    if not isinstance(description, dict):
        raise CheckpointError(f'{CONFIG_MEMBER} must hold a JSON object')
    if description.get('format') != CHECKPOINT_FORMAT:
        raise CheckpointError(f'unsupported checkpoint format {description.get("format")!r}, '
                              f'expected {CHECKPOINT_FORMAT!r}')
    return description, weights


def _parse_config(description: dict, expected_architecture_id: str) -> PolicyConfig:
    try:
        config = PolicyConfig.from_dict(dict(description.get('config') or {}))
    except (ValueError, TypeError) as error:
        raise CheckpointError(f'invalid config: {error}') from error
    stored = description.get('architecture_id')
    if stored != config.architecture_id:
        raise CheckpointError(f'architecture id {stored!r} does not match its config '
                              f'({config.architecture_id!r}; differs in '
                              f'{architecture_difference(str(stored), config.architecture_id)})')
    if expected_architecture_id is not None and stored != expected_architecture_id:
        raise CheckpointError(f'architecture mismatch: checkpoint {stored!r}, running policy '
                              f'{expected_architecture_id!r} (differs in '
                              f'{architecture_difference(stored, expected_architecture_id)})')
    return config


def _parse_normalizers(description: dict, config: PolicyConfig):
    entries = description.get('normalizers') or {}
    result = []
    for name, size in (('action', config.action_dim), ('observation', config.obs_dim)):
        try:
            normalizer = Normalizer.from_dict(entries.get(name))
        except (ValueError, TypeError) as error:
            raise CheckpointError(f'{name} normaliser: {error}') from error
        if normalizer.dim != size:
            raise CheckpointError(f'{name} normaliser has {normalizer.dim} dims, '
                                  f'config says {size}')
        result.append(normalizer)
    return result


def _load_weights(policy: DiffusionPolicy, weights: bytes):
    try:
        tensors = load_safetensors(weights)
    except (SafetensorError, ValueError, RuntimeError) as error:
        raise CheckpointError(f'{WEIGHTS_MEMBER} is not valid safetensors: {error}') from error
    expected = policy.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        raise CheckpointError(f'weights do not fit the architecture: missing {missing[:5]}, '
                              f'unexpected {unexpected[:5]}')
    for name, reference in expected.items():
        tensor = tensors[name]
        if tuple(tensor.shape) != tuple(reference.shape) or tensor.dtype != reference.dtype:
            raise CheckpointError(f'weight {name}: shape {tuple(tensor.shape)} {tensor.dtype}, '
                                  f'expected {tuple(reference.shape)} {reference.dtype}')
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise CheckpointError(f'weight {name} contains NaN or Inf')
    policy.load_state_dict(tensors, strict=True, assign=True)
