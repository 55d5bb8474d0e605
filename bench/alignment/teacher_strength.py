# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
r"""
How strong must the tilt be? The safe teacher sampled directly, judged by the simulator.

PACT distils the safe teacher (the base policy's sampler with the constraint-cost correction,
``SafeTeacher``). Before any training, the teacher itself can be run as a policy (the test-time
guardrail, ``GuardrailPolicy``): if its samples do not have fewer judge events than the base's at
a given guidance scale w, distilling them cannot help either. This sweeps w on paired layouts
(every scale sees the same layout seeds and the same initial noise) and prints events per
episode, success and the events by kind, with paired bootstrap intervals of the differences to
w = 0 (the base policy itself). Use validation seeds (``pact_sim.core.seed_ranges``), never the
evaluation range. Run from the repository root after ``make setup && source pact_env.sh``::

    python bench/alignment/teacher_strength.py --task pick --scales 3 10 30 100 300
    python bench/alignment/teacher_strength.py --report     # TEACHER_STRENGTH.md from the JSONs

Each run writes ``teacher_strength/<task>.json`` (scales already there are kept unless run again);
``--report`` turns every such file into ``TEACHER_STRENGTH.md``.
"""

import argparse
import dataclasses
import json
from pathlib import Path
import sys
import time
from typing import Optional

import numpy as np
from pact_trainer.core.guidance import LOW_NOISE_W3
import torch

REPOSITORY = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from validity import repository_relative  # noqa: E402  (bench scripts share their folder)

RESULTS = HERE / 'teacher_strength'
REPORT = HERE / 'TEACHER_STRENGTH.md'
SIM_CONSTRAINTS = REPOSITORY / 'config' / 'constraints' / 'sim_tasks.yaml'
DEFAULT_PRESET = LOW_NOISE_W3


def evaluate_scale(task: str, base_path: Path, scale: float, preset_name: str, seeds: list,
                   device: str = 'cpu', constraints: Path = SIM_CONSTRAINTS,
                   min_alpha: Optional[float] = None, max_correction_rms: float = 0.0,
                   jacobian: str = 'auto'):
    """
    Return (the judge's EvaluationResult, chunk shifts) of the teacher at guidance scale ``scale``.

    ``constraints``: the constraint YAML the teacher's costs use; ``min_alpha``: when given, the
    preset guides every denoising level with alpha_t >= min_alpha instead of its own levels;
    ``max_correction_rms``: caps the teacher's per-sample correction (0 = no cap);
    ``jacobian``: the teacher's ('auto': full where the schedule needs it). Chunk shifts: per
    executed chunk, the largest |guided - base| over its executed rows and joints (rad, m for
    the gripper), the base sampled from the same noise.
    """
    from pact_policy.core.checkpoint import load_checkpoint
    from pact_sim.core.vector_env import VectorEnv
    from pact_eval.core.sim_training import robot_costs_for_env
    from pact_trainer.core.baselines.guardrail import GuardrailPolicy
    from pact_trainer.core.guidance import preset
    from pact_trainer.core.safe_teacher import SafeTeacher
    from pact_eval.core.sim_evaluation import evaluate_in_sim
    from pact_eval.core.sim_source import world_context
    base = load_checkpoint(base_path, device=device).policy.float().eval()
    if scale == 0.0:
        return evaluate_in_sim(base, task, seeds), np.zeros(1)
    template = VectorEnv(task, 1)
    template.reset([seeds[0]])
    robot = robot_costs_for_env(base, template, constraints=str(constraints), device=device)
    schedule = dataclasses.replace(preset(preset_name), scale=scale)
    if min_alpha is not None:
        schedule = dataclasses.replace(schedule, mode='min_alpha', min_alpha=min_alpha)
    teacher = SafeTeacher(base, robot.cost_set(), schedule, jacobian=jacobian,
                          max_correction_rms=max_correction_rms)
    guard = ShiftRecorder(GuardrailPolicy(base, teacher), base)
    result = evaluate_in_sim(guard, task, seeds,
                             context_fn=lambda env: world_context(env, robot.scene_context))
    return result, np.concatenate(guard.shifts)


class ShiftRecorder:
    """A guided policy that also samples the base from the same noise and records the shift."""

    def __init__(self, guided, base):
        self.guided, self.base = guided, base
        self.config, self.shifts = base.config, []

    @property
    def device(self):
        """Return the policy's device."""
        return self.base.device

    def sample(self, observation, sampler=None, num_steps=None, generator=None, noise=None,
               context=None):
        """Return the guided chunks; record their largest executed-row shift from the base."""
        guided = self.guided.sample(observation, sampler, num_steps, noise=noise,
                                    context=context)
        with torch.no_grad():
            plain = self.base.sample(observation, sampler, num_steps, noise=noise)
        rows = self.config.n_action_steps
        self.shifts.append((guided - plain)[:, :rows].abs().amax(dim=(1, 2)).cpu().numpy())
        return guided


