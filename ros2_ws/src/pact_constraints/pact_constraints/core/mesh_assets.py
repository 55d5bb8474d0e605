# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Mesh obstacles of a scene read with trimesh (``package://``, ``file://`` or plain paths).

The URI is resolved by ``pact_world.core.robot_assets``; a file that is missing or unusable
raises its ``RobotAssetError`` naming the URI. trimesh is imported on first use.
"""

import pathlib
from typing import Iterable, Optional

from pact_world.core.robot_assets import resolve_uri, RobotAssetError


def load_mesh(uri: str, scale, package_dirs: Optional[Iterable] = None,
              relative_to: Optional[pathlib.Path] = None):
    """
    Return the trimesh of a mesh file named by URI, scaled per axis; RobotAssetError if unusable.

    Any failure of the reader (unknown format, a text file, an empty or truncated mesh) and a
    mesh without finite vertices is reported as RobotAssetError naming the URI, never as the
    reader's own exception type.
    """
    import numpy as np
    import trimesh
    path = resolve_uri(uri, package_dirs, relative_to)
    try:
        mesh = trimesh.load(str(path), force='mesh')
        vertices = np.asarray(mesh.vertices, dtype=float)
    except Exception as error:  # noqa: B902 — trimesh raises many types on hostile files
        raise RobotAssetError(f'{uri}: not a readable mesh ({type(error).__name__}: '
                              f'{error})') from error
    if vertices.ndim != 2 or vertices.shape[0] < 4 or not np.all(np.isfinite(vertices)):
        raise RobotAssetError(f'{uri}: the mesh has no usable vertices '
                              f'({vertices.shape[0] if vertices.ndim == 2 else 0} read)')
    mesh.apply_scale(np.asarray(scale, dtype=float))
    return mesh
