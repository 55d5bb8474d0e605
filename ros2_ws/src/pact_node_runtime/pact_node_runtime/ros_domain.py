# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Reserve a ROS 2 domain id for this process so parallel runs on one machine never cross-talk.

A domain id is reserved by holding an exclusive ``flock`` on ``<lock dir>/domain_<id>.lock``
for the life of the process; the kernel drops the lock when the process exits, even on a crash,
so no clean-up is needed. Child processes inherit ``ROS_DOMAIN_ID`` through the environment.

The id ranges of the users are disjoint, so a demo and the test suite never share a domain:
``DEMO_DOMAINS`` for ``make demo`` (pact_eval), ``TEST_DOMAINS`` for every test process
(pact_testing's pytest plugin).
"""

import fcntl
import os
from pathlib import Path
import tempfile
from typing import Dict, Sequence

# Fast DDS maps domain ids to UDP ports; ids above 232 overflow the port range.
DEMO_DOMAINS = range(1, 100)
TEST_DOMAINS = range(100, 233)

_held_lock_files = []


def default_lock_dir(purpose: str) -> Path:
    """Return the folder that holds the reservations of one ``purpose`` (shared by all users)."""
    return Path(tempfile.gettempdir()) / f'pact_ros_{purpose}_domains'


def reserve_domain_id(domains: Sequence[int], lock_dir: Path) -> int:
    """
    Reserve a free id of ``domains`` for this process (held until it exits) and return it.

    The search starts at an offset taken from the pid, so processes started together rarely
    contend for the same lock. Raises RuntimeError when every id is held by a live process.
    """
    lock_dir = Path(lock_dir)
    lock_dir.mkdir(parents=True, exist_ok=True)
    start = os.getpid() % len(domains)
    for offset in range(len(domains)):
        domain = domains[(start + offset) % len(domains)]
        lock_file = open(lock_dir / f'domain_{domain}.lock', 'a')
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            continue
        _held_lock_files.append(lock_file)
        return domain
    raise RuntimeError(
        f'no free ROS domain id in [{domains[0]}, {domains[-1]}] under {lock_dir}: every one '
        'is held by another live process')


def private_domain_environment(domains: Sequence[int], purpose: str) -> Dict[str, str]:
    """
    Reserve an id of ``domains`` and return the environment that puts a process on it alone.

    ``ROS_DOMAIN_ID`` is the reserved id and discovery stays on this host
    (``ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST``); the reservation lives in
    ``default_lock_dir(purpose)``. Export it (``os.environ.update``) before rclpy starts and
    pass it to child processes.
    """
    domain = reserve_domain_id(domains, default_lock_dir(purpose))
    return {'ROS_DOMAIN_ID': str(domain), 'ROS_AUTOMATIC_DISCOVERY_RANGE': 'LOCALHOST'}
