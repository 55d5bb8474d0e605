# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Run the PACT trainer alone, on an off-board GPU box that sees the robots over DDS.

List the robots' namespaces under ``robot_namespaces`` in ``params_file``; the trainer uses CUDA
when present. Example::

    ros2 launch pact_policy trainer.launch.py base_checkpoint:=/data/base.pact \
        params_file:=/data/lab_trainer.yaml
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution, PythonExpression
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

ARGUMENTS = [
    ('base_checkpoint', '', 'base policy archive (.pact) to align (required)'),
    ('params_file', '', 'overlay YAML for trainer_node ("" = none)'),
]


def generate_launch_description() -> LaunchDescription:
    """Return the trainer-only graph."""
    arguments = [DeclareLaunchArgument(name, default_value=default, description=text)
                 for name, default, text in ARGUMENTS]
    no_overrides = PathJoinSubstitution([FindPackageShare('pact_policy'), 'config', 'launch',
                                         'no_overrides.yaml'])
    overlay = PythonExpression(["'", LaunchConfiguration('params_file'), "' or '",
                                no_overrides, "'"])
    trainer = Node(
        package='pact_trainer', executable='trainer_node', name='trainer_node', output='screen',
        parameters=[PathJoinSubstitution([FindPackageShare('pact_trainer'), 'config', 'trainer',
                                          'trainer_node.yaml']),
                    {'base_checkpoint': LaunchConfiguration('base_checkpoint')}, overlay])
    return LaunchDescription([*arguments, trainer])
