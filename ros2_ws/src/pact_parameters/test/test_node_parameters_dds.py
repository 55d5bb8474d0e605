# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The node layer: a schema declared on an rclpy node with descriptors, read back, followed."""

from dataclasses import dataclass
from typing import Optional

from pact_parameters.core.schema import group, parameter, ParameterError, Parameters
from pact_parameters.node_parameters import declare_parameters, follow_parameters
import pytest

rclpy = pytest.importorskip('rclpy')
from rclpy.exceptions import InvalidParameterValueException  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402


@dataclass
class Margins:
    clearance: float = parameter(-1.0, 'clearance margin; < 0 = from the config', unit='m')


@dataclass(frozen=True)
class Example(Parameters):
    rate: float = parameter(100.0, 'publication rate', unit='Hz', low=0.0, low_open=True)
    count: int = parameter(4, 'epochs at most', low=1, high=10)
    mode: str = parameter('auto', 'teacher Jacobian', choices=('auto', 'full'))
    folders: list[str] = parameter([''], "folders; [''] = none")
    subset: Optional[list[str]] = parameter(None, 'active subset')
    activate: bool = parameter(False, 'activate new weights', default_from='use_sim_time')
    margins: Margins = group(Margins)


@pytest.fixture
def make_node():
    rclpy.init()
    nodes = []

    def make(**overrides):
        node = rclpy.create_node('example_node', parameter_overrides=[
            Parameter(name, value=value) for name, value in overrides.items()])
        nodes.append(node)
        return node
    yield make
    for node in nodes:
        node.destroy_node()
    rclpy.shutdown()


@pytest.mark.dds
def test_declared_with_descriptors_and_read_back(make_node):
    node = make_node()
    values = declare_parameters(node, Example, read_only=True)
    assert values == Example()
    described = node.describe_parameter('rate')
    assert described.read_only and described.description == 'publication rate (Hz)'
    assert described.additional_constraints == '> 0'
    assert described.floating_point_range[0].from_value == 0.0
    assert node.describe_parameter('count').integer_range[0].to_value == 10
    assert node.describe_parameter('margins.clearance').type == Parameter.Type.DOUBLE.value
    assert node.describe_parameter('subset').type == Parameter.Type.STRING_ARRAY.value


@pytest.mark.dds
def test_overrides_default_from_and_unset_parameters(make_node):
    node = make_node(use_sim_time=True, rate=20.0, subset=['a'], **{'margins.clearance': 0.02})
    values = declare_parameters(node, Example)
    assert (values.rate, values.subset, values.activate, values.margins.clearance) == (
        20.0, ['a'], True, 0.02)


@pytest.mark.dds
def test_refused_values_stop_the_declaration(make_node):
    with pytest.raises(ParameterError, match=r"example_node: parameter mode = 'half' is not "
                                             r"allowed: must be one of 'auto', 'full'"):
        declare_parameters(make_node(mode='half'), Example)
    with pytest.raises(ParameterError, match=r'rate = 0\.0 .*> 0'):      # open bound: ours
        declare_parameters(make_node(rate=0.0), Example)
    with pytest.raises(InvalidParameterValueException, match='count'):   # ROS range check
        declare_parameters(make_node(count=11), Example)


@pytest.mark.dds
def test_followed_values_change_only_when_valid(make_node):
    node = make_node()
    seen = []
    follow_parameters(node, declare_parameters(node, Example), seen.append)
    assert node.set_parameters([Parameter('rate', value=5.0)])[0].successful
    assert seen[-1].rate == 5.0 and seen[-1].count == 4
    refused = node.set_parameters([Parameter('mode', value='half')])[0]
    assert not refused.successful and "mode = 'half'" in refused.reason
    assert len(seen) == 1 and node.get_parameter('mode').value == 'auto'
