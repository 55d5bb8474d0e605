# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
``make demo``: align a policy live in the embedded MuJoCo world and show before/after numbers.

    python -m pact_eval.mujoco_demo [--task reach] [--iterations 4] [--eval-episodes 16]

1. locate the base checkpoint (``models/base/<task>_base.pact``, or ``--base-checkpoint``);
2. "before": evaluate it in-process on fixed layout seeds with pact_sim's safety judge;
3. run the complete graph as separate processes over DDS (sim_node, policy_node,
   constraint_node, trainer_node; private ROS_DOMAIN_ID, localhost discovery), each with its
   packaged parameter file plus the demo overlay ``config/demo/mujoco_demo.yaml``; start every
   episode with a fixed seed, and watch PACT iterations and hot swaps in the policy node;
4. "after": evaluate the last model the policy node ran on the same seeds;
5. print the before/after table and write ``runs/<timestamp>/`` (REPORT.md, alignment.png,
   frames/, results.json, logs/ of every node).

Settings come from the ``mujoco_demo`` section of the overlay; flags override single values.
Exit code 0 on success, 1 on failure (the message says what), 130 when interrupted. Every
child process is stopped on Ctrl-C, SIGTERM and errors.
"""

import argparse
from contextlib import contextmanager
import datetime
import os
from pathlib import Path
import signal
import sys
import time

from pact_eval.core.demo_report import (comparison_rows, DemoRecord, EpisodeFrames,
                                        TABLE_HEADER, write_report)
from pact_eval.core.demo_settings import DemoSettings, load_settings
from pact_eval.core.sim_evaluation import (evaluate_in_sim, evaluation_seeds,
                                           render_policy_episode)
from pact_eval.demo_graph import (demo_overlay, GraphError, raise_keyboard_interrupt, run_graph,
                                  uri_to_path)
from pact_parameters.core.schema import add_arguments
from pact_policy.node_graph import GraphError as NodeGraphError
from rich.console import Console
from rich.table import Table

BASE_RECIPE = ('bash bench/policy/make_base_policies.sh {folder}   (all three tasks), or for '
               'this task only:\n  python -m pact_sim.record_demos --task {task} --episodes 100 '
               '--out data/demos && python -m pact_policy.train_base_policy --demos '
               'data/demos/{task}.npz --out {path} --model mlp --mlp-hidden 512 --steps 6000')


class DemoError(RuntimeError):
    """The demo cannot go on; the message says why and what to do."""


class PhaseTimer:
    """Time named phases and print each one's duration."""

    def __init__(self, console: Console):
        self.console = console
        self.seconds = {}

    @contextmanager
    def __call__(self, key: str, title: str):
        """Time the ``with`` block as phase ``key`` (``title`` heads its output)."""
        self.console.rule(f'[bold]{len(self.seconds) + 1}. {title}')
        started = time.monotonic()
        try:
            yield
        finally:
            self.seconds[key] = time.monotonic() - started
            self.console.print(f'[dim]{key}: {self.seconds[key]:.1f} s[/]')


# The demo settings a flag may override (the rest only in the overlay's mujoco_demo section).
OVERRIDE_FLAGS = ('task', 'base_checkpoint', 'iterations', 'eval_episodes', 'eval_first_seed',
                  'runs_dir')


def parse_arguments(argv=None) -> argparse.Namespace:
    """Return the parsed command line."""
    parser = argparse.ArgumentParser(prog='mujoco_demo', description=__doc__.split('\n')[1])
    parser.add_argument('--params-file', type=Path, default=None,
                        help='demo overlay YAML (default: config/demo/mujoco_demo.yaml here, '
                             'else the installed one)')
    add_arguments(parser, DemoSettings, names=OVERRIDE_FLAGS, defaults=False)  # over the YAML
    parser.add_argument('--device', default='auto',
                        help="torch device of the before/after evaluation: 'auto' (CUDA when "
                        "present), 'cpu', 'cuda' or 'cuda:N' (the trainer node takes its "
                        'own device parameter from the overlay)')
    return parser.parse_args(argv)


def overlay_path(requested: Path = None) -> Path:
    """Return the demo overlay: ``requested``, else the graph's (repository copy, or installed)."""
    if requested is not None:
        if not requested.is_file():
            raise DemoError(f'no overlay file {requested}')
        return requested
    return demo_overlay()


def load_policy(path: Path, device: str = 'auto'):
    """Return (policy in eval mode on ``device``, version); 'auto': CUDA when present."""
    from pact_policy.core.checkpoint import CheckpointError, load_checkpoint
    import torch
    if device == 'auto':
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    try:
        loaded = load_checkpoint(path, device=device)
    except (CheckpointError, OSError) as error:
        raise DemoError(f'cannot load checkpoint {path}: {error}') from error
    return loaded.policy.float().eval(), loaded.version or 'base'


def locate_base(settings) -> Path:
    """Return the base checkpoint path; a missing one is an error naming how to make it."""
    path = settings.checkpoint_path()
    if not path.is_file():
        recipe = BASE_RECIPE.format(task=settings.task, path=path, folder=path.parent)
        raise DemoError(f'no base checkpoint for task {settings.task!r} at {path}. Make it '
                        f'with\n  {recipe}\nor pass --base-checkpoint PATH.')
    return path


