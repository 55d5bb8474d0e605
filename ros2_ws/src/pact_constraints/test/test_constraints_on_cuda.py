# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""TorchConstraintCosts and its geometry on CUDA vs the CPU (skipped without a CUDA device)."""

import numpy as np
from pact_constraints.core import torch_geometry
from pact_constraints.core.config import config_from_dict
from pact_constraints.core.torch_costs import TorchConstraintCosts
from pact_constraints.core.torch_kinematics import TorchKinematics
from pact_world.core.scene import scene_from_dict
import pytest
import torch

pytestmark = pytest.mark.cuda

SCENE = scene_from_dict({'obstacles': [
    {'name': 'table', 'type': 'box', 'size': [0.6, 1.0, 0.04],
     'pose': {'position': [0.55, 0, 0.15], 'rpy': [0, 0.1, 0.2]}},
    {'name': 'floor', 'type': 'half_space', 'normal': [0, 0, 1], 'offset': -0.05},
    {'name': 'post', 'type': 'cylinder', 'radius': 0.03, 'length': 0.5,
     'pose': {'position': [0.35, 0.35, 0.45], 'rpy': [0.3, 0, 0]}},
    {'name': 'ball', 'type': 'sphere', 'radius': 0.05, 'pose': {'position': [0.3, -0.3, 0.7]}},
], 'objects': [{'name': 'cube', 'type': 'box', 'size': [0.05, 0.05, 0.05],
                'pose': {'position': [0.5, 0.0, 0.45]}, 'keypoints': {'grasp': [0, 0, 0]}}]})
CONFIG = config_from_dict({'geometry_mode': 'capsule', 'penalty': 'smooth',
                           'constraints': {'clearance': {'margin': 0.15}}})


def test_forward_kinematics_on_cuda_matches_the_cpu(robot):
    """float64 joint poses: CUDA equals the CPU to 1e-12 (as the CPU equals Pinocchio)."""
    rng = np.random.default_rng(0)
    positions = torch.tensor(rng.uniform(np.maximum(robot.lower, -np.pi),
                                         np.minimum(robot.upper, np.pi),
                                         (256, len(robot.joint_names))))
    expected = TorchKinematics(robot).joint_poses(positions)
    ours = TorchKinematics(robot, 'cuda').joint_poses(positions.cuda())
    for mine, reference in zip(ours, expected, strict=True):
        torch.testing.assert_close(mine.cpu(), reference, atol=1e-12, rtol=0)


def test_torch_costs_on_cuda_match_the_cpu(panda):
    """
    Totals and chunk gradients in float64 agree to 1e-6.

    Every operation is the same on both devices, but fused multiply-adds on CUDA can flip a
    near-tie of the cylinder search into the neighbouring cell of its final 3.1e-7 bracket.
    """
    rng = np.random.default_rng(1)
    middle = 0.5 * (panda.lower + panda.upper)
    start = middle + rng.uniform(-0.8, 0.8, (128, len(middle)))
    chunk = start[:, None] + np.cumsum(rng.normal(0, 0.06, (128, 8, len(middle))), axis=1)
    results = []
    for device in ('cpu', 'cuda'):
        costs = TorchConstraintCosts(panda, SCENE, CONFIG, device=device, dtype=torch.float64)
        chunks = torch.tensor(chunk, device=device, requires_grad=True)
        total = costs(chunks, torch.tensor(start, device=device)).total
        gradient, = torch.autograd.grad(total.sum(), chunks)
        results.append((total.detach().cpu(), gradient.cpu()))
    assert float(results[0][0].max()) > 0.1
    for ours, expected in zip(results[1], results[0], strict=True):
        torch.testing.assert_close(ours, expected, atol=1e-6, rtol=1e-6)


def test_box_and_cylinder_distances_on_cuda_match_the_cpu():
    """
    Distances agree in float64 to stated tolerances.

    The closed-form box to 1e-10 (rounding only); the cylinder search to 1e-6, the bracket
    (3.1e-7 of segments ≤ 1.4 m) a near-tie may move it by.
    """
    rng = np.random.default_rng(2)
    a, b = (torch.tensor(rng.uniform(-0.4, 0.4, (4096, 3))) for _ in range(2))
    half = torch.tensor([0.1, 0.2, 0.05], dtype=torch.float64)
    for function, tolerance in (
            (lambda x, y, h: torch_geometry.segment_box_signed_distance(x, y, h), 1e-10),
            (lambda x, y, h: torch_geometry.segment_cylinder_signed_distance(x, y, 0.08, 0.15),
             1e-6)):
        expected = function(a, b, half)
        ours = function(a.cuda(), b.cuda(), half.cuda()).cpu()
        torch.testing.assert_close(ours, expected, atol=tolerance, rtol=0)
