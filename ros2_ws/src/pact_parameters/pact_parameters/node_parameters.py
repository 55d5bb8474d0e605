# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Declare a parameter schema (``core.schema``) on an rclpy node and read it back.

``declare_parameters(node, Schema)`` declares every parameter of the schema with a
``ParameterDescriptor`` (type, description with unit, ``additional_constraints`` in words and a
FloatingPointRange/IntegerRange where the schema gives a range; ``read_only`` on request), then
returns the validated instance: a value out of range or not among the choices stops the node
with a ``ParameterError`` naming the parameter, the value and what is allowed.
``follow_parameters`` keeps an instance up to date when parameters are set at run time (a
refused value is rejected with the same message and the instance stays as it was).
"""

import math

from pact_parameters.core.schema import from_dict, ParameterError, ParameterSpec, specs, to_dict
from rcl_interfaces.msg import (FloatingPointRange, IntegerRange, ParameterDescriptor,
                                SetParametersResult)
from rclpy.parameter import Parameter

_INT64_MAX = 2 ** 63 - 1
_SCALAR_TYPES = {bool: Parameter.Type.BOOL, int: Parameter.Type.INTEGER,
                 float: Parameter.Type.DOUBLE, str: Parameter.Type.STRING}
_ARRAY_TYPES = {bool: Parameter.Type.BOOL_ARRAY, int: Parameter.Type.INTEGER_ARRAY,
                float: Parameter.Type.DOUBLE_ARRAY, str: Parameter.Type.STRING_ARRAY}


def parameter_type(item: ParameterSpec) -> Parameter.Type:
    """Return the ROS parameter type of ``item``."""
    return _ARRAY_TYPES[item.item] if item.kind is list else _SCALAR_TYPES[item.kind]


def descriptor(item: ParameterSpec, read_only: bool = False) -> ParameterDescriptor:
    """Return the ParameterDescriptor of ``item`` (type, description, range, read_only)."""
    result = ParameterDescriptor(
        name=item.name, type=parameter_type(item).value, read_only=read_only,
        description=item.description + (f' ({item.unit})' if item.unit else ''),
        additional_constraints=item.allowed())
    bounded = item.low is not None or item.high is not None
    if bounded and item.kind is float:
        result.floating_point_range = [FloatingPointRange(
            from_value=-math.inf if item.low is None else float(item.low),
            to_value=math.inf if item.high is None else float(item.high), step=0.0)]
    elif bounded and item.kind is int:
        result.integer_range = [IntegerRange(
            from_value=-_INT64_MAX - 1 if item.low is None else int(item.low),
            to_value=_INT64_MAX if item.high is None else int(item.high), step=0)]
    return result


def declare_parameters(node, schema, read_only: bool = False):
    """
    Declare every parameter of ``schema`` on ``node``; return the validated values.

    A parameter with ``default_from`` defaults to the value of that (declared) node parameter;
    an ``Optional`` parameter without a default is declared by type and stays unset (None)
    unless given.
    """
    for item in specs(schema):
        default = item.default
        if item.default_from:
            default = node.get_parameter(item.default_from).value
        if default is None:
            node.declare_parameter(item.name, parameter_type(item), descriptor(item, read_only))
        else:
            node.declare_parameter(item.name, default, descriptor(item, read_only))
    return read_parameters(node, schema)


def read_parameters(node, schema):
    """Return the current values of ``schema``'s parameters on ``node``, validated."""
    values = {item.name: node.get_parameter_or(item.name, Parameter(item.name)).value
              for item in specs(schema)}
    return from_dict(schema, values, source=node.get_name())


def follow_parameters(node, values, on_change) -> None:
    """
    Call ``on_change(new_values)`` whenever parameters of ``values``' schema are set.

    The new values are validated before they are accepted: a refused value fails the set
    request with the ParameterError message and nothing changes.
    """
    schema = type(values)
    names = {item.name for item in specs(schema)}
    state = {'values': values}

    def candidate(parameters):
        changed = {parameter.name: parameter.value for parameter in parameters
                   if parameter.name in names}
        return from_dict(schema, {**to_dict(state['values']), **changed},
                         source=node.get_name()) if changed else None

    def validate(parameters):
        try:
            candidate(parameters)
        except ParameterError as error:
            return SetParametersResult(successful=False, reason=str(error))
        return SetParametersResult(successful=True)

    def apply(parameters):
        if any(parameter.name in names for parameter in parameters):
            state['values'] = candidate(parameters)
            on_change(state['values'])

    node.add_on_set_parameters_callback(validate)
    node.add_post_set_parameters_callback(apply)
