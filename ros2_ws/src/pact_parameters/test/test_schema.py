# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The ROS-free schema: validation, dict and argparse input, YAML and markdown output."""

import argparse
from dataclasses import dataclass
from typing import Optional

from pact_parameters.core.schema import (add_arguments, default_of, format_value, from_arguments,
                                         from_dict, group, markdown_table, parameter,
                                         ParameterError, ParameterFile, Parameters, spec, specs,
                                         to_dict)
import pytest
import yaml


@dataclass
class Margins:
    clearance: float = parameter(-1.0, 'clearance margin; < 0 = from the config', unit='m')
    joint: float = parameter(-1.0, 'joint margin', unit='rad')


@dataclass(frozen=True)
class Example(Parameters):
    rate: float = parameter(100.0, 'publication rate', unit='Hz', low=0.0, low_open=True)
    share: float = parameter(0.0, 'share of the batch', low=0.0, high=1.0)
    count: int = parameter(4, 'epochs at most', low=1)
    mode: str = parameter('auto', 'teacher Jacobian', choices=('auto', 'full'))
    topic: str = parameter('/scene', 'scene topic')
    enabled: bool = parameter(True, 'score chunks')
    folders: list[str] = parameter([''], "folders; [''] = none")
    subset: Optional[list[str]] = parameter(None, 'active subset', choices=('a', 'b'))
    activate: bool = parameter(False, 'activate new weights', default_from='use_sim_time')
    margins: Margins = group(Margins)

    def check(self):
        if self.mode == 'full' and self.count > 10:
            raise ValueError('mode full allows at most 10 epochs')


def test_specs_flatten_groups_in_declaration_order():
    names = [item.name for item in specs(Example)]
    assert names == ['rate', 'share', 'count', 'mode', 'topic', 'enabled', 'folders', 'subset',
                     'activate', 'margins.clearance', 'margins.joint']
    assert spec(Example, 'margins.joint').unit == 'rad'
    assert spec(Example, 'folders').type_name == 'string[]'
    assert spec(Example, 'share').allowed() == '[0, 1]'
    assert spec(Example, 'rate').allowed() == '> 0'


def test_defaults_build_and_are_independent_copies():
    first, second = Example(), Example()
    first.folders.append('x')
    assert second.folders == [''] and second.margins == Margins()
    assert default_of(Example, 'count') == 4 and default_of(Example, 'folders') == ['']


@pytest.mark.parametrize('values, message', [
    ({'rate': 0.0}, r'parameter rate = 0\.0 is not allowed: must be > 0'),
    ({'share': 1.5}, r'parameter share = 1\.5 is not allowed: must be in \[0, 1\]'),
    ({'count': 0}, r'count = 0 .*>= 1'),
    ({'count': 2.5}, r'count = 2\.5 .*an integer'),
    ({'count': True}, r'count = True .*an integer'),
    ({'mode': 'half'}, r"mode = 'half' .*one of 'auto', 'full'"),
    ({'enabled': 'yes'}, r'enabled .*true or false'),
    ({'folders': 'x'}, r'folders .*a list'),
    ({'subset': ['a', 'c']}, r"subset = \['a', 'c'\] .*one of 'a', 'b'"),
    ({'margins': {'clearance': 'x'}}, r'margins\.clearance .*a number'),
    ({'rate': float('nan')}, r'rate = nan'),
    ({'mode': 'full', 'count': 11}, r'at most 10 epochs'),
])
def test_refused_values_name_the_parameter_value_and_range(values, message):
    with pytest.raises(ParameterError, match=r'^example.yaml: .*' + message):
        from_dict(Example, values, 'example.yaml')


def test_construction_validates_too():
    with pytest.raises(ParameterError, match='rate = -1.0'):
        Example(rate=-1.0)


def test_from_dict_refuses_unknown_names_and_lists_the_known_ones():
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\) \['rat'\] \(known: "
                                             r"\['activate', 'count', 'enabled'"):
        from_dict(Example, {'rat': 1.0})


def test_from_dict_accepts_dotted_and_nested_names_and_ints_for_floats():
    nested = from_dict(Example, {'margins': {'joint': 0}, 'rate': 5})
    dotted = from_dict(Example, {'margins.joint': 0.0, 'rate': 5.0})
    assert nested == dotted and isinstance(nested.rate, float)
    assert isinstance(nested.margins.joint, float)
    assert to_dict(nested)['margins.joint'] == 0.0 and to_dict(nested)['subset'] is None


@pytest.mark.parametrize('value, text', [
    (3e-05, '3.0e-05'), (1e-4, '0.0001'), (0.05, '0.05'), (-1.0, '-1.0'), (256, '256'),
    (True, 'true'), ("it's", "'it''s'"), ([''], "['']"), ([], '[]'), (float('inf'), '.inf')])
