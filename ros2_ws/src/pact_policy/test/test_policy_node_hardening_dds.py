# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The policy node, in its own process over DDS, against a hostile peer.

This process plays robot, operator and an untrusted peer: malformed and replaced robot
descriptions, NaN joint states, an e-stop published with default QoS, file:// announcements
outside the model folders and every subscribed message type filled with hostile values. The
node must stay alive, keep its last good state, and never command NaN or exceed the limits of
the description it was configured with.
"""

import hashlib
import math
import pathlib

from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import ChangeState
import numpy as np
from pact_msgs.msg import ModelAnnouncement, PolicyStatus, Scene
from pact_msgs.srv import ResetEStop, RollbackModel
from pact_policy.core.checkpoint import checkpoint_bytes, save_checkpoint
from pact_policy.core.urdf_model import URDFModel
from pact_testing.message_fill import HOSTILE_KINDS, hostile_message
from pact_testing.processes import NodeProcess, wait_until
from policy_fixtures import LATCHED, PANDA_ACTION_NAMES, PANDA_HOME, panda_urdf
from policy_fixtures import record_policy_outputs, tiny_panda_policy
import pytest
import rclpy
from rclpy.qos import qos_profile_sensor_data, QoSProfile
from sensor_msgs.msg import JointState
from std_msgs.msg import Bool, String

pytestmark = [pytest.mark.dds, pytest.mark.slow]

TIMEOUT_S = 20.0
MARGIN = 0.05
VELOCITY_SCALE = 0.5
DT = 0.05


def wider_urdf() -> str:
    """Return the Panda URDF with joint 1 allowed ±6 rad at 100 rad/s (a hostile replacement)."""
    text = panda_urdf()
    old = 'lower="-2.8973" upper="2.8973" velocity="2.175"'
    assert old in text
    return text.replace(old, 'lower="-6.0" upper="6.0" velocity="100.0"', 1)


class Peer:
    """This process's node: robot (joint states), operator and untrusted peer."""

    def __init__(self, process):
        self.process = process
        self.node = rclpy.create_node('policy_hardening_peer')
        self.position = list(PANDA_HOME)
        self.trajectories, self.steps, self.statuses = [], [], []
        node = self.node
        self.joint_pub = node.create_publisher(JointState, '/joint_states', 5)
        self.description_pub = node.create_publisher(String, '/robot_description', LATCHED)
        self.announce_pub = node.create_publisher(ModelAnnouncement, '/model_announcement',
                                                  LATCHED)
        record_policy_outputs(node, self.trajectories, self.steps, self.statuses)
        node.create_timer(0.02, self.tick_joint_states)

    def tick_joint_states(self):
        message = JointState(name=PANDA_ACTION_NAMES, position=self.position)
        message.header.stamp = self.node.get_clock().now().to_msg()
        self.joint_pub.publish(message)

    def spin(self):
        rclpy.spin_once(self.node, timeout_sec=0.02)

    def wait(self, condition, what: str, timeout_s: float = TIMEOUT_S):
        assert wait_until(condition, timeout_s, self.spin), (
            f'timed out waiting for {what} (node alive: {self.process.alive()})\n'
            f'--- node log ---\n{self.process.output()[-4000:]}')

    def spin_for(self, seconds: float):
        wait_until(lambda: False, seconds, self.spin)

    def call(self, service_type, name, request):
        client = self.node.create_client(service_type, name)
        self.wait(lambda: client.service_is_ready(), f'service {name}')
        future = client.call_async(request)
        self.wait(future.done, f'reply of {name}')
        self.node.destroy_client(client)
        return future.result()

    def transition(self, transition_id: int):
        response = self.call(ChangeState, '/policy_node/change_state', ChangeState.Request(
            transition=Transition(id=transition_id)))
        assert response.success, self.process.output()[-3000:]

    def status(self) -> PolicyStatus:
        return self.statuses[-1] if self.statuses else PolicyStatus()

    def logged(self, text: str) -> bool:
        return text in self.process.output()


@pytest.fixture(scope='module')
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp('models')
    base = tiny_panda_policy(seed=0)
    save_checkpoint(base, folder / 'base.pact', {'version': 'base'})
    early = checkpoint_bytes(tiny_panda_policy(seed=1), {'version': 'early'})
    (folder / 'early.pact').write_bytes(early)
    return folder, base.config.architecture_id, early


