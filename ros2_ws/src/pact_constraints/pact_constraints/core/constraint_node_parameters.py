# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Parameters of the constraint node: one schema, one default per parameter.

Margins, active constraints and geometry mode default to the constraint config file
(``config_file``); a node parameter set here overrides it for this robot. The limits on what a
peer can make the node hold default to ``core.monitor``'s and pact_world's constants.
``config/constraints/constraint_node.yaml`` and the README table are rendered from this schema
(``scripts/render_parameters.py``); that file ships two values other than the node defaults
(``PARAMETER_FILE.overrides``).
"""

from dataclasses import dataclass, make_dataclass
from typing import Optional

from pact_constraints.core.config import CONSTRAINT_NAMES, GEOMETRY_MODES
from pact_constraints.core.monitor import DEFAULT_MAX_JOINT_NAMES, DEFAULT_STALE_TIMEOUT
from pact_parameters.core.schema import group, parameter, ParameterFile, Parameters
from pact_world.core.robot_assets import PANDA_SRDF
from pact_world.core.scene import DEFAULT_MAX_OBSTACLES

# The markers are published at most this often (Hz), whatever marker_rate says.
MAX_MARKER_RATE = 10.0

ConstraintMargins = make_dataclass('ConstraintMargins', [
    (name, float, parameter(-1.0, f'margin d_k of {name} in its unit (m, rad, rad/s); < 0 = '
                            'from the config file'))
    for name in CONSTRAINT_NAMES])
ConstraintMargins.__module__ = __name__
ConstraintMargins.__doc__ = 'margins.<constraint>: one margin override per constraint.'


@dataclass(frozen=True)
class ConstraintNodeParameters(Parameters):
    """Every parameter of ``constraint_node`` (see its module docstring)."""

    rate: float = parameter(100.0, 'ConstraintState evaluation and publication rate', unit='Hz',
                            low=0.0, low_open=True)
    config_file: str = parameter('', "constraint YAML (path or package:// URI); '' = "
                                 'pact_constraints config/constraints/default.yaml')
    active_constraints: Optional[list[str]] = parameter(
        None, 'the constraints to evaluate; unset or empty = those active in the config file',
        choices=CONSTRAINT_NAMES)
    geometry_mode: str = parameter('', "robot geometry; '' = from the config file",
                                   choices=('',) + GEOMETRY_MODES)
    margins: ConstraintMargins = group(ConstraintMargins)
    stale_timeout: float = parameter(DEFAULT_STALE_TIMEOUT, 'joint states older than this make '
                                     'the status UNKNOWN', unit='s')
    robot_description_semantic: str = parameter('', 'SRDF XML, or a path / package:// URI of '
                                                "it; '' = none")
    scene_file: str = parameter('', "scene YAML loaded at start (a real robot's static scene); "
                                "'' = none")
    scene_topic: str = parameter('scene', 'pact_msgs/Scene input (latched)')
    marker_rate: float = parameter(MAX_MARKER_RATE, f'MarkerArray rate, at most '
                                   f'{MAX_MARKER_RATE:g} Hz', unit='Hz')
    mesh_dirs: list[str] = parameter([''], 'folders a scene message may name mesh files in '
                                     "(besides package:// URIs); [''] = none")
    max_obstacles: int = parameter(DEFAULT_MAX_OBSTACLES, 'most obstacles + objects accepted in '
                                   'one scene message', low=0)
    max_joint_names: int = parameter(DEFAULT_MAX_JOINT_NAMES, 'most distinct joint names '
                                     'remembered from /joint_states', low=0)
    score_chunks: bool = parameter(True, 'score every commanded chunk (PolicyStep.command) on '
                                   'its executed path, as the trainer does, and publish the '
                                   'result on ~/chunk_state')
    policy_step_topic: str = parameter('policy_node/policy_step',
                                       'pact_msgs/PolicyStep topic of the policy node')

    def margin_overrides(self) -> dict:
        """Return {constraint: margin} of ``margins`` (< 0 = keep the config file's)."""
        return {name: getattr(self.margins, name) for name in CONSTRAINT_NAMES}


PARAMETER_FILE = ParameterFile(
    node='constraint_node', schema=ConstraintNodeParameters,
    path='config/constraints/constraint_node.yaml',
    header="""Parameters of pact_constraints' constraint_node
    (pact_constraints/constraint_node.py). Margins, active constraints and geometry mode default
    to the constraint config file (config/constraints/default.yaml); a margins.<name> >= 0 here
    overrides it for this robot.""",
    overrides={'robot_description_semantic': (PANDA_SRDF, 'the Panda of example-robot-data'),
               'scene_topic': ('/scene', "the simulator's latched scene")})
