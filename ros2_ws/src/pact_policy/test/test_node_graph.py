# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The node graph file: the repository's graph, what it resolves to, and every malformed entry."""

import re
import textwrap

from pact_policy.node_graph import (command_line, Condition, GRAPH_FILE, GraphError, load_graph,
                                    PackageFile, parse_graph, ros_arguments)
from pact_testing.repository import repository_path
import pytest

MINIMAL = """
nodes:
  - name: sim_node
    package: pact_sim
    executable: sim_node
    parameter_file: package://pact_sim/config/sim/sim_node.yaml
    run_parameters: [task, seed]
  - name: viewer
    package: rviz2
    executable: rviz2
    arguments: [-d, package://pact_policy/rviz/pact.rviz]
    output: log
bringups:
  base:
    overlay: package://pact_policy/config/launch/no_overrides.yaml
    nodes: [sim_node]
    optional: {viewer: 'rviz:=true'}
  top:
    launch_file: top.launch.py
    include: base
    include_arguments: {rviz: 'true'}
"""


def graph_with(replace: str = '', by: str = '', append: str = ''):
    """Return MINIMAL with ``replace`` replaced by ``by`` (must occur) and ``append`` added."""
    text = textwrap.dedent(MINIMAL)
    if replace:
        assert replace in text, replace
        text = text.replace(replace, by)
    return parse_graph(text + append, 'graph.yaml')


def error_of(**change) -> str:
    with pytest.raises(GraphError) as raised:
        graph_with(**change)
    return str(raised.value)


def test_the_repository_graph_loads_with_the_bringups_of_every_entry_point():
    graph = load_graph(repository_path(*GRAPH_FILE.split('/')))
    assert list(graph.nodes) == ['sim_node', 'policy_node', 'constraint_node', 'trainer_node',
                                 'rviz2']
    assert graph.nodes['policy_node'].lifecycle
    names = {bringup: [node.name for node in graph.resolve(bringup)] for bringup in
             graph.bringups}
    assert names == {'stack': ['policy_node', 'constraint_node'],
                     'mujoco': ['sim_node', 'policy_node', 'constraint_node', 'trainer_node'],
                     'real': ['policy_node', 'constraint_node'],
                     'gazebo': ['policy_node', 'constraint_node'],
                     'trainer': ['trainer_node']}
    assert [node.name for node in graph.resolve('real', {'trainer': 'local', 'rviz': 'True'})] == [
        'policy_node', 'constraint_node', 'trainer_node', 'rviz2']
    assert graph.overlay('mujoco').uri == 'package://pact_policy/config/demo/mujoco_demo.yaml'
    assert graph.overlay('real') == graph.overlay('stack') == PackageFile(
        'pact_policy', 'config/launch/no_overrides.yaml')
    assert graph.by_compose_profile('sim').name == 'mujoco'
    assert graph.by_launch_file('trainer.launch.py').name == 'trainer'


def test_a_small_graph_resolves_includes_conditions_and_overlays():
    graph = graph_with()
    assert [node.name for node in graph.resolve('base')] == ['sim_node']
    assert [node.name for node in graph.resolve('base', {'rviz': '1'})] == ['sim_node', 'viewer']
    assert [node.name for node in graph.resolve('top')] == ['sim_node', 'viewer']
    assert graph.overlay('top') == graph.overlay('base')
    assert [(node.name, str(condition)) for node, condition in graph.own_nodes('base')] == [
        ('sim_node', 'None'), ('viewer', 'rviz:=true')]
    assert graph.own_nodes('top') == []
    viewer = graph.node('viewer')
    assert viewer.arguments == ('-d', PackageFile('pact_policy', 'rviz/pact.rviz'))
    assert (viewer.output, viewer.parameter_file, viewer.run_parameters) == ('log', None, ())


def test_conditions_follow_launch_if_condition_for_true_and_equality_otherwise():
    assert Condition('rviz', 'true').holds({'rviz': 'True'})
    assert Condition('rviz', 'true').holds({'rviz': '1'})
    assert not Condition('rviz', 'true').holds({'rviz': 'false'})
    assert not Condition('rviz', 'true').holds({})
    assert Condition('trainer', 'local').holds({'trainer': 'local'})
    assert not Condition('trainer', 'local').holds({'trainer': 'remote'})


def test_command_lines_put_the_run_values_after_the_parameter_files_in_graph_order():
    node = graph_with().node('sim_node')
    assert command_line(node, 'python', ['/a.yaml', '/b.yaml'], {'seed': 3, 'task': 'pick'},
                        module='pact_sim.sim_node') == [
        'python', '-m', 'pact_sim.sim_node', '--ros-args', '-r', '__node:=sim_node',
        '--params-file', '/a.yaml', '--params-file', '/b.yaml', '-p', 'task:=pick', '-p',
        'seed:=3']
    with pytest.raises(GraphError, match=r'sim_node takes no run parameter model_path'):
        ros_arguments(node, [], {'model_path': 'x'})


def test_namespaces_and_remappings_reach_the_command_line():
    graph = graph_with(replace='    run_parameters: [task, seed]\n', by=(
        '    run_parameters: [task, seed]\n    namespace: arm1\n'
        '    remappings: {joint_states: /arm1/joint_states}\n'))
    assert ros_arguments(graph.node('sim_node'), [], {}) == [
        '--ros-args', '-r', '__node:=sim_node', '-r', '__ns:=/arm1', '-r',
        'joint_states:=/arm1/joint_states']


