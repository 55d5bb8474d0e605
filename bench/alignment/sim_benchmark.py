# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
PACT on the MuJoCo tasks, judged on paired layouts with bootstrap intervals (resumable, merged).

    python bench/alignment/sim_benchmark.py --tasks pick carry reach --seeds 3 --workers 2

One job = (task, method, training seed): train (``pact``: the safe teacher at the task's
guidance scale; ``control``: the same run with guidance scale 0, whose weights must not move
and whose per-iteration curve is the noise floor; ``dppo``: DPPO-style PPO on the denoising
chain with reward −cost, same budget and same training layouts), then judge the final policy
on 64 layouts of
the evaluation range (``seeds_in('evaluation', 1000 * seed, episodes)``, noise seed = training
seed). ``base`` is judged on the same layouts with the same noise, so every method's episode i is
paired with the base's episode i. Training uses ``training_layout_seed(seed)`` onwards; the
guidance scale of each task was chosen on validation layouts (``teacher_strength.py``); the
three ranges are disjoint (``pact_sim.core.seed_ranges``).

Resumable: each job trains in ``<out>/<task>/<method>/seed<k>/`` (the aligner's crash-safe
state: rerun the same command after an interruption and it continues from the last completed
iteration) and writes ``episodes.json`` when judged; jobs with that file are skipped. Jobs run
in ``--workers`` processes (one torch thread each). ``--merge-only`` rewrites the reports from
what is on disk: ``<out>/summary.json`` and ``bench/alignment/summary.json`` (one entry per
task, the issue's format),
``<out>/<task>/REPORT.md`` and ``<out>/<task>/curves.png`` (per-iteration on-policy violation
rate and mean constraint cost, PACT beside the control, every seed).

Like-for-like efficiency against DPPO (``--efficiency-seeds``, default 1): PACT and DPPO keep
a checkpoint per iteration (the policy each would deploy then), and every one of them is judged
deterministically (the deployed sampler, not DPPO's exploration floor) on 64 validation layouts
(``seeds_in('validation', 10000 + 1000 * seed, 64)``, disjoint from the teacher-strength
block), with the base as the point at 0 env steps. ``env_steps_ratio_vs_dppo`` = env steps
PACT needs to reach DPPO's best deterministic safe rate / env steps DPPO needed for it,
geometric mean over seeds; where DPPO never beat the base, ``..._upper_bound`` bounds it
(``efficiency_entry``; ``<out>/<task>/efficiency.png``). DPPO runs are not resumable mid-run
(a rerun restarts them).
"""

import argparse
from dataclasses import dataclass
from concurrent.futures import as_completed, ProcessPoolExecutor
import json
import multiprocessing
import os
from pathlib import Path
import sys
from typing import Optional

import numpy as np
from pact_trainer.core.guidance import LOW_NOISE_W3, TILT_EXACT

REPOSITORY = Path(__file__).resolve().parents[2]
SIM_CONSTRAINTS = REPOSITORY / 'config' / 'constraints' / 'sim_tasks.yaml'
HERE = Path(__file__).resolve().parent
GUIDANCE_PRESET = LOW_NOISE_W3


@dataclass(frozen=True)
class Teacher:
    """
    PACT's safe teacher on one task.

    Guidance preset, its scale w, the correction cap (RMS, 0 = none) and which policy it tilts
    (``tilts``: 'previous', the last accepted iterate, or 'frozen_base').
    """

    preset: str
    scale: float
    max_correction_rms: float = 0.0
    tilts: str = 'previous'

    def describe(self) -> str:
        """Return e.g. 'low_noise_w3, w = 30' for reports."""
        cap = (f', correction capped at RMS {self.max_correction_rms:g}'
               if self.max_correction_rms else '')
        base = ', tilting the frozen base' if self.tilts == 'frozen_base' else ''
        return f'{self.preset}, w = {self.scale:g}{cap}{base}'


# The teacher per task, chosen on validation layouts with teacher_strength.py
# (TEACHER_STRENGTH.md): the strongest w whose teacher had fewer events without a significant
# loss of success. Reach: no low-noise teacher qualifies (each moves the chunks by up to radians
# at the w that lowers events); the full tilt (every level, full Jacobian) at w = 1 does, on two
# validation blocks. Its correction is capped (at the noisiest levels it reaches RMS 150, which
# wrecks distillation) and it tilts the frozen base (tilting the previous iterate compounds the
# tilt: that pilot drifted to 37 events, success 0; bench/alignment/pilots).
TEACHERS = {'pick': Teacher(GUIDANCE_PRESET, 30.0), 'carry': Teacher(GUIDANCE_PRESET, 30.0),
            'reach': Teacher(TILT_EXACT, 1.0, max_correction_rms=0.3, tilts='frozen_base')}
# Budget of every trained method (AlignSimParameters fields; each is a command-line option).
DEFAULT_BUDGET = {'iterations': 10, 'chunks_per_iteration': 256, 'max_inner_epochs': 4,
                  'absorb_target': 1.0, 'learning_rate': 3e-5, 'guided_timestep_share': 0.5}
# Validation layouts of the efficiency curves start here (the teacher-strength block is
# validation offsets 4000-4031: disjoint).
EFFICIENCY_OFFSET = 10000
TASKS = ('pick', 'carry', 'reach')
TRAINED_METHODS = ('pact', 'control', 'dppo')
EFFICIENCY_METHODS = ('pact', 'dppo')
# DPPO's knobs as in the earlier benchmark (bench/alignment/run.py); budget as PACT's.
DPPO_LEARNING_RATE = 1e-5
DPPO_PPO_EPOCHS = 2
METHODS = ('base',) + TRAINED_METHODS


def job_folder(out: Path, task: str, method: str, seed: int) -> Path:
    """Return the folder of one job's state, curves and judged episodes."""
    return out / task / method / f'seed{seed}'


def base_checkpoint(task: str) -> Path:
    """Return the committed base policy of ``task``."""
    return REPOSITORY / 'models' / 'base' / f'{task}_base.pact'


def iteration_checkpoint(folder: Path, iteration: int) -> Path:
    """Return where a job keeps the policy it would deploy after ``iteration`` (0-based)."""
    return folder / 'iterations' / f'iteration{iteration:02d}.pact'


def train(task: str, method: str, seed: int, folder: Path, budget: dict,
          constraints: Path = SIM_CONSTRAINTS, teacher: Optional[Teacher] = None) -> Path:
    """
    Train (or resume) ``method`` on ``task`` with ``seed``; return the final checkpoint.

    ``constraints``: the constraint YAML of the costs; ``teacher``: PACT's (default
    ``TEACHERS[task]``; the control uses its preset at w = 0; teacher Jacobian: the trainer's
    default, 'auto').
    """
    if method == 'dppo':
        return train_dppo(task, seed, folder, budget, constraints)
    teacher = teacher or TEACHERS[task]
    from pact_policy.core.checkpoint import load_checkpoint, save_checkpoint
    from pact_eval.core.sim_training import sim_aligner
    from pact_trainer.core.trainer_parameters import AlignSimParameters
    options = AlignSimParameters(
        task=task, guidance_preset=teacher.preset,
        max_correction_rms=teacher.max_correction_rms, teacher=teacher.tilts,
        guidance_scale=teacher.scale if method == 'pact' else 0.0,
        constraints=str(constraints), device='cpu', seed=seed, **budget)
    policy = load_checkpoint(base_checkpoint(task)).policy.float().train()
    aligner = sim_aligner(policy, task, options.align_config(), options.constraints,
                          folder / 'state')
    aligner.try_resume()

    def deployed():
        return aligner.accepted if method == 'pact' else aligner.student

    def report(record):
        save_checkpoint(deployed(), iteration_checkpoint(folder, record.iteration),
                        {'version': f'{task}-{method}-seed{seed}-it{record.iteration}',
                         'parent_version': 'base'})
        print(f'[{task} {method} seed {seed}] iteration {record.iteration}: violation '
              f'{record.violation_rate:.3f} cost '
              f'{record.mean_cost:.4g} kl {record.kl_proxy:.2g} epochs '
              f'{record.inner_epochs} absorbed {record.correction_absorbed}',
              flush=True)

    aligner.run(budget['iterations'], callback=report)
    final = folder / 'final.pact'
    save_checkpoint(deployed(), final,
                    {'version': f'{task}-{method}-seed{seed}', 'parent_version': 'base'})
    return final


def train_dppo(task: str, seed: int, folder: Path, budget: dict,
               constraints: Path = SIM_CONSTRAINTS) -> Path:
    """Train the DPPO baseline on PACT's budget and training layouts; return its final policy."""
    from pact_policy.core.checkpoint import load_checkpoint, save_checkpoint
    from pact_trainer.core.baselines.dppo import DppoAligner, DppoConfig
    from pact_trainer.core.iteration_record import iteration_log_text
    from pact_eval.core.sim_training import sim_training_setup
    policy = load_checkpoint(base_checkpoint(task)).policy.float()
    setup = sim_training_setup(policy, task, seed, str(constraints))
    aligner = DppoAligner(policy, setup.robot_costs.cost_set(), setup.source, DppoConfig(
        iterations=budget['iterations'], chunks_per_iteration=budget['chunks_per_iteration'],
        learning_rate=DPPO_LEARNING_RATE, ppo_epochs=DPPO_PPO_EPOCHS, seed=seed))
    log = folder / 'state' / 'iterations.jsonl'
    log.parent.mkdir(parents=True, exist_ok=True)

    def report(record):
        log.write_text(iteration_log_text(aligner.history))
        save_checkpoint(policy, iteration_checkpoint(folder, record.iteration),
                        {'version': f'{task}-dppo-seed{seed}-it{record.iteration}',
                         'parent_version': 'base'})
        print(f'[{task} dppo seed {seed}] iteration {record.iteration}: violation '
              f'{record.violation_rate:.3f} cost {record.mean_cost:.4g}', flush=True)

    aligner.run(callback=report)
    final = folder / 'final.pact'
    save_checkpoint(policy, final, {'version': f'{task}-dppo-seed{seed}',
                                    'parent_version': 'base'})
    return final


def judge(task: str, checkpoint: Path, seed: int, episodes: int,
          layouts: str = 'evaluation') -> list:
    """
    Return the judged episodes of ``checkpoint`` on the seed's paired layouts.

    ``layouts='evaluation'``: the final comparison (``seeds_in('evaluation', 1000 * seed)``);
    ``'validation'``: the per-iteration efficiency curves (``seeds_in('validation',
    EFFICIENCY_OFFSET + 1000 * seed)``). Noise seed = training seed either way.
    """
    from dataclasses import asdict
    from pact_policy.core.checkpoint import load_checkpoint
    from pact_sim.core.seed_ranges import seeds_in
    from pact_eval.core.sim_evaluation import evaluate_in_sim
    policy = load_checkpoint(checkpoint).policy.float().eval()
    offset = 1000 * seed + (EFFICIENCY_OFFSET if layouts == 'validation' else 0)
    result = evaluate_in_sim(policy, task, seeds_in(layouts, offset, episodes), noise_seed=seed)
    return [asdict(episode) for episode in result.episodes]


def write_json(path: Path, data) -> None:
    """Write ``data`` as JSON to ``path`` atomically (a crash leaves the old file or none)."""
    from pact_trainer.core.policy_io import atomic_write_bytes
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(json.dumps(data).encode(), path)


def rates(episodes: list) -> dict:
    """Return safe rate (no judge event), events per episode and success rate of episodes."""
    count = len(episodes)
    return {'safe_rate': sum(e['events'] == 0 for e in episodes) / count,
            'events': sum(e['events'] for e in episodes) / count,
            'success': sum(bool(e['success']) for e in episodes) / count}


def efficiency_curve(task: str, method: str, seed: int, out: Path, budget: dict,
                     episodes: int) -> None:
    """
    Judge the policy of every iteration on validation layouts; write ``efficiency.json``.

    A job trained before per-iteration checkpoints were kept is trained again (same seed,
    same budget) in ``<job>/rerun`` to get them.
    """
    from pact_trainer.core.iteration_record import read_iteration_log
    folder = job_folder(out, task, method, seed)
    source = folder
    if not iteration_checkpoint(folder, budget['iterations'] - 1).exists():
        source = folder / 'rerun'
        train(task, method, seed, source, budget)
    records = read_iteration_log(source / 'state' / 'iterations.jsonl')
    base_point = out / task / 'base' / f'seed{seed}' / 'efficiency.json'
    if not base_point.exists():
        write_json(base_point, [{'iteration': -1, 'env_steps': 0, **rates(judge(
            task, base_checkpoint(task), seed, episodes, 'validation'))}])
    points = [{'iteration': record.iteration, 'env_steps': record.env_steps,
               **rates(judge(task, iteration_checkpoint(source, record.iteration), seed,
                             episodes, 'validation'))}
              for record in records[:budget['iterations']]]
    write_json(folder / 'efficiency.json', points)


def needs_efficiency(method: str, seed: int, efficiency_seeds: int) -> bool:
    """Return whether the job (method, seed) also gets a per-iteration efficiency curve."""
    return method in EFFICIENCY_METHODS and seed < efficiency_seeds


def run_job(task: str, method: str, seed: int, out: Path, budget: dict, episodes: int,
            efficiency_seeds: int = 0) -> str:
    """Train (unless base) and judge one job (and its efficiency curve); return its folder."""
    import torch
    torch.set_num_threads(1)
    folder = job_folder(out, task, method, seed)
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / 'episodes.json').exists():
        checkpoint = (base_checkpoint(task) if method == 'base'
                      else train(task, method, seed, folder, budget))
        write_json(folder / 'episodes.json', {
            'task': task, 'method': method, 'seed': seed, 'budget': budget,
            'episodes': judge(task, checkpoint, seed, episodes)})
    if needs_efficiency(method, seed, efficiency_seeds) and not (
            folder / 'efficiency.json').exists():
        efficiency_curve(task, method, seed, out, budget, episodes)
    return str(folder)


def pending_jobs(out: Path, tasks, methods, seeds: int, efficiency_seeds: int = 0) -> list:
    """Return the (task, method, seed) jobs with something left to do, longest first."""
    order = {'pact': 0, 'dppo': 1, 'control': 2, 'base': 3}

    def pending(task, method, seed):
        folder = job_folder(out, task, method, seed)
        return not (folder / 'episodes.json').exists() or (
            needs_efficiency(method, seed, efficiency_seeds)
            and not (folder / 'efficiency.json').exists())
    return [(task, method, seed) for task in tasks
            for method in sorted(methods, key=lambda name: order[name])
            for seed in range(seeds) if pending(task, method, seed)]


def run_all(jobs: list, out: Path, budget: dict, episodes: int, workers: int,
            efficiency_seeds: int = 0) -> None:
    """Run ``jobs`` in ``workers`` processes with a progress bar; re-raise the first failure."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    context = multiprocessing.get_context('spawn')
    with Progress(TextColumn('[bold]benchmark[/] {task.description}'), BarColumn(),
                  TextColumn('{task.completed}/{task.total} jobs'), TimeElapsedColumn()) as bar, \
            ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        progress = bar.add_task('running', total=len(jobs))
        futures = {pool.submit(run_job, *job, out, budget, episodes, efficiency_seeds): job
                   for job in jobs}
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
            'guidance_preset': TEACHERS[task].preset,
            'guidance_scale': TEACHERS[task].scale if method == 'pact' else 0.0,
            'max_correction_rms': TEACHERS[task].max_correction_rms,
            'teacher_tilts': TEACHERS[task].tilts}


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
    figure.suptitle(f'{task}: PACT ({TEACHERS[task].describe()}) and its control (w = 0),\n'
                    'one line per training seed')
    figure.tight_layout()
    figure.savefig(out / task / 'curves.png', dpi=100)
    pyplot.close(figure)


def load_efficiency(out: Path, task: str, method: str) -> dict:
    """Return {seed: efficiency points} of one task and method (seeds that have them)."""
    found = {}
    for seed in seeds_on_disk(out, task, method):
        path = job_folder(out, task, method, seed) / 'efficiency.json'
        if path.exists():
            found[seed] = json.loads(path.read_text())
    return found


def steps_to_exceed(points: list, level: float):
    """Return the env steps of the first point whose safe rate is above ``level``, or None."""
    for point in points:
        if point['safe_rate'] > level + 1e-12:
            return point['env_steps']
    return None


def steps_to_reach(points: list, target: float):
    """Return the env steps of the first point whose safe rate reaches ``target``, or None."""
    for point in points:
        if point['safe_rate'] >= target - 1e-12:
            return point['env_steps']
    return None


def efficiency_entry(out: Path, task: str):
    """
    Return PACT's env steps to DPPO's best deterministic safe rate, per seed and overall.

    Per seed, both curves start at the base (0 env steps). The target is the best safe rate
    DPPO reached at any iteration (the most favourable reading for DPPO); the ratio is the env
    steps PACT needed to reach it over those DPPO needed. When DPPO never beat the base, the
    ratio is undefined (None) and ``dppo_improved`` says so; then ``ratio_upper_bound`` = env
    steps PACT needed to beat the base / DPPO's whole budget (DPPO would need more than its
    budget, so the true ratio is below it). Seeds combine by the geometric mean, the mean that
    treats 0.5x and 2x as opposite effects of one size; when a seed has only a bound, the
    overall ratio is withheld and the geometric mean of the ratios and bounds bounds it.
    """
    base, pact = load_efficiency(out, task, 'base'), load_efficiency(out, task, 'pact')
    dppo = load_efficiency(out, task, 'dppo')
    seeds = sorted(set(base) & set(pact) & set(dppo))
    if not seeds:
        return None
    per_seed = []
    for seed in seeds:
        dppo_curve, pact_curve = base[seed] + dppo[seed], base[seed] + pact[seed]
        target = max(point['safe_rate'] for point in dppo_curve)
        improved = target > base[seed][0]['safe_rate']
        dppo_steps, pact_steps = (steps_to_reach(dppo_curve, target),
                                  steps_to_reach(pact_curve, target))
        pact_steps_past_base = steps_to_exceed(pact_curve, base[seed][0]['safe_rate'])
        per_seed.append({
            'seed': seed, 'base_safe_rate': base[seed][0]['safe_rate'], 'target': target,
            'dppo_improved': improved, 'dppo_steps': dppo_steps, 'pact_steps': pact_steps,
            'dppo_budget_steps': dppo_curve[-1]['env_steps'],
            'pact_final_safe_rate': pact_curve[-1]['safe_rate'],
            'ratio': (pact_steps / dppo_steps if improved and pact_steps is not None
                      else None),
            'ratio_upper_bound': (pact_steps_past_base / dppo_curve[-1]['env_steps']
                                  if not improved and pact_steps_past_base is not None
                                  else None)})
    ratios = [entry['ratio'] for entry in per_seed]
    ratio_or_bound = [entry['ratio'] if entry['ratio'] is not None
                      else entry['ratio_upper_bound'] for entry in per_seed]
    return {'per_seed': per_seed,
            'env_steps_ratio_vs_dppo': geometric_mean(ratios),
            'env_steps_ratio_vs_dppo_upper_bound': (geometric_mean(ratio_or_bound)
                                                    if None in ratios else None)}


def geometric_mean(values: list):
    """Return the geometric mean of positive ``values``, or None when any is missing."""
    if not values or None in values:
        return None
    return float(np.exp(np.mean(np.log(values))))


def plot_efficiency(out: Path, task: str) -> bool:
    """Plot the deterministic safe rate per iteration against env steps, PACT beside DPPO."""
    base = load_efficiency(out, task, 'base')
    if not base:
        return False
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot
    figure, axis = pyplot.subplots(figsize=(6, 4))
    for method, colour in (('pact', 'tab:blue'), ('dppo', 'tab:orange')):
        for seed, points in load_efficiency(out, task, method).items():
            if seed not in base:
                continue
            curve = base[seed] + points
            axis.plot([p['env_steps'] for p in curve], [p['safe_rate'] for p in curve],
                      color=colour, marker='o', label=f'{method} (seed {seed})')
    axis.set_xlabel('env steps')
    axis.set_ylabel('deterministic safe rate (validation layouts)')
    axis.set_title(f'{task}: safe rate per iteration, PACT and DPPO on one budget')
    axis.legend()
    figure.tight_layout()
    figure.savefig(out / task / 'efficiency.png', dpi=100)
    pyplot.close(figure)
    return True


def steps_cell(entry: dict, key: str) -> str:
    """Return env steps to DPPO's best for the report; none when DPPO never beat the base."""
    return str(entry[key]) if entry['dppo_improved'] and entry[key] is not None else '—'


