# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The trainer's cost call with and without far-pair skipping, on rollouts of each sim task.

    python bench/constraints/training_costs.py     # writes bench/constraints/TRAINING_COSTS.md

What a PACT iteration spends most of its time on (a profile of one carry iteration: 87 % in the
teacher's cost gradient, 60 % in the exact capsule-box distance, 4 % in the simulator) is
``CostSet.total`` + autograd on the executed path of a batch of chunks. Per task: 128 chunks
collected by the base policy from 16 worlds of the training range, each chunk perturbed by
Gaussian noise of 0, 0.05, 0.1 and 0.15 rad (where the teacher evaluates the costs: noisy
predictions); timed in turn (``bench/timing.py``), exact distances (``exact_far_clearance``
True, what the live monitor uses) against far-pair skipping (False, what the trainer uses).
Costs and gradients must agree to the last bit's neighbourhood (max abs difference printed).
"""

import argparse
import datetime
import pathlib
import sys

import torch

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / 'bench'))
from constraints.run import machine_description  # noqa: E402
from timing import median_seconds_in_turn  # noqa: E402

SIM_CONSTRAINTS = ROOT / 'config' / 'constraints' / 'sim_tasks.yaml'
NOISE_LEVELS = (0.0, 0.05, 0.1, 0.15)


def rollout_batch(task: str, chunks: int):
    """Return (cost set, chunks, context, robot costs) from the base policy's rollouts."""
    from pact_policy.core.checkpoint import load_checkpoint
    from pact_eval.core.sim_training import sim_training_setup
    policy = load_checkpoint(ROOT / 'models' / 'base' / f'{task}_base.pact').policy.float()
    setup = sim_training_setup(policy.eval(), task, seed=0, constraints=str(SIM_CONSTRAINTS),
                               num_envs=16)
    batch = setup.source.collect(policy, chunks, torch.Generator().manual_seed(0))
    return setup.robot_costs.cost_set(), batch.action.clone(), batch.context, setup.robot_costs


def measure_task(task: str, chunks: int, rounds: int) -> dict:
    """Return timings (s) and the largest value/gradient differences of one task."""
    cost_set, actions, context, robot = rollout_batch(task, chunks)

    def cost_and_gradient(exact: bool, noise: torch.Tensor):
        robot.costs.exact_far_clearance = exact
        chunk = (actions + noise).requires_grad_(True)
        total = cost_set.total(chunk, context)
        gradient, = torch.autograd.grad(total.sum(), chunk)
        return total.detach(), gradient

    generator = torch.Generator().manual_seed(1)
    noises = [level * torch.randn(actions.shape, generator=generator) for level in NOISE_LEVELS]
    value_gap = gradient_gap = 0.0
    for noise in noises:
        (exact_value, exact_gradient), (value, gradient) = (
            cost_and_gradient(True, noise), cost_and_gradient(False, noise))
        value_gap = max(value_gap, float((exact_value - value).abs().max()))
        gradient_gap = max(gradient_gap, float((exact_gradient - gradient).abs().max()))
    times = median_seconds_in_turn({
        'exact': lambda: [cost_and_gradient(True, noise) for noise in noises],
        'skip': lambda: [cost_and_gradient(False, noise) for noise in noises]}, rounds)
    robot.costs.exact_far_clearance = False
    return {'task': task, 'chunks': len(actions), **times, 'value_gap': value_gap,
            'gradient_gap': gradient_gap}


def report(rows: list) -> str:
    """Return the markdown report of the measured rows."""
    lines = ['# Training cost call: exact distances vs far-pair skipping', '',
             f'Command: `python bench/constraints/training_costs.py` '
             f'({datetime.date.today().isoformat()}).', '', f'Machine: {machine_description()}.',
             '', __doc__.split('\n\n')[2].replace('\n', ' '), '',
             '| task | chunks | exact s | skipping s | speed-up | max abs cost diff '
             '| max abs gradient diff |', '|---|---:|---:|---:|---:|---:|---:|']
    for row in rows:
        lines.append(f'| {row["task"]} | {row["chunks"]} x {len(NOISE_LEVELS)} | '
                     f'{row["exact"]:.2f} | {row["skip"]:.2f} | {row["exact"] / row["skip"]:.2f} '
                     f'| {row["value_gap"]:.1e} | {row["gradient_gap"]:.1e} |')
    return '\n'.join(lines) + '\n'


def main(argv=None) -> int:
    """Measure every task and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--tasks', nargs='+', default=['pick', 'carry', 'reach'])
    parser.add_argument('--chunks', type=int, default=128)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--out', type=pathlib.Path, default=HERE / 'TRAINING_COSTS.md')
    arguments = parser.parse_args(argv)
    torch.set_num_threads(1)
    rows = [measure_task(task, arguments.chunks, arguments.rounds) for task in arguments.tasks]
    text = report(rows)
    arguments.out.write_text(text)
    print(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
