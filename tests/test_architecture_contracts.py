# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The architecture walls of DESIGN.md §2, checked by import-linter over the package sources.

Contracts and their reasons live in ``.importlinter`` at the repository root. The package source
folders go first on ``PYTHONPATH``, so the check reads the tree being edited and not the copies
colcon installed; the workspace overlay (``source pact_env.sh``) supplies the rest.
"""

import configparser
import os
from pathlib import Path
import shutil
import subprocess
import sys

REPOSITORY = Path(__file__).resolve().parents[1]
CONTRACTS = REPOSITORY / '.importlinter'


def root_packages() -> list:
    """Return the packages the contracts cover: ``root_packages`` of ``.importlinter``."""
    parser = configparser.ConfigParser()
    parser.read(CONTRACTS)
    return parser['importlinter']['root_packages'].split()


def lint_imports_command() -> list:
    """Return the lint-imports executable beside this interpreter, else the one on PATH."""
    beside = Path(sys.executable).with_name('lint-imports')
    return [str(beside) if beside.exists() else shutil.which('lint-imports') or 'lint-imports']


def source_path() -> str:
    """Return PYTHONPATH with every package's source folder ahead of the overlay."""
    sources = [str(REPOSITORY / 'ros2_ws' / 'src' / name) for name in root_packages()]
    return os.pathsep.join([*sources, os.environ.get('PYTHONPATH', '')])


def test_every_architecture_contract_is_kept():
    environment = dict(os.environ, PYTHONPATH=source_path())
    finished = subprocess.run(
        [*lint_imports_command(), '--no-cache', '--config', str(CONTRACTS)],
        cwd=REPOSITORY, env=environment, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stdout + finished.stderr
