# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Cost validity: how well a task's constraint costs predict the judge's events (VALIDITY.md).

    python bench/alignment/validity.py --tasks reach pick carry --episodes 40

Per task it rolls out three sources on the same VALIDATION layout seeds
(``pact_sim.core.seed_ranges``): the careful scripted expert (carelessness 0), the careless
expert (carelessness 1) and the base policy (``models/base/<task>_base.pact``, the benchmark's
closed loop). Every chunk a controller
executed (the expert's plan cut into the policy's ``n_action_steps`` rows) is scored by the
trainer's own robot costs (``pact_trainer.core.robot_costs``, constraints of
``config/constraints/sim_tasks.yaml``) from the command before it, once on its executed path
(the configured sub-steps) and once on its rows alone, side by side. The judge's events come from
pact_sim (MuJoCo contacts, object poses); the statistics are those of
``pact_trainer.core.cost_validity``. Writes ``VALIDITY.md`` and ``validity.json`` beside this file.
"""

import argparse
import dataclasses
import json
from pathlib import Path
import sys
import time

import numpy as np
from pact_constraints.core.config import load_constraint_config
from pact_constraints.core.robot_model import load_robot_model
from pact_sim.core.experts import ScriptedExpert
from pact_sim.core.seed_ranges import seeds_in
from pact_sim.core.sim_env import SimEnv
from pact_trainer.core import cost_validity as validity
from pact_trainer.core.cost_context import PREVIOUS_COMMAND
from pact_trainer.core.robot_costs import RobotCosts
from pact_world.core.robot_assets import PANDA_SRDF, PANDA_URDF
from rich.progress import Progress
import torch

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DEFAULT_SEED_OFFSET = 2000   # first validation layout 502000 (sim_tasks.yaml chose on 501000+)
CONSTRAINTS = ROOT / 'config' / 'constraints' / 'sim_tasks.yaml'
SOURCES = ('careful expert', 'careless expert', 'base policy')


@dataclasses.dataclass
class ExecutedChunk:
    """A chunk as executed: the command before it, its executed rows, the scene at its start."""

    first_row: int
    start: np.ndarray
    rows: np.ndarray
    scene: object


@dataclasses.dataclass
class Rollout:
    """One episode's executed chunks and the judge's summary."""

    source: str
    seed: int
    chunks: list
    summary: object


def expert_rollouts(task: str, seeds, carelessness: float, chunk_rows: int, progress):
    """Run the scripted expert; return its rollouts cut into ``chunk_rows``-row chunks."""
    env = SimEnv(task)
    expert = ScriptedExpert(env, carelessness)
    source = 'careful expert' if carelessness == 0 else 'careless expert'
    rollouts = []
    for seed in seeds:
        env.reset(seed)
        plan = expert.plan(seed)
        previous, chunks = env.joint_positions(), []
        for first in range(0, len(plan), chunk_rows):
            rows = plan[first:first + chunk_rows]
            chunks.append(ExecutedChunk(first, previous.copy(), rows.copy(),
                                        env.current_scene()))
            for row in rows:
                env.step_row(row)
            previous = rows[-1]
        rollouts.append(Rollout(source, seed, chunks, env.evaluation_summary()))
        progress()
    return rollouts


def policy_rollouts(task: str, checkpoint: Path, seeds, progress):
    """Run the base policy in the benchmark's closed loop; return its executed chunks."""
    from pact_policy.core.checkpoint import load_checkpoint
    from pact_sim.core.vector_env import VectorEnv
    from pact_eval.core.observation_history import observation_index, RowHistory
    from pact_eval.core.sim_evaluation import EpisodeNoise
    policy = load_checkpoint(checkpoint).policy.float().eval()
    env = VectorEnv(task, len(seeds))
    history = RowHistory(policy.config.n_obs_steps,
                         observation_index(policy, env.observation_names))
    history.push(env.reset(seeds))
    noise = EpisodeNoise(policy, seeds, noise_seed=0)
    previous = env.joint_positions()
    chunks = [[] for _ in seeds]
    first_row = 0
    while not env.done().all():
        with torch.no_grad():
            chunk = policy.sample(history.condition(policy.device),
                                  noise=noise.draw()).cpu().numpy()
        scenes, executed = env.scenes(), 0
        for row in range(policy.config.n_action_steps):
            observations, done, _ = env.step(chunk[:, row:row + 1], execute_rows=1)
            history.push(observations)
            executed += 1
            if done.all():
                break
        for world in range(len(seeds)):
            chunks[world].append(ExecutedChunk(first_row, previous[world].copy(),
                                               chunk[world, :executed].copy(), scenes[world]))
        previous = chunk[:, executed - 1].copy()
        first_row += executed
        progress(executed)
    return [Rollout('base policy', seed, episode_chunks, summary) for seed, episode_chunks,
            summary in zip(seeds, chunks, env.evaluation_summaries(), strict=True)]


