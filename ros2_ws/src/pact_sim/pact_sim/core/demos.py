# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Record scripted-expert demonstrations and store them as ``<task>.npz`` + ``<task>.json``.

Format (``FORMAT_VERSION`` 1), N episodes of T = horizon rows, O observation entries, D actions:

``<task>.npz`` (numpy, ``np.load(path)``):

- ``obs`` float32 (N, T, O): observation BEFORE executing row t (names in ``obs_names``);
- ``actions`` float32 (N, T, D): absolute position targets, row t reached ``dt`` s after obs t
  (arm joints rad, then the gripper opening of ONE finger in m; names in ``action_names``);
- ``episode_lengths`` int32 (N,): valid rows per episode (= T here; the expert holds its last
  target until the horizon);
- ``seeds`` int64 (N,): layout seed of each episode (``SimEnv.reset(seed)`` reproduces it);
- ``sloppiness`` float32 (N,): 0 for careful episodes, in [0.5, 1] for sloppy ones;
- ``success``, ``safe`` bool (N,): the judge's verdict on the EXPERT's episode (evaluation
  only; a policy trainer must not use them to filter or weight demonstrations);
- ``obs_names``, ``action_names``: str arrays.

``<task>.json``: ``format_version``, ``task``, ``obs_names``, ``action_names``, ``dt`` (s),
``horizon``, ``episodes``, ``seeds``, ``carelessness``, ``success_rate``, ``safe_rate``,
``events_by_type`` (episode counts with at least one event of the type), ``robot_urdf``,
``mujoco_version``.

Demonstration seeds start at 0 by default; evaluate policies on other seeds (e.g. from 10000).
"""

from collections import Counter
from dataclasses import dataclass, field
import json
import pathlib
from typing import Callable, Dict, List, Optional

import mujoco
import numpy as np

from pact_sim.core.experts import run_expert_episode, ScriptedExpert
from pact_sim.core.sim_env import SimEnv

FORMAT_VERSION = 1


@dataclass
class DemoSet:
    """Demonstrations of one task (arrays as in the module docstring) and their metadata."""

    task: str
    obs: np.ndarray
    actions: np.ndarray
    episode_lengths: np.ndarray
    seeds: np.ndarray
    sloppiness: np.ndarray
    success: np.ndarray
    safe: np.ndarray
    obs_names: List[str]
    action_names: List[str]
    dt: float
    carelessness: float
    events_by_type: Dict[str, int] = field(default_factory=dict)
    robot_urdf: str = ''

    def metadata(self) -> dict:
        """Return the JSON description of the set (keys: see the module docstring)."""
        return {
            'format_version': FORMAT_VERSION, 'task': self.task, 'obs_names': self.obs_names,
            'action_names': self.action_names, 'dt': self.dt, 'horizon': int(self.obs.shape[1]),
            'episodes': int(len(self.seeds)), 'seeds': [int(s) for s in self.seeds],
            'carelessness': self.carelessness,
            'success_rate': float(np.mean(self.success)), 'safe_rate': float(np.mean(self.safe)),
            'events_by_type': self.events_by_type, 'robot_urdf': self.robot_urdf,
            'mujoco_version': mujoco.__version__}


def record_task(task: str, seeds, carelessness: Optional[float] = None,
                on_episode: Optional[Callable[[int, bool, bool], None]] = None) -> DemoSet:
    """Run the task's expert on every seed; ``carelessness`` None = the task's default."""
    seeds = [int(seed) for seed in seeds]  # read twice below: any iterable works
    env = SimEnv(task)
    if carelessness is None:
        carelessness = float(env.task.spec.param('default_carelessness', 0.0))
    expert = ScriptedExpert(env, carelessness)
    arrays = {key: [] for key in ('obs', 'actions', 'sloppiness', 'success', 'safe')}
    events = Counter()
    for seed in seeds:
        observations, rows, expert = run_expert_episode(env, seed, carelessness, expert)
        summary = env.evaluation_summary()
        events.update(kind for kind, count in summary.events_by_type.items() if count)
        for key, value in (('obs', observations), ('actions', rows),
                           ('sloppiness', expert.sloppiness), ('success', summary.success),
                           ('safe', summary.safe)):
            arrays[key].append(value)
        if on_episode is not None:
            on_episode(seed, summary.success, summary.safe)
    count, horizon = len(arrays['obs']), env.horizon
    return DemoSet(
        task=env.task.name, obs=np.asarray(arrays['obs'], dtype=np.float32),
        actions=np.asarray(arrays['actions'], dtype=np.float32),
        episode_lengths=np.full(count, horizon, dtype=np.int32),
        seeds=np.asarray(seeds, dtype=np.int64),
        sloppiness=np.asarray(arrays['sloppiness'], dtype=np.float32),
        success=np.asarray(arrays['success'], dtype=bool),
        safe=np.asarray(arrays['safe'], dtype=bool),
        obs_names=list(env.observation_names), action_names=list(env.action_names),
        dt=env.dt, carelessness=carelessness, events_by_type=dict(events),
        robot_urdf=env.sim.robot.urdf_uri)


def save_demos(demos: DemoSet, folder) -> pathlib.Path:
    """Write ``<folder>/<task>.npz`` and ``<task>.json``; return the npz path."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f'{demos.task}.npz'
    np.savez_compressed(
        path, obs=demos.obs, actions=demos.actions, episode_lengths=demos.episode_lengths,
        seeds=demos.seeds, sloppiness=demos.sloppiness, success=demos.success, safe=demos.safe,
        obs_names=np.array(demos.obs_names), action_names=np.array(demos.action_names))
    (folder / f'{demos.task}.json').write_text(json.dumps(demos.metadata(), indent=2))
    return path


def load_demos(path) -> dict:
    """Return the arrays of a ``<task>.npz`` plus its JSON metadata under ``'metadata'``."""
    path = pathlib.Path(path)
    with np.load(path) as archive:
        loaded = {key: archive[key] for key in archive.files}
    loaded['metadata'] = json.loads(path.with_suffix('.json').read_text())
    return loaded
