# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Give every test process its own ROS 2 domain so parallel test runs never cross-talk.

A domain id is reserved by holding an exclusive ``flock`` on ``<lock dir>/domain_<id>.lock``
for the life of the process; the kernel drops the lock when the process exits, even on a crash,
so no clean-up is needed. Child processes inherit ``ROS_DOMAIN_ID`` through the environment.
"""

import fcntl
import os
import pathlib
import tempfile

# Fast DDS maps domain ids to UDP ports; ids above 232 overflow the port range.
FIRST_TEST_DOMAIN = 100
LAST_TEST_DOMAIN = 232

_held_lock_files = []


def default_lock_dir() -> pathlib.Path:
    """Return the directory where domain reservations are kept (shared by all users)."""
    return pathlib.Path(tempfile.gettempdir()) / 'pact_ros_test_domains'


def reserve_domain_id(lock_dir: pathlib.Path = None) -> int:
    """
    Reserve a free domain id in [FIRST_TEST_DOMAIN, LAST_TEST_DOMAIN] for this process.

    Raises RuntimeError when every id of the range is held by another live process.
    """
    lock_dir = pathlib.Path(lock_dir) if lock_dir else default_lock_dir()
    lock_dir.mkdir(parents=True, exist_ok=True)
    start = FIRST_TEST_DOMAIN + os.getpid() % (LAST_TEST_DOMAIN - FIRST_TEST_DOMAIN + 1)
    span = LAST_TEST_DOMAIN - FIRST_TEST_DOMAIN + 1
    for offset in range(span):
        domain = FIRST_TEST_DOMAIN + (start - FIRST_TEST_DOMAIN + offset) % span
        lock_file = open(lock_dir / f'domain_{domain}.lock', 'a')
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            continue
        _held_lock_files.append(lock_file)
        return domain
    raise RuntimeError(
        f'no free ROS domain id in [{FIRST_TEST_DOMAIN}, {LAST_TEST_DOMAIN}] under {lock_dir}')


def isolate_this_process() -> int:
    """Reserve a domain, export it with localhost-only discovery, and return the id."""
    domain = reserve_domain_id()
    os.environ['ROS_DOMAIN_ID'] = str(domain)
    os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
    return domain
