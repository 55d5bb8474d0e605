# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Declare the policy node's parameters (``core.policy_node_parameters``) and read them back."""

import dataclasses

from pact_parameters.node_parameters import declare_parameters
from pact_policy.core.policy_node_parameters import PolicyNodeParameters
import torch


def declare_policy_parameters(node) -> PolicyNodeParameters:
    """
    Declare every parameter on ``node`` (read-only) and return their values, resolved.

    ``device: auto`` becomes 'cuda' when torch sees CUDA, else 'cpu'; the ``['']`` sentinels
    of ``joint_names`` and ``model_dirs`` become empty lists.
    """
    values = declare_parameters(node, PolicyNodeParameters, read_only=True)
    device = values.device
    if device == 'auto':
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    return dataclasses.replace(values, device=device,
                               joint_names=[name for name in values.joint_names if name],
                               model_dirs=[folder for folder in values.model_dirs if folder])
