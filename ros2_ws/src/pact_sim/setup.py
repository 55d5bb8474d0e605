# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Install rules of pact_sim."""

from glob import glob

from setuptools import find_packages, setup

PACKAGE = 'pact_sim'

setup(
    name=PACKAGE,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + PACKAGE]),
        ('share/' + PACKAGE, ['package.xml']),
        ('share/' + PACKAGE + '/config/scenes', glob('../../../config/scenes/*.yaml')),
        ('share/' + PACKAGE + '/config/tasks', glob('../../../config/tasks/*.yaml')),
        ('share/' + PACKAGE + '/config/sim', glob('../../../config/sim/*.yaml')),
    ],
    install_requires=['setuptools'],
    zip_safe=False,
    maintainer='PACT-ROS maintainers',
    maintainer_email='maintainers@pact-ros.org',
    description='Embedded MuJoCo simulator for PACT.',
    license='Apache-2.0',
    extras_require={'test': ['pytest']},
    entry_points={
        'console_scripts': [
            'sim_node = pact_sim.sim_node:main',
            'record_demos = pact_sim.record_demos:main',
            'render_episode = pact_sim.render_episode:main',
            'tracking_error = pact_sim.tracking_error:main',
        ],
    },
)
