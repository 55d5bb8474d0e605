# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The safety judge on hand-built scenarios, each with a known right answer."""

import mujoco
import numpy as np
from pact_sim.core.ik import TOOL_DOWN, ToolIK
from pact_sim.core.safety_judge import EVENT_TYPES, SafetyJudge
from pact_sim.core.scene_builder import build_sim_model
from pact_sim.core.sim_env import SimEnv
from pact_world.core.scene import scene_from_dict
import pytest

pytestmark = pytest.mark.sim


@pytest.fixture(scope='module')
def reach_env():
    return SimEnv('reach')


@pytest.fixture(scope='module')
def pick_env():
    return SimEnv('pick')


def run_rows(env, row, count):
    for _ in range(count):
        env.step_row(row)
    return env.evaluation_summary()


def test_scripted_collision_with_the_table_is_detected(reach_env):
    reach_env.reset(0)
    row = reach_env.sim.home.copy()
    row[1] = 1.0                     # shoulder pitches the arm down into the table
    summary = run_rows(reach_env, row, 15)
    assert summary.events_by_type['robot_scene_collision'] >= 1
    assert summary.events_by_type['excessive_force'] >= 1
    assert any('table' in event.bodies for event in summary.events)
    assert summary.min_clearance < 0.0
    assert not summary.safe


def test_clean_motion_in_free_space_is_not_flagged(reach_env):
    reach_env.reset(0)
    ik = ToolIK(reach_env.sim)
    start = reach_env.joint_positions()
    position, _ = ik.tool_pose(start[:7])
    for step in range(1, 11):
        target = position + np.array([-0.01, 0.01, 0.005]) * step
        arm, error = ik.solve(target, TOOL_DOWN, start[:7])
        assert error < 1e-3
        reach_env.step_row(np.concatenate([arm, [0.04]]))
        start[:7] = arm
    summary = run_rows(reach_env, reach_env.target, 5)
    assert summary.safe, summary.events
    assert summary.events_by_type == dict.fromkeys(EVENT_TYPES, 0)
    # Independent check of the clearance: tool height above the table top minus the hand size.
    assert 0.05 < summary.min_clearance <= reach_env.judge.config.clearance_distmax


def test_pruned_clearance_equals_brute_force_minimum_over_all_pairs(reach_env):
    reach_env.reset(3)
    data = reach_env.data
    judge = reach_env.judge
    rng = np.random.default_rng(1)
    for _ in range(5):
        reach_env.step_row(reach_env.sim.home + rng.uniform(-0.4, 0.4, 8))
        brute = min(judge.distances.distance(data, robot, other)
                    for robot in reach_env.sim.robot_geoms
                    for other in reach_env.sim.obstacle_geoms.values())
        expected = min(brute, judge.config.clearance_distmax)
        assert judge.clearance(data) == pytest.approx(expected, abs=1e-9)


def test_clearance_to_a_plate_below_the_fingers_matches_the_urdf_geometry():
    scene = scene_from_dict({'obstacles': [
        {'name': 'plate', 'type': 'box', 'size': [0.1, 0.1, 0.02],
         'pose': {'position': [0.31, 0.0, 0.30]}}]})
    world = build_sim_model(scene)
    data = mujoco.MjData(world.model)
    data.qpos[world.action_qpos_adr] = world.home
    mujoco.mj_forward(world.model, data)
    # URDF: finger joint 0.0584 below the hand, fingertip box centre 0.04525 further, half
    # height 0.00925; the tool frame is 0.1034 below the hand; the plate top is at z = 0.31.
    tip_below_tool = 0.0584 + 0.04525 + 0.00925 - 0.1034
    expected = data.site_xpos[world.tool_site][2] - tip_below_tool - 0.31
    assert 0.1 < expected < 0.2
    assert SafetyJudge(world).clearance(data) == pytest.approx(expected, abs=1e-4)


def test_toppled_object_is_detected(pick_env):
    pick_env.reset(1)
    address = pick_env.sim.object_qpos_adr['target']
    tilt = np.radians(80.0)
    pick_env.data.qpos[address:address + 3] = [0.55, -0.25, 0.03]
    pick_env.data.qpos[address + 3:address + 7] = [np.cos(tilt / 2), np.sin(tilt / 2), 0, 0]
    mujoco.mj_forward(pick_env.model, pick_env.data)
    summary = run_rows(pick_env, pick_env.target, 5)
    topples = [event for event in summary.events if event.kind == 'object_topple']
    assert len(topples) == 1 and topples[0].bodies == ('target',)
    assert topples[0].value > 60.0
    assert summary.events_by_type['object_fall'] == 0


def test_upright_object_is_not_toppled_but_a_dropped_one_falls(pick_env):
    pick_env.reset(1)
    summary = run_rows(pick_env, pick_env.target, 3)
    assert summary.safe, summary.events
    address = pick_env.sim.object_qpos_adr['target']
    pick_env.data.qpos[address + 2] += 0.20
    pick_env.data.qvel[:] = 0.0
    summary = run_rows(pick_env, pick_env.target, 10)
    falls = [event for event in summary.events if event.kind == 'object_fall']
    assert len(falls) == 1
    assert falls[0].value == pytest.approx(0.20, abs=0.02)


def test_self_collision_and_joint_limit_are_detected(reach_env):
    reach_env.reset(0)
    folded = np.array([0.79, -0.81, -2.66, -3.02, 1.82, 3.42, 0.62, 0.0])
    data = reach_env.data
    data.qpos[reach_env.sim.action_qpos_adr] = folded
    data.qvel[:] = 0
    mujoco.mj_forward(reach_env.model, data)
    reach_env.set_setpoint(folded)
    summary = run_rows(reach_env, folded, 1)
    assert summary.events_by_type['self_collision'] >= 1
    reach_env.reset(0)
    beyond = reach_env.sim.home.copy()
    data.qpos[reach_env.sim.action_qpos_adr[6]] = reach_env.sim.action_high[6] + 0.02
    beyond[6] = reach_env.sim.action_high[6]
    reach_env.set_setpoint(beyond)
    summary = run_rows(reach_env, beyond, 1)
    limits = [event for event in summary.events if event.kind == 'joint_limit']
    assert limits and limits[0].bodies == ('panda_joint7',)
