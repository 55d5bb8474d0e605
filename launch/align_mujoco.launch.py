# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Align a policy in the embedded MuJoCo world: sim node + the shared PACT stack with a local trainer.

Bring-up ``mujoco`` of the node graph (config/graph/pact_graph.yaml): the same nodes `make demo`
runs as separate processes, reading the same parameter files (packaged
config/<area>/<node>.yaml, then the bring-up's overlay config/demo/mujoco_demo.yaml). Example::

    ros2 launch pact_policy align_mujoco.launch.py task:=reach \
        base_checkpoint:=/path/to/reach_base.pact rviz:=true

Every node runs in ``run_dir`` (default: a fresh ``runs/<UTC time>`` under the directory
``ros2 launch`` runs in): the overlay's relative ``models``, ``trainer_state`` and ``rollouts``
land there. robot_state_publisher (TF for RViz only) starts when it is installed
(``robot_state_publisher:=auto``, the default); without it the graph runs and a note is logged.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription, LogInfo
from launch.actions import OpaqueFunction
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import Command, LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare
from pact_policy.graph_launch import (bringup_nodes, default_overlay, include_arguments,
                                      included_launch_file)
from pact_policy.launch_support import package_is_installed, prepare_run_directory
from pact_policy.node_graph import load_graph

BRINGUP = 'mujoco'  # in config/graph/pact_graph.yaml

ARGUMENTS = [
    ('task', 'reach', 'bundled task: reach, pick or carry'),
    ('base_checkpoint', '', 'base policy archive (.pact) the policy starts from and PACT aligns'),
    ('rviz', 'false', 'start RViz'),
    ('run_dir', '', 'directory every node runs in; relative output paths land there '
     '("" = a fresh runs/<UTC time> under the current directory)'),
    ('robot_state_publisher', 'auto',
     'true, false, or auto: start it (TF for RViz) when the package is installed'),
]


def packaged(package: str, *path: str) -> PathJoinSubstitution:
    """Return an installed file of ``package``."""
    return PathJoinSubstitution([FindPackageShare(package), *path])


def resolve_run_directory(context) -> list:
    """Create the run directory and make the user's file arguments absolute (launch time)."""
    directory = prepare_run_directory(context.launch_configurations)
    return [LogInfo(msg=f'run directory: {directory}')]


def state_publisher_actions(context) -> list:
    """Return robot_state_publisher, or a logged note when it is off or not installed."""
    wanted = context.launch_configurations['robot_state_publisher'].strip().lower()
    if wanted not in ('auto', 'true', 'false'):
        raise ValueError(f'robot_state_publisher:={wanted} (expected auto, true or false)')
    if wanted == 'false':
        return []
    if wanted == 'auto' and not package_is_installed('robot_state_publisher'):
        return [LogInfo(msg='robot_state_publisher is not installed: starting without it (no '
                        'TF for RViz; the PACT nodes do not need it)')]
    urdf = packaged('example-robot-data', 'robots', 'panda_description', 'urdf', 'panda.urdf')
    return [Node(
        package='robot_state_publisher', executable='robot_state_publisher', output='log',
        parameters=[{'use_sim_time': True, 'publish_frequency': 30.0,
                     'robot_description': ParameterValue(Command(['cat ', urdf]),
                                                         value_type=str)}],
        remappings=[('robot_description', 'robot_description_rsp')])]


def generate_launch_description() -> LaunchDescription:
    """Return the MuJoCo alignment graph."""
    graph = load_graph()
    arguments = [DeclareLaunchArgument(name, default_value=default, description=text)
                 for name, default, text in ARGUMENTS]
    arguments.append(DeclareLaunchArgument(
        'params_file', default_value=default_overlay(BRINGUP, graph),
        description='overlay YAML for every node (default: config/demo/mujoco_demo.yaml)'))
    simulator = bringup_nodes(BRINGUP, {'use_sim_time': False,
                                        'task': LaunchConfiguration('task')},
                              LaunchConfiguration('params_file'), LaunchConfiguration('run_dir'),
                              graph)
    stack = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(included_launch_file(BRINGUP, graph)),
        launch_arguments=include_arguments(BRINGUP, {
            'model_path': LaunchConfiguration('base_checkpoint'),
            'base_checkpoint': LaunchConfiguration('base_checkpoint'),
            'params_file': LaunchConfiguration('params_file'),
            'run_dir': LaunchConfiguration('run_dir'),
            'rviz': LaunchConfiguration('rviz')}, graph))
    return LaunchDescription([*arguments, OpaqueFunction(function=resolve_run_directory),
                              *simulator, OpaqueFunction(function=state_publisher_actions),
                              stack])
