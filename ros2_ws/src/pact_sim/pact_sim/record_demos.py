# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Console script: record scripted-expert demonstrations and print the experts' rates.

Example (all three tasks, 50 episodes each, seeds 0..49)::

    python -m pact_sim.record_demos --task all --episodes 50 --out data/demos

Writes ``<out>/<task>.npz`` + ``<out>/<task>.json`` (format: ``pact_sim.core.demos``) and prints
per task the experts' success rate and safe rate (episodes without any safety event).
"""

import argparse
import sys

from pact_sim.core.demos import record_task, save_demos
from pact_sim.core.task_spec import TASK_NAMES
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.progress import TimeElapsedColumn
from rich.table import Table


def parse_arguments(argv):
    """Return the parsed command line."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0].strip())
    parser.add_argument('--task', default='all', choices=('all',) + TASK_NAMES)
    parser.add_argument('--episodes', type=int, default=50)
    parser.add_argument('--out', default='data/demos', help='output folder')
    parser.add_argument('--first-seed', type=int, default=0)
    parser.add_argument('--carelessness', type=float, default=None,
                        help='probability of a sloppy episode (default: per task YAML)')
    arguments = parser.parse_args(argv)
    if arguments.episodes < 1:
        parser.error('--episodes must be >= 1')
    if arguments.carelessness is not None and not 0 <= arguments.carelessness <= 1:
        parser.error('--carelessness must be in [0, 1]')
    return arguments


def main(argv=None) -> int:
    """Record the demonstrations; return the process exit code."""
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    tasks = TASK_NAMES if arguments.task == 'all' else (arguments.task,)
    seeds = range(arguments.first_seed, arguments.first_seed + arguments.episodes)
    console = Console()
    table = Table(title='scripted experts')
    for column in ('task', 'episodes', 'carelessness', 'success', 'safe'):
        table.add_column(column)
    table.add_column('episodes with events', overflow='fold')
    columns = (TextColumn('{task.description}'), BarColumn(), MofNCompleteColumn(),
               TextColumn('success {task.fields[success]}  safe {task.fields[safe]}'),
               TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        for task in tasks:
            tally = {'done': 0, 'success': 0, 'safe': 0}
            bar = progress.add_task(task, total=len(seeds), success='-', safe='-')

            def advance(seed, success, safe, tally=tally, bar=bar):
                tally['done'] += 1
                tally['success'] += int(success)
                tally['safe'] += int(safe)
                progress.update(bar, advance=1,
                                success=f'{tally["success"] / tally["done"]:.0%}',
                                safe=f'{tally["safe"] / tally["done"]:.0%}')

            demos = record_task(task, seeds, arguments.carelessness, advance)
            path = save_demos(demos, arguments.out)
            metadata = demos.metadata()
            table.add_row(task, str(metadata['episodes']), f'{demos.carelessness:.2f}',
                          f'{metadata["success_rate"]:.0%}', f'{metadata["safe_rate"]:.0%}',
                          ', '.join(f'{k}={v}' for k, v in sorted(demos.events_by_type.items())))
            console.print(f'{task}: wrote {path} and {path.with_suffix(".json")}')
    console.print(table)
    return 0


if __name__ == '__main__':
    sys.exit(main())