@pytest.fixture(scope='module')
def peer(models):
    folder, _, _ = models
    rclpy.init()
    args = ['-m', 'pact_policy.policy_node', '--ros-args',
            '-p', f'model_path:={folder / "base.pact"}', '-p', f'model_dirs:=[{folder}]',
            '-p', f'limit_margin:={MARGIN}', '-p', f'velocity_scale:={VELOCITY_SCALE}',
            '-p', 'input_timeout_s:=0.5', '-p', 'status_rate_hz:=10.0',
            '-p', 'auto_activate:=false', '-p', 'autostart:=false']
    with NodeProcess(args, name='policy_node') as process:
        test = Peer(process)
        yield test
        assert process.alive(), process.output()[-4000:]
        test.node.destroy_node()
    rclpy.shutdown()


def test_malformed_latched_descriptions_are_rejected_naming_the_field(peer):
    """lower="abc" or a non-numeric mimic multiplier ended the process; no velocity = no limit."""
    text = panda_urdf()
    bad_lower = text.replace('lower="-2.8973"', 'lower="abc"', 1)
    bad_mimic = text.replace('<mimic joint=', '<mimic multiplier="x" joint=', 1)
    peer.description_pub.publish(String(data=bad_lower))
    peer.wait(lambda: peer.logged("limit lower: 'abc' is not a number"), 'the lower rejection')
    peer.description_pub.publish(String(data=bad_mimic))
    peer.wait(lambda: peer.logged("mimic multiplier: 'x' is not a number"),
              'the mimic rejection')
    # No velocity limit: the rate limiter would let joint 1 jump anywhere in one row.
    unlimited = text.replace('velocity="2.175"', '', 1)
    peer.description_pub.publish(String(data=unlimited))
    peer.wait(lambda: peer.logged("joint 'panda_joint1' limit: no velocity attribute"),
              'the rejection of the joint without a velocity limit')
    peer.spin_for(0.5)
    assert peer.process.alive()
    peer.description_pub.publish(String(data=text))


def test_announcement_before_configure_is_fetched_on_configure(peer, models):
    folder, architecture, early = models
    peer.announce_pub.publish(ModelAnnouncement(
        version='early', parent_version='base', architecture_id=architecture,
        size_bytes=len(early), sha256=hashlib.sha256(early).hexdigest(),
        uri=(folder / 'early.pact').as_uri()))
    peer.wait(lambda: peer.logged("model 'early' announced before the node was configured"),
              'the deferral note')
    peer.transition(Transition.TRANSITION_CONFIGURE)
    peer.wait(lambda: peer.logged("model 'early' verified and staged"), 'staging of early')
    peer.transition(Transition.TRANSITION_ACTIVATE)
    peer.wait(lambda: len([t for t in peer.trajectories if len(t.points) == 2]) >= 3,
              'chunks from the active node')


def old_limits():
    limits = URDFModel(panda_urdf()).limits_for(PANDA_ACTION_NAMES)
    margins = np.array([MARGIN] * 7 + [0.002])
    lower = np.array([limit.lower for limit in limits]) + margins
    upper = np.array([limit.upper for limit in limits]) - margins
    max_step = VELOCITY_SCALE * np.array([limit.velocity for limit in limits]) * DT
    return lower, upper, max_step


def test_a_wider_description_published_while_active_is_refused(peer):
    peer.description_pub.publish(String(data=wider_urdf()))
    peer.wait(lambda: peer.logged('robot description changed while ACTIVE: refused'),
              'the refusal')
    count = len(peer.trajectories)
    peer.wait(lambda: len([t for t in peer.trajectories[count:] if len(t.points) == 2]) >= 10,
              'ten chunks after the replacement')
    lower, upper, max_step = old_limits()
    for trajectory in peer.trajectories[count:]:
        rows = np.array([point.positions for point in trajectory.points])
        assert np.all(rows >= lower - 1e-9) and np.all(rows <= upper + 1e-9), rows
        steps = np.abs(np.diff(np.vstack([PANDA_HOME, rows]), axis=0))
        assert np.all(steps <= max_step + 1e-9), steps
    peer.description_pub.publish(String(data=panda_urdf()))  # the one in use: a no-op


