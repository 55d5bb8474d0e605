# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""RobotDescription: a changed URDF is refused while active, a malformed one keeps the last."""

import types

import numpy as np
from pact_policy.robot_description import RobotDescription
from policy_fixtures import panda_urdf

PARAMS = types.SimpleNamespace(limit_margin=0.05, velocity_scale=0.5,
                               prismatic_limit_margin=0.002)


class RecordingLogger:
    def __init__(self):
        self.lines = []

    def info(self, text):
        self.lines.append(('info', text))

    def error(self, text):
        self.lines.append(('error', text))


def wider(text: str) -> str:
    return text.replace('lower="-2.8973" upper="2.8973"', 'lower="-6.0" upper="6.0"', 1)


def test_a_changed_description_is_refused_while_active_and_applied_on_configure():
    logger = RecordingLogger()
    description = RobotDescription(PARAMS, logger)
    assert description.limits_for(['panda_joint1']) is None  # no description yet
    assert description.receive(panda_urdf(), active=True)  # the first one is always used
    robot = description.robot
    np.testing.assert_allclose(description.limits_for(['panda_joint1']).upper, [2.8473])
    assert not description.receive(panda_urdf(), active=True)  # unchanged: nothing to do
    assert not description.receive(wider(panda_urdf()), active=True)
    assert description.robot is robot and 'refused' in logger.lines[-1][1]
    assert description.apply_received()  # configure
    np.testing.assert_allclose(description.limits_for(['panda_joint1']).upper, [5.95])
    assert not description.apply_received()


def test_a_malformed_description_keeps_the_last_good_one():
    logger = RecordingLogger()
    description = RobotDescription(PARAMS, logger)
    description.receive(panda_urdf(), active=False)
    robot = description.robot
    assert not description.receive(panda_urdf().replace('lower="-2.8973"', 'lower="abc"', 1),
                                   active=False)
    assert description.robot is robot
    assert logger.lines[-1][0] == 'error' and "'abc' is not a number" in logger.lines[-1][1]
    assert description.limits_for(['no_such_joint']) is None
    assert logger.lines[-1][1].startswith('no command limits, the node will hold')
