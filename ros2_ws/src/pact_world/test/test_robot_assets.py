# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Robot descriptions by URI: package:// lookup, file:// and paths, errors that say where."""

from pact_world.core.robot_assets import (PANDA_SRDF, PANDA_URDF, read_description,
                                          resolve_uri, RobotAssetError, UR5_SRDF, UR5_URDF)
import pytest


@pytest.mark.parametrize('uri', [PANDA_URDF, PANDA_SRDF, UR5_URDF, UR5_SRDF])
def test_bundled_robots_resolve_and_read(uri):
    path = resolve_uri(uri)
    assert path.is_file()
    assert read_description(uri).lstrip().startswith('<')


def test_package_uris_search_the_given_folders_only(tmp_path):
    (tmp_path / 'my_robot' / 'urdf').mkdir(parents=True)
    urdf = tmp_path / 'my_robot' / 'urdf' / 'arm.urdf'
    urdf.write_text('<robot name="arm"/>', encoding='utf-8')
    assert resolve_uri('package://my_robot/urdf/arm.urdf', [tmp_path]) == urdf
    with pytest.raises(RobotAssetError, match=r'not found in package directories \[.*'
                       + tmp_path.name):
        resolve_uri('package://my_robot/urdf/leg.urdf', [tmp_path])


@pytest.mark.parametrize('uri', ['package://my_robot/../etc/passwd', 'package://my_robot//abs',
                                 'package:///urdf/arm.urdf'])
def test_package_uris_must_stay_inside_their_package(tmp_path, uri):
    with pytest.raises(RobotAssetError, match='must name a file inside the package'):
        resolve_uri(uri, [tmp_path])


def test_plain_paths_file_uris_and_relative_paths(tmp_path):
    urdf = tmp_path / 'arm.urdf'
    urdf.write_text('<robot name="arm"/>', encoding='utf-8')
    assert resolve_uri(str(urdf)) == urdf
    assert resolve_uri(f'file://{urdf}') == urdf
    assert resolve_uri('arm.urdf', relative_to=tmp_path) == urdf
    assert read_description(f'file://{urdf}') == '<robot name="arm"/>'
    with pytest.raises(RobotAssetError, match='no such file'):
        read_description(str(tmp_path / 'absent.urdf'))
    assert issubclass(RobotAssetError, FileNotFoundError)
