# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The trainer node, in its own process over DDS, against hostile peers and a kill -9.

A peer sends a scene whose mesh names a system file, PolicySteps with finite but absurd actions
(1e30) and every subscribed message type filled with hostile values: the node must stay alive,
never train on them and never announce or save non-finite weights. A kill -9 of the node must
not lose the messages it logged more than a second before.
"""

import math
import os
import signal

from mcap_ros2.reader import read_ros2_messages
from pact_msgs.msg import AlignmentStatus, EpisodeEvent, ModelAnnouncement, Obstacle
from pact_msgs.msg import PolicyStep
from pact_msgs.msg import Scene as SceneMsg
from pact_msgs.srv import GetModelChunk
from pact_policy.core.checkpoint import save_checkpoint
from pact_testing.message_fill import HOSTILE_KINDS, hostile_message
from pact_testing.processes import NodeProcess, wait_until
from pact_trainer.core.toy_problem import make_toy_policy
from pact_world.core.robot_assets import PANDA_URDF, read_description
from pact_world.core.scene import scene_from_dict
from pact_world.scene_conversion import scene_to_msg
import pytest
import rclpy
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from std_msgs.msg import String

pytestmark = [pytest.mark.dds, pytest.mark.slow]

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
RELIABLE = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
TIMEOUT_S = 60.0
ACTIONS = [f'panda_joint{i}' for i in range(1, 8)] + ['panda_finger_joint1']
OBSERVATIONS = [f'{joint}.position' for joint in ACTIONS]
HOME = [0.0, -0.3, 0.0, -2.0, 0.0, 1.8, 0.785, 0.02]
STEPS_PER_UPDATE = 16


def trainer_arguments(folder, robot: str = 'r1') -> list:
    return ['-m', 'pact_trainer.trainer_node', '--ros-args',
            '-p', f'base_checkpoint:={folder / "base.pact"}', '-p', f'robot_namespaces:=[{robot}]',
            '-p', f'steps_per_update:={STEPS_PER_UPDATE}', '-p', f'log_dir:={folder / "logs"}',
            '-p', f'state_dir:={folder / "state"}', '-p', 'steps_per_epoch:=2',
            '-p', 'max_inner_epochs:=1', '-p', 'batch_size:=8', '-p', 'device:=cpu',
            '-p', 'torch_threads:=1', '-p', 'guidance_preset:=tilt_exact']


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp('trainer')
    policy = make_toy_policy('velocity', HOME, [0.05] * 8, hidden_dim=16, num_blocks=1,
                             horizon=2, obs_dim=8, action_names=ACTIONS,
                             observation_names=OBSERVATIONS)
    save_checkpoint(policy, path / 'base.pact', {'version': 'toy'})
    return path


@pytest.fixture(scope='module')
def node():
    rclpy.init()
    test_node = rclpy.create_node('trainer_hardening_peer')
    yield test_node
    test_node.destroy_node()
    rclpy.shutdown()


@pytest.fixture(scope='module')
def trainer(folder, node):
    announcements = []
    node.create_subscription(ModelAnnouncement, '/model_announcement', announcements.append,
                             LATCHED)
    with NodeProcess(trainer_arguments(folder), name='trainer_node') as process:
        yield process, announcements
        assert process.alive(), process.output()[-4000:]


def spin(node):
    return lambda: rclpy.spin_once(node, timeout_sec=0.05)


def wait(node, process, condition, what: str, timeout_s: float = TIMEOUT_S):
    assert wait_until(condition, timeout_s, spin(node)), (
        f'timed out waiting for {what} (node alive: {process.alive()})\n'
        f'--- node log ---\n{process.output()[-4000:]}')


def test_a_scene_naming_a_system_file_as_mesh_is_rejected_and_the_node_lives(node, trainer):
    process, announcements = trainer
    description = node.create_publisher(String, '/robot_description', LATCHED)
    scene = node.create_publisher(SceneMsg, '/scene', LATCHED)
    description.publish(String(data=read_description(PANDA_URDF)))
    hostile = scene_to_msg(scene_from_dict({'version': 1, 'obstacles': []}))
    hostile.obstacles.append(Obstacle(name='bin', shape=Obstacle.SHAPE_MESH,
                                      mesh_uri='file:///etc/passwd'))
    scene.publish(hostile)
    wait(node, process, lambda: 'refused: a scene message may name meshes' in process.output(),
         'the rejection of the mesh')
    assert process.alive()
    good = scene_from_dict({'version': 2, 'obstacles': [
        {'name': 'wall', 'type': 'box', 'size': [0.05, 1.0, 1.5],
         'pose': {'position': [1.5, 0.0, 0.75]}}]})
    scene.publish(scene_to_msg(good))
    wait(node, process, lambda: any(a.version == 'toy' for a in announcements),
         'the announcement of the base model')


def absurd_step(index: int) -> PolicyStep:
    chunk = [list(HOME), list(HOME)]
    chunk[1][3] = 1e30  # finite, but 2e31 normalizer ranges from the policy's actions
    return PolicyStep(episode_id='r1-absurd', step_index=index, model_version='toy',
                      observation_names=OBSERVATIONS, observation=HOME, action_horizon=2,
                      action_dim=8, action_names=ACTIONS,
                      action_chunk=[value for row in chunk for value in row], action_dt=0.1,
                      scene_version=2)


def test_absurd_rollouts_are_refused_and_no_weights_are_announced(node, trainer, folder):
    process, announcements = trainer
    steps = node.create_publisher(PolicyStep, '/r1/policy_node/policy_step', RELIABLE)
    wait(node, process, lambda: steps.get_subscription_count() > 0, 'the step subscription')
    for index in range(2 * STEPS_PER_UPDATE):
        steps.publish(absurd_step(index))
    wait(node, process, lambda: 'rejected PolicyStep from r1: action outside'
         in process.output(), 'the refusal of the absurd steps')
    wait_until(lambda: False, 3.0, spin(node))  # time for an iteration, if one started
    assert {a.version for a in announcements} == {'toy'}, process.output()[-3000:]
    assert 'PACT iteration' not in process.output()
    assert not (folder / 'state' / 'trainer_state.pt').exists()
    for announcement in announcements:
        assert all(math.isfinite(metric.value) for metric in announcement.metrics)


def test_every_input_filled_with_hostile_values_leaves_the_node_alive_and_serving(node,
                                                                                  trainer):
    process, _ = trainer
    publishers = [(PolicyStep, node.create_publisher(PolicyStep, '/r1/policy_node/policy_step',
                                                     RELIABLE)),
                  (EpisodeEvent, node.create_publisher(EpisodeEvent,
                                                       '/r1/sim_node/episode_events', RELIABLE)),
                  (SceneMsg, node.create_publisher(SceneMsg, '/scene', LATCHED)),
                  (String, node.create_publisher(String, '/robot_description', LATCHED))]
    wait_until(lambda: False, 1.0, spin(node))
    for kind in HOSTILE_KINDS:
        for cls, publisher in publishers:
            publisher.publish(hostile_message(cls, kind))
        wait_until(lambda: False, 0.2, spin(node))
    wait_until(lambda: False, 1.0, spin(node))
    assert process.alive(), process.output()[-4000:]
    client = node.create_client(GetModelChunk, '/trainer_node/get_model_chunk')
    assert client.wait_for_service(timeout_sec=TIMEOUT_S)
    future = client.call_async(GetModelChunk.Request(version='toy', offset=0, length=16))
    wait(node, process, future.done, 'a reply of the chunk service')
    if trainer[1]:  # the base model was announced (the first test ran): its bytes are served
        assert future.result().error == '' and len(future.result().data) == 16


def test_messages_logged_a_second_before_a_kill_9_are_readable_after_the_restart(
        node, tmp_path, folder):
    for name in ('base.pact',):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    events = node.create_publisher(EpisodeEvent, '/k1/sim_node/episode_events', RELIABLE)
    with NodeProcess(trainer_arguments(tmp_path, 'k1'), name='trainer_killed') as process:
        wait(node, process, lambda: events.get_subscription_count() > 0,
             'the event subscription')
        for index in range(100):
            events.publish(EpisodeEvent(event=EpisodeEvent.EVENT_START,
                                        episode_id=f'kill-{index}'))
        # > 1 s after the last message (the bound), with room for a busy machine
        wait_until(lambda: False, 2.5, spin(node))
        os.killpg(process.process.pid, signal.SIGKILL)
        process.process.wait()
    killed = list((tmp_path / 'logs').glob('*.mcap'))
    assert len(killed) == 1 and killed[0].stat().st_size > 0
    with NodeProcess(trainer_arguments(tmp_path, 'k1'), name='trainer_restarted') as process:
        wait(node, process, lambda: 'was cut off' in process.output(), 'the recovery')
    logged = [message.ros_msg.episode_id for message in read_ros2_messages(str(killed[0]))]
    assert logged == [f'kill-{index}' for index in range(100)]


def good_step(index: int) -> PolicyStep:
    start = list(HOME)
    start[3] = -0.40 + 0.01 * index
    second = list(start)
    second[3] += 0.01
    return PolicyStep(episode_id='k2-0', step_index=index, model_version='toy',
                      observation_names=OBSERVATIONS, observation=start, action_horizon=2,
                      action_dim=8, action_names=ACTIONS, action_chunk=start + second,
                      action_dt=0.1, scene_version=2)


def test_steps_of_an_iteration_interrupted_by_kill_9_count_after_the_restart(
        node, tmp_path, folder):
    (tmp_path / 'base.pact').write_bytes((folder / 'base.pact').read_bytes())
    statuses = []
    node.create_subscription(AlignmentStatus, '/trainer_node/alignment_status',
                             statuses.append, RELIABLE)
    description = node.create_publisher(String, '/robot_description', LATCHED)
    scene = node.create_publisher(SceneMsg, '/k2/scene', LATCHED)
    description.publish(String(data=read_description(PANDA_URDF)))
    scene.publish(scene_to_msg(scene_from_dict({'version': 2, 'obstacles': [
        {'name': 'wall', 'type': 'box', 'size': [0.05, 1.0, 1.5],
         'pose': {'position': [1.5, 0.0, 0.75]}}]})))
    steps = node.create_publisher(PolicyStep, '/k2/policy_node/policy_step', RELIABLE)
    arguments = trainer_arguments(tmp_path, 'k2') + ['-p', 'scene_topic:=scene']
    first = STEPS_PER_UPDATE - 6
    with NodeProcess(arguments, name='trainer_interrupted') as process:
        wait(node, process, lambda: 'constraint costs' in process.output(), 'the costs')
        for index in range(first):
            steps.publish(good_step(index))
        wait_until(lambda: False, 2.5, spin(node))  # logged and flushed, no iteration yet
        os.killpg(process.process.pid, signal.SIGKILL)
        process.process.wait()
    with NodeProcess(arguments, name='trainer_resumed') as process:
        wait(node, process, lambda: f'{first} PolicySteps logged after the last saved '
             'iteration read back' in process.output(), 'the replay')
        wait(node, process, lambda: 'constraint costs' in process.output(), 'the costs')
        for index in range(first, STEPS_PER_UPDATE):
            steps.publish(good_step(index))
        wait(node, process, lambda: statuses, 'an iteration on the old and the new steps')
    # all 16 chunks (10 from before the kill), n_action_steps = 2 rows executed per chunk
    assert statuses[0].env_steps == STEPS_PER_UPDATE * 2
