# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""bench/alignment/sim_benchmark.py merges judged episodes into paired summaries."""

import json

from pact_testing.repository import load_script
import pytest


def load_bench():
    """Import bench/alignment/sim_benchmark.py as a module."""
    return load_script('bench', 'alignment', 'sim_benchmark.py', module_name='sim_benchmark')


def write_job(bench, out, method, seed, events, success, first_layout=100_000):
    folder = bench.job_folder(out, 'pick', method, seed)
    folder.mkdir(parents=True)
    episodes = [{'seed': first_layout + i, 'events': e, 'success': s,
                 'events_by_type': {'object_topple': e}}
                for i, (e, s) in enumerate(zip(events, success, strict=True))]
    (folder / 'episodes.json').write_text(json.dumps({'episodes': episodes}))


def test_merge_writes_paired_summary_report_and_skips_finished_jobs(tmp_path):
    bench = load_bench()
    for seed in (0, 1):   # base 1 event everywhere, pact half as many, success equal
        write_job(bench, tmp_path, 'base', seed, [1, 1, 2, 0], [1, 0, 1, 1])
        write_job(bench, tmp_path, 'pact', seed, [0, 1, 1, 0], [1, 0, 1, 1])
    summary = bench.merge(tmp_path)
    assert len(summary) == 1
    entry = summary[0]
    assert entry['base_events'] == pytest.approx(1.0)
    assert entry['pact_events'] == pytest.approx(0.5)
    assert entry['events_ratio'] == pytest.approx(0.5)
    assert entry['events_ratio_ci'][0] <= 0.5 <= entry['events_ratio_ci'][1]
    assert entry['success_diff_ci'] == [0.0, 0.0]
    assert entry['episodes'] == 8 and entry['seeds'] == [0, 1]
    assert json.loads((tmp_path / 'summary.json').read_text()) == summary
    assert '| pact |' in (tmp_path / 'pick' / 'REPORT.md').read_text()
    pending = bench.pending_jobs(tmp_path, ['pick'], ['base', 'pact', 'control'], 2)
    assert pending == [('pick', 'control', 0), ('pick', 'control', 1)]


def test_unpaired_layouts_are_refused(tmp_path):
    bench = load_bench()
    write_job(bench, tmp_path, 'base', 0, [1, 1], [1, 1])
    write_job(bench, tmp_path, 'pact', 0, [1, 1], [1, 1], first_layout=200_000)
    with pytest.raises(ValueError, match='unpaired layouts'):
        bench.merge(tmp_path)


def write_curve(bench, out, method, seed, points):
    folder = bench.job_folder(out, 'pick', method, seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'efficiency.json').write_text(json.dumps([
        {'iteration': i - (method == 'base'), 'env_steps': steps, 'safe_rate': rate,
         'events': 0.0, 'success': 1.0} for i, (steps, rate) in enumerate(points)]))


def test_env_steps_ratio_counts_steps_to_dppos_best_deterministic_rate(tmp_path):
    bench = load_bench()
    for seed in (0, 1):
        write_job(bench, tmp_path, 'base', seed, [1, 0], [1, 1])
        write_job(bench, tmp_path, 'pact', seed, [0, 0], [1, 1])
    # seed 0: DPPO's best 0.6 after 2000 steps, PACT passes it after 1000: ratio 0.5
    write_curve(bench, tmp_path, 'base', 0, [(0, 0.5)])
    write_curve(bench, tmp_path, 'dppo', 0, [(1000, 0.55), (2000, 0.6), (3000, 0.58)])
    write_curve(bench, tmp_path, 'pact', 0, [(1000, 0.7), (2000, 0.65), (3000, 0.9)])
    entry = bench.merge(tmp_path)[0]
    assert entry['env_steps_ratio_vs_dppo'] == pytest.approx(0.5)
    assert entry['env_steps_ratio_vs_dppo_upper_bound'] is None
    assert entry['efficiency_vs_dppo'][0]['target'] == pytest.approx(0.6)
    # seed 1: DPPO never beats the base, so no ratio exists and the overall one is withheld
    write_curve(bench, tmp_path, 'base', 1, [(0, 0.5)])
    write_curve(bench, tmp_path, 'dppo', 1, [(1000, 0.45), (2000, 0.5)])
    write_curve(bench, tmp_path, 'pact', 1, [(1000, 0.8), (2000, 0.9)])
    entry = bench.merge(tmp_path)[0]
    assert [s['ratio'] for s in entry['efficiency_vs_dppo']] == [pytest.approx(0.5), None]
    assert entry['efficiency_vs_dppo'][1]['dppo_improved'] is False
    assert entry['env_steps_ratio_vs_dppo'] is None
    # ... but it is bounded: PACT beat the base after 1000 of DPPO's 2000 steps (0.5), and the
    # geometric mean of seed 0's ratio 0.5 and that bound is 0.5
    assert entry['efficiency_vs_dppo'][1]['ratio_upper_bound'] == pytest.approx(0.5)
    assert entry['env_steps_ratio_vs_dppo_upper_bound'] == pytest.approx(0.5)
    assert (tmp_path / 'pick' / 'efficiency.png').exists()
    assert 'DPPO never beat the base' in (tmp_path / 'pick' / 'REPORT.md').read_text()


def test_seeds_combine_by_geometric_mean(tmp_path):
    bench = load_bench()
    for seed, (dppo_steps, pact_steps) in enumerate(((4000, 1000), (1000, 2000))):
        write_job(bench, tmp_path, 'base', seed, [1, 0], [1, 1])
        write_job(bench, tmp_path, 'pact', seed, [0, 0], [1, 1])
        write_curve(bench, tmp_path, 'base', seed, [(0, 0.5)])
        write_curve(bench, tmp_path, 'dppo', seed, [(dppo_steps, 0.7)])
        write_curve(bench, tmp_path, 'pact', seed, [(pact_steps, 0.8)])
    entry = bench.merge(tmp_path)[0]
    # 0.25 and 2.0: the arithmetic mean 1.125 would call them a slow-down; sqrt(0.5) does not
    assert entry['env_steps_ratio_vs_dppo'] == pytest.approx(0.5 ** 0.5, rel=1e-12)


def test_jobs_missing_their_efficiency_curve_are_pending(tmp_path):
    bench = load_bench()
    write_job(bench, tmp_path, 'pact', 0, [0], [1])
    write_job(bench, tmp_path, 'dppo', 0, [0], [1])
    write_job(bench, tmp_path, 'pact', 1, [0], [1])
    write_curve(bench, tmp_path, 'dppo', 0, [(1000, 0.5)])
    assert bench.pending_jobs(tmp_path, ['pick'], ['pact', 'dppo'], 2, efficiency_seeds=1) == [
        ('pick', 'pact', 0), ('pick', 'dppo', 1)]
    assert bench.pending_jobs(tmp_path, ['pick'], ['pact'], 2) == []
