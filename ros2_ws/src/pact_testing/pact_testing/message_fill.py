# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Fill any ROS 2 message with deterministic non-default values, and diff two messages.

Used to prove that every field of an interface survives a DDS round trip: both ends build the
same message from the same seed, and ``message_differences`` names every field that differs.
Values are chosen to be exact in their wire type (float32 values are multiples of 1/8) and
never equal to the field's default, so a field that is dropped on the way shows up as a diff.
"""

import array
import hashlib
import importlib
import random

import numpy
from rosidl_parser import definition

_SIGNED_BITS = {'int8': 8, 'int16': 16, 'int32': 32, 'int64': 64}
_UNSIGNED_BITS = {'uint8': 8, 'octet': 8, 'char': 7, 'uint16': 16, 'uint32': 32, 'uint64': 64}
_ARRAY_TYPECODES = {
    'float': 'f', 'double': 'd', 'int8': 'b', 'uint8': 'B', 'octet': 'B', 'int16': 'h',
    'uint16': 'H', 'int32': 'i', 'uint32': 'I', 'int64': 'q', 'uint64': 'Q'}


def _rng_for(seed: int, path: str) -> random.Random:
    digest = hashlib.sha256(f'{seed}:{path}'.encode()).digest()
    return random.Random(int.from_bytes(digest[:8], 'little'))


def _basic_value(typename: str, rng: random.Random):
    if typename == 'boolean':
        return True
    if typename in ('float', 'double'):
        return rng.choice((-1, 1)) * rng.randint(1, 8000) / 8.0
    if typename in _SIGNED_BITS:
        bound = 2 ** (_SIGNED_BITS[typename] - 1) - 1
        return rng.choice((-1, 1)) * rng.randint(1, bound)
    if typename in _UNSIGNED_BITS:
        value = rng.randint(1, 2 ** _UNSIGNED_BITS[typename] - 1)
        return bytes([value]) if typename == 'octet' else value
    raise TypeError(f'unsupported basic type {typename}')


def _string_value(path: str, rng: random.Random, max_size: int = 0) -> str:
    text = f'{path.rsplit(".", 1)[-1]}-{rng.randint(1, 10 ** 6)}-é'
    return text[:max_size] if max_size else text


def message_class(namespaced: definition.NamespacedType):
    """Import the Python class of a namespaced rosidl type."""
    module = importlib.import_module('.'.join(namespaced.namespaces))
    return getattr(module, namespaced.name)


def _value(slot_type, path: str, seed: int, rng: random.Random):
    if isinstance(slot_type, definition.BasicType):
        return _basic_value(slot_type.typename, rng)
    if isinstance(slot_type, (definition.UnboundedString, definition.UnboundedWString)):
        return _string_value(path, rng)
    if isinstance(slot_type, (definition.BoundedString, definition.BoundedWString)):
        return _string_value(path, rng, slot_type.maximum_size)
    if isinstance(slot_type, definition.NamespacedType):
        return fill_message(message_class(slot_type), seed, path)
    if isinstance(slot_type, definition.AbstractNestedType):
        return _sequence_value(slot_type, path, seed, rng)
    raise TypeError(f'unsupported field type {slot_type!r} at {path}')


def _sequence_length(slot_type, rng: random.Random) -> int:
    if isinstance(slot_type, definition.Array):
        return slot_type.size
    upper = 4
    if isinstance(slot_type, definition.BoundedSequence):
        upper = min(upper, slot_type.maximum_size)
    return rng.randint(1, upper)


def _sequence_value(slot_type, path: str, seed: int, rng: random.Random):
    length = _sequence_length(slot_type, rng)
    items = [_value(slot_type.value_type, f'{path}[{i}]', seed, rng) for i in range(length)]
    value_type = slot_type.value_type
    if isinstance(value_type, definition.BasicType):
        code = _ARRAY_TYPECODES.get(value_type.typename)
        if value_type.typename == 'octet':
            items = [item[0] for item in items]
        if isinstance(slot_type, definition.Array) and code:
            return numpy.array(items, dtype=numpy.dtype(code))
        if code:
            return array.array(code, items)
    return items


def fill_message(cls, seed: int, path: str = ''):
    """Return an instance of ``cls`` with every field set from ``seed`` (deterministic)."""
    message = cls()
    rng = _rng_for(seed, path or cls.__name__)
    field_names = message.get_fields_and_field_types()
    for field_name, slot_type in zip(field_names, cls.SLOT_TYPES, strict=True):
        field_path = f'{path or cls.__name__}.{field_name}'
        setattr(message, field_name, _value(slot_type, field_path, seed, rng))
    return message


def _equal_leaves(left, right) -> bool:
    array_types = (numpy.ndarray, array.array)
    if isinstance(left, array_types) or isinstance(right, array_types):
        left_array, right_array = numpy.asarray(left), numpy.asarray(right)
        return left_array.shape == right_array.shape and bool(numpy.all(left_array == right_array))
    return left == right


def message_differences(expected, actual, path: str = '') -> list:
    """Return one line per leaf field whose values differ (an empty list when equal)."""
    path = path or type(expected).__name__
    if hasattr(expected, 'get_fields_and_field_types'):
        if type(expected) is not type(actual):
            return [f'{path}: type {type(actual).__name__} != {type(expected).__name__}']
        lines = []
        for field_name in expected.get_fields_and_field_types():
            lines += message_differences(getattr(expected, field_name),
                                         getattr(actual, field_name), f'{path}.{field_name}')
        return lines
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f'{path}: length {len(actual)} != {len(expected)}']
        lines = []
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            lines += message_differences(left, right, f'{path}[{index}]')
        return lines
    if not _equal_leaves(expected, actual):
        return [f'{path}: {actual!r} != {expected!r}']
    return []


def default_leaf_fields(message, path: str = '') -> list:
    """
    Return the leaf fields of ``message`` still equal to their type's default value.

    A filled message must have none: this keeps the round-trip test from passing vacuously.
    """
    defaults = type(message)()
    path = path or type(message).__name__
    lines = []
    for field_name in message.get_fields_and_field_types():
        value, default = getattr(message, field_name), getattr(defaults, field_name)
        field_path = f'{path}.{field_name}'
        if hasattr(value, 'get_fields_and_field_types'):
            lines += default_leaf_fields(value, field_path)
        elif isinstance(value, list) and value and hasattr(value[0], 'get_fields_and_field_types'):
            for index, item in enumerate(value):
                lines += default_leaf_fields(item, f'{field_path}[{index}]')
        elif _equal_leaves(value, default):
            lines.append(field_path)
    return lines


# --- hostile messages --------------------------------------------------------------------------

HOSTILE_KINDS = ('nan', 'inf', 'huge', 'empty', 'ragged', 'path')
_HOSTILE_FLOATS = {'nan': float('nan'), 'inf': float('inf'), 'huge': 1e300, 'empty': 0.0,
                   'ragged': -float('inf'), 'path': -1e300}
_HOSTILE_STRINGS = {'nan': 'nan', 'inf': 'inf', 'huge': 'x' * 1000, 'empty': '',
                    'ragged': '\x00\n\t;', 'path': 'file:///etc/passwd'}


def _hostile_basic(typename: str, kind: str):
    if typename == 'boolean':
        return kind != 'empty'
    if typename in ('float', 'double'):
        value = _HOSTILE_FLOATS[kind]
        if typename == 'float' and abs(value) > 3e38 and value == value and abs(value) != float(
                'inf'):
            value = 3e38 if value > 0 else -3e38  # the largest float32 of that sign
        return value
    if typename in _SIGNED_BITS:
        bound = 2 ** (_SIGNED_BITS[typename] - 1)
        return {'empty': 0, 'huge': bound - 1, 'path': -bound}.get(kind, -1)
    if typename in _UNSIGNED_BITS:
        bound = 2 ** _UNSIGNED_BITS[typename] - 1
        value = {'empty': 0, 'huge': bound}.get(kind, bound)
        return bytes([value]) if typename == 'octet' else value
    raise TypeError(f'unsupported basic type {typename}')


def _hostile_length(slot_type, kind: str, path: str) -> int:
    if isinstance(slot_type, definition.Array):
        return slot_type.size
    length = {'empty': 0, 'huge': 1000, 'ragged': 1 + len(path) % 5}.get(kind, 3)
    if isinstance(slot_type, definition.BoundedSequence):
        length = min(length, slot_type.maximum_size)
    if isinstance(slot_type.value_type, definition.NamespacedType):
        length = min(length, 20)  # nested messages: enough to be many, small enough to send
    return length


def _hostile_value(slot_type, path: str, kind: str):
    if isinstance(slot_type, definition.BasicType):
        return _hostile_basic(slot_type.typename, kind)
    if isinstance(slot_type, (definition.UnboundedString, definition.UnboundedWString)):
        return _HOSTILE_STRINGS[kind]
    if isinstance(slot_type, (definition.BoundedString, definition.BoundedWString)):
        return _HOSTILE_STRINGS[kind][:slot_type.maximum_size]
    if isinstance(slot_type, definition.NamespacedType):
        return hostile_message(message_class(slot_type), kind, path)
    if isinstance(slot_type, definition.AbstractNestedType):
        length = _hostile_length(slot_type, kind, path)
        items = [_hostile_value(slot_type.value_type, f'{path}[{i}]', kind)
                 for i in range(length)]
        value_type = slot_type.value_type
        if isinstance(value_type, definition.BasicType):
            code = _ARRAY_TYPECODES.get(value_type.typename)
            if value_type.typename == 'octet':
                items = [item[0] for item in items]
            if isinstance(slot_type, definition.Array) and code:
                return numpy.array(items, dtype=numpy.dtype(code))
            if code:
                return array.array(code, items)
        return items
    raise TypeError(f'unsupported field type {slot_type!r} at {path}')


def hostile_message(cls, kind: str, path: str = ''):
    """
    Return an instance of ``cls`` whose every field holds a hostile value of one ``kind``.

    Kinds (``HOSTILE_KINDS``): 'nan' and 'inf' floats; 'huge' numbers, 1 kB strings and
    1000-element sequences (20 nested messages); 'empty' zeros, empty strings and sequences;
    'ragged' parallel sequences of different lengths; 'path' strings naming a file outside any
    package. DDS carries typed fields, so these are the wrong *values* a peer can send.
    """
    if kind not in HOSTILE_KINDS:
        raise ValueError(f'kind must be one of {HOSTILE_KINDS}, got {kind!r}')
    message = cls()
    for field_name, slot_type in zip(message.get_fields_and_field_types(), cls.SLOT_TYPES,
                                     strict=True):
        field_path = f'{path or cls.__name__}.{field_name}'
        setattr(message, field_name, _hostile_value(slot_type, field_path, kind))
    return message
