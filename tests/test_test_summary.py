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


def test_cuda_marked_tests_skip_with_an_allowed_reason(tmp_path):
    """End to end: pact_testing's plugin skips ``cuda`` tests without CUDA; the summary accepts."""
    import subprocess
    import sys
    (tmp_path / 'test_gpu.py').write_text(
        'import pytest\n\n\n@pytest.mark.cuda\ndef test_needs_cuda():\n'
        '    import torch\n    assert torch.cuda.is_available()\n')
    report = tmp_path / 'pytest.xml'
    run = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
                          f'--junitxml={report}', str(tmp_path / 'test_gpu.py')],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    passed, failed, skipped, problems = test_summary.summarise(
        [str(report)], test_summary.DEFAULT_ALLOWED_SKIP)
    assert (passed + skipped, failed, problems) == (1, 0, [])
