# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The CMake path fix for the ros-jazzy-* wheels rewrites exactly the two build paths."""

import sysconfig

import fix_ros_wheel_cmake as fixer
import numpy


def test_rewrites_build_paths_once(tmp_path):
    cmake_dir = tmp_path / 'share' / 'std_msgs' / 'cmake'
    cmake_dir.mkdir(parents=True)
    target = cmake_dir / 'export_std_msgs__rosidl_generator_pyExport.cmake'
    target.write_text(f'INTERFACE_INCLUDE_DIRECTORIES "{fixer.BUILD_PYTHON_INCLUDE};'
                      f'{fixer.BUILD_NUMPY_INCLUDE}"\n')
    untouched = cmake_dir / 'other.cmake'
    untouched.write_text('set(X 1)\n')
    assert fixer.fix_prefix(tmp_path) == 1
    text = target.read_text()
    assert sysconfig.get_paths()['include'] in text and numpy.get_include() in text
    assert '/opt/python/cp311' not in text
    assert fixer.fix_prefix(tmp_path) == 0  # idempotent
    assert untouched.read_text() == 'set(X 1)\n'


def test_installed_wheels_are_fixed(repo_root):
    venv = repo_root / '.venv'
    leftovers = [path for path in venv.glob('share/*/cmake/*.cmake')
                 if '/opt/python/cp311' in path.read_text(errors='replace')]
    assert leftovers == []
