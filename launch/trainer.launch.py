# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Run the PACT trainer alone, on an off-board GPU box that sees the robots over DDS.

List the robots' namespaces under ``robot_namespaces`` in ``params_file``; the trainer uses CUDA
when present. Example::

    ros2 launch pact_policy trainer.launch.py base_checkpoint:=/data/base.pact \
        params_file:=/data/lab_trainer.yaml

The node is bring-up ``trainer`` of the node graph (config/graph/pact_graph.yaml). The trainer
runs in ``run_dir`` (default: a fresh ``runs/<UTC time>`` under the directory
``ros2 launch`` runs in), where its relative ``log_dir`` and ``state_dir`` land; pass the same
``run_dir`` again to resume a trainer.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, LogInfo, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PythonExpression
from pact_policy.graph_launch import bringup_nodes, default_overlay
from pact_policy.launch_support import prepare_run_directory
from pact_policy.node_graph import load_graph

BRINGUP = 'trainer'  # in config/graph/pact_graph.yaml

ARGUMENTS = [
    ('base_checkpoint', '', 'base policy archive (.pact) to align (required)'),
    ('params_file', '', 'overlay YAML for trainer_node ("" = none)'),
    ('run_dir', '', 'directory the trainer runs in; relative log_dir/state_dir land there '
     '("" = a fresh runs/<UTC time> under the current directory)'),
]


def resolve_run_directory(context) -> list:
    """Create the run directory and make the user's file arguments absolute (launch time)."""
    directory = prepare_run_directory(context.launch_configurations)
    return [LogInfo(msg=f'run directory: {directory}')]


def generate_launch_description() -> LaunchDescription:
    """Return the trainer-only graph."""
    arguments = [DeclareLaunchArgument(name, default_value=default, description=text)
                 for name, default, text in ARGUMENTS]
    graph = load_graph()
    overlay = PythonExpression(["'", LaunchConfiguration('params_file'), "' or '",
                                default_overlay(BRINGUP, graph), "'"])
    nodes = bringup_nodes(BRINGUP, {'base_checkpoint': LaunchConfiguration('base_checkpoint')},
                          overlay, LaunchConfiguration('run_dir'), graph)
    return LaunchDescription([*arguments, OpaqueFunction(function=resolve_run_directory),
                              *nodes])
