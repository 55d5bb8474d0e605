# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The trainer node in its own process, driven over DDS by two namespaced robots.

A latched Panda URDF and two scene versions are published; the node builds the robot's
constraint costs from them. The robots feed PolicySteps (one with reversed action-name order,
each step naming its scene version); the node logs them to MCAP, runs a PACT iteration against
each step's own scene, announces the new weights (latched) and serves them in chunks.
"""

import hashlib

from mcap_ros2.reader import read_ros2_messages
from pact_msgs.msg import AlignmentStatus, EpisodeEvent, ModelAnnouncement, PolicyStep
from pact_msgs.srv import GetModelChunk
from pact_policy.core.checkpoint import load_checkpoint, save_checkpoint
from pact_testing.processes import NodeProcess, wait_until
from pact_trainer.core.toy_problem import make_toy_policy
from pact_world.core.robot_assets import PANDA_URDF, read_description
from pact_world.core.scene import scene_from_dict
from pact_world.scene_conversion import scene_to_msg
import pytest
import rclpy
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from std_msgs.msg import String
import torch

pytestmark = [pytest.mark.dds, pytest.mark.slow]

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
RELIABLE = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
TIMEOUT_S = 60.0
ACTIONS = [f'panda_joint{i}' for i in range(1, 8)] + ['panda_finger_joint1']
OBSERVATIONS = [f'{joint}.position' for joint in ACTIONS]
# Arm upright and clear of everything; panda_joint4 (upper limit -0.0698 rad, margin 0.05)
# is driven towards its limit by the steps below.
HOME = [0.0, -0.3, 0.0, -2.0, 0.0, 1.8, 0.785, 0.02]
CONSTRAINTS = ['clearance', 'self_collision', 'joint_position', 'joint_velocity', 'workspace',
               'grasp_approach']


def scene_message(version, wall_x):
    """Return a Scene message with a wall at x = wall_x (m) in front of the robot."""
    scene = scene_from_dict({'version': version, 'obstacles': [
        {'name': 'wall', 'type': 'box', 'size': [0.05, 1.0, 1.5],
         'pose': {'position': [wall_x, 0.0, 0.75]}}]})
    return scene_to_msg(scene)


@pytest.fixture(scope='module')
def trainer(tmp_path_factory):
    folder = tmp_path_factory.mktemp('trainer')
    policy = make_toy_policy('velocity', HOME, [0.05] * 8, hidden_dim=16, num_blocks=1,
                             horizon=2, obs_dim=8, action_names=ACTIONS,
                             observation_names=OBSERVATIONS)
    save_checkpoint(policy, folder / 'base.pact', {'version': 'toy'})
    arguments = ['-m', 'pact_trainer.trainer_node', '--ros-args',
                 '-p', f'base_checkpoint:={folder / "base.pact"}',
                 '-p', 'robot_namespaces:=[r1, r2]', '-p', 'steps_per_update:=32',
                 '-p', f'log_dir:={folder / "logs"}', '-p', f'state_dir:={folder / "state"}',
                 '-p', 'steps_per_epoch:=5', '-p', 'max_inner_epochs:=1',
                 '-p', 'batch_size:=16', '-p', 'device:=cpu', '-p', 'torch_threads:=1',
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


def make_step(robot, index, reverse, scene_version):
    """Return step ``index``: panda_joint4 at -0.40 + 0.02·index rad, moving 0.01 rad/row."""
    start = list(HOME)
    start[3] = -0.40 + 0.02 * index
    second = list(start)
    second[3] += 0.01
    chunk = [start, second]
    names = ACTIONS[::-1] if reverse else ACTIONS
    flat = [row[::-1] if reverse else row for row in chunk]
    return PolicyStep(episode_id=f'{robot}-0', step_index=index, model_version='toy',
                      observation_names=OBSERVATIONS, observation=start, action_horizon=2,
                      action_dim=8, action_names=names,
                      action_chunk=[value for row in flat for value in row], action_dt=0.1,
                      scene_version=scene_version)


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
    description = node.create_publisher(String, '/robot_description', LATCHED)
    scene = node.create_publisher(type(scene_message(1, 1.0)), '/scene', LATCHED)
    description.publish(String(data=read_description(PANDA_URDF)))
    # Version 1: the wall stands 1.5 m away; version 2: it cuts through the arm at x = 0.
    scene.publish(scene_message(1, 1.5))
    # The costs (and the first announcement) exist once description and a scene arrived.
    assert wait_until(lambda: announcements, TIMEOUT_S, spin(node)), process.output()
    assert announcements[0].version == 'toy' and announcements[0].parent_version == ''
    scene.publish(scene_message(2, 0.0))

    publishers = {robot: node.create_publisher(PolicyStep, f'/{robot}/policy_node/policy_step',
                                               RELIABLE) for robot in ('r1', 'r2')}
    events = node.create_publisher(EpisodeEvent, '/r1/sim_node/episode_events', RELIABLE)
    assert wait_until(lambda: all(p.get_subscription_count() for p in publishers.values())
                      and events.get_subscription_count(), TIMEOUT_S, spin(node))
    events.publish(EpisodeEvent(event=EpisodeEvent.EVENT_START, episode_id='r1-0'))
    for index in range(16):
        publishers['r1'].publish(make_step('r1', index, reverse=False, scene_version=1))
        publishers['r2'].publish(make_step('r2', index, reverse=True, scene_version=2))
    assert wait_until(lambda: any(a.version != 'toy' for a in announcements), TIMEOUT_S,
                      spin(node)), process.output()
    assert wait_until(lambda: statuses, TIMEOUT_S, spin(node)), process.output()
    new = [a for a in announcements if a.version != 'toy'][-1]
    assert new.parent_version == 'toy' and new.uri == 'service:///trainer_node/get_model_chunk'
    assert statuses[0].iteration == 0 and statuses[0].env_steps == 32 * 2
    # r1 (scene 1, wall far away): panda_joint4 enters its 5 cm margin below the -0.0698 rad
    # limit ((-0.40 + 0.02·i + 0.01) > -0.1198) from i = 14 on: 2 of 16 chunks violate.
    # r2 (scene 2, wall through the arm): every chunk violates the clearance.
    assert statuses[0].violation_rate == pytest.approx((2 + 16) / 32)
    assert statuses[0].denoiser_calls > 0 and statuses[0].constraint_names == sorted(CONSTRAINTS)

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
