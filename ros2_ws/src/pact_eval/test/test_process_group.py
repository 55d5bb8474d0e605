# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The demo's process supervisor ends every child it started: on Ctrl-C, on errors, on death."""

import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time

from pact_eval.process_group import ChildExited, ProcessGroup
import pytest

WORKER = str(Path(__file__).with_name('supervisor_worker.py'))
TIMEOUT_S = 60.0


def running(pid: int) -> bool:
    """Return True while ``pid`` exists and is not a zombie."""
    try:
        state = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != 'Z'


def wait_for(condition, timeout_s: float = TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


@pytest.fixture
def supervisor(tmp_path):
    pid_file = tmp_path / 'pids.json'
    process = subprocess.Popen([sys.executable, WORKER, str(pid_file), str(tmp_path / 'logs')],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert wait_for(pid_file.exists), process.communicate(timeout=5)[0]
    children = json.loads(pid_file.read_text())
    yield process, children
    for pid in children:  # never leave anything behind, whatever the test did
        if running(pid):
            os.kill(pid, signal.SIGKILL)
    if process.poll() is None:
        process.kill()
    process.wait()


@pytest.mark.slow
def test_sigint_to_the_supervisor_stops_every_child(supervisor):
    process, children = supervisor
    assert len(children) == 2 and all(running(pid) for pid in children)
    process.send_signal(signal.SIGINT)
    process.wait(timeout=TIMEOUT_S)
    assert wait_for(lambda: not any(running(pid) for pid in children)), children


def test_children_die_with_a_killed_supervisor(supervisor):
    process, children = supervisor
    process.kill()  # SIGKILL: no clean-up code runs in the supervisor
    process.wait(timeout=TIMEOUT_S)
    assert wait_for(lambda: not any(running(pid) for pid in children)), children


def test_stop_escalates_and_reports_exit_codes(tmp_path):
    ignore_int = ('import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); '
                  'print("up", flush=True); time.sleep(600)')
    with ProcessGroup(tmp_path) as group:
        child = group.start('stubborn', [sys.executable, '-c', ignore_int])
        assert wait_for(lambda: 'up' in child.log_tail())
        codes = group.stop(grace_s=0.5)
    assert codes == {'stubborn': -signal.SIGTERM}
    assert not running(child.pid)


def test_check_names_the_child_that_exited_and_shows_its_output(tmp_path):
    with ProcessGroup(tmp_path) as group:
        group.start('sleeper', [sys.executable, '-c', 'import time; time.sleep(600)'])
        failing = group.start('failing', [sys.executable, '-c',
                                          'print("bad parameter x"); raise SystemExit(3)'])
        assert wait_for(lambda: not failing.alive())
        with pytest.raises(ChildExited, match=r'failing exited with code 3(.|\n)*bad parameter x'):
            group.check()
    assert not any(child.alive() for child in group.children)
