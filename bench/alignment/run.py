# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Alignment benchmark: base vs PACT vs baselines (RWR, DPPO-style PPO, test-time guardrail).

    python bench/alignment/run.py --suite toy                  # minutes on a laptop CPU
    python bench/alignment/run.py --suite sim --tasks reach pick carry --seeds 3

Every trained method gets the same budget (iterations × chunks per iteration of on-policy
rollouts) and the same constraint costs. ``toy``: the Gaussian joint-limit problem of
``pact_trainer.core.toy_problem`` (ε-policy, so DPPO applies). ``sim``: pact_sim tasks with the
base checkpoints ``models/base/<task>_base.pact`` (trained by pact_policy's train_base_policy;
``--base-dir``), constraint costs of ``config/constraints/sim_tasks.yaml``; the seed-0 PACT
policy of each task is saved to ``models/aligned/<task>_pact.pact``; evaluation
reads the simulator's own judge (success, safety events), never the trainer's costs.
Writes ``REPORT.md``, ``efficiency.png`` and ``results.json`` into ``--out``.
"""

import argparse
import copy
import json
from pathlib import Path
import sys
import time

import matplotlib
import numpy as np
from pact_sim.core.seed_ranges import seeds_in, training_layout_seed
from pact_trainer.core.alignment_loop import evaluate, PactAligner, PactConfig
from pact_trainer.core.baselines.dppo import DppoAligner, DppoConfig
from pact_trainer.core.baselines.guardrail import GuardrailPolicy
from pact_trainer.core.guidance import GuidanceSchedule, LOW_NOISE_W3, preset
from pact_trainer.core.safe_teacher import SafeTeacher
from pact_trainer.core.toy_problem import toy_aligner
from scipy import stats
import torch

matplotlib.use('Agg')
from matplotlib import pyplot  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import median_seconds_in_turn  # noqa: E402  (bench/timing.py)

METHODS = ('base', 'pact', 'rwr', 'dppo', 'guardrail')


def interval(values) -> str:
    """Return 'mean ± half-width' of the 95 % t-interval over seeds."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return f'{values.mean():.3f}'
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return f'{values.mean():.3f} ± {half:.3f}'


