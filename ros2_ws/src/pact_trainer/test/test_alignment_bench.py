# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""bench/alignment/run.py runs end to end on a tiny toy budget and writes its report."""

import json

from pact_testing.repository import load_script, repository_path
import pytest
import torch


def load_bench():
    """Import bench/alignment/run.py as a module."""
    return load_script('bench', 'alignment', 'run.py', module_name='alignment_bench')


@pytest.mark.slow
def test_toy_benchmark_writes_report_plot_and_results(tmp_path):
    torch.set_num_threads(1)
    bench = load_bench()
    assert bench.main(['--suite', 'toy', '--seeds', '1', '--iterations', '2',
                       '--chunks-per-iteration', '64', '--out', str(tmp_path)]) == 0
    stored = json.loads((tmp_path / 'results.json').read_text())
    assert stored['budget']['iterations'] == 2
    results = stored['seeds']['0']
    assert set(results) == {'base', 'pact', 'rwr', 'dppo', 'guardrail'}
    assert results['pact']['violation_rate'] < results['base']['violation_rate']
    assert [point[0] for point in results['pact']['curve']] == [64, 128]
    report = (tmp_path / 'REPORT.md').read_text()
    assert '| pact |' in report and 'Latency ratio guardrail/base' in report
    assert 'PPO-style baseline' in report
    assert (tmp_path / 'efficiency.png').stat().st_size > 1000


def test_sim_latency_is_timed_side_by_side_and_reported_as_ratios():
    torch.set_num_threads(1)
    bench = load_bench()
    base = repository_path('models', 'base', 'pick_base.pact')
    latency = bench.side_by_side_latency('pick', base, base, repeats=2)
    assert set(latency) == {'base', 'pact', 'guardrail'}
    assert all(value > 0 for value in latency.values())
    lines = bench.latency_lines({}, {'base': 0.004, 'pact': 0.005, 'guardrail': 0.02})
    assert lines[0] == 'Latency ratio pact/base: 1.25 (5.0 ms vs 4.0 ms per chunk)  '
    assert lines[1].startswith('Latency ratio guardrail/base: 5.00')
    per_run = bench.latency_lines({'0': {m: {'latency_s': v} for m, v in
                                         (('base', 0.002), ('pact', 0.002),
                                          ('guardrail', 0.006))}})
    assert per_run[1].startswith('Latency ratio guardrail/base: 3.00 (medians timed')
