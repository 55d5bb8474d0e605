# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The sim node's parameters: robot defaults from RobotConfig, refused values named."""

from pact_parameters.core.schema import from_dict, ParameterError
from pact_sim.core.scene_builder import RobotConfig
from pact_sim.core.sim_node_parameters import SimNodeParameters
import pytest


def test_robot_defaults_are_robot_configs():
    params, robot = SimNodeParameters(), RobotConfig()
    assert (params.urdf_uri, params.srdf_uri, params.tool_frame, params.gripper_joint) == (
        robot.urdf_uri, robot.srdf_uri, robot.tool_frame, robot.gripper_joint)


@pytest.mark.parametrize('values, message', [
    ({'step_period_s': 0.0}, r'sim_node: parameter step_period_s = 0\.0 is not allowed: '
                             r'must be > 0'),
    ({'camera_width': 0}, r'camera_width = 0 .*>= 1'),
    ({'seed': 'one'}, r"seed = 'one' .*an integer"),
])
def test_refused_values(values, message):
    with pytest.raises(ParameterError, match=message):
        from_dict(SimNodeParameters, values, 'sim_node')
