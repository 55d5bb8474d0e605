# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The constraint node scores each commanded chunk over real DDS, in its own process.

This process publishes the Panda's description, its joint states, a scene (from the node's
scene file) and PolicySteps as the policy node does, receives ``/constraint_node/chunk_state``
and compares the numbers with the trainer's function (``ExecutedPathCosts`` over
``TorchConstraintCosts``) evaluated here on the same inputs.
"""

import math

import numpy as np
from pact_constraints.core.config import load_constraint_config
from pact_constraints.core.executed_path import ExecutedPathCosts
from pact_constraints.core.robot_model import RobotModel
from pact_constraints.core.torch_costs import TorchConstraintCosts
from pact_msgs.msg import ConstraintState, PolicyStep
from pact_testing.processes import NodeProcess, wait_until
from pact_world.core.robot_assets import PANDA_SRDF, PANDA_URDF, read_description
from pact_world.core.scene import scene_from_dict
import pytest
import rclpy
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState
from std_msgs.msg import String
import torch
import yaml

pytestmark = [pytest.mark.dds, pytest.mark.slow]

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
COMMANDS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
TIMEOUT_S = 40.0
SCENE = {'frame': 'world', 'version': 3, 'obstacles': [
    {'name': 'post', 'type': 'box', 'size': [0.04, 0.04, 1.0],
     'pose': {'position': [0.45, 0.0, 0.5]}}]}
CONFIG = {'geometry_mode': 'capsule', 'penalty': 'smooth', 'path_substeps': 10, 'constraints': {
    'clearance': {'margin': 0.01, 'smooth_width': 0.01},
    'self_collision': {'active': False}, 'joint_position': {'margin': 0.05},
    'joint_velocity': {'margin': 0.0, 'smooth_width': 0.1},
    'workspace': {'active': False}, 'grasp_approach': {'active': False}}}
JOINTS = [f'panda_joint{i}' for i in range(1, 8)] + ['panda_finger_joint1']
POSE = [-0.7, 0.3, 0.0, -1.8, 0.0, 2.1, 0.785, 0.03]   # joint 1 on one side of the post
DT = 1.0


def rows_at(*joint1) -> np.ndarray:
    """Return one row of POSE per joint-1 angle (rad)."""
    rows = np.tile(np.array(POSE), (len(joint1), 1))
    rows[:, 0] = joint1
    return rows


class Peer:
    """This process's side: robot, scene-free policy steps, received chunk states."""

    def __init__(self, node):
        """Create publishers and subscriptions on ``node``."""
        self.node = node
        self.chunk_states, self.states = [], []
        self.description = node.create_publisher(String, '/robot_description', LATCHED)
        self.joints = node.create_publisher(JointState, '/joint_states', 5)
        self.steps = node.create_publisher(PolicyStep, '/policy_node/policy_step', COMMANDS)
        self.subscriptions = [
            node.create_subscription(ConstraintState, '/constraint_node/chunk_state',
                                     self.chunk_states.append, 10),
            node.create_subscription(ConstraintState, 'constraint_state', self.states.append,
                                     10)]
        self.positions = None

    def spin(self):
        """Publish the joint state (if any) and run one executor turn."""
        if self.positions is not None:
            self.joints.publish(JointState(name=JOINTS, position=list(self.positions),
                                           velocity=[0.0] * len(JOINTS)))
        rclpy.spin_once(self.node, timeout_sec=0.02)

    def wait(self, condition, process, what):
        """Spin until ``condition()``; fail with the node's log."""
        assert wait_until(condition, TIMEOUT_S, self.spin), (
            f'timed out waiting for {what}; chunk states: {self.chunk_states[-2:]}\n'
            f'{process.output()[-3000:]}')

    def chunk_state(self, episode: str, step: int, process) -> ConstraintState:
        """Wait for the chunk state of ``episode`` / ``step`` (named in its status message)."""
        label = f'episode {episode!r} step {step}'

        def found():
            return [s for s in self.chunk_states if s.status_message.startswith(label)]
        self.wait(found, process, label)
        return found()[-1]

    def close(self):
        """Destroy this peer's entities."""
        for entity in self.subscriptions:
            self.node.destroy_subscription(entity)
        for publisher in (self.description, self.joints, self.steps):
            self.node.destroy_publisher(publisher)


def policy_step(rows, episode: str, step: int, stamp=(77, 250000000)) -> PolicyStep:
    """Return a PolicyStep whose commanded rows are ``rows`` (H, D), as the policy sends."""
    rows = np.asarray(rows, dtype=float)
    message = PolicyStep(episode_id=episode, step_index=step, action_horizon=rows.shape[0],
                         action_dim=rows.shape[1], action_names=JOINTS, action_dt=DT,
                         command_horizon=rows.shape[0])
    message.action_chunk = message.command = [float(v) for v in rows.reshape(-1)]
    message.header.stamp.sec, message.header.stamp.nanosec = stamp
    message.header.frame_id = 'world'
    return message


@pytest.fixture(scope='module')
def ros_node():
    """Initialise rclpy once for the module."""
    rclpy.init()
    node = rclpy.create_node('chunk_scoring_test')
    yield node
    node.destroy_node()
    rclpy.shutdown()


def start_node(tmp_path, extra=()):
    """Return a NodeProcess running the constraint node with CONFIG and the post scene."""
    scene_file, config_file = tmp_path / 'scene.yaml', tmp_path / 'constraints.yaml'
    scene_file.write_text(yaml.safe_dump(SCENE))
    config_file.write_text(yaml.safe_dump(CONFIG))
    return NodeProcess(['-m', 'pact_constraints.constraint_node', '--ros-args',
                        '-p', 'rate:=20.0', '-p', f'config_file:={config_file}',
                        '-p', f'scene_file:={scene_file}',
                        '-p', f'robot_description_semantic:={PANDA_SRDF}', *extra],
                       name='constraint_node'), config_file


