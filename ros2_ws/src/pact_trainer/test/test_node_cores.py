# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""ROS-free parts of the trainer node: model store, rollout intake, chunk costs, MCAP log."""

import hashlib
import math
import signal
import subprocess
import sys
import time

from mcap_ros2.reader import read_ros2_messages
import numpy as np
from pact_msgs.msg import PolicyStep
from pact_policy.core.normalizer import Normalizer
from pact_trainer.core.alignment_loop import NonFiniteWeights
from pact_trainer.core.model_store import MAX_CHUNK_BYTES, ModelStore
from pact_trainer.core.rollout_intake import RolloutIntake, StepRecord
from pact_trainer.core.toy_problem import toy_aligner
from pact_trainer.mcap_log import is_finished, McapLog, recover, ros2_msgdef
import pytest
from rclpy.serialization import serialize_message
import torch


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


def test_intake_refuses_finite_but_absurd_values_against_the_normalizer_range():
    actions = Normalizer.from_statistics('minmax', {'min': np.array([-1.0, 0.0]),
                                                    'max': np.array([1.0, 0.04])})
    observations = Normalizer.identity(2)
    intake = RolloutIntake(['q1', 'q2'], ['j1', 'j2'], horizon=2, n_action_steps=1,
                           observation_normalizer=observations, action_normalizer=actions,
                           max_normalized=100.0)
    assert intake.add(step(['q1', 'q2'], [0.5, 0.02], ['j1', 'j2'], [[0.9, 0.0], [1.5, 0.04]]))\
        == ''
    # 1e30 rad: finite, but 1e30 normalizer ranges out; 2.1 m on a 0.04 m gripper: 104 ranges.
    reason = intake.add(step(['q1', 'q2'], [0.5, 0.02], ['j1', 'j2'], [[1e30, 0.0], [0, 0]]))
    assert reason.startswith('action outside 100 normalizer ranges')
    reason = intake.add(step(['q1', 'q2'], [0.5, 0.02], ['j1', 'j2'], [[0.0, 2.1], [0, 0]]))
    assert 'action outside' in reason
    reason = intake.add(step(['q1', 'q2'], [1e39, 0.0], ['j1', 'j2'], [[0, 0], [0, 0]]))
    assert 'overflows float32' in reason
    reason = intake.add(step(['q1', 'q2'], [0.5, 1e6], ['j1', 'j2'], [[0, 0], [0, 0]]))
    assert 'observation outside' in reason
    assert len(intake) == 1 and sum(intake.rejected.values()) == 4


def test_an_iteration_with_non_finite_weights_is_discarded_and_never_saved(tmp_path):
    torch.set_num_threads(1)
    aligner = toy_aligner('velocity', state_dir=tmp_path, base_steps=20, iterations=2,
                          chunks_per_iteration=16, steps_per_epoch=2, max_inner_epochs=1,
                          batch_size=16)
    aligner.step()
    saved = (tmp_path / 'trainer_state.pt').read_bytes()
    for group in aligner.optimizer.param_groups:
        group['lr'] = math.inf  # the distillation step then writes inf/NaN into the weights
    aligner.config.learning_rate = math.inf
    with pytest.raises(NonFiniteWeights, match='non-finite weights'):
        aligner.step()
    assert (tmp_path / 'trainer_state.pt').read_bytes() == saved
    assert aligner.iteration == 1
    accepted = aligner.accepted.state_dict()  # the candidate the gate accepted this iteration
    for name, value in aligner.student.state_dict().items():
        assert bool(torch.isfinite(value).all()), name
        assert torch.equal(value, accepted[name]), name  # a copy of it: same bits by design


WRITER = """
import sys
from pathlib import Path
from pact_trainer.core.policy_io import atomic_write_bytes
target, blocks = Path(sys.argv[1]), [bytes([value]) * (16 << 20) for value in (1, 2)]
print('started', flush=True)
for index in range(1000):
    atomic_write_bytes(blocks[index % 2], target)
"""


@pytest.mark.slow
def test_a_kill_9_during_an_archive_write_never_leaves_a_truncated_file(tmp_path):
    target = tmp_path / 'v1.pact'
    for delay in (0.3, 0.45, 0.6):
        child = subprocess.Popen([sys.executable, '-c', WRITER, str(target)],
                                 stdout=subprocess.PIPE)
        assert child.stdout.readline().strip() == b'started'
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        data = target.read_bytes()
        assert data in (bytes([1]) * (16 << 20), bytes([2]) * (16 << 20)), len(data)


def test_recover_finishes_a_log_cut_off_mid_record(tmp_path):
    log = McapLog(tmp_path / 'cut.mcap', flush_period_s=0.0)
    for index in range(5):
        log.write('/steps', 'pact_msgs/msg/PolicyStep',
                  serialize_message(PolicyStep(episode_id=f'e{index}')), stamp_ns=10 + index)
    data = (tmp_path / 'cut.mcap').read_bytes()
    (tmp_path / 'cut.mcap').write_bytes(data + data[-40:-3])  # a torn record at the end
    assert not is_finished(tmp_path / 'cut.mcap')
    assert recover(tmp_path / 'cut.mcap') == 5
    assert [m.ros_msg.episode_id for m in read_ros2_messages(str(tmp_path / 'cut.mcap'))] == [
        f'e{index}' for index in range(5)]
    assert recover(tmp_path / 'cut.mcap') == -1  # finished now: left alone
