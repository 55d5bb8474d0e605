# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The trainer node in its own process, driven over DDS by two namespaced robots.

The robots feed PolicySteps (one with reversed action-name order); the node logs them to MCAP,
runs a PACT iteration, announces the new weights (latched) and serves them in chunks.
"""

import hashlib

from mcap_ros2.reader import read_ros2_messages
from pact_msgs.msg import AlignmentStatus, EpisodeEvent, ModelAnnouncement, PolicyStep
from pact_msgs.srv import GetModelChunk
from pact_policy.core.checkpoint import load_checkpoint, save_checkpoint
from pact_testing.processes import NodeProcess, wait_until
from pact_trainer.core.toy_problem import make_toy_policy
import pytest
import rclpy
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
import torch

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
RELIABLE = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
TIMEOUT_S = 60.0
ACTIONS = ['j1', 'j2']
OBSERVATIONS = ['q1']


@pytest.fixture(scope='module')
def trainer(tmp_path_factory):
    folder = tmp_path_factory.mktemp('trainer')
    policy = make_toy_policy('velocity', [0.5, -0.3], [2.0, 0.5], hidden_dim=16, num_blocks=1,
                             horizon=2, action_names=ACTIONS, observation_names=OBSERVATIONS)
    save_checkpoint(policy, folder / 'base.pact', {'version': 'toy'})
    arguments = ['-m', 'pact_trainer.trainer_node', '--ros-args',
                 '-p', f'base_checkpoint:={folder / "base.pact"}',
                 '-p', 'robot_namespaces:=[r1, r2]', '-p', 'steps_per_update:=32',
                 '-p', f'log_dir:={folder / "logs"}', '-p', f'state_dir:={folder / "state"}',
                 '-p', 'steps_per_epoch:=5', '-p', 'max_inner_epochs:=1',
                 '-p', 'batch_size:=16', '-p', 'device:=cpu',
                 '-p', 'joint_lower:=[-1.0, -1.0]', '-p', 'joint_upper:=[0.5, 1.0]',
                 '-p', 'guidance_preset:=tilt_exact']
    with NodeProcess(arguments, name='trainer_node') as process:
        yield process, folder
    assert process.process.returncode in (0, -2), process.output()


@pytest.fixture(scope='module')
def node(trainer):
    rclpy.init()
    test_node = rclpy.create_node('trainer_test')
    yield test_node
    test_node.destroy_node()
    rclpy.shutdown()


def spin(node):
    return lambda: rclpy.spin_once(node, timeout_sec=0.05)


def make_step(robot, index, reverse):
    chunk = [[0.1 * index, -0.2], [0.1 * index + 0.05, -0.25]]
    names = ACTIONS[::-1] if reverse else ACTIONS
    flat = [row[::-1] if reverse else row for row in chunk]
    return PolicyStep(episode_id=f'{robot}-0', step_index=index, model_version='toy',
                      observation_names=OBSERVATIONS, observation=[0.0], action_horizon=2,
                      action_dim=2, action_names=names,
                      action_chunk=[value for row in flat for value in row], action_dt=0.1)


def fetch(node, client, version, offset, length):
    request = GetModelChunk.Request(version=version, offset=offset, length=length)
    future = client.call_async(request)
    assert wait_until(future.done, TIMEOUT_S, spin(node))
    return future.result()


def test_intake_update_announcement_chunks_and_mcap(node, trainer):
    process, folder = trainer
    announcements, statuses = [], []
    node.create_subscription(ModelAnnouncement, '/model_announcement', announcements.append,
                             LATCHED)
    node.create_subscription(AlignmentStatus, '/trainer_node/alignment_status',
                             statuses.append, RELIABLE)
    assert wait_until(lambda: announcements, TIMEOUT_S, spin(node)), process.output()
    assert announcements[0].version == 'toy' and announcements[0].parent_version == ''

    publishers = {robot: node.create_publisher(PolicyStep, f'/{robot}/policy_node/policy_step',
                                               RELIABLE) for robot in ('r1', 'r2')}
    events = node.create_publisher(EpisodeEvent, '/r1/sim_node/episode_events', RELIABLE)
    assert wait_until(lambda: all(p.get_subscription_count() for p in publishers.values())
                      and events.get_subscription_count(), TIMEOUT_S, spin(node))
    events.publish(EpisodeEvent(event=EpisodeEvent.EVENT_START, episode_id='r1-0'))
    for index in range(16):
        publishers['r1'].publish(make_step('r1', index, reverse=False))
        publishers['r2'].publish(make_step('r2', index, reverse=True))
    assert wait_until(lambda: any(a.version != 'toy' for a in announcements), TIMEOUT_S,
                      spin(node)), process.output()
    assert wait_until(lambda: statuses, TIMEOUT_S, spin(node)), process.output()
    new = [a for a in announcements if a.version != 'toy'][-1]
    assert new.parent_version == 'toy' and new.uri == 'service:///trainer_node/get_model_chunk'
    assert statuses[0].iteration == 0 and statuses[0].env_steps == 32 * 2
    # j1 = 0.1·index (+0.05) exceeds its 0.5 upper limit from index 5 on: 22 of 32 chunks.
    assert statuses[0].violation_rate == pytest.approx(22 / 32)
    assert statuses[0].denoiser_calls > 0 and statuses[0].constraint_names == ['joint_position']

    client = node.create_client(GetModelChunk, '/trainer_node/get_model_chunk')
    assert client.wait_for_service(timeout_sec=TIMEOUT_S)
    data, offset = b'', 0
    while True:
        reply = fetch(node, client, new.version, offset, 8192)
        assert reply.error == '' and reply.total_size == new.size_bytes
        data += bytes(reply.data)
        offset += len(reply.data)
        if reply.eof:
            break
    assert len(data) == new.size_bytes and hashlib.sha256(data).hexdigest() == new.sha256
    loaded = load_checkpoint(data, expected_architecture_id=new.architecture_id)
    assert loaded.version == new.version
    base = load_checkpoint(folder / 'base.pact').policy
    changed = any(not torch.equal(a, b) for a, b in zip(base.state_dict().values(),
                                                        loaded.policy.state_dict().values(),
                                                        strict=True))
    assert changed
    assert 'unknown model version' in fetch(node, client, 'nope', 0, 10).error
    assert 'offset' in fetch(node, client, new.version, new.size_bytes, 10).error
    assert 'length' in fetch(node, client, new.version, 0, 4 * 1024 * 1024 + 1).error

    process.stop()
    logs = list((folder / 'logs').glob('*.mcap'))
    assert len(logs) == 1
    topics = [m.channel.topic for m in read_ros2_messages(str(logs[0]))]
    assert topics.count('/r1/policy_node/policy_step') == 16
    assert topics.count('/r2/policy_node/policy_step') == 16
    assert topics.count('/r1/sim_node/episode_events') == 1
