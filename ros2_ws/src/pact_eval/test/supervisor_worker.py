# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
A supervisor process for test_process_group: two children, their pids in a file, then wait.

    python supervisor_worker.py PID_FILE LOG_DIR

Child ``polite`` stops on SIGINT; child ``stubborn`` ignores SIGINT (the group must escalate).
"""

import json
from pathlib import Path
import signal
import sys
import time

from pact_eval.process_group import ProcessGroup

POLITE = 'import time; print("polite up", flush=True); time.sleep(600)'
STUBBORN = ('import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); '
            'print("stubborn up", flush=True); time.sleep(600)')


def main() -> int:
    """Start the children, publish their pids, supervise until interrupted."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as mujoco_demo.main does
    pid_file, log_dir = Path(sys.argv[1]), Path(sys.argv[2])
    with ProcessGroup(log_dir) as group:
        children = [group.start('polite', [sys.executable, '-c', POLITE]),
                    group.start('stubborn', [sys.executable, '-c', STUBBORN])]
        while not all('up' in child.log_tail() for child in children):
            time.sleep(0.05)
        pid_file.write_text(json.dumps([child.pid for child in children]))
        while True:
            group.check()
            time.sleep(0.1)


if __name__ == '__main__':
    sys.exit(main())
