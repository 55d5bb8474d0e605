# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Task YAML files (``config/tasks/<task>.yaml``) and where the bundled configuration lives.

Task YAML format::

    name: reach                 # reach | pick | carry (selects the task logic)
    scene: reach_shelf.yaml     # scene YAML, relative to config/scenes/ (or absolute)
    horizon: 60                 # episode length in control rows (rows are control_dt apart)
    control_dt: 0.1             # s between action rows
    home_jitter: 0.05           # rad, uniform noise on the arm's start posture
    randomise:                  # rigid xy(z) shifts applied to groups of obstacles/objects
      - names: [shelf_top, shelf_bottom]
        shift_low: [-0.04, -0.15, 0.0]     # m, world frame
        shift_high: [0.04, 0.15, 0.0]
        yaw: 0.0                           # rad, uniform +-yaw about each object's own z
    params: {...}               # task-specific numbers (goal, tolerances, expert settings)

The configuration folder is found in this order: ``$PACT_CONFIG_DIR``, the installed share folder
``share/pact_sim/config``, then the source tree's top-level ``config/``.
"""

from dataclasses import dataclass, field
import os
import pathlib
from typing import Any, Dict, Tuple

import numpy as np
import yaml

TASK_NAMES = ('reach', 'pick', 'carry')


class TaskConfigError(ValueError):
    """A task YAML is malformed; the message names the file and key."""


@dataclass(frozen=True)
class ShiftGroup:
    """Obstacles/objects moved together by one uniform random shift (m) and per-object yaw."""

    names: Tuple[str, ...]
    shift_low: np.ndarray
    shift_high: np.ndarray
    yaw: float = 0.0


@dataclass(frozen=True)
class TaskSpec:
    """A parsed task YAML (see the module docstring)."""

    name: str
    scene_path: pathlib.Path
    horizon: int
    control_dt: float
    home_jitter: float
    randomise: Tuple[ShiftGroup, ...]
    params: Dict[str, Any] = field(default_factory=dict)

    def param(self, key: str, default=None):
        """Return ``params[key]``; ``default`` if absent (TaskConfigError if no default)."""
        if key in self.params:
            return self.params[key]
        if default is None:
            raise TaskConfigError(f'task {self.name!r}: params.{key} is required')
        return default


def config_dir() -> pathlib.Path:
    """Return the folder holding ``scenes/`` and ``tasks/`` (see the module docstring)."""
    override = os.environ.get('PACT_CONFIG_DIR')
    if override:
        return pathlib.Path(override)
    try:
        from ament_index_python.packages import get_package_share_directory
        share = pathlib.Path(get_package_share_directory('pact_sim')) / 'config'
        if (share / 'tasks').is_dir():
            return share
    except (ImportError, LookupError, ValueError):
        pass
    for parent in pathlib.Path(__file__).resolve().parents:
        if (parent / 'config' / 'tasks').is_dir():
            return parent / 'config'
    raise TaskConfigError('cannot find the PACT config folder; set PACT_CONFIG_DIR')


def _vector3(value, where: str) -> np.ndarray:
    try:
        vector = np.asarray(value, dtype=float).reshape(3)
    except (TypeError, ValueError) as error:
        raise TaskConfigError(f'{where}: expected 3 numbers, got {value!r}') from error
    return vector


def _parse_groups(entries, where: str) -> Tuple[ShiftGroup, ...]:
    groups = []
    for index, entry in enumerate(entries or []):
        spot = f'{where}.randomise[{index}]'
        if not isinstance(entry, dict) or not entry.get('names'):
            raise TaskConfigError(f'{spot}: expected a mapping with a non-empty names list')
        unknown = set(entry) - {'names', 'shift_low', 'shift_high', 'yaw'}
        if unknown:
            raise TaskConfigError(f'{spot}: unknown key(s) {sorted(unknown)}')
        low = _vector3(entry.get('shift_low', [0, 0, 0]), f'{spot}.shift_low')
        high = _vector3(entry.get('shift_high', [0, 0, 0]), f'{spot}.shift_high')
        if np.any(high < low):
            raise TaskConfigError(f'{spot}: shift_high must be >= shift_low')
        groups.append(ShiftGroup(tuple(entry['names']), low, high, float(entry.get('yaw', 0.0))))
    return tuple(groups)


def load_task_spec(name_or_path) -> TaskSpec:
    """Load ``config/tasks/<name>.yaml`` (or a YAML path) and validate it."""
    path = pathlib.Path(name_or_path)
    if not path.suffix:
        path = config_dir() / 'tasks' / f'{name_or_path}.yaml'
    try:
        data = yaml.safe_load(path.read_text(encoding='utf-8'))
    except (OSError, yaml.YAMLError) as error:
        raise TaskConfigError(f'cannot read task file {path}: {error}') from error
    where = str(path)
    allowed = {'name', 'scene', 'horizon', 'control_dt', 'home_jitter', 'randomise', 'params'}
    if not isinstance(data, dict) or set(data) - allowed:
        raise TaskConfigError(f'{where}: expected a mapping with keys {sorted(allowed)}')
    if data.get('name') not in TASK_NAMES:
        raise TaskConfigError(f'{where}.name: expected one of {TASK_NAMES}, got '
                              f'{data.get("name")!r}')
    scene = pathlib.Path(str(data.get('scene', '')))
    if not scene.is_absolute():
        scene = path.parent.parent / 'scenes' / scene
    horizon = data.get('horizon', 60)
    if not isinstance(horizon, int) or horizon < 1:
        raise TaskConfigError(f'{where}.horizon: expected a positive integer, got {horizon!r}')
    control_dt = float(data.get('control_dt', 0.1))
    if control_dt <= 0:
        raise TaskConfigError(f'{where}.control_dt: must be > 0')
    return TaskSpec(data['name'], scene, horizon, control_dt,
                    float(data.get('home_jitter', 0.0)),
                    _parse_groups(data.get('randomise'), where), dict(data.get('params') or {}))
