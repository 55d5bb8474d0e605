# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""pact_align end to end: from an MCAP log and against pact_sim's vectorised env; resumable."""

import json

from pact_constraints.core.config import default_config_path
from pact_eval.core.sim_source import VectorEnvSource
from pact_msgs.msg import PolicyStep
from pact_policy.core.checkpoint import load_checkpoint, save_checkpoint
from pact_policy.core.normalizer import Normalizer
from pact_policy.core.policy import DiffusionPolicy
from pact_policy.core.policy_config import PolicyConfig
from pact_sim.core.vector_env import VectorEnv
from pact_trainer.align_cli import build_robot_costs, main, observations_from_mcap
from pact_trainer.core.toy_problem import make_toy_policy
from pact_trainer.mcap_log import McapLog
import pytest
from rclpy.serialization import serialize_message
import torch
from toy_panda_run import write_toy_panda_run

pytestmark = [pytest.mark.dds, pytest.mark.sim, pytest.mark.slow]

JOINTS = [f'panda_joint{i}' for i in range(1, 8)] + ['panda_finger_joint1']
FAST = ['--steps-per-epoch', '5', '--max-inner-epochs', '1', '--batch-size', '16',
        '--chunks-per-iteration', '16', '--device', 'cpu', '--guidance-preset', 'tilt_exact']


def test_align_from_mcap_writes_loadable_checkpoints_and_resumes(tmp_path):
    torch.set_num_threads(1)
    # A Panda-shaped toy policy: 8 actions, panda_joint4 within 5 cm of its -0.07 rad limit.
    home = [0.0, 0.0, 0.0, -0.1, 0.0, 1.6, 0.8, 0.02]
    observations = [f'{joint}.position' for joint in JOINTS]
    policy = make_toy_policy('velocity', home, [0.01] * 8, hidden_dim=16, num_blocks=1,
                             obs_dim=8, action_names=JOINTS, observation_names=observations)
    save_checkpoint(policy, tmp_path / 'base.pact', {'version': 'toy'})
    log = McapLog(tmp_path / 'log.mcap')
    for index in range(5):
        step = PolicyStep(observation_names=['other', *observations],
                          observation=[9.0, *home[:7], 0.01 * index])
        log.write('/r1/policy_node/policy_step', 'pact_msgs/msg/PolicyStep',
                  serialize_message(step))
    log.close()
    (tmp_path / 'scene.yaml').write_text(
        'obstacles: [{name: wall, type: box, size: [0.05, 1.0, 1.0], '
        'pose: {position: [0.5, 0.0, 0.5]}}]\n')
    arguments = ['mcap', '--base', str(tmp_path / 'base.pact'), '--logs',
                 str(tmp_path / 'log.mcap'), '--out', str(tmp_path / 'out'),
                 '--scene', str(tmp_path / 'scene.yaml'), *FAST]
    assert main([*arguments, '--iterations', '2']) == 0
    loaded = load_checkpoint(tmp_path / 'out' / 'checkpoints' / 'toy-pact2.pact',
                             expected_architecture_id=policy.config.architecture_id)
    assert loaded.metadata['parent_version'] == 'toy-pact1'
    assert main([*arguments, '--iterations', '3']) == 0   # resumes: one more iteration
    records = [json.loads(line) for line in
               (tmp_path / 'out' / 'iterations.jsonl').read_text().splitlines()]
    assert [record['iteration'] for record in records] == [0, 1, 2]
    assert list(records[0]['constraints']) == ['clearance', 'self_collision', 'joint_position',
                                               'joint_velocity', 'workspace', 'grasp_approach']
    assert records[0]['constraints']['joint_position']['violation_rate'] > 0.5
    assert (tmp_path / 'out' / 'latest.pact').read_bytes() == (
        tmp_path / 'out' / 'checkpoints' / 'toy-pact3.pact').read_bytes()


