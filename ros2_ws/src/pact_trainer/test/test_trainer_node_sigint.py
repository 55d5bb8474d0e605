# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
SIGINT while the trainer node trains: a clean exit, a readable state and a readable MCAP log.

The node (own process, toy policy, Panda costs) completes a first PACT iteration, then gets
SIGINT in the middle of a second, long one (many distillation steps). It must exit 0 soon
(the iteration is cancelled at its next distillation step, not waited for), keep the state of
the completed iteration on disk (loadable, iteration 1), and leave an MCAP file that reads back
every step it received. Before the fix the worker thread was left running at interpreter exit
and the process aborted inside torch ("terminate called without an active exception", -6).
"""

import os
import signal
import time

from mcap_ros2.reader import read_ros2_messages
from pact_msgs.msg import ModelAnnouncement, PolicyStep
from pact_policy.core.checkpoint import save_checkpoint
from pact_testing.processes import NodeProcess, wait_until
from pact_trainer.core.alignment_loop import CHECKPOINT_NAME
from pact_trainer.core.toy_problem import make_toy_policy
from pact_world.core.robot_assets import PANDA_URDF, read_description
import pytest
import rclpy
from std_msgs.msg import String
from test_trainer_node_over_dds import (ACTIONS, HOME, LATCHED, make_step, OBSERVATIONS,
                                        RELIABLE, scene_message)
import torch

pytestmark = [pytest.mark.dds, pytest.mark.slow]

TIMEOUT_S = 90.0
STEPS_PER_UPDATE = 8
# The second run's distillation is long (~ms per step, far beyond the test's time): SIGINT lands
# inside it, and the node must not wait for the remaining steps.
LONG_STEPS_PER_EPOCH = 100000
EXIT_WITHIN_S = 20.0


def trainer_arguments(folder, steps_per_epoch: int) -> list:
    """Return the trainer node's command line (toy policy, Panda costs, CPU)."""
    return ['-m', 'pact_trainer.trainer_node', '--ros-args',
            '-p', f'base_checkpoint:={folder / "base.pact"}',
            '-p', f'steps_per_update:={STEPS_PER_UPDATE}',
            '-p', f'log_dir:={folder / "logs"}', '-p', f'state_dir:={folder / "state"}',
            '-p', f'steps_per_epoch:={steps_per_epoch}', '-p', 'max_inner_epochs:=1',
            '-p', 'batch_size:=8', '-p', 'device:=cpu', '-p', 'torch_threads:=1',
            '-p', 'guidance_preset:=tilt_exact']


def test_sigint_during_an_iteration_exits_cleanly(tmp_path):
    policy = make_toy_policy('velocity', HOME, [0.05] * 8, hidden_dim=16, num_blocks=1,
                             horizon=2, obs_dim=8, action_names=ACTIONS,
                             observation_names=OBSERVATIONS)
    save_checkpoint(policy, tmp_path / 'base.pact', {'version': 'toy'})
    rclpy.init()
    node = rclpy.create_node('trainer_sigint_test')
    try:
        # Run 1: one complete (short) iteration, then SIGINT while idle.
        with NodeProcess(trainer_arguments(tmp_path, 2), name='trainer_first') as first:
            feed(node, first, 'toy', first_index=0)
            assert wait_until(lambda: 'PACT iteration 0 started' in first.output(),
                              TIMEOUT_S), first.output()
            assert wait_until(lambda: (tmp_path / 'state' / CHECKPOINT_NAME).exists(),
                              TIMEOUT_S), first.output()
        assert first.process.returncode == 0, first.output()
        # Run 2: resumes at iteration 1; SIGINT half a second into its long iteration.
        with NodeProcess(trainer_arguments(tmp_path, LONG_STEPS_PER_EPOCH),
                         name='trainer_second') as second:
            feed(node, second, 'toy-pact1', first_index=STEPS_PER_UPDATE)
            assert wait_until(lambda: 'PACT iteration 1 started' in second.output(),
                              TIMEOUT_S), second.output()
            time.sleep(0.5)
            started = time.monotonic()
            os.killpg(second.process.pid, signal.SIGINT)
            second.process.wait(timeout=60)
            took = time.monotonic() - started
            output = second.output()
    finally:
        node.destroy_node()
        rclpy.shutdown()
    assert second.process.returncode == 0, output
    assert 'terminate called' not in output, output
    assert 'PACT iteration cancelled' in output, output
    assert took < EXIT_WITHIN_S, f'exit took {took:.1f} s\n{output}'
    state = torch.load(tmp_path / 'state' / CHECKPOINT_NAME, map_location='cpu',
                       weights_only=True)
    assert state['iteration'] == 1  # the completed iteration; nothing of the cancelled one
    logs = sorted((tmp_path / 'logs').glob('*.mcap'))
    assert len(logs) == 2
    for log in logs:  # both runs' files are complete MCAP files with every step received
        topics = [m.channel.topic for m in read_ros2_messages(str(log))]
        assert topics.count('/policy_node/policy_step') == STEPS_PER_UPDATE


def feed(node, trainer, model_version: str, first_index: int) -> None:
    """Publish description and scene, wait for ``model_version``, send one update's steps."""
    announcements = []
    node.create_subscription(ModelAnnouncement, '/model_announcement', announcements.append,
                             LATCHED)
    description = node.create_publisher(String, '/robot_description', LATCHED)
    scene = node.create_publisher(type(scene_message(1, 1.0)), '/scene', LATCHED)
    steps = node.create_publisher(PolicyStep, '/policy_node/policy_step', RELIABLE)
    description.publish(String(data=read_description(PANDA_URDF)))
    scene.publish(scene_message(1, 1.5))

    def spin():
        rclpy.spin_once(node, timeout_sec=0.05)

    assert wait_until(lambda: any(a.version == model_version for a in announcements),
                      TIMEOUT_S, spin), trainer.output()
    assert wait_until(lambda: steps.get_subscription_count() > 0, TIMEOUT_S, spin)
    for index in range(first_index, first_index + STEPS_PER_UPDATE):
        steps.publish(make_step('root', index, reverse=False, scene_version=1))
    # The publishers stay (destroyed with the test node): a publisher destroyed right away may
    # drop reliable messages not yet delivered.
