# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Exact path: distances vs closed forms, MuJoCo and trimesh; gradients vs finite differences."""

import mujoco
from mujoco_reference import mesh_stem_to_link, MujocoRobot
import numpy as np
from pact_constraints.core.config import config_from_dict
from pact_constraints.core.constraints import ConstraintEvaluator
from pact_constraints.core.distance import DistanceQuery
from pact_constraints.core.robot_model import RobotModel
from pact_constraints.core.scene_geometry import scene_bodies
from pact_world.core.robot_assets import PANDA_URDF, read_description, UR5_URDF
from pact_world.core.scene import scene_from_dict
import pytest
import trimesh

pytestmark = pytest.mark.sim

BALLS_URDF = """<robot name="balls">
  <link name="base"/>
  <link name="ball_a"><collision><geometry><sphere radius="0.1"/></geometry></collision></link>
  <link name="ball_b"><collision><geometry><sphere radius="0.1"/></geometry></collision></link>
  <joint name="slide_x" type="prismatic"><parent link="base"/><child link="ball_a"/>
    <axis xyz="1 0 0"/><limit lower="-1" upper="1" velocity="0.5" effort="1"/></joint>
  <joint name="slide_y" type="prismatic"><origin xyz="0.5 0 0"/><parent link="base"/>
    <child link="ball_b"/><axis xyz="0 1 0"/>
    <limit lower="-1" upper="1" velocity="0.5" effort="1"/></joint>
</robot>"""

BALL_SCENE = scene_from_dict({'obstacles': [
    {'name': 'ball', 'type': 'sphere', 'radius': 0.2, 'pose': {'position': [1.0, 0.0, 0.0]}},
    {'name': 'box', 'type': 'box', 'size': [0.2, 0.2, 0.2], 'pose': {'position': [0, 0.6, 0]}},
    {'name': 'floor', 'type': 'half_space', 'normal': [0, 0, 1], 'offset': -0.3},
]})


def point_box_distance(point, centre, half):
    """Return the distance (m) from a point outside an axis-aligned box to the box."""
    return float(np.linalg.norm(np.maximum(np.abs(point - centre) - half, 0.0)))


def analytic_ball_distances(q):
    """Return {(link, obstacle): distance} for the two-ball robot at q = (x of a, y of b)."""
    centres = {'ball_a': np.array([q[0], 0, 0]), 'ball_b': np.array([0.5, q[1], 0])}
    table = {}
    for link, centre in centres.items():
        table[(link, 'ball')] = np.linalg.norm(centre - [1, 0, 0]) - 0.3
        table[(link, 'box')] = point_box_distance(centre, [0, 0.6, 0], 0.1) - 0.1
        table[(link, 'floor')] = centre[2] + 0.3 - 0.1
    table[('ball_a', 'ball_b')] = np.linalg.norm(centres['ball_a'] - centres['ball_b']) - 0.2
    return table, centres


@pytest.mark.parametrize('q', [(0.0, 0.0), (0.3, -0.2), (0.75, 0.1), (-0.4, 0.55)])
def test_two_balls_match_closed_forms(q):
    robot = RobotModel(BALLS_URDF)
    query = DistanceQuery(robot, 'exact', scene_bodies(BALL_SCENE))
    query.place(np.array(q))
    expected, centres = analytic_ball_distances(q)
    pairs = query.scene_distances(np.inf) + query.self_distances(np.inf)
    assert len(pairs) == 7
    for pair in pairs:
        assert pair.distance == pytest.approx(expected[(pair.robot_link, pair.other_name)],
                                              abs=1e-7)
        # The robot witness point lies on its sphere; distance = normal . (p_other - p_robot).
        centre = centres[pair.robot_link]
        assert np.linalg.norm(pair.point_robot - centre) == pytest.approx(0.1, abs=1e-7)
        assert pair.normal @ (pair.point_other - pair.point_robot) == pytest.approx(
            pair.distance, abs=1e-7)
    sphere_pair = next(p for p in pairs if (p.robot_link, p.other_name) == ('ball_a', 'ball'))
    np.testing.assert_allclose(sphere_pair.point_robot, [q[0] + 0.1, 0, 0], atol=1e-7)
    np.testing.assert_allclose(sphere_pair.point_other, [0.8, 0, 0], atol=1e-7)
    np.testing.assert_allclose(sphere_pair.normal, [1, 0, 0], atol=1e-7)


