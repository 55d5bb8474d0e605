# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""ROS-free parts of the trainer node: model store, rollout intake, chunk costs, MCAP log."""

import hashlib

from mcap_ros2.reader import read_ros2_messages
import numpy as np
from pact_msgs.msg import PolicyStep
from pact_trainer.core.model_store import MAX_CHUNK_BYTES, ModelStore
from pact_trainer.core.rollout_intake import RolloutIntake, StepRecord
from pact_trainer.mcap_log import McapLog, ros2_msgdef
from rclpy.serialization import serialize_message


def test_model_store_serves_ranges_and_names_bad_requests():
    store = ModelStore(max_versions=2)
    archive = bytes(range(256)) * 10
    assert store.add('v1', archive) == hashlib.sha256(archive).hexdigest()
    reply = store.read_chunk('v1', 2500, 100)
    assert reply.data == archive[2500:] and reply.eof and reply.total_size == 2560
    assert store.read_chunk('v1', 0, 10).data == archive[:10]
    assert 'unknown model version' in store.read_chunk('v9', 0, 10).error
    assert 'offset' in store.read_chunk('v1', 2560, 10).error
    assert 'length' in store.read_chunk('v1', 0, 0).error
    assert 'length' in store.read_chunk('v1', 0, MAX_CHUNK_BYTES + 1).error
    store.add('v2', b'a')
    store.add('v3', b'b')
    assert list(store.archives) == ['v2', 'v3']


def step(observation_names, observation, action_names, chunk, horizon=2):
    return StepRecord('r1', 'e', 'v', observation_names, np.asarray(observation),
                      action_names, horizon, len(action_names), np.asarray(chunk).ravel())


def test_intake_maps_by_name_and_rejects_inconsistent_steps():
    intake = RolloutIntake(['q1', 'q2'], ['j1', 'j2'], horizon=2, n_action_steps=1)
    assert intake.add(step(['q2', 'q1'], [2.0, 1.0], ['j2', 'j1'], [[20, 10], [21, 11]])) == ''
    assert 'missing' in intake.add(step(['q1'], [1.0], ['j1', 'j2'], [[0, 0], [0, 0]]))
    assert 'horizon' in intake.add(step(['q1', 'q2'], [1, 2], ['j1', 'j2'], [0, 0, 0, 0, 0, 0],
                                        horizon=3))
    assert 'non-finite' in intake.add(step(['q1', 'q2'], [np.nan, 2], ['j1', 'j2'],
                                           [[0, 0], [0, 0]]))
    batch = intake.drain()
    assert batch.observation.tolist() == [[1.0, 2.0]]
    assert batch.action.tolist() == [[[10, 20], [11, 21]]]
    assert batch.env_steps == 1 and len(intake) == 0 and sum(intake.rejected.values()) == 3


def test_mcap_log_is_readable_by_the_standard_ros2_decoder(tmp_path):
    text = ros2_msgdef('pact_msgs/msg/PolicyStep')
    assert 'MSG: pact_msgs/ConstraintState' in text and 'MSG: sensor_msgs/Image' in text
    log = McapLog(tmp_path / 'log.mcap')
    for index in range(3):
        message = PolicyStep(episode_id=f'e{index}', step_index=index, action_horizon=1,
                             action_dim=2, action_chunk=[0.5, float(index)],
                             action_names=['a', 'b'])
        log.write(f'/r{index % 2}/policy_step', 'pact_msgs/msg/PolicyStep',
                  serialize_message(message), stamp_ns=1000 + index)
    log.close()
    decoded = [(m.channel.topic, m.ros_msg.episode_id, list(m.ros_msg.action_chunk))
               for m in read_ros2_messages(str(tmp_path / 'log.mcap'))]
    assert decoded == [('/r0/policy_step', 'e0', [0.5, 0.0]),
                       ('/r1/policy_step', 'e1', [0.5, 1.0]),
                       ('/r0/policy_step', 'e2', [0.5, 2.0])]
