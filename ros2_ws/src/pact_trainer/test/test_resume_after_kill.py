# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Kill the trainer with SIGKILL mid-run; the restart resumes with its rollout buffer intact."""

import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

from pact_trainer.core.alignment_loop import CHECKPOINT_NAME, LOG_NAME
import pytest
import torch

from toy_alignment_worker import buffer_digest  # noqa: I100

pytestmark = [pytest.mark.dds, pytest.mark.slow]

WORKER = str(Path(__file__).with_name('toy_alignment_worker.py'))
ITERATIONS = 40


def completed(state_dir: Path) -> int:
    log = state_dir / LOG_NAME
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_sigkill_then_restart_resumes_from_the_last_completed_iteration(tmp_path):
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(WORKER).parent), os.environ.get('PYTHONPATH', '')]))
    process = subprocess.Popen([sys.executable, WORKER, str(tmp_path), str(ITERATIONS)],
                               env=environment, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while completed(tmp_path) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, 'worker finished before it could be killed'

    state = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    killed_at = state['iteration']
    assert 2 <= killed_at < ITERATIONS
    history_before = json.loads(state['history_json'])

    saved = SimpleNamespace(buffer=SimpleNamespace(data=SimpleNamespace(
        observation=state['buffer']['observation'], action=state['buffer']['action'])))
    expected_digest = buffer_digest(saved)

    result = subprocess.run([sys.executable, WORKER, str(tmp_path), str(ITERATIONS)],
                            env=environment, capture_output=True, text=True, timeout=170)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first == f'resumed iteration={killed_at} buffer={expected_digest}'
    lines = result.stdout.splitlines()
    assert lines[1:] == [f'done {i}' for i in range(killed_at, ITERATIONS)]

    final = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    history = json.loads(final['history_json'])
    assert [record['iteration'] for record in history] == list(range(ITERATIONS))
    assert history[:killed_at] == history_before
    env_steps = [record['env_steps'] for record in history]
    assert env_steps == [128 * (i + 1) for i in range(ITERATIONS)]
