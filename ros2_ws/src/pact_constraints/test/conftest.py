# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures: robot models built once per test session."""

from pact_constraints.core.robot_model import load_robot_model
from pact_world.core.robot_assets import PANDA_SRDF, PANDA_URDF, UR5_SRDF, UR5_URDF
import pytest


@pytest.fixture(scope='session')
def panda():
    """Return the Panda of example-robot-data with its SRDF."""
    return load_robot_model(PANDA_URDF, PANDA_SRDF)


@pytest.fixture(scope='session')
def ur5():
    """Return the UR5 of example-robot-data with its SRDF (no gripper)."""
    return load_robot_model(UR5_URDF, UR5_SRDF)


@pytest.fixture(scope='session', params=['panda', 'ur5'])
def robot(request, panda, ur5):
    """Return each robot in turn."""
    return {'panda': panda, 'ur5': ur5}[request.param]
