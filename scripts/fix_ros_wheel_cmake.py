#!/usr/bin/env python3
# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Point the ROS 2 wheels' exported CMake targets at this interpreter's headers.

The ``ros-jazzy-*`` wheels are built in a manylinux container and their exported CMake files
name that container's Python include directory and NumPy include directory. This rewrites
those two paths inside ``<prefix>/share/*/cmake/*.cmake`` to the running interpreter's, so
that rosidl packages build against the wheels. Idempotent: files already fixed are untouched.

Usage: fix_ros_wheel_cmake.py PREFIX
"""

import pathlib
import sys
import sysconfig

import numpy

BUILD_PYTHON_INCLUDE = '/opt/python/cp311-cp311/include/python3.11'
BUILD_NUMPY_INCLUDE = '/opt/python/cp311-cp311/lib/python3.11/site-packages/numpy/_core/include'


def fix_prefix(prefix: pathlib.Path) -> int:
    """Rewrite the build-container paths under ``prefix``; return the number of files changed."""
    replacements = {
        BUILD_NUMPY_INCLUDE: numpy.get_include(),
        BUILD_PYTHON_INCLUDE: sysconfig.get_paths()['include'],
    }
    changed = 0
    for cmake_file in sorted(prefix.glob('share/*/cmake/*.cmake')):
        text = cmake_file.read_text(encoding='utf-8')
        fixed = text
        for old, new in replacements.items():
            fixed = fixed.replace(old, new)
        if fixed != text:
            cmake_file.write_text(fixed, encoding='utf-8')
            changed += 1
    return changed


def main(argv: list) -> int:
    """Entry point; see the module docstring."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    prefix = pathlib.Path(argv[0])
    if not (prefix / 'share').is_dir():
        print(f'error: {prefix}/share does not exist: is {prefix} the virtual environment?',
              file=sys.stderr)
        return 1
    changed = fix_prefix(prefix)
    if changed:
        print(f'fixed the Python/NumPy include paths in {changed} CMake files of the ROS wheels')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
