# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The constraint node, in its own process over DDS, against a hostile peer.

This process publishes the Panda description and joint states, then what an untrusted peer
could send: mesh URIs naming system files or climbing out of a package, an empty mesh, too
many obstacles or joint names, joint states without velocities, and every subscribed message
type filled with hostile values. The node must stay alive, keep its last good scene and report
UNKNOWN (never OK) when it cannot measure what a constraint needs.
"""

from pact_msgs.msg import ConstraintState, Obstacle, PolicyStep, Scene as SceneMsg
from pact_testing.message_fill import HOSTILE_KINDS, hostile_message
from pact_testing.processes import NodeProcess, wait_until
from pact_world.core.robot_assets import PANDA_SRDF, PANDA_URDF, read_description
from pact_world.core.scene import scene_from_dict
from pact_world.scene_conversion import scene_to_msg
import pytest
import rclpy
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState
from std_msgs.msg import String

pytestmark = [pytest.mark.dds, pytest.mark.slow]

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
TIMEOUT_S = 20.0
MAX_OBSTACLES = 20
MAX_JOINT_NAMES = 50
JOINTS = [f'panda_joint{i}' for i in range(1, 8)] + ['panda_finger_joint1']
Q = [0.0, -0.3, 0.0, -2.2, 0.0, 2.0, 0.785, 0.02]
GOOD_SCENE = {'frame': 'world', 'version': 3, 'obstacles': [
    {'name': 'ball', 'type': 'sphere', 'radius': 0.05, 'pose': {'position': [0.45, 0.0, 0.5]}}]}


class Peer:
    """This process's side: the robot (description, joint states) and the hostile peer."""

    def __init__(self, process):
        self.process = process
        self.node = rclpy.create_node('constraint_hardening_peer')
        self.states = []
        self.velocity_field = True
        self.stamp_step_ns = 10_000_000
        self.stamp_ns = 1_000_000_000
        self.swing = False
        self.description = self.node.create_publisher(String, '/robot_description', LATCHED)
        self.scene = self.node.create_publisher(SceneMsg, 'scene', LATCHED)
        self.joints = self.node.create_publisher(JointState, '/joint_states', 5)
        self.node.create_subscription(ConstraintState, 'constraint_state', self.states.append,
                                      10)

    def spin(self):
        positions = list(Q)
        if self.swing:  # joint 1 swings ±0.4 rad between messages: ~40 rad/s at 100 Hz
            self.swing_sign = -getattr(self, 'swing_sign', 1.0)
            positions[0] = 0.4 * self.swing_sign
        message = JointState(name=JOINTS, position=positions)
        if self.velocity_field:
            message.velocity = [0.0] * len(JOINTS)
        self.stamp_ns += self.stamp_step_ns
        message.header.stamp.sec, message.header.stamp.nanosec = divmod(self.stamp_ns, 10**9)
        self.joints.publish(message)
        rclpy.spin_once(self.node, timeout_sec=0.01)

    def wait(self, condition, what: str, timeout_s: float = TIMEOUT_S):
        assert wait_until(condition, timeout_s, self.spin), (
            f'timed out waiting for {what} (node alive: {self.process.alive()}); last state: '
            f'{self.states[-1:]}\n--- node log ---\n{self.process.output()[-3000:]}')

    def wait_state(self, condition, what: str) -> ConstraintState:
        self.states.clear()
        self.wait(lambda: any(condition(state) for state in self.states), what)
        return [state for state in self.states if condition(state)][-1]

    def logged(self, text: str) -> bool:
        return text in self.process.output()


@pytest.fixture(scope='module')
def mesh_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp('meshes')
    (folder / 'empty.stl').write_bytes(b'')
    (folder / 'text.stl').write_text('root:x:0:0:root:/root:/bin/bash\n')
    (folder / 'notes.txt').write_text('root:x:0:0:root:/root:/bin/bash\n')
    return folder


@pytest.fixture(scope='module')
def peer(mesh_dir):
    rclpy.init()
    args = ['-m', 'pact_constraints.constraint_node', '--ros-args', '-p', 'rate:=50.0',
            '-p', 'geometry_mode:=capsule', '-p', f'robot_description_semantic:={PANDA_SRDF}',
            '-p', f'mesh_dirs:=[{mesh_dir}]', '-p', f'max_obstacles:={MAX_OBSTACLES}',
            '-p', f'max_joint_names:={MAX_JOINT_NAMES}']
    with NodeProcess(args, name='constraint_node') as process:
        test = Peer(process)
        test.description.publish(String(data=read_description(PANDA_URDF)))
        test.scene.publish(scene_to_msg(scene_from_dict(GOOD_SCENE)))
        test.wait_state(lambda s: s.status != ConstraintState.STATUS_UNKNOWN
                        and s.scene_version == 3, 'a first evaluation')
        yield test
        assert process.alive(), process.output()[-3000:]
        test.node.destroy_node()
    rclpy.shutdown()


def mesh_scene(uri: str, version: int) -> SceneMsg:
    message = scene_to_msg(scene_from_dict(GOOD_SCENE))
    message.version = version
    message.obstacles.append(Obstacle(name='bin', shape=Obstacle.SHAPE_MESH, mesh_uri=uri))
    message.obstacles[-1].pose.orientation.w = 1.0
    return message


