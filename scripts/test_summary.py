#!/usr/bin/env python3
# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Sum up JUnit XML results and print one closing line: ``summary: N passed, N failed, N skipped``.

Usage: test_summary.py RESULT_DIR_OR_FILE [...]

Exits 1 when a test failed, when no test ran, or when a test was skipped for a reason other than
the allowed ones (``PACT_ALLOWED_SKIP`` regex, default: tests that need a CUDA device). A skipped
ROS test in CI would hide a broken install, so skips fail the run unless explicitly allowed.
"""

import os
import pathlib
import re
import sys
import xml.etree.ElementTree as ElementTree

DEFAULT_ALLOWED_SKIP = r'(?i)\bcuda\b|requires ROS 2 launch'


def junit_files(paths: list) -> list:
    """Return every ``*.xml`` file under the given directories (or the files themselves)."""
    found = []
    for path in map(pathlib.Path, paths):
        if path.is_dir():
            found.extend(sorted(path.rglob('*.xml')))
        elif path.is_file():
            found.append(path)
    return found


def test_cases(xml_file: pathlib.Path) -> list:
    """Return the <testcase> elements of a JUnit file ([] for non-JUnit XML such as CTest's)."""
    try:
        root = ElementTree.parse(xml_file).getroot()
    except ElementTree.ParseError:
        return []
    if root.tag not in ('testsuite', 'testsuites'):
        return []
    return list(root.iter('testcase'))


def summarise(paths: list, allowed_skip: str) -> tuple:
    """Return (passed, failed, skipped, problem lines)."""
    passed = failed = skipped = 0
    problems = []
    for xml_file in junit_files(paths):
        for case in test_cases(xml_file):
            name = f"{case.get('classname', '')}::{case.get('name', '')}"
            if case.find('failure') is not None or case.find('error') is not None:
                failed += 1
                problems.append(f'FAILED  {name}  ({xml_file})')
            elif case.find('skipped') is not None:
                skipped += 1
                reason = case.find('skipped').get('message', '')
                if not re.search(allowed_skip, reason):
                    problems.append(f'SKIPPED {name}: {reason}  ({xml_file})')
            else:
                passed += 1
    return passed, failed, skipped, problems


def main(argv: list) -> int:
    """Entry point; see the module docstring."""
    allowed = os.environ.get('PACT_ALLOWED_SKIP', DEFAULT_ALLOWED_SKIP)
    passed, failed, skipped, problems = summarise(argv, allowed)
    for line in problems:
        print(line)
    if passed + failed == 0:
        print('no test ran: the suite is broken')
    print(f'summary: {passed} passed, {failed} failed, {skipped} skipped')
    return 1 if problems or passed + failed == 0 else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
