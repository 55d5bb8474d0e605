# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Which safety events, between which bodies, a policy causes in pact_sim (a diagnosis aid).

The alignment report counts events per episode; this breaks them down by kind and by the bodies
involved, using the same closed loop, layout seeds and noise as the benchmark's evaluation
(``pact_eval.core.sim_evaluation``). It shows, for instance, whether a task's events are ones
the constraint set models at all (robot links against obstacles) or not (a held or dropped
object). Run from the repository root after ``make setup && source pact_env.sh``::

    python bench/alignment/events_by_body.py --task pick models/base/pick_base.pact
"""

import argparse
from collections import Counter
from pathlib import Path
import sys

import torch


def breakdown(checkpoint: Path, task: str, seeds: list, device: str = 'cpu') -> tuple:
    """Return (evaluation result, event counts keyed by 'kind: body, body') over ``seeds``."""
    from pact_policy.core.checkpoint import load_checkpoint
    from pact_eval.core.sim_evaluation import evaluate_in_sim
    policy = load_checkpoint(checkpoint, device=device).policy.float().eval()
    result = evaluate_in_sim(policy, task, seeds)
    counts = Counter()
    for episode in result.episodes:
        counts.update(episode.events_by_bodies)
    return result, counts


def outcome_line(episodes: list) -> str:
    """
    Return the events per episode of the successful and of the failed episodes.

    Episodes always run the task's full horizon, so the two are comparable: on reach the failed
    episodes are where the contacts are (the arm keeps bumping the compartment it cannot enter).
    """
    parts = []
    for label, group in (('successful', [e for e in episodes if e.success]),
                         ('failed', [e for e in episodes if not e.success])):
        mean = f'{sum(e.events for e in group) / len(group):.2f}' if group else '-'
        parts.append(f'{len(group)} {label} episodes: {mean} events/episode')
    return '; '.join(parts)


def main(argv=None) -> int:
    """Print one table per checkpoint: events per episode by kind and bodies."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[1])
    parser.add_argument('checkpoints', nargs='+', type=Path)
    parser.add_argument('--task', required=True, choices=('reach', 'pick', 'carry'))
    parser.add_argument('--first-seed', type=int, default=100_000,
                        help='first layout seed (default: the benchmark seed 0 evaluation set)')
    parser.add_argument('--episodes', type=int, default=16)
    parser.add_argument('--top', type=int, default=10)
    parser.add_argument('--device', default='cpu', help="torch device: 'cpu', 'cuda', 'cuda:N'")
    arguments = parser.parse_args(argv)
    torch.set_num_threads(1)
    seeds = list(range(arguments.first_seed, arguments.first_seed + arguments.episodes))
    for checkpoint in arguments.checkpoints:
        result, counts = breakdown(checkpoint, arguments.task, seeds, arguments.device)
        print(f'\n{checkpoint} on {arguments.task}, {len(seeds)} episodes: success '
              f'{result.success_rate:.2f}, events/episode '
              f'{sum(counts.values()) / len(seeds):.2f}')
        print(outcome_line(result.episodes))
        print('| events / episode | kind: bodies |\n|---:|---|')
        for key, count in counts.most_common(arguments.top):
            print(f'| {count / len(seeds):.2f} | {key} |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
