# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The closing summary of `make test`: counts, and unexpected skips fail the run."""

import test_summary

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="5">
<testcase classname="a" name="ok1"/>
<testcase classname="a" name="ok2"/>
<testcase classname="a" name="bad"><failure message="boom"/></testcase>
<testcase classname="a" name="gpu"><skipped message="requires CUDA"/></testcase>
<testcase classname="a" name="ros"><skipped message="rclpy not importable"/></testcase>
</testsuite></testsuites>
"""


def test_counts_and_problems(tmp_path):
    (tmp_path / 'pkg').mkdir()
    (tmp_path / 'pkg' / 'pytest.xml').write_text(JUNIT)
    (tmp_path / 'Test.xml').write_text('<Site><Testing/></Site>')  # CTest format: ignored
    passed, failed, skipped, problems = test_summary.summarise(
        [str(tmp_path)], test_summary.DEFAULT_ALLOWED_SKIP)
    assert (passed, failed, skipped) == (2, 1, 2)
    assert [line.split()[0] for line in problems] == ['FAILED', 'SKIPPED']
    assert 'rclpy not importable' in problems[1]


def test_main_prints_the_closing_line_and_fails_on_no_tests(tmp_path, capsys):
    assert test_summary.main([str(tmp_path)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == 'summary: 0 passed, 0 failed, 0 skipped'