def test_clearance_value_hinge_and_smooth():
    robot = RobotModel(BALLS_URDF)
    scene = scene_from_dict({'obstacles': [
        {'name': 'ball', 'type': 'sphere', 'radius': 0.2, 'pose': {'position': [1, 0, 0]}}]})
    for kind, expected in (('hinge', 0.02), ('smooth', 0.02 - 0.005)):
        config = config_from_dict({'penalty': kind, 'constraints': {
            'clearance': {'margin': 0.03, 'smooth_width': 0.01},
            'self_collision': {'active': False}}})
        evaluation = ConstraintEvaluator(robot, scene, config).evaluate(np.array([0.69, -0.9]))
        term = evaluation.terms['clearance']
        assert term.measured == pytest.approx(0.01, abs=1e-7)
        assert term.value == pytest.approx(expected, abs=1e-7)
        assert evaluation.min_clearance.robot_link == 'ball_a'
        assert evaluation.min_clearance.other_name == 'ball'


def test_srdf_disabled_pair_is_never_reported():
    srdf = '<robot name="balls"><disable_collisions link1="ball_b" link2="ball_a"/></robot>'
    for text, count in (('', 1), (srdf, 0)):
        query = DistanceQuery(RobotModel(BALLS_URDF, text), 'exact', [])
        query.place(np.array([0.5, 0.0]))   # the balls overlap
        assert len(query.self_distances(np.inf)) == count


def test_panda_never_reports_disabled_pairs(panda):
    rng = np.random.default_rng(5)
    for mode in ('exact', 'convex', 'capsule'):
        query = DistanceQuery(panda, mode, [])
        for _ in range(5):
            query.place(rng.uniform(panda.lower, panda.upper))
            for pair in query.self_distances(np.inf):
                assert frozenset((pair.robot_link, pair.other_name)) not in \
                    panda.disabled_link_pairs


def mujoco_obstacles(rng):
    """Return random box/sphere/capsule obstacles as MuJoCo geoms and as a Scene."""
    centres = rng.uniform([-0.6, -0.6, 0.1], [0.6, 0.6, 0.9], size=(3, 3))
    quaternion = rng.normal(size=4)
    quaternion /= np.linalg.norm(quaternion)
    geoms = [
        {'name': 'box', 'type': mujoco.mjtGeom.mjGEOM_BOX, 'size': [0.05, 0.1, 0.15],
         'pos': centres[0], 'quat': np.roll(quaternion, 1)},
        {'name': 'ball', 'type': mujoco.mjtGeom.mjGEOM_SPHERE, 'size': [0.08, 0, 0],
         'pos': centres[1]},
        {'name': 'bar', 'type': mujoco.mjtGeom.mjGEOM_CAPSULE, 'size': [0.04, 0.15, 0],
         'pos': centres[2]},
    ]
    scene = scene_from_dict({'obstacles': [
        {'name': 'box', 'type': 'box', 'size': [0.1, 0.2, 0.3],
         'pose': {'position': centres[0].tolist(), 'quaternion': quaternion.tolist()}},
        {'name': 'ball', 'type': 'sphere', 'radius': 0.08,
         'pose': {'position': centres[1].tolist()}},
        {'name': 'bar', 'type': 'capsule', 'radius': 0.04, 'length': 0.3,
         'pose': {'position': centres[2].tolist()}},
    ]})
    return geoms, scene


@pytest.mark.parametrize('name, urdf_uri, seed', [('panda', PANDA_URDF, 1), ('ur5', UR5_URDF, 2)])
def test_convex_distances_match_mujoco(request, name, urdf_uri, seed):
    robot = request.getfixturevalue(name)
    rng = np.random.default_rng(seed)
    stem_to_link = mesh_stem_to_link(robot)
    compared = 0
    for _ in range(4):
        geoms, scene = mujoco_obstacles(rng)
        reference = MujocoRobot(read_description(urdf_uri), geoms)
        query = DistanceQuery(robot, 'convex', scene_bodies(scene))
        positions = rng.uniform(np.maximum(robot.lower, -np.pi), np.minimum(robot.upper, np.pi))
        reference.set_positions(dict(zip(robot.joint_names, positions, strict=True)) | (
            {'panda_finger_joint2': positions[-1]} if name == 'panda' else {}))
        query.place(positions)
        ours = {(p.robot_link, p.other_name): p for p in query.scene_distances(np.inf)}
        by_link = {}
        for geom, body, mesh in reference.robot_geoms():
            link = stem_to_link.get(mesh, body)
            for obstacle, obstacle_id in zip(('box', 'ball', 'bar'), reference.obstacle_ids,
                                             strict=True):
                by_link.setdefault((link, obstacle), []).append(
                    (mesh, reference.distance(geom, obstacle_id), geom))
        for key, measured in by_link.items():
            if key not in ours:   # bodies fixed to the root are not checked
                assert key[0] in ('panda_link0', 'base_link')
                continue
            if len(measured) == 1 and measured[0][0]:
                assert ours[key].distance == pytest.approx(measured[0][1], abs=2e-5), key
                compared += 1
                check_witness_on_hull(reference.world_mesh(measured[0][2]), ours[key])
            else:   # several primitives on one link: the hull of their union is closer
                assert ours[key].distance <= min(m[1] for m in measured) + 1e-6
    assert compared >= 12


