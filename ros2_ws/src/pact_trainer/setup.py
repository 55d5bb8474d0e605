# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Install rules of pact_trainer."""

from glob import glob

from setuptools import find_packages, setup

PACKAGE = 'pact_trainer'

setup(
    name=PACKAGE,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + PACKAGE]),
        ('share/' + PACKAGE, ['package.xml']),
        ('share/' + PACKAGE + '/config/trainer', glob('../../../config/trainer/*.yaml')),
    ],
    install_requires=['setuptools'],
    zip_safe=False,
    maintainer='PACT-ROS maintainers',
    maintainer_email='maintainers@pact-ros.org',
    description='The PACT alignment algorithm.',
    license='Apache-2.0',
    extras_require={'test': ['pytest']},
    entry_points={
        'console_scripts': [
            'trainer_node = pact_trainer.trainer_node:main',
            'pact_align = pact_trainer.align_cli:main',
        ],
    },
)
