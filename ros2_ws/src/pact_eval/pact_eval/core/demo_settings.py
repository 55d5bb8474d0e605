# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Settings of the MuJoCo alignment demo, read from the ``mujoco_demo`` section of its overlay YAML.

The overlay (``config/demo/mujoco_demo.yaml``) is the one file that holds every demo-specific
value: the nodes' overrides under their node names (read by the nodes themselves through
``--params-file``) and the orchestrator's own settings under ``mujoco_demo.ros__parameters``
(read here). Command-line overrides replace single values; unknown keys are errors.
"""

from dataclasses import asdict, dataclass, fields
from pathlib import Path

import yaml

SECTION = 'mujoco_demo'


@dataclass
class DemoSettings:
    """What the demo runs (durations in s of wall-clock time)."""

    task: str = 'reach'                 # bundled task: reach | pick | carry
    base_checkpoint: str = ''           # '' = models/base/<task>_base.pact
    iterations: int = 4                 # PACT iterations (hot swaps) to watch
    eval_episodes: int = 16             # episodes of the before/after evaluation
    # layout seeds (ranges of pact_sim.core.seed_ranges; tested): evaluation, and the graph's
    eval_first_seed: int = 400000       # evaluation: eval_first_seed .. + eval_episodes - 1
    train_first_seed: int = 90000       # training: the episodes the live graph runs
    noise_seed: int = 0                 # sampling noise of the evaluation
    frame_width: int = 480              # px of the before/after frames
    frame_height: int = 360
    runs_dir: str = 'runs'              # the report goes to <runs_dir>/<timestamp>/
    startup_timeout_s: float = 180.0    # nodes up and the policy active
    iteration_timeout_s: float = 300.0  # at most this long between two iterations
    swap_timeout_s: float = 60.0        # announcement -> active in the policy node

    def __post_init__(self):
        """Validate ranges."""
        if self.iterations < 1 or self.eval_episodes < 1:
            raise ValueError(f'iterations and eval_episodes must be >= 1, got '
                             f'{self.iterations} and {self.eval_episodes}')

    def checkpoint_path(self, root: Path = Path('.')) -> Path:
        """Return the base checkpoint (``models/base/<task>_base.pact`` under ``root``)."""
        if self.base_checkpoint:
            return Path(self.base_checkpoint).expanduser()
        return Path(root) / 'models' / 'base' / f'{self.task}_base.pact'

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return asdict(self)


def _convert(name: str, value, default):
    if isinstance(default, bool) or not isinstance(default, (int, float, str)):
        raise TypeError(f'demo setting {name} has an unsupported type')
    try:
        return type(default)(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f'demo setting {name}={value!r} is not a {type(default).__name__}'
                         ) from error


def load_settings(overlay: Path, overrides: dict = None) -> DemoSettings:
    """Return the settings of ``overlay``'s ``mujoco_demo`` section with ``overrides`` applied."""
    overlay = Path(overlay)
    try:
        document = yaml.safe_load(overlay.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f'cannot read the demo overlay {overlay}: {error}') from error
    section = (document.get(SECTION) or {}).get('ros__parameters') or {}
    values = dict(section, **{k: v for k, v in (overrides or {}).items() if v is not None})
    defaults = {field.name: field.default for field in fields(DemoSettings)}
    unknown = sorted(set(values) - set(defaults))
    if unknown:
        raise ValueError(f'unknown demo settings {unknown} in {overlay} (known: '
                         f'{sorted(defaults)})')
    return DemoSettings(**{name: _convert(name, value, defaults[name])
                           for name, value in values.items()})
