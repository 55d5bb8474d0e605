# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Launch files fit the code they start.

`launch`/`launch_ros` do not install from PyPI, so the structural checks below read the launch
files as Python source: every node they start exists as a console script of its package (or is
a known ROS 2 tool) and every packaged file they name is installed. Where `launch` imports, each
description is also loaded. The node parameter YAMLs are checked against the nodes' schemas by
tests/test_parameter_files.py.
"""

import ast
import importlib.util
import pathlib
import re

import pytest

OUR_PACKAGES = ('pact_constraints', 'pact_policy', 'pact_sim', 'pact_trainer')
ROS_TOOLS = {('rviz2', 'rviz2'), ('robot_state_publisher', 'robot_state_publisher'),
             ('ros_gz_sim', 'create'), ('ros_gz_bridge', 'parameter_bridge'),
             ('controller_manager', 'spawner')}
def launch_files(repo_root: pathlib.Path) -> list:
    """Return the repository's launch files."""
    return sorted((repo_root / 'launch').glob('*.launch.py'))


def node_calls(tree: ast.AST) -> list:
    """Return (package, executable) of every Node(...)/LifecycleNode(...) call."""
    found = []
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, 'id', '') in ('Node',
                                                                           'LifecycleNode'):
            keywords = {k.arg: k.value for k in call.keywords}
            found.append(tuple(getattr(keywords.get(key), 'value', None)
                               for key in ('package', 'executable')))
    return found


def packaged_paths(tree: ast.AST) -> list:
    """Return the constant path parts of every packaged('<pkg>', 'a', 'b', ...) call."""
    paths = []
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, 'id', '') == 'packaged' and all(
                isinstance(arg, ast.Constant) for arg in call.args):
            paths.append([arg.value for arg in call.args])
    return paths


def console_scripts(repo_root: pathlib.Path, package: str) -> set:
    """Return the console-script names a package's setup.py declares."""
    setup = (repo_root / 'ros2_ws' / 'src' / package / 'setup.py').read_text()
    return set(re.findall(r"'([A-Za-z_]+) = [a-z_.]+:[a-z_]+'", setup))


def installed_share_files(repo_root: pathlib.Path, package: str) -> set:
    """Return share/<package>/... paths (relative to share/<package>) setup.py installs."""
    package_dir = repo_root / 'ros2_ws' / 'src' / package
    setup = (package_dir / 'setup.py').read_text()
    installed = set()
    for destination, pattern in re.findall(
            r"\('share/' \+ PACKAGE \+ '/([^']+)',\s*glob\('([^']+)'\)\)", setup):
        for source in package_dir.glob(pattern):
            installed.add(f'{destination}/{source.name}')
    return installed


@pytest.mark.parametrize('name', ['pact_stack', 'align_real', 'align_sim', 'align_mujoco',
                                  'trainer'])
def test_launch_file_exists_and_defines_a_description(repo_root, name):
    tree = ast.parse((repo_root / 'launch' / f'{name}.launch.py').read_text())
    functions = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert 'generate_launch_description' in functions


def test_launch_files_start_existing_executables(repo_root):
    for launch_file in launch_files(repo_root):
        for package, executable in node_calls(ast.parse(launch_file.read_text())):
            if package in OUR_PACKAGES:
                assert executable in console_scripts(repo_root, package), (
                    f'{launch_file.name}: {package} has no executable {executable}')
            else:
                assert (package, executable) in ROS_TOOLS, f'{launch_file.name}: {package}'


def test_launch_files_name_installed_files(repo_root):
    for launch_file in launch_files(repo_root):
        for package, *parts in packaged_paths(ast.parse(launch_file.read_text())):
            if package not in OUR_PACKAGES:
                continue
            relative = '/'.join(parts)
            assert relative in installed_share_files(repo_root, package), (
                f'{launch_file.name}: {relative} is not installed by {package}')


def test_the_policy_package_installs_every_launch_file(repo_root):
    installed = installed_share_files(repo_root, 'pact_policy')
    for launch_file in launch_files(repo_root):
        assert f'launch/{launch_file.name}' in installed
    assert 'rviz/pact.rviz' in installed


def test_launch_descriptions_load_where_launch_is_installed(repo_root):
    if importlib.util.find_spec('launch') is None or importlib.util.find_spec(
            'launch_ros') is None:
        pytest.skip('requires ROS 2 launch/launch_ros (not installable from PyPI)')
    from launch import LaunchContext
    from launch.launch_description_sources import PythonLaunchDescriptionSource
    for launch_file in launch_files(repo_root):
        # launch 3.4 needs a context here (None raises AttributeError)
        description = PythonLaunchDescriptionSource(str(launch_file)).get_launch_description(
            LaunchContext())
        assert description.entities, launch_file.name