def trainer_costs(config_file, rows, start):
    """Return the trainer's ExecutedPathCosts of ``rows`` from ``start``, computed here."""
    config = load_constraint_config(config_file)
    robot = RobotModel(read_description(PANDA_URDF), read_description(PANDA_SRDF),
                       capsules_per_link=config.capsules_per_link)
    costs = TorchConstraintCosts(robot, scene_from_dict(SCENE), config, JOINTS, DT,
                                 dtype=torch.float64)
    path = ExecutedPathCosts(costs, config.path_substeps, config.path_rows or None)
    return robot, path(torch.tensor(rows[None]), torch.tensor(start[None]))


def test_each_commanded_chunk_is_scored_with_the_trainers_function(ros_node, tmp_path):
    peer = Peer(ros_node)
    process, config_file = start_node(tmp_path)
    with process:
        try:
            # before the robot description: UNKNOWN with the reason (repeated until matched)
            def answered():
                peer.steps.publish(policy_step(rows_at(-0.7), 'warm-up', 0))
                return bool(peer.chunk_states)
            assert wait_until(answered, TIMEOUT_S, lambda: wait_until(
                lambda: False, 0.3, peer.spin)), process.output()[-3000:]
            first = peer.chunk_states[0]
            assert first.status == ConstraintState.STATUS_UNKNOWN
            assert 'no robot model' in first.status_message and not first.names

            peer.description.publish(String(data=read_description(PANDA_URDF)))
            peer.positions = POSE
            peer.wait(lambda: any(s.status != ConstraintState.STATUS_UNKNOWN
                                  for s in peer.states), process, 'a live evaluation')

            # step 0 rests on one side (start: the measured state), step 1 swings through
            # the post between two clear rows (start: step 0's last row)
            rest, crossing = rows_at(-0.7, -0.7), rows_at(-0.7, 0.7)
            peer.steps.publish(policy_step(rest, 'episode-a', 0))
            peer.steps.publish(policy_step(crossing, 'episode-a', 1, stamp=(78, 5)))
            resting = peer.chunk_state('episode-a', 0, process)
            state = peer.chunk_state('episode-a', 1, process)
            assert resting.status == ConstraintState.STATUS_OK, resting.status_message
            assert 'from the measured joint state' in resting.status_message
            assert state.status == ConstraintState.STATUS_VIOLATED, state.status_message
            assert 'from the previous command: violated: clearance' in state.status_message
            assert (state.header.stamp.sec, state.header.stamp.nanosec) == (78, 5)
            assert state.header.frame_id == 'world' and state.scene_version == 3
            assert state.geometry_mode == 'capsule'

            # PolicyStep carries float32 rows: the reference takes the same rounded values
            sent = np.float32(crossing).astype(np.float64)
            robot, expected = trainer_costs(config_file, sent, sent[0])
            assert state.robot_id == robot.robot_id
            assert list(state.names) == ['clearance', 'joint_position', 'joint_velocity']
            for index, name in enumerate(state.names):
                # the same float64 function on the same inputs in two processes
                assert state.values[index] == pytest.approx(expected.costs[name].item(),
                                                            rel=1e-12, abs=1e-15), name
                assert state.violated[index] == (state.values[index] > 0.0)
            assert state.values[0] > 0.0 and state.margins[0] == 0.01
            assert state.has_clearance and state.min_clearance < 0.0
            assert state.min_clearance == pytest.approx(expected.min_clearance.item(),
                                                        abs=1e-12)
            assert state.measured[0] == state.min_clearance and math.isnan(state.measured[1])

            # a malformed command: UNKNOWN with the reason; the node keeps scoring
            broken = policy_step(crossing, 'episode-a', 2)
            broken.command[3] = math.nan
            peer.steps.publish(broken)
            bad = peer.chunk_state('episode-a', 2, process)
            assert bad.status == ConstraintState.STATUS_UNKNOWN and not bad.names
            assert 'non-finite values (NaN or inf) in rows [0]' in bad.status_message
            short = policy_step(crossing, 'episode-a', 3)
            short.command = short.command[:-1]
            peer.steps.publish(short)
            assert '15 command values' in peer.chunk_state('episode-a', 3,
                                                           process).status_message
            peer.steps.publish(policy_step(rest, 'episode-a', 4))
            assert peer.chunk_state('episode-a', 4, process).status == \
                ConstraintState.STATUS_OK
            assert process.alive()
        finally:
            peer.close()


def test_score_chunks_false_leaves_the_topics_out(ros_node, tmp_path):
    process, _ = start_node(tmp_path, ['-p', 'score_chunks:=false'])
    with process:
        assert wait_until(lambda: ros_node.count_publishers('/constraint_state') > 0,
                          TIMEOUT_S, lambda: rclpy.spin_once(ros_node, timeout_sec=0.05)), \
            process.output()[-3000:]
        assert ros_node.count_publishers('/constraint_node/chunk_state') == 0
        assert ros_node.count_subscribers('/policy_node/policy_step') == 0
        # the start-up log line is written after the publishers exist and read asynchronously
        assert wait_until(lambda: 'chunk scoring off' in process.output(), TIMEOUT_S,
                          lambda: rclpy.spin_once(ros_node, timeout_sec=0.05)), \
            process.output()[-3000:]
