# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The MuJoCo world matches the URDF (Pinocchio FK), the scene YAML and the controller spec."""

import mujoco
import numpy as np
from pact_sim.core.robot_loader import load_robot_spec, RobotLoadError
from pact_sim.core.scene_builder import build_sim_model, PhysicsConfig, RobotConfig
from pact_sim.core.task_spec import config_dir
from pact_world.core import robot_assets
from pact_world.core.scene import load_scene_yaml, scene_from_dict
import pinocchio
import pytest

pytestmark = pytest.mark.sim

PANDA_ARM = tuple(f'panda_joint{i}' for i in range(1, 8))


@pytest.fixture(scope='module')
def pick_world():
    return build_sim_model(load_scene_yaml(config_dir() / 'scenes' / 'pick_clutter.yaml'))


def pinocchio_tool_position(arm_q):
    urdf = robot_assets.resolve_uri(robot_assets.PANDA_URDF)
    model = pinocchio.buildModelFromUrdf(str(urdf))
    data = model.createData()
    q = pinocchio.neutral(model)
    for name, value in zip(PANDA_ARM, arm_q, strict=True):
        q[model.joints[model.getJointId(name)].idx_q] = value
    pinocchio.framesForwardKinematics(model, data, q)
    return data.oMf[model.getFrameId('panda_hand_tcp')].translation.copy()


def test_panda_actions_physics_step_and_control_rate(pick_world):
    assert pick_world.action_names == PANDA_ARM + ('panda_finger_joint1',)
    assert pick_world.model.opt.timestep == pytest.approx(0.002)
    assert pick_world.physics.substeps == 50
    assert pick_world.model.nu == 8
    np.testing.assert_allclose(pick_world.action_high[-1], 0.04)
    np.testing.assert_allclose(pick_world.action_low[:7], [-2.8973, -1.7628, -2.8973, -3.0718,
                                                           -2.8973, -0.0175, -2.8973])


def test_tool_site_matches_pinocchio_forward_kinematics(pick_world):
    data = mujoco.MjData(pick_world.model)
    rng = np.random.default_rng(0)
    for _ in range(5):
        arm_q = rng.uniform(pick_world.action_low[:7], pick_world.action_high[:7])
        data.qpos[pick_world.action_qpos_adr[:7]] = arm_q
        mujoco.mj_kinematics(pick_world.model, data)
        np.testing.assert_allclose(data.site_xpos[pick_world.tool_site],
                                   pinocchio_tool_position(arm_q), atol=1e-6)


def test_scene_entries_become_bodies_with_yaml_sizes_and_masses(pick_world):
    model = pick_world.model
    table = model.geom('table')
    np.testing.assert_allclose(model.geom_size[table.id], [0.4, 0.6, 0.02])
    np.testing.assert_allclose(model.body_pos[model.body('table').id], [0.6, 0.0, -0.02])
    target = model.body('target')
    assert model.jnt_type[model.body_jntadr[target.id]] == mujoco.mjtJoint.mjJNT_FREE
    np.testing.assert_allclose(model.body_mass[target.id], 400.0 * 0.045 * 0.045 * 0.12)


def test_position_actuators_track_and_fingers_stay_coupled(pick_world):
    model, data = pick_world.model, mujoco.MjData(pick_world.model)
    data.qpos[pick_world.action_qpos_adr] = pick_world.home
    target = pick_world.home + np.array([0.3, -0.2, 0.2, 0.3, -0.3, 0.2, 0.4, 0.0])
    target[-1] = 0.03
    data.ctrl[:] = target
    for _ in range(750):
        mujoco.mj_step(model, data)
    np.testing.assert_allclose(data.qpos[pick_world.action_qpos_adr], target, atol=0.01)
    finger2 = model.jnt_qposadr[model.joint('panda_finger_joint2').id]
    assert abs(data.qpos[finger2] - data.qpos[pick_world.action_qpos_adr[-1]]) < 1e-3


def test_actuator_force_limits_follow_urdf_efforts(pick_world):
    np.testing.assert_allclose(pick_world.model.actuator_forcerange[:7, 1],
                               [87, 87, 87, 87, 12, 12, 12])


def test_ur5_without_gripper_builds():
    scene = load_scene_yaml(config_dir() / 'scenes' / 'reach_shelf.yaml')
    world = build_sim_model(scene, RobotConfig(urdf_uri=robot_assets.UR5_URDF,
                                               srdf_uri=robot_assets.UR5_SRDF,
                                               tool_frame='tool0', gripper_joint=None))
    assert world.gripper_joint is None
    assert world.action_dim == 6 and world.model.nu == 6
    assert world.finger_geoms == frozenset()


def test_every_shape_type_builds_and_half_space_is_solid_below():
    scene = scene_from_dict({'obstacles': [
        {'name': 'floor', 'type': 'half_space', 'normal': [0, 0, 1], 'offset': -0.3},
        {'name': 'ball', 'type': 'sphere', 'radius': 0.05, 'pose': {'position': [0.5, 0, 0.8]}},
        {'name': 'post', 'type': 'cylinder', 'radius': 0.02, 'length': 0.3,
         'pose': {'position': [0.5, 0.4, 0.2]}},
        {'name': 'bar', 'type': 'capsule', 'radius': 0.02, 'length': 0.3,
         'pose': {'position': [0.5, -0.4, 0.2]}},
        {'name': 'link_mesh', 'type': 'mesh',
         'uri': robot_assets.PANDA_URDF.replace('urdf/panda.urdf', 'meshes/collision/link1.stl'),
         'pose': {'position': [-0.5, 0, 0.2]}}]})
    world = build_sim_model(scene)
    model, data = world.model, mujoco.MjData(world.model)
    mujoco.mj_forward(model, data)
    floor = model.geom('floor').id
    probe = model.geom('ball').id
    assert mujoco.mj_geomDistance(model, data, probe, floor, 5.0, None) == pytest.approx(
        0.8 - 0.05 + 0.3, abs=1e-6)
    np.testing.assert_allclose(model.geom_size[model.geom('bar').id][:2], [0.02, 0.15])


def test_control_period_must_be_whole_physics_steps():
    with pytest.raises(ValueError, match='whole multiple'):
        assert PhysicsConfig(timestep=0.002, control_dt=0.0125).substeps


@pytest.mark.parametrize('urdf_text, srdf_text, message', [
    ('<robot name="r"><link name="a"></robot>', None, 'arm.urdf: not valid XML'),
    ('<mujoco/>', None, 'arm.urdf: root element must be <robot>, got <mujoco>'),
    ('<robot name="r"><link name="a"/></robot>', '<robot><oops', 'arm.srdf: not valid XML'),
])
def test_malformed_robot_files_are_named(tmp_path, urdf_text, srdf_text, message):
    urdf = tmp_path / 'arm.urdf'
    urdf.write_text(urdf_text)
    srdf = None
    if srdf_text is not None:
        srdf = tmp_path / 'arm.srdf'
        srdf.write_text(srdf_text)
    with pytest.raises(RobotLoadError, match=message):
        load_robot_spec(str(urdf), None if srdf is None else str(srdf))