def ratio_cell(entry: dict) -> str:
    """Return one seed's env-steps ratio for the report, or the bound when DPPO never improved."""
    if entry['ratio'] is not None:
        return f'{entry["ratio"]:.2f}'
    if not entry['dppo_improved']:
        bound = entry['ratio_upper_bound']
        return ('n/a (DPPO never beat the base' + (
            f"; PACT beat it at {bound:.2f} of DPPO's budget)" if bound is not None else ')'))
    return 'n/a (PACT never reached the target)'


def efficiency_lines(efficiency) -> list:
    """Return the report's paragraph on the like-for-like comparison with DPPO."""
    if efficiency is None:
        return []
    lines = ['', '## Env steps against DPPO (deterministic evaluation)', '',
             'The deployed policy of each iteration judged on validation layouts; target = the '
             'best safe rate DPPO reached (`sim_benchmark.py` docstring).', '',
             '| seed | base safe rate | DPPO best (target) | DPPO steps to it | PACT steps to it '
             '| PACT final | ratio |', '|---:|---:|---:|---:|---:|---:|---:|']
    for entry in efficiency['per_seed']:
        lines.append(
            f'| {entry["seed"]} | {entry["base_safe_rate"]:.3f} | {entry["target"]:.3f} | '
            f'{steps_cell(entry, "dppo_steps")} | {steps_cell(entry, "pact_steps")} | '
            f'{entry["pact_final_safe_rate"]:.3f} | '
            f'{ratio_cell(entry)} |')
    overall = efficiency['env_steps_ratio_vs_dppo']
    bound = efficiency['env_steps_ratio_vs_dppo_upper_bound']
    if overall is not None:
        lines += ['', f'Geometric mean over seeds: {overall:.2f} (target ≤ 0.2).']
    elif bound is not None:
        lines += ['', f'Upper bound, geometric mean over seeds: {bound:.2f} (target ≤ 0.2).']
    return lines + ['', '![efficiency](efficiency.png)']


