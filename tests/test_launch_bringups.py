# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
align_real and align_sim loaded by launch and expanded down to the processes they would start.

Neither can run here (no robot, no Gazebo), so a small fake ament prefix stands in for the
packages outside this repository: a vendor driver package ``fake_arm_driver`` whose launch
file starts a driver node with remappings, and ``ros_gz_sim`` with a ``gz_sim.launch.py``. A
``xacro`` stand-in on PATH prints the URDF file it is given. The descriptions are visited in a
real ``launch.LaunchContext`` (arguments, conditions, includes, namespaces all evaluated) and
every launch_ros Node is resolved without being started (``launch_inspection``). Each launch file
starts exactly the nodes its bring-up of the node graph (config/graph/pact_graph.yaml) resolves
to with the same arguments, each as the graph describes it.
"""

import importlib.util
import os
import pathlib
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec('launch_ros') is None,
    reason='requires ROS 2 launch/launch_ros (not on PyPI; see README, '
           '"ROS 2 launch without a ROS install")')

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
FAKE_DRIVER_LAUNCH = """
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument('robot_ip', default_value='192.168.1.10'),
        Node(package='fake_arm_driver', executable='fake_arm_hardware', name='fake_arm',
             parameters=[{'robot_ip': LaunchConfiguration('robot_ip')}],
             remappings=[('~/joint_states', '/joint_states'),
                         ('~/commands', '/joint_trajectory_controller/joint_trajectory')]),
    ])
"""
FAKE_GZ_SIM_LAUNCH = """
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument('gz_args', default_value=''),
        Node(package='ros_gz_sim', executable='gzserver', name='gz_sim',
             arguments=[LaunchConfiguration('gz_args')]),
    ])
