# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Parameter schemas: every parameter of a node or CLI written once, with its single default.

A schema is a dataclass deriving from ``Parameters`` whose fields are made with ``parameter``::

    @dataclass(frozen=True)
    class SimNodeParameters(Parameters):
        step_period_s: float = parameter(0.01, 'wall-clock period of the physics timer',
                                         unit='s', low=0.0, low_open=True)

A field holds the default, the type (its annotation: ``bool``, ``int``, ``float``, ``str``, a
``list`` of one of them, ``Optional[...]`` for a parameter that may stay unset, or a plain
dataclass of such fields: a group whose parameters are named ``<field>.<name>``), a description,
a unit, a range (``low``/``high``, closed unless ``low_open``/``high_open``) or ``choices``.
Building an instance validates it: ``ParameterError`` names the parameter, the value and what is
allowed. A schema may add a ``check(self)`` method for conditions between parameters.

From one schema come: ``specs`` (the flat list of parameters), ``from_dict`` (values from YAML, a
node or a command line; unknown names are refused with the known ones), ``to_dict``,
``markdown_table`` (the README table), ``ParameterFile.text`` (the shipped ``<node>.yaml``) and
``add_arguments`` / ``from_arguments`` (argparse flags). ``pact_parameters.node_parameters``
declares a schema on an rclpy node. Standard library only.
"""

import argparse
from dataclasses import dataclass, field, fields, is_dataclass, MISSING
import functools
import math
import textwrap
import types
import typing
from typing import Any, Mapping, Optional, Tuple

_SCALARS = (bool, int, float, str)
_TYPE_NAMES = {bool: 'bool', int: 'int', float: 'float', str: 'string'}


class ParameterError(ValueError):
    """A parameter value is not allowed, or a parameter name is unknown."""


def parameter(default=MISSING, description: str = '', *, unit: str = '', low=None, high=None,
              low_open: bool = False, high_open: bool = False, choices=None,
              default_from: str = '', metavar: str = ''):
    """
    Return a dataclass field: one parameter with its default and what it means.

    ``default``: the single default value (lists are copied per instance; None for an
    ``Optional`` parameter that stays unset). ``unit``: e.g. 's', 'Hz', 'm'. ``low``/``high``:
    the allowed range (closed; ``low_open``/``high_open`` exclude the bound). ``choices``: the
    allowed values (for a list: of each item). ``default_from``: the default is the value of
    this other (already declared) node parameter, e.g. 'use_sim_time'; ``default`` is then the
    value used where that parameter does not exist. ``metavar``: argparse's name of the value.
    """
    metadata = {'description': description, 'unit': unit, 'low': low, 'high': high,
                'low_open': low_open, 'high_open': high_open,
                'choices': tuple(choices) if choices is not None else None,
                'default_from': default_from, 'metavar': metavar}
    if isinstance(default, (list, tuple)):
        items = list(default)
        return field(default_factory=lambda: list(items), metadata={'pact': metadata})
    return field(default=default, metadata={'pact': metadata})


def group(schema):
    """Return a dataclass field holding the group ``schema`` (its parameters: <field>.<name>)."""
    return field(default_factory=schema)


def default_of(schema, name: str):
    """Return the default of field ``name`` of any dataclass (its default or default_factory())."""
    for item in fields(schema):
        if item.name == name:
            if item.default is not MISSING:
                return item.default
            if item.default_factory is not MISSING:
                return item.default_factory()
            break
    raise KeyError(f'{schema.__name__} has no field {name!r} with a default')


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter of a schema, flattened: dotted ``name`` and the attribute ``path`` to it."""

    name: str
    path: Tuple[str, ...]
    kind: type
    item: Optional[type]
    optional: bool
    default: Any
    description: str
    unit: str = ''
    low: Any = None
    high: Any = None
    low_open: bool = False
    high_open: bool = False
    choices: Optional[tuple] = None
    default_from: str = ''
    metavar: str = ''

    @property
    def type_name(self) -> str:
        """Return 'bool', 'int', 'float', 'string' or '<item>[]' (a list)."""
        if self.kind is list:
            return _TYPE_NAMES[self.item] + '[]'
        return _TYPE_NAMES[self.kind]

    def allowed(self) -> str:
        """Return the allowed values in words: '(0, 1]', '>= 0', "one of 'a', 'b'", or ''."""
        if self.choices is not None:
            return 'one of ' + ', '.join(format_value(choice) for choice in self.choices)
        if self.low is not None and self.high is not None:
            return (f'{"(" if self.low_open else "["}{self.low:g}, '
                    f'{self.high:g}{")" if self.high_open else "]"}')
        if self.low is not None:
            return f'{">" if self.low_open else ">="} {self.low:g}'
        if self.high is not None:
            return f'{"<" if self.high_open else "<="} {self.high:g}'
        return ''

    def check(self, value, source: str = ''):
        """Return ``value`` converted to this parameter's type; raise ParameterError if refused."""
        if value is None:
            if self.optional:
                return None
            self._refuse(value, f'a {self.type_name} value', source)
        if self.kind is list:
            if not isinstance(value, (list, tuple)):
                self._refuse(value, f'a list ({self.type_name})', source)
            return [self._check_one(item, self.item, value, source) for item in value]
        return self._check_one(value, self.kind, value, source)

    def _check_one(self, value, kind: type, whole, source: str):
        if kind is bool:
            if not isinstance(value, bool):
                self._refuse(whole, 'true or false', source)
        elif kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self._refuse(whole, 'an integer', source)
        elif kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(
                    value):
                self._refuse(whole, 'a number', source)
            value = float(value)
        elif not isinstance(value, str):
            self._refuse(whole, 'a string', source)
        if self.choices is not None and value not in self.choices:
            self._refuse(whole, self.allowed(), source)
        if kind in (int, float) and not self._in_range(value):
            self._refuse(whole, 'in ' + self.allowed() if self.low is not None
                         and self.high is not None else self.allowed(), source)
        return value

    def _in_range(self, value) -> bool:
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        if self.high is None:
            return True
        return not (value > self.high or (self.high_open and value == self.high))

    def _refuse(self, value, wanted: str, source: str):
        where = f'{source}: ' if source else ''
        raise ParameterError(f'{where}parameter {self.name} = {value!r} is not allowed: must be '
                             f'{wanted}')


