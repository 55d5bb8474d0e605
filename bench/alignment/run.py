# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Alignment benchmark: base vs PACT vs baselines (RWR, DPPO-style PPO, test-time guardrail).

    python bench/alignment/run.py --suite toy                  # minutes on a laptop CPU
    python bench/alignment/run.py --suite sim --base-dir DIR --tasks reach pick carry --seeds 3

Every trained method gets the same budget (iterations × chunks per iteration of on-policy
rollouts) and the same constraint costs. ``toy``: the Gaussian joint-limit problem of
``pact_trainer.core.toy_problem`` (ε-policy, so DPPO applies). ``sim``: pact_sim tasks with the
base checkpoints ``DIR/<task>.pact`` (trained by pact_policy's train_base_policy); evaluation
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
from pact_trainer.core.alignment_loop import evaluate, PactAligner, PactConfig
from pact_trainer.core.baselines.dppo import DppoAligner, DppoConfig
from pact_trainer.core.baselines.guardrail import GuardrailPolicy
from pact_trainer.core.guidance import GuidanceSchedule, preset
from pact_trainer.core.safe_teacher import SafeTeacher
from pact_trainer.core.toy_problem import toy_aligner
from scipy import stats
import torch

matplotlib.use('Agg')
from matplotlib import pyplot  # noqa: E402

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


def run_toy_seed(seed: int, budget: dict) -> dict:
    """Train every method on the toy with ``seed``; return metrics and curves per method."""
    guidance = GuidanceSchedule(mode='min_alpha', min_alpha=0.3)
    results = {}
    template = toy_aligner('epsilon', seed=seed, guidance=guidance, **budget)
    evaluation = template.source
    base_policy = copy.deepcopy(template.student)

    def measure(policy, name, curve):
        batch = evaluation.collect(policy, 2000, torch.Generator().manual_seed(10_000 + seed))
        summary = evaluate(template.costs, batch)
        results[name] = {'violation_rate': summary.violation_rate,
                         'safe_rate': 1.0 - summary.violation_rate,
                         'mean_cost': summary.mean_cost, 'curve': curve,
                         'latency_s': sampling_latency(policy, torch.zeros(64, 1))}

    measure(base_policy, 'base', [])
    for method, objective in (('pact', 'pact'), ('rwr', 'rwr')):
        aligner = toy_aligner('epsilon', seed=seed, guidance=guidance, objective=objective,
                              **budget)
        history = aligner.run()
        measure(aligner.accepted, method, [(r['env_steps'], r['candidate']['violation_rate'],
                                            r['wall_time']) for r in history])
    dppo = DppoAligner(copy.deepcopy(base_policy), template.costs, evaluation,
                       DppoConfig(iterations=budget['iterations'],
                                  chunks_per_iteration=budget['chunks_per_iteration'],
                                  learning_rate=1e-3, ppo_epochs=2, seed=seed))
    history = dppo.run()
    measure(dppo.policy, 'dppo', [(r['env_steps'], r['candidate']['violation_rate'],
                                   r['wall_time']) for r in history])
    guard = GuardrailPolicy(base_policy, SafeTeacher(base_policy, template.costs,
                                                     GuidanceSchedule(mode='min_alpha',
                                                                      min_alpha=0.3,
                                                                      scale=3.0)))
    measure(guard, 'guardrail', [])
    return results


SIM_GUIDANCE = GuidanceSchedule(mode='min_alpha', min_alpha=0.9, scale=3.0)
SIM_CONSTRAINTS = Path(__file__).resolve().parents[2] / 'config/constraints/sim_tasks.yaml'


def trainable_copy(policy):
    """Return a deep copy of ``policy`` in train mode with gradients enabled."""
    student = copy.deepcopy(policy).train()
    for parameter in student.parameters():
        parameter.requires_grad_(True)
    return student


def run_sim_seed(seed: int, task: str, base_path: Path, budget: dict, episodes: int,
                 aligned_out: Path = None) -> dict:
    """Align ``base_path`` on ``task``; evaluate every method in the simulator's judge."""
    from pact_policy.core.checkpoint import load_checkpoint, save_checkpoint
    from pact_sim.core.vector_env import VectorEnv
    from pact_trainer.align_cli import build_robot_costs
    from pact_trainer.core.sim_source import VectorEnvSource
    base = load_checkpoint(base_path).policy.float()
    env = VectorEnv(task, 8)
    env.reset(list(range(env.num_envs)))
    # Panda URDF/SRDF + config/constraints/sim_tasks.yaml; each sample keeps its world's layout.
    robot = build_robot_costs(base, env, constraints=str(SIM_CONSTRAINTS))
    costs = robot.cost_set()
    observation = torch.zeros(1, base.config.condition_dim)
    results = {}

    def measure(policy, name, curve, **extra):
        results[name] = {**evaluate_in_sim(policy, task, episodes, seed, **extra),
                         'latency_s': sampling_latency(policy, observation, **extra.get(
                             'latency', {})), 'curve': curve}

    def source():
        return VectorEnvSource(env, seed=seed * 7919, scene_context=robot.scene_context)

    measure(base, 'base', [])
    for method in ('pact', 'rwr'):
        aligner = PactAligner(trainable_copy(base), costs, source(),
                              PactConfig(guidance=SIM_GUIDANCE, objective=method, seed=seed,
                                         **budget), device='cpu')
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

    def guard_context(world):
        context = robot.scene_context(world.scenes())
        context['joint_position'] = torch.as_tensor(world.joint_positions(),
                                                    dtype=torch.float32)
        return context

    env.reset(list(range(env.num_envs)))
    latency_context = {key: value[:1] for key, value in guard_context(env).items()}
    measure(guard, 'guardrail', [], context_fn=guard_context,
            latency={'context': latency_context})
    return results


def curve_of(history) -> list:
    """Return [(env steps, on-policy violation rate, wall-clock s)] per iteration."""
    return [(r['env_steps'], r['candidate']['violation_rate'], r['wall_time']) for r in history]


def evaluate_in_sim(policy, task: str, episodes: int, seed: int, context_fn=None,
                    latency=None) -> dict:
    """Return success/safe rates and events per episode from pact_sim's judge (evaluation)."""
    from pact_trainer.core.sim_evaluation import evaluate_in_sim as evaluate_policy
    seeds = [100_000 + seed * 1000 + i for i in range(episodes)]
    return evaluate_policy(policy, task, seeds, noise_seed=seed,
                           context_fn=context_fn).metrics()


def write_report(results: dict, out: Path, suite: str, budget: dict) -> None:
    """Write REPORT.md, efficiency.png and results.json from per-seed results."""
    out.mkdir(parents=True, exist_ok=True)
    (out / 'results.json').write_text(json.dumps(results, indent=1))
    metrics = [k for k in next(iter(results.values()))['base'] if k not in ('curve',)]
    lines = [f'# Alignment benchmark ({suite})', '',
             f'Budget per trained method: {budget}. 95 % t-intervals over '
             f'{len(results)} seed(s). Regenerate: `python bench/alignment/run.py '
             f'--suite {suite}`.', '',
             '| method | ' + ' | '.join(metrics) + ' |', '|---' * (len(metrics) + 1) + '|']
    for method in METHODS:
        if method not in next(iter(results.values())):
            continue
        cells = [interval([results[s][method][m] for s in results]) for m in metrics]
        lines.append(f'| {method} | ' + ' | '.join(cells) + ' |')
    base_latency = np.mean([results[s]['base'].get('latency_s', np.nan) for s in results])
    for method in ('pact', 'guardrail'):
        ratio = np.mean([results[s][method].get('latency_s', np.nan) for s in results])
        lines.append(f'\nLatency ratio {method}/base: {ratio / base_latency:.2f}')
    (out / 'REPORT.md').write_text('\n'.join(lines) + '\n')
    figure, axis = pyplot.subplots(figsize=(6, 4))
    for method in ('pact', 'rwr', 'dppo'):
        curves = [results[s][method]['curve'] for s in results if method in results[s]]
        if curves and curves[0]:
            steps = [point[0] for point in curves[0]]
            rate = np.mean([[point[1] for point in curve] for curve in curves], axis=0)
            axis.plot(steps, 1.0 - rate, marker='o', label=method)
    axis.set_xlabel('env steps')
    axis.set_ylabel('on-policy safe rate (no constraint violated)')
    axis.legend()
    figure.tight_layout()
    figure.savefig(out / 'efficiency.png', dpi=100)


def main(argv=None) -> int:
    """Run the benchmark and write the report."""
    parser = argparse.ArgumentParser(description='PACT alignment benchmark')
    parser.add_argument('--suite', choices=('toy', 'sim'), default='toy')
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--iterations', type=int, default=6)
    parser.add_argument('--chunks-per-iteration', type=int, default=128)
    parser.add_argument('--tasks', nargs='+', default=['reach', 'pick', 'carry'])
    parser.add_argument('--base-dir', type=Path)
    parser.add_argument('--episodes', type=int, default=16)
    parser.add_argument('--out', type=Path, default=Path(__file__).parent)
    arguments = parser.parse_args(argv)
    torch.set_num_threads(1)
    budget = {'iterations': arguments.iterations,
              'chunks_per_iteration': arguments.chunks_per_iteration}
    if arguments.suite == 'toy':
        results = {str(seed): run_toy_seed(seed, budget) for seed in range(arguments.seeds)}
        write_report(results, arguments.out, 'toy', budget)
        return 0
    if arguments.base_dir is None:
        print('--suite sim needs --base-dir with <task>.pact base checkpoints', file=sys.stderr)
        return 2
    for task in arguments.tasks:
        results = {str(seed): run_sim_seed(seed, task, arguments.base_dir / f'{task}.pact',
                                           budget, arguments.episodes)
                   for seed in range(arguments.seeds)}
        write_report(results, arguments.out / task, f'sim:{task}', budget)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
