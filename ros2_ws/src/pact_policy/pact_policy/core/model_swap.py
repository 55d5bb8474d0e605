# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Receive, verify and stage new policy weights; swap them in at a chunk boundary.

The trainer announces an archive (version, architecture id, size in bytes, SHA-256, URI). The
policy node then

1. checks the announcement (``check_announcement``): size ≤ ``max_bytes``, 64-hex digest,
   architecture id equal to the running policy's, a ``file://`` or ``service://`` URI;
2. assembles the bytes (``ChunkAssembler`` for ≤ 4 MiB ``GetModelChunk`` replies, which must
   arrive in order and never exceed the announced size) or reads the file
   (``read_file_uri``), then verifies size and SHA-256;
3. loads the archive off the control thread and smoke-tests it (``prepare_candidate``): one
   forward sample on the last observation must give a finite chunk of the right shape;
4. stages it in ``ModelSlots``; the control loop calls ``swap_if_requested`` between chunks,
   so a swap never splits a chunk; the replaced model is kept for ``rollback``.

Any failure raises ``TransferError`` with a message naming the problem; the running model is
never touched until a fully verified candidate is swapped in.
"""

from dataclasses import dataclass
import hashlib
import pathlib
import re
import threading
import urllib.parse

from pact_policy.core.checkpoint import CheckpointError, load_checkpoint, LoadedCheckpoint
from pact_policy.core.image_preprocessing import ImagePreprocessor
from pact_policy.core.policy_config import architecture_difference
import torch

MAX_CHUNK_BYTES = 4 * 1024 * 1024
# Config fields outside the architecture id that a swapped-in model must share with the running
# one (joint/observation meaning, timing, and the camera and its colour normalisation).
SWAP_INVARIANT_FIELDS = ('action_names', 'observation_names', 'action_dt', 'n_action_steps',
                         'camera_name', 'image_center_crop', 'image_mean', 'image_std')
SHA256_PATTERN = re.compile(r'^[0-9a-f]{64}$')


class TransferError(ValueError):
    """A model transfer or candidate was rejected; the message says why."""


@dataclass(frozen=True)
class Announcement:
    """The fields of a ModelAnnouncement the policy needs (ROS-free copy)."""

    version: str
    parent_version: str
    architecture_id: str
    size_bytes: int
    sha256: str
    uri: str


def check_announcement(announcement: Announcement, expected_architecture_id: str,
                       max_bytes: int):
    """Raise TransferError when the announcement cannot be accepted before any byte moves."""
    if not announcement.version:
        raise TransferError('announcement has an empty version')
    if announcement.architecture_id != expected_architecture_id:
        raise TransferError(f'model {announcement.version!r}: architecture '
                            f'{announcement.architecture_id!r} does not match the running '
                            f'{expected_architecture_id!r} (differs in '
                            + architecture_difference(announcement.architecture_id,
                                                      expected_architecture_id) + ')')
    if not 0 < announcement.size_bytes <= max_bytes:
        raise TransferError(f'model {announcement.version!r}: size {announcement.size_bytes} '
                            f'bytes outside (0, {max_bytes}]')
    if not SHA256_PATTERN.match(announcement.sha256):
        raise TransferError(f'model {announcement.version!r}: sha256 {announcement.sha256!r} '
                            'is not 64 lowercase hex characters')
    scheme = urllib.parse.urlparse(announcement.uri).scheme
    if scheme not in ('file', 'service'):
        raise TransferError(f'model {announcement.version!r}: unsupported URI '
                            f'{announcement.uri!r} (use file:// or service://)')


def service_name(uri: str) -> str:
    """Return the GetModelChunk service name of a ``service://<name>`` URI."""
    name = uri[len('service://'):]
    if not uri.startswith('service://') or not name:
        raise TransferError(f'{uri!r} is not a service:// URI')
    return name if name.startswith('/') else '/' + name


def verify_bytes(data: bytes, announcement: Announcement):
    """Raise TransferError unless ``data`` has the announced size and SHA-256."""
    if len(data) != announcement.size_bytes:
        raise TransferError(f'model {announcement.version!r}: received {len(data)} bytes, '
                            f'announced {announcement.size_bytes}')
    digest = hashlib.sha256(data).hexdigest()
    if digest != announcement.sha256:
        raise TransferError(f'model {announcement.version!r}: sha256 {digest} does not match '
                            f'the announced {announcement.sha256}')


def path_inside(path: pathlib.Path, allowed_dirs) -> bool:
    """Return True when ``path`` (symlinks and ``..`` resolved) lies under one of the dirs."""
    resolved = pathlib.Path(path).resolve()
    return any(resolved.is_relative_to(pathlib.Path(folder).resolve())
               for folder in allowed_dirs if str(folder))


