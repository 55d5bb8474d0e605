# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Every Python file of the package carries the project's copyright and licence header."""

import pathlib

from pact_testing.license_header import package_header_problems
import pytest


@pytest.mark.copyright
@pytest.mark.linter
def test_copyright():
    problems = package_header_problems(pathlib.Path(__file__).resolve().parents[1])
    assert not problems, '\n'.join(problems)
