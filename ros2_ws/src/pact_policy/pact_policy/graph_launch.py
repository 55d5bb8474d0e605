# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Launch actions built from the node graph (config/graph/pact_graph.yaml): used by launch/*.py.

A launch file names its bring-up and supplies what only it knows: the values of the run
parameters (from its launch arguments), the overlay and the run directory. Everything else about
a node (package, executable, name, lifecycle, namespace, parameter file, remappings, arguments,
output, the launch argument that starts an optional node) comes from the graph, through
``pact_policy.node_graph``. Imports launch and launch_ros: for launch files only.
"""

from typing import Dict, List, Mapping, Optional

from launch.conditions import IfCondition, LaunchConfigurationEquals
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import LifecycleNode, Node
from launch_ros.substitutions import FindPackageShare
from pact_policy.node_graph import (Condition, GraphError, GraphNode, load_graph, NodeGraph,
                                    PackageFile, TRUE_WORDS)


def packaged(package_file: PackageFile) -> PathJoinSubstitution:
    """Return the installed file as a launch substitution (share/<package>/<path>)."""
    return PathJoinSubstitution([FindPackageShare(package_file.package), *package_file.parts])


def launch_condition(condition: Condition):
    """Return the launch condition of ``argument:=value`` (``true``: launch's IfCondition)."""
    if condition.value.lower() in TRUE_WORDS:
        return IfCondition(LaunchConfiguration(condition.argument))
    return LaunchConfigurationEquals(condition.argument, condition.value)


def node_action(node: GraphNode, run_values: Mapping[str, object], overlay=None, cwd=None,
                condition=None) -> Node:
    """
    Return the launch_ros Node (LifecycleNode) that starts ``node``.

    Parameters in order, later ones winning: the node's packaged parameter file, the entries of
    ``run_values`` it lists under run_parameters, then ``overlay``. A node without a parameter
    file (a ROS tool such as rviz2) gets neither the overlay nor ``cwd``.
    """
    parameters: List[object] = []
    if node.parameter_file is not None:
        parameters.append(packaged(node.parameter_file))
    values = node.run_values(run_values)
    if values:
        parameters.append(values)
    options: Dict[str, object] = {}
    if node.parameter_file is not None:
        if overlay is not None:
            parameters.append(overlay)
        if cwd is not None:
            options['cwd'] = cwd
    if node.remappings:
        options['remappings'] = list(node.remappings)
    if node.arguments:
        options['arguments'] = [packaged(argument) if isinstance(argument, PackageFile)
                                else argument for argument in node.arguments]
    if condition is not None:
        options['condition'] = condition
    common = dict(package=node.package, executable=node.executable, name=node.name,
                  output=node.output, parameters=parameters, **options)
    if node.lifecycle:
        return LifecycleNode(namespace=node.namespace, **common)
    return Node(namespace=node.namespace or None, **common)


def bringup_nodes(bringup: str, run_values: Mapping[str, object], overlay=None, cwd=None,
                  graph: Optional[NodeGraph] = None) -> List[Node]:
    """
    Return the nodes ``bringup`` starts itself (optional ones with their launch condition).

    Each node takes the entries of ``run_values`` it lists under run_parameters; a value that no
    node takes raises GraphError (a misspelt name would otherwise be dropped silently).
    """
    graph = graph or load_graph()
    own = graph.own_nodes(bringup)
    unused = set(run_values) - {name for node, _ in own for name in node.run_parameters}
    if unused:
        raise GraphError(f'no node of bring-up {bringup} takes {", ".join(sorted(unused))}')
    return [node_action(node, run_values, overlay, cwd,
                        None if condition is None else launch_condition(condition))
            for node, condition in own]


def include_arguments(bringup: str, passed: Mapping[str, object],
                      graph: Optional[NodeGraph] = None) -> list:
    """Return the launch arguments for ``bringup``'s include: ``passed``, then the graph's."""
    graph = graph or load_graph()
    return list({**passed, **dict(graph.bringup(bringup).include_arguments)}.items())


def included_launch_file(bringup: str, graph: Optional[NodeGraph] = None) -> PathJoinSubstitution:
    """Return the installed launch file of the bring-up that ``bringup`` includes."""
    graph = graph or load_graph()
    included = graph.bringup(graph.bringup(bringup).include)
    return PathJoinSubstitution([FindPackageShare('pact_policy'), 'launch',
                                 included.launch_file])


def default_overlay(bringup: str, graph: Optional[NodeGraph] = None) -> PathJoinSubstitution:
    """Return the installed default overlay of ``bringup``."""
    graph = graph or load_graph()
    return packaged(graph.overlay(bringup))
