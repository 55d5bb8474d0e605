# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
`make demo` end to end with tiny settings: four node processes over DDS, one PACT iteration.

The base checkpoint is made here (2 scripted demos, a 20-step MLP with a 2-step observation
history, so the history path through policy node and trainer is exercised). The run must exit
0, hot-swap the aligned model into the running policy node, and write a report whose table is
the one it printed. A second run is interrupted with SIGINT (Ctrl-C) while the graph runs: it
must exit 130 and leave none of its node processes behind.
"""

import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time

from pact_policy.core.checkpoint import load_checkpoint
from pact_policy.train_base_policy import main as train_base_policy
from pact_sim.core.demos import record_task, save_demos
from pact_testing.repository import repository_root
import pytest
import yaml

OVERLAY = repository_root() / 'config' / 'demo' / 'mujoco_demo.yaml'
TINY = {
    'mujoco_demo': {'task': 'reach', 'iterations': 1, 'eval_episodes': 2, 'frame_width': 160,
                    'frame_height': 120, 'startup_timeout_s': 150.0,
                    'iteration_timeout_s': 150.0, 'swap_timeout_s': 60.0},
    'sim_node': {'real_time_factor': 4.0},
    'trainer_node': {'steps_per_update': 8, 'steps_per_epoch': 2, 'max_inner_epochs': 1,
                     'batch_size': 8},
}


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """Return (folder, the demo command with the tiny checkpoint and overlay)."""
    folder = tmp_path_factory.mktemp('demo')
    demos = save_demos(record_task('reach', [0, 1]), folder / 'demos')
    checkpoint = folder / 'tiny_reach.pact'
    assert train_base_policy(['--demos', str(demos), '--out', str(checkpoint), '--model', 'mlp',
                              '--mlp-hidden', '32', '--steps', '20', '--batch-size', '64',
                              '--n-obs-steps', '2', '--device', 'cpu', '--quiet']) == 0
    overlay = yaml.safe_load(OVERLAY.read_text())
    for node, values in TINY.items():
        overlay[node]['ros__parameters'].update(values)
    overlay_path = folder / 'tiny_overlay.yaml'
    overlay_path.write_text(yaml.safe_dump(overlay))
    return folder, [sys.executable, '-m', 'pact_eval.mujoco_demo', '--params-file',
                    str(overlay_path), '--base-checkpoint', str(checkpoint)]


@pytest.fixture(scope='module')
def demo_run(tiny):
    folder, command = tiny
    command = command + ['--runs-dir', str(folder / 'runs')]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=420,
                              env=dict(os.environ, COLUMNS='160'))
    runs = sorted((folder / 'runs').iterdir()) if (folder / 'runs').exists() else []
    return finished, runs


def failure_summary(finished: subprocess.CompletedProcess) -> str:
    """Return the demo's exit code and last output lines first (CI shows a message's start)."""
    output = (finished.stdout + finished.stderr).splitlines()
    reasons = [line for line in output if 'demo failed' in line or 'Error' in line]
    return '\n'.join([f'exit code {finished.returncode}', *reasons[-5:], '--- last output:',
                      *output[-40:], '--- full output:', *output])


def test_the_demo_succeeds_and_writes_its_report(demo_run):
    finished, runs = demo_run
    assert finished.returncode == 0, failure_summary(finished)
    assert len(runs) == 1
    for name in ('REPORT.md', 'results.json', 'alignment.png', 'frames/before.png',
                 'frames/after.png', 'frames/before.gif', 'frames/after.gif',
                 'logs/sim_node.log', 'logs/policy_node.log', 'logs/constraint_node.log',
                 'logs/trainer_node.log'):
        assert (runs[0] / name).is_file(), name


def test_the_aligned_model_was_hot_swapped_into_the_running_policy(demo_run):
    finished, runs = demo_run
    results = json.loads((runs[0] / 'results.json').read_text())
    swaps = results['hot_swaps']
    assert swaps and swaps[0]['previous'] == 'base-reach', swaps
    assert swaps[-1]['version'] == results['aligned_version']
    assert results['iterations'][0]['model_version'] == swaps[0]['version']
    aligned = load_checkpoint(results['aligned_checkpoint'])
    assert aligned.version == results['aligned_version'] != 'base-reach'
    assert 'hot swap: the policy node now runs' in finished.stdout
    assert results['live_episodes'] >= 1    # the sim node ran episodes, not a frozen scene


def test_the_printed_table_is_the_reported_table(demo_run):
    finished, runs = demo_run
    results = json.loads((runs[0] / 'results.json').read_text())
    assert results['before']['task'] == 'reach'
    assert [e['seed'] for e in results['before']['episodes']] == [400000, 400001]
    assert [e['seed'] for e in results['after']['episodes']] == [400000, 400001]
    report = (runs[0] / 'REPORT.md').read_text()
    printed = finished.stdout.splitlines()
    for row in results['table']['rows']:
        assert '| ' + ' | '.join(row) + ' |' in report
        cells = [cell.strip() for cell in row]
        assert any(_cells_in_order(line, cells) for line in printed), (row, finished.stdout)


def _cells_in_order(line: str, cells) -> bool:
    position = 0
    for cell in cells:
        position = line.find(cell, position)
        if position < 0:
            return False
        position += len(cell)
    return True


def children_of(pid: int) -> list:
    """Return the pids whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        return Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return False


def test_ctrl_c_while_the_graph_runs_stops_every_node(tiny):
    folder, command = tiny
    process = subprocess.Popen(command + ['--runs-dir', str(folder / 'interrupted')],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=dict(os.environ, COLUMNS='160'))
    nodes, seen = [], []
    try:
        for line in process.stdout:
            seen.append(line)
            if 'policy node active' in line:
                break
        nodes = children_of(process.pid)
        assert len(nodes) == 4 and all(running(pid) for pid in nodes), ''.join(seen)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=120) == 130, ''.join(seen) + process.stdout.read()
        deadline = time.monotonic() + 30.0
        while any(running(pid) for pid in nodes) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(running(pid) for pid in nodes)
    finally:
        for pid in nodes + [process.pid]:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait()


def test_a_missing_base_checkpoint_fails_naming_the_command_that_makes_it(tmp_path, monkeypatch,
                                                                          capsys):
    from pact_eval.mujoco_demo import main
    monkeypatch.chdir(tmp_path)  # no models/base/ here
    assert main(['--params-file', str(OVERLAY), '--runs-dir', str(tmp_path / 'runs')]) == 1
    printed = ' '.join(capsys.readouterr().out.split())
    assert 'no base checkpoint for task' in printed and 'pick_base.pact' in printed
    assert 'bash bench/policy/make_base_policies.sh' in printed


pytestmark = [pytest.mark.dds, pytest.mark.sim, pytest.mark.slow]
