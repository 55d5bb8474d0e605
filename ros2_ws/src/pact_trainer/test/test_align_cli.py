# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""pact_align end to end: from an MCAP log and against pact_sim's vectorised env; resumable."""

import json

from pact_msgs.msg import PolicyStep
from pact_policy.core.checkpoint import load_checkpoint, save_checkpoint
from pact_policy.core.normalizer import Normalizer
from pact_policy.core.policy import DiffusionPolicy
from pact_policy.core.policy_config import PolicyConfig
from pact_sim.core.vector_env import VectorEnv
from pact_trainer.align_cli import main
from pact_trainer.core.toy_problem import make_toy_policy
from pact_trainer.mcap_log import McapLog
from rclpy.serialization import serialize_message
import torch

FAST = ['--steps-per-epoch', '5', '--max-inner-epochs', '1', '--batch-size', '16',
        '--chunks-per-iteration', '16', '--device', 'cpu', '--guidance-preset', 'tilt_exact']


def test_align_from_mcap_writes_loadable_checkpoints_and_resumes(tmp_path):
    torch.set_num_threads(1)
    policy = make_toy_policy('velocity', [0.5, -0.3], [2.0, 0.5], hidden_dim=16, num_blocks=1,
                             action_names=['j1', 'j2'], observation_names=['q1'])
    save_checkpoint(policy, tmp_path / 'base.pact', {'version': 'toy'})
    log = McapLog(tmp_path / 'log.mcap')
    for index in range(5):
        step = PolicyStep(observation_names=['other', 'q1'], observation=[9.0, 0.1 * index])
        log.write('/r1/policy_node/policy_step', 'pact_msgs/msg/PolicyStep',
                  serialize_message(step))
    log.close()
    arguments = ['mcap', '--base', str(tmp_path / 'base.pact'), '--logs',
                 str(tmp_path / 'log.mcap'), '--out', str(tmp_path / 'out'),
                 '--joint-lower', '-1', '-1', '--joint-upper', '0.5', '1', *FAST]
    assert main([*arguments, '--iterations', '2']) == 0
    loaded = load_checkpoint(tmp_path / 'out' / 'checkpoints' / 'toy-pact2.pact',
                             expected_architecture_id=policy.config.architecture_id)
    assert loaded.metadata['parent_version'] == 'toy-pact1'
    assert main([*arguments, '--iterations', '3']) == 0   # resumes: one more iteration
    records = [json.loads(line) for line in
               (tmp_path / 'out' / 'iterations.jsonl').read_text().splitlines()]
    assert [record['iteration'] for record in records] == [0, 1, 2]
    assert (tmp_path / 'out' / 'latest.pact').read_bytes() == (
        tmp_path / 'out' / 'checkpoints' / 'toy-pact3.pact').read_bytes()


def test_align_against_the_vectorised_sim_runs_on_policy(tmp_path):
    torch.set_num_threads(1)
    env = VectorEnv('reach', 1)
    config = PolicyConfig(action_dim=len(env.action_names), obs_dim=len(env.observation_names),
                          horizon=4, n_action_steps=2, parameterisation='velocity',
                          model_type='mlp', mlp_hidden_dim=16, mlp_num_blocks=1,
                          time_embed_dim=8, num_inference_steps=2,
                          action_names=list(env.action_names),
                          observation_names=env.observation_names)
    low, high = env.action_low, env.action_high
    actions = Normalizer.from_statistics('minmax', {'min': low.tolist(), 'max': high.tolist()})
    torch.manual_seed(0)
    save_checkpoint(DiffusionPolicy(config, actions), tmp_path / 'base.pact')
    assert main(['sim', '--base', str(tmp_path / 'base.pact'), '--out', str(tmp_path / 'out'),
                 '--num-envs', '2', '--iterations', '1', *FAST]) == 0
    record = json.loads((tmp_path / 'out' / 'iterations.jsonl').read_text().splitlines()[0])
    # 16 chunks from 2 worlds, 2 executed rows each (no episode ends within 16 rows).
    assert record['env_steps'] == 16 * 2
    assert (tmp_path / 'out' / 'checkpoints' / 'base-pact1.pact').exists()
