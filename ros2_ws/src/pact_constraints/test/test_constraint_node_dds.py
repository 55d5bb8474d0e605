# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The constraint node over real DDS, in its own process, for the Panda and the UR5.

This process publishes the description, joint states and scenes, receives ConstraintState and
markers, and compares the numbers with the core evaluated here on the same inputs.
"""

import numpy as np
from pact_constraints.core.config import default_config
from pact_constraints.core.constraints import ConstraintEvaluator
from pact_constraints.core.monitor import config_with_overrides
from pact_constraints.core.robot_model import RobotModel
from pact_msgs.msg import ConstraintState, Scene as SceneMsg
from pact_testing.processes import NodeProcess, wait_until
from pact_world.core.robot_assets import (PANDA_SRDF, PANDA_URDF, read_description,
                                          UR5_SRDF, UR5_URDF)
from pact_world.core.scene import scene_from_dict
from pact_world.scene_conversion import scene_to_msg
import pytest
import rclpy
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState
from std_msgs.msg import String
from visualization_msgs.msg import Marker, MarkerArray
import yaml

pytestmark = [pytest.mark.dds, pytest.mark.slow]

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
TIMEOUT_S = 40.0
SCENE = {'frame': 'world', 'version': 3, 'obstacles': [
    {'name': 'table', 'type': 'box', 'size': [0.6, 1.0, 0.04],
     'pose': {'position': [0.5, 0.0, 0.1]}},
    {'name': 'ball', 'type': 'sphere', 'radius': 0.05, 'pose': {'position': [0.45, 0.0, 0.5]}},
]}
PANDA_JOINTS = [f'panda_joint{i}' for i in range(1, 8)] + ['panda_finger_joint1']
PANDA_Q = [2.85, -0.3, 0.0, -2.2, 0.0, 2.0, 0.785, 0.02]   # joint 1 near its limit
UR5_JOINTS = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint',
              'wrist_2_joint', 'wrist_3_joint']
UR5_Q = [0.0, -1.4, 1.6, -1.8, -1.57, 0.0]


class Peer:
    """This process's side: publishers, subscriptions, received messages."""

    def __init__(self, node, joint_names):
        """Create publishers and subscriptions on ``node``."""
        self.node, self.joint_names = node, joint_names
        self.positions = None
        self.states, self.markers = [], []
        self.description = node.create_publisher(String, '/robot_description', LATCHED)
        self.scene = node.create_publisher(SceneMsg, 'scene', LATCHED)
        self.joints = node.create_publisher(JointState, '/joint_states', 5)
        self.subscriptions = [
            node.create_subscription(ConstraintState, 'constraint_state', self.states.append, 10),
            node.create_subscription(MarkerArray, '/constraint_node/markers',
                                     self.markers.append, 10)]

    def spin(self):
        """Publish the current joint state (if any) and run one executor turn."""
        if self.positions is not None:
            msg = JointState(name=self.joint_names, position=list(self.positions),
                             velocity=[0.0] * len(self.joint_names))
            msg.header.stamp.sec, msg.header.stamp.nanosec = 1234, 500000000
            self.joints.publish(msg)
        rclpy.spin_once(self.node, timeout_sec=0.02)

    def wait_state(self, condition, process, timeout=TIMEOUT_S):
        """Wait for a ConstraintState satisfying ``condition``; return it."""
        self.states.clear()
        found = wait_until(lambda: any(condition(s) for s in self.states), timeout, self.spin)
        assert found, f'no matching state; last: {self.states[-1:]}\n{process.output()[-3000:]}'
        return [s for s in self.states if condition(s)][-1]

    def close(self):
        """Destroy this peer's entities."""
        for entity in self.subscriptions:
            self.node.destroy_subscription(entity)
        for publisher in (self.description, self.scene, self.joints):
            self.node.destroy_publisher(publisher)


@pytest.fixture(scope='module')
def ros_node():
    """Initialise rclpy once for the module."""
    rclpy.init()
    node = rclpy.create_node('constraint_node_test')
    yield node
    node.destroy_node()
    rclpy.shutdown()