def test_yaml_values_read_back_as_the_same_value(value, text):
    assert format_value(value) == text
    assert yaml.safe_load(f'key: {text}')['key'] == value


def test_parameter_file_renders_every_default_and_marked_overrides():
    shipped = ParameterFile(node='example_node', schema=Example, path='config/example.yaml',
                            header='Parameters of the example node.',
                            overrides={'topic': ('/robot/scene', 'the robot namespace')})
    text = shipped.text()
    assert text.startswith('# Parameters of the example node.\n# Generated by ')
    document = yaml.safe_load(text)
    values = document['example_node']['ros__parameters']
    assert values['topic'] == '/robot/scene'
    assert 'shipped value: the robot namespace' in text
    assert 'subset' not in values and 'activate' not in values   # unset / from use_sim_time
    assert '# activate: defaults to the value of use_sim_time' in text
    expected = {name: value for name, value in to_dict(Example()).items()
                if name not in ('subset', 'activate', 'topic')}
    assert {name: value for name, value in to_dict(from_dict(Example, values)).items()
            if name in expected} == expected
    assert values['margins'] == {'clearance': -1.0, 'joint': -1.0}
    assert all(len(line) <= 99 for line in text.splitlines())


def test_parameter_file_refuses_overrides_of_unknown_or_refused_values():
    with pytest.raises(ParameterError, match='unknown parameters'):
        ParameterFile('n', Example, 'p.yaml', 'h', {'nope': (1, 'x')}).text()
    with pytest.raises(ParameterError, match='rate = 0'):
        ParameterFile('n', Example, 'p.yaml', 'h', {'rate': (0.0, 'x')}).text()


def test_markdown_table_has_one_row_per_parameter():
    table = markdown_table(Example, {'topic': ('/robot/scene', 'x')})
    rows = table.strip().splitlines()
    assert len(rows) == 2 + len(specs(Example))
    assert '| `rate` | float | `100.0` | Hz | > 0 | publication rate |' in rows
    assert "`'/scene'` (shipped YAML: `'/robot/scene'`)" in table
    assert '| `activate` | bool | `use_sim_time` |' in table
    assert '| `subset` | string[] | unset |' in table


@dataclass(frozen=True)
class Flags(Parameters):
    learning_rate: float = parameter(1e-4, 'learning rate', low=0.0, low_open=True)
    method: str = parameter('pact', 'objective', choices=('pact', 'rwr'))
    scale: Optional[float] = parameter(None, "replace the preset's w", metavar='W')
    verbose: bool = parameter(False, 'print more')


def test_argparse_flags_come_from_the_schema():
    parser = argparse.ArgumentParser()
    add_arguments(parser, Flags)
    defaults = parser.parse_args([])
    assert vars(defaults) == {'learning_rate': 1e-4, 'method': 'pact', 'scale': None,
                              'verbose': False}
    given = parser.parse_args(['--learning-rate', '3e-5', '--method', 'rwr', '--scale', '2',
                               '--verbose'])
    assert from_arguments(Flags, given) == Flags(3e-5, 'rwr', 2.0, True)
    with pytest.raises(SystemExit):
        parser.parse_args(['--method', 'dppo'])
    with pytest.raises(ParameterError, match=r'^command line: parameter learning_rate = 0\.0'):
        from_arguments(Flags, parser.parse_args(['--learning-rate', '0']))
    assert '(default: 0.0001)' in parser.format_help().replace('\n', ' ').replace('  ', ' ')


def test_grouped_parameters_have_no_flags():
    with pytest.raises(TypeError, match='margins.clearance'):
        add_arguments(argparse.ArgumentParser(), Example)
    parser = argparse.ArgumentParser()
    add_arguments(parser, Example, names={'rate', 'mode'})
    assert vars(parser.parse_args([])) == {'rate': 100.0, 'mode': 'auto'}


def test_markdown_table_of_some_flags():
    table = markdown_table(Flags, names={'learning_rate', 'scale'}, as_flags=True)
    assert table.splitlines()[0].startswith('| flag | type |')
    assert '| `--learning-rate` | float | `0.0001` |  | > 0 | learning rate |' in table
    assert '`--scale`' in table and '--method' not in table


def test_override_flags_are_none_when_absent():
    parser = argparse.ArgumentParser()
    add_arguments(parser, Flags, names={'learning_rate', 'method'}, defaults=False)
    assert vars(parser.parse_args([])) == {'learning_rate': None, 'method': None}
    assert vars(parser.parse_args(['--method', 'rwr'])) == {'learning_rate': None,
                                                            'method': 'rwr'}