def sampling_latency(policy, observation, repeats=5, **extra) -> float:
    """Return the median seconds of one ``sample`` call on ``observation``."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        policy.sample(observation, **extra)
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def run_toy_seed(seed: int, budget: dict, device: str = 'cpu') -> dict:
    """Train every method on the toy with ``seed`` on ``device``; return metrics and curves."""
    guidance = GuidanceSchedule(mode='min_alpha', min_alpha=0.3)
    results = {}
    template = toy_aligner('epsilon', seed=seed, guidance=guidance, device=device, **budget)
    evaluation = template.source
    base_policy = copy.deepcopy(template.student)

    def measure(policy, name, curve):
        batch = evaluation.collect(policy, 2000, torch.Generator(device=policy.device)
                                   .manual_seed(10_000 + seed))
        summary = evaluate(template.costs, batch)
        results[name] = {'violation_rate': summary.violation_rate,
                         'safe_rate': 1.0 - summary.violation_rate,
                         'mean_cost': summary.mean_cost, 'curve': curve,
                         'latency_s': sampling_latency(policy, torch.zeros(64, 1))}

    measure(base_policy, 'base', [])
    for method, objective in (('pact', 'pact'), ('rwr', 'rwr')):
        aligner = toy_aligner('epsilon', seed=seed, guidance=guidance, objective=objective,
                              device=device, **budget)
        history = aligner.run()
        measure(aligner.accepted, method, curve_of(history))
    dppo = DppoAligner(copy.deepcopy(base_policy), template.costs, evaluation,
                       DppoConfig(iterations=budget['iterations'],
                                  chunks_per_iteration=budget['chunks_per_iteration'],
                                  learning_rate=1e-3, ppo_epochs=2, seed=seed))
    history = dppo.run()
    measure(dppo.policy, 'dppo', curve_of(history))
    guard = GuardrailPolicy(base_policy, SafeTeacher(base_policy, template.costs,
                                                     GuidanceSchedule(mode='min_alpha',
                                                                      min_alpha=0.3,
                                                                      scale=3.0)))
    measure(guard, 'guardrail', [])
    return results


SIM_GUIDANCE_PRESET = LOW_NOISE_W3
SIM_GUIDANCE = preset(SIM_GUIDANCE_PRESET)
REPOSITORY = Path(__file__).resolve().parents[2]
SIM_CONSTRAINTS = REPOSITORY / 'config' / 'constraints' / 'sim_tasks.yaml'


def trainable_copy(policy):
    """Return a deep copy of ``policy`` in train mode with gradients enabled."""
    student = copy.deepcopy(policy).train()
    for parameter in student.parameters():
        parameter.requires_grad_(True)
    return student


def run_sim_seed(seed: int, task: str, base_path: Path, budget: dict, episodes: int,
                 aligned_out: Path = None, device: str = 'cpu') -> dict:
    """Align ``base_path`` on ``task``; evaluate every method in the simulator's judge."""
    from pact_policy.core.checkpoint import load_checkpoint, save_checkpoint
    from pact_sim.core.vector_env import VectorEnv
    from pact_eval.core.sim_training import robot_costs_for_env
    from pact_eval.core.sim_source import VectorEnvSource, world_context
    base = load_checkpoint(base_path).policy.float().to(device)
    env = VectorEnv(task, 8)
    env.reset(list(range(env.num_envs)))
    # Panda URDF/SRDF + config/constraints/sim_tasks.yaml; each sample keeps its world's layout.
    robot = robot_costs_for_env(base, env, constraints=str(SIM_CONSTRAINTS), device=device)
    costs = robot.cost_set()
    results = {}

    def measure(policy, name, curve, context_fn=None):
        # latency: side_by_side_latency, once per task (timed in turn, not here)
        results[name] = {**evaluate_in_sim(policy, task, episodes, seed, context_fn),
                         'curve': curve}
        summary = {k: round(v, 3) for k, v in results[name].items() if k != 'curve'}
        print(f'[{task} seed {seed}] {name}: {summary}', flush=True)

    def source():
        return VectorEnvSource(env, seed=training_layout_seed(seed),
                               scene_context=robot.scene_context)

    measure(base, 'base', [])
    for method in ('pact', 'rwr'):
        aligner = PactAligner(trainable_copy(base), costs, source(),
                              PactConfig(guidance=SIM_GUIDANCE, objective=method, seed=seed,
                                         **budget), device=device)
        history = aligner.run()
        measure(aligner.accepted, method, curve_of(history))
        if method == 'pact' and aligned_out is not None and seed == 0:
            save_checkpoint(aligner.accepted, aligned_out,
                            {'version': f'{task}-pact{budget["iterations"]}',
                             'parent_version': base_path.stem})
    dppo = DppoAligner(trainable_copy(base), costs, source(),
                       DppoConfig(iterations=budget['iterations'],
                                  chunks_per_iteration=budget['chunks_per_iteration'],
                                  learning_rate=1e-5, ppo_epochs=2, seed=seed))
    measure(dppo.policy.eval(), 'dppo', curve_of(dppo.run()))
    guard = GuardrailPolicy(base, SafeTeacher(base, costs, SIM_GUIDANCE))
    measure(guard, 'guardrail', [],
            context_fn=lambda world: world_context(world, robot.scene_context))
    return results


def side_by_side_latency(task: str, base_path: Path, aligned_path: Path,
                         repeats: int = 30) -> dict:
    """
    Return median seconds per batch-1 chunk of base, aligned (PACT) and guardrail policies.

    The three are timed in turn, one chunk each per round, in this one process, so that load
    from other jobs on a shared machine hits all three alike (ratios, not absolute times,
    are what the report quotes). The guardrail gets one world's cost context.
    """
    from pact_policy.core.checkpoint import load_checkpoint
    from pact_sim.core.vector_env import VectorEnv
    from pact_eval.core.sim_training import robot_costs_for_env
    from pact_eval.core.sim_source import world_context
    base = load_checkpoint(base_path).policy.float().eval()
    aligned = load_checkpoint(aligned_path).policy.float().eval()
    env = VectorEnv(task, 1)
    env.reset([0])
    robot = robot_costs_for_env(base, env, constraints=str(SIM_CONSTRAINTS))
    guard = GuardrailPolicy(base, SafeTeacher(base, robot.cost_set(), SIM_GUIDANCE))
    context = world_context(env, robot.scene_context)
    observation = torch.zeros(1, base.config.condition_dim)
    calls = {'base': lambda: base.sample(observation), 'pact': lambda: aligned.sample(observation),
             'guardrail': lambda: guard.sample(observation, context=context)}
    with torch.no_grad():               # the guardrail enables gradients where it needs them
        return median_seconds_in_turn(calls, repeats)


def curve_of(history) -> list:
    """Return [(env steps, on-policy violation rate, wall-clock s)] per iteration."""
    return [(r.env_steps, r.violation_rate, r.wall_time) for r in history]


def evaluate_in_sim(policy, task: str, episodes: int, seed: int, context_fn=None) -> dict:
    """Return success/safe rates and events per episode from pact_sim's judge (evaluation)."""
    from pact_eval.core.sim_evaluation import evaluate_in_sim as evaluate_policy
    seeds = seeds_in('evaluation', seed * 1000, episodes)
    return evaluate_policy(policy, task, seeds, noise_seed=seed,
                           context_fn=context_fn).metrics()


