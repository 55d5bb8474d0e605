# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Locate, read and parse robot descriptions (URDF/SRDF + meshes); resolve ``package://`` URIs.

Robots are named by URI. ``package://<pkg>/<path>`` is looked up in an ordered list of package
search directories (each a folder that *contains* package folders); by default these are the
ament index (when ROS is sourced) and the robots shipped by the ``example-robot-data`` wheel,
which are addressed as ``package://example-robot-data/robots/<robot>_description/...``.

Every package reads a description here and builds its own model from it: Pinocchio
(pact_constraints), MuJoCo (pact_sim), the policy's joint limits and kinematics (pact_policy).
A file that is missing or unreadable raises ``RobotAssetError`` saying where it looked; text
that is empty, not XML or not rooted in ``<robot>`` raises ``RobotDescriptionError`` naming the
description.
"""

import os
import pathlib
import sys
from typing import Iterable, List, Optional
import xml.etree.ElementTree as ElementTree

PANDA_URDF = 'package://example-robot-data/robots/panda_description/urdf/panda.urdf'
PANDA_SRDF = 'package://example-robot-data/robots/panda_description/srdf/panda.srdf'
UR5_URDF = 'package://example-robot-data/robots/ur_description/urdf/ur5_robot.urdf'
UR5_SRDF = 'package://example-robot-data/robots/ur_description/srdf/ur5.srdf'


class RobotAssetError(FileNotFoundError):
    """A robot description or mesh could not be found; the message says where it looked."""


class RobotDescriptionError(ValueError):
    """A robot description is empty, not UTF-8 text, not XML or not a ``<robot>``."""


def example_robot_data_dirs() -> List[pathlib.Path]:
    """Return the folders that contain ``example-robot-data`` (the wheel's cmeel prefix)."""
    found = []
    candidates = [pathlib.Path(entry or '.') / 'cmeel.prefix' / 'share' for entry in sys.path]
    candidates += [pathlib.Path(prefix) / 'share'
                   for prefix in os.environ.get('AMENT_PREFIX_PATH', '').split(os.pathsep)
                   if prefix]
    for share in candidates:
        if (share / 'example-robot-data' / 'robots').is_dir() and share not in found:
            found.append(share)
    return found


def default_package_dirs() -> List[pathlib.Path]:
    """Return the default package search directories (ament prefixes, example-robot-data)."""
    dirs = [pathlib.Path(prefix) / 'share'
            for prefix in os.environ.get('AMENT_PREFIX_PATH', '').split(os.pathsep)
            if prefix and (pathlib.Path(prefix) / 'share').is_dir()]
    return dirs + [share for share in example_robot_data_dirs() if share not in dirs]


def resolve_uri(uri: str, package_dirs: Optional[Iterable] = None,
                relative_to: Optional[pathlib.Path] = None) -> pathlib.Path:
    """Return the file a ``package://``, ``file://`` or plain (relative/absolute) URI names."""
    if uri.startswith('package://'):
        package, _, rest = uri[len('package://'):].partition('/')
        if not package or '..' in pathlib.PurePosixPath(rest).parts or rest.startswith('/'):
            raise RobotAssetError(f'{uri}: a package:// URI must name a file inside the package '
                                  '(no "..", no absolute path)')
        searched = [pathlib.Path(d) for d in (package_dirs or default_package_dirs())]
        for directory in searched:
            candidate = directory / package / rest
            if candidate.is_file() and candidate.resolve().is_relative_to(
                    (directory / package).resolve()):
                return candidate
        raise RobotAssetError(f'{uri}: not found in package directories '
                              f'{[str(d) for d in searched]}')
    path = pathlib.Path(uri[len('file://'):] if uri.startswith('file://') else uri)
    if not path.is_absolute() and relative_to is not None:
        path = pathlib.Path(relative_to) / path
    if not path.is_file():
        raise RobotAssetError(f'{uri}: no such file ({path})')
    return path


def read_description(uri: str, package_dirs: Optional[Iterable] = None) -> str:
    """
    Return the text of a URDF/SRDF named by URI (see ``resolve_uri``).

    Raise ``RobotAssetError`` when the file is missing or cannot be read, and
    ``RobotDescriptionError`` when it is not UTF-8 text.
    """
    path = resolve_uri(uri, package_dirs)
    try:
        return path.read_text(encoding='utf-8')
    except UnicodeDecodeError as error:
        raise RobotDescriptionError(f'{uri}: not UTF-8 text ({path}: {error})') from error
    except OSError as error:
        raise RobotAssetError(f'{uri}: cannot read {path}: {error}') from error


def description_text(value: str, package_dirs: Optional[Iterable] = None) -> str:
    """Return a URDF/SRDF given as XML text (starts with ``<``) or by URI or path (read)."""
    if value.lstrip().startswith('<'):
        return value
    return read_description(value, package_dirs)


def parse_description(text: str, what: str = 'URDF') -> ElementTree.Element:
    """
    Return the ``<robot>`` root element of a URDF/SRDF text; ``what`` names it in errors.

    Raise ``RobotDescriptionError`` when the text is empty, not XML, or rooted in another tag.
    """
    if not isinstance(text, str) or not text.strip():
        raise RobotDescriptionError(f'{what}: empty description')
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise RobotDescriptionError(f'{what}: not valid XML: {error}') from error
    if root.tag != 'robot':
        raise RobotDescriptionError(f'{what}: root element must be <robot>, got <{root.tag}>')
    return root
