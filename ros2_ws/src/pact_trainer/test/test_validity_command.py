# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""bench/alignment/validity.py names the command that reproduces a report, options included."""

import types

from pact_testing.repository import load_script, repository_path


def load_bench():
    """Import bench/alignment/validity.py as a module."""
    return load_script('bench', 'alignment', 'validity.py', module_name='validity_bench')


def parse(bench, argv):
    """Return the parsed options of ``argv`` (parsed as main() does)."""
    captured = {}
    bench.torch = types.SimpleNamespace(set_num_threads=lambda count: None)   # leave ours be
    bench.run_task = lambda *args, **kwargs: captured.setdefault('called', True)
    bench.write_report = lambda results, out, command, seconds: captured.update(command=command)
    bench.main(argv)
    return captured['command']


def test_default_run_names_the_short_command():
    bench = load_bench()
    assert parse(bench, ['--tasks', 'reach', 'pick', '--episodes', '40']) == \
        'python bench/alignment/validity.py --tasks reach pick --episodes 40'


def test_non_default_seeds_and_folder_are_part_of_the_command(tmp_path):
    bench = load_bench()
    out = repository_path('bench', 'alignment', 'validity_pick_200')
    assert parse(bench, ['--tasks', 'pick', '--episodes', '200', '--seed-offset', '6000',
                         '--out', str(out)]) == (
        'python bench/alignment/validity.py --tasks pick --episodes 200 --seed-offset 6000 '
        '--out bench/alignment/validity_pick_200')
    assert parse(bench, ['--tasks', 'carry', '--episodes', '3', '--out', str(tmp_path)]) == \
        f'python bench/alignment/validity.py --tasks carry --episodes 3 --out {tmp_path}'
