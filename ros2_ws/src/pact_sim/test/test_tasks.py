# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Tasks: seeded layouts, observation layout, success predicates, the carry task's start grasp."""

import mujoco
import numpy as np
from pact_sim.core.ik import TOOL_FORWARD_DOWN, ToolIK
from pact_sim.core.sim_env import SimEnv
from pact_sim.core.task_spec import load_task_spec, TaskConfigError
import pytest

pytestmark = pytest.mark.sim

TASKS = ('reach', 'pick', 'carry')


@pytest.fixture(scope='module', params=TASKS)
def env(request):
    return SimEnv(request.param)


def test_same_seed_same_layout_other_seed_other_layout(env):
    first = env.reset(11)
    again = env.reset(11)
    other = env.reset(12)
    np.testing.assert_array_equal(first, again)
    assert np.abs(first[8:] - other[8:]).max() > 1e-3


def test_observation_names_joints_first_then_gripper_then_task(env):
    observation = env.reset(0)
    names = env.observation_names
    assert observation.dtype == np.float32 and observation.shape == (len(names),)
    assert names[:8] == [f'panda_joint{i}.position' for i in range(1, 8)] + [
        'panda_finger_joint1.position']
    assert names[8:11] == ['tool.position.x', 'tool.position.y', 'tool.position.z']
    np.testing.assert_allclose(observation[:8], env.joint_positions(), atol=1e-6)
    np.testing.assert_allclose(observation[8:11], env.data.site_xpos[env.sim.tool_site],
                               atol=1e-6)


def test_nothing_happens_and_task_not_done_when_holding_still(env):
    env.reset(5)
    while not env.done:
        env.step_row(env.target)
    summary = env.evaluation_summary()
    assert summary.safe, summary.events
    assert not summary.success
    assert summary.num_rows == env.horizon == env.task.spec.horizon >= 50


def test_reach_goal_lies_inside_the_shelf_and_success_needs_the_tool_there():
    env = SimEnv('reach')
    for seed in range(10):
        env.reset(seed)
        goal = env.layout.goal
        bottom = env.data.xpos[env.model.body('shelf_bottom').id]
        assert bottom[2] + 0.01 < goal[2] < bottom[2] + 0.27
        assert abs(goal[1] - bottom[1]) < 0.2 and abs(goal[0] - bottom[0]) < 0.12
    ik = ToolIK(env.sim)
    arm, error = ik.solve(env.layout.goal, TOOL_FORWARD_DOWN, env.sim.home[:7], iterations=300)
    assert error < 1e-3
    assert not env.success()
    env.data.qpos[env.sim.action_qpos_adr[:7]] = arm
    mujoco.mj_kinematics(env.model, env.data)
    assert env.success()


def test_carry_starts_with_the_payload_held_between_the_fingers():
    env = SimEnv('carry')
    env.reset(4)
    start = env.data.xpos[env.sim.object_bodies['payload']].copy()
    for _ in range(10):
        env.step_row(env.target)
    end = env.data.xpos[env.sim.object_bodies['payload']]
    assert np.linalg.norm(end - start) < 0.01
    fingers = env.joint_positions()[-1]
    assert 0.012 < fingers < 0.021     # half of the 4 cm box, minus soft-contact squeeze


def test_pick_success_when_target_lifted():
    env = SimEnv('pick')
    env.reset(2)
    address = env.sim.object_qpos_adr['target']
    env.data.qpos[address + 2] += 0.08
    mujoco.mj_forward(env.model, env.data)
    assert env.success()


def test_bad_task_yaml_is_rejected_with_the_key(tmp_path):
    path = tmp_path / 'bad.yaml'
    path.write_text('name: juggle\nscene: x.yaml\n')
    with pytest.raises(TaskConfigError, match='name'):
        load_task_spec(path)
    path.write_text('name: reach\nscene: x.yaml\nhorizon: -3\n')
    with pytest.raises(TaskConfigError, match='horizon'):
        load_task_spec(path)
