# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The small URDF reader against Pinocchio (FK) and the URDF text (limits)."""

import numpy as np
from pact_policy.core.urdf_model import URDFError, URDFModel
import pinocchio
from policy_fixtures import PANDA_ACTION_NAMES, panda_urdf, ur5_urdf
import pytest


def test_panda_limits_match_the_urdf_text():
    limits = {limit.name: limit for limit in URDFModel(panda_urdf()).limits_for(
        PANDA_ACTION_NAMES)}
    assert (limits['panda_joint4'].lower, limits['panda_joint4'].upper) == (-3.0718, -0.0698)
    assert limits['panda_joint6'].velocity == 2.61
    assert (limits['panda_finger_joint1'].lower, limits['panda_finger_joint1'].upper) == (0, 0.04)
    assert limits['panda_finger_joint1'].joint_type == 'prismatic'
    assert 'panda_finger_joint2' not in URDFModel(panda_urdf()).limits  # mimic joint


@pytest.mark.parametrize('urdf, frame', [('panda', 'panda_hand_tcp'), ('ur5', 'tool0')])
def test_forward_kinematics_matches_pinocchio(urdf, frame):
    text = panda_urdf() if urdf == 'panda' else ur5_urdf()
    ours = URDFModel(text)
    model = pinocchio.buildModelFromXML(text)
    data = model.createData()
    for _ in range(5):
        q = pinocchio.randomConfiguration(model)
        positions = {}
        for joint_id in range(1, model.njoints):
            name = model.names[joint_id]
            positions[name] = q[model.joints[joint_id].idx_q]
        pinocchio.framesForwardKinematics(model, data, q)
        expected = data.oMf[model.getFrameId(frame)]
        transform = ours.link_transform(frame, positions)
        np.testing.assert_allclose(transform[:3, 3], expected.translation, atol=1e-9)
        np.testing.assert_allclose(transform[:3, :3], expected.rotation, atol=1e-9)


def test_errors_name_the_problem():
    with pytest.raises(URDFError, match='not valid XML'):
        URDFModel('<robot')
    with pytest.raises(URDFError, match="joints \\['nope'\\] are not movable"):
        URDFModel(panda_urdf()).limits_for(['nope'])
    with pytest.raises(URDFError, match="position of joint 'panda_joint"):
        URDFModel(panda_urdf()).link_transform('panda_hand_tcp', {})
    broken = '<robot name="r"><link name="a"/><link name="b"/><joint name="j" ' \
        'type="revolute"><parent link="a"/><child link="b"/></joint></robot>'
    with pytest.raises(URDFError, match="joint 'j' \\(revolute\\) has no position limits"):
        URDFModel(broken)


@pytest.mark.parametrize('old, new, field', [
    ('lower="-2.8973"', 'lower="abc"', "joint 'panda_joint1' limit lower: 'abc'"),
    ('velocity="2.175"', 'velocity="fast"', "joint 'panda_joint1' limit velocity"),
    ('velocity="2.175"', 'velocity="inf"', 'finite velocity'),
    ('velocity="2.175"', '', 'no velocity attribute'),
    ('lower="-2.8973"', 'lower="-inf"', 'position limits must be finite'),
    ('<mimic joint="panda_finger_joint1"', '<mimic multiplier="x" joint="panda_finger_joint1"',
     "joint 'panda_finger_joint2' mimic multiplier: 'x'"),
])
def test_malformed_or_missing_limit_numbers_raise_urdf_error_naming_the_field(old, new, field):
    text = panda_urdf()
    assert old in text
    with pytest.raises(URDFError) as info:
        URDFModel(text.replace(old, new, 1))
    assert field in str(info.value)
