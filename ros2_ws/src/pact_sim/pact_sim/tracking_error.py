# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Console script: the simulated arm's per-row tracking error on the careful scripted expert.

Example (the measurement quoted in pact_sim's README)::

    python -m pact_sim.tracking_error --task all --episodes 20 --first-seed 500000

Prints per task the median and 90th percentile of the per-row tracking error (rad, the largest
arm-joint difference between a row's target and the measured position at the row's end; see
``pact_sim.core.tracking``), with and without the controller's velocity feed-forward, measured
side by side in one run.
"""

import argparse
import sys

from pact_sim.core.scene_builder import RobotConfig
from pact_sim.core.task_spec import TASK_NAMES
from pact_sim.core.tracking import expert_tracking
from rich.console import Console
from rich.progress import Progress
from rich.table import Table


def parse_arguments(argv):
    """Return the parsed command line."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0].strip())
    parser.add_argument('--task', default='all', choices=('all',) + TASK_NAMES)
    parser.add_argument('--episodes', type=int, default=20)
    parser.add_argument('--first-seed', type=int, default=500000)
    parser.add_argument('--carelessness', type=float, default=0.0)
    arguments = parser.parse_args(argv)
    if arguments.episodes < 1:
        parser.error('--episodes must be >= 1')
    if not 0 <= arguments.carelessness <= 1:
        parser.error('--carelessness must be in [0, 1]')
    return arguments


def main(argv=None):
    """Measure and print the tracking table."""
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    tasks = TASK_NAMES if arguments.task == 'all' else (arguments.task,)
    seeds = range(arguments.first_seed, arguments.first_seed + arguments.episodes)
    table = Table(title='per-row tracking error (rad), careful expert'
                  if arguments.carelessness == 0 else 'per-row tracking error (rad)')
    for column in ('task', 'feed-forward', 'rows', 'median', 'p90'):
        table.add_column(column)
    with Progress(transient=True) as progress:
        bar = progress.add_task('episodes', total=2 * len(tasks) * arguments.episodes)
        for task in tasks:
            for feedforward in (True, False):
                statistics = expert_tracking(
                    task, seeds, arguments.carelessness,
                    RobotConfig(velocity_feedforward=feedforward),
                    progress=lambda: progress.advance(bar))
                table.add_row(task, 'on' if feedforward else 'off',
                              str(statistics.errors.size), f'{statistics.median:.4f}',
                              f'{statistics.p90:.4f}')
    Console().print(table)
    return 0


if __name__ == '__main__':
    sys.exit(main())
