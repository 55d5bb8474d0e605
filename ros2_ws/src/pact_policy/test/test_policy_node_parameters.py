# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The policy node's parameters: validated, refused values named."""

from pact_parameters.core.schema import from_dict, ParameterError, spec
from pact_policy.core.policy_node_parameters import PolicyNodeParameters
import pytest


def test_auto_activate_follows_use_sim_time():
    assert spec(PolicyNodeParameters, 'auto_activate').default_from == 'use_sim_time'


@pytest.mark.parametrize('values, message', [
    ({'output_mode': 'stream'}, r"policy_node: parameter output_mode = 'stream' is not "
                                r"allowed: must be one of 'trajectory', 'forward'"),
    ({'velocity_scale': 0.0}, r'velocity_scale = 0\.0 .*must be in \(0, 1\]'),
    ({'velocity_scale': 1.5}, r'velocity_scale = 1\.5'),
    ({'limit_margin': -0.01}, r'limit_margin = -0\.01 .*>= 0'),
    ({'camera_timeout_s': 0.0}, r'camera_timeout_s = 0\.0 .*> 0'),
    ({'sampler': 'dpm'}, r"sampler = 'dpm' .*one of '', 'ddpm', 'ddim', 'euler', 'midpoint'"),
])
def test_refused_values(values, message):
    with pytest.raises(ParameterError, match=message):
        from_dict(PolicyNodeParameters, values, 'policy_node')