def variant_name(constraints: Path, min_alpha: Optional[float], preset_name: str = '',
                 max_correction_rms: float = 0.0, jacobian: str = 'auto') -> str:
    """Return '' for the default teacher, else a file-name suffix naming what differs."""
    suffix = ''
    if preset_name and preset_name != DEFAULT_PRESET:
        suffix += f'_{preset_name}'
    if Path(constraints).resolve() != SIM_CONSTRAINTS.resolve():
        suffix += f'_{Path(constraints).stem}'
    if min_alpha is not None:
        suffix += f'_alpha{min_alpha:g}'
    if max_correction_rms:
        suffix += f'_cap{max_correction_rms:g}'
    if jacobian != 'auto':
        suffix += f'_{jacobian}'
    return suffix


def summary(result, reference, shifts=None) -> dict:
    """
    Return the means, event kinds and paired intervals of ``result`` against ``reference``.

    ``shifts``: the executed chunks' largest shifts from the base (``evaluate_scale``), whose
    median and 90th percentile are added.
    """
    from pact_trainer.core.paired_statistics import difference_interval
    events = np.array([e.events for e in result.episodes], dtype=float)
    success = np.array([e.success for e in result.episodes], dtype=float)
    base_events = np.array([e.events for e in reference.episodes], dtype=float)
    base_success = np.array([e.success for e in reference.episodes], dtype=float)
    kinds = {}
    for episode in result.episodes:
        for kind, count in episode.events_by_type.items():
            kinds[kind] = kinds.get(kind, 0.0) + count / len(result.episodes)
    return {'events_per_episode': float(events.mean()), 'success_rate': float(success.mean()),
            'events_diff_ci': difference_interval(base_events, events),
            'success_diff_ci': difference_interval(base_success, success),
            'events_by_kind': {k: round(v, 3) for k, v in sorted(kinds.items())},
            **({} if shifts is None else {
                'shift_p50': float(np.percentile(shifts, 50)),
                'shift_p90': float(np.percentile(shifts, 90))})}


def section_variant(data: dict) -> str:
    """Return ', <what differs from the default teacher>' for a report heading, or ''."""
    parts = []
    if data.get('preset', DEFAULT_PRESET) != DEFAULT_PRESET:
        parts.append(f'preset `{data["preset"]}`')
    constraints = data.get('constraints', repository_relative(SIM_CONSTRAINTS))
    if constraints != repository_relative(SIM_CONSTRAINTS):
        parts.append(f'constraints `{constraints}`')
    if data.get('min_alpha') is not None:
        parts.append(f'every level with alpha_t >= {data["min_alpha"]:g} guided')
    if data.get('max_correction_rms'):
        parts.append(f'correction capped at RMS {data["max_correction_rms"]:g}')
    if data.get('jacobian', 'auto') != 'auto':
        parts.append(f'teacher Jacobian `{data["jacobian"]}`')
    return ''.join(f', {part}' for part in parts)


def write_report(results: Path = RESULTS, report: Path = REPORT) -> None:
    """Write the markdown table of every task's sweep found in ``results``."""
    lines = ['# Teacher strength: the safe teacher sampled directly, judged by the simulator', '',
             'Generated by `python bench/alignment/teacher_strength.py --report` from '
             '`teacher_strength/<task>[_<variant>].json`. Each row: the base policy sampled '
             'through the safe teacher (`GuardrailPolicy`, preset `low_noise_w3` with its scale '
             'w replaced, `config/constraints/sim_tasks.yaml` unless the section names another '
             'constraint file or guided levels) on the same validation layouts and noise as '
             'w = 0 (the base policy). Differences: 95 % paired bootstrap intervals. Chunk '
             'shift: per executed chunk, the largest |guided - base| over its executed rows '
             'and joints (rad; the base sampled from the same noise), median / 90th '
             "percentile ('-': a run from before the column existed).", '']
    for path in sorted(results.glob('*.json')):
        data = json.loads(path.read_text())
        lines += [f'## {data["task"]}{section_variant(data)} '
                  f'(validation seeds {data["seeds"][0]}-{data["seeds"][1]})',
                  '', '| w | events / episode | diff to w = 0 [95 % CI] | success | '
                  'diff to w = 0 [95 % CI] | chunk shift p50 / p90 | events by kind |',
                  '|---:|---:|---:|---:|---:|---:|---|']
        for scale, row in sorted(data['scales'].items(), key=lambda item: float(item[0])):
            kinds = ', '.join(f'{kind} {value:.2f}' for kind, value in
                              row['events_by_kind'].items() if value)
            shift = (f'{row["shift_p50"]:.3f} / {row["shift_p90"]:.3f}' if 'shift_p50' in row
                     else '-')
            lines.append(f'| {scale} | {row["events_per_episode"]:.2f} | '
                         f'{row["events_diff_ci"][0]:+.2f}, {row["events_diff_ci"][1]:+.2f} | '
                         f'{row["success_rate"]:.2f} | {row["success_diff_ci"][0]:+.2f}, '
                         f'{row["success_diff_ci"][1]:+.2f} | {shift} | {kinds} |')
        lines.append('')
    report.write_text('\n'.join(lines))


