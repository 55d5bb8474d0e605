#!/usr/bin/env python3
# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Compare the installed Python distributions with the pins of requirements.lock.

Usage: lockcheck.py LOCKFILE [--skip-ros-wheels]

Prints one line per pin that is missing or installed at another version and exits 1 when
there is any, 0 when every pin is satisfied. Local version labels (``2.13.0+cpu``) satisfy a
pin without one (``2.13.0``), as in PEP 440.
"""

import importlib.metadata
import re
import sys

ROS_BLOCK_BEGIN = '# ros-wheels begin'
ROS_BLOCK_END = '# ros-wheels end'


def normalise(name: str) -> str:
    """Return the PEP 503 normalised form of a distribution name."""
    return re.sub(r'[-_.]+', '-', name).lower()


def read_pins(lock_path: str, skip_ros_wheels: bool) -> dict:
    """Return {normalised name: (name, version)} for every ``name==version`` line."""
    pins = {}
    in_ros_block = False
    with open(lock_path, encoding='utf-8') as lock:
        for raw in lock:
            line = raw.strip()
            if line == ROS_BLOCK_BEGIN:
                in_ros_block = True
                continue
            if line == ROS_BLOCK_END:
                in_ros_block = False
                continue
            if not line or line.startswith('#') or (in_ros_block and skip_ros_wheels):
                continue
            name, sep, version = line.partition('==')
            if not sep:
                raise SystemExit(f'{lock_path}: not an exact pin: {line!r}')
            pins[normalise(name)] = (name, version.split(';')[0].strip())
    return pins


def installed_versions() -> dict:
    """Return {normalised name: version} of the distributions visible to this interpreter."""
    versions = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata['Name']
        if name:
            versions.setdefault(normalise(name), dist.version)
    return versions


def problems(pins: dict, installed: dict) -> list:
    """Return human-readable lines for pins that are not satisfied."""
    lines = []
    for key, (name, version) in sorted(pins.items()):
        have = installed.get(key)
        if have is None:
            lines.append(f'missing: {name}=={version}')
        elif have.split('+')[0] != version.split('+')[0]:
            lines.append(f'wrong version: {name} is {have}, lock wants {version}')
    return lines


def main(argv: list) -> int:
    """Entry point; see the module docstring."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    pins = read_pins(argv[0], '--skip-ros-wheels' in argv[1:])
    found = problems(pins, installed_versions())
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
