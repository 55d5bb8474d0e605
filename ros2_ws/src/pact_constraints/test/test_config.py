# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Constraint configuration: the bundled default and validation errors that name the key."""

from dataclasses import replace

from pact_constraints.core.config import (
    config_from_dict, config_from_yaml_text, CONSTRAINT_NAMES, ConstraintConfigError,
    default_config, default_config_path, load_constraint_config, OPT_IN)
from pact_testing.repository import repository_path
import pytest

REPO_DEFAULT = repository_path('config', 'constraints', 'default.yaml')


def test_bundled_default_is_valid_and_complete():
    config = load_constraint_config(REPO_DEFAULT)
    assert config.geometry_mode == 'capsule'
    # every constraint but the opt-in ones (payload_drop needs tracked objects) is on
    assert config.active == tuple(name for name in CONSTRAINT_NAMES if name not in OPT_IN)
    assert set(config.terms) == set(CONSTRAINT_NAMES)
    assert config.term('clearance').margin == pytest.approx(0.03)
    assert config.term('joint_velocity').weight == pytest.approx(0.1)
    assert config.workspace.box_min == (-1.2, -1.2, 0.0)
    assert config.grasp_approach.keypoint == 'grasp'
    assert default_config_path().name == 'default.yaml'
    assert default_config() == config


def test_empty_config_gives_defaults():
    config = config_from_dict({})
    assert config.active == tuple(name for name in CONSTRAINT_NAMES if name not in OPT_IN)
    assert OPT_IN == ('payload_drop',)
    assert config.velocity_scale == 1.0


def test_overrides():
    config = config_from_dict({'constraints': {'clearance': {'penalty': 'smooth'}}})
    assert config.term('clearance').penalty == 'smooth'
    only = config.with_active(['clearance', 'joint_position'])
    assert only.active == ('clearance', 'joint_position')
    assert config.with_geometry_mode('exact').geometry_mode == 'exact'
    with pytest.raises(ConstraintConfigError, match='unknown'):
        config.with_active(['clearence'])
    with pytest.raises(ConstraintConfigError, match='geometry_mode'):
        config.with_geometry_mode('mesh')


@pytest.mark.parametrize('data, message', [
    ({'geometry_mode': 'mesh'}, r'geometry_mode: expected one of'),
    ({'colour': 1}, r"unknown key\(s\) \['colour'\]"),
    ({'velocity_scale': 1.5}, r'velocity_scale: must be <= 1.0'),
    ({'velocity_scale': 0}, r'velocity_scale: must be > 0'),
    ({'constraints': {'clearence': {}}}, r"constraints: unknown key\(s\) \['clearence'\]"),
    ({'constraints': {'clearance': {'margin': -1}}}, r'constraints.clearance.margin: must be >='),
    ({'constraints': {'clearance': {'margin': 'far'}}}, r'clearance.margin: expected a finite'),
    ({'constraints': {'self_collision': {'active': 'yes'}}}, r'self_collision.active: expected'),
    ({'constraints': {'joint_position': {'penalty': 'quadratic'}}}, r'joint_position.penalty'),
    ({'constraints': {'joint_velocity': {'smooth_width': 0}}}, r'joint_velocity.smooth_width'),
    ({'constraints': {'workspace': {'box': {'min': [0, 0, 0]}}}}, r'workspace.box: needs both'),
    ({'constraints': {'workspace': {'box': {'min': [0, 0, 1], 'max': [1, 1, 0]}}}},
     r'workspace.box: min must be below max'),
    ({'constraints': {'workspace': {'half_spaces': [{'normal': [0, 0, 0], 'offset': 1}]}}},
     r'half_spaces\[0\].normal: must not be the zero vector'),
    ({'constraints': {'grasp_approach': {'open_fraction': 2}}}, r'open_fraction: must be <= 1'),
    ({'constraints': {'clearance': {'radius': 1}}}, r"clearance: unknown key\(s\) \['radius'\]"),
])
def test_bad_values_are_named(data, message):
    with pytest.raises(ConstraintConfigError, match=message):
        config_from_dict(data, 'cfg')


def test_bad_yaml_and_missing_file(tmp_path):
    with pytest.raises(ConstraintConfigError, match='not valid YAML'):
        config_from_yaml_text('constraints: [unclosed')
    with pytest.raises(ConstraintConfigError, match='cannot read'):
        load_constraint_config(tmp_path / 'none.yaml')


def test_half_space_normal_is_normalised():
    config = config_from_dict({'constraints': {'workspace': {
        'half_spaces': [{'normal': [0, 0, 2], 'offset': 3}]}}})
    assert config.workspace.half_spaces == (((0.0, 0.0, 1.0), 1.5),)