def evaluate(policy, settings, console: Console, label: str):
    """Evaluate ``policy`` on the demo's fixed seeds with a progress bar."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    seeds = evaluation_seeds(settings.eval_first_seed, settings.eval_episodes)
    columns = (SpinnerColumn(), TextColumn(f'{label}: {len(seeds)} episodes, chunk '
                                           '{task.completed}'), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task(label, total=None)
        result = evaluate_in_sim(policy, settings.task, seeds, settings.noise_seed,
                                 progress=lambda chunks: progress.update(bar, completed=chunks))
    metrics = result.metrics()
    console.print(f'{label}: success {metrics["success_rate"]:.1%}, safe '
                  f'{metrics["safe_rate"]:.1%}, events/episode '
                  f'{metrics["events_per_episode"]:.2f}')
    return result


def render(policy, settings, seed: int, title: str) -> EpisodeFrames:
    """Return the frames of ``policy`` on layout ``seed``."""
    frames, summary = render_policy_episode(policy, settings.task, seed, settings.frame_width,
                                            settings.frame_height,
                                            noise_seed=settings.noise_seed, title=title)
    return EpisodeFrames(seed, frames, bool(summary.success),
                         {k: int(v) for k, v in summary.events_by_type.items()})


def print_table(console: Console, record: DemoRecord) -> None:
    """Print the before/after table (the same rows as REPORT.md)."""
    table = Table(title=f'PACT on {record.task}: {len(record.before.seeds)} episodes, judged '
                        "by pact_sim's safety judge")
    for column in TABLE_HEADER:
        table.add_column(column, justify='left' if column == 'metric' else 'right')
    for row in comparison_rows(record.before, record.after):
        table.add_row(*row)
    console.print(table)


def run_demo(arguments, console: Console) -> int:
    """Run the five steps of the module docstring; return the exit code."""
    started = time.monotonic()
    timer = PhaseTimer(console)
    overlay = overlay_path(arguments.params_file)
    overrides = {name: getattr(arguments, name) for name in OVERRIDE_FLAGS}
    try:
        settings = load_settings(overlay, overrides)
    except ValueError as error:
        raise DemoError(str(error)) from error
    run_dir = Path(settings.runs_dir) / datetime.datetime.now().strftime('%Y%m%d-%H%M%S')
    run_dir.mkdir(parents=True, exist_ok=True)
    console.print(f'PACT MuJoCo demo: task [bold]{settings.task}[/], {settings.iterations} '
                  f'iterations, {settings.eval_episodes} evaluation episodes; overlay '
                  f'{overlay}; output {run_dir}')
    with timer('locate', 'locate the base checkpoint'):
        base_path = locate_base(settings)
        base_policy, base_version = load_policy(base_path, getattr(arguments, 'device', 'auto'))
        console.print(f'base checkpoint {base_path} (version {base_version})')
    with timer('before', 'before: evaluate the base policy'):
        before = evaluate(base_policy, settings, console, 'before')
    with timer('align', 'align live: sim, policy, constraint, trainer nodes over DDS'):
        progress = run_graph(settings, overlay, base_path, run_dir, console)
    final_version = progress.active_version
    if final_version not in progress.announcements:
        raise DemoError(f'the policy node runs {final_version!r} but no announcement of it was '
                        'received')
    aligned_path = uri_to_path(progress.announcements[final_version])
    with timer('after', 'after: evaluate the aligned policy'):
        aligned_policy, _ = load_policy(aligned_path, getattr(arguments, 'device', 'auto'))
        after = evaluate(aligned_policy, settings, console, 'after')
    with timer('frames', 'render the same seed before and after'):
        unsafe = [e.seed for e in before.episodes if not e.safe]
        seed = unsafe[0] if unsafe else before.seeds[0]
        frames = {'before': render(base_policy, settings, seed, f'before ({base_version})'),
                  'after': render(aligned_policy, settings, seed, f'after ({final_version})')}
        record = DemoRecord(settings.task, str(base_path), str(aligned_path), final_version,
                            before, after, progress.iterations, progress.hot_swaps,
                            timer.seconds, settings.to_dict(), progress.episodes_finished)
    record.timings = {**timer.seconds, 'total': time.monotonic() - started}
    report_path = write_report(run_dir, record, frames)
    print_table(console, record)
    console.print(f'{len(progress.hot_swaps)} hot swap(s): '
                  + ', '.join(s['version'] for s in progress.hot_swaps)
                  + f'; {progress.episodes_finished} live episodes')
    console.print('wall time per phase: ' + ', '.join(f'{name} {seconds:.0f} s'
                                                      for name, seconds in record.timings.items()))
    console.print(f'report: {report_path}')
    return 0


def main(argv=None) -> int:
    """Entry point of ``mujoco_demo`` (see the module docstring)."""
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    console = Console()
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    # Ctrl-C must stop the demo even when it was started from a script in the background, where
    # SIGINT arrives ignored and Python would not install its KeyboardInterrupt handler.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.setdefault('PYTHONUNBUFFERED', '1')
    import torch
    torch.set_num_threads(1)  # small batches: extra threads only spin on a busy CPU
    try:
        return run_demo(arguments, console)
    except KeyboardInterrupt:
        console.print('[yellow]interrupted: every node process was stopped[/]')
        return 130
    except (DemoError, GraphError, NodeGraphError) as error:
        console.print(f'[red]demo failed:[/] {error}')
        return 1


if __name__ == '__main__':
    sys.exit(main())
