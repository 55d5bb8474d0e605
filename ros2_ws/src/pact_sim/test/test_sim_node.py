# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The sim node over real DDS in a separate process: commands move /joint_states, reset works."""

from builtin_interfaces.msg import Duration
import numpy as np
from pact_msgs.msg import EpisodeEvent, Scene
from pact_msgs.srv import GetEpisodeOutcome, ResetEpisode
from pact_sim.core.sim_env import SimEnv
from pact_testing.processes import NodeProcess, wait_until
import pytest
import rclpy
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import JointState
from std_msgs.msg import Float64MultiArray, String
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint

pytestmark = [pytest.mark.dds, pytest.mark.sim, pytest.mark.slow]

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
SENSOR = QoSProfile(depth=5, reliability=ReliabilityPolicy.BEST_EFFORT)
RELIABLE = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
TIMEOUT_S = 30.0
ARM = [f'panda_joint{i}' for i in range(1, 8)]


@pytest.fixture(scope='module')
def sim():
    with NodeProcess(['-m', 'pact_sim.sim_node', '--ros-args', '-p', 'task:=reach',
                      '-p', 'seed:=2'], name='sim_node') as process:
        yield process


@pytest.fixture(scope='module')
def probe(sim):
    rclpy.init()
    node = rclpy.create_node('sim_node_probe')
    received = {'joint_states': [], 'scene': [], 'description': [], 'clock': [], 'events': []}
    node.create_subscription(JointState, '/joint_states', received['joint_states'].append, SENSOR)
    node.create_subscription(Scene, '/scene', received['scene'].append, LATCHED)
    node.create_subscription(String, '/robot_description', received['description'].append,
                             LATCHED)
    node.create_subscription(Clock, '/clock', received['clock'].append, SENSOR)
    node.create_subscription(EpisodeEvent, '/sim_node/episode_events', received['events'].append,
                             RELIABLE)
    node.received = received
    yield node
    node.destroy_node()
    rclpy.shutdown()


def spin(node):
    return lambda: rclpy.spin_once(node, timeout_sec=0.05)


def latest_position(probe, joint):
    message = probe.received['joint_states'][-1]
    return message.position[list(message.name).index(joint)]


def test_latched_description_scene_and_clock_arrive(probe, sim):
    received = probe.received
    assert wait_until(lambda: received['description'] and received['scene'] and
                      received['clock'] and received['joint_states'], TIMEOUT_S,
                      spin(probe)), sim.output()
    assert '<robot name="panda"' in received['description'][-1].data
    scene = received['scene'][-1]
    assert scene.header.frame_id == 'world' and scene.version >= 1
    assert {o.name for o in scene.obstacles} >= {'table', 'shelf_top'}
    names = list(received['joint_states'][-1].name)
    assert names[:8] == ARM + ['panda_finger_joint1']


def test_the_reach_goal_is_a_scene_object_at_the_layout_goal(probe, sim):
    received = probe.received
    assert wait_until(lambda: received['scene'], TIMEOUT_S, spin(probe)), sim.output()
    goals = [o for o in received['scene'][-1].objects if o.name == 'goal']
    reference = SimEnv('reach')  # the same task and seed, in this process
    reference.reset(2)
    assert len(goals) == 1 and not goals[0].keypoint_names
    position = goals[0].pose.position
    assert np.allclose([position.x, position.y, position.z], reference.layout.goal, atol=1e-9)


def test_joint_trajectory_moves_joint_states(probe, sim):
    publisher = probe.create_publisher(
        JointTrajectory, 'joint_trajectory_controller/joint_trajectory', RELIABLE)
    assert wait_until(lambda: probe.received['joint_states'], TIMEOUT_S, spin(probe))
    start = latest_position(probe, 'panda_joint1')
    goal = start + 0.4
    message = JointTrajectory(joint_names=['panda_joint1'])
    message.points = [JointTrajectoryPoint(positions=[start + 0.2],
                                           time_from_start=Duration(sec=0, nanosec=500000000)),
                      JointTrajectoryPoint(positions=[goal], time_from_start=Duration(sec=1))]
    assert wait_until(lambda: publisher.get_subscription_count() > 0, TIMEOUT_S, spin(probe))
    publisher.publish(message)
    assert wait_until(lambda: abs(latest_position(probe, 'panda_joint1') - goal) < 0.01,
                      TIMEOUT_S, spin(probe)), sim.output()


def test_forward_command_moves_joint_states_and_bad_ones_are_ignored(probe, sim):
    publisher = probe.create_publisher(Float64MultiArray, 'forward_position_controller/commands',
                                       RELIABLE)
    assert wait_until(lambda: publisher.get_subscription_count() > 0, TIMEOUT_S, spin(probe))
    publisher.publish(Float64MultiArray(data=[1.0, 2.0]))           # wrong length: rejected
    target = [0.0, -0.5, 0.0, -2.0, 0.0, 1.6, 0.8, 0.02]
    publisher.publish(Float64MultiArray(data=target))
    assert wait_until(lambda: abs(latest_position(probe, 'panda_joint2') + 0.5) < 0.01 and
                      abs(latest_position(probe, 'panda_joint4') + 2.0) < 0.01,
                      TIMEOUT_S, spin(probe)), sim.output()
    assert sim.alive()


def call(probe, client, request, sim):
    assert client.wait_for_service(timeout_sec=TIMEOUT_S), sim.output()
    future = client.call_async(request)
    assert wait_until(future.done, TIMEOUT_S, spin(probe)), sim.output()
    return future.result()


def test_reset_restarts_the_episode_and_outcome_is_served(probe, sim):
    reset = probe.create_client(ResetEpisode, '/sim_node/reset_episode')
    outcome = probe.create_client(GetEpisodeOutcome, '/sim_node/episode_outcome')
    version_before = probe.received['scene'][-1].version
    response = call(probe, reset, ResetEpisode.Request(task='pick', seed=4), sim)
    assert response.success, response.message
    assert response.episode_id.startswith('pick-4-')
    assert wait_until(lambda: probe.received['scene'][-1].version > version_before and
                      any(o.name == 'target' for o in probe.received['scene'][-1].objects),
                      TIMEOUT_S, spin(probe)), sim.output()
    # after the reset the arm is back near the home posture (joint 2 = -0.785 +- jitter)
    assert wait_until(lambda: abs(latest_position(probe, 'panda_joint2') + 0.785) < 0.08,
                      TIMEOUT_S, spin(probe)), sim.output()
    events = probe.received['events']
    assert wait_until(lambda: any(e.event == EpisodeEvent.EVENT_END and
                                  e.reason == EpisodeEvent.REASON_RESET for e in events),
                      TIMEOUT_S, spin(probe))
    finished = call(probe, outcome, GetEpisodeOutcome.Request(episode_id=''), sim)
    assert finished.success and finished.outcome.task == 'reach'
    assert finished.outcome.seed == 2
    assert {v.name for v in finished.outcome.event_counts} >= {'robot_scene_collision'}
    missing = call(probe, outcome, GetEpisodeOutcome.Request(episode_id='nope'), sim)
    assert not missing.success and 'nope' in missing.message
