# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The project's copyright/licence header check: ament_copyright where it is installed.

Every Python source file must carry, within its first lines, a ``Copyright <year> <holder>``
line and ``SPDX-License-Identifier: Apache-2.0``. ``copyright_problems`` runs the real
ament_copyright linter when it imports (ROS 2 installs, or the launch wheels; our SPDX header is
registered with it by ``spdx_license``), and the stand-in below otherwise (PyPI has no
ament_copyright).
"""

import contextlib
import io
import pathlib
import re

HEADER_LINES = 5
COPYRIGHT = re.compile(r'^#\s*Copyright \d{4}(-\d{4})? \S.*$')
LICENSE = re.compile(r'^#\s*SPDX-License-Identifier: Apache-2\.0\s*$')
SKIPPED_DIRS = {'build', 'install', 'log', '__pycache__', '.pytest_cache'}


def python_sources(package_dir: pathlib.Path) -> list:
    """Return the package's Python files, skipping build products and caches."""
    return sorted(path for path in pathlib.Path(package_dir).rglob('*.py')
                  if not SKIPPED_DIRS.intersection(path.parts))


def header_problems(source: pathlib.Path) -> list:
    """Return what the header of ``source`` lacks ([] when it is complete)."""
    head = source.read_text(encoding='utf-8').splitlines()[:HEADER_LINES]
    problems = []
    if not any(COPYRIGHT.match(line) for line in head):
        problems.append(f'{source}: no "# Copyright <year> <holder>" line')
    if not any(LICENSE.match(line) for line in head):
        problems.append(f'{source}: no "# SPDX-License-Identifier: Apache-2.0" line')
    return problems


def package_header_problems(package_dir) -> list:
    """Return the header problems of every Python file under ``package_dir``."""
    problems = []
    for source in python_sources(pathlib.Path(package_dir)):
        problems += header_problems(source)
    return problems


def copyright_problems(paths: list) -> list:
    """Return the copyright/licence problems of the files under ``paths`` ([] when none)."""
    try:
        from ament_copyright.main import main as ament_copyright
    except ImportError:
        return [problem for path in paths for problem in package_header_problems(path)]
    errors = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(errors):
        return_code = ament_copyright(argv=[str(path) for path in paths])
    return [] if return_code == 0 else errors.getvalue().splitlines() or ['ament_copyright failed']