def mean_curve(results: dict, method: str):
    """Return (env steps, wall-clock s, on-policy safe rate) averaged over seeds, or None."""
    curves = [results[seed][method]['curve'] for seed in results if method in results[seed]]
    if not curves or not curves[0]:
        return None
    points = np.array(curves, dtype=float)              # (seeds, iterations, 3)
    return points[:, :, 0].mean(0), points[:, :, 2].mean(0), 1.0 - points[:, :, 1].mean(0)


def steps_to_match_dppo(results: dict) -> str:
    """Return the sentence comparing PACT's env steps to DPPO's final on-policy safe rate."""
    pact, dppo = mean_curve(results, 'pact'), mean_curve(results, 'dppo')
    if pact is None or dppo is None:
        return ''
    target, dppo_steps = dppo[2][-1], dppo[0][-1]
    reached = np.flatnonzero(pact[2] >= target)
    if not reached.size:
        return (f"PACT did not reach the PPO-style baseline's final on-policy safe rate "
                f'({target:.3f} after {dppo_steps:.0f} env steps) within its budget.')
    steps = pact[0][reached[0]]
    return (f"PACT reached the PPO-style baseline's final on-policy safe rate ({target:.3f}, "
            f'{dppo_steps:.0f} env steps) after {steps:.0f} env steps: '
            f'{steps / dppo_steps:.2f} of its steps (target <= 0.20).')


def change_versus_base(results: dict, method: str, metric: str) -> str:
    """Return the relative change of ``metric`` (mean over seeds) versus the base policy."""
    base = np.mean([results[seed]['base'][metric] for seed in results])
    value = np.mean([results[seed][method][metric] for seed in results])
    return 'n/a' if base == 0 else f'{100.0 * (value - base) / base:+.0f} %'


def latency_lines(results: dict, latency: dict = None) -> list:
    """Return the report's latency-ratio lines: side by side when measured so, else per run."""
    if latency:
        return [f'Latency ratio {method}/base: {latency[method] / latency["base"]:.2f} '
                f'({1e3 * latency[method]:.1f} ms vs {1e3 * latency["base"]:.1f} ms per chunk)  '
                for method in ('pact', 'guardrail')] + [
            '(batch 1, one CPU thread; base, the seed-0 PACT policy and the guardrail timed in '
            'turn in one process)']
    base = np.mean([results[s]['base'].get('latency_s', np.nan) for s in results])
    return [f'Latency ratio {method}/base: '
            f'{np.mean([results[s][method].get("latency_s", np.nan) for s in results]) / base:.2f}'
            f' (medians timed at different moments of the run: noisy on a shared machine)  '
            for method in ('pact', 'guardrail')]


def write_report(results: dict, out: Path, suite: str, budget: dict, note: str = '',
                 latency: dict = None) -> None:
    """Write REPORT.md, efficiency.png and results.json from per-seed results."""
    out.mkdir(parents=True, exist_ok=True)
    (out / 'results.json').write_text(json.dumps({'budget': budget, 'note': note,
                                                  'latency': latency, 'seeds': results},
                                                 indent=1))
    methods = [m for m in METHODS if m in next(iter(results.values()))]
    hidden = ('curve', 'latency_s') if latency else ('curve',)  # side-by-side ratios instead
    metrics = [k for k in results[next(iter(results))]['base'] if k not in hidden]
    violations = 'events_per_episode' if 'events_per_episode' in metrics else 'violation_rate'
    lines = [f'# Alignment benchmark ({suite})', '',
             f'Budget per trained method: {budget}. 95 % t-intervals over '
             f'{len(results)} seed(s). Regenerate: `make bench-alignment-'
             f'{suite.split(":")[0]}`' + (f' (this task only: `python bench/alignment/run.py '
                                          f'--suite sim --tasks {suite[4:]}` with the budget '
                                          f'above)' if suite.startswith('sim:') else '') + '.',
             '', note, '',
             '| method | ' + ' | '.join(metrics) + f' | {violations} vs base |',
             '|---' * (len(metrics) + 2) + '|']
    for method in methods:
        cells = [interval([results[s][method][m] for s in results]) for m in metrics]
        change = '' if method == 'base' else change_versus_base(results, method, violations)
        lines.append(f'| {method} | ' + ' | '.join(cells) + f' | {change} |')
    lines += [''] + latency_lines(results, latency)
    lines += ['', steps_to_match_dppo(results), '',
              '![efficiency](efficiency.png) (on-policy safe rate = fraction of rollout steps '
              'with no constraint violated, per iteration, mean over seeds)']
    (out / 'REPORT.md').write_text('\n'.join(lines) + '\n')
    figure, axes = pyplot.subplots(1, 2, figsize=(10, 4), sharey=True)
    for method in ('pact', 'rwr', 'dppo'):
        curve = mean_curve(results, method)
        if curve is not None:
            axes[0].plot(curve[0], curve[2], marker='o', label=method)
            axes[1].plot(curve[1], curve[2], marker='o', label=method)
    axes[0].set_xlabel('env steps')
    axes[1].set_xlabel('wall-clock (s, one CPU thread)')
    axes[0].set_ylabel('on-policy safe rate (no constraint violated)')
    axes[0].legend()
    figure.suptitle(suite)
    figure.tight_layout()
    figure.savefig(out / 'efficiency.png', dpi=100)