@pytest.mark.parametrize('uri, expected', [
    ('file:///etc/passwd', 'refused: a scene message may name meshes'),
    ('/etc/hostname', 'refused: a scene message may name meshes'),
    ('package://example-robot-data/../../../../etc/passwd', 'climbs out of its package'),
    ('empty.stl', 'no usable vertices'),
    ('text.stl', 'no usable vertices'),
    ('notes.txt', 'not a readable mesh'),
])
def test_a_scene_with_a_hostile_mesh_uri_is_rejected_and_the_last_scene_kept(
        peer, mesh_dir, uri, expected):
    if '/' not in uri:  # a file in the allowed mesh folder
        uri = (mesh_dir / uri).as_uri()
    peer.scene.publish(mesh_scene(uri, 4))
    peer.wait(lambda: peer.logged(expected), f'the rejection of {uri}')
    state = peer.wait_state(lambda s: s.status != ConstraintState.STATUS_UNKNOWN, 'a state')
    assert state.scene_version == 3 and state.clearance_obstacle == 'ball'


def test_joint_states_without_velocity_and_constant_stamps_are_unknown(peer):
    peer.velocity_field, peer.stamp_step_ns, peer.swing = False, 0, True
    try:
        # UNKNOWN, or VIOLATED when another constraint is violated: never OK, and it says why.
        peer.wait_state(lambda s: 'no joint velocity' in s.status_message,
                        'the missing velocities reported')
        peer.states.clear()
        peer.wait(lambda: len(peer.states) >= 20, 'twenty more states')
        assert all(s.status != ConstraintState.STATUS_OK and 'no joint velocity'
                   in s.status_message for s in peer.states[1:]), peer.states
        assert all('joint_velocity' not in s.names for s in peer.states[1:])
    finally:
        peer.velocity_field, peer.stamp_step_ns, peer.swing = True, 10_000_000, False
    peer.wait_state(lambda s: s.status != ConstraintState.STATUS_UNKNOWN, 'known again')


def test_a_scene_with_too_many_obstacles_is_refused(peer):
    obstacles = [{'name': f'box{i}', 'type': 'box', 'size': [0.01, 0.01, 0.01],
                  'pose': {'position': [2.0 + 0.02 * i, 0.0, 0.0]}}
                 for i in range(MAX_OBSTACLES + 1)]
    message = scene_to_msg(scene_from_dict({'frame': 'world', 'version': 5,
                                            'obstacles': obstacles}))
    peer.scene.publish(message)
    peer.wait(lambda: peer.logged(f'exceed the limit of {MAX_OBSTACLES}'), 'the refusal')
    state = peer.wait_state(lambda s: s.status != ConstraintState.STATUS_UNKNOWN, 'a state')
    assert state.scene_version == 3


def test_joint_names_beyond_the_limit_are_refused_and_the_robot_still_evaluated(peer):
    names = [f'fake_joint_{i}' for i in range(5 * MAX_JOINT_NAMES)]
    peer.joints.publish(JointState(name=names, position=[0.0] * len(names)))
    peer.wait(lambda: peer.logged(f'limit of {MAX_JOINT_NAMES} distinct names'), 'the refusal')
    peer.wait_state(lambda s: s.status != ConstraintState.STATUS_UNKNOWN, 'a state')


def test_every_input_filled_with_hostile_values_leaves_the_node_alive_and_publishing(peer):
    steps = peer.node.create_publisher(PolicyStep, '/policy_node/policy_step', 10)
    chunk_states = []
    peer.node.create_subscription(ConstraintState, '/constraint_node/chunk_state',
                                  chunk_states.append, 10)
    peer.wait(lambda: steps.get_subscription_count() > 0, 'the PolicyStep subscription')
    publishers = [(String, peer.description), (SceneMsg, peer.scene),
                  (JointState, peer.node.create_publisher(JointState, '/joint_states', 5)),
                  (PolicyStep, steps)]
    for kind in HOSTILE_KINDS:
        for cls, publisher in publishers:
            publisher.publish(hostile_message(cls, kind))
        wait_until(lambda: False, 0.2, peer.spin)
    assert peer.process.alive(), peer.process.output()[-3000:]
    # every hostile PolicyStep is answered UNKNOWN with a reason (and none is scored)
    peer.wait(lambda: len(chunk_states) == len(HOSTILE_KINDS), 'a chunk state per PolicyStep')
    assert all(state.status == ConstraintState.STATUS_UNKNOWN and 'malformed command' in
               state.status_message and not state.names for state in chunk_states), chunk_states
    peer.description.publish(String(data=read_description(PANDA_URDF)))
    peer.wait_state(lambda s: s.status != ConstraintState.STATUS_UNKNOWN,
                    'an evaluation after the hostile messages')  # ('empty' is a valid scene)


def test_a_node_given_a_file_that_is_not_an_srdf_refuses_to_start(tmp_path):
    not_srdf = tmp_path / 'panda.srdf'
    not_srdf.write_text(read_description(PANDA_URDF))  # a URDF under an SRDF's name
    args = ['-m', 'pact_constraints.constraint_node', '--ros-args',
            '-p', f'robot_description_semantic:={not_srdf}']
    with NodeProcess(args, name='constraint_node_bad_srdf') as process:
        assert wait_until(lambda: not process.alive(), TIMEOUT_S), process.output()[-2000:]
    assert process.process.returncode == 2, process.output()[-2000:]
    assert 'is not an SRDF' in process.output() and str(not_srdf) in process.output()
