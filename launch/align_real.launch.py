# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Run PACT on a real arm driven by ros2_control.

Starts (optionally) the vendor's driver launch by reference, (optionally) a robot_state_publisher
from a URDF file, and the shared PACT stack. The policy node starts INACTIVE and only commands
after an explicit activate transition; the e-stop is latched until ~/reset_estop. Example::

    ros2 launch pact_policy align_real.launch.py \
        driver_package:=franka_bringup driver_launch_file:=franka.launch.py \
        params_file:=/path/to/my_robot.yaml model_path:=/path/to/policy.pact trainer:=remote

The PACT nodes are bring-up ``real`` of the node graph (config/graph/pact_graph.yaml). Put
robot-specific parameters (SRDF, scene YAML, margins, joint names, topics) in
``params_file``, keyed by node name like config/<area>/<node>.yaml.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.conditions import IfCondition, LaunchConfigurationEquals
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import (Command, LaunchConfiguration, PathJoinSubstitution,
                                  PythonExpression)
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare
from pact_policy.graph_launch import include_arguments, included_launch_file
from pact_policy.node_graph import load_graph

BRINGUP = 'real'  # in config/graph/pact_graph.yaml

ARGUMENTS = [
    ('robot_description_source', 'driver',
     'driver: the driver publishes /robot_description; file: publish urdf_file here'),
    ('urdf_file', '', 'URDF (or xacro) used when robot_description_source is file'),
    ('driver_package', '', 'package of the vendor driver launch ("" = driver started elsewhere)'),
    ('driver_launch_file', '', 'launch file inside <driver_package>/launch'),
    ('controller', 'joint_trajectory_controller',
     'joint_trajectory_controller or forward_position_controller (must be running)'),
    ('params_file', '', 'robot-specific parameter overlay YAML'),
    ('model_path', '', 'policy checkpoint archive (.pact)'),
    ('namespace', '', 'namespace of this robot'),
    ('use_sim_time', 'false', 'follow /clock'),
    ('rviz', 'false', 'start RViz'),
    ('trainer', 'remote', 'local: run the trainer on this machine; remote: on a GPU box'),
    ('base_checkpoint', '', 'base policy archive for a local trainer'),
]


def generate_launch_description() -> LaunchDescription:
    """Return the real-robot bring-up."""
    arguments = [DeclareLaunchArgument(name, default_value=default, description=text)
                 for name, default, text in ARGUMENTS]
    driver = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(PathJoinSubstitution([
            FindPackageShare(LaunchConfiguration('driver_package')), 'launch',
            LaunchConfiguration('driver_launch_file')])),
        condition=IfCondition(PythonExpression(
            ["'", LaunchConfiguration('driver_package'), "' != ''"])))
    description = ParameterValue(Command(['xacro ', LaunchConfiguration('urdf_file')]),
                                 value_type=str)
    state_publisher = Node(
        package='robot_state_publisher', executable='robot_state_publisher', output='log',
        parameters=[{'robot_description': description,
                     'use_sim_time': LaunchConfiguration('use_sim_time')}],
        condition=LaunchConfigurationEquals('robot_description_source', 'file'))
    graph = load_graph()
    stack = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(included_launch_file(BRINGUP, graph)),
        launch_arguments=include_arguments(BRINGUP, {name: LaunchConfiguration(name) for name in (
            'namespace', 'use_sim_time', 'params_file', 'model_path', 'controller', 'trainer',
            'base_checkpoint', 'rviz')}, graph))
    return LaunchDescription([*arguments, driver, state_publisher, stack])
