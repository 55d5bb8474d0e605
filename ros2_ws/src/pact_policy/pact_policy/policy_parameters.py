# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Declare the policy node's parameters (with descriptors) and read them into a dataclass."""

from dataclasses import dataclass

from rcl_interfaces.msg import ParameterDescriptor, ParameterType
import torch


@dataclass
class PolicyParameters:
    """Values of every policy node parameter (see ``PARAMETERS`` for meaning and units)."""

    model_path: str
    device: str
    sampler: str
    num_inference_steps: int
    joint_names: list
    tool_frame: str
    frame_id: str
    episode_id: str
    episode_event_topic: str
    joint_states_topic: str
    robot_description_topic: str
    scene_topic: str
    camera_topic: str
    model_announcement_topic: str
    output_mode: str
    trajectory_topic: str
    forward_topic: str
    limit_margin: float
    prismatic_limit_margin: float
    velocity_scale: float
    input_timeout_s: float
    camera_timeout_s: float
    status_rate_hz: float
    transfer_timeout_s: float
    max_model_bytes: int
    model_dirs: list
    autostart: bool
    autostart_activate: bool
    auto_activate: bool


_STRING, _INT, _DOUBLE, _BOOL, _STRINGS = (
    ParameterType.PARAMETER_STRING, ParameterType.PARAMETER_INTEGER,
    ParameterType.PARAMETER_DOUBLE, ParameterType.PARAMETER_BOOL,
    ParameterType.PARAMETER_STRING_ARRAY)

# name: (default, type, description)
PARAMETERS = {
    'model_path': ('', _STRING, 'checkpoint archive (.pact) loaded on configure'),
    'device': ('auto', _STRING, "torch device: 'auto' (CUDA when present), 'cpu', 'cuda:0'"),
    'sampler': ('', _STRING, "'ddpm'|'ddim'|'euler'|'midpoint'; '' = the model's default"),
    'num_inference_steps': (0, _INT, 'denoising steps per chunk; 0 = the model default'),
    'joint_names': ([''], _STRINGS, 'action joint names when the model does not name them'),
    'tool_frame': ('panda_hand_tcp', _STRING, 'URDF link that tool.position.* refers to'),
    'frame_id': ('world', _STRING, 'robot root frame, stamped on PolicyStep'),
    'episode_id': ('', _STRING, 'episode id of PolicySteps outside any episode (before the '
                   'first episode event, between an end and the next start)'),
    'episode_event_topic': ('sim_node/episode_events', _STRING,
                            'pact_msgs/EpisodeEvent input (reliable, transient_local as '
                            "pact_sim's): PolicySteps carry the current episode's id and "
                            "count steps from 0 within it; '' = no events"),
    'joint_states_topic': ('/joint_states', _STRING, 'sensor_msgs/JointState input'),
    'robot_description_topic': ('/robot_description', _STRING, 'latched URDF (std_msgs/String)'),
    'scene_topic': ('/scene', _STRING, 'latched pact_msgs/Scene input'),
    'camera_topic': ('', _STRING, 'sensor_msgs/Image (rgb8/bgr8) input of a model with a '
                     "camera; '' = none. Required exactly when the model has an image encoder"),
    'model_announcement_topic': ('/model_announcement', _STRING,
                                 'latched pact_msgs/ModelAnnouncement input'),
    'output_mode': ('trajectory', _STRING, "'trajectory' (JointTrajectory) or 'forward'"),
    'trajectory_topic': ('joint_trajectory_controller/joint_trajectory', _STRING,
                         'JointTrajectory output'),
    'forward_topic': ('forward_position_controller/commands', _STRING,
                      'Float64MultiArray output (output_mode forward)'),
    'limit_margin': (0.05, _DOUBLE, 'distance kept from URDF position limits (rad or m)'),
    'prismatic_limit_margin': (0.002, _DOUBLE,
                               'distance kept from prismatic joint limits (m)'),
    'velocity_scale': (0.5, _DOUBLE, 'fraction of URDF velocity limits allowed, (0, 1]'),
    'input_timeout_s': (0.5, _DOUBLE, 'joint states older than this (s) make the node hold'),
    'camera_timeout_s': (0.5, _DOUBLE, 'camera images older than this (s) make the node hold'),
    'status_rate_hz': (2.0, _DOUBLE, 'PolicyStatus publication rate (Hz)'),
    'transfer_timeout_s': (5.0, _DOUBLE, 'timeout of one GetModelChunk call (s)'),
    'max_model_bytes': (512 * 1024 * 1024, _INT, 'largest model archive accepted (bytes)'),
    'model_dirs': ([''], _STRINGS, 'folders that announced file:// archives may be read '
                   "from (relative: to the working directory); [''] = none, service:// only"),
    'autostart': (True, _BOOL, 'configure at start-up (the node then waits INACTIVE)'),
    'autostart_activate': (False, _BOOL, 'also activate at start-up (simulation only)'),
}


def declare_policy_parameters(node) -> PolicyParameters:
    """Declare every parameter on ``node`` and return their values."""
    values = {}
    for name, (default, kind, description) in PARAMETERS.items():
        node.declare_parameter(name, default, ParameterDescriptor(
            name=name, type=kind, description=description, read_only=True))
        values[name] = node.get_parameter(name).value
    use_sim_time = bool(node.get_parameter('use_sim_time').value)
    node.declare_parameter('auto_activate', use_sim_time, ParameterDescriptor(
        name='auto_activate', type=_BOOL, read_only=True,
        description='activate verified new weights without an ActivateModel request '
                    '(default: true only when use_sim_time is true)'))
    values['auto_activate'] = node.get_parameter('auto_activate').value
    values['joint_names'] = [name for name in values['joint_names'] if name]
    values['model_dirs'] = [folder for folder in values['model_dirs'] if folder]
    if values['device'] == 'auto':
        values['device'] = 'cuda' if torch.cuda.is_available() else 'cpu'
    if values['output_mode'] not in ('trajectory', 'forward'):
        raise ValueError(f"output_mode must be 'trajectory' or 'forward', "
                         f"got {values['output_mode']!r}")
    if not values['camera_timeout_s'] > 0.0:
        raise ValueError(f"camera_timeout_s must be > 0 s, got {values['camera_timeout_s']}")
    if not 0.0 < values['velocity_scale'] <= 1.0 or values['limit_margin'] < 0.0:
        raise ValueError('velocity_scale must be in (0, 1] and limit_margin >= 0')
    return PolicyParameters(**values)
