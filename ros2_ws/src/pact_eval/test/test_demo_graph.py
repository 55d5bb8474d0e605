# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""`make demo` starts the nodes of bring-up ``mujoco`` of the node graph, as the graph says."""

from pathlib import Path
import sys

from pact_eval.demo_graph import DEMO_BRINGUP, demo_overlay, node_commands
from pact_policy.node_graph import GRAPH_FILE, GraphError, load_graph, python_module
from pact_testing.repository import repository_path, repository_root
import pytest


@pytest.fixture
def graph():
    """Return the repository's node graph."""
    return load_graph(repository_path(*GRAPH_FILE.split('/')))


def test_the_process_list_is_the_bringup_of_the_graph(graph, tmp_path):
    overlay, checkpoint = tmp_path / 'overlay.yaml', tmp_path / 'base.pact'
    commands = node_commands(overlay, checkpoint, 'pick', 90000, graph)
    nodes = graph.resolve(DEMO_BRINGUP)
    assert list(commands) == [node.name for node in nodes]
    assert list(commands) == ['sim_node', 'policy_node', 'constraint_node', 'trainer_node']
    run_values = {'sim_node': ['task:=pick', 'seed:=90000'], 'constraint_node': [],
                  'policy_node': [f'model_path:={checkpoint}'],
                  'trainer_node': [f'base_checkpoint:={checkpoint}']}
    for node in nodes:
        expected = [sys.executable, '-m', python_module(node), '--ros-args', '-r',
                    f'__node:={node.name}', '--params-file',
                    str(node.parameter_file.installed()), '--params-file', str(overlay)]
        for value in run_values[node.name]:
            expected += ['-p', value]
        assert commands[node.name] == expected


def test_every_run_value_of_the_demo_is_taken_by_a_node(graph, tmp_path):
    sim_node = graph.node('sim_node')
    narrowed = type(graph)({**graph.nodes, 'sim_node': type(sim_node)(
        **{**vars(sim_node), 'run_parameters': ('use_sim_time', 'task')})}, graph.bringups)
    with pytest.raises(GraphError, match='no node of bring-up mujoco takes seed'):
        node_commands(tmp_path / 'overlay.yaml', tmp_path / 'base.pact', 'pick', 1, narrowed)


def test_the_default_overlay_is_the_repository_copy_here_else_the_installed_one(
        graph, monkeypatch, tmp_path):
    monkeypatch.chdir(repository_root())
    assert demo_overlay(graph) == Path('config/demo/mujoco_demo.yaml')
    monkeypatch.chdir(tmp_path)
    assert demo_overlay(graph) == graph.overlay(DEMO_BRINGUP).installed()
    assert demo_overlay(graph).is_file()
