# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Every source file of the package carries the project's copyright and licence header."""

import pathlib

from pact_testing.license_header import copyright_problems
import pytest


@pytest.mark.copyright
@pytest.mark.linter
def test_copyright():
    problems = copyright_problems([pathlib.Path(__file__).resolve().parents[1]])
    assert not problems, '\n'.join(problems)