class Parameters:
    """Base of a schema dataclass: an instance is validated when it is built (see module doc)."""

    def __post_init__(self):
        """Validate every parameter (and ``check()``), converting ints of float parameters."""
        validate(self)

    def check(self) -> None:
        """Check conditions between parameters (override; raise ParameterError)."""


def _resolve(annotation) -> Tuple[type, Optional[type], bool]:
    """Return (type, list item type, optional) of a field annotation."""
    optional = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        arguments = [item for item in typing.get_args(annotation) if item is not type(None)]
        if len(arguments) != 1:
            raise TypeError(f'unsupported parameter type {annotation!r}')
        annotation, optional = arguments[0], True
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if item not in _SCALARS:
            raise TypeError(f'unsupported list item type {item!r}')
        return list, item, optional
    if annotation in _SCALARS:
        return annotation, None, optional
    raise TypeError(f'unsupported parameter type {annotation!r}')


@functools.lru_cache(maxsize=None)
def specs(schema) -> Tuple[ParameterSpec, ...]:
    """Return the parameters of ``schema`` in declaration order, groups flattened."""
    return tuple(_specs(schema, ()))


def _specs(schema, prefix: Tuple[str, ...]) -> list:
    hints = typing.get_type_hints(schema)
    found = []
    for item in fields(schema):
        path = prefix + (item.name,)
        if 'pact' not in item.metadata:
            if is_dataclass(hints[item.name]):
                found.extend(_specs(hints[item.name], path))
                continue
            raise TypeError(f'{schema.__name__}.{item.name} is not made with parameter()')
        kind, member, optional = _resolve(hints[item.name])
        default = default_of(schema, item.name)
        found.append(ParameterSpec(name='.'.join(path), path=path, kind=kind, item=member,
                                   optional=optional, default=default, **item.metadata['pact']))
    return found


def spec(schema, name: str) -> ParameterSpec:
    """Return the parameter ``name`` (dotted for a group member) of ``schema``."""
    for candidate in specs(schema):
        if candidate.name == name:
            return candidate
    raise KeyError(f'{schema.__name__} has no parameter {name!r}')


