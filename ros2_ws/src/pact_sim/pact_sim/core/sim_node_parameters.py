# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Parameters of the sim node: one schema, one default per parameter.

The robot's defaults (URDF, SRDF, tool frame, gripper joint) are ``RobotConfig``'s
(``core.scene_builder``), the single source. ``config/sim/sim_node.yaml`` and the README table
are rendered from this schema (``scripts/render_parameters.py``).
"""

from dataclasses import dataclass

from pact_parameters.core.schema import default_of, parameter, ParameterFile, Parameters
from pact_sim.core.scene_builder import RobotConfig


def _robot(name: str):
    """Return ``RobotConfig``'s default of ``name``."""
    return default_of(RobotConfig, name)


@dataclass(frozen=True)
class SimNodeParameters(Parameters):
    """Every parameter of ``sim_node`` (see its module docstring)."""

    task: str = parameter('reach', 'task to simulate: reach, pick, carry (or a task YAML path)')
    seed: int = parameter(0, 'layout seed of the first episode')
    urdf_uri: str = parameter(_robot('urdf_uri'), 'robot URDF (package://, file:// or path)')
    srdf_uri: str = parameter(_robot('srdf_uri'), "robot SRDF ('' for none)")
    tool_frame: str = parameter(_robot('tool_frame'), 'URDF link of the tool centre point')
    gripper_joint: str = parameter(_robot('gripper_joint'), "gripper leader joint, 'auto' (the "
                                   "joint others mimic) or '' for none")
    step_period_s: float = parameter(0.01, 'wall-clock period of the physics timer', unit='s',
                                     low=0.0, low_open=True)
    real_time_factor: float = parameter(1.0, 'sim seconds per wall second', low=0.0,
                                        low_open=True)
    camera_enabled: bool = parameter(False, 'render and publish a camera image (offscreen GL)')
    camera_rate: float = parameter(5.0, 'camera images per sim second', unit='Hz', low=0.0,
                                   low_open=True)
    camera_width: int = parameter(320, 'image width', unit='px', low=1)
    camera_height: int = parameter(240, 'image height', unit='px', low=1)


PARAMETER_FILE = ParameterFile(
    node='sim_node', schema=SimNodeParameters, path='config/sim/sim_node.yaml',
    header="""Parameters of pact_sim's sim_node (embedded MuJoCo world with a ros2_control-style
    interface; pact_sim/sim_node.py). step_period_s, real_time_factor and camera_rate may also be
    changed while it runs.""")
