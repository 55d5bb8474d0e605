# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Chunk validation, clamping and velocity limiting against hand-computed cases."""

import numpy as np
from pact_policy.core.command_safety import (
    ChunkRejected, make_safe_command, rate_limit, SafetyLimits, validate_chunk)
from pact_policy.core.urdf_model import JointLimit
import pytest

LIMITS = [JointLimit('a', 'revolute', -1.0, 1.0, 2.0),
          JointLimit('g', 'prismatic', 0.0, 0.04, 0.2)]


def test_limits_apply_margins_per_joint_type():
    limits = SafetyLimits.from_joint_limits(LIMITS, margin=0.1, velocity_scale=0.5,
                                            prismatic_margin=0.005)
    np.testing.assert_allclose(limits.lower, [-0.9, 0.005])
    np.testing.assert_allclose(limits.upper, [0.9, 0.035])
    np.testing.assert_allclose(limits.max_velocity, [1.0, 0.1])
    pinned = SafetyLimits.from_joint_limits(LIMITS, 0.1, 1.0, prismatic_margin=0.03)
    assert pinned.lower[1] == pinned.upper[1] == pytest.approx(0.02)


def test_validation_rejects_shape_and_non_finite():
    with pytest.raises(ChunkRejected, match='shape \\(3, 2\\), expected \\(4, 2\\)'):
        validate_chunk(np.zeros((3, 2)), 4, 2)
    chunk = np.zeros((4, 2))
    chunk[2, 1] = np.nan
    with pytest.raises(ChunkRejected, match='1 non-finite entries \\(first at row 2, column 1'):
        validate_chunk(chunk, 4, 2)
    chunk[2, 1] = np.inf
    with pytest.raises(ChunkRejected, match='non-finite'):
        validate_chunk(chunk, 4, 2)


def test_rate_limit_matches_hand_computation():
    rows = np.array([[1.0], [1.0], [-1.0]])
    limited = rate_limit(rows, np.array([0.0]), np.array([2.0]), dt=0.1)
    np.testing.assert_allclose(limited, [[0.2], [0.4], [0.2]])


def test_safe_command_clamps_rate_limits_and_keeps_n_rows():
    limits = SafetyLimits.from_joint_limits(LIMITS, 0.1, 1.0, 0.005)
    chunk = np.array([[5.0, 0.04], [5.0, 0.04], [0.0, 0.0], [0.0, 0.0]])
    command = make_safe_command(chunk, np.array([0.85, 0.02]), limits, dt=0.01, horizon=4,
                                n_execute=3)
    assert command.rows.shape == (3, 2)
    # Joint a: target clamps to 0.9; steps of at most 2 rad/s * 0.01 s = 0.02 rad.
    np.testing.assert_allclose(command.rows[:, 0], [0.87, 0.89, 0.87])
    # Gripper: target clamps to 0.035 then 0.005; steps of at most 0.002 m.
    np.testing.assert_allclose(command.rows[:, 1], [0.022, 0.024, 0.022])
    assert command.clamped and command.rate_limited


def test_safe_command_walks_back_from_inside_the_margin():
    limits = SafetyLimits.from_joint_limits(LIMITS[:1], 0.1, 1.0)
    command = make_safe_command(np.full((2, 1), 0.99), np.array([0.98]), limits, 0.01, 2, 2)
    np.testing.assert_allclose(command.rows[:, 0], [0.96, 0.94])


def test_safe_command_rejects_bad_measurement():
    limits = SafetyLimits.from_joint_limits(LIMITS, 0.1, 1.0)
    with pytest.raises(ChunkRejected, match='measured position'):
        make_safe_command(np.zeros((2, 2)), np.array([np.nan, 0.0]), limits, 0.1, 2, 1)
