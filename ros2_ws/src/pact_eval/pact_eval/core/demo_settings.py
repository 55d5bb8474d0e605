# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Settings of the MuJoCo alignment demo, read from the ``mujoco_demo`` section of its overlay YAML.

The overlay (``config/demo/mujoco_demo.yaml``) is the one file that holds every demo-specific
value: the nodes' overrides under their node names (read by the nodes themselves through
``--params-file``) and the orchestrator's own settings under ``mujoco_demo.ros__parameters``
(read here). Command-line overrides replace single values; unknown keys are errors. The
``mujoco_demo`` flags that override them are made from ``DemoSettings`` (``pact_parameters``).
"""

from dataclasses import asdict, dataclass
from pathlib import Path

from pact_parameters.core.schema import from_dict, parameter, Parameters, specs
import yaml

SECTION = 'mujoco_demo'


@dataclass(frozen=True)
class DemoSettings(Parameters):
    """What the demo runs (one schema; durations in s of wall-clock time)."""

    task: str = parameter('reach', 'bundled task: reach, pick or carry')
    base_checkpoint: str = parameter('', "base policy archive; '' = "
                                     'models/base/<task>_base.pact')
    iterations: int = parameter(4, 'PACT iterations (hot swaps) to watch', low=1)
    eval_episodes: int = parameter(16, 'episodes of the before/after evaluation', low=1)
    # layout seeds (ranges of pact_sim.core.seed_ranges; tested): evaluation, and the graph's
    eval_first_seed: int = parameter(400000, 'evaluation layout seeds: eval_first_seed .. + '
                                     'eval_episodes - 1')
    train_first_seed: int = parameter(90000, "layout seed of the live graph's first training "
                                      'episode (then consecutive)')
    noise_seed: int = parameter(0, 'sampling noise of the evaluation')
    frame_width: int = parameter(480, 'width of the before/after frames', unit='px', low=1)
    frame_height: int = parameter(360, 'height of the before/after frames', unit='px', low=1)
    runs_dir: str = parameter('runs', 'the report goes to <runs_dir>/<timestamp>/')
    startup_timeout_s: float = parameter(180.0, 'nodes up and the policy active within this',
                                         unit='s', low=0.0, low_open=True)
    iteration_timeout_s: float = parameter(300.0, 'at most this long between two iterations',
                                           unit='s', low=0.0, low_open=True)
    swap_timeout_s: float = parameter(60.0, 'announcement -> active in the policy node within '
                                      'this', unit='s', low=0.0, low_open=True)

    def checkpoint_path(self, root: Path = Path('.')) -> Path:
        """Return the base checkpoint (``models/base/<task>_base.pact`` under ``root``)."""
        if self.base_checkpoint:
            return Path(self.base_checkpoint).expanduser()
        return Path(root) / 'models' / 'base' / f'{self.task}_base.pact'

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return asdict(self)


def _convert(item, value):
    """Return ``value`` as ``item``'s scalar type where it converts (e.g. '2' for an int)."""
    if item.kind in (int, float, str) and isinstance(value, (int, float, str)) and not isinstance(
            value, bool):
        try:
            return item.kind(value)
        except ValueError:
            pass  # from_dict names the parameter and what it must be
    return value


def load_settings(overlay: Path, overrides: dict = None) -> DemoSettings:
    """
    Return the settings of ``overlay``'s ``mujoco_demo`` section with ``overrides`` applied.

    ``overrides`` (e.g. the command line's): None values are ignored. Unknown names and values
    out of range raise ``ParameterError`` (a ValueError) naming the parameter.
    """
    overlay = Path(overlay)
    try:
        document = yaml.safe_load(overlay.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f'cannot read the demo overlay {overlay}: {error}') from error
    section = (document.get(SECTION) or {}).get('ros__parameters') or {}
    values = dict(section, **{k: v for k, v in (overrides or {}).items() if v is not None})
    known = {item.name: item for item in specs(DemoSettings)}
    values = {name: _convert(known[name], value) if name in known else value
              for name, value in values.items()}
    return from_dict(DemoSettings, values, f'{overlay} {SECTION}')