def read_file_uri(announcement: Announcement, allowed_dirs=()) -> bytes:
    """
    Read a ``file://`` archive under one of ``allowed_dirs`` and verify its size and SHA-256.

    Any peer can announce a URI: a path outside the allowed folders is refused before it is
    touched, with a message that says nothing about the file (whether it exists, its size or
    digest), so the announcement topic cannot be used to probe the machine's files.
    """
    path = pathlib.Path(urllib.parse.unquote(urllib.parse.urlparse(announcement.uri).path))
    if not path_inside(path, allowed_dirs):
        raise TransferError(f'model {announcement.version!r}: file:// URI outside the '
                            'configured model directories (parameter model_dirs), refused')
    if not path.is_file():
        raise TransferError(f'model {announcement.version!r}: file {path} does not exist')
    size = path.stat().st_size
    if size != announcement.size_bytes:
        raise TransferError(f'model {announcement.version!r}: file {path} has {size} bytes, '
                            f'announced {announcement.size_bytes}')
    data = path.read_bytes()
    verify_bytes(data, announcement)
    return data


class ChunkAssembler:
    """Collect in-order chunks of one announced archive, with size checks at every step."""

    def __init__(self, announcement: Announcement, chunk_bytes: int = MAX_CHUNK_BYTES):
        if not 0 < chunk_bytes <= MAX_CHUNK_BYTES:
            raise TransferError(f'chunk size must be in (0, {MAX_CHUNK_BYTES}]')
        self.announcement = announcement
        self.chunk_bytes = chunk_bytes
        self.buffer = bytearray()
        self.done = False

    def next_request(self) -> tuple:
        """Return (offset, length) of the next chunk to ask for."""
        remaining = self.announcement.size_bytes - len(self.buffer)
        return len(self.buffer), min(self.chunk_bytes, remaining)

    def add(self, data: bytes, eof: bool, total_size: int, error: str = ''):
        """Append one reply; raise TransferError on a server error or any size violation."""
        version = self.announcement.version
        if error:
            raise TransferError(f'model {version!r}: server error: {error}')
        if total_size != self.announcement.size_bytes:
            raise TransferError(f'model {version!r}: server reports {total_size} bytes, '
                                f'announced {self.announcement.size_bytes}')
        if len(data) > self.chunk_bytes:
            raise TransferError(f'model {version!r}: chunk of {len(data)} bytes exceeds '
                                f'{self.chunk_bytes}')
        if len(self.buffer) + len(data) > self.announcement.size_bytes:
            raise TransferError(f'model {version!r}: more bytes than announced')
        if not data and not eof:
            raise TransferError(f'model {version!r}: empty chunk before end of archive')
        self.buffer += data
        complete = len(self.buffer) == self.announcement.size_bytes
        if eof and not complete:
            raise TransferError(f'model {version!r}: transfer ended after {len(self.buffer)} of '
                                f'{self.announcement.size_bytes} bytes')
        self.done = complete

    def result(self) -> bytes:
        """Return the verified archive bytes."""
        if not self.done:
            raise TransferError(f'model {self.announcement.version!r}: transfer incomplete')
        data = bytes(self.buffer)
        verify_bytes(data, self.announcement)
        return data


def prepare_candidate(data: bytes, announcement: Announcement, expected_architecture_id: str,
                      last_observation, device='cpu', max_bytes: int = 1 << 30,
                      sampler: str = None, num_steps: int = None,
                      last_image=None) -> LoadedCheckpoint:
    """
    Load and smoke-test an archive; return the candidate or raise TransferError.

    ``data`` must already have passed ``verify_bytes`` (size and SHA-256 of the announcement);
    the archive's internal weights digest is still checked by ``load_checkpoint``.
    ``last_image`` is the preprocessed (3, S, S) frame of the last observation (camera models).
    """
    try:
        candidate = load_checkpoint(data, expected_architecture_id, device,
                                    max_bytes=max_bytes)
    except CheckpointError as error:
        raise TransferError(f'model {announcement.version!r}: {error}') from error
    if candidate.version and candidate.version != announcement.version:
        raise TransferError(f'model {announcement.version!r}: archive says version '
                            f'{candidate.version!r}')
    candidate.metadata['version'] = announcement.version
    smoke_test(candidate.policy, last_observation, sampler, num_steps, last_image)
    return candidate


