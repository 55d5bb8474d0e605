# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Find the repository's files (config/, bench/) from a test, wherever the test lives."""

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Optional

# What only the repository root holds: the top-level Makefile next to the ros2_ws/ folder.
_MARKERS = ('Makefile', 'ros2_ws')


def _is_root(folder: Path) -> bool:
    return (folder / _MARKERS[0]).is_file() and (folder / _MARKERS[1]).is_dir()


def repository_root(start: Optional[Path] = None) -> Path:
    """
    Return the repository root: the nearest folder above ``start`` holding Makefile and ros2_ws/.

    Without ``start`` the search begins at this module (source tree or the workspace's install/)
    and then at the working directory. Raise ``FileNotFoundError`` with a clear message when no
    such folder exists (an installed package run outside a checkout).
    """
    origins = [Path(start)] if start is not None else [Path(__file__), Path.cwd()]
    for origin in origins:
        origin = origin.resolve()
        for folder in (origin, *origin.parents):
            if _is_root(folder):
                return folder
    searched = ', '.join(str(origin) for origin in origins)
    raise FileNotFoundError(
        f'no PACT-ROS repository root (a folder with {_MARKERS[0]} and {_MARKERS[1]}/) above '
        f'{searched}; run the tests from a checkout of the repository')


def repository_path(*parts: str, start: Optional[Path] = None) -> Path:
    """Return a path inside the repository root, e.g. ``config/demo`` from ``'config', 'demo'``."""
    return repository_root(start).joinpath(*parts)


def load_script(*parts: str, module_name: Optional[str] = None) -> ModuleType:
    """
    Import a repository script that is not a package module (e.g. ``bench/alignment/run.py``).

    ``parts``: its path inside the repository; ``module_name``: the name it gets (default: its
    stem). Each call executes the file anew, so a test may patch the module it gets freely.
    """
    path = repository_path(*parts)
    spec = importlib.util.spec_from_file_location(module_name or path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
