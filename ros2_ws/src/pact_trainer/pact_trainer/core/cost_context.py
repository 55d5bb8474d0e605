# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The cost-context keys: what a constraint cost function receives beside the chunk.

A cost context is a dict of tensors, all with leading batch dimension B and all optional,
produced by rollout sources (``sim_source``, ``rollout_intake`` via ``RobotCosts.scene_context``,
the guardrail baseline) and read by ``RobotCosts``. These constants and key builders are the only
spelling of the keys; producers and consumers import them.

- ``PREVIOUS_COMMAND`` (B, D): the last position target sent before the chunk (rad, m), the
  preferred reference of the first velocity row (targets lead the measured state, so the
  measured position would charge the tracking lag as velocity);
- ``JOINT_POSITION`` (B, D): joint positions in action order when the chunk started (rad, m),
  the reference of the first velocity row when there is no ``PREVIOUS_COMMAND``;
- ``OBSERVATION`` (B, O): the policy's observation; without either of the above, its
  ``<joint>.position`` entries are the start when the observation names have them;
- ``obstacle_key(type, field)`` = ``'obstacles/<type>/<field>'``: the sample's obstacle tensors
  (scene frame, m); without them the template scene is used for every sample;
- ``KEYPOINTS`` (B, K, 3) and ``KEYPOINT_MASK`` (B, K): the grasp keypoint of each template
  object that has one (scene frame, m), False where the sample's scene lacks it;
- ``held_candidate_key(field)`` = ``'held_candidates/<field>'`` for ``field`` in
  ``HELD_CANDIDATE_FIELDS``: the same objects' poses and half extents (with the keypoints:
  ``pact_constraints.core.torch_payload.ObjectTensors``), from which the costs decide which
  object the gripper holds at the chunk start.
"""

from typing import Tuple

PREVIOUS_COMMAND = 'previous_command'
JOINT_POSITION = 'joint_position'
OBSERVATION = 'observation'
KEYPOINTS = 'keypoints'
KEYPOINT_MASK = 'keypoint_mask'
OBSTACLE_PREFIX = 'obstacles/'
HELD_CANDIDATE_PREFIX = 'held_candidates/'
HELD_CANDIDATE_FIELDS = ('position', 'rotation', 'half_extents')


def obstacle_key(kind: str, field: str) -> str:
    """Return the context key of one obstacle tensor: ``'obstacles/<kind>/<field>'``."""
    return f'{OBSTACLE_PREFIX}{kind}/{field}'


def is_obstacle_key(key: str) -> bool:
    """Return True for a key built by ``obstacle_key``."""
    return key.startswith(OBSTACLE_PREFIX)


def parse_obstacle_key(key: str) -> Tuple[str, str]:
    """Return (kind, field) of an ``obstacle_key``; raise ValueError when malformed."""
    parts = key[len(OBSTACLE_PREFIX):].split('/') if is_obstacle_key(key) else []
    if len(parts) != 2 or not all(parts):
        raise ValueError(f'cost context key {key!r} is not {OBSTACLE_PREFIX}<type>/<field>')
    return parts[0], parts[1]


def held_candidate_key(field: str) -> str:
    """Return the context key of one held-candidate tensor: ``'held_candidates/<field>'``."""
    return f'{HELD_CANDIDATE_PREFIX}{field}'
