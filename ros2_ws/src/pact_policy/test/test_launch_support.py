# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The launch files' plain-Python helpers: run directory, user paths, installed packages."""

import datetime
import pathlib

from pact_policy.launch_support import (absolute_user_path, package_is_installed,
                                        prepare_run_directory, run_directory)


def test_default_run_directory_is_a_fresh_timestamped_folder_under_runs(tmp_path):
    now = datetime.datetime(2026, 12, 4, 15, 30, 7, tzinfo=datetime.timezone.utc)
    assert run_directory('', tmp_path, now) == tmp_path / 'runs' / '20261204-153007'
    assert run_directory('mine', tmp_path, now) == tmp_path / 'mine'
    assert run_directory('/abs/run', tmp_path, now) == pathlib.Path('/abs/run')


def test_user_paths_become_absolute_against_the_launch_directory(tmp_path):
    assert absolute_user_path('models/x.pact', tmp_path) == str(tmp_path / 'models' / 'x.pact')
    assert absolute_user_path('/data/x.pact', tmp_path) == '/data/x.pact'
    assert absolute_user_path('', tmp_path) == ''
    assert absolute_user_path('package://pact_policy/x.yaml', tmp_path) == (
        'package://pact_policy/x.yaml')


def test_prepare_run_directory_creates_it_and_rewrites_the_configurations(tmp_path):
    configurations = {'run_dir': 'runs/a', 'model_path': 'p.pact', 'params_file': '',
                      'task': 'pick'}
    directory = prepare_run_directory(configurations, tmp_path)
    assert directory == tmp_path / 'runs' / 'a' and directory.is_dir()
    assert configurations == {'run_dir': str(directory), 'model_path': str(tmp_path / 'p.pact'),
                              'params_file': '', 'task': 'pick'}


def test_package_is_installed_reads_the_ament_index(tmp_path):
    marker = tmp_path / 'share' / 'ament_index' / 'resource_index' / 'packages' / 'some_pkg'
    marker.parent.mkdir(parents=True)
    marker.write_text('')
    environment = {'AMENT_PREFIX_PATH': f'/nonexistent:{tmp_path}'}
    assert package_is_installed('some_pkg', environment)
    assert not package_is_installed('robot_state_publisher', environment)
    assert not package_is_installed('some_pkg', {})
