# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Align a policy in the embedded MuJoCo world: sim node + the shared PACT stack with a local trainer.

The same graph `make demo` runs as separate processes, reading the same parameter files
(packaged config/<area>/<node>.yaml, then config/demo/mujoco_demo.yaml as the overlay).
Example::

    ros2 launch pact_policy align_mujoco.launch.py task:=reach \
        base_checkpoint:=/path/to/reach_base.pact rviz:=true
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import Command, LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare

ARGUMENTS = [
    ('task', 'reach', 'bundled task: reach, pick or carry'),
    ('base_checkpoint', '', 'base policy archive (.pact) the policy starts from and PACT aligns'),
    ('rviz', 'false', 'start RViz'),
]


def packaged(package: str, *path: str) -> PathJoinSubstitution:
    """Return an installed file of ``package``."""
    return PathJoinSubstitution([FindPackageShare(package), *path])


def generate_launch_description() -> LaunchDescription:
    """Return the MuJoCo alignment graph."""
    demo_overlay = packaged('pact_policy', 'config', 'demo', 'mujoco_demo.yaml')
    arguments = [DeclareLaunchArgument(name, default_value=default, description=text)
                 for name, default, text in ARGUMENTS]
    arguments.append(DeclareLaunchArgument(
        'params_file', default_value=demo_overlay,
        description='overlay YAML for every node (default: config/demo/mujoco_demo.yaml)'))
    sim = Node(
        package='pact_sim', executable='sim_node', name='sim_node', output='screen',
        parameters=[packaged('pact_sim', 'config', 'sim', 'sim_node.yaml'),
                    {'use_sim_time': False, 'task': LaunchConfiguration('task')},
                    LaunchConfiguration('params_file')])
    urdf = packaged('example-robot-data', 'robots', 'panda_description', 'urdf', 'panda.urdf')
    state_publisher = Node(
        package='robot_state_publisher', executable='robot_state_publisher', output='log',
        parameters=[{'use_sim_time': True, 'publish_frequency': 30.0,
                     'robot_description': ParameterValue(Command(['cat ', urdf]),
                                                         value_type=str)}],
        remappings=[('robot_description', 'robot_description_rsp')])
    stack = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(packaged('pact_policy', 'launch', 'pact_stack.launch.py')),
        launch_arguments={
            'use_sim_time': 'true', 'trainer': 'local',
            'model_path': LaunchConfiguration('base_checkpoint'),
            'base_checkpoint': LaunchConfiguration('base_checkpoint'),
            'params_file': LaunchConfiguration('params_file'),
            'rviz': LaunchConfiguration('rviz')}.items())
    return LaunchDescription([*arguments, sim, state_publisher, stack])
