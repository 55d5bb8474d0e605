# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Turn pact_sim demonstrations (``<task>.npz`` + ``<task>.json``) into training windows.

File format (pact_sim ``core/demos.py``, format_version 1): ``obs`` float32 (N, T, O),
``actions`` float32 (N, T, D) absolute targets (row t is reached ``dt`` s after obs t),
``episode_lengths`` int32 (N,), ``obs_names``/``action_names`` str arrays; the JSON holds
``format_version``, ``task``, ``dt`` and the names. The verdict arrays (``success``, ``safe``)
are evaluation-only and deliberately ignored here.

One training sample per valid step t of every episode:

- observation history: obs[t - n_obs_steps + 1 .. t] (oldest first; indices below 0 repeat
  obs[0]), flattened to (n_obs_steps * O,);
- action chunk: actions[t .. t + H - 1]; rows past the episode's valid length repeat its last
  valid row (the robot holds), shape (H, D).
"""

from dataclasses import dataclass
import hashlib
import json
import pathlib

import numpy as np

SUPPORTED_FORMAT_VERSIONS = (1,)


class DemoFormatError(ValueError):
    """The demonstration files do not follow the expected format; the message says how."""


@dataclass
class Demonstrations:
    """Arrays and metadata of one demonstration file."""

    task: str
    observations: np.ndarray
    actions: np.ndarray
    episode_lengths: np.ndarray
    observation_names: list
    action_names: list
    dt: float
    sha256: str


def load_demonstrations(npz_path) -> Demonstrations:
    """Read and check ``<task>.npz`` and its sibling ``<task>.json``."""
    npz_path = pathlib.Path(npz_path)
    json_path = npz_path.with_suffix('.json')
    for path in (npz_path, json_path):
        if not path.is_file():
            raise DemoFormatError(f'demonstration file {path} does not exist')
    metadata = json.loads(json_path.read_text())
    if metadata.get('format_version') not in SUPPORTED_FORMAT_VERSIONS:
        raise DemoFormatError(f'{json_path}: format_version {metadata.get("format_version")!r}'
                              f' not in {SUPPORTED_FORMAT_VERSIONS}')
    with np.load(npz_path, allow_pickle=False) as archive:
        missing = {'obs', 'actions', 'episode_lengths', 'obs_names', 'action_names'} - set(
            archive.files)
        if missing:
            raise DemoFormatError(f'{npz_path} lacks arrays {sorted(missing)}')
        observations = archive['obs'].astype(np.float32)
        actions = archive['actions'].astype(np.float32)
        lengths = archive['episode_lengths'].astype(np.int64)
        observation_names = [str(name) for name in archive['obs_names']]
        action_names = [str(name) for name in archive['action_names']]
    _check_shapes(npz_path, observations, actions, lengths, observation_names, action_names)
    digest = hashlib.sha256(npz_path.read_bytes()).hexdigest()
    return Demonstrations(str(metadata.get('task', npz_path.stem)), observations, actions,
                          lengths, observation_names, action_names, float(metadata['dt']),
                          digest)


def _check_shapes(path, observations, actions, lengths, observation_names, action_names):
    if observations.ndim != 3 or actions.ndim != 3:
        raise DemoFormatError(f'{path}: obs and actions must be (N, T, ·), got '
                              f'{observations.shape} and {actions.shape}')
    if observations.shape[:2] != actions.shape[:2] or lengths.shape != observations.shape[:1]:
        raise DemoFormatError(f'{path}: inconsistent shapes obs {observations.shape}, actions '
                              f'{actions.shape}, episode_lengths {lengths.shape}')
    if len(observation_names) != observations.shape[2] or len(action_names) != actions.shape[2]:
        raise DemoFormatError(f'{path}: {len(observation_names)} obs names for '
                              f'{observations.shape[2]} entries, {len(action_names)} action '
                              f'names for {actions.shape[2]}')
    if np.any(lengths < 1) or np.any(lengths > observations.shape[1]):
        raise DemoFormatError(f'{path}: episode_lengths outside [1, {observations.shape[1]}]')
    if not (np.all(np.isfinite(observations)) and np.all(np.isfinite(actions))):
        raise DemoFormatError(f'{path}: demonstrations contain NaN or Inf')


def training_windows(demos: Demonstrations, n_obs_steps: int, horizon: int):
    """Return (observations (M, n_obs_steps * O), chunks (M, H, D)) float32 arrays."""
    histories, chunks = [], []
    for episode, length in enumerate(demos.episode_lengths):
        observations = demos.observations[episode, :length]
        actions = demos.actions[episode, :length]
        for step in range(length):
            history = np.clip(np.arange(step - n_obs_steps + 1, step + 1), 0, None)
            rows = np.clip(np.arange(step, step + horizon), None, length - 1)
            histories.append(observations[history].reshape(-1))
            chunks.append(actions[rows])
    return np.asarray(histories, dtype=np.float32), np.asarray(chunks, dtype=np.float32)