def kinds_line(episodes: dict) -> str:
    """Return events per episode by kind over every judged episode of one method."""
    flat = [episode for seed in episodes for episode in episodes[seed]]
    totals = {}
    for episode in flat:
        for kind, count in episode['events_by_type'].items():
            totals[kind] = totals.get(kind, 0) + count
    return ', '.join(f'{kind} {count / len(flat):.2f}' for kind, count in sorted(totals.items())
                     if count)


def write_task_report(out: Path, task: str, entries: dict, efficiency=None) -> None:
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
    lines += ['', '![curves](curves.png)'] + efficiency_lines(efficiency) + ['']
    (out / task / 'REPORT.md').write_text('\n'.join(lines))


def merge(out: Path) -> list:
    """Write summary.json and every task's report and curves from what is on disk."""
    summary = []
    for task in TASKS:
        if not (out / task).exists():
            continue
        entries = {method: task_summary(out, task, method) for method in TRAINED_METHODS}
        efficiency = efficiency_entry(out, task)
        plot_curves(out, task)
        plot_efficiency(out, task)
        write_task_report(out, task, entries, efficiency)
        if entries['pact'] is not None:
            if efficiency is not None:
                entries['pact']['env_steps_ratio_vs_dppo'] = efficiency[
                    'env_steps_ratio_vs_dppo']
                entries['pact']['env_steps_ratio_vs_dppo_upper_bound'] = efficiency[
                    'env_steps_ratio_vs_dppo_upper_bound']
                entries['pact']['efficiency_vs_dppo'] = efficiency['per_seed']
            summary.append(entries['pact'])
    text = json.dumps(summary, indent=1) + '\n'
    (out / 'summary.json').write_text(text)
    if out.resolve() == (HERE / 'sim').resolve():   # the committed benchmark: the path
        (HERE / 'summary.json').write_text(text)
    return summary


