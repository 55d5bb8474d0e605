# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Score every commanded action chunk with the function the trainer scores chunks with.

The trainer's cost of a chunk (``pact_trainer.core.robot_costs``) is ``ExecutedPathCosts``
over ``TorchConstraintCosts``: the setpoint path a joint trajectory controller executes from
the previous command (or the measured state) through the rows, sampled ``path_substeps`` times
per row through the first ``path_rows`` rows (``core/executed_path.py``). ``ChunkMonitor``
applies that same function, built from the constraint node's configuration and the current
scene, to each chunk the policy actually sent (the ``command`` rows of a PolicyStep), so the
live node and the training loop give the same numbers for the same chunk.

Inputs (``ChunkCommand``: the PolicyStep fields read): the rows (``command_horizon`` x
``action_dim``, row-major; rad, m for prismatic joints), their joint names and row spacing
``action_dt`` (s), the episode id and step index. The path starts at the last row of the
previous command when this step directly follows it (same episode, step index + 1, same
joints), else at the measured joint positions, by name. Robot joints the chunk does not
command are held at their measured positions.

Result (``ChunkResult``): per active constraint its cost c_k (the path's, as the trainer's),
status VIOLATED when some c_k > 0, OK otherwise, and UNKNOWN -- with the reason -- without a
robot model, without a start, when the chunk's joints are not the robot's, when the rows are
malformed (sizes, NaN/inf, dt) or a cost is NaN. A peer's input never raises.