def untrained_sim_policy(env, n_obs_steps: int = 1) -> DiffusionPolicy:
    """Return a tiny untrained flow policy over the env's actions (uniform over the ranges)."""
    config = PolicyConfig(action_dim=len(env.action_names), obs_dim=len(env.observation_names),
                          horizon=4, n_action_steps=2, n_obs_steps=n_obs_steps,
                          parameterisation='velocity',
                          model_type='mlp', mlp_hidden_dim=16, mlp_num_blocks=1,
                          time_embed_dim=8, num_inference_steps=2,
                          action_names=list(env.action_names),
                          observation_names=env.observation_names)
    low, high = env.action_low, env.action_high
    actions = Normalizer.from_statistics('minmax', {'min': low.tolist(), 'max': high.tolist()})
    torch.manual_seed(0)
    return DiffusionPolicy(config, actions)


def test_vector_env_source_keeps_each_samples_scene():
    torch.set_num_threads(1)
    env = VectorEnv('reach', 2)
    policy = untrained_sim_policy(env)
    source = VectorEnvSource(env, seed=11)
    robot = build_robot_costs(policy, env)
    source.scene_context = robot.scene_context
    scenes = env.scenes()
    batch = source.collect(policy, 2)
    # Row i was sampled in world i, whose randomised shelf sits elsewhere than world j's.
    expected = robot.scene_context(scenes)
    for key, value in expected.items():
        assert torch.equal(batch.context[key], value), key
    boxes = batch.context['obstacles/box/translation']
    assert float((boxes[0] - boxes[1]).abs().max()) > 1e-3
    torch.testing.assert_close(batch.context['joint_position'][:, :7],
                               batch.observation[:, :7])
    assert set(batch.context) >= {'observation', 'joint_position', 'obstacles/box/rotation'}
    # Each sample's cost uses its own layout: swapping the scenes changes the clearance.
    costs = robot.cost_set()
    swapped = dict(batch.context, **{key: value.flip(0) for key, value in expected.items()})
    assert not torch.equal(costs.values(batch.action, batch.context)[:, 0],
                           costs.values(batch.action, swapped)[:, 0])


def test_align_against_the_vectorised_sim_runs_on_policy(tmp_path):
    torch.set_num_threads(1)
    env = VectorEnv('reach', 1)
    config = untrained_sim_policy(env).config
    save_checkpoint(untrained_sim_policy(env), tmp_path / 'base.pact')
    assert main(['sim', '--base', str(tmp_path / 'base.pact'), '--out', str(tmp_path / 'out'),
                 '--num-envs', '2', '--iterations', '1', *FAST]) == 0
    record = json.loads((tmp_path / 'out' / 'iterations.jsonl').read_text().splitlines()[0])
    # 16 chunks from 2 worlds, 2 executed rows each (no episode ends within 16 rows).
    assert record['env_steps'] == 16 * 2
    # An untrained policy's chunks (uniform over the joint ranges) violate the robot's
    # constraints, every one logged by name with its curriculum margin.
    constraints = record['constraints']
    assert set(constraints) == set(record['margins']) == {
        'clearance', 'self_collision', 'joint_position', 'joint_velocity', 'workspace',
        'grasp_approach'}
    assert constraints['joint_velocity']['mean_cost'] > 0
    assert constraints['clearance']['violation_rate'] > 0
    loaded = load_checkpoint(tmp_path / 'out' / 'checkpoints' / 'base-pact1.pact',
                             expected_architecture_id=config.architecture_id)
    assert loaded.policy.config.action_names == list(env.action_names)


def test_vector_env_source_feeds_the_observation_history_row_by_row():
    torch.set_num_threads(1)
    env = VectorEnv('reach', 2)
    policy = untrained_sim_policy(env, n_obs_steps=2)
    source = VectorEnvSource(env, seed=3)
    first = source.collect(policy, 2)           # one chunk per world, right after the reset
    second = source.collect(policy, 2)          # the next chunk, n_action_steps rows later
    width = len(env.observation_names)
    # At the reset the history is padded with the first observation.
    torch.testing.assert_close(first.observation[:, :width], first.observation[:, width:])
    # Newest entry = the state the chunk starts from (measured independently by the env).
    torch.testing.assert_close(second.observation[:, width:width + 7],
                               second.context['joint_position'][:, :7])
    # Older entry = one row (dt) earlier, not one chunk earlier: replay the first chunk's rows
    # in a fresh copy of the worlds and compare with the observation before the last row.
    replay = VectorEnv('reach', 2)
    replay.reset([3, 4])
    rows = policy.config.n_action_steps
    replay.step(first.action.numpy(), execute_rows=rows - 1)
    torch.testing.assert_close(second.observation[:, :width],
                               torch.as_tensor(replay.observations(), dtype=torch.float32))
    # The first velocity row is measured from the last executed command, not the lagging state.
    torch.testing.assert_close(second.context['previous_command'], first.action[:, rows - 1])
    torch.testing.assert_close(first.context['previous_command'],
                               first.context['joint_position'])