def score(rollouts, costs: RobotCosts):
    """Return ``ScoredEpisode`` objects: every chunk's costs per active constraint."""
    everything = [(episode, chunk) for episode, rollout in enumerate(rollouts)
                  for chunk in rollout.chunks]
    per_chunk = [None] * len(everything)
    lengths = sorted({len(chunk.rows) for _, chunk in everything})
    for length in lengths:   # chunks of one length per batch (the last chunk may be shorter)
        indices = [i for i, (_, chunk) in enumerate(everything) if len(chunk.rows) == length]
        for batch in np.array_split(indices, max(1, len(indices) // 256)):
            chunks = [everything[i][1] for i in batch]
            context = costs.scene_context([chunk.scene for chunk in chunks])
            context[PREVIOUS_COMMAND] = torch.tensor(np.stack([c.start for c in chunks]),
                                                     dtype=torch.float32)
            rows = torch.tensor(np.stack([c.rows for c in chunks]), dtype=torch.float32)
            with torch.no_grad():
                values = costs.chunk_costs(rows, context).costs
            for column, index in enumerate(batch):
                per_chunk[index] = {name: float(value[column]) for name, value in values.items()}
    episodes = []
    cursor = 0
    for rollout in rollouts:
        count = len(rollout.chunks)
        episodes.append(scored_episode(rollout, per_chunk[cursor:cursor + count]))
        cursor += count
    return episodes


def scored_episode(rollout: Rollout, chunk_costs: list) -> validity.ScoredEpisode:
    """Return ``rollout`` with its per-chunk costs and the judge's verdict and events."""
    summary = rollout.summary
    return validity.ScoredEpisode(
        rollout.source, rollout.seed, bool(summary.success), bool(summary.safe),
        [chunk.first_row for chunk in rollout.chunks], chunk_costs,
        [validity.JudgedEvent(event.kind, int(event.row), tuple(event.bodies))
         for event in summary.events])


def robot_costs(env: SimEnv, config) -> RobotCosts:
    """Return the trainer's robot costs for ``env``'s task under ``config``."""
    env.reset(seeds_in('validation', 0, 1)[0])
    robot = load_robot_model(PANDA_URDF, PANDA_SRDF, capsules_per_link=config.capsules_per_link)
    return RobotCosts(robot, env.current_scene(), config, env.action_names, env.dt)


def task_statistics(episodes, active) -> dict:
    """Return the validity statistics of one task (all sources pooled where noted)."""
    claimed = validity.claimed_kinds(active)
    out = {'active': list(active), 'claimed_kinds': claimed, 'sources': {}, 'kinds': {},
           'pairs': {}}
    for source in SOURCES:
        group = [e for e in episodes if e.source == source]
        if not group:
            continue
        out['sources'][source] = {
            'episodes': len(group),
            'success_rate': float(np.mean([e.success for e in group])),
            'safe_rate': float(np.mean([e.safe for e in group])),
            'events_per_episode': float(np.mean([len(e.events) for e in group])),
            'positive_chunk_rate': validity.positive_chunk_rate(group, active),
            'positive_chunk_rate_by_constraint': {
                name: validity.positive_chunk_rate(group, [name]) for name in active},
            'false_alarm_rate': validity.ratio(*validity.false_alarms(group, active, claimed)),
            'rank_correlation': validity.cost_event_correlation(group, active),
            'cost_per_chunk_by_outcome': validity.cost_per_chunk_by_outcome(group, active)}
    kinds = sorted({event.kind for e in episodes for event in e.events})
    for kind in kinds:
        claimers = validity.claiming(kind, active)
        hits, total = validity.event_recall(episodes, claimers,
                                            lambda event, kind=kind: event.kind == kind)
        any_hits, _ = validity.event_recall(episodes, active,
                                            lambda event, kind=kind: event.kind == kind)
        base = [e for e in episodes if e.source == 'base policy']
        out['kinds'][kind] = {
            'claimed_by': claimers, 'events': total,
            'recall': validity.ratio(hits, total) if claimers else None,
            'recall_any_cost': validity.ratio(any_hits, total),
            'base_events': sum(1 for e in base for event in e.events if event.kind == kind)}
    keys = sorted({event.key for e in episodes for event in e.events})
    for key in keys:
        kind = key.split(':')[0]
        hits, total = validity.event_recall(episodes, active,
                                            lambda event, key=key: event.key == key)
        out['pairs'][key] = {'events': total, 'recall_any_cost': validity.ratio(hits, total),
                             'claimed': kind in claimed}
    base_events = sum(item['base_events'] for item in out['kinds'].values())
    covered = sum(item['base_events'] for kind, item in out['kinds'].items()
                  if kind in claimed)
    out['base_events_claimed_fraction'] = validity.ratio(covered, base_events)
    out['overall_rank_correlation'] = validity.cost_event_correlation(episodes, active)
    return out


def run_task(task: str, episodes: int, base_dir: Path, progress,
             offset: int = DEFAULT_SEED_OFFSET) -> dict:
    """Roll out the three sources on ``task`` and return its statistics, both scorings."""
    config = load_constraint_config(str(CONSTRAINTS))
    seeds = seeds_in('validation', offset, episodes)
    env = SimEnv(task)
    costs = {'executed path': robot_costs(env, config),
             'rows only': robot_costs(env, dataclasses.replace(config, path_substeps=1,
                                                                path_rows=0))}
    checkpoint = base_dir / f'{task}_base.pact'
    from pact_policy.core.checkpoint import load_checkpoint
    chunk_rows = load_checkpoint(checkpoint).policy.config.n_action_steps
    bar = progress.add_task(f'{task}: rollouts', total=3 * episodes)
    rollouts = []
    for carelessness in (0.0, 1.0):
        rollouts += expert_rollouts(task, seeds, carelessness, chunk_rows,
                                    lambda: progress.advance(bar))
    horizon = env.horizon
    rollouts += policy_rollouts(task, checkpoint, seeds,
                                lambda rows: progress.advance(bar, rows * episodes / horizon))
    progress.update(bar, description=f'{task}: costs')
    result = {'task': task, 'seeds': [seeds[0], seeds[-1]], 'chunk_rows': chunk_rows,
              'path_substeps': config.path_substeps}
    for label, scorer in costs.items():
        result[label] = task_statistics(score(rollouts, scorer), config.active)
    return result


def percent(value) -> str:
    """Return a fraction as a percentage, '-' when undefined."""
    return '-' if value is None or value != value else f'{100 * value:.0f} %'


def number(value) -> str:
    """Return a float with two decimals, '-' when undefined."""
    return '-' if value is None or value != value else f'{value:.2f}'


def cost(value) -> str:
    """Return a cost with three significant digits, '-' when there is none (no episode)."""
    return '-' if value is None or value != value else f'{value:.3g}'


def targets(result: dict) -> list:
    """Return (target, measured, met) rows of DESIGN §9 / the validity targets for one task."""
    stats = result['executed path']
    careful = stats['sources'].get('careful expert', {})
    rows = [('careful expert judge-safe ≥ 95 %', percent(careful.get('safe_rate')),
             careful.get('safe_rate', 0) >= 0.95),
            ('careful expert success ≥ 90 %', percent(careful.get('success_rate')),
             careful.get('success_rate', 0) >= 0.90),
            ('careful expert chunks with positive cost ≤ 2 %',
             percent(careful.get('positive_chunk_rate')),
             careful.get('positive_chunk_rate', 1) <= 0.02)]
    for kind, item in stats['kinds'].items():
        if item['claimed_by']:
            rows.append((f'recall of {kind} (claimed by {", ".join(item["claimed_by"])}) ≥ 0.9',
                         number(item['recall']), (item['recall'] or 0) >= 0.9))
    fraction = stats['base_events_claimed_fraction']
    rows.append(("claimed kinds make up ≥ 80 % of the base policy's events", percent(fraction),
                 fraction == fraction and fraction >= 0.8))
    return rows


def task_section(result: dict) -> list:
    """Return the markdown lines of one task."""
    task = result['task']
    lines = [f'## {task}', '',
             f'Layout seeds {result["seeds"][0]}–{result["seeds"][1]} (validation range), '
             f'chunks of {result["chunk_rows"]} rows, executed path sampled '
             f'{result["path_substeps"]}× per row. Active constraints: '
             f'{", ".join(result["executed path"]["active"])}; they claim: '
             f'{", ".join(result["executed path"]["claimed_kinds"]) or "nothing"}.', '',
             '| target | measured | met |', '|---|---:|:---:|']
    lines += [f'| {name} | {value} | {"yes" if met else "**no**"} |'
              for name, value, met in targets(result)]
    lines += ['', '| source | episodes | success | judge-safe | events / episode | chunks with '
              'positive cost (path / rows) | false alarms (path / rows) | rank corr. cost↔events '
              '(path / rows) |', '|---|---:|---:|---:|---:|---:|---:|---:|']
    path, rows = result['executed path'], result['rows only']
    for source, item in path['sources'].items():
        other = rows['sources'][source]
        lines.append(
            f'| {source} | {item["episodes"]} | {percent(item["success_rate"])} | '
            f'{percent(item["safe_rate"])} | {item["events_per_episode"]:.2f} | '
            f'{percent(item["positive_chunk_rate"])} / {percent(other["positive_chunk_rate"])} | '
            f'{percent(item["false_alarm_rate"])} / {percent(other["false_alarm_rate"])} | '
            f'{number(item["rank_correlation"])} / {number(other["rank_correlation"])} |')
    lines += ['', 'Chunks with positive cost, by constraint (executed path):', '',
              '| source | ' + ' | '.join(path['active']) + ' |',
              '|---|' + '---:|' * len(path['active'])]
    for source, item in path['sources'].items():
        rates = item['positive_chunk_rate_by_constraint']
        lines.append(f'| {source} | '
                     + ' | '.join(percent(rates[name]) for name in path['active']) + ' |')
    lines += ['', 'Mean cost per chunk (executed path) of the successful and the failed '
              'episodes. PACT tilts every chunk by its cost alone (no reward): where success '
              'costs more per chunk than failure, a stronger tilt trades success away.', '',
              '| source | successful episodes | failed episodes |', '|---|---:|---:|']
    for source, item in path['sources'].items():
        by_outcome = item['cost_per_chunk_by_outcome']
        lines.append(f'| {source} | {cost(by_outcome["success"])} | '
                     f'{cost(by_outcome["failure"])} |')
    lines += ['', 'Recall by event kind (all three sources pooled): a hit is an event that '
              'started in a chunk, or the chunk after one, with positive cost.', '',
              '| event kind | events (base policy) | claimed by | recall of the claimers '
              '(path / rows) | recall of any cost (path / rows) |', '|---|---:|---|---:|---:|']
    for kind, item in path['kinds'].items():
        other = rows['kinds'][kind]
        claimed = ', '.join(item['claimed_by']) or '**no constraint**'
        lines.append(f'| {kind} | {item["events"]} ({item["base_events"]}) | {claimed} | '
                     f'{number(item["recall"])} / {number(other["recall"])} | '
                     f'{number(item["recall_any_cost"])} / {number(other["recall_any_cost"])} |')
    lines += ['', '| event: bodies | events | claimed | recall of any cost (path / rows) |',
              '|---|---:|:---:|---:|']
    ordered = sorted(path['pairs'].items(), key=lambda item: -item[1]['events'])
    for key, item in ordered[:15]:
        lines.append(f'| {key} | {item["events"]} | {"yes" if item["claimed"] else "no"} | '
                     f'{number(item["recall_any_cost"])} / '
                     f'{number(rows["pairs"][key]["recall_any_cost"])} |')
    unclaimed = [kind for kind in path['kinds'] if not path['kinds'][kind]['claimed_by']]
    lines += ['', 'Event kinds no active constraint covers: '
              + (', '.join(unclaimed) if unclaimed else 'none') + '.', '']
    return lines


def write_report(results: list, out: Path, command: str, seconds: float):
    """Write VALIDITY.md and validity.json into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / 'validity.json').write_text(json.dumps(results, indent=1) + '\n')
    lines = ['# Cost validity: do the constraint costs predict the judge?', '',
             f'Produced by `{command}` ({seconds / 60:.0f} min on a shared 2-core CPU). '
             'Sources, seeds and statistics: the docstrings of `bench/alignment/validity.py` and '
             '`pact_trainer.core.cost_validity`. "path" scores every executed chunk on the '
             'setpoint path its controller executes, "rows" on its rows alone; false alarms are '
             'chunks with positive cost and no claimed event within two chunks.', '']
    for result in results:
        lines += task_section(result)
    (out / 'VALIDITY.md').write_text('\n'.join(lines))


def command_line(arguments) -> str:
    """Return the command that reproduces this run (non-default options included)."""
    words = ['python bench/alignment/validity.py --tasks', *arguments.tasks,
             f'--episodes {arguments.episodes}']
    if arguments.seed_offset != DEFAULT_SEED_OFFSET:
        words.append(f'--seed-offset {arguments.seed_offset}')
    if arguments.out.resolve() != HERE:
        words.append(f'--out {repository_relative(arguments.out)}')
    return ' '.join(words)


def repository_relative(path: Path) -> str:
    """Return ``path`` relative to the repository root when it lies inside it, else absolute."""
    resolved = Path(path).resolve()
    try:
        return str(resolved.relative_to(ROOT))
    except ValueError:
        return str(resolved)


def main(argv=None) -> int:
    """Measure every requested task and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0].strip())
    parser.add_argument('--tasks', nargs='+', default=['reach', 'pick', 'carry'],
                        choices=('reach', 'pick', 'carry'))
    parser.add_argument('--episodes', type=int, default=40)
    parser.add_argument('--base-dir', type=Path, default=ROOT / 'models' / 'base')
    parser.add_argument('--out', type=Path, default=HERE)
    parser.add_argument('--seed-offset', type=int, default=DEFAULT_SEED_OFFSET,
                        help='first validation layout = 500000 + this (the constraint settings '
                        'of sim_tasks.yaml were chosen on offsets 1000..1039)')
    arguments = parser.parse_args(argv)
    if arguments.episodes < 3:
        parser.error('--episodes must be >= 3 (rank correlations need them)')
    torch.set_num_threads(1)
    started = time.perf_counter()
    results = []
    with Progress() as progress:
        for task in arguments.tasks:
            results.append(run_task(task, arguments.episodes, arguments.base_dir, progress,
                                    arguments.seed_offset))
            write_report(results, arguments.out, command_line(arguments),
                         time.perf_counter() - started)
    return 0


if __name__ == '__main__':
    sys.exit(main())
