# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Scene YAML: bundled scenes load, file, text and dict agree, errors name the entry."""

import numpy as np
from pact_testing.repository import repository_path
from pact_world.core.scene import (load_scene_yaml, scene_from_dict, scene_from_yaml_text,
                                   SceneError)
import pytest
import yaml

SCENE_YAML = """
frame: world
version: 3
obstacles:
  - name: table
    type: box
    size: [0.8, 1.2, 0.04]
    pose: {position: [0.5, 0.0, 0.38], rpy: [0, 0, 0.3]}
  - {name: post, type: cylinder, radius: 0.03, length: 0.5, pose: {position: [0.4, 0.2, 0.65]}}
  - {name: bar, type: capsule, radius: 0.02, length: 0.3}
  - {name: floor, type: half_space, normal: [0, 0, 2], offset: 0.0}
  - {name: bin, type: mesh, uri: package://my_pkg/meshes/bin.stl, scale: [1, 1, 2]}
objects:
  - name: cube
    type: box
    size: [0.05, 0.05, 0.05]
    pose: {position: [0.5, 0.0, 0.425]}
    keypoints: {grasp: [0, 0, 0], top: [0, 0, 0.025]}
"""


def same_scene(first, second):
    assert (first.frame, first.version) == (second.frame, second.version)
    for ours, theirs in zip(first.obstacles + first.objects, second.obstacles + second.objects,
                            strict=True):
        assert ours.name == theirs.name and ours.shape == theirs.shape
        np.testing.assert_array_equal(ours.pose.matrix(), theirs.pose.matrix())


def test_file_text_and_dict_give_the_same_scene(tmp_path):
    path = tmp_path / 'scene.yaml'
    path.write_text(SCENE_YAML, encoding='utf-8')
    from_file = load_scene_yaml(path)
    same_scene(from_file, scene_from_yaml_text(SCENE_YAML))
    same_scene(from_file, scene_from_dict(yaml.safe_load(SCENE_YAML)))
    assert from_file.version == 3 and [o.name for o in from_file.objects] == ['cube']
    np.testing.assert_allclose(from_file.obstacle('floor').shape.normal, [0, 0, 1])
    np.testing.assert_allclose(from_file.keypoints('top'), [[0.5, 0.0, 0.45]])
    assert from_file.tracked_object('cube').dimensions == (0.05, 0.05, 0.05)


def test_rpy_and_quaternion_poses_agree():
    half = np.sqrt(0.5)
    by_rpy = scene_from_dict({'obstacles': [
        {'name': 'a', 'type': 'sphere', 'radius': 0.1,
         'pose': {'position': [1, 2, 3], 'rpy': [0, 0, np.pi / 2]}}]})
    by_quaternion = scene_from_dict({'obstacles': [
        {'name': 'a', 'type': 'sphere', 'radius': 0.1,
         'pose': {'position': [1, 2, 3], 'quaternion': [0, 0, half, half]}}]})
    np.testing.assert_allclose(by_rpy.obstacles[0].pose.matrix(),
                               by_quaternion.obstacles[0].pose.matrix(), atol=1e-12)


@pytest.mark.parametrize('name', ['carry_bin', 'pick_clutter', 'reach_shelf'])
def test_bundled_scenes_load(name):
    scene = load_scene_yaml(repository_path('config', 'scenes', f'{name}.yaml'))
    assert scene.obstacles or scene.objects


@pytest.mark.parametrize('text, message', [
    ('obstacles: [', 'not valid YAML'),
    ('frame: world\ncolour: red', r"unknown key\(s\) \['colour'\]"),
    ('obstacles:\n  - {name: t, type: cone}', r'obstacles\[0\] \(t\)\.type'),
    ('obstacles:\n  - {name: t, type: box}', r"type box needs key\(s\) \['size'\]"),
    ('obstacles:\n  - {name: t, type: box, size: [1, 0, 1]}', r'size\[1\]: must be > 0'),
    ('obstacles:\n  - {name: t, type: sphere, radius: 1, pose: {rpy: [0, 0]}}',
     r'\(t\)\.pose\.rpy: expected a list of 3 numbers'),
    ('obstacles:\n  - {name: f, type: half_space, normal: [0, 0, 0], offset: 0}',
     'must not be the zero vector'),
    ('objects:\n  - {name: m, type: mesh, uri: package://a/b.stl}', r'objects\[0\] \(m\)\.type'),
    ('obstacles:\n  - {name: a, type: sphere, radius: 1}\n'
     'objects:\n  - {name: a, type: sphere, radius: 1}', "duplicate obstacle/object name 'a'"),
    ('version: -1', 'version: expected an integer >= 0'),
])
def test_malformed_scenes_name_the_problem(text, message):
    with pytest.raises(SceneError, match=message):
        scene_from_yaml_text(text, 'test.yaml')


def test_a_missing_scene_file_is_a_scene_error(tmp_path):
    with pytest.raises(SceneError, match='cannot read scene file'):
        load_scene_yaml(tmp_path / 'absent.yaml')


def test_unknown_names_raise_key_errors():
    scene = scene_from_yaml_text(SCENE_YAML)
    with pytest.raises(KeyError, match='no obstacle'):
        scene.obstacle('cube')
    with pytest.raises(KeyError, match='no keypoint'):
        scene.tracked_object('cube').keypoint_in_scene('handle')
