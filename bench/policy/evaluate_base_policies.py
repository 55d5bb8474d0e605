# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Roll base policies out in pact_sim and report the simulator judge's success and safe rates.

Run from the repository root (after ``make setup && source pact_env.sh``; needs pact_sim)::

    bash bench/policy/make_base_policies.sh      # record demos, train, evaluate (all tasks)
    python bench/policy/evaluate_base_policies.py --models runs/base_policies --tasks reach

Each episode: ``SimEnv.reset(seed)``, then until the episode horizon: sample one chunk from the
observation history (generator seeded per episode) and execute its first ``n_action_steps``
rows, appending the observation after every row (the history keeps the ``dt`` spacing of the
demonstrations). Success and safety come from pact_sim's judge (its own contacts and
object poses), never from pact_policy or pact_constraints code. Evaluation seeds (default
503000..503029, the validation range of ``pact_sim.core.seed_ranges``) are disjoint from the
demonstration, training and benchmark-evaluation seeds.
"""

import argparse
import json
import pathlib
import sys

import numpy as np
from pact_policy.core.checkpoint import load_checkpoint
from pact_policy.core.observation import ObservationHistory
from pact_sim.core.sim_env import SimEnv
import torch


def run_episode(env, policy, seed: int) -> dict:
    """Return the judge's verdict for one episode of ``policy`` on layout ``seed``."""
    history = ObservationHistory(policy.config.n_obs_steps)
    generator = torch.Generator(device=policy.device).manual_seed(seed)
    history.push(np.asarray(env.reset(seed), dtype=np.float32))
    while not env.done:
        condition = torch.from_numpy(history.flat()).reshape(1, -1)
        chunk = policy.sample(condition, generator=generator)[0].cpu().numpy()
        for row in chunk[:policy.config.n_action_steps]:  # history keeps the dt spacing
            if env.done:
                break
            history.push(np.asarray(env.step_row(row), dtype=np.float32))
    summary = env.evaluation_summary()
    return {'seed': seed, 'success': bool(summary.success), 'safe': bool(summary.safe),
            'events': int(sum(summary.events_by_type.values())),
            'events_by_type': dict(summary.events_by_type),
            'min_clearance': float(summary.min_clearance)}


def evaluate(model_path: pathlib.Path, task: str, seeds, device: str = 'cpu') -> dict:
    """Return rates and per-episode records of one checkpoint on one task."""
    loaded = load_checkpoint(model_path, device=device)
    env = SimEnv(task)
    if list(env.observation_names) != loaded.policy.config.observation_names:
        raise ValueError(f'{model_path}: observation names differ from task {task!r}')
    episodes = [run_episode(env, loaded.policy, seed) for seed in seeds]
    success = np.array([e['success'] for e in episodes])
    safe = np.array([e['safe'] for e in episodes])
    return {'task': task, 'model': str(model_path), 'sha256': loaded.sha256,
            'episodes': len(episodes), 'success_rate': float(success.mean()),
            'safe_rate': float(safe.mean()),
            'events_per_episode': float(np.mean([e['events'] for e in episodes])),
            'seeds': [int(s) for s in seeds], 'per_episode': episodes}


def wilson_interval(rate: float, count: int, z: float = 1.96) -> tuple:
    """Return the 95 % Wilson score interval of a binomial rate."""
    denominator = 1 + z * z / count
    centre = (rate + z * z / (2 * count)) / denominator
    half = z * np.sqrt(rate * (1 - rate) / count + z * z / (4 * count * count)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _architectures(folder: pathlib.Path, tasks) -> list:
    return [load_checkpoint(folder / f'{task}_base.pact').policy.config.architecture_id
            for task in tasks]


def main(argv=None) -> int:
    """Evaluate every task's base policy and write the markdown table."""
    parser = argparse.ArgumentParser(description='evaluate base policies in pact_sim')
    parser.add_argument('--models', default='runs/base_policies',
                        help='folder with <task>_base.pact and the demos in demos/')
    parser.add_argument('--tasks', nargs='+', default=['reach', 'pick', 'carry'])
    parser.add_argument('--first-seed', type=int, default=503000)
    parser.add_argument('--episodes', type=int, default=30)
    parser.add_argument('--device', default='cpu',
                        help="torch device of the policies: 'cpu' (the committed table), "
                        "'cuda' or 'cuda:N' (other random streams)")
    parser.add_argument('--out', default=str(pathlib.Path(__file__).with_name(
        'BASE_POLICIES.md')))
    arguments = parser.parse_args(argv)
    torch.set_num_threads(1)
    folder = pathlib.Path(arguments.models)
    seeds = range(arguments.first_seed, arguments.first_seed + arguments.episodes)
    lines = ['# Base policies in pact_sim', '',
             'Produced by `bash bench/policy/make_base_policies.sh` (demos → '
             "`train_base_policy` → this evaluation). Rates from pact_sim's judge on "
             f'evaluation seeds {seeds.start}..{seeds.stop - 1} (95 % Wilson intervals); '
             "the experts' rates are on their demonstration seeds.", '',
             '| task | expert success | expert safe | policy success | policy safe | '
             'events / episode | checkpoint sha256 |', '|---|---:|---:|---|---|---:|---|']
    for task in arguments.tasks:
        result = evaluate(folder / f'{task}_base.pact', task, seeds, arguments.device)
        (folder / f'{task}_base.eval.json').write_text(json.dumps(result, indent=1))
        expert = json.loads((folder / 'demos' / f'{task}.json').read_text())
        cells = []
        for key in ('success_rate', 'safe_rate'):
            low, high = wilson_interval(result[key], result['episodes'])
            cells.append(f'{result[key]:.0%} [{low:.0%}, {high:.0%}]')
        lines.append(f'| {task} | {expert["success_rate"]:.0%} | {expert["safe_rate"]:.0%} | '
                     f'{cells[0]} | {cells[1]} | {result["events_per_episode"]:.2f} | '
                     f'`{result["sha256"][:12]}` |')
        print(lines[-1], flush=True)
    architectures = sorted(set(_architectures(folder, arguments.tasks)))
    lines += ['', f'Policies: {architectures}, torch {torch.__version__}. Demonstrations: 100 '
              "scripted-expert episodes per task (seeds 0..99, with the experts' sloppy "
              'episodes). The checkpoints are committed as models/base/<task>_base.pact; the '
              'command above rebuilds them byte for byte on the same torch build.']
    pathlib.Path(arguments.out).write_text('\n'.join(lines) + '\n')
    print(f'wrote {arguments.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