"""
URDF = '<robot name="fake_arm"><link name="base"/></robot>'


def fake_package(prefix: pathlib.Path, name: str, launch_files: dict) -> None:
    """Install package ``name`` into the ament prefix ``prefix`` with these launch files."""
    index = prefix / 'share' / 'ament_index' / 'resource_index' / 'packages'
    index.mkdir(parents=True, exist_ok=True)
    (index / name).write_text('')
    (prefix / 'share' / name / 'launch').mkdir(parents=True, exist_ok=True)
    for file_name, text in launch_files.items():
        (prefix / 'share' / name / 'launch' / file_name).write_text(textwrap.dedent(text))


@pytest.fixture
def fake_ros(tmp_path, monkeypatch):
    """Return (folder, installed launch dir) with the fake packages and xacro on the paths."""
    from ament_index_python.packages import get_package_share_directory
    prefix = tmp_path / 'fake_prefix'
    fake_package(prefix, 'fake_arm_driver', {'fake_arm.launch.py': FAKE_DRIVER_LAUNCH})
    fake_package(prefix, 'ros_gz_sim', {'gz_sim.launch.py': FAKE_GZ_SIM_LAUNCH})
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    xacro = bin_dir / 'xacro'
    xacro.write_text('#!/bin/sh\ncat "$1"\n')
    xacro.chmod(0o755)
    monkeypatch.setenv('AMENT_PREFIX_PATH',
                       f"{prefix}{os.pathsep}{os.environ['AMENT_PREFIX_PATH']}")
    monkeypatch.setenv('PATH', f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / 'robot.urdf').write_text(URDF)
    (tmp_path / 'policy.pact').write_bytes(b'')
    (tmp_path / 'robot.yaml').write_text('policy_node:\n  ros__parameters:\n'
                                         '    velocity_scale: 0.25\n')
    monkeypatch.chdir(tmp_path)
    launch_dir = pathlib.Path(get_package_share_directory('pact_policy')) / 'launch'
    return tmp_path, launch_dir


def by_name(nodes) -> dict:
    """Return {node name or executable: PlannedNode}."""
    return {node.name or node.executable: node for node in nodes}


def test_align_real_includes_the_driver_and_starts_the_stack(fake_ros):
    from launch_inspection import expand_launch_file
    folder, launch_dir = fake_ros
    nodes = by_name(expand_launch_file(launch_dir / 'align_real.launch.py', {
        'driver_package': 'fake_arm_driver', 'driver_launch_file': 'fake_arm.launch.py',
        'params_file': 'robot.yaml', 'model_path': 'policy.pact', 'trainer': 'remote',
        'namespace': 'arm1', 'run_dir': 'runs/arm1_day1'}))
    assert set(nodes) == {'fake_arm', 'policy_node', 'constraint_node'}
    driver = nodes['fake_arm']
    assert (driver.package, driver.executable) == ('fake_arm_driver', 'fake_arm_hardware')
    assert driver.parameters['robot_ip'] == '192.168.1.10'
    assert driver.remappings == [
        ('~/joint_states', '/joint_states'),
        ('~/commands', '/joint_trajectory_controller/joint_trajectory')]
    policy = nodes['policy_node']
    assert policy.namespace == '/arm1' and nodes['constraint_node'].namespace == '/arm1'
    # relative command-line paths are made absolute against the launch's directory
    assert policy.parameters['model_path'] == str(folder / 'policy.pact')
    assert policy.parameters['use_sim_time'] is False
    assert policy.parameters['output_mode'] == 'trajectory'
    assert policy.parameters['velocity_scale'] == 0.25          # the robot's overlay wins
    assert policy.parameters['autostart_activate'] is False     # real robot: starts inactive
    assert policy.cwd == str(folder / 'runs' / 'arm1_day1')
    assert (folder / 'runs' / 'arm1_day1').is_dir()


def test_align_real_options_robot_description_from_file_forward_controller_local_trainer(
        fake_ros):
    from launch_inspection import expand_launch_file
    folder, launch_dir = fake_ros
    nodes = by_name(expand_launch_file(launch_dir / 'align_real.launch.py', {
        'robot_description_source': 'file', 'urdf_file': str(folder / 'robot.urdf'),
        'controller': 'forward_position_controller', 'trainer': 'local',
        'base_checkpoint': 'policy.pact', 'model_path': 'policy.pact'}))
    assert set(nodes) == {'robot_state_publisher', 'policy_node', 'constraint_node',
                          'trainer_node'}
    assert nodes['robot_state_publisher'].parameters['robot_description'] == URDF
    assert nodes['policy_node'].parameters['output_mode'] == 'forward'
    assert nodes['trainer_node'].parameters['base_checkpoint'] == str(folder / 'policy.pact')
    # default run directory: a fresh runs/<UTC time> under the launch's directory
    run_dirs = list((folder / 'runs').iterdir())
    assert len(run_dirs) == 1 and nodes['trainer_node'].cwd == str(run_dirs[0])


def test_align_sim_starts_gazebo_bridge_spawners_and_the_stack_on_sim_time(fake_ros):
    from launch_inspection import expand_launch_file
    folder, launch_dir = fake_ros
    nodes = by_name(expand_launch_file(launch_dir / 'align_sim.launch.py', {
        'urdf_file': str(folder / 'robot.urdf'), 'world': 'table.sdf',
        'model_path': 'policy.pact', 'base_checkpoint': 'policy.pact'}))
    assert nodes['gz_sim'].arguments == ['-r -s -v 3 table.sdf']
    assert nodes['robot_state_publisher'].parameters == {'robot_description': URDF,
                                                         'use_sim_time': True}
    assert nodes['create'].arguments == ['-topic', 'robot_description', '-name', 'pact_robot']
    assert nodes['parameter_bridge'].arguments == ['/clock@rosgraph_msgs/msg/Clock[gz.msgs.Clock']
    spawners = [node for node in expand_launch_file(launch_dir / 'align_sim.launch.py', {
        'urdf_file': str(folder / 'robot.urdf')}) if node.executable == 'spawner']
    assert [s.arguments[0] for s in spawners] == ['joint_state_broadcaster',
                                                  'joint_trajectory_controller']
    for name in ('policy_node', 'constraint_node', 'trainer_node'):
        assert nodes[name].parameters['use_sim_time'] is True, name
    assert nodes['policy_node'].parameters['model_path'] == str(folder / 'policy.pact')


def test_align_mujoco_without_robot_state_publisher_starts_the_pact_nodes(fake_ros):
    from launch_inspection import expand_launch_file
    from pact_policy.launch_support import package_is_installed
    folder, launch_dir = fake_ros
    assert not package_is_installed('robot_state_publisher')
    nodes = by_name(expand_launch_file(launch_dir / 'align_mujoco.launch.py', {
        'base_checkpoint': 'policy.pact', 'run_dir': 'runs/mujoco'}))
    assert set(nodes) == {'sim_node', 'policy_node', 'constraint_node', 'trainer_node'}
    run_dir = str(folder / 'runs' / 'mujoco')
    assert all(node.cwd == run_dir for node in nodes.values())
    trainer = nodes['trainer_node'].parameters
    assert (trainer['model_dir'], trainer['state_dir'], trainer['log_dir']) == (
        'models', 'trainer_state', 'rollouts')  # relative: resolved in run_dir by the node


def test_align_mujoco_starts_robot_state_publisher_when_installed(fake_ros):
    from launch_inspection import expand_launch_file
    folder, launch_dir = fake_ros
    fake_package(folder / 'fake_prefix', 'robot_state_publisher', {})
    nodes = by_name(expand_launch_file(launch_dir / 'align_mujoco.launch.py', {
        'base_checkpoint': 'policy.pact'}))
    publisher = nodes['robot_state_publisher']
    assert publisher.remappings == [('robot_description', 'robot_description_rsp')]
    assert '<robot name="panda"' in publisher.parameters['robot_description']
    assert 'robot_state_publisher' not in by_name(expand_launch_file(
        launch_dir / 'align_mujoco.launch.py',
        {'base_checkpoint': 'policy.pact', 'robot_state_publisher': 'false'}))


# Nodes of the launch files' environment that the node graph does not describe (simulator,
# controllers, robot description): the vendor driver's, Gazebo's, ros2_control's, TF's.
ENVIRONMENT_NODES = {('fake_arm_driver', 'fake_arm_hardware'), ('ros_gz_sim', 'gzserver'),
                     ('ros_gz_sim', 'create'), ('ros_gz_bridge', 'parameter_bridge'),
                     ('controller_manager', 'spawner'),
                     ('robot_state_publisher', 'robot_state_publisher')}


def declared_defaults(path: pathlib.Path) -> dict:
    """Return {argument: default} of the launch arguments ``path`` declares itself."""
    from launch import LaunchContext
    from launch.actions import DeclareLaunchArgument
    from launch.launch_description_sources import PythonLaunchDescriptionSource
    from launch.utilities import perform_substitutions
    context = LaunchContext()
    description = PythonLaunchDescriptionSource(str(path)).get_launch_description(context)
    return {entity.name: perform_substitutions(context, entity.default_value)
            for entity in description.entities if isinstance(entity, DeclareLaunchArgument)}


@pytest.mark.parametrize('launch_file, arguments', [
    ('align_mujoco.launch.py', {'base_checkpoint': 'policy.pact'}),
    ('align_mujoco.launch.py', {'base_checkpoint': 'policy.pact', 'rviz': 'true'}),
    ('align_real.launch.py', {'driver_package': 'fake_arm_driver',
                              'driver_launch_file': 'fake_arm.launch.py'}),
    ('align_real.launch.py', {'trainer': 'local', 'rviz': 'True', 'namespace': 'arm1',
                              'params_file': 'robot.yaml'}),
    ('align_sim.launch.py', {'urdf_file': 'robot.urdf'}),
    ('align_sim.launch.py', {'urdf_file': 'robot.urdf', 'trainer': 'remote', 'rviz': '1'}),
    ('pact_stack.launch.py', {}),
    ('pact_stack.launch.py', {'trainer': 'local', 'namespace': 'arm2'}),
    ('trainer.launch.py', {}),
    ('trainer.launch.py', {'params_file': 'robot.yaml', 'base_checkpoint': 'policy.pact'}),
])
def test_each_launch_file_starts_the_nodes_of_its_bringup_as_the_graph_says(
        fake_ros, launch_file, arguments):
    from launch_inspection import expand_launch_file
    from pact_policy.node_graph import GRAPH_FILE, load_graph
    folder, launch_dir = fake_ros
    graph = load_graph(REPO_ROOT / GRAPH_FILE)
    bringup = graph.by_launch_file(launch_file)
    given = {**declared_defaults(launch_dir / launch_file), **arguments}
    expected = graph.resolve(bringup.name, given)
    planned = expand_launch_file(launch_dir / launch_file, arguments)
    ours = [node for node in planned if node.name in graph.nodes]
    assert [node.name for node in ours] == [node.name for node in expected]
    assert {(node.package, node.executable) for node in planned
            if node.name not in graph.nodes} <= ENVIRONMENT_NODES
    overlay = given.get('params_file') or str(graph.overlay(bringup.name).installed())
    for started, node in zip(ours, expected, strict=True):
        assert (started.package, started.executable) == (node.package, node.executable)
        namespace = '/'.join(part.strip('/') for part in (given.get('namespace', ''),
                                                         node.namespace) if part)
        unspecified = started.namespace == '<node_namespace_unspecified>'  # i.e. '/'
        assert ('/' if unspecified else started.namespace) == '/' + namespace, started
        assert started.remappings == list(node.remappings)
        assert started.arguments == [str(argument.installed()) if hasattr(argument, 'installed')
                                     else argument for argument in node.arguments]
        assert set(started.run_values) <= set(node.run_parameters), started.name
        if node.parameter_file is None:  # a ROS tool: no overlay, no run directory
            assert started.parameter_files == [] and started.cwd is None, started
        else:
            assert started.parameter_files == [str(node.parameter_file.installed()),
                                               str(folder / overlay)], started
            assert started.cwd and pathlib.Path(started.cwd).is_dir()
