# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Scene and status markers: shapes, sizes, poses and colours match the scene description."""

import numpy as np
from pact_constraints.core.marker_plan import (GREEN, GREY, HALF_SPACE_THICKNESS,
                                               plan_scene_markers, plan_status_text, RED)
from pact_world.core.scene import scene_from_yaml_text
from pact_world.core.spatial import quaternion_to_matrix

SCENE = """
frame: world
obstacles:
  - name: shelf
    type: box
    size: [0.4, 0.3, 0.02]
    pose: {position: [0.5, 0.1, 0.4], rpy: [0, 0, 0.5]}
  - {name: ball, type: sphere, radius: 0.05, pose: {position: [0.3, -0.2, 0.5]}}
  - {name: post, type: capsule, radius: 0.03, length: 0.4, pose: {position: [0.4, 0.3, 0.6]}}
  - {name: floor, type: half_space, normal: [0, 0, 1], offset: 0.1}
  - {name: wall, type: half_space, normal: [-1, 0, 0], offset: -0.9}
objects:
  - {name: can, type: cylinder, radius: 0.03, length: 0.12, pose: {position: [0.5, 0, 0.46]}}
"""


def test_scene_markers_reproduce_each_shape():
    specs = plan_scene_markers(scene_from_yaml_text(SCENE))
    by_id = {(spec.namespace, spec.marker_id): spec for spec in specs}
    shelf = by_id[('scene', 0)]
    assert shelf.kind == 'cube' and shelf.scale == (0.4, 0.3, 0.02)
    rotation = quaternion_to_matrix(shelf.orientation_xyzw)
    np.testing.assert_allclose(rotation[:2, 0], [np.cos(0.5), np.sin(0.5)], atol=1e-12)
    np.testing.assert_allclose(shelf.position, [0.5, 0.1, 0.4])
    assert by_id[('scene', 1)].kind == 'sphere' and by_id[('scene', 1)].scale == (0.1,) * 3
    post = by_id[('scene', 2)]
    assert post.kind == 'cylinder' and np.allclose(post.scale, (0.06, 0.06, 0.46))
    can = by_id[('scene_objects', 0)]
    assert can.kind == 'cylinder' and np.allclose(can.scale, (0.06, 0.06, 0.12))


def test_half_spaces_are_slabs_whose_top_face_is_the_plane():
    specs = plan_scene_markers(scene_from_yaml_text(SCENE))
    for marker_id, normal, offset in ((3, [0, 0, 1], 0.1), (4, [-1, 0, 0], -0.9)):
        slab = next(s for s in specs if s.namespace == 'scene' and s.marker_id == marker_id)
        local_z = quaternion_to_matrix(slab.orientation_xyzw)[:, 2]
        np.testing.assert_allclose(local_z, normal, atol=1e-12)
        top_face = slab.position + 0.5 * HALF_SPACE_THICKNESS * local_z
        assert np.isclose(np.dot(normal, top_face), offset)


def test_status_text_colours_and_content():
    assert plan_status_text('OK').colour == GREEN
    unknown = plan_status_text('UNKNOWN', 'joint state stale: 0.8 s')
    assert unknown.colour == GREY and 'stale' in unknown.text
    violated = plan_status_text('VIOLATED', violated=(('clearance', 0.0125),))
    assert violated.colour == RED and violated.text == 'VIOLATED: clearance 0.0125'
    assert violated.namespace == 'status' and violated.marker_id == 0