def test_config_by_package_uri_and_the_sim_task_config(tmp_path, monkeypatch):
    # package:// resolves through the ament share folders like robot descriptions do.
    share = tmp_path / 'share' / 'pact_constraints' / 'config' / 'constraints'
    share.mkdir(parents=True)
    sim_tasks = default_config_path().parent / 'sim_tasks.yaml'
    for name in ('sim_tasks.yaml', 'default.yaml'):   # sim_tasks.yaml extends default.yaml
        (share / name).write_text((sim_tasks.parent / name).read_text())
    monkeypatch.setenv('AMENT_PREFIX_PATH', str(tmp_path))
    by_uri = load_constraint_config('package://pact_constraints/config/constraints/sim_tasks.yaml')
    assert by_uri == load_constraint_config(f'file://{sim_tasks}')
    # The MuJoCo-task config differs from the default only where its header says so.
    default = default_config()
    assert (by_uri.capsules_per_link, default.capsules_per_link) == (2, 1)
    assert (by_uri.path_substeps, default.path_substeps) == (5, 1)
    assert by_uri.path_rows == default.path_rows == 0
    assert by_uri.term('clearance').margin == 0.0
    assert by_uri.term('joint_position').margin == 0.02
    assert by_uri.payload.held_in_clearance and not default.payload.held_in_clearance
    assert 'payload_drop' in by_uri.active and 'payload_drop' not in default.active
    assert by_uri.grasp_approach.activation_radius == 0.10
    assert 'joint_velocity' not in by_uri.active and 'joint_velocity' in default.active
    for name in ('self_collision', 'workspace', 'grasp_approach'):
        assert by_uri.term(name).margin == default.term(name).margin
        assert by_uri.term(name).weight == default.term(name).weight
    with pytest.raises(ConstraintConfigError, match='nowhere.yaml'):
        load_constraint_config('package://pact_constraints/config/constraints/nowhere.yaml')


def test_the_sim_task_overlay_is_the_default_with_its_documented_differences():
    sim_tasks = load_constraint_config(REPO_DEFAULT.parent / 'sim_tasks.yaml')
    default = default_config()
    smooth = {name: replace(term, penalty='smooth') for name, term in default.terms.items()}
    smooth['clearance'] = replace(smooth['clearance'], margin=0.0)
    smooth['joint_position'] = replace(smooth['joint_position'], margin=0.02)
    smooth['joint_velocity'] = replace(smooth['joint_velocity'], active=False)
    smooth['payload_drop'] = replace(smooth['payload_drop'], active=True)
    assert sim_tasks == replace(
        default, capsules_per_link=2, path_substeps=5, terms=smooth,
        grasp_approach=replace(default.grasp_approach, activation_radius=0.10),
        payload=replace(default.payload, held_in_clearance=True,
                        support_surfaces=('table', 'bin_floor')))


def test_overlays_merge_mapping_by_mapping(tmp_path):
    (tmp_path / 'base.yaml').write_text('penalty: smooth\nconstraints:\n  clearance:\n'
                                        '    margin: 0.05\n    weight: 2.0\n')
    (tmp_path / 'middle.yaml').write_text('extends: base.yaml\nconstraints:\n  clearance:\n'
                                          '    margin: 0.01\n')
    (tmp_path / 'top.yaml').write_text(f'extends: file://{tmp_path / "middle.yaml"}\n'
                                       'velocity_scale: 0.5\n')
    config = load_constraint_config(tmp_path / 'top.yaml')
    clearance = config.term('clearance')
    assert (clearance.margin, clearance.weight, clearance.penalty) == (0.01, 2.0, 'smooth')
    assert config.velocity_scale == 0.5


@pytest.mark.parametrize('text, message', [
    ('extends: missing.yaml\n', r'cannot read constraint config .*missing\.yaml'),
    ('extends: loop.yaml\n', r'loop\.yaml\.extends: extends itself'),
    ('extends: [a.yaml]\n', r"extends: expected the file this one overrides, got \['a.yaml'\]"),
    ('extends: base.yaml\nconstraints: {clearance: {margin: -1}}\n',
     r'loop\.yaml\.constraints\.clearance\.margin: must be >= 0'),
])
def test_overlay_errors_name_the_file_and_key(tmp_path, text, message):
    (tmp_path / 'base.yaml').write_text('penalty: hinge\n')
    (tmp_path / 'loop.yaml').write_text(text)
    with pytest.raises(ConstraintConfigError, match=message):
        load_constraint_config(tmp_path / 'loop.yaml')


@pytest.mark.parametrize('key,value,message', [
    ('path_substeps', 0, 'path_substeps: must be >= 1'),
    ('path_substeps', 2.5, 'path_substeps: must be a whole number'),
    ('path_substeps', True, 'path_substeps: expected a finite number'),
    ('path_rows', -1, 'path_rows: must be >= 0'),
])
def test_executed_path_settings_are_validated(key, value, message):
    with pytest.raises(ConstraintConfigError, match=message):
        config_from_dict({key: value, 'constraints': {}})
