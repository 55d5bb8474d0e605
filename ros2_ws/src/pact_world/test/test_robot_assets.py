# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Robot descriptions: package:// lookup, file:// and paths, reading, parsing, named errors."""

from pact_world.core.robot_assets import (description_text, PANDA_SRDF, PANDA_URDF,
                                          parse_description, read_description, resolve_uri,
                                          RobotAssetError, RobotDescriptionError, UR5_SRDF,
                                          UR5_URDF)
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


def test_a_description_that_is_not_utf8_text_is_named(tmp_path):
    binary = tmp_path / 'arm.urdf'
    binary.write_bytes(b'\xff\xfe<robot/>')
    with pytest.raises(RobotDescriptionError, match='not UTF-8 text'):
        read_description(str(binary))


def test_description_text_takes_xml_as_given_and_reads_anything_else(tmp_path):
    srdf = tmp_path / 'arm.srdf'
    srdf.write_text('<robot name="arm"/>', encoding='utf-8')
    assert description_text('  <robot name="inline"/>') == '  <robot name="inline"/>'
    assert description_text(str(srdf)) == '<robot name="arm"/>'
    assert description_text(PANDA_SRDF) == read_description(PANDA_SRDF)
    with pytest.raises(RobotAssetError, match='no such file'):
        description_text(str(tmp_path / 'absent.srdf'))


def test_parse_description_returns_the_robot_element():
    root = parse_description(read_description(PANDA_URDF))
    assert root.tag == 'robot' and root.get('name') == 'panda'
    assert root.find('link') is not None


@pytest.mark.parametrize('text, message', [
    ('', 'SRDF: empty description'),
    ('  \n', 'SRDF: empty description'),
    ('<robot name="x"><link name="a"></robot>', 'SRDF: not valid XML: mismatched tag'),
    ('<mujoco/>', 'SRDF: root element must be <robot>, got <mujoco>'),
])
def test_malformed_descriptions_are_named(text, message):
    with pytest.raises(RobotDescriptionError, match=message):
        parse_description(text, 'SRDF')
    assert issubclass(RobotDescriptionError, ValueError)
