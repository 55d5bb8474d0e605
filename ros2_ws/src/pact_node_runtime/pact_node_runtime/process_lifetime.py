# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Stop a node process when the process that started it dies.

``ros2 launch`` stops its children with SIGINT when it shuts down normally, but when it dies
itself (SIGKILL, a crash, or an error path of launch that exits without stopping what it had
started) the children keep running, reparented to init or a subreaper. ``exit_with_parent``
starts a daemon thread that polls the parent pid; when it changes, the process sends itself
SIGINT, so the node takes the same clean shutdown path as on Ctrl-C.
"""

import os
import signal
import threading
import time
from typing import Optional

PARENT_POLL_S = 0.5  # how often the parent pid is checked (wall seconds)


def exit_with_parent(poll_s: float = PARENT_POLL_S) -> Optional[threading.Thread]:
    """Send this process SIGINT once its parent dies; return the watching thread (or None)."""
    parent = os.getppid()
    if parent <= 1:  # started by init (e.g. a container's entry point): nothing to watch
        return None

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=watch, name='exit_with_parent', daemon=True)
    thread.start()
    return thread
