# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The PACT nodes every bring-up shares: policy node, constraint node, optional local trainer, RViz.

Included by align_real / align_sim / align_mujoco. The nodes are bring-up ``stack`` of the node
graph (config/graph/pact_graph.yaml): names, executables, parameter files, the launch arguments
that start the trainer and RViz all come from there; this file supplies the run parameters from
its launch arguments. Parameters come from the installed YAML files (config/<area>/<node>.yaml)
with the caller's ``params_file`` layered on top; nothing is defined here twice. The policy node
is a lifecycle node that configures itself and waits INACTIVE: on a real robot (use_sim_time
false) it only commands after an explicit activate transition.

Every node starts in the run directory ``run_dir`` (default: a fresh ``runs/<UTC time>`` under
the directory ``ros2 launch`` runs in), so relative output paths of the parameter files (the
trainer's logs, state and models) land there; see pact_policy.launch_support.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, GroupAction, LogInfo, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PythonExpression
from launch_ros.actions import PushRosNamespace
from pact_policy.graph_launch import bringup_nodes, default_overlay
from pact_policy.launch_support import prepare_run_directory
from pact_policy.node_graph import load_graph

BRINGUP = 'stack'  # in config/graph/pact_graph.yaml

ARGUMENTS = [
    ('namespace', '', 'namespace of this robot (e.g. robot1)'),
    ('use_sim_time', 'false', 'follow /clock (simulators)'),
    ('params_file', '', 'YAML layered over the packaged parameter files ("" = none)'),
    ('model_path', '', 'policy checkpoint archive (.pact) loaded on configure'),
    ('controller', 'joint_trajectory_controller',
     'joint_trajectory_controller (one JointTrajectory per chunk) or forward_position_controller'),
    ('trainer', 'none', 'local: run the trainer here; remote/none: not here'),
    ('base_checkpoint', '', 'base policy archive for a local trainer'),
    ('rviz', 'false', 'start RViz with rviz/pact.rviz'),
    ('run_dir', '', 'directory the nodes run in; relative output paths land there '
     '("" = a fresh runs/<UTC time> under the current directory)'),
]


def overlay_file(graph) -> PythonExpression:
    """Return the caller's ``params_file``, or the bring-up's default overlay when it is empty."""
    return PythonExpression(["'", LaunchConfiguration('params_file'), "' or '",
                             default_overlay(BRINGUP, graph), "'"])


def resolve_run_directory(context) -> list:
    """Create the run directory and make the user's file arguments absolute (launch time)."""
    directory = prepare_run_directory(context.launch_configurations)
    return [LogInfo(msg=f'run directory: {directory}')]


def generate_launch_description() -> LaunchDescription:
    """Return the shared PACT node group."""
    arguments = [DeclareLaunchArgument(name, default_value=default, description=text)
                 for name, default, text in ARGUMENTS]
    output_mode = PythonExpression([
        "'forward' if '", LaunchConfiguration('controller'),
        "' == 'forward_position_controller' else 'trajectory'"])
    graph = load_graph()
    run_values = {'use_sim_time': LaunchConfiguration('use_sim_time'),
                  'model_path': LaunchConfiguration('model_path'), 'output_mode': output_mode,
                  'base_checkpoint': LaunchConfiguration('base_checkpoint')}
    nodes = bringup_nodes(BRINGUP, run_values, overlay_file(graph), LaunchConfiguration('run_dir'),
                          graph)
    group = GroupAction([PushRosNamespace(LaunchConfiguration('namespace')), *nodes])
    return LaunchDescription([*arguments, OpaqueFunction(function=resolve_run_directory),
                              group])
