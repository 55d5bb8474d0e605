# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
r"""
Training pilot: one PACT seed with a constraint variant, judged on validation layouts.

Before a change to a task's costs goes into the benchmark (which judges on the evaluation range),
train one seed with it on the benchmark's budget and path (``sim_benchmark.train``: same
iterations, chunks, learning rate, preset) and judge the policies after iterations 3 and 6 and
the final one on the teacher-strength validation layouts (``teacher_strength.py``'s seeds,
504000 on), beside the base policy on the same layouts. Run from the repository root after
``make setup && source pact_env.sh``::

    python bench/alignment/training_pilot.py --task reach --scale 10 \
        --constraints bench/alignment/teacher_strength/clearance_hinge.yaml

Writes ``pilots/<task>_<constraints stem>_w<scale>.json`` beside this file (the training state
goes to a scratch folder, ``--work``; an interrupted pilot resumes from it).
"""

import argparse
import json
from pathlib import Path
import sys
import tempfile
import time

import numpy as np
from pact_trainer.core.distillation import TEACHER_MODES
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sim_benchmark  # noqa: E402  (bench scripts import each other from their folder)
import validity  # noqa: E402

JUDGED_ITERATIONS = (2, 5)   # 0-based: after the 3rd and the 6th iteration, then the final


def judge(policy_path: Path, task: str, seeds: list) -> dict:
    """Return events/episode, success rate and the per-layout lists of one policy."""
    from pact_eval.core.sim_evaluation import evaluate_in_sim
    from pact_policy.core.checkpoint import load_checkpoint
    policy = load_checkpoint(policy_path).policy.float().eval()
    result = evaluate_in_sim(policy, task, seeds)
    events = [episode.events for episode in result.episodes]
    success = [bool(episode.success) for episode in result.episodes]
    return {'events_per_episode': float(np.mean(events)), 'success_rate': float(np.mean(success)),
            'events': events, 'success': success}


def main(argv=None) -> int:
    """Train one pilot seed and judge it; print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[1])
    parser.add_argument('--task', required=True, choices=sim_benchmark.TASKS)
    parser.add_argument('--scale', type=float, required=True, help='guidance scale w')
    parser.add_argument('--constraints', type=Path, default=sim_benchmark.SIM_CONSTRAINTS)
    parser.add_argument('--preset', default=sim_benchmark.GUIDANCE_PRESET,
                        help='guidance preset whose scale w replaces')
    parser.add_argument('--max-correction-rms', type=float, default=0.0,
                        help="cap on the teacher's correction (RMS; 0 = none)")
    parser.add_argument('--tilts', default='previous', choices=TEACHER_MODES,
                        help='which policy the teacher tilts')
    parser.add_argument('--seed', type=int, default=0, help='training seed')
    parser.add_argument('--episodes', type=int, default=32)
    parser.add_argument('--first-seed', type=int, default=504_000)
    parser.add_argument('--work', type=Path, default=None,
                        help='training state folder (default: a folder under the temp dir)')
    arguments = parser.parse_args(argv)
    from pact_sim.core.seed_ranges import VALIDATION
    seeds = list(range(arguments.first_seed, arguments.first_seed + arguments.episodes))
    if not all(seed in VALIDATION for seed in seeds):
        parser.error(f'seeds {seeds[0]}..{seeds[-1]} are not all in the validation range '
                     f'{VALIDATION}')
    name = f'{arguments.task}_{arguments.constraints.stem}_w{arguments.scale:g}'
    if arguments.preset != sim_benchmark.GUIDANCE_PRESET:
        name += f'_{arguments.preset}'
    if arguments.max_correction_rms:
        name += f'_cap{arguments.max_correction_rms:g}'
    if arguments.tilts != 'previous':
        name += f'_{arguments.tilts}'
    work = arguments.work or Path(tempfile.gettempdir()) / 'pact_training_pilots' / name
    torch.set_num_threads(1)
    budget = dict(sim_benchmark.DEFAULT_BUDGET)
    started = time.monotonic()
    final = sim_benchmark.train(arguments.task, 'pact', arguments.seed, work, budget,
                                arguments.constraints.resolve(),
                                sim_benchmark.Teacher(arguments.preset, arguments.scale,
                                                      arguments.max_correction_rms,
                                                      arguments.tilts))
    minutes = (time.monotonic() - started) / 60
    policies = {'base': sim_benchmark.base_checkpoint(arguments.task)}
    for iteration in JUDGED_ITERATIONS:
        policies[f'iteration {iteration + 1}'] = sim_benchmark.iteration_checkpoint(work,
                                                                                    iteration)
    policies['final'] = final
    judged = {label: judge(path, arguments.task, seeds) for label, path in policies.items()}
    for label, row in judged.items():
        print(f'{label}: events {row["events_per_episode"]:.2f}, '
              f'success {row["success_rate"]:.2f}')
    out = HERE / 'pilots' / f'{name}.json'
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        'task': arguments.task, 'preset': arguments.preset, 'scale': arguments.scale,
        'max_correction_rms': arguments.max_correction_rms, 'tilts': arguments.tilts,
        'training_seed': arguments.seed,
        'constraints': validity.repository_relative(arguments.constraints),
        'budget': budget, 'seeds': [seeds[0], seeds[-1]],
        'training_minutes_this_call': round(minutes, 1),   # ~0 when it resumed a finished run
        'judged': judged}, indent=1) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