def sim_note(budget: dict, episodes: int) -> str:
    """Return the sim suite's description of what is measured and how."""
    return (f'Success, safe rate (episodes without any event) and events per episode come from '
            f"pact_sim's judge (MuJoCo contacts and object poses; evaluation only) on "
            f'{episodes} layouts per seed that no method trained on. Every trained method gets '
            f'{budget["iterations"]} iterations x {budget["chunks_per_iteration"]} chunks of '
            f'on-policy rollouts in 8 worlds and the same constraint costs '
            f'(`config/constraints/sim_tasks.yaml`); PACT and the guardrail use the '
            f'guidance preset `{SIM_GUIDANCE_PRESET}` ({SIM_GUIDANCE}). Latency: median '
            f'`sample` time, batch 1, one CPU thread.')


def load_results(path: Path):
    """Return (per-seed results, budget, note, side-by-side latency) from a results.json."""
    data = json.loads(path.read_text())
    if 'seeds' in data:
        return data['seeds'], data['budget'], data.get('note'), data.get('latency')
    return data, None, None, None


def main(argv=None) -> int:
    """Run the benchmark and write the report."""
    parser = argparse.ArgumentParser(description='PACT alignment benchmark')
    parser.add_argument('--suite', choices=('toy', 'sim'), default='toy')
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--iterations', type=int, default=6)
    parser.add_argument('--chunks-per-iteration', type=int, default=128)
    parser.add_argument('--tasks', nargs='+', default=['reach', 'pick', 'carry'])
    parser.add_argument('--base-dir', type=Path, default=REPOSITORY / 'models' / 'base',
                        help='folder with <task>_base.pact (default: models/base)')
    parser.add_argument('--aligned-dir', type=Path, default=REPOSITORY / 'models' / 'aligned',
                        help='where the seed-0 PACT policy of each task is saved')
    parser.add_argument('--episodes', type=int, default=16)
    parser.add_argument('--out', type=Path, default=Path(__file__).parent)
    parser.add_argument('--report-only', action='store_true',
                        help='rewrite the reports from the results.json files in --out')
    parser.add_argument('--remeasure-latency', action='store_true',
                        help='with --report-only (sim): time base, aligned and guardrail again')
    parser.add_argument('--device', default='cpu',
                        help="torch device of the policies and costs: 'cpu' (the committed "
                        "reports), 'cuda' or 'cuda:N'")
    arguments = parser.parse_args(argv)
    torch.set_num_threads(1)
    budget = {'iterations': arguments.iterations,
              'chunks_per_iteration': arguments.chunks_per_iteration}
    folders = ([(arguments.out, 'toy')] if arguments.suite == 'toy' else
               [(arguments.out / task, f'sim:{task}') for task in arguments.tasks])
    for (folder, suite), task in zip(folders, arguments.tasks, strict=False):
        note = '' if suite == 'toy' else sim_note(budget, arguments.episodes)
        base = arguments.base_dir / f'{task}_base.pact'
        aligned = arguments.aligned_dir / f'{task}_pact.pact'
        latency = None
        if arguments.report_only:
            results, stored, stored_note, latency = load_results(folder / 'results.json')
            budget, note = stored or budget, stored_note or note
            if arguments.remeasure_latency and suite != 'toy':
                latency = side_by_side_latency(task, base, aligned)
        elif suite == 'toy':
            results = {str(seed): run_toy_seed(seed, budget, arguments.device)
                       for seed in range(arguments.seeds)}
        else:
            results = {}
            for seed in range(arguments.seeds):      # report after every seed: nothing lost
                results[str(seed)] = run_sim_seed(seed, task, base, budget, arguments.episodes,
                                                  aligned, arguments.device)
                write_report(results, folder, suite, budget, note)
            latency = side_by_side_latency(task, base, aligned)
        write_report(results, folder, suite, budget, note, latency)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
