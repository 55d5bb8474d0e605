# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Install rules of pact_testing."""

from setuptools import find_packages, setup

PACKAGE = 'pact_testing'

setup(
    name=PACKAGE,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + PACKAGE]),
        ('share/' + PACKAGE, ['package.xml']),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='PACT-ROS maintainers',
    maintainer_email='maintainers@pact-ros.org',
    description='Test support shared by the PACT-ROS packages.',
    license='Apache-2.0',
    extras_require={'test': ['pytest']},
    entry_points={
        # Loaded by every pytest run in the workspace environment: isolates DDS per process.
        'pytest11': ['pact_testing = pact_testing.pytest_plugin'],
        # Our SPDX short-form header as a licence of ament_copyright (see spdx_license.py).
        'ament_copyright.license': ['apache2_spdx = pact_testing.spdx_license:apache2_spdx'],
    },
)