def start_node(tmp_path, srdf_uri, extra=()):
    """Return a NodeProcess running the constraint node with a scene file and an SRDF."""
    scene_file = tmp_path / 'scene.yaml'
    scene_file.write_text(yaml.safe_dump(SCENE))
    return NodeProcess(['-m', 'pact_constraints.constraint_node', '--ros-args',
                        '-p', 'rate:=50.0', '-p', 'stale_timeout:=0.5',
                        '-p', 'geometry_mode:=convex', '-p', f'scene_file:={scene_file}',
                        '-p', f'robot_description_semantic:={srdf_uri}', *extra],
                       name='constraint_node')


def expected_evaluation(urdf_uri, srdf_uri, positions, config=None):
    """Evaluate the same inputs with the core in this process."""
    robot = RobotModel(read_description(urdf_uri), read_description(srdf_uri))
    config = config or default_config().with_geometry_mode('convex')
    evaluator = ConstraintEvaluator(robot, scene_from_dict(SCENE), config)
    return robot, evaluator, evaluator.evaluate(np.array(positions), np.zeros(len(positions)))


def assert_state_matches(state, robot, evaluation):
    """Compare a received ConstraintState with a core evaluation."""
    assert state.robot_id == robot.robot_id
    assert state.header.stamp.sec == 1234 and state.header.stamp.nanosec == 500000000
    assert state.header.frame_id == 'world' and state.geometry_mode == 'convex'
    assert list(state.names) == list(evaluation.terms)
    for index, (name, term) in enumerate(evaluation.terms.items()):
        assert state.values[index] == pytest.approx(term.value, abs=1e-9), name
        assert state.measured[index] == pytest.approx(term.measured, abs=1e-9), name
        assert state.violated[index] == term.violated
    closest = evaluation.min_clearance
    assert state.has_clearance
    assert state.min_clearance == pytest.approx(closest.distance, abs=1e-9)
    assert (state.clearance_link, state.clearance_obstacle) == (closest.robot_link,
                                                                closest.other_name)
    np.testing.assert_allclose([state.witness_robot.x, state.witness_robot.y,
                                state.witness_robot.z], closest.point_robot, atol=1e-9)


def test_panda_node_end_to_end(ros_node, tmp_path):
    robot, evaluator, evaluation = expected_evaluation(PANDA_URDF, PANDA_SRDF, PANDA_Q)
    assert evaluation.terms['joint_position'].violated    # joint 1 is inside its margin
    peer = Peer(ros_node, PANDA_JOINTS)
    with start_node(tmp_path, PANDA_SRDF) as process:
        try:
            unknown = peer.wait_state(lambda s: True, process)
            assert unknown.status == ConstraintState.STATUS_UNKNOWN and unknown.status_message
            peer.description.publish(String(data=read_description(PANDA_URDF)))
            peer.positions = PANDA_Q
            state = peer.wait_state(lambda s: s.status != ConstraintState.STATUS_UNKNOWN,
                                    process)
            assert state.status == ConstraintState.STATUS_VIOLATED
            assert state.scene_version == 3
            assert_state_matches(state, robot, evaluation)
            check_markers(peer, process)

            peer.positions = None      # stop publishing: stale -> UNKNOWN, never OK
            stale = peer.wait_state(lambda s: 'stale' in s.status_message, process)
            assert stale.status == ConstraintState.STATUS_UNKNOWN
            assert len(stale.values) == 0

            peer.positions = PANDA_Q
            peer.wait_state(lambda s: s.status == ConstraintState.STATUS_VIOLATED, process)
            peer.description.publish(String(data='<robot name="broken"><link name="a">'))
            assert wait_until(lambda: 'rejected robot_description' in process.output(),
                              TIMEOUT_S, peer.spin), process.output()[-2000:]
            after = peer.wait_state(lambda s: s.status != ConstraintState.STATUS_UNKNOWN,
                                    process)
            assert process.alive()
            assert_state_matches(after, robot, evaluation)

            moved = scene_from_dict({'frame': 'world', 'version': 7, 'obstacles': [
                {'name': 'pillar', 'type': 'cylinder', 'radius': 0.05, 'length': 1.0,
                 'pose': {'position': [0.3, 0.3, 0.5]}}]})
            peer.scene.publish(scene_to_msg(moved))
            state = peer.wait_state(lambda s: s.scene_version == 7, process)
            assert state.clearance_obstacle == 'pillar'
            reference = ConstraintEvaluator(robot, moved, evaluator.config).evaluate(
                np.array(PANDA_Q), np.zeros(8))
            assert state.min_clearance == pytest.approx(reference.min_clearance.distance,
                                                        abs=1e-9)

            broken = scene_to_msg(moved)
            broken.version = 8
            broken.obstacles[0].primitive.dimensions = [-1.0]     # a cylinder needs 2 dims > 0
            peer.scene.publish(broken)
            assert wait_until(lambda: 'rejected scene' in process.output(), TIMEOUT_S,
                              peer.spin), process.output()[-2000:]
            state = peer.wait_state(lambda s: s.status != ConstraintState.STATUS_UNKNOWN,
                                    process)
            assert state.scene_version == 7 and state.clearance_obstacle == 'pillar'
        finally:
            peer.close()


