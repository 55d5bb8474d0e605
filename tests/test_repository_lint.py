# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""ruff over the whole repository (ruff.toml), and licence headers outside ros2_ws."""

import subprocess
import sys

from pact_testing.license_header import copyright_problems


def test_ruff_is_clean(repo_root):
    result = subprocess.run([sys.executable, '-m', 'ruff', 'check', '--no-cache', '.'],
                            cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_top_level_python_files_carry_the_licence_header(repo_root):
    problems = copyright_problems([repo_root / folder
                                   for folder in ('scripts', 'tests', 'bench', 'launch')])
    assert problems == []
