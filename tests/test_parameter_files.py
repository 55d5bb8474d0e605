# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The node parameter YAMLs and README parameter tables are the schemas' rendering.

Every node's parameters are written once, in its schema (``pact_parameters``): the shipped
``config/<area>/<node>.yaml`` and the packages' README tables are rendered from it by
``scripts/render_parameters.py`` and must be up to date; the YAML loads in rclpy with exactly
the schema's values; the demo overlay sets only parameters the nodes have, to allowed values;
and the defaults that used to be repeated across node, CLI and core are written once.
"""

import ast
import pathlib

from pact_parameters.core.schema import from_dict, specs, to_dict
from pact_parameters.node_parameters import declare_parameters
import pytest
import render_parameters
import yaml

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
SOURCES = REPO_ROOT / 'ros2_ws' / 'src'
COMMON_PARAMETERS = {'use_sim_time'}


def test_rendered_files_are_up_to_date():
    stale = [str(path.relative_to(REPO_ROOT)) for path in render_parameters.out_of_date()]
    assert stale == [], f'run `python scripts/render_parameters.py` (out of date: {stale})'


@pytest.mark.parametrize('shipped', render_parameters.parameter_files(),
                         ids=lambda shipped: shipped.node)
def test_shipped_yaml_loads_in_rclpy_with_the_schema_values(shipped):
    rclpy = pytest.importorskip('rclpy')
    context = rclpy.Context()
    rclpy.init(context=context, args=['--ros-args', '--params-file',
                                      str(REPO_ROOT / shipped.path)])
    try:
        node = rclpy.create_node(shipped.node, context=context)
        loaded = to_dict(declare_parameters(node, shipped.schema))
        node.destroy_node()
    finally:
        rclpy.shutdown(context=context)
    expected = to_dict(shipped.schema())
    expected.update({name: value for name, (value, _) in shipped.overrides.items()})
    assert loaded == expected


def test_the_demo_overlay_sets_known_parameters_to_allowed_values():
    overlay = yaml.safe_load((REPO_ROOT / 'config' / 'demo' / 'mujoco_demo.yaml').read_text())
    schemas = {shipped.node: shipped.schema for shipped in render_parameters.parameter_files()}
    sections = [name for name in overlay if name in schemas]
    assert sorted(sections) == sorted(schemas)
    for node in sections:
        values = {key: value for key, value in overlay[node]['ros__parameters'].items()
                  if key not in COMMON_PARAMETERS}
        from_dict(schemas[node], values, f'mujoco_demo.yaml {node}')   # raises if refused


def test_every_node_parameter_is_in_its_readme_table():
    for name, (readme, *_rest) in render_parameters.README_TABLES.items():
        assert f'<!-- parameters:{name} -->' in (REPO_ROOT / readme).read_text()
    for shipped in render_parameters.parameter_files():
        tables = ''.join((REPO_ROOT / readme).read_text()
                         for readme, *_rest in render_parameters.README_TABLES.values())
        for item in specs(shipped.schema):
            assert f'| `{item.name}` |' in tables, (shipped.node, item.name)


def package_sources() -> list:
    """Return the packages' Python sources (no tests, no build output)."""
    return sorted(path for path in SOURCES.glob('pact_*/pact_*/**/*.py'))


def constants(path: pathlib.Path) -> list:
    """Return every constant of ``path``'s syntax tree."""
    return [item.value for item in ast.walk(ast.parse(path.read_text()))
            if isinstance(item, ast.Constant)]


@pytest.mark.parametrize('name', ['reference_w0.01', 'reference_w0.03', 'reference_w0.1',
                                  'low_noise_w1', 'low_noise_w3', 'tilt_exact'])
def test_each_guidance_preset_name_is_written_once(name):
    written = [str(path.relative_to(SOURCES)) for path in package_sources()
               for value in constants(path) if value == name]
    assert written == ['pact_trainer/pact_trainer/core/guidance.py'], written


def test_the_algorithm_defaults_are_written_only_in_pact_config():
    from pact_trainer.core.alignment_loop import PactConfig
    defaults = {'kl_bound': PactConfig.kl_bound, 'learning_rate': PactConfig.learning_rate}
    trainer = SOURCES / 'pact_trainer' / 'pact_trainer'
    for module in ('trainer_node.py', 'align_cli.py', 'core/trainer_parameters.py'):
        found = [name for name, value in defaults.items()
                 if value in constants(trainer / module)]
        assert found == [], f'{module} retypes the default of {found}'