def _get(instance, path):
    for attribute in path:
        instance = getattr(instance, attribute)
    return instance


def validate(instance, source: str = ''):
    """Check every parameter of ``instance`` (converting ints to floats) and ``check()``."""
    for item in specs(type(instance)):
        owner = _get(instance, item.path[:-1])
        value = item.check(getattr(owner, item.path[-1]), source)
        object.__setattr__(owner, item.path[-1], value)
    try:
        instance.check()
    except ParameterError:
        raise
    except ValueError as error:
        raise ParameterError(f'{source}: {error}' if source else str(error)) from error
    return instance


def _flatten(values: Mapping, prefix: str = '') -> dict:
    flat = {}
    for name, value in values.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f'{prefix}{name}.'))
        else:
            flat[f'{prefix}{name}'] = value
    return flat


def from_dict(schema, values: Mapping, source: str = 'parameters'):
    """
    Return ``schema`` built from plain values (dotted names or nested mappings).

    Missing names take their defaults; unknown names raise ParameterError listing the known ones.
    """
    flat = _flatten(values or {})
    known = {item.name: item for item in specs(schema)}
    unknown = sorted(set(flat) - set(known))
    if unknown:
        raise ParameterError(f'{source}: unknown parameter(s) {unknown} (known: '
                             f'{sorted(known)})')
    checked = {name: known[name].check(value, source) for name, value in flat.items()}
    try:
        return _build(schema, (), checked)
    except ParameterError as error:
        if source and not str(error).startswith(f'{source}: '):
            raise ParameterError(f'{source}: {error}') from error
        raise


def _build(schema, prefix: Tuple[str, ...], checked: dict):
    """Return ``schema`` with the ``checked`` values; groups built recursively (validated)."""
    hints = typing.get_type_hints(schema)
    arguments = {}
    for item in fields(schema):
        path = prefix + (item.name,)
        if 'pact' not in item.metadata:
            arguments[item.name] = _build(hints[item.name], path, checked)
        elif '.'.join(path) in checked:
            arguments[item.name] = checked['.'.join(path)]
    return schema(**arguments)


def to_dict(instance) -> dict:
    """Return {dotted name: value} of every parameter of ``instance``."""
    return {item.name: _get(instance, item.path) for item in specs(type(instance))}


