# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
PolicyStep records of the demo graph carry their episode: sim node and policy node over DDS.

The sim node and the policy node run in their own processes, as in ``make demo``; this process
resets the sim once and records what both publish. The policy node is started after the sim's
first episode began, so it has to learn that episode from the kept (transient_local) events;
the task is reach with a horizon long enough that this episode cannot time out meanwhile.
PolicyStep.msg: ``episode_id`` is the episode the step belongs to, ``step_index`` its 0-based
index within it.
"""

from pact_msgs.msg import EpisodeEvent, PolicyStep
from pact_msgs.srv import ResetEpisode
from pact_policy.core.checkpoint import save_checkpoint
from pact_sim.core.task_spec import config_dir
from pact_testing.processes import NodeProcess, wait_until
from pact_trainer.core.toy_problem import make_toy_policy
import pytest
import rclpy
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
import yaml

pytestmark = [pytest.mark.dds, pytest.mark.slow]

KEPT_EVENTS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE,
                         durability=DurabilityPolicy.TRANSIENT_LOCAL)
RELIABLE = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
TIMEOUT_S = 90.0
STEPS_PER_EPISODE = 4
ACTIONS = [f'panda_joint{i}' for i in range(1, 8)] + ['panda_finger_joint1']
HOME = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785, 0.02]


def long_reach_task(folder):
    """Write the reach task with a 1000 s horizon (absolute scene path); return its path."""
    task = yaml.safe_load((config_dir() / 'tasks' / 'reach.yaml').read_text())
    task.update(horizon=10000, scene=str(config_dir() / 'scenes' / task['scene']))
    path = folder / 'long_reach.yaml'
    path.write_text(yaml.safe_dump(task))
    return path


def started_episodes(events):
    return [e.episode_id for e in events if e.event == EpisodeEvent.EVENT_START]


def steps_of(steps, episode_id):
    return [step.step_index for step in steps if step.episode_id == episode_id]


def test_policy_steps_of_two_consecutive_episodes_carry_their_ids_and_restart_at_zero(
        tmp_path):
    policy = make_toy_policy('velocity', HOME, [0.01] * 8, hidden_dim=16, num_blocks=1,
                             horizon=2, obs_dim=8, action_names=ACTIONS,
                             observation_names=[f'{joint}.position' for joint in ACTIONS])
    save_checkpoint(policy, tmp_path / 'toy.pact', {'version': 'toy'})
    rclpy.init()
    probe = rclpy.create_node('episode_probe')
    events, steps = [], []
    probe.create_subscription(EpisodeEvent, '/sim_node/episode_events', events.append,
                              KEPT_EVENTS)
    probe.create_subscription(PolicyStep, '/policy_node/policy_step', steps.append, RELIABLE)

    def wait(condition, what, peers):
        spin = lambda: rclpy.spin_once(probe, timeout_sec=0.05)  # noqa: E731
        assert wait_until(condition, TIMEOUT_S, spin), (
            f'timed out waiting for {what}; {len(steps)} steps of episodes '
            f'{sorted({step.episode_id for step in steps})}, events {started_episodes(events)}\n'
            + '\n'.join(
                f'--- {peer.name} ---\n{peer.output()[-3000:]}' for peer in peers))

    sim_args = ['-m', 'pact_sim.sim_node', '--ros-args',
                '-p', f'task:={long_reach_task(tmp_path)}', '-p', 'seed:=7']
    policy_args = ['-m', 'pact_policy.policy_node', '--ros-args',
                   '-p', f'model_path:={tmp_path / "toy.pact"}', '-p', 'use_sim_time:=true',
                   '-p', 'autostart_activate:=true', '-p', 'device:=cpu']
    try:
        with NodeProcess(sim_args, name='sim_node') as sim:
            wait(lambda: started_episodes(events), 'the first episode', [sim])
            first = started_episodes(events)[0]
            with NodeProcess(policy_args, name='policy_node') as policy_node:
                peers = [sim, policy_node]
                wait(lambda: len(steps_of(steps, first)) >= STEPS_PER_EPISODE,
                     f'steps of {first}', peers)
                client = probe.create_client(ResetEpisode, '/sim_node/reset_episode')
                wait(client.service_is_ready, 'the reset service', peers)
                reply = client.call_async(ResetEpisode.Request(seed=8))
                wait(reply.done, 'the reset', peers)
                second = reply.result().episode_id
                wait(lambda: len(steps_of(steps, second)) >= STEPS_PER_EPISODE,
                     f'steps of {second}', peers)
    finally:
        probe.destroy_node()
        rclpy.shutdown()

    assert started_episodes(events) == [first, second] and first != second
    in_first, in_second = steps_of(steps, first), steps_of(steps, second)
    # Episode 1 was running before this process saw the policy's first step: its indices run
    # on without gaps; episode 2 began while everything was connected: 0, 1, 2, ...
    assert in_first == list(range(in_first[0], in_first[0] + len(in_first)))
    assert in_second == list(range(len(in_second)))
    ids = [step.episode_id for step in steps]
    last_of_first, first_of_second = len(ids) - ids[::-1].index(first) - 1, ids.index(second)
    # between the two: at most the steps published during the reset itself, outside any episode
    assert set(ids[last_of_first + 1:first_of_second]) <= {''}
    assert first_of_second - last_of_first <= 2
    assert set(ids) <= {first, second, ''}
