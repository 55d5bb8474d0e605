# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
r"""
Which robot geometry lets the careful way in cost nothing? Clearance per geometry mode.

The trainer's clearance sees the robot as capsules fitted around each link
(``geometry_mode: capsule``); the simulator judge sees MuJoCo's collision geometry (the convex
hulls of the same URDF meshes). This replays the executed chunks of the careful scripted expert
and of the base policy (``validity.py``'s rollouts, same validation layouts) and scores each
chunk's clearance on its executed setpoint path (5 samples per row, as the trainer) with the
exact constraint evaluator (``pact_constraints.core.constraints``, coal distances) in each
requested geometry: ``capsule:N`` (N capsules per link), ``convex`` (one hull per link) or
``exact`` (the meshes). Margin and penalty are ``config/constraints/sim_tasks.yaml``'s. It
reports, per geometry, the share of chunks with positive clearance cost for both sources and the
recall of the judge's contact and force events (an event in a chunk, or the chunk after one,
with positive cost: ``pact_trainer.core.cost_validity``). Run from the repository root after
``make setup && source pact_env.sh``::

    python bench/alignment/clearance_geometry.py --task reach --geometries capsule:2 \
        capsule:3 capsule:4 convex exact

Writes ``CLEARANCE_GEOMETRY.md`` and ``clearance_geometry.json`` beside this file.
"""

import argparse
import dataclasses
import json
from pathlib import Path
import sys
import time

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import validity  # noqa: E402  (bench scripts import each other from their folder)

EVENT_KINDS = ('robot_scene_collision', 'excessive_force')
SOURCES = ('careful expert', 'base policy')


def parse_geometry(text: str):
    """Return (geometry_mode, capsules per link or None) of 'capsule:N', 'convex' or 'exact'."""
    mode, _, count = text.partition(':')
    if mode not in ('capsule', 'convex', 'exact') or (count and mode != 'capsule'):
        raise argparse.ArgumentTypeError(
            f'geometry must be capsule:N, convex or exact, got {text!r}')
    if mode == 'capsule':
        if not count.isdigit() or int(count) < 1:
            raise argparse.ArgumentTypeError(
                f'capsule needs a count >= 1 (capsule:2), got {text!r}')
        return mode, int(count)
    return mode, None


class PathClearance:
    """The clearance cost of executed chunks under one geometry, from the exact evaluator."""

    def __init__(self, config, geometry, action_names, substeps: int):
        from pact_constraints.core.robot_model import load_robot_model
        from pact_world.core.robot_assets import PANDA_SRDF, PANDA_URDF
        mode, count = geometry
        self.config = dataclasses.replace(config, geometry_mode=mode,
                                          capsules_per_link=count or config.capsules_per_link)
        self.robot = load_robot_model(PANDA_URDF, PANDA_SRDF,
                                      capsules_per_link=self.config.capsules_per_link)
        self.columns = [self.robot.joint_names.index(name) for name in action_names]
        self.margin = self.config.term('clearance').margin
        self.substeps = substeps

    def chunk_costs(self, rollout) -> list:
        """Return [{'clearance': c}] per chunk: the hinge of margin - min distance on its path."""
        from pact_constraints.core.constraints import ConstraintEvaluator
        from pact_constraints.core.executed_path import executed_path
        evaluator = ConstraintEvaluator(self.robot, rollout.chunks[0].scene, self.config)
        held = np.clip(np.zeros(len(self.robot.joint_names)), self.robot.lower, self.robot.upper)
        costs = []
        for chunk in rollout.chunks:
            path = executed_path(torch.tensor(chunk.rows[None], dtype=torch.float64),
                                 torch.tensor(chunk.start[None], dtype=torch.float64),
                                 self.substeps)[0].numpy()
            closest = np.inf
            for sample in path:
                positions = held.copy()
                positions[self.columns] = sample
                pair = evaluator.evaluate(positions).min_clearance
                if pair is not None:
                    closest = min(closest, pair.distance)
            costs.append({'clearance': max(0.0, self.margin - closest)})
        return costs


