# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Differentiable constraint costs that need only the action chunk (no geometry).

- ``joint_position_cost(lower, upper)``: Σ_rows Σ_j max(0, lower_j + d − a_j)
  + max(0, a_j − upper_j + d) in rad (m for prismatic joints), margin d from the curriculum;
- ``joint_velocity_cost(max_velocity, dt)``: Σ over row differences of
  max(0, |a_{r+1,j} − a_{r,j}|/dt − (v_max,j − d)) in rad/s, the first row differenced against
  the observed joint position when the context holds ``'joint_position'`` (B, D).

Geometry costs (clearance, self-collision, workspace) come from pact_constraints' batched torch
path and plug in as further ``CostTerm``s with the same signature.
"""

from pact_trainer.core.costs import CostTerm
import torch


def joint_position_cost(lower, upper, name: str = 'joint_position') -> CostTerm:
    """Return the joint-limit term for limits (D,) in the action's units."""
    lower = torch.as_tensor(lower, dtype=torch.float32)
    upper = torch.as_tensor(upper, dtype=torch.float32)
    if lower.shape != upper.shape or bool((lower >= upper).any()):
        raise ValueError('joint limits need lower < upper of equal length')

    def joint_position(chunk, context, margin):
        below = torch.relu(lower.to(chunk) + margin - chunk)
        above = torch.relu(chunk - upper.to(chunk) + margin)
        return (below + above).sum(dim=(1, 2))

    return CostTerm(name, joint_position)


def joint_velocity_cost(max_velocity, dt: float, name: str = 'joint_velocity') -> CostTerm:
    """Return the velocity term for limits (D,) (rad/s) and row spacing ``dt`` (s)."""
    max_velocity = torch.as_tensor(max_velocity, dtype=torch.float32)
    if dt <= 0 or bool((max_velocity <= 0).any()):
        raise ValueError('joint velocity cost needs dt > 0 and positive limits')

    def joint_velocity(chunk, context, margin):
        rows = chunk
        if 'joint_position' in context:
            rows = torch.cat([context['joint_position'].to(chunk)[:, None, :], chunk], dim=1)
        speed = (rows[:, 1:] - rows[:, :-1]).abs() / dt
        return torch.relu(speed - (max_velocity.to(chunk) - margin)).sum(dim=(1, 2))

    return CostTerm(name, joint_velocity)
