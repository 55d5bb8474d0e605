# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Install rules of pact_node_runtime."""

from setuptools import find_packages, setup

PACKAGE = 'pact_node_runtime'

setup(
    name=PACKAGE,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + PACKAGE]),
        ('share/' + PACKAGE, ['package.xml']),
    ],
    install_requires=['setuptools'],
    zip_safe=False,
    maintainer='PACT-ROS maintainers',
    maintainer_email='maintainers@pact-ros.org',
    description='How every PACT node process joins the ROS graph, spins and stops.',
    license='Apache-2.0',
    extras_require={'test': ['pytest']},
)
