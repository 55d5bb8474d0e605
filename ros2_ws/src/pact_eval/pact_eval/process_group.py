# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Supervise the node processes of a demo run: start, watch, and always clean up.

Every child runs in its own session (its own process group), so a terminal's Ctrl-C reaches
only the supervisor, which then stops the children in order: SIGINT to each group (rclpy shuts
down cleanly), SIGTERM after a grace period, SIGKILL last. A child is also started through this
module's ``__main__`` shim, which asks the kernel to send it SIGTERM when the supervisor dies
(``PR_SET_PDEATHSIG``, Linux) and then ``exec``s the real command: even a SIGKILLed supervisor
leaves no node running. Each child's stdout/stderr goes to ``<log_dir>/<name>.log``.
"""

import os
from pathlib import Path
import signal
import subprocess
import sys
import time
from typing import Dict, List, Sequence


class ChildExited(RuntimeError):
    """A supervised child stopped on its own; the message names it and shows its last output."""


class ChildProcess:
    """One supervised child (see ``ProcessGroup.start``)."""

    def __init__(self, name: str, popen: subprocess.Popen, log_path: Path):
        self.name, self.popen, self.log_path = name, popen, log_path

    @property
    def pid(self) -> int:
        """Return the process id (also its process-group id)."""
        return self.popen.pid

    def alive(self) -> bool:
        """Return True while the process runs."""
        return self.popen.poll() is None

    def log_tail(self, lines: int = 25) -> str:
        """Return the last ``lines`` lines the child printed."""
        try:
            text = self.log_path.read_text(errors='replace')
        except OSError:
            return ''
        return '\n'.join(text.splitlines()[-lines:])


class ProcessGroup:
    """Children started with ``start``; ``stop`` (or leaving the ``with`` block) ends them all."""

    def __init__(self, log_dir: Path, env: Dict[str, str] = None, cwd: Path = None):
        """Log into ``log_dir``; children get ``env`` over this process's environment."""
        self.log_dir = Path(log_dir)
        self.env = dict(os.environ, **(env or {}))
        self.env.setdefault('PYTHONUNBUFFERED', '1')
        self.cwd = cwd
        self.children: List[ChildProcess] = []

    def __enter__(self):
        """Return the group."""
        return self

    def __exit__(self, *exc_info):
        """Stop every child, whatever happened."""
        self.stop()
        return False

    def start(self, name: str, command: Sequence[str]) -> ChildProcess:
        """Start ``command`` (argv) as child ``name`` in its own session; return it."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f'{name}.log'
        with open(log_path, 'wb') as log:
            popen = subprocess.Popen(
                [sys.executable, '-m', 'pact_eval.process_group', '--', *command],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                cwd=self.cwd, start_new_session=True)
        child = ChildProcess(name, popen, log_path)
        self.children.append(child)
        return child

    def check(self) -> None:
        """Raise ``ChildExited`` when a child has stopped (with its exit code and output)."""
        for child in self.children:
            if not child.alive():
                raise ChildExited(f'{child.name} exited with code {child.popen.returncode}; '
                                  f'last output ({child.log_path}):\n{child.log_tail()}')

    def stop(self, grace_s: float = 5.0) -> Dict[str, int]:
        """Stop every child (SIGINT, then SIGTERM, then SIGKILL); return the exit codes."""
        for stage in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            running = [child for child in self.children if child.alive()]
            if not running:
                break
            for child in running:
                _signal_group(child.pid, stage)
            deadline = time.monotonic() + (grace_s if stage != signal.SIGKILL else 30.0)
            while time.monotonic() < deadline and any(c.alive() for c in running):
                time.sleep(0.05)
        for child in self.children:  # reap, and end stragglers left in a child's group
            child.popen.poll()
            _signal_group(child.pid, signal.SIGKILL)
        return {child.name: child.popen.returncode for child in self.children}


def _signal_group(process_group: int, number: int) -> None:
    try:
        os.killpg(process_group, number)
    except (ProcessLookupError, PermissionError):
        pass


def _die_with_parent() -> None:
    """Ask the kernel for SIGTERM when the parent dies (Linux); no-op elsewhere."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def main(argv: Sequence[str] = None) -> int:
    """Shim: ``python -m pact_eval.process_group -- CMD...`` execs CMD tied to the parent."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ['--']:
        arguments = arguments[1:]
    if not arguments:
        print('usage: python -m pact_eval.process_group -- COMMAND [ARGS...]', file=sys.stderr)
        return 2
    parent = os.getppid()
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before prctl took effect
        return 1
    # A job started in the background by a non-interactive shell inherits SIGINT as *ignored*,
    # and an ignored signal stays ignored across exec: give the child the default disposition so
    # that the first, polite stage of ``ProcessGroup.stop`` reaches it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execvp(arguments[0], arguments)
    return 1  # not reached


if __name__ == '__main__':
    sys.exit(main())
