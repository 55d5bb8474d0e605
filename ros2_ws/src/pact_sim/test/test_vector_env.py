# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The vectorised env: shapes, seeded determinism, agreement with single envs, accessors."""

import numpy as np
from pact_sim.core.sim_env import SimEnv
from pact_sim.core.vector_env import VectorEnv
from pact_world.core.scene import Scene
import pytest

pytestmark = pytest.mark.sim

SEEDS = [5, 6, 7]


def random_chunks(env: VectorEnv, rng, horizon=16):
    base = env.joint_positions()[:, None, :]
    return base + rng.normal(0.0, 0.05, (env.num_envs, horizon, len(env.action_names)))


def rollout(task='pick', steps=3):
    env = VectorEnv(task, num_envs=len(SEEDS))
    observations = [env.reset(SEEDS)]
    rng = np.random.default_rng(0)
    for _ in range(steps):
        observation, done, info = env.step(random_chunks(env, rng), execute_rows=8)
        observations.append(observation)
    return env, np.array(observations)


def test_same_seeds_same_chunks_same_trajectories():
    _, first = rollout()
    _, second = rollout()
    np.testing.assert_array_equal(first, second)
    assert first.shape == (4, 3, len(SimEnv('pick').observation_names))
    assert first.dtype == np.float32


def test_each_vector_slot_equals_a_single_env():
    _, observations = rollout(steps=2)
    single = SimEnv('pick')
    vector2 = VectorEnv('pick', num_envs=len(SEEDS))
    vector2.reset(SEEDS)
    rng = np.random.default_rng(0)
    single.reset(SEEDS[1])
    for step in range(2):
        chunks = random_chunks(vector2, rng)
        vector_obs, _, _ = vector2.step(chunks, execute_rows=8)
        single_obs = single.step_rows(chunks[1], 8)
        np.testing.assert_array_equal(vector_obs[1], single_obs)
        np.testing.assert_array_equal(vector_obs[1], observations[step + 1][1])


def test_done_at_horizon_and_rows_executed():
    env = VectorEnv('reach', num_envs=2)
    env.reset([0, 1])
    hold = np.repeat(env.joint_positions()[:, None, :], 16, axis=1)
    steps = 0
    done = env.done()
    while not done.all():
        _, done, info = env.step(hold, execute_rows=8)
        steps += 1
    assert steps == int(np.ceil(env.horizon / 8))
    assert info[0]['rows_executed'] == env.horizon - 8 * (steps - 1)
    _, done, info = env.step(hold, execute_rows=8)
    assert done.all() and info[0]['rows_executed'] == 0
    env.reset([3], indices=[0])
    assert list(env.done()) == [False, True]


def test_trainer_accessors_have_names_shapes_and_live_scene():
    env = VectorEnv('pick', num_envs=2)
    env.reset([0, 1])
    assert env.action_names[-1] == 'panda_finger_joint1' and env.dt == pytest.approx(0.1)
    assert env.joint_positions().shape == (2, 8) and env.joint_velocities().shape == (2, 8)
    scenes = env.scenes()
    assert all(isinstance(scene, Scene) for scene in scenes)
    target = scenes[1].tracked_object('target').pose.position
    np.testing.assert_allclose(target, env.envs[1].data.xpos[
        env.envs[1].sim.object_bodies['target']])
    assert not np.allclose(target, scenes[0].tracked_object('target').pose.position)


def test_events_are_reported_per_env_and_summaries_are_separate():
    env = VectorEnv('reach', num_envs=2)
    env.reset([0, 0])
    chunks = np.repeat(env.joint_positions()[:, None, :], 16, axis=1)
    chunks[0, :, 1] = 1.0                      # env 0 drives its arm into the table
    _, _, info = env.step(chunks, execute_rows=16)
    assert any(event.kind == 'robot_scene_collision' for event in info[0]['events'])
    assert info[1]['events'] == []
    summaries = env.evaluation_summaries()
    assert not summaries[0].safe and summaries[1].safe


def test_bad_chunk_shapes_are_rejected():
    env = VectorEnv('reach', num_envs=2)
    env.reset([0, 1])
    with pytest.raises(ValueError, match='shape'):
        env.step(np.zeros((2, 16, 7)))
    with pytest.raises(ValueError, match='seeds'):
        env.reset([1])
