# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Install rules of pact_parameters."""

from setuptools import find_packages, setup

PACKAGE = 'pact_parameters'

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
    description='Parameter schemas of the PACT nodes and CLIs: one default per parameter.',
    license='Apache-2.0',
    extras_require={'test': ['pytest']},
)