def test_the_module_of_a_console_script_is_found_and_a_missing_one_is_named():
    graph = load_graph(repository_path(*GRAPH_FILE.split('/')))
    assert command_line(graph.node('policy_node'), 'python', [], {})[:3] == [
        'python', '-m', 'pact_policy.policy_node']
    with pytest.raises(GraphError, match='rviz2 is not a Python console script of rviz2'):
        command_line(graph.node('rviz2'), 'python', [], {})


@pytest.mark.parametrize('change, message', [
    ({'replace': 'nodes:\n', 'by': 'nodez:\n'}, r"graph.yaml: the file: unknown key 'nodez'"),
    ({'replace': '    executable: sim_node\n', 'by': ''},
     r"nodes\[0\] \(sim_node\): missing key 'executable'"),
    ({'replace': '    executable: sim_node\n',
      'by': '    executable: sim_node\n    lifecycl: true\n'},
     r"nodes\[0\] \(sim_node\): unknown key 'lifecycl'"),
    ({'replace': 'name: viewer', 'by': 'name: sim_node'},
     r'nodes\[1\] \(sim_node\): a node of this name exists already'),
    ({'replace': 'name: viewer', 'by': 'name: my-viewer'},
     r"nodes\[1\] \(my-viewer\).name: expected a ROS node name, got 'my-viewer'"),
    ({'replace': 'package: rviz2', 'by': 'package: 7'},
     r'nodes\[1\] \(viewer\).package: expected a ROS package name, got 7'),
    ({'replace': 'package://pact_sim/config', 'by': 'config'},
     r'nodes\[0\] \(sim_node\).parameter_file: expected a package://<package>/<path> URI'),
    ({'replace': 'package://pact_sim/config/sim', 'by': 'package://pact_sim/../sim'},
     r'parameter_file: expected a package://<package>/<path> URI'),
    ({'replace': '[task, seed]', 'by': '[task, task]'},
     r"nodes\[0\] \(sim_node\).run_parameters: 'task' is listed twice"),
    ({'replace': '[task, seed]', 'by': 'task'},
     r"nodes\[0\] \(sim_node\).run_parameters: expected a list, got 'task'"),
    ({'replace': 'output: log', 'by': 'output: file'},
     r"nodes\[1\] \(viewer\).output: expected one of screen, log, both, got 'file'"),
    ({'replace': '[-d, package', 'by': '[3, package'},
     r'nodes\[1\] \(viewer\).arguments\[0\]: expected a string \(quote it\), got 3'),
    ({'replace': '    output: log\n', 'by': '    output: log\n    lifecycle: yes please\n'},
     r"lifecycle: expected true or false, got 'yes please'"),
    ({'replace': '    output: log\n', 'by': '    output: log\n    remappings: {a b: c}\n'},
     r'nodes\[1\] \(viewer\).remappings: expected a topic or service name'),
    ({'replace': "{viewer: 'rviz:=true'}", 'by': "{viewer: 'rviz=true'}"},
     r"bringups.base.optional.viewer: expected argument:=value, got 'rviz=true'"),
    ({'replace': "{viewer: 'rviz:=true'}", 'by': "{viewr: 'rviz:=true'}"},
     r"bringups.base: no node 'viewr' in nodes"),
    ({'replace': 'nodes: [sim_node]', 'by': 'nodes: [sim_node, viewer]'},
     r"bringups.base: 'viewer' is in nodes and in optional"),
    ({'replace': 'include: base', 'by': 'include: bse'},
     r"bringups.top.include: no bring-up 'bse'"),
    ({'replace': '    nodes: [sim_node]\n', 'by': '    nodes: [sim_node]\n    include: top\n'},
     r'bringups.base.include: includes itself: base -> top -> base'),
    ({'replace': '    include: base\n', 'by': ''},
     r'bringups.top.include_arguments: given without include'),
    ({'replace': '    overlay: package://pact_policy/config/launch/no_overrides.yaml\n',
      'by': ''}, r'bringups.base: no overlay'),
    ({'append': '  other:\n    about: nothing\n'},
     r'bringups.other: starts nothing \(give nodes, optional or include\)'),
    ({'append': '  other:\n    launch_file: top.launch.py\n    include: base\n'},
     r"bringups.other.launch_file: 'top.launch.py' is also the launch_file of top"),
    ({'replace': 'launch_file: top.launch.py', 'by': 'launch_file: top.py'},
     r"bringups.top.launch_file: expected a <name>.launch.py file name, got 'top.py'"),
    ({'replace': "{rviz: 'true'}", 'by': '{rviz: true}'},
     r'bringups.top.include_arguments.rviz: expected a string \(quote it\), got True'),
    ({'replace': '  top:\n', 'by': '  base:\n'},
     r"graph.yaml: line 18: key 'base' appears twice"),
    ({'replace': 'nodes:\n', 'by': 'nodes: [\n'}, r'graph.yaml: not valid YAML'),
])
def test_malformed_graphs_are_refused_naming_the_entry(change, message):
    error = error_of(**change)
    assert re.search(message, error), error


def test_an_empty_or_missing_file_is_refused(tmp_path):
    with pytest.raises(GraphError, match='expected a mapping with keys nodes and bringups'):
        parse_graph('', 'graph.yaml')
    with pytest.raises(GraphError, match='graph.yaml: nodes: expected a non-empty list'):
        parse_graph('nodes: []\nbringups: {}\n', 'graph.yaml')
    with pytest.raises(GraphError, match='cannot read the node graph'):
        load_graph(tmp_path / 'missing.yaml')
    with pytest.raises(GraphError, match="no bring-up 'nope'"):
        graph_with().resolve('nope')