def test_robot_costs_use_the_configs_capsules_per_link(tmp_path):
    env = VectorEnv('reach', 1)
    env.reset([0])
    policy = untrained_sim_policy(env)
    one = build_robot_costs(policy, env)
    text = open(default_config_path()).read()
    assert 'capsules_per_link: 1' in text
    (tmp_path / 'two.yaml').write_text(text.replace('capsules_per_link: 1',
                                                    'capsules_per_link: 2'))
    two = build_robot_costs(policy, env, constraints=str(tmp_path / 'two.yaml'))
    links = {body.link for body in one.robot.geometries('capsule')}
    counts = {link: sum(body.link == link for body in two.robot.geometries('capsule'))
              for link in links}
    assert len(one.robot.geometries('capsule')) == len(links)
    assert sum(counts.values()) > len(links) and max(counts.values()) == 2
    # the fatter single capsules give a smaller (more conservative) clearance everywhere
    chunk = torch.as_tensor(env.joint_positions(), dtype=torch.float32)[:, None].repeat(1, 3, 1)
    context = {'joint_position': chunk[:, 0]}
    assert float(one.chunk_costs(chunk, context).min_clearance) <= float(
        two.chunk_costs(chunk, context).min_clearance)


def test_mcap_rows_and_cost_positions_follow_the_logged_history(tmp_path):
    # n_obs_steps = 2: a PolicyStep carries [older frame '@-1', newest frame], named so.
    env = VectorEnv('reach', 1)
    env.reset([0])
    policy = untrained_sim_policy(env, n_obs_steps=2)
    names = list(policy.config.observation_names)
    logged = [f'{name}@-1' for name in names] + names
    older, newest = [float(i) for i in range(len(names))], [100.0 + i for i in range(len(names))]
    log = McapLog(tmp_path / 'log.mcap')
    for _ in range(3):   # extra entries first: rows are picked by name, not position
        step = PolicyStep(observation_names=['extra', *reversed(logged)],
                          observation=[-1.0, *reversed(older + newest)])
        log.write('/r1/policy_node/policy_step', 'pact_msgs/msg/PolicyStep',
                  serialize_message(step))
    log.close()
    rows = observations_from_mcap([tmp_path / 'log.mcap'], policy)
    assert rows.shape == (3, 2 * len(names))
    torch.testing.assert_close(rows[0], torch.tensor(older + newest))
    # the costs' measured joint positions are the newest frame's '<joint>.position' entries
    robot = build_robot_costs(policy, env)
    start = robot._start(torch.zeros(3, 2, len(JOINTS)), {'observation': rows})
    expected = [100.0 + names.index(f'{joint}.position') for joint in env.action_names]
    torch.testing.assert_close(start[0], torch.tensor(expected))


def test_guidance_scale_zero_leaves_the_weights_of_the_base_unchanged(tmp_path):
    torch.set_num_threads(1)
    policy = write_toy_panda_run(tmp_path)
    common = ['mcap', '--base', str(tmp_path / 'base.pact'), '--logs', str(tmp_path / 'log.mcap'),
              '--iterations', '2', *FAST]
    assert main([*common, '--out', str(tmp_path / 'control'), '--guidance-scale', '0']) == 0
    assert main([*common, '--out', str(tmp_path / 'guided')]) == 0
    base = policy.state_dict()
    control = load_checkpoint(tmp_path / 'control' / 'latest.pact').policy.state_dict()
    guided = load_checkpoint(tmp_path / 'guided' / 'latest.pact').policy.state_dict()
    assert all(torch.equal(control[name], base[name]) for name in base)
    assert not all(torch.equal(guided[name], base[name]) for name in base)
    records = [json.loads(line) for line in
               (tmp_path / 'control' / 'iterations.jsonl').read_text().splitlines()]
    assert [record['kl_proxy'] for record in records] == [0.0, 0.0]
