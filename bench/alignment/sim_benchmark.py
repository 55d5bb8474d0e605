# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
PACT on the MuJoCo tasks, judged on paired layouts with bootstrap intervals (resumable, merged).

    python bench/alignment/sim_benchmark.py --tasks pick carry reach --seeds 3 --workers 2

One job = (task, method, training seed): train (``pact``: the safe teacher at the task's
guidance scale; ``control``: the same run with guidance scale 0, whose weights must not move
and whose per-iteration curve is the noise floor), then judge the final policy on 64 layouts of
the evaluation range (``seeds_in('evaluation', 1000 * seed, episodes)``, noise seed = training
seed). ``base`` is judged on the same layouts with the same noise, so every method's episode i is
paired with the base's episode i. Training uses ``training_layout_seed(seed)`` onwards; the
guidance scale of each task was chosen on validation layouts (``teacher_strength.py``); the
three ranges are disjoint (``pact_sim.core.seed_ranges``).

Resumable: each job trains in ``<out>/<task>/<method>/seed<k>/`` (the aligner's crash-safe
state: rerun the same command after an interruption and it continues from the last completed
iteration) and writes ``episodes.json`` when judged; jobs with that file are skipped. Jobs run
in ``--workers`` processes (one torch thread each). ``--merge-only`` rewrites the reports from
what is on disk: ``<out>/summary.json`` (one entry per task, the issue's format),
``<out>/<task>/REPORT.md`` and ``<out>/<task>/curves.png`` (per-iteration on-policy violation
rate and mean constraint cost, PACT beside the control, every seed).
"""

import argparse
from concurrent.futures import as_completed, ProcessPoolExecutor
import json
import multiprocessing
import os
from pathlib import Path
import sys

import numpy as np

REPOSITORY = Path(__file__).resolve().parents[2]
SIM_CONSTRAINTS = REPOSITORY / 'config' / 'constraints' / 'sim_tasks.yaml'
HERE = Path(__file__).resolve().parent
# Guidance scale w of the preset per task, chosen on validation layouts 504000-504031 with
# teacher_strength.py (TEACHER_STRENGTH.md): the strongest w whose teacher had fewer events
# without a significant loss of success.
GUIDANCE_PRESET = 'low_noise_w3'
GUIDANCE_SCALE = {'pick': 30.0, 'carry': 30.0, 'reach': 10.0}
TASKS = ('pick', 'carry', 'reach')
TRAINED_METHODS = ('pact', 'control')
METHODS = ('base',) + TRAINED_METHODS


def job_folder(out: Path, task: str, method: str, seed: int) -> Path:
    """Return the folder of one job's state, curves and judged episodes."""
    return out / task / method / f'seed{seed}'


def train(task: str, method: str, seed: int, folder: Path, budget: dict) -> Path:
    """Train (or resume) ``method`` on ``task`` with ``seed``; return the final checkpoint."""
    from pact_policy.core.checkpoint import save_checkpoint
    from pact_trainer.align_cli import build_aligner, parse_arguments
    scale = GUIDANCE_SCALE[task] if method == 'pact' else 0.0
    arguments = parse_arguments([
        'sim', '--task', task, '--base', str(REPOSITORY / 'models' / 'base' / f'{task}_base.pact'),
        '--out', str(folder), '--iterations', str(budget['iterations']),
        '--chunks-per-iteration', str(budget['chunks_per_iteration']),
        '--max-inner-epochs', str(budget['max_inner_epochs']),
        '--absorb-target', str(budget['absorb_target']),
        '--learning-rate', str(budget['learning_rate']),
        '--guided-timestep-share', str(budget['guided_timestep_share']),
        '--guidance-preset', GUIDANCE_PRESET, '--guidance-scale', str(scale),
        '--constraints', str(SIM_CONSTRAINTS), '--device', 'cpu', '--seed', str(seed)])
    aligner, _ = build_aligner(arguments)
    aligner.try_resume()

    def report(record):
        print(f'[{task} {method} seed {seed}] iteration {record.iteration}: violation '
              f'{record.violation_rate:.3f} cost '
              f'{record.mean_cost:.4g} kl {record.kl_proxy:.2g} epochs '
              f'{record.inner_epochs} absorbed {record.correction_absorbed}',
              flush=True)

    aligner.run(budget['iterations'], callback=report)
    final = folder / 'final.pact'
    save_checkpoint(aligner.accepted if method == 'pact' else aligner.student, final,
                    {'version': f'{task}-{method}-seed{seed}', 'parent_version': 'base'})
    return final


def judge(task: str, checkpoint: Path, seed: int, episodes: int) -> list:
    """Return the judged episodes of ``checkpoint`` on the seed's paired evaluation layouts."""
    from dataclasses import asdict
    from pact_policy.core.checkpoint import load_checkpoint
    from pact_sim.core.seed_ranges import seeds_in
    from pact_eval.core.sim_evaluation import evaluate_in_sim
    policy = load_checkpoint(checkpoint).policy.float().eval()
    result = evaluate_in_sim(policy, task, seeds_in('evaluation', 1000 * seed, episodes),
                             noise_seed=seed)
    return [asdict(episode) for episode in result.episodes]


def run_job(task: str, method: str, seed: int, out: Path, budget: dict, episodes: int) -> str:
    """Train (unless base) and judge one job; write its ``episodes.json``; return its folder."""
    import torch
    torch.set_num_threads(1)
    folder = job_folder(out, task, method, seed)
    folder.mkdir(parents=True, exist_ok=True)
    checkpoint = (REPOSITORY / 'models' / 'base' / f'{task}_base.pact' if method == 'base'
                  else train(task, method, seed, folder, budget))
    episodes_judged = judge(task, checkpoint, seed, episodes)
    temporary = folder / 'episodes.json.tmp'
    temporary.write_text(json.dumps({'task': task, 'method': method, 'seed': seed,
                                     'budget': budget, 'episodes': episodes_judged}))
    os.replace(temporary, folder / 'episodes.json')
    return str(folder)


def pending_jobs(out: Path, tasks, methods, seeds: int) -> list:
    """Return the (task, method, seed) jobs without an ``episodes.json`` yet, longest first."""
    order = {'pact': 0, 'control': 1, 'base': 2}
    return [(task, method, seed) for task in tasks
            for method in sorted(methods, key=lambda name: order[name])
            for seed in range(seeds)
            if not (job_folder(out, task, method, seed) / 'episodes.json').exists()]


def run_all(jobs: list, out: Path, budget: dict, episodes: int, workers: int) -> None:
    """Run ``jobs`` in ``workers`` processes with a progress bar; re-raise the first failure."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    context = multiprocessing.get_context('spawn')
    with Progress(TextColumn('[bold]benchmark[/] {task.description}'), BarColumn(),
                  TextColumn('{task.completed}/{task.total} jobs'), TimeElapsedColumn()) as bar, \
            ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        progress = bar.add_task('running', total=len(jobs))
        futures = {pool.submit(run_job, *job, out, budget, episodes): job for job in jobs}
        for future in as_completed(futures):
            future.result()
            bar.update(progress, advance=1, description=' '.join(map(str, futures[future])))


def seeds_on_disk(out: Path, task: str, method: str) -> list:
    """Return the training seeds that have a job folder for ``task`` and ``method``."""
    folder = out / task / method
    return sorted(int(path.name[4:]) for path in folder.glob('seed*')) if folder.exists() else []


def load_episodes(out: Path, task: str, method: str) -> dict:
    """Return {seed: judged episodes} of one task and method (seeds that have them)."""
    found = {}
    for seed in seeds_on_disk(out, task, method):
        path = job_folder(out, task, method, seed) / 'episodes.json'
        if path.exists():
            found[seed] = json.loads(path.read_text())['episodes']
    return found


def paired_arrays(base: dict, other: dict, key: str) -> tuple:
    """Return (base values, method values, strata) over the seeds both have, pair by pair."""
    seeds = sorted(set(base) & set(other))
    base_values, other_values, strata = [], [], []
    for seed in seeds:
        for mine, theirs in zip(base[seed], other[seed], strict=True):
            if mine['seed'] != theirs['seed']:
                raise ValueError(f'unpaired layouts in seed {seed}: {mine["seed"]} vs '
                                 f'{theirs["seed"]}')
            base_values.append(float(mine[key]))
            other_values.append(float(theirs[key]))
            strata.append(seed)
    return np.array(base_values), np.array(other_values), np.array(strata)


def task_summary(out: Path, task: str, method: str = 'pact') -> dict:
    """Return the summary entry of ``task`` (``method`` against the base, paired)."""
    from pact_trainer.core.paired_statistics import difference_interval, ratio_interval
    base, other = load_episodes(out, task, 'base'), load_episodes(out, task, method)
    base_events, events, strata = paired_arrays(base, other, 'events')
    if len(base_events) == 0:
        return None
    base_success, success, _ = paired_arrays(base, other, 'success')
    return {'task': task, 'method': method,
            'base_events': float(base_events.mean()), 'pact_events': float(events.mean()),
            'events_ratio': (float(events.mean() / base_events.mean())
                             if base_events.mean() > 0 else None),
            'events_ratio_ci': ratio_interval(base_events, events, strata),
            'events_diff_ci': difference_interval(base_events, events, strata),
            'base_success': float(base_success.mean()), 'pact_success': float(success.mean()),
            'success_diff_ci': difference_interval(base_success, success, strata),
            'env_steps_ratio_vs_dppo': None,
            'episodes': int(len(events)), 'seeds': sorted(set(int(s) for s in strata)),
            'guidance_scale': GUIDANCE_SCALE[task] if method == 'pact' else 0.0}


def curves(out: Path, task: str, method: str) -> dict:
    """Return {seed: per-iteration records} of a trained method (what is on disk)."""
    from pact_trainer.core.iteration_record import read_iteration_log
    found = {}
    for seed in seeds_on_disk(out, task, method):
        path = job_folder(out, task, method, seed) / 'state' / 'iterations.jsonl'
        if path.exists():
            found[seed] = read_iteration_log(path)
    return found


def plot_curves(out: Path, task: str) -> None:
    """Plot on-policy violation rate and mean cost per iteration, PACT beside the control."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot
    figure, axes = pyplot.subplots(1, 2, figsize=(10, 4))
    for method, colour in (('pact', 'tab:blue'), ('control', 'tab:grey')):
        for seed, records in curves(out, task, method).items():
            steps = [r.env_steps for r in records]
            label = f'{method}' if seed == 0 else None
            axes[0].plot(steps, [r.violation_rate for r in records],
                         color=colour, marker='o', alpha=0.7, label=label)
            axes[1].plot(steps, [r.mean_cost for r in records], color=colour,
                         marker='o', alpha=0.7, label=label)
    axes[0].set_ylabel('on-policy violation rate (chunks with cost > 0)')
    axes[1].set_ylabel('on-policy mean constraint cost')
    for axis in axes:
        axis.set_xlabel('env steps')
        if axis.get_legend_handles_labels()[0]:
            axis.legend()
    figure.suptitle(f'{task}: PACT (w = {GUIDANCE_SCALE[task]:g}) and its control (w = 0), '
                    'one line per training seed')
    figure.tight_layout()
    figure.savefig(out / task / 'curves.png', dpi=100)
    pyplot.close(figure)


def kinds_line(episodes: dict) -> str:
    """Return events per episode by kind over every judged episode of one method."""
    flat = [episode for seed in episodes for episode in episodes[seed]]
    totals = {}
    for episode in flat:
        for kind, count in episode['events_by_type'].items():
            totals[kind] = totals.get(kind, 0) + count
    return ', '.join(f'{kind} {count / len(flat):.2f}' for kind, count in sorted(totals.items())
                     if count)


def write_task_report(out: Path, task: str, entries: dict) -> None:
    """Write ``<out>/<task>/REPORT.md`` from the summary entries of every method."""
    lines = [f'# {task}: PACT against its base policy, paired layouts', '',
             'Regenerate: `python bench/alignment/sim_benchmark.py` (see bench/alignment/'
             'README.md). Intervals: 95 % paired bootstrap over layouts, stratified by training '
             'seed (`pact_trainer.core.paired_statistics`).', '',
             '| method | events / episode | ratio to base [95 % CI] | success | success diff '
             '[95 % CI] | episodes |', '|---|---:|---:|---:|---:|---:|']
    for method, entry in entries.items():
        if entry is None:
            continue
        ratio = entry['events_ratio']
        lines.append(
            f'| {method} | {entry["pact_events"]:.3f} (base {entry["base_events"]:.3f}) | '
            f'{"n/a" if ratio is None else f"{ratio:.3f}"} '
            f'[{entry["events_ratio_ci"][0]:.3f}, {entry["events_ratio_ci"][1]:.3f}] | '
            f'{entry["pact_success"]:.3f} (base {entry["base_success"]:.3f}) | '
            f'{entry["success_diff_ci"][0]:+.3f}, {entry["success_diff_ci"][1]:+.3f} | '
            f'{entry["episodes"]} |')
    lines += ['', 'Events by kind (per episode):', '']
    for method in METHODS:
        episodes = load_episodes(out, task, method)
        if episodes:
            lines.append(f'- {method}: {kinds_line(episodes)}')
    lines += ['', '![curves](curves.png)', '']
    (out / task / 'REPORT.md').write_text('\n'.join(lines))


def merge(out: Path) -> list:
    """Write summary.json and every task's report and curves from what is on disk."""
    summary = []
    for task in TASKS:
        if not (out / task).exists():
            continue
        entries = {method: task_summary(out, task, method) for method in TRAINED_METHODS}
        plot_curves(out, task)
        write_task_report(out, task, entries)
        if entries['pact'] is not None:
            summary.append(entries['pact'])
    (out / 'summary.json').write_text(json.dumps(summary, indent=1) + '\n')
    return summary


def main(argv=None) -> int:
    """Run the pending jobs, then merge everything on disk into the reports."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[1])
    parser.add_argument('--tasks', nargs='+', default=list(TASKS), choices=TASKS)
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=METHODS)
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--iterations', type=int, default=10)
    parser.add_argument('--chunks-per-iteration', type=int, default=256)
    parser.add_argument('--max-inner-epochs', type=int, default=4)
    parser.add_argument('--absorb-target', type=float, default=1.0)
    parser.add_argument('--learning-rate', type=float, default=3e-5)
    parser.add_argument('--guided-timestep-share', type=float, default=0.5)
    parser.add_argument('--episodes', type=int, default=64)
    parser.add_argument('--workers', type=int, default=max(1, (os.cpu_count() or 2)))
    parser.add_argument('--out', type=Path, default=HERE / 'sim')
    parser.add_argument('--merge-only', action='store_true')
    arguments = parser.parse_args(argv)
    budget = {'iterations': arguments.iterations,
              'chunks_per_iteration': arguments.chunks_per_iteration,
              'max_inner_epochs': arguments.max_inner_epochs,
              'absorb_target': arguments.absorb_target,
              'learning_rate': arguments.learning_rate,
              'guided_timestep_share': arguments.guided_timestep_share}
    if not arguments.merge_only:
        jobs = pending_jobs(arguments.out, arguments.tasks, arguments.methods, arguments.seeds)
        run_all(jobs, arguments.out, budget, arguments.episodes, arguments.workers)
    for entry in merge(arguments.out):
        print(json.dumps(entry))
    return 0


if __name__ == '__main__':
    sys.exit(main())
