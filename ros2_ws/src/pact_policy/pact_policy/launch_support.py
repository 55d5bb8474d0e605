# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Plain-Python helpers of the launch files (installed with them by pact_policy; no ROS imports).

Run directory: every node of a bring-up starts in one run directory, so that the relative paths
of its parameters (the trainer's ``log_dir``, ``state_dir`` and ``model_dir``, e.g. ``models``,
``trainer_state`` and ``rollouts`` in config/demo/mujoco_demo.yaml) land there and not in
whatever directory ``ros2 launch`` was started from. The launch argument ``run_dir`` names it;
empty means a fresh ``runs/<UTC yyyymmdd-HHMMSS>`` under the directory ``ros2 launch`` runs in,
so that a second launch never resumes the first one's trainer state by accident (pass the same
``run_dir`` again to resume on purpose). Paths the user passes on the command line
(``model_path``, ``base_checkpoint``, ``params_file``) are made absolute first, against the
directory ``ros2 launch`` runs in, as the user meant them.
"""

import datetime
import os
from pathlib import Path
from typing import Mapping, Optional

RUNS_FOLDER = 'runs'
# Launch arguments that name files the user typed relative to their shell's directory.
USER_PATH_ARGUMENTS = ('model_path', 'base_checkpoint', 'params_file')


def run_directory(requested: str, start_dir: Optional[Path] = None,
                  now: Optional[datetime.datetime] = None) -> Path:
    """
    Return the absolute run directory for the launch argument ``run_dir`` (see module doc).

    ``requested`` relative paths are taken from ``start_dir`` (default: the current directory);
    '' gives ``<start_dir>/runs/<UTC time yyyymmdd-HHMMSS>``.
    """
    start_dir = Path(start_dir) if start_dir is not None else Path.cwd()
    if requested.strip():
        path = Path(requested.strip()).expanduser()
    else:
        stamp = (now or datetime.datetime.now(datetime.timezone.utc)).strftime('%Y%m%d-%H%M%S')
        path = Path(RUNS_FOLDER) / stamp
    return path if path.is_absolute() else (start_dir / path).resolve()


def absolute_user_path(value: str, start_dir: Optional[Path] = None) -> str:
    """Return ``value`` made absolute against ``start_dir`` when it is a relative file path."""
    value = value.strip()
    if not value or '://' in value or os.path.isabs(value):
        return value
    start_dir = Path(start_dir) if start_dir is not None else Path.cwd()
    return str((start_dir / Path(value).expanduser()).resolve())


def prepare_run_directory(configurations: dict, start_dir: Optional[Path] = None) -> Path:
    """
    Resolve and create the run directory, and make the user's paths absolute, in place.

    ``configurations`` is the launch context's ``launch_configurations`` (a dict of strings):
    ``run_dir`` becomes the absolute directory (created), each of ``USER_PATH_ARGUMENTS`` that
    is present becomes absolute. Returns the run directory.
    """
    directory = run_directory(configurations.get('run_dir', ''), start_dir)
    directory.mkdir(parents=True, exist_ok=True)
    configurations['run_dir'] = str(directory)
    for name in USER_PATH_ARGUMENTS:
        if name in configurations:
            configurations[name] = absolute_user_path(configurations[name], start_dir)
    return directory


def package_is_installed(package: str, environment: Optional[Mapping[str, str]] = None) -> bool:
    """Return True when ``package`` has a marker in the ament index of AMENT_PREFIX_PATH."""
    environment = os.environ if environment is None else environment
    for prefix in environment.get('AMENT_PREFIX_PATH', '').split(os.pathsep):
        marker = Path(prefix) / 'share' / 'ament_index' / 'resource_index' / 'packages' / package
        if prefix and marker.is_file():
            return True
    return False
