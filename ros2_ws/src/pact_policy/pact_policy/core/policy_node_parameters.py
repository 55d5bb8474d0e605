# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Parameters of the policy node: one schema, one default per parameter (all read-only).

``pact_policy.policy_parameters`` declares them on the node and resolves what depends on the
machine (``device: auto``) or on the list sentinels (``['']`` = none).
``config/policy/policy_node.yaml`` and the README table are rendered from this schema
(``scripts/render_parameters.py``).
"""

from dataclasses import dataclass

from pact_parameters.core.schema import parameter, ParameterFile, Parameters
from pact_policy.core.policy_config import SAMPLERS

OUTPUT_MODES = ('trajectory', 'forward')


@dataclass(frozen=True)
class PolicyNodeParameters(Parameters):
    """Every parameter of ``policy_node`` (see its module docstring)."""

    model_path: str = parameter('', 'checkpoint archive (.pact) loaded on configure')
    device: str = parameter('auto', "torch device: 'auto' (CUDA when present), 'cpu', 'cuda:0'")
    sampler: str = parameter('', "sampler; '' = the model's default (ddim / midpoint)",
                             choices=('',) + tuple(name for names in SAMPLERS.values()
                                                   for name in names))
    num_inference_steps: int = parameter(0, "denoising steps per chunk; 0 = the model's default",
                                         low=0)
    joint_names: list[str] = parameter([''], 'action joint names when the model does not name '
                                       "them ([''] = none)")
    tool_frame: str = parameter('panda_hand_tcp', 'URDF link that tool.position.* observation '
                                'entries refer to')
    frame_id: str = parameter('world', 'robot root frame, stamped on PolicyStep')
    episode_id: str = parameter('', 'episode id of PolicySteps outside any episode (before the '
                                'first episode event, between an end and the next start)')
    episode_event_topic: str = parameter(
        'sim_node/episode_events', 'pact_msgs/EpisodeEvent input (reliable, transient_local as '
        "pact_sim's): PolicySteps carry the current episode's id and count steps from 0 within "
        "it; '' = no events")
    joint_states_topic: str = parameter('/joint_states', 'sensor_msgs/JointState input')
    robot_description_topic: str = parameter('/robot_description',
                                             'latched URDF (std_msgs/String)')
    scene_topic: str = parameter('/scene', 'latched pact_msgs/Scene input')
    camera_topic: str = parameter('', 'sensor_msgs/Image (rgb8/bgr8) input of a model with a '
                                  "camera; '' = none. Required exactly when the model has an "
                                  'image encoder')
    model_announcement_topic: str = parameter('/model_announcement',
                                              'latched pact_msgs/ModelAnnouncement input')
    output_mode: str = parameter('trajectory', "'trajectory' (JointTrajectory) or 'forward' "
                                 '(Float64MultiArray streamed one row per dt)',
                                 choices=OUTPUT_MODES)
    trajectory_topic: str = parameter('joint_trajectory_controller/joint_trajectory',
                                      'JointTrajectory output (output_mode trajectory)')
    forward_topic: str = parameter('forward_position_controller/commands',
                                   'Float64MultiArray output (output_mode forward)')
    limit_margin: float = parameter(0.05, 'distance kept from revolute joint position limits',
                                    unit='rad', low=0.0)
    prismatic_limit_margin: float = parameter(0.002, 'distance kept from prismatic joint '
                                              'limits (gripper)', unit='m', low=0.0)
    velocity_scale: float = parameter(0.5, 'fraction of the URDF velocity limits allowed',
                                      low=0.0, high=1.0, low_open=True)
    input_timeout_s: float = parameter(0.5, 'joint states older than this make the node hold',
                                       unit='s', low=0.0, low_open=True)
    camera_timeout_s: float = parameter(0.5, 'camera images older than this make the node hold '
                                        '(camera models)', unit='s', low=0.0, low_open=True)
    status_rate_hz: float = parameter(2.0, 'PolicyStatus publication rate', unit='Hz', low=0.0,
                                      low_open=True)
    transfer_timeout_s: float = parameter(5.0, 'timeout of one GetModelChunk call', unit='s',
                                          low=0.0, low_open=True)
    max_model_bytes: int = parameter(512 * 1024 * 1024, 'largest model archive accepted',
                                     unit='bytes', low=1)
    model_dirs: list[str] = parameter([''], 'folders that announced file:// archives may be read '
                                      "from (relative: to the working directory); [''] = none, "
                                      'service:// only')
    autostart: bool = parameter(True, 'configure at start-up (the node then waits INACTIVE)')
    autostart_activate: bool = parameter(False, 'also activate at start-up (simulation only; '
                                         'never on a real robot)')
    auto_activate: bool = parameter(False, 'activate verified new weights without an '
                                    'ActivateModel request (default: use_sim_time, i.e. false '
                                    'on a real robot)', default_from='use_sim_time')


PARAMETER_FILE = ParameterFile(
    node='policy_node', schema=PolicyNodeParameters, path='config/policy/policy_node.yaml',
    header="""Parameters of pact_policy's policy_node (lifecycle; pact_policy/policy_node.py).
    Every parameter is read-only.""")
