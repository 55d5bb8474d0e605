# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The episode driver keeps a real sim node busy once the policy node is active (over DDS).

A sim node runs in one process, the driver in another; this process plays the policy node's
status. While the policy is INACTIVE the driver must not touch the sim (an episode ends and
nothing follows); once ACTIVE, episodes must follow each other with consecutive seeds.
"""

from pact_eval.episode_driver import first_seed, parse_arguments
from pact_msgs.msg import EpisodeEvent, PolicyStatus
from pact_msgs.srv import ResetEpisode
from pact_testing.processes import NodeProcess, wait_until
from pact_testing.repository import repository_root
import pytest
import rclpy
from rclpy.qos import QoSProfile, ReliabilityPolicy
import yaml

OVERLAY = repository_root() / 'config' / 'demo' / 'mujoco_demo.yaml'
RELIABLE = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
FIRST_SEED = 700


def test_the_first_seed_comes_from_the_overlay_unless_given():
    expected = yaml.safe_load(OVERLAY.read_text())['mujoco_demo']['ros__parameters'][
        'train_first_seed']
    assert first_seed(parse_arguments(['--params-file', str(OVERLAY)])) == expected
    assert first_seed(parse_arguments(['--params-file', str(OVERLAY), '--first-seed', '3'])) == 3


@pytest.fixture
def node():
    """Return a node of this process (rclpy initialised for the test)."""
    rclpy.init()
    test_node = rclpy.create_node('episode_driver_test')
    yield test_node
    test_node.destroy_node()
    rclpy.shutdown()


def test_episodes_follow_each_other_once_the_policy_is_active(node):
    events = []
    node.create_subscription(EpisodeEvent, '/sim_node/episode_events', events.append, RELIABLE)
    status_pub = node.create_publisher(PolicyStatus, '/policy_node/status', RELIABLE)
    status = PolicyStatus(state=PolicyStatus.STATE_INACTIVE, active_model_version='base')
    node.create_timer(0.2, lambda: status_pub.publish(status))

    def spin():
        rclpy.spin_once(node, timeout_sec=0.05)

    def seen(kind, seed):
        return any(e.event == kind and e.seed == seed for e in events)

    sim = NodeProcess(['-m', 'pact_sim.sim_node', '--ros-args', '-p', 'seed:=0',
                       '-p', 'real_time_factor:=5.0'], name='sim_node')
    driver = NodeProcess(['-m', 'pact_eval.episode_driver', '--first-seed',
                          str(FIRST_SEED)], name='episode_driver')
    with sim, driver:
        # an episode started here (seed 1) runs out while the policy is inactive
        reset = node.create_client(ResetEpisode, '/sim_node/reset_episode')
        assert reset.wait_for_service(timeout_sec=120.0), sim.output()
        future = reset.call_async(ResetEpisode.Request(seed=1))
        assert wait_until(future.done, 30.0, spin) and future.result().success, sim.output()
        assert wait_until(lambda: seen(EpisodeEvent.EVENT_END, 1), 120.0, spin), (
            sim.output() + driver.output())
        for _ in range(20):
            spin()
        assert not seen(EpisodeEvent.EVENT_START, FIRST_SEED), driver.output()
        status.state = PolicyStatus.STATE_ACTIVE
        assert wait_until(lambda: seen(EpisodeEvent.EVENT_START, FIRST_SEED + 2), 120.0,
                          spin), sim.output() + driver.output()
        assert driver.alive()
    assert driver.process.returncode == 0, (driver.process.returncode, driver.log_path.read_text())
    started = [e.seed for e in events if e.event == EpisodeEvent.EVENT_START]
    first = started.index(FIRST_SEED)
    assert started[first:first + 3] == [FIRST_SEED, FIRST_SEED + 1, FIRST_SEED + 2]
    ends = [e for e in events if e.event == EpisodeEvent.EVENT_END
            and e.seed in (FIRST_SEED, FIRST_SEED + 1)]
    assert [e.reason for e in ends] == [EpisodeEvent.REASON_TIMEOUT] * 2
    assert 'policy node active' in driver.log_path.read_text()


pytestmark = [pytest.mark.dds, pytest.mark.sim, pytest.mark.slow]
