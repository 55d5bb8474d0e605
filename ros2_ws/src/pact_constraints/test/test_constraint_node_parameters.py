# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The constraint node's parameters: one margin per constraint, refused values named."""

from pact_constraints.core.config import CONSTRAINT_NAMES
from pact_constraints.core.constraint_node_parameters import ConstraintNodeParameters
from pact_parameters.core.schema import from_dict, ParameterError, specs
import pytest


def test_one_margin_override_per_constraint_and_none_by_default():
    names = [item.name for item in specs(ConstraintNodeParameters)]
    assert [name for name in names if name.startswith('margins.')] == [
        f'margins.{name}' for name in CONSTRAINT_NAMES]
    params = from_dict(ConstraintNodeParameters, {'margins': {'clearance': 0.05}})
    assert params.margin_overrides() == {name: 0.05 if name == 'clearance' else -1.0
                                         for name in CONSTRAINT_NAMES}
    assert params.active_constraints is None


@pytest.mark.parametrize('values, message', [
    ({'geometry_mode': 'mesh'}, r"geometry_mode = 'mesh' is not allowed: must be one of '', "
                                r"'exact', 'convex', 'capsule'"),
    ({'active_constraints': ['clearance', 'collision']}, r'active_constraints = .*clearance'),
    ({'rate': 0.0}, r'rate = 0\.0 .*> 0'),
    ({'margins.clerance': 0.1}, r"unknown parameter\(s\) \['margins\.clerance'\]"),
])
def test_refused_values(values, message):
    with pytest.raises(ParameterError, match=message):
        from_dict(ConstraintNodeParameters, values, 'constraint_node')