def check_witness_on_hull(mesh, pair):
    """Assert the robot witness point lies on the hull and matches the distance."""
    hull = mesh.convex_hull
    on_surface = trimesh.proximity.closest_point(hull, pair.point_robot[None])[1][0]
    assert on_surface < 1e-5
    if pair.distance > 0:
        gap = np.linalg.norm(pair.point_other - pair.point_robot)
        assert gap == pytest.approx(pair.distance, abs=1e-6)


def test_exact_mesh_distances_match_trimesh(panda):
    rng = np.random.default_rng(11)
    stem_to_link = mesh_stem_to_link(panda)
    checked = 0
    for _ in range(3):
        centre = rng.uniform([-0.4, -0.4, 0.2], [0.4, 0.4, 0.8])
        scene = scene_from_dict({'obstacles': [
            {'name': 'ball', 'type': 'sphere', 'radius': 0.05,
             'pose': {'position': centre.tolist()}}]})
        reference = MujocoRobot(read_description(PANDA_URDF))
        positions = rng.uniform(panda.lower, panda.upper)
        reference.set_positions(dict(zip(panda.joint_names, positions, strict=True))
                                | {'panda_finger_joint2': positions[-1]})
        query = DistanceQuery(panda, 'exact', scene_bodies(scene))
        query.place(positions)
        ours = {p.robot_link: p for p in query.scene_distances(np.inf)}
        for geom, _, mesh in reference.robot_geoms():
            link = stem_to_link.get(mesh)
            if not mesh or link not in ours:
                continue
            world = reference.world_mesh(geom)
            closest, gap, _ = trimesh.proximity.closest_point(world, centre[None])
            if gap[0] < 0.05:   # penetrating: mesh (BVH) depth is per triangle, sign only
                assert ours[link].distance <= 1e-9
                continue
            assert ours[link].distance == pytest.approx(gap[0] - 0.05, abs=1e-5), link
            np.testing.assert_allclose(ours[link].point_robot, closest[0], atol=1e-4)
            assert np.linalg.norm(ours[link].point_other - centre) == pytest.approx(0.05, 1e-6)
            checked += 1
    assert checked >= 20


def gradient_scene(robot, positions):
    """Return a scene with obstacles near the arm and a keypoint just off the approach axis."""
    tool = robot.frame_pose(robot.default_tool_frame, positions)
    keypoint = tool[:3, 3] + 0.05 * tool[:3, 2] + 0.03 * tool[:3, 0]
    elbow = robot.forward(positions).oMi[4].translation
    return scene_from_dict({'obstacles': [
        {'name': 'box', 'type': 'box', 'size': [0.1, 0.1, 0.1],
         'pose': {'position': (elbow + [0.1, 0.1, 0.05]).tolist(), 'rpy': [0.3, 0.2, 0.1]}},
        {'name': 'floor', 'type': 'half_space', 'normal': [0, 0, 1], 'offset': 0.05},
        {'name': 'ball', 'type': 'sphere', 'radius': 0.05,
         'pose': {'position': (tool[:3, 3] + [0.12, 0, 0]).tolist()}},
    ], 'objects': [{'name': 'cube', 'type': 'box', 'size': [0.04, 0.04, 0.04],
                    'pose': {'position': keypoint.tolist()}, 'keypoints': {'grasp': [0, 0, 0]}}]}
    ), tool[:3, 3]


