# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Observation vectors by name: joints, FK tool position, scene poses, history."""

import numpy as np
from pact_policy.core.observation import (
    ObservationBuilder, ObservationError, ObservationHistory, quaternion_z_axis)
from pact_policy.core.urdf_model import URDFModel
from policy_fixtures import PANDA_ACTION_NAMES, PANDA_HOME, panda_urdf
import pytest
from scipy.spatial.transform import Rotation


def test_builder_follows_the_names():
    names = ['panda_joint2.position', 'panda_joint2.velocity', 'tool.position.z',
             'cube.position.y', 'cube.z_axis.x', 'cube.orientation.w']
    builder = ObservationBuilder(names, URDFModel(panda_urdf()), 'panda_hand_tcp')
    positions = dict(zip(PANDA_ACTION_NAMES, PANDA_HOME, strict=True))
    quaternion = Rotation.from_euler('xyz', [0.3, -0.2, 0.5]).as_quat()  # x, y, z, w
    vector = builder.build(positions, {'panda_joint2': 0.25},
                           {'cube': ((0.1, 0.2, 0.3), tuple(quaternion))})
    tool_z = URDFModel(panda_urdf()).link_transform('panda_hand_tcp', positions)[2, 3]
    z_axis = Rotation.from_quat(quaternion).as_matrix()[:, 2]
    np.testing.assert_allclose(vector, [-0.785, 0.25, tool_z, 0.2, z_axis[0], quaternion[3]],
                               rtol=1e-6)
    assert vector.dtype == np.float32
    np.testing.assert_allclose(quaternion_z_axis(quaternion), z_axis, atol=1e-12)


def test_missing_inputs_are_named():
    builder = ObservationBuilder(['panda_joint1.position', 'cube.position.x'])
    with pytest.raises(ObservationError, match="joint 'panda_joint1' missing"):
        builder.build({}, {}, {})
    with pytest.raises(ObservationError, match="'cube' is not in the scene"):
        builder.build({'panda_joint1': 0.0}, {}, {})
    with pytest.raises(ObservationError, match='not understood'):
        ObservationBuilder(['cube.colour'])


def test_history_pads_then_rolls():
    history = ObservationHistory(3)
    with pytest.raises(ObservationError):
        history.flat()
    history.push(np.array([1.0]))
    np.testing.assert_array_equal(history.flat(), [1, 1, 1])
    history.push(np.array([2.0]))
    history.push(np.array([3.0]))
    history.push(np.array([4.0]))
    np.testing.assert_array_equal(history.flat(), [2, 3, 4])
