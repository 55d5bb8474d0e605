# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
config/graph/pact_graph.yaml fits the repository: every file, executable and launch file it names.

Read statically (no launch system needed): each node's executable is a console script of its
package (or a known ROS 2 tool), each package:// file exists in the repository and is installed
by that package, each bring-up's launch file exists and names that bring-up, and each overlay
only configures nodes its bring-up starts. tests/test_launch_bringups.py expands the launch
files against the graph, tests/test_docker_compose.py checks the compose file, and
pact_eval/test/test_demo_graph.py the process list of `make demo`.
"""

import ast
import pathlib

from pact_policy.node_graph import GRAPH_FILE, load_graph, PackageFile
import pytest
from test_launch_and_parameters import console_scripts, OUR_PACKAGES, ROS_TOOLS
import yaml

DEMO_SECTION = 'mujoco_demo'  # the demo orchestrator's settings in its overlay (not a graph node)


@pytest.fixture
def graph(repo_root):
    """Return the repository's node graph."""
    return load_graph(repo_root / GRAPH_FILE)


def installed_files(repo_root: pathlib.Path, package: str) -> dict:
    """Return {share path: repository file} of the data files ``package``'s setup.py installs."""
    package_dir = repo_root / 'ros2_ws' / 'src' / package
    tree = ast.parse((package_dir / 'setup.py').read_text())
    installed = {}
    for call in ast.walk(tree):  # ('share/' + PACKAGE + '/<folder>', glob('<pattern>'))
        if not (isinstance(call, ast.Tuple) and len(call.elts) == 2
                and isinstance(call.elts[1], ast.Call)
                and getattr(call.elts[1].func, 'id', '') == 'glob'):
            continue
        folder = call.elts[0]
        if not (isinstance(folder, ast.BinOp) and isinstance(folder.right, ast.Constant)):
            continue
        destination = folder.right.value.lstrip('/')
        for source in package_dir.glob(call.elts[1].args[0].value):
            installed[f'{destination}/{source.name}'] = source.resolve()
    return installed


def package_files(graph) -> list:
    """Return (where, PackageFile) of every file the graph names."""
    files = [(f'{name}.parameter_file', node.parameter_file) for name, node in graph.nodes.items()
             if node.parameter_file is not None]
    files += [(f'{name}.arguments', argument) for name, node in graph.nodes.items()
              for argument in node.arguments if isinstance(argument, PackageFile)]
    files += [(f'bringups.{name}.overlay', entry.overlay)
              for name, entry in graph.bringups.items() if entry.overlay is not None]
    return files


def test_the_repository_graph_loads(graph):
    assert set(graph.resolve('mujoco')) <= set(graph.nodes.values())


def test_every_file_of_the_graph_is_in_the_repository_and_installed_by_its_package(repo_root,
                                                                                   graph):
    for where, package_file in package_files(graph):
        source = repo_root / package_file.path
        assert source.is_file(), f'{where}: {package_file} is not {package_file.path} here'
        installed = installed_files(repo_root, package_file.package)
        assert installed.get(package_file.path) == source.resolve(), (
            f'{where}: {package_file.package} does not install {package_file.path}')


def test_every_node_runs_an_executable_of_its_package(repo_root, graph):
    for node in graph.nodes.values():
        if node.package in OUR_PACKAGES:
            assert node.executable in console_scripts(repo_root, node.package), node.name
        else:
            assert (node.package, node.executable) in ROS_TOOLS, node.name


def test_every_parameter_file_configures_its_node(repo_root, graph):
    for node in graph.nodes.values():
        if node.parameter_file is not None:
            document = yaml.safe_load((repo_root / node.parameter_file.path).read_text())
            assert list(document) == [node.name], node.parameter_file


def test_each_overlay_configures_only_nodes_of_its_bringup(repo_root, graph):
    for name in graph.bringups:
        document = yaml.safe_load((repo_root / graph.overlay(name).path).read_text()) or {}
        started = {node.name for node in graph.resolve(name, {'trainer': 'local',
                                                              'rviz': 'true'})}
        extra = set(document) - started - {'/**', DEMO_SECTION}
        assert not extra, f'{graph.overlay(name)} configures {extra}, which {name} never starts'


def test_each_launch_file_is_the_one_of_its_bringup(repo_root, graph):
    launch_files = sorted(path.name for path in (repo_root / 'launch').glob('*.launch.py'))
    assert launch_files == sorted(entry.launch_file for entry in graph.bringups.values()
                                  if entry.launch_file)
    for path in (repo_root / 'launch').glob('*.launch.py'):
        constants = {target.id: statement.value.value
                     for statement in ast.parse(path.read_text()).body
                     if isinstance(statement, ast.Assign)
                     for target in statement.targets if isinstance(target, ast.Name)
                     and isinstance(statement.value, ast.Constant)}
        assert constants.get('BRINGUP') == graph.by_launch_file(path.name).name, path.name