def check_markers(peer, process):
    """Check namespaces, colours and explicit deletion of cleared joint-limit markers."""
    assert wait_until(lambda: any(m.ns == 'joint_position' for a in peer.markers
                                  for m in a.markers), TIMEOUT_S, peer.spin), process.output()
    latest = [m for a in peer.markers for m in a.markers if m.action == Marker.ADD]
    namespaces = {m.ns for m in latest}
    assert {'clearance', 'self_collision', 'joint_position', 'labels', 'scene',
            'status'} <= namespaces
    status = [m for m in latest if m.ns == 'status']
    assert all(m.type == Marker.TEXT_VIEW_FACING for m in status)
    assert any(m.text.startswith(('OK', 'VIOLATED')) for m in status)
    joint_marker = next(m for m in latest if m.ns == 'joint_position')
    assert (joint_marker.id, joint_marker.color.r, joint_marker.color.g,
            joint_marker.color.b) == (0, 1.0, 0.0, 1.0)          # panda_joint1, magenta
    lines = [m for m in latest if m.ns == 'clearance']
    assert all(m.type == Marker.LINE_LIST and len(m.points) == 2 for m in lines)
    assert all(m.header.frame_id == 'world' for m in latest)
    peer.markers.clear()
    peer.positions = [0.0] + PANDA_Q[1:]                         # joint 1 back to mid-range
    assert wait_until(lambda: any(m.ns == 'joint_position' and m.action == Marker.DELETE
                                  for a in peer.markers for m in a.markers),
                      TIMEOUT_S, peer.spin), process.output()[-2000:]


def test_ur5_node_with_only_parameters_changed(ros_node, tmp_path):
    active = ['clearance', 'self_collision', 'joint_position', 'joint_velocity',
              'grasp_approach']
    config = config_with_overrides(default_config(), active, 'convex', {'clearance': 0.25})
    robot, _, evaluation = expected_evaluation(UR5_URDF, UR5_SRDF, UR5_Q, config)
    peer = Peer(ros_node, UR5_JOINTS)
    parameters = ['-p', 'margins.clearance:=0.25', '-p',
                  'active_constraints:=[' + ', '.join(active) + ']']
    with start_node(tmp_path, UR5_SRDF, parameters) as process:
        try:
            peer.description.publish(String(data=read_description(UR5_URDF)))
            peer.positions = UR5_Q
            state = peer.wait_state(lambda s: s.status != ConstraintState.STATUS_UNKNOWN,
                                    process)
            assert_state_matches(state, robot, evaluation)
            assert list(state.names) == active
            assert state.margins[0] == 0.25 and state.values[0] > 0   # clearance within 0.25
            assert state.status == ConstraintState.STATUS_VIOLATED
            assert state.values[list(state.names).index('grasp_approach')] == 0.0
        finally:
            peer.close()
