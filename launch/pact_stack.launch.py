# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The PACT nodes every bring-up shares: policy node, constraint node, optional local trainer, RViz.

Included by align_real / align_sim / align_mujoco. Parameters come from the installed YAML files
(config/<area>/<node>.yaml) with the caller's ``params_file`` layered on top; nothing is defined
here twice. The policy node is a lifecycle node that configures itself and waits INACTIVE: on a
real robot (use_sim_time false) it only commands after an explicit activate transition.

Every node starts in the run directory ``run_dir`` (default: a fresh ``runs/<UTC time>`` under
the directory ``ros2 launch`` runs in), so relative output paths of the parameter files (the
trainer's logs, state and models) land there; see pact_policy.launch_support.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, GroupAction, LogInfo, OpaqueFunction
from launch.conditions import IfCondition, LaunchConfigurationEquals
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution, PythonExpression
from launch_ros.actions import LifecycleNode, Node, PushRosNamespace
from launch_ros.substitutions import FindPackageShare
from pact_policy.launch_support import prepare_run_directory

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


def packaged(package: str, *path: str) -> PathJoinSubstitution:
    """Return an installed file of ``package``."""
    return PathJoinSubstitution([FindPackageShare(package), *path])


def overlay_file() -> PythonExpression:
    """Return the caller's ``params_file``, or the packaged no-op overlay when it is empty."""
    no_overrides = packaged('pact_policy', 'config', 'launch', 'no_overrides.yaml')
    return PythonExpression(["'", LaunchConfiguration('params_file'), "' or '", no_overrides,
                             "'"])


def node_parameters(package: str, area: str, node: str, **overrides) -> list:
    """
    Return the parameter sources of ``node``, later ones winning.

    The packaged YAML, then this launch's arguments, then the caller's ``params_file`` (so a
    robot's own file has the last word, e.g. its SRDF, scene file or margins).
    """
    return [packaged(package, 'config', area, f'{node}.yaml'),
            {'use_sim_time': LaunchConfiguration('use_sim_time'), **overrides},
            overlay_file()]


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
    policy = LifecycleNode(
        package='pact_policy', executable='policy_node', name='policy_node', namespace='',
        output='screen', cwd=LaunchConfiguration('run_dir'),
        parameters=node_parameters('pact_policy', 'policy', 'policy_node',
                                   model_path=LaunchConfiguration('model_path'),
                                   output_mode=output_mode))
    constraints = Node(
        package='pact_constraints', executable='constraint_node', name='constraint_node',
        output='screen', cwd=LaunchConfiguration('run_dir'),
        parameters=node_parameters('pact_constraints', 'constraints', 'constraint_node'))
    trainer = Node(
        package='pact_trainer', executable='trainer_node', name='trainer_node', output='screen',
        cwd=LaunchConfiguration('run_dir'),
        parameters=node_parameters('pact_trainer', 'trainer', 'trainer_node',
                                   base_checkpoint=LaunchConfiguration('base_checkpoint')),
        condition=LaunchConfigurationEquals('trainer', 'local'))
    rviz = Node(
        package='rviz2', executable='rviz2', name='rviz2', output='log',
        arguments=['-d', packaged('pact_policy', 'rviz', 'pact.rviz')],
        parameters=[{'use_sim_time': LaunchConfiguration('use_sim_time')}],
        condition=IfCondition(LaunchConfiguration('rviz')))
    group = GroupAction([PushRosNamespace(LaunchConfiguration('namespace')),
                         policy, constraints, trainer, rviz])
    return LaunchDescription([*arguments, OpaqueFunction(function=resolve_run_directory),
                              group])