def main(argv=None) -> int:
    """Run the pending jobs, then merge everything on disk into the reports."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[1])
    parser.add_argument('--tasks', nargs='+', default=list(TASKS), choices=TASKS)
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=METHODS)
    parser.add_argument('--seeds', type=int, default=3)
    for name, value in DEFAULT_BUDGET.items():
        parser.add_argument('--' + name.replace('_', '-'), type=type(value), default=value)
    parser.add_argument('--episodes', type=int, default=64)
    parser.add_argument('--efficiency-seeds', type=int, default=2,
                        help='training seeds whose PACT and DPPO runs get per-iteration '
                        'deterministic efficiency curves')
    parser.add_argument('--workers', type=int, default=max(1, (os.cpu_count() or 2)))
    parser.add_argument('--out', type=Path, default=HERE / 'sim')
    parser.add_argument('--merge-only', action='store_true')
    arguments = parser.parse_args(argv)
    budget = {name: getattr(arguments, name) for name in DEFAULT_BUDGET}
    if not arguments.merge_only:
        jobs = pending_jobs(arguments.out, arguments.tasks, arguments.methods, arguments.seeds,
                            arguments.efficiency_seeds)
        run_all(jobs, arguments.out, budget, arguments.episodes, arguments.workers,
                arguments.efficiency_seeds)
    for entry in merge(arguments.out):
        print(json.dumps(entry))
    return 0


if __name__ == '__main__':
    sys.exit(main())