def gradient_config(mode, tool_position):
    """Return a smooth-penalty config with wide margins so every term is active."""
    return config_from_dict({
        'geometry_mode': mode, 'penalty': 'smooth', 'velocity_scale': 0.1,
        'constraints': {
            'clearance': {'margin': 0.25, 'smooth_width': 0.05},
            'self_collision': {'margin': 0.15, 'smooth_width': 0.05},
            'joint_position': {'margin': 0.6, 'smooth_width': 0.1},
            'joint_velocity': {'margin': 0.05, 'smooth_width': 0.05},
            'workspace': {'margin': 0.1, 'smooth_width': 0.05, 'box': {
                'min': (tool_position - 0.08).tolist(), 'max': (tool_position + 0.3).tolist()}},
            'grasp_approach': {'margin': 0.005, 'smooth_width': 0.01,
                               'activation_radius': 0.2}}})


def central_difference(function, x, step):
    """Return the central finite-difference gradient of a scalar function of an array."""
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        offset = np.zeros_like(x)
        offset[index] = step
        gradient[index] = (function(x + offset) - function(x - offset)) / (2 * step)
    return gradient


@pytest.mark.parametrize('mode', ['convex', 'capsule', 'exact'])
def test_state_gradients_match_finite_differences(robot, mode):
    rng = np.random.default_rng(21)
    positions = 0.5 * (robot.lower + robot.upper) + 0.2 * rng.uniform(-1, 1, len(robot.lower))
    positions = np.clip(positions, np.maximum(robot.lower, -2.5), np.minimum(robot.upper, 2.5))
    positions[0] = robot.upper[0] - 0.1   # inside the joint-position margin
    if robot.gripper_joint:
        positions[robot.joint_index(robot.gripper_joint)] = 0.035
    scene, tool_position = gradient_scene(robot, positions)
    evaluator = ConstraintEvaluator(robot, scene, gradient_config(mode, tool_position))
    analytic = evaluator.evaluate(positions, with_gradient=True)
    for name, term in analytic.terms.items():
        numeric = central_difference(lambda x, name=name: evaluator.evaluate(x).terms[name].value,
                                     positions, 1e-6)
        scale = max(1.0, np.abs(numeric).max())
        np.testing.assert_allclose(term.gradient, numeric, atol=2e-4 * scale, err_msg=name)
    active = [name for name, term in analytic.terms.items() if term.value > 0]
    expected = {'clearance', 'joint_position', 'workspace'} | (
        {'grasp_approach'} if robot.gripper_joint else set())
    assert expected <= set(active), active


def test_chunk_gradients_match_finite_differences(panda):
    rng = np.random.default_rng(8)
    current = np.array([0.1, -0.5, 0.2, -2.0, 0.1, 1.6, 0.7, 0.035])
    chunk = current + np.cumsum(rng.normal(0.0, 0.04, size=(3, 8)), axis=0)
    chunk[:, 7] = 0.035
    scene, tool_position = gradient_scene(panda, current)
    evaluator = ConstraintEvaluator(panda, scene, gradient_config('capsule', tool_position))
    result = evaluator.evaluate_chunk(chunk, current, dt=0.1)
    for name in result.values:
        numeric = central_difference(
            lambda x, name=name: evaluator.evaluate_chunk(
                x, current, 0.1, with_gradient=False).values[name],
            chunk, 1e-6)
        scale = max(1.0, np.abs(numeric).max())
        np.testing.assert_allclose(result.gradients[name], numeric, atol=2e-4 * scale,
                                   err_msg=name)
    assert result.values['joint_velocity'] > 0
    assert result.total == pytest.approx(sum(
        evaluator.config.term(n).weight * v for n, v in result.values.items()))


def test_joint_velocity_from_chunk_rows(panda):
    config = config_from_dict({'velocity_scale': 0.5, 'constraints': {
        name: {'active': name == 'joint_velocity'} for name in
        ('clearance', 'self_collision', 'joint_position', 'joint_velocity', 'workspace',
         'grasp_approach')}})
    evaluator = ConstraintEvaluator(panda, scene_from_dict({}), config)
    current = np.zeros(8)
    chunk = np.zeros((2, 8))
    chunk[0, 0] = 0.2      # 2 rad/s on joint 1 against 0.5 * 2.175 allowed
    chunk[1, 0] = 0.2      # then at rest
    result = evaluator.evaluate_chunk(chunk, current, dt=0.1)
    assert result.values['joint_velocity'] == pytest.approx(2.0 - 0.5 * 2.175)
    assert result.measured['joint_velocity'] == pytest.approx(0.5 * 2.175 - 2.0)