def main(argv=None) -> int:
    """Sweep the guidance scale on one task (or write the report); print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[1])
    parser.add_argument('--report', action='store_true',
                        help='only write TEACHER_STRENGTH.md from teacher_strength/*.json')
    parser.add_argument('--task', choices=('reach', 'pick', 'carry'))
    parser.add_argument('--base', type=Path, default=None,
                        help='base checkpoint (default: models/base/<task>_base.pact)')
    parser.add_argument('--scales', type=float, nargs='+', default=[0.0, 3.0, 30.0, 300.0])
    parser.add_argument('--preset', default=DEFAULT_PRESET,
                        help='guidance preset whose scale w is replaced')
    parser.add_argument('--constraints', type=Path, default=SIM_CONSTRAINTS,
                        help='constraint YAML of the teacher (default: sim_tasks.yaml)')
    parser.add_argument('--min-alpha', type=float, default=None,
                        help="guide every level with alpha_t >= this instead of the preset's")
    parser.add_argument('--max-correction-rms', type=float, default=0.0,
                        help="cap on the teacher's per-sample correction (RMS, 0 = none)")
    parser.add_argument('--jacobian', default='auto', choices=('auto', 'full', 'stop_gradient'),
                        help="teacher Jacobian ('auto': full where the schedule needs it)")
    parser.add_argument('--first-seed', type=int, default=504_000)
    parser.add_argument('--episodes', type=int, default=32)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', type=Path, default=None,
                        help='results JSON (default: teacher_strength/<task>.json)')
    arguments = parser.parse_args(argv)
    if arguments.report:
        write_report()
        return 0
    if arguments.task is None:
        parser.error('--task is required (or --report)')
    from pact_sim.core.seed_ranges import EVALUATION
    seeds = list(range(arguments.first_seed, arguments.first_seed + arguments.episodes))
    if any(seed in EVALUATION for seed in seeds):
        parser.error(f'seeds {seeds[0]}..{seeds[-1]} overlap the evaluation range {EVALUATION}: '
                     'choose the strength on validation seeds')
    base_path = arguments.base or REPOSITORY / 'models' / 'base' / f'{arguments.task}_base.pact'
    variant = variant_name(arguments.constraints, arguments.min_alpha, arguments.preset,
                           arguments.max_correction_rms, arguments.jacobian)
    out = arguments.out or RESULTS / f'{arguments.task}{variant}.json'
    torch.manual_seed(0)
    results, rows = {}, {}
    scales = sorted(set([0.0] + list(arguments.scales)))
    for scale in scales:
        started = time.monotonic()
        results[scale], shifts = evaluate_scale(
            arguments.task, base_path, scale, arguments.preset, seeds, arguments.device,
            arguments.constraints, arguments.min_alpha, arguments.max_correction_rms,
            arguments.jacobian)
        rows[scale] = summary(results[scale], results[0.0], shifts)
        rows[scale]['seconds'] = round(time.monotonic() - started, 1)
        row = rows[scale]
        print(f'w={scale:g}: events {row["events_per_episode"]:.2f} '
              f'(diff {row["events_diff_ci"][0]:+.2f}..{row["events_diff_ci"][1]:+.2f}), '
              f'success {row["success_rate"]:.2f} '
              f'(diff {row["success_diff_ci"][0]:+.2f}..{row["success_diff_ci"][1]:+.2f}), '
              f'chunk shift p50 {row["shift_p50"]:.3f} p90 {row["shift_p90"]:.3f}, '
              f'{row["events_by_kind"]} [{row["seconds"]} s]', flush=True)
    stored = {}
    if out.exists():
        previous = json.loads(out.read_text())
        if (previous.get('seeds') == [seeds[0], seeds[-1]]
                and previous.get('preset') == arguments.preset
                and previous.get('constraints', repository_relative(SIM_CONSTRAINTS))
                == repository_relative(arguments.constraints)
                and previous.get('min_alpha') == arguments.min_alpha
                and previous.get('max_correction_rms', 0.0) == arguments.max_correction_rms
                and previous.get('jacobian', 'auto') == arguments.jacobian):
            stored = previous['scales']   # same layouts: keep the scales not run again
    stored.update({f'{scale:g}': rows[scale] for scale in scales})
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        'task': arguments.task, 'preset': arguments.preset, 'seeds': [seeds[0], seeds[-1]],
        'constraints': repository_relative(arguments.constraints),
        'min_alpha': arguments.min_alpha, 'max_correction_rms': arguments.max_correction_rms,
        'jacobian': arguments.jacobian,
        'scales': dict(sorted(stored.items(), key=lambda item: float(item[0])))},
        indent=1) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
