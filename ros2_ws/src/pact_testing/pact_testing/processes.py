# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Run a node (or any Python entry point) in a separate OS process for cross-process tests."""

import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time


class NodeProcess:
    """
    A child Python process with its output captured to a file; a context manager.

    Example::

        with NodeProcess(['-m', 'pact_sim.sim_node', '--ros-args', '-p', 'rate:=50.0']) as peer:
            ...  # talk to it over DDS
        print(peer.output())  # everything it printed, also after it exited
    """

    def __init__(self, python_args: list, env: dict = None, name: str = 'peer'):
        """Prepare ``python <python_args>`` with ``env`` merged over the current environment."""
        self.python_args = list(python_args)
        self.env = dict(os.environ, **(env or {}))
        self.env.setdefault('PYTHONUNBUFFERED', '1')
        self.name = name
        self._log = tempfile.NamedTemporaryFile(prefix=f'{name}_', suffix='.log', delete=False)
        self.log_path = pathlib.Path(self._log.name)
        self.process = None

    def __enter__(self):
        """Start the process."""
        self.process = subprocess.Popen(
            [sys.executable, *self.python_args], env=self.env,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def __exit__(self, *exc_info):
        """Stop the process: SIGINT, then SIGKILL after a grace period."""
        self.stop()
        return False

    def alive(self) -> bool:
        """Return True while the process runs."""
        return self.process is not None and self.process.poll() is None

    def stop(self, grace_s: float = 5.0) -> int:
        """Interrupt the process (as Ctrl-C would) and return its exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()
        return self.process.returncode

    def output(self) -> str:
        """Return everything the process printed so far."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors='replace')


def wait_until(condition, timeout_s: float, spin=None, poll_s: float = 0.02) -> bool:
    """Call ``spin()`` (e.g. one executor turn) until ``condition()`` is true or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        if spin is not None:
            spin()
        else:
            time.sleep(poll_s)
    return bool(condition())
