# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Scripted experts over a fixed seed set, and the demonstration file format."""

import json

import numpy as np
from pact_sim.core.demos import FORMAT_VERSION, load_demos, record_task, save_demos
from pact_sim.core.experts import run_expert_episode, ScriptedExpert
from pact_sim.core.sim_env import SimEnv
from pact_sim.record_demos import main as record_demos_main
import pytest

pytestmark = pytest.mark.sim

TASKS = ('reach', 'pick', 'carry')
SEEDS = range(5)


@pytest.fixture(scope='module', params=TASKS)
def env(request):
    return SimEnv(request.param)


def rates(env, carelessness, seeds=SEEDS):
    outcomes = []
    for seed in seeds:
        run_expert_episode(env, seed, carelessness)
        summary = env.evaluation_summary()
        outcomes.append((summary.success, summary.safe))
    return np.mean(outcomes, axis=0)


def test_careful_expert_succeeds_safely_on_fixed_seeds(env):
    success, safe = rates(env, 0.0)
    assert success == 1.0 and safe == 1.0


def test_careful_reach_expert_keeps_its_wrist_out_of_the_shelf_top():
    """
    Layouts where the careful reach plan swung links 5/6 into the shelf top.

    Its IK pulled the null space toward the home posture on every row and reconfigured the
    wrist (up to 1.06 rad on joint 5 in one 0.1 s row) as the hand entered the compartment;
    with a controller that tracks the command, the wrist hit the shelf top (seeds 502002,
    502004, 502005, 502012, 502015 of the validation range).
    """
    env = SimEnv('reach')
    for seed in (502002, 502004, 502005, 502012, 502015):
        run_expert_episode(env, seed, carelessness=0.0)
        summary = env.evaluation_summary()
        assert summary.safe and summary.success, (seed, summary.events)


def test_sloppy_expert_is_unsafe_on_fixed_seeds(env):
    success, safe = rates(env, 1.0, range(8))
    assert safe <= 0.75          # measured over seeds 0..19: reach 0.3, pick 0.45, carry 0.0


def test_sloppiness_is_drawn_per_seed_with_the_carelessness(env):
    expert = ScriptedExpert(env, 0.5)
    drawn = []
    for seed in range(40):
        env.reset(seed)
        expert.plan(seed)
        drawn.append(expert.sloppiness)
    drawn = np.array(drawn)
    assert 0.25 < np.mean(drawn > 0) < 0.75
    assert np.all((drawn == 0) | ((drawn >= 0.5) & (drawn <= 1.0)))
    with pytest.raises(ValueError, match='carelessness'):
        ScriptedExpert(env, 1.5)


def test_demo_files_round_trip_and_replay_deterministically(tmp_path):
    demos = record_task('pick', [3, 4], carelessness=0.5)
    path = save_demos(demos, tmp_path)
    loaded = load_demos(path)
    env = SimEnv('pick')
    count, horizon = 2, env.horizon
    assert loaded['obs'].shape == (count, horizon, len(env.observation_names))
    assert loaded['actions'].shape == (count, horizon, 8)
    assert list(loaded['obs_names']) == env.observation_names
    assert list(loaded['action_names']) == list(env.action_names)
    assert loaded['metadata']['format_version'] == FORMAT_VERSION
    assert loaded['metadata']['dt'] == pytest.approx(0.1)
    np.testing.assert_array_equal(loaded['seeds'], [3, 4])
    observation = env.reset(4)
    np.testing.assert_array_equal(observation, loaded['obs'][1, 0])
    for t in range(horizon - 1):
        observation = env.step_row(loaded['actions'][1, t])
        np.testing.assert_allclose(observation, loaded['obs'][1, t + 1], atol=1e-5)
    assert env.evaluation_summary().success == loaded['success'][1]


def test_record_demos_command_writes_files_and_reports(tmp_path, capsys):
    assert record_demos_main(['--task', 'carry', '--episodes', '2', '--out',
                              str(tmp_path)]) == 0
    metadata = json.loads((tmp_path / 'carry.json').read_text())
    assert metadata['episodes'] == 2 and metadata['task'] == 'carry'
    assert 'success' in capsys.readouterr().out
