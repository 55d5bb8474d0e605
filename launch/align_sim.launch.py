# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Run PACT against Gazebo Harmonic through gz_ros2_control, with the real robot's controllers.

Needs ros_gz_sim, ros_gz_bridge and gz_ros2_control, and a robot description whose
<ros2_control> block uses ``gz_ros2_control/GazeboSimSystem`` and points the
``gz_ros2_control`` plugin at your controllers YAML (joint_state_broadcaster plus
joint_trajectory_controller or forward_position_controller, as on the real robot). Example::

    ros2 launch pact_policy align_sim.launch.py urdf_file:=/path/to/panda_gz.urdf.xacro \
        world:=/path/to/table_world.sdf model_path:=/path/to/policy.pact

The PACT nodes are bring-up ``gazebo`` of the node graph (config/graph/pact_graph.yaml).
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import Command, LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare
from pact_policy.graph_launch import include_arguments, included_launch_file
from pact_policy.node_graph import load_graph

BRINGUP = 'gazebo'  # in config/graph/pact_graph.yaml

ARGUMENTS = [
    ('urdf_file', '', 'URDF/xacro with a gz_ros2_control <ros2_control> block (required)'),
    ('world', 'empty.sdf', 'Gazebo world (SDF)'),
    ('controller', 'joint_trajectory_controller',
     'joint_trajectory_controller or forward_position_controller'),
    ('params_file', '', 'robot-specific parameter overlay YAML'),
    ('model_path', '', 'policy checkpoint archive (.pact)'),
    ('trainer', 'local', 'local or remote'),
    ('base_checkpoint', '', 'base policy archive for a local trainer'),
    ('rviz', 'false', 'start RViz'),
]


def generate_launch_description() -> LaunchDescription:
    """Return the Gazebo bring-up."""
    arguments = [DeclareLaunchArgument(name, default_value=default, description=text)
                 for name, default, text in ARGUMENTS]
    gazebo = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(PathJoinSubstitution([
            FindPackageShare('ros_gz_sim'), 'launch', 'gz_sim.launch.py'])),
        launch_arguments={'gz_args': ['-r -s -v 3 ', LaunchConfiguration('world')]}.items())
    description = ParameterValue(Command(['xacro ', LaunchConfiguration('urdf_file')]),
                                 value_type=str)
    state_publisher = Node(
        package='robot_state_publisher', executable='robot_state_publisher', output='log',
        parameters=[{'robot_description': description, 'use_sim_time': True}])
    spawn = Node(package='ros_gz_sim', executable='create', output='screen',
                 arguments=['-topic', 'robot_description', '-name', 'pact_robot'])
    clock_bridge = Node(package='ros_gz_bridge', executable='parameter_bridge', output='log',
                        arguments=['/clock@rosgraph_msgs/msg/Clock[gz.msgs.Clock'])
    spawners = [Node(package='controller_manager', executable='spawner', output='screen',
                     arguments=[controller, '--controller-manager', '/controller_manager'])
                for controller in ('joint_state_broadcaster', LaunchConfiguration('controller'))]
    graph = load_graph()
    stack = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(included_launch_file(BRINGUP, graph)),
        launch_arguments=include_arguments(BRINGUP, {name: LaunchConfiguration(name) for name in (
            'params_file', 'model_path', 'controller', 'trainer', 'base_checkpoint', 'rviz')},
            graph))
    return LaunchDescription([*arguments, gazebo, state_publisher, spawn, clock_bridge,
                              *spawners, stack])
