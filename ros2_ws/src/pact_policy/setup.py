# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Install rules of pact_policy."""

from glob import glob

from setuptools import find_packages, setup

PACKAGE = 'pact_policy'

setup(
    name=PACKAGE,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + PACKAGE]),
        ('share/' + PACKAGE, ['package.xml']),
        ('share/' + PACKAGE + '/config/policy', glob('../../../config/policy/*.yaml')),
        # The stack's launch files, RViz config and launch-level parameter files live at the
        # repository top level and are installed here: `ros2 launch pact_policy <file>`.
        ('share/' + PACKAGE + '/launch', glob('../../../launch/*.launch.py')),
        ('share/' + PACKAGE + '/rviz', glob('../../../rviz/*.rviz')),
        ('share/' + PACKAGE + '/config/launch', glob('../../../config/launch/*.yaml')),
        ('share/' + PACKAGE + '/config/demo', glob('../../../config/demo/*.yaml')),
        # the node graph every launch file, `make demo` and docker/compose.yaml follow
        ('share/' + PACKAGE + '/config/graph', glob('../../../config/graph/*.yaml')),
    ],
    install_requires=['setuptools'],
    zip_safe=False,
    maintainer='PACT-ROS maintainers',
    maintainer_email='maintainers@pact-ros.org',
    description='Diffusion and flow-matching robot policies.',
    license='Apache-2.0',
    extras_require={'test': ['pytest']},
    entry_points={
        'console_scripts': [
            'policy_node = pact_policy.policy_node:main',
            'train_base_policy = pact_policy.train_base_policy:main',
        ],
    },
)
