# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""A Panda-shaped toy policy and a short MCAP log of its PolicySteps, for pact_align runs."""

from pathlib import Path

from pact_msgs.msg import PolicyStep
from pact_policy.core.checkpoint import save_checkpoint
from pact_trainer.core.toy_problem import make_toy_policy
from pact_trainer.mcap_log import McapLog
from rclpy.serialization import serialize_message

JOINTS = [f'panda_joint{i}' for i in range(1, 8)] + ['panda_finger_joint1']
HOME = [0.0, 0.0, 0.0, -0.1, 0.0, 1.6, 0.8, 0.02]   # panda_joint4 near its upper limit (rad)


def write_toy_panda_run(folder: Path, steps: int = 4):
    """
    Write ``folder/base.pact`` (version 'toy') and ``folder/log.mcap``; return the policy.

    The policy is a tiny velocity MLP over the 8 Panda joints observing their positions; the log
    holds ``steps`` PolicySteps at HOME with the finger opening by 0.01 m per step.
    """
    observations = [f'{joint}.position' for joint in JOINTS]
    policy = make_toy_policy('velocity', HOME, [0.01] * 8, hidden_dim=16, num_blocks=1,
                             obs_dim=8, action_names=JOINTS, observation_names=observations)
    save_checkpoint(policy, folder / 'base.pact', {'version': 'toy'})
    log = McapLog(folder / 'log.mcap')
    for index in range(steps):
        step = PolicyStep(observation_names=observations, observation=[*HOME[:7], 0.01 * index])
        log.write('/policy_node/policy_step', 'pact_msgs/msg/PolicyStep',
                  serialize_message(step))
    log.close()
    return policy