def test_joint_position_and_workspace_values(panda):
    config = config_from_dict({'constraints': {
        'clearance': {'active': False}, 'self_collision': {'active': False},
        'joint_position': {'margin': 0.1},
        'workspace': {'margin': 0.0, 'half_spaces': [{'normal': [0, 0, 1], 'offset': 0.5}]}}})
    evaluator = ConstraintEvaluator(panda, scene_from_dict({}), config)
    positions = np.zeros(8)
    positions[0] = 2.8973 - 0.04       # 0.04 rad from the upper limit: 0.06 into the margin
    positions[3] = -0.0698 - 0.5
    positions[5] = 1.0
    evaluation = evaluator.evaluate(positions)
    assert evaluation.terms['joint_position'].value == pytest.approx(0.06)
    tool_height = panda.frame_pose('panda_hand_tcp', positions)[2, 3]
    assert evaluation.terms['workspace'].value == pytest.approx(max(0.0, tool_height - 0.5))
    assert evaluation.terms['workspace'].value > 0


@pytest.mark.parametrize('mode', ['exact', 'convex', 'capsule'])
def test_broad_phase_keeps_the_exact_minimum_and_every_costly_pair(panda, mode):
    rng = np.random.default_rng(13)
    query = None
    for _ in range(15):
        geoms, scene = mujoco_obstacles(rng)
        query = DistanceQuery(panda, mode, scene_bodies(scene))
        query.place(rng.uniform(panda.lower, panda.upper))
        everything = sorted(p.distance for p in query.scene_distances(np.inf))
        culled = query.scene_distances(0.05)
        assert culled[0].distance == pytest.approx(everything[0], abs=1e-12)
        assert len(culled) >= sum(d < 0.05 for d in everything)
        bounds = query.scene_lower_bounds()
        for pair in query.scene_distances(np.inf):   # penetrating pairs: any bound < 0
            assert bounds[pair.robot_body, pair.other_body] <= max(pair.distance, 0) + 1e-9
        selfs = sorted(p.distance for p in query.self_distances(np.inf))
        assert query.self_distances(0.0)[0].distance == pytest.approx(selfs[0], abs=1e-12)


@pytest.mark.parametrize('mode', ['convex', 'capsule'])
def test_far_obstacles_are_culled_before_pair_bounds_and_the_minimum_stays_exact(panda, mode):
    rng = np.random.default_rng(5)
    near = [{'name': 'shelf', 'type': 'box', 'size': [0.3, 0.6, 0.02],
             'pose': {'position': [0.45, 0.0, 0.45]}},
            {'name': 'post', 'type': 'cylinder', 'radius': 0.03, 'length': 0.6,
             'pose': {'position': [0.3, 0.35, 0.3]}},
            {'name': 'floor', 'type': 'half_space', 'normal': [0, 0, 1], 'offset': -0.01}]
    far = [{'name': f'far{i}', 'type': 'box', 'size': [0.05, 0.05, 0.05],
            'pose': {'position': [3.0 + 0.1 * (i % 30), -1.5 + 0.1 * (i // 30), 0.5]}}
           for i in range(1000)]
    bodies = scene_bodies(scene_from_dict({'obstacles': near + far}))
    query = DistanceQuery(panda, mode, bodies)
    reference = DistanceQuery(panda, mode, bodies[:3])  # the same robot, near obstacles only
    for _ in range(10):
        positions = rng.uniform(panda.lower, panda.upper)
        query.place(positions)
        reference.place(positions)
        pairs = query.scene_distances(0.05)
        assert query.examined_columns <= 3  # the 1000 boxes 2.2+ m away: no pair bounds
        expected = reference.scene_distances(0.05)
        assert pairs[0].distance == pytest.approx(expected[0].distance, abs=1e-12)
        assert sorted((p.robot_link, p.other_name) for p in pairs if p.distance < 0.05) == \
            sorted((p.robot_link, p.other_name) for p in expected if p.distance < 0.05)
    # Nothing within the cutoff: the nearest obstacle still gives the exact minimum.
    lonely = DistanceQuery(panda, mode, bodies[3:])
    lonely.place(np.clip(np.zeros(len(panda.lower)), panda.lower, panda.upper))
    everything = lonely.scene_distances(np.inf)
    assert lonely.scene_distances(0.05)[0].distance == pytest.approx(
        min(p.distance for p in everything), abs=1e-12)
    assert lonely.examined_columns < 1000