The robot and scene are kept like ``ConstraintMonitor`` keeps them: a replacement that cannot
be used raises and leaves the previous one in place. Costs are built once per (joint names,
dt) (at most ``MAX_CACHED_COSTS`` at a time) and follow scene updates. Computed on the CPU in
float64 (the trainer's float32 agrees to ~1e-6, see the package README).
"""

from collections import OrderedDict
from dataclasses import dataclass, field
import math
from typing import Dict, Mapping, Optional, Sequence, Tuple

import numpy as np
from pact_constraints.core.config import ConstraintConfig
from pact_constraints.core.executed_path import ExecutedPathCosts
from pact_constraints.core.monitor import STATUS_OK, STATUS_UNKNOWN, STATUS_VIOLATED
from pact_constraints.core.robot_model import RobotModel, RobotModelError
from pact_constraints.core.torch_costs import TorchConstraintCosts
from pact_world.core.scene import Scene, SceneError
import torch

DEFAULT_MAX_ROWS = 256       # most rows in one command (bounds the work a peer can cause)
MAX_CACHED_COSTS = 4         # (joint names, dt) combinations whose costs are kept
START_PREVIOUS, START_MEASURED = 'previous command', 'measured joint state'
_SHOWN_NAMES = 5             # names listed in a message before '...'


@dataclass
class ChunkCommand:
    """The PolicyStep fields the chunk monitor reads (``command`` flat, row-major)."""

    episode_id: str
    step_index: int
    action_names: Sequence[str]
    action_dim: int
    command_horizon: int
    command: Sequence[float]
    action_dt: float


@dataclass
class ChunkResult:
    """
    Status (STATUS_*), reason, and the chunk's costs (empty when UNKNOWN).

    ``costs`` and ``margins``: {name: c_k} and {name: d_k} of the active constraints, in the
    configuration's order (units of each constraint); ``min_clearance`` (m): the smallest
    robot<->scene signed distance on the path (inf without obstacles); ``start``: where the
    path started (``START_PREVIOUS`` or ``START_MEASURED``); ``rows``: rows scored.
    """

    status: int
    message: str
    costs: Dict[str, float] = field(default_factory=dict)
    margins: Dict[str, float] = field(default_factory=dict)
    min_clearance: float = math.inf
    start: str = ''
    rows: int = 0


@dataclass
class _Previous:
    """The last valid command seen: its episode, step index, joint names and last row."""

    episode_id: str
    step_index: int
    names: Tuple[str, ...]
    last_row: np.ndarray


def _names(names: Sequence[str]) -> str:
    shown = [str(name)[:64] for name in list(names)[:_SHOWN_NAMES]]
    return str(shown)[:-1] + (', ...]' if len(names) > _SHOWN_NAMES else ']')


class ChunkMonitor:
    """Cost of each commanded chunk on its executed path (see the module docstring)."""

    def __init__(self, config: ConstraintConfig, package_dirs=None, scene_dir=None,
                 max_rows: int = DEFAULT_MAX_ROWS, dtype=torch.float64):
        """Start without a robot and with an empty scene (version 0)."""
        self.config = config
        self.package_dirs, self.scene_dir = package_dirs, scene_dir
        self.max_rows, self.dtype = int(max_rows), dtype
        self.robot: Optional[RobotModel] = None
        self.scene = Scene(version=0)
        self._refused: Dict[str, str] = {}     # 'robot' / 'scene' -> reason (see refuse)
        self._costs: 'OrderedDict[tuple, ExecutedPathCosts]' = OrderedDict()
        self._previous: Optional[_Previous] = None

    # ----------------------------------------------------------------- model and scene
    def set_robot(self, robot: RobotModel):
        """Score chunks for ``robot`` (raises ``RobotModelError``; the previous one stays)."""
        self._build(robot, self.scene, robot.joint_names, 1.0)
        self.robot = robot
        self._costs.clear()
        self._refused.pop('robot', None)

    def set_scene(self, scene: Scene):
        """Score against ``scene`` (raises ``SceneError``; the previous one stays)."""
        try:
            for path_costs in self._costs.values():
                path_costs.costs.set_scenes(scene)
        except (SceneError, ValueError, KeyError) as error:
            self._costs.clear()      # some may hold the new scene: rebuilt on the next chunk
            raise SceneError(f'chunk costs cannot use scene version {scene.version}: '
                             f'{error}') from error
        self.scene = scene
        self._refused.pop('scene', None)

    def refuse(self, what: str, reason: str):
        """
        Report chunks UNKNOWN with ``reason`` until the next successful ``set_<what>``.

        For a caller that accepted a new robot (``what`` = 'robot') or scene ('scene')
        elsewhere which this monitor refused: scoring against the previous one would report
        numbers for a robot or scene that is no longer there.
        """
        self._refused[what] = reason

    def _build(self, robot: RobotModel, scene: Scene, names: Sequence[str],
               dt: float) -> ExecutedPathCosts:
        """Return the trainer's chunk costs (``RobotCosts``) for these joints and dt."""
        try:
            costs = TorchConstraintCosts(robot, scene, self.config, list(names), dt, 'cpu',
                                         self.dtype, package_dirs=self.package_dirs,
                                         scene_dir=self.scene_dir)
        except (KeyError, ValueError, SceneError) as error:
            raise RobotModelError(f'chunk costs do not fit robot {robot.name!r} and scene '
                                  f'version {scene.version}: {error}') from error
        return ExecutedPathCosts(costs, self.config.path_substeps, self.config.path_rows or None)

    def _path_costs(self, names: Tuple[str, ...], dt: float) -> ExecutedPathCosts:
        key = (names, dt)
        if key in self._costs:
            self._costs.move_to_end(key)
        else:
            self._costs[key] = self._build(self.robot, self.scene, names, dt)
            while len(self._costs) > MAX_CACHED_COSTS:
                self._costs.popitem(last=False)
        return self._costs[key]

    # ----------------------------------------------------------------- evaluation
    def evaluate(self, command: ChunkCommand, measured: Mapping[str, float]) -> ChunkResult:
        """
        Return the costs of ``command`` on the path the controller executes for it.

        ``measured``: fresh, finite joint positions by name (rad, m), for the start when there
        is no directly preceding command and for the joints the chunk does not command.
        """
        label = f'episode {str(command.episode_id)[:64]!r} step {command.step_index}'

        def unmeasured(joints):
            return [name for name in joints
                    if not math.isfinite(float(measured.get(name, math.nan)))]
        rows, problem = self._rows(command)
        if problem:
            return ChunkResult(STATUS_UNKNOWN, f'{label}: malformed command: {problem}')
        names = tuple(str(name) for name in command.action_names)
        previous, self._previous = self._previous, _Previous(
            command.episode_id, command.step_index, names, rows[-1].copy())
        if self.robot is None:
            return ChunkResult(STATUS_UNKNOWN, f'{label}: no robot model yet (waiting for '
                               'robot_description)')
        if self._refused:
            return ChunkResult(STATUS_UNKNOWN, f'{label}: ' + '; '.join(self._refused.values()))
        foreign = [name for name in names if name not in self.robot.joint_names]
        if foreign:
            return ChunkResult(STATUS_UNKNOWN, f'{label}: the chunk commands joints '
                               f'{_names(foreign)} that robot {self.robot.name!r} does not have '
                               f'(its joints: {_names(self.robot.joint_names)})')
        if (previous is not None and previous.episode_id == command.episode_id
                and previous.step_index + 1 == command.step_index and previous.names == names):
            start, source = previous.last_row, START_PREVIOUS
        else:
            missing = unmeasured(names)
            if missing:
                return ChunkResult(STATUS_UNKNOWN, f'{label}: no start for the path: no '
                                   'directly preceding command of the episode and no fresh '
                                   f'joint state for {_names(missing)}')
            start = np.array([float(measured[name]) for name in names])
            source = START_MEASURED
        held_joints = [name for name in self.robot.joint_names if name not in names]
        missing = unmeasured(held_joints)
        if missing:
            return ChunkResult(STATUS_UNKNOWN, f'{label}: no fresh joint state for '
                               f'{_names(missing)}, which the chunk does not command')
        return self._score(label, names, rows, start, source, command.action_dt, measured)

    def _rows(self, command: ChunkCommand) -> Tuple[Optional[np.ndarray], str]:
        """Return (rows (H, D) float64, '') or (None, what is wrong with the command)."""
        dim, horizon = int(command.action_dim), int(command.command_horizon)
        names = list(command.action_names)
        if dim < 1 or len(names) != dim:
            return None, f'{len(names)} action names for action_dim {dim}'
        if len(set(names)) != len(names):
            return None, f'repeated action names in {_names(names)}'
        if not 1 <= horizon <= self.max_rows:
            return None, f'command_horizon {horizon} is not in [1, {self.max_rows}]'
        values = np.asarray(command.command, dtype=np.float64).reshape(-1)
        if values.size != horizon * dim:
            return None, (f'{values.size} command values for command_horizon {horizon} x '
                          f'action_dim {dim}')
        rows = values.reshape(horizon, dim)
        bad = sorted({int(row) for row in np.argwhere(~np.isfinite(rows))[:, 0]})
        if bad:
            return None, f'non-finite values (NaN or inf) in rows {bad[:_SHOWN_NAMES]}'
        dt = float(command.action_dt)
        if not (math.isfinite(dt) and dt > 0.0):
            return None, f'action_dt must be finite and > 0 s, got {dt}'
        return rows, ''

    def _score(self, label, names, rows, start, source, dt, measured) -> ChunkResult:
        try:
            path_costs = self._path_costs(names, float(dt))
        except RobotModelError as error:
            return ChunkResult(STATUS_UNKNOWN, f'{label}: {error}')
        costs = path_costs.costs
        held = [float(measured[name]) if name not in names else 0.0
                for name in self.robot.joint_names]
        costs.set_held_positions(held)
        with torch.no_grad():
            result = path_costs(torch.as_tensor(rows[None], dtype=self.dtype),
                                torch.as_tensor(start[None], dtype=self.dtype))
        values = {name: float(result.costs[name][0]) for name in self.config.active
                  if name in result.costs}
        margins = {name: self.config.term(name).margin for name in values}
        scored = rows.shape[0] if path_costs.rows is None else min(path_costs.rows,
                                                                   rows.shape[0])
        nan = [name for name, value in values.items() if math.isnan(value)]
        if nan:
            return ChunkResult(STATUS_UNKNOWN, f'{label}: non-finite cost of {nan}',
                               start=source, rows=scored)
        min_clearance = float(result.min_clearance[0])
        violated = [name for name, value in values.items() if value > 0.0]
        head = f'{label}, {scored} rows from the {source}'
        if violated:
            return ChunkResult(STATUS_VIOLATED, f'{head}: violated: {", ".join(violated)}',
                               values, margins, min_clearance, source, scored)
        return ChunkResult(STATUS_OK, head, values, margins, min_clearance, source, scored)
