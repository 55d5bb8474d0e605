# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The sim node, in its own process over DDS, against a hostile peer.

ResetEpisode requests naming files instead of installed tasks must be refused without reading
or quoting the file and without ending the running episode; commands filled with hostile
values must leave the node alive and simulating.
"""

from pact_msgs.msg import EpisodeEvent
from pact_msgs.srv import ResetEpisode
from pact_testing.message_fill import HOSTILE_KINDS, hostile_message
from pact_testing.processes import NodeProcess, wait_until
import pytest
import rclpy
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState
from std_msgs.msg import Float64MultiArray
from trajectory_msgs.msg import JointTrajectory

pytestmark = [pytest.mark.dds, pytest.mark.sim, pytest.mark.slow]

SENSOR = QoSProfile(depth=5, reliability=ReliabilityPolicy.BEST_EFFORT)
RELIABLE = QoSProfile(depth=50, reliability=ReliabilityPolicy.RELIABLE)
TIMEOUT_S = 30.0
SECRET = 'TOP-SECRET-TOKEN-4711'


@pytest.fixture(scope='module')
def sim():
    with NodeProcess(['-m', 'pact_sim.sim_node', '--ros-args', '-p', 'task:=reach',
                      '-p', 'seed:=2'], name='sim_node') as process:
        yield process


@pytest.fixture(scope='module')
def probe(sim):
    rclpy.init()
    node = rclpy.create_node('sim_hardening_peer')
    node.joint_states, node.events = [], []
    node.create_subscription(JointState, '/joint_states', node.joint_states.append, SENSOR)
    node.create_subscription(EpisodeEvent, '/sim_node/episode_events', node.events.append,
                             RELIABLE)
    yield node
    node.destroy_node()
    rclpy.shutdown()


def spin(node):
    return lambda: rclpy.spin_once(node, timeout_sec=0.05)


def reset(probe, sim, task: str) -> ResetEpisode.Response:
    client = probe.create_client(ResetEpisode, '/sim_node/reset_episode')
    assert client.wait_for_service(timeout_sec=TIMEOUT_S), sim.output()
    future = client.call_async(ResetEpisode.Request(task=task, seed=3))
    assert wait_until(future.done, TIMEOUT_S, spin(probe)), sim.output()
    probe.destroy_client(client)
    return future.result()


@pytest.mark.parametrize('kind', ['yaml path', 'relative climb', 'absolute'])
def test_a_reset_naming_a_file_is_refused_unread_and_the_episode_keeps_running(
        probe, sim, tmp_path, kind):
    secret = tmp_path / 'secrets.yaml'
    secret.write_text(f'password: [{SECRET}\n  unclosed: {SECRET}\n')
    task = {'yaml path': str(secret), 'relative climb': '../../../../../etc/passwd',
            'absolute': '/etc/passwd'}[kind]
    assert wait_until(lambda: len(probe.joint_states) > 5, TIMEOUT_S, spin(probe)), sim.output()
    probe.events.clear()
    response = reset(probe, sim, task)
    assert not response.success
    assert 'unknown task' in response.message and 'reach' in response.message
    assert SECRET not in response.message and SECRET not in sim.output()
    assert 'root:' not in response.message
    count = len(probe.joint_states)
    assert wait_until(lambda: len(probe.joint_states) > count + 5, TIMEOUT_S, spin(probe))
    assert not any(event.event == EpisodeEvent.EVENT_END for event in probe.events), \
        'the refused request ended the running episode'


def test_hostile_commands_leave_the_node_alive_and_simulating(probe, sim):
    publishers = [(cls, probe.create_publisher(cls, topic, RELIABLE)) for cls, topic in (
        (JointTrajectory, 'joint_trajectory_controller/joint_trajectory'),
        (Float64MultiArray, 'forward_position_controller/commands'))]
    wait_until(lambda: False, 1.0, spin(probe))
    for kind in HOSTILE_KINDS:
        for cls, publisher in publishers:
            publisher.publish(hostile_message(cls, kind))
        wait_until(lambda: False, 0.2, spin(probe))
    assert sim.alive(), sim.output()[-3000:]
    count = len(probe.joint_states)
    assert wait_until(lambda: len(probe.joint_states) > count + 5, TIMEOUT_S, spin(probe))
    latest = probe.joint_states[-1]
    assert all(value == value for value in latest.position)  # no NaN reached the simulation
    response = reset(probe, sim, 'pick')
    assert response.success, response.message
