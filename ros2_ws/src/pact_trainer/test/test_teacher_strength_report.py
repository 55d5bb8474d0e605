# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""bench/alignment/teacher_strength.py: variants are named, kept apart and reported."""

import dataclasses
import json

from pact_constraints.core.config import load_constraint_config
from pact_testing.repository import load_script, repository_path

HINGE = repository_path('bench', 'alignment', 'teacher_strength', 'clearance_hinge.yaml')


def load_bench():
    """Import bench/alignment/teacher_strength.py as a module."""
    return load_script('bench', 'alignment', 'teacher_strength.py', module_name='teacher_strength')


def sweep(task, **variant):
    """Return a results file of one scale, 0, as the script writes it."""
    row = {'events_per_episode': 2.0, 'success_rate': 0.5, 'events_diff_ci': [0.0, 0.0],
           'success_diff_ci': [0.0, 0.0], 'events_by_kind': {'excessive_force': 2.0}}
    return {'task': task, 'preset': 'low_noise_w3', 'seeds': [504000, 504031],
            'scales': {'0': row}, **variant}


def test_the_hinge_variant_differs_from_the_sim_constraints_in_the_clearance_penalty_only():
    sim = load_constraint_config(str(repository_path('config', 'constraints', 'sim_tasks.yaml')))
    hinge = load_constraint_config(str(HINGE))
    assert sim.term('clearance').penalty == 'smooth'
    assert hinge.term('clearance').penalty == 'hinge'
    assert dataclasses.replace(hinge.term('clearance'), penalty='smooth') == \
        sim.term('clearance')
    for name in ('self_collision', 'joint_position', 'workspace', 'grasp_approach'):
        assert hinge.term(name) == sim.term(name)


def test_variants_get_their_own_file_and_report_section(tmp_path):
    bench = load_bench()
    assert bench.variant_name(bench.SIM_CONSTRAINTS, None) == ''
    assert bench.variant_name(HINGE, 0.5) == '_clearance_hinge_alpha0.5'
    assert bench.variant_name(bench.SIM_CONSTRAINTS, None, 'tilt_exact', 0.2) == \
        '_tilt_exact_cap0.2'
    assert bench.variant_name(bench.SIM_CONSTRAINTS, None, bench.DEFAULT_PRESET) == ''
    (tmp_path / 'reach.json').write_text(json.dumps(sweep('reach')))
    (tmp_path / 'reach_clearance_hinge_alpha0.5.json').write_text(json.dumps(sweep(
        'reach', constraints=bench.repository_relative(HINGE), min_alpha=0.5)))
    (tmp_path / 'reach_tilt_exact_cap0.2.json').write_text(json.dumps(
        {**sweep('reach'), 'preset': 'tilt_exact', 'max_correction_rms': 0.2}))
    report = tmp_path / 'REPORT.md'
    bench.write_report(tmp_path, report)
    headings = [line for line in report.read_text().splitlines() if line.startswith('## ')]
    assert headings == [
        '## reach (validation seeds 504000-504031)',
        '## reach, constraints `bench/alignment/teacher_strength/clearance_hinge.yaml`, every '
        'level with alpha_t >= 0.5 guided (validation seeds 504000-504031)',
        '## reach, preset `tilt_exact`, correction capped at RMS 0.2 (validation seeds '
        '504000-504031)']


def test_the_default_preset_is_the_trainers_low_noise_preset():
    from pact_trainer.core.guidance import LOW_NOISE_W3
    assert load_bench().DEFAULT_PRESET == LOW_NOISE_W3