def test_nan_joint_position_holds_the_last_finite_command(peer):
    peer.position = [math.nan] + list(PANDA_HOME[1:])
    count = len(peer.trajectories)
    peer.wait(lambda: peer.status().state == PolicyStatus.STATE_HOLDING, 'HOLDING')
    peer.wait(lambda: len(peer.trajectories) >= count + 5, 'hold commands')
    holds = [t for t in peer.trajectories[count:] if len(t.points) == 1]
    assert holds
    for trajectory in peer.trajectories[count:]:
        assert np.all(np.isfinite([p.positions for p in trajectory.points])), trajectory
    peer.position = list(PANDA_HOME)
    peer.wait(lambda: peer.status().state == PolicyStatus.STATE_ACTIVE, 'ACTIVE again')


@pytest.mark.parametrize('qos', [QoSProfile(depth=10), qos_profile_sensor_data],
                         ids=['reliable_volatile', 'best_effort'])
def test_estop_from_a_default_or_best_effort_publisher_latches(peer, qos):
    """`ros2 topic pub` publishes reliable + volatile; the latched subscription alone missed it."""
    publisher = peer.node.create_publisher(Bool, '/policy_node/estop', qos)
    peer.wait(lambda: publisher.get_subscription_count() > 0, 'a matching e-stop subscription')

    def asserted() -> bool:  # published until seen, as a sensor-style publisher repeats it
        publisher.publish(Bool(data=True))  # (best effort may drop it before both sides match)
        return peer.status().state == PolicyStatus.STATE_ESTOP
    peer.wait(asserted, 'ESTOP state')
    assert peer.status().estop_latched
    for _ in range(3):  # release the input (best effort: more than once), then reset
        publisher.publish(Bool(data=False))
        peer.spin_for(0.1)
    reply = peer.call(ResetEStop, '/policy_node/reset_estop',
                      ResetEStop.Request(operator_note='test'))
    assert reply.success, reply.message
    peer.wait(lambda: peer.status().state == PolicyStatus.STATE_ACTIVE, 'ACTIVE again')
    peer.node.destroy_publisher(publisher)


def test_file_uri_outside_model_dirs_is_refused_without_leaking_size_or_digest(peer, models):
    _, architecture, _ = models
    secret = pathlib.Path('/etc/passwd')
    data = secret.read_bytes()
    peer.announce_pub.publish(ModelAnnouncement(
        version='probe', parent_version='base', architecture_id=architecture, size_bytes=5,
        sha256='0' * 64, uri=secret.as_uri()))
    peer.wait(lambda: "model 'probe'" in peer.process.output(), 'the rejection of probe')
    lines = [line for line in peer.process.output().splitlines() if "'probe'" in line]
    assert any('outside the configured model directories' in line for line in lines), lines
    for line in lines:
        assert hashlib.sha256(data).hexdigest() not in line and f'{len(data)} bytes' not in line
    assert peer.status().active_model_version == 'base'


def test_every_input_filled_with_hostile_values_leaves_the_node_alive_and_responsive(peer):
    topics = [(JointState, '/joint_states', 5), (String, '/robot_description', LATCHED),
              (Scene, '/scene', LATCHED), (Bool, '/policy_node/estop', LATCHED),
              (ModelAnnouncement, '/model_announcement', LATCHED)]
    publishers = [(cls, peer.node.create_publisher(cls, topic, qos))
                  for cls, topic, qos in topics]
    peer.spin_for(1.0)
    for kind in HOSTILE_KINDS:
        for cls, publisher in publishers:
            publisher.publish(hostile_message(cls, kind))
        peer.spin_for(0.2)
    peer.spin_for(1.0)
    assert peer.process.alive(), peer.process.output()[-4000:]
    reply = peer.call(RollbackModel, '/policy_node/rollback_model', RollbackModel.Request())
    assert reply.active_version == 'base'  # served; nothing was ever activated
    count = len(peer.statuses)
    peer.wait(lambda: len(peer.statuses) >= count + 3, 'status messages')
    for trajectory in peer.trajectories:
        assert np.all(np.isfinite([p.positions for p in trajectory.points]))
