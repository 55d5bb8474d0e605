# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures of the repository-level tests (set-up scripts, environment, lint)."""

import pathlib
import sys

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / 'scripts'))


@pytest.fixture
def repo_root() -> pathlib.Path:
    """Return the repository root."""
    return REPO_ROOT
