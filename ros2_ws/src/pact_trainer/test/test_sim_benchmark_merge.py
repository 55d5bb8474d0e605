# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""bench/alignment/sim_benchmark.py merges judged episodes into paired summaries."""

import importlib.util
import json

from pact_testing.repository import repository_path
import pytest

BENCH = repository_path('bench', 'alignment', 'sim_benchmark.py')


def load_bench():
    """Import bench/alignment/sim_benchmark.py as a module."""
    spec = importlib.util.spec_from_file_location('sim_benchmark', BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


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