def format_value(value) -> str:
    """Return ``value`` in YAML flow style (quoted strings, floats with a '.', [a, b] lists)."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, float):
        if math.isinf(value):
            return '.inf' if value > 0 else '-.inf'
        text = repr(value)
        if 'e' in text and '.' not in text.split('e')[0]:
            mantissa, exponent = text.split('e')
            text = f'{mantissa}.0e{exponent}'
        return text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (list, tuple)):
        return '[' + ', '.join(format_value(item) for item in value) + ']'
    raise TypeError(f'cannot format {value!r}')


def _explain(item: ParameterSpec) -> str:
    """Return the description with unit and allowed values: 'text (s; > 0)'."""
    notes = '; '.join(note for note in (item.unit, item.allowed()) if note)
    return f'{item.description} ({notes})' if notes else item.description


def markdown_table(schema, overrides: Mapping = None, names=None, as_flags: bool = False) -> str:
    """
    Return the README table of ``schema``.

    ``overrides``: {name: (value, reason)} values a shipped YAML sets instead (shown beside the
    default); ``names``: only these parameters; ``as_flags``: name the ``--command-line-flags``.
    """
    overrides = overrides or {}
    rows = [f'| {"flag" if as_flags else "parameter"} | type | default | unit | allowed | '
            'description |', '|---|---|---|---|---|---|']
    for item in specs(schema):
        if names is not None and item.name not in names:
            continue
        if item.default_from:
            default = f'`{item.default_from}`'
        elif item.optional and item.default is None:
            default = 'unset'
        else:
            default = f'`{format_value(item.default)}`'
        if item.name in overrides:
            default += f' (shipped YAML: `{format_value(overrides[item.name][0])}`)'
        cells = [f'`{_flag(item.name) if as_flags else item.name}`', item.type_name, default,
                 item.unit, item.allowed().replace('|', '\\|'),
                 item.description.replace('|', '\\|')]
        rows.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(rows) + '\n'


def _comment(text: str, indent: str) -> list:
    return textwrap.wrap(text, 99, initial_indent=indent + '# ',
                         subsequent_indent=indent + '#   ', break_on_hyphens=False)


@dataclass(frozen=True)
class ParameterFile:
    """
    A shipped parameter YAML (``path`` under the repository) rendered from ``schema``.

    Every parameter appears with its default, except ``overrides``: {name: (value, reason)},
    values this file ships instead of the node's own default (each listed with its reason).
    """

    node: str
    schema: type
    path: str
    header: str
    overrides: Mapping = field(default_factory=dict)

    def text(self, generator: str = 'scripts/render_parameters.py') -> str:
        """Return the YAML text: the header comment, then every parameter under the node name."""
        source = f'{self.schema.__module__}.{self.schema.__qualname__}'
        lines = []
        for paragraph in self.header.strip().split('\n\n'):
            lines.extend(_comment(' '.join(paragraph.split()), ''))
        lines += _comment(f'Generated by {generator} from {source}: edit the schema, then '
                          're-render; every value is the parameter default unless marked '
                          '"shipped value".', '')
        lines += [f'{self.node}:', '  ros__parameters:']
        opened = ()
        for item in specs(self.schema):
            groups = item.path[:-1]
            if groups != opened:
                for depth in range(len(groups)):
                    if groups[:depth + 1] != opened[:depth + 1]:
                        lines.append('    ' + '  ' * depth + f'{groups[depth]}:')
                opened = groups
            indent = '    ' + '  ' * len(groups)
            lines += _comment(_explain(item), indent)
            key = item.path[-1]
            if item.default_from:
                lines.append(f'{indent}# {key}: defaults to the value of {item.default_from}')
            elif item.name in self.overrides:
                value, reason = self.overrides[item.name]
                item.check(value, self.path)
                lines += _comment(f'shipped value: {reason} (node default: '
                                  f'{format_value(item.default)})', indent)
                lines.append(f'{indent}{key}: {format_value(value)}')
            elif item.optional and item.default is None:
                lines.append(f'{indent}# {key}: unset by default')
            else:
                lines.append(f'{indent}{key}: {format_value(item.default)}')
        unknown = sorted(set(self.overrides) - {item.name for item in specs(self.schema)})
        if unknown:
            raise ParameterError(f'{self.path}: overrides of unknown parameters {unknown}')
        return '\n'.join(lines) + '\n'


def _flag(name: str) -> str:
    return '--' + name.replace('_', '-')


def add_arguments(parser: argparse.ArgumentParser, schema, names=None,
                  defaults: bool = True) -> None:
    """
    Add one ``--flag-name`` per parameter of ``schema`` (or of ``names``) to ``parser``.

    Type, default, choices and help come from the schema; lists take ``nargs='+'``, bools
    ``--flag/--no-flag``. Read the values back with ``from_arguments``. ``defaults=False``:
    flags that override values from elsewhere (a YAML file): an absent flag is None.
    """
    for item in specs(schema):
        if names is not None and item.name not in names:
            continue
        if len(item.path) > 1:
            raise TypeError(f'{item.name}: grouped parameters have no command-line flag')
        options = {'dest': item.name, 'default': item.default if defaults else None,
                   'help': _explain(item).replace('%', '%%') + (
                       ' (default: %(default)s)' if defaults else '')}
        if item.kind is bool:
            options['action'] = argparse.BooleanOptionalAction
        elif item.kind is list:
            options.update(type=item.item, nargs='+')
        else:
            options['type'] = item.kind
            if item.choices is not None:
                options['choices'] = item.choices
        if item.metavar:
            options['metavar'] = item.metavar
        parser.add_argument(_flag(item.name), **options)


def from_arguments(schema, namespace: argparse.Namespace, source: str = 'command line'):
    """Return ``schema`` built from the parsed flags that ``add_arguments`` added."""
    names = [item.name for item in specs(schema) if hasattr(namespace, item.name)]
    return from_dict(schema, {name: getattr(namespace, name) for name in names}, source)
