# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Small Panda policies, robot descriptions and DDS test pieces shared by the node tests."""

import numpy as np
from pact_msgs.msg import PolicyStatus, PolicyStep
from pact_policy.core.normalizer import Normalizer
from pact_policy.core.policy import DiffusionPolicy
from pact_policy.core.policy_config import PolicyConfig
from pact_world.core.robot_assets import PANDA_URDF, read_description, UR5_URDF
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
import torch
from trajectory_msgs.msg import JointTrajectory

PANDA_ACTION_NAMES = [f'panda_joint{i}' for i in range(1, 8)] + ['panda_finger_joint1']
PANDA_HOME = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785, 0.02]
LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
RELIABLE = QoSProfile(depth=50, reliability=ReliabilityPolicy.RELIABLE)


def record_policy_outputs(node, trajectories: list, steps: list, statuses: list) -> None:
    """Append what the policy node publishes (trajectories, PolicySteps, status) to the lists."""
    node.create_subscription(JointTrajectory, 'joint_trajectory_controller/joint_trajectory',
                             trajectories.append, RELIABLE)
    node.create_subscription(PolicyStep, '/policy_node/policy_step', steps.append, RELIABLE)
    node.create_subscription(PolicyStatus, '/policy_node/status', statuses.append, RELIABLE)


def panda_urdf() -> str:
    """Return the Panda URDF text."""
    return read_description(PANDA_URDF)


def ur5_urdf() -> str:
    """Return the UR5 URDF text."""
    return read_description(UR5_URDF)


def tiny_panda_policy(seed: int = 0, action_range: float = 5.0, **overrides) -> DiffusionPolicy:
    """
    Return an untrained tiny MLP policy over the Panda action names.

    Its action normaliser spans ±``action_range`` around zero, so raw chunks regularly exceed
    the joint limits and exercise clamping and rate limiting.
    """
    settings = {'action_dim': 8, 'obs_dim': 8, 'horizon': 4, 'n_action_steps': 2,
                'action_dt': 0.05, 'model_type': 'mlp', 'num_train_timesteps': 10,
                'num_inference_steps': 2, 'default_sampler': 'ddim', 'mlp_hidden_dim': 16,
                'mlp_num_blocks': 1, 'time_embed_dim': 8, 'action_names': PANDA_ACTION_NAMES,
                'observation_names': [f'{name}.position' for name in PANDA_ACTION_NAMES]}
    settings.update(overrides)
    config = PolicyConfig(**settings)
    torch.manual_seed(seed)
    low = np.full(config.action_dim, -action_range)
    actions = Normalizer.from_statistics('minmax', {'min': low, 'max': -low})
    observations = Normalizer.identity(config.obs_dim)
    return DiffusionPolicy(config, actions, observations)