def check_swap_compatible(candidate_config, running_config, version: str):
    """Raise TransferError naming the first ``SWAP_INVARIANT_FIELDS`` entry that differs."""
    for name in SWAP_INVARIANT_FIELDS:
        if getattr(candidate_config, name) != getattr(running_config, name):
            raise TransferError(f'model {version!r}: {name} differs from the running model '
                                f'({getattr(candidate_config, name)!r} vs '
                                f'{getattr(running_config, name)!r})')


def smoke_test(policy, observation, sampler: str = None, num_steps: int = None, image=None):
    """
    Raise TransferError unless one sample on ``observation`` (O,) is finite and shaped.

    A policy with a camera also gets ``image`` (preprocessed (3, S, S)), or a mid-grey frame
    when none is known yet.
    """
    config = policy.config
    if observation is None:
        observation = torch.zeros(config.condition_dim)
    observation = torch.as_tensor(observation, dtype=torch.float32).reshape(1, -1)
    if observation.shape[1] != config.condition_dim:
        raise TransferError(f'smoke test: observation has {observation.shape[1]} entries, '
                            f'the model expects {config.condition_dim}')
    if config.uses_image:
        if image is None:
            image = ImagePreprocessor.from_config(config).blank()
        image = torch.as_tensor(image, dtype=torch.float32, device=policy.device)
        image = image[None] if image.dim() == 3 else image
    else:
        image = None
    generator = torch.Generator(device=policy.device).manual_seed(0)
    try:
        chunk = policy.sample(observation, sampler, num_steps, generator, image=image)
    except ValueError as error:
        raise TransferError(f'smoke test: {error}') from error
    if tuple(chunk.shape) != (1, config.horizon, config.action_dim):
        raise TransferError(f'smoke test: chunk shape {tuple(chunk.shape)}')
    if not bool(torch.isfinite(chunk).all()):
        raise TransferError('smoke test: the model produced NaN/Inf on the last observation')


class ModelSlots:
    """
    Active / previous / verified candidate models, shared between threads.

    ``request_activation`` only records the wish; ``swap_if_requested`` (called by the control
    loop between chunks) performs it, so a chunk is always produced by one model.
    """

    def __init__(self, active: LoadedCheckpoint = None):
        self._lock = threading.Lock()
        self.active = active
        self.previous = None
        self.candidates = {}
        self.pending = ''
        self._requested = None

    def reset(self, active: LoadedCheckpoint = None):
        """Start over with ``active`` (None: no model): previous, staged and requests dropped."""
        with self._lock:
            self.active, self.previous, self.candidates = active, None, {}
            self.pending, self._requested = '', None

    def stage(self, candidate: LoadedCheckpoint):
        """Keep a verified candidate (replacing one of the same version)."""
        with self._lock:
            self.candidates = {candidate.version: candidate}

    def set_pending(self, version: str):
        """Record the version being fetched/verified ('' when none)."""
        with self._lock:
            self.pending = version

    def request_activation(self, version: str = '') -> tuple:
        """Ask to activate a staged ``version`` ('' = latest); return (accepted, message)."""
        with self._lock:
            if not version and self.candidates:
                version = next(reversed(self.candidates))
            if version not in self.candidates:
                return False, (f'no verified model {version!r} staged (staged: '
                               f'{sorted(self.candidates)})')
            # Hold the candidate itself: an activation that was accepted runs even when a
            # newer model is staged (replacing the candidates) before the next chunk boundary.
            self._requested = ('activate', self.candidates[version])
            return True, f'model {version!r} will be swapped in at the next chunk boundary'

    def request_rollback(self) -> tuple:
        """
        Ask to swap back to the previous model; return (accepted, message).

        Rollback swaps active and previous, so a second rollback undoes the first: repeated
        rollbacks toggle between the last two models (no deeper history is kept).
        """
        with self._lock:
            if self.previous is None:
                return False, 'no previous model to roll back to'
            self._requested = ('rollback', self.previous)
            return True, f'rolling back to {self.previous.version!r} at the next chunk boundary'

    def swap_if_requested(self) -> str:
        """Perform a requested swap; return a log message ('' when nothing happened)."""
        with self._lock:
            if self._requested is None:
                return ''
            action, model = self._requested
            self._requested = None
            old = self.active
            if action == 'activate' and self.candidates.get(model.version) is model:
                del self.candidates[model.version]
            self.active, self.previous = model, old
            return (f'{action}: now running {self.active.version!r} '
                    f'(previous {old.version if old else ""!r})')

    def versions(self) -> tuple:
        """Return (active, previous, pending) version strings."""
        with self._lock:
            return (self.active.version if self.active else '',
                    self.previous.version if self.previous else '', self.pending)