def statistics(rollouts, scorer: PathClearance) -> dict:
    """Return the positive-chunk share per source and the recall per event kind."""
    from pact_trainer.core import cost_validity
    episodes = [validity.scored_episode(rollout, scorer.chunk_costs(rollout))
                for rollout in rollouts]
    out = {'positive_chunk_rate': {}, 'recall': {}}
    for source in SOURCES:
        group = [episode for episode in episodes if episode.source == source]
        out['positive_chunk_rate'][source] = cost_validity.positive_chunk_rate(group,
                                                                               ['clearance'])
    for kind in EVENT_KINDS:
        out['recall'][kind] = cost_validity.event_recall(
            episodes, ['clearance'], lambda event, kind=kind: event.kind == kind)
    return out


def write_report(results: dict, command: str, path: Path) -> None:
    """Write the markdown table of ``results`` ({geometry: statistics}) to ``path``."""
    lines = ['# Clearance per robot geometry: does the careful way in cost anything?', '',
             f'Produced by `{command}` ({results["minutes"]:.0f} min on a shared 2-core CPU); '
             'what it measures and how: the docstring of `bench/alignment/clearance_geometry.py`. '
             f'Task {results["task"]}, validation layouts {results["seeds"][0]}–'
             f'{results["seeds"][1]}, {results["episodes"]} episodes per source.', '',
             '| geometry | careful expert: chunks with clearance cost | base policy: chunks '
             'with clearance cost | recall of contacts | recall of excessive force |',
             '|---|---:|---:|---:|---:|']
    for geometry, row in results['geometries'].items():
        rates = row['positive_chunk_rate']
        recalls = [f'{hits}/{total} ({hits / total:.2f})' if total else '-'
                   for hits, total in (row['recall'][kind] for kind in EVENT_KINDS)]
        lines.append(f'| {geometry} | {rates["careful expert"]:.1%} | '
                     f'{rates["base policy"]:.1%} | {recalls[0]} | {recalls[1]} |')
    path.write_text('\n'.join(lines) + '\n')


def main(argv=None) -> int:
    """Roll out both sources once, score them under every geometry, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[1])
    parser.add_argument('--task', default='reach', choices=('reach', 'pick', 'carry'))
    parser.add_argument('--geometries', nargs='+', type=str,
                        default=['capsule:2', 'capsule:3', 'capsule:4', 'convex', 'exact'])
    parser.add_argument('--episodes', type=int, default=40)
    parser.add_argument('--seed-offset', type=int, default=validity.DEFAULT_SEED_OFFSET)
    parser.add_argument('--out', type=Path, default=HERE)
    arguments = parser.parse_args(argv)
    try:
        geometries = {text: parse_geometry(text) for text in arguments.geometries}
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    from pact_constraints.core.config import load_constraint_config
    from pact_sim.core.seed_ranges import seeds_in
    from pact_sim.core.sim_env import SimEnv
    torch.set_num_threads(1)
    started = time.perf_counter()
    config = load_constraint_config(str(validity.CONSTRAINTS))
    seeds = seeds_in('validation', arguments.seed_offset, arguments.episodes)
    from pact_policy.core.checkpoint import load_checkpoint
    checkpoint = validity.ROOT / 'models' / 'base' / f'{arguments.task}_base.pact'
    chunk_rows = load_checkpoint(checkpoint).policy.config.n_action_steps
    rollouts = validity.expert_rollouts(arguments.task, seeds, 0.0, chunk_rows, lambda *_: None)
    rollouts += validity.policy_rollouts(arguments.task, checkpoint, seeds, lambda *_: None)
    action_names = SimEnv(arguments.task).action_names
    results = {'task': arguments.task, 'seeds': [seeds[0], seeds[-1]],
               'episodes': arguments.episodes, 'geometries': {}}
    for text, geometry in geometries.items():
        scorer = PathClearance(config, geometry, action_names, config.path_substeps)
        results['geometries'][text] = statistics(rollouts, scorer)
        print(text, json.dumps(results['geometries'][text]), flush=True)
    results['minutes'] = (time.perf_counter() - started) / 60
    command = (f'python bench/alignment/clearance_geometry.py --task {arguments.task} '
               f'--geometries {" ".join(arguments.geometries)} --episodes {arguments.episodes}')
    if arguments.seed_offset != validity.DEFAULT_SEED_OFFSET:
        command += f' --seed-offset {arguments.seed_offset}'
    if arguments.out.resolve() != HERE:
        command += f' --out {validity.repository_relative(arguments.out)}'
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / 'clearance_geometry.json').write_text(json.dumps(results, indent=1) + '\n')
    write_report(results, command, arguments.out / 'CLEARANCE_GEOMETRY.md')
    return 0


if __name__ == '__main__':
    sys.exit(main())
