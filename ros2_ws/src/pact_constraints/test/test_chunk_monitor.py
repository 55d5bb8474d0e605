# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The constraint node's chunk scoring: the trainer's executed-path costs of each command."""

import math

import numpy as np
from pact_constraints.core.chunk_monitor import (ChunkCommand, ChunkMonitor, START_MEASURED,
                                                 START_PREVIOUS)
from pact_constraints.core.config import config_from_dict
from pact_constraints.core.distance import DistanceQuery
from pact_constraints.core.executed_path import ExecutedPathCosts
from pact_constraints.core.monitor import (ConstraintMonitor, STATUS_OK, STATUS_UNKNOWN,
                                           STATUS_VIOLATED)
from pact_constraints.core.robot_model import RobotModelError
from pact_constraints.core.scene_geometry import scene_bodies
from pact_constraints.core.torch_costs import TorchConstraintCosts
from pact_world.core.scene import scene_from_dict
import pytest
import torch

POST = scene_from_dict({'version': 5, 'obstacles': [
    {'name': 'post', 'type': 'box', 'size': [0.04, 0.04, 1.0],
     'pose': {'position': [0.45, 0.0, 0.5]}}]})
CONFIG = config_from_dict({
    'geometry_mode': 'capsule', 'penalty': 'smooth', 'path_substeps': 10,
    'constraints': {
        'clearance': {'margin': 0.01, 'smooth_width': 0.01},
        'self_collision': {'active': False}, 'joint_position': {'margin': 0.05},
        'joint_velocity': {'margin': 0.0, 'smooth_width': 0.1},
        'workspace': {'active': False}, 'grasp_approach': {'active': False}}})
JOINTS = [f'panda_joint{index}' for index in range(1, 8)] + ['panda_finger_joint1']
POSE = np.array([0.0, 0.3, 0.0, -1.8, 0.0, 2.1, 0.785, 0.03])
DT = 1.0   # slow enough that the 1.4 rad swing of joint 1 stays within its 2.175 rad/s limit


def swing(first: float, second: float) -> np.ndarray:
    """Return two rows that differ in joint 1 only (rad)."""
    rows = np.stack([POSE, POSE])
    rows[0, 0], rows[1, 0] = first, second
    return rows


def command(rows, step=0, episode='episode-a', names=JOINTS, dt=DT) -> ChunkCommand:
    """Return a PolicyStep's command fields for ``rows`` (H, D)."""
    rows = np.asarray(rows, dtype=float)
    return ChunkCommand(episode, step, list(names), rows.shape[1], rows.shape[0],
                        rows.reshape(-1).tolist(), dt)


@pytest.fixture()
def monitor(panda):
    """Return a chunk monitor with the Panda (one capsule per link, as CONFIG) by the post."""
    chunks = ChunkMonitor(CONFIG)
    chunks.set_robot(panda)
    chunks.set_scene(POST)
    return chunks


def measured_at(positions) -> dict:
    return dict(zip(JOINTS, (float(value) for value in positions), strict=True))


def test_a_swing_through_an_obstacle_between_clear_rows_is_violated_with_the_trainers_value(
        monitor, panda):
    rest = swing(-0.7, -0.7)
    first = monitor.evaluate(command(rest, step=0), measured_at(rest[0]))
    assert first.status == STATUS_OK and first.start == START_MEASURED, first.message
    crossing = swing(-0.7, 0.7)
    result = monitor.evaluate(command(crossing, step=1), {})   # start: step 0's last row
    assert result.status == STATUS_VIOLATED, result.message
    assert result.start == START_PREVIOUS and result.rows == 2
    assert 'violated: clearance' in result.message and "'episode-a' step 1" in result.message
    assert result.costs['clearance'] > 0.0 and result.min_clearance < 0.0
    assert list(result.costs) == ['clearance', 'joint_position', 'joint_velocity']
    assert result.margins['clearance'] == 0.01

    # Independent evaluation of the same inputs: the trainer's function built here
    costs = TorchConstraintCosts(panda, POST, CONFIG, JOINTS, dt=DT, dtype=torch.float64)
    chunk, start = torch.tensor(crossing[None]), torch.tensor(rest[-1][None])
    expected = ExecutedPathCosts(costs, substeps=10)(chunk, start)
    for name, value in result.costs.items():
        # same float64 operations on the same inputs: equal up to round-off
        assert value == pytest.approx(expected.costs[name].item(), rel=1e-12, abs=1e-15), name
    assert result.min_clearance == pytest.approx(expected.min_clearance.item(), abs=1e-12)
    # the rows alone are clear: only the executed path between them cuts through the post
    assert costs(chunk, start).costs['clearance'].item() == 0.0
    query = DistanceQuery(panda, 'exact', scene_bodies(POST))
    for row in crossing:
        query.place(row)
        assert query.scene_distances(cutoff=0.0)[0].distance > 0.0


def test_the_path_starts_at_the_measured_state_unless_the_step_directly_follows(monitor):
    rest = swing(-0.7, -0.7)
    monitor.evaluate(command(rest, step=0), measured_at(rest[0]))
    at_rest = measured_at(rest[0])
    skipped = monitor.evaluate(command(rest, step=2), at_rest)    # step 1 was not seen
    other_episode = monitor.evaluate(command(rest, step=3, episode='episode-b'), at_rest)
    assert skipped.start == other_episode.start == START_MEASURED
    # the measured state on the far side of the post: the first segment crosses it
    far = measured_at(swing(0.7, 0.7)[0])
    crossing_start = monitor.evaluate(command(rest, step=0, episode='episode-c'), far)
    assert crossing_start.status == STATUS_VIOLATED and crossing_start.costs['clearance'] > 0


@pytest.mark.parametrize('mangle, expected', [
    (lambda c: c.command.__setitem__(3, math.nan), 'non-finite values (NaN or inf) in rows [0]'),
    (lambda c: c.command.__setitem__(11, math.inf), 'non-finite values (NaN or inf) in rows [1]'),
    (lambda c: c.command.pop(), '15 command values for command_horizon 2 x action_dim 8'),
    (lambda c: setattr(c, 'command_horizon', 0), 'command_horizon 0 is not in [1, 256]'),
    (lambda c: c.action_names.pop(), '7 action names for action_dim 8'),
    (lambda c: c.action_names.__setitem__(1, 'panda_joint1'), 'repeated action names'),
    (lambda c: setattr(c, 'action_dt', 0.0), 'action_dt must be finite and > 0 s'),
    (lambda c: setattr(c, 'action_dt', math.nan), 'action_dt must be finite and > 0 s'),
])
def test_malformed_commands_are_unknown_with_the_reason(monitor, mangle, expected):
    rest = swing(-0.7, -0.7)
    bad = command(rest, step=0)
    mangle(bad)
    result = monitor.evaluate(bad, measured_at(rest[0]))
    assert result.status == STATUS_UNKNOWN and not result.costs
    assert expected in result.message and 'malformed command' in result.message
    # a malformed command is not a start: the next step starts at the measured state
    assert monitor.evaluate(command(rest, step=1), measured_at(rest[0])).start == START_MEASURED


def test_missing_model_start_or_joints_are_unknown(panda):
    rest = swing(-0.7, -0.7)
    chunks = ChunkMonitor(CONFIG)
    result = chunks.evaluate(command(rest), measured_at(rest[0]))
    assert result.status == STATUS_UNKNOWN and 'no robot model' in result.message
    chunks.set_robot(panda)
    no_start = chunks.evaluate(command(rest, step=5), {})
    assert no_start.status == STATUS_UNKNOWN and 'no start for the path' in no_start.message
    nan_state = chunks.evaluate(command(rest, step=7), {**measured_at(rest[0]),
                                                        'panda_joint3': math.nan})
    assert nan_state.status == STATUS_UNKNOWN and "'panda_joint3'" in nan_state.message
    foreign = chunks.evaluate(command(rest, names=JOINTS[:7] + ['gripper']), {})
    assert foreign.status == STATUS_UNKNOWN
    assert "joints ['gripper'] that robot 'panda' does not have" in foreign.message
    # a chunk without the finger: the finger is held where it is measured, which must be known
    arm = command(rest[:, :7], step=0, names=JOINTS[:7], episode='arm')
    unheld = chunks.evaluate(arm, measured_at(rest[0]) | {'panda_finger_joint1': math.nan})
    assert unheld.status == STATUS_UNKNOWN and 'does not command' in unheld.message
    assert chunks.evaluate(arm, measured_at(rest[0])).status == STATUS_OK
    chunks.refuse('scene', 'chunk scoring cannot use the new scene: broken')
    refused = chunks.evaluate(command(rest), measured_at(rest[0]))
    assert refused.status == STATUS_UNKNOWN and 'broken' in refused.message
    chunks.set_scene(POST)
    assert chunks.evaluate(command(rest), measured_at(rest[0])).status == STATUS_OK


def test_joints_the_chunk_does_not_command_are_held_where_they_are_measured(panda):
    """A chunk without joint 7 is scored with joint 7 at its measured position."""
    config = config_from_dict({'constraints': {
        'joint_position': {'margin': 0.05},
        **{name: {'active': False} for name in ('clearance', 'self_collision', 'joint_velocity',
                                                'workspace', 'grasp_approach')}}})
    chunks = ChunkMonitor(config)
    chunks.set_robot(panda)
    names = JOINTS[:6] + JOINTS[7:]
    rows = np.delete(swing(-0.7, -0.7), 6, axis=1)
    near_limit = measured_at(POSE) | {'panda_joint7': 2.8773}    # 0.02 rad from its limit
    mid_range = measured_at(POSE)
    near = chunks.evaluate(command(rows, names=names), near_limit)
    clear = chunks.evaluate(command(rows, names=names, step=5), mid_range)
    assert clear.status == STATUS_OK and clear.costs['joint_position'] == 0.0
    # hinge at margin 0.05 rad, 0.02 rad slack, two rows: 2 x 0.03 rad
    assert near.costs['joint_position'] == pytest.approx(0.06, abs=1e-9)


def test_a_robot_the_configuration_does_not_fit_is_refused_and_the_previous_kept(panda, ur5):
    chunks = ChunkMonitor(config_from_dict({'tool_frame': 'panda_hand'}))
    chunks.set_robot(panda)
    with pytest.raises(RobotModelError, match='chunk costs do not fit robot'):
        chunks.set_robot(ur5)
    assert chunks.robot is panda


def test_fresh_positions_leave_out_stale_and_non_finite_joints(panda):
    live = ConstraintMonitor(CONFIG, stale_timeout=0.5)
    live.add_joint_state(['a', 'b'], [1.0, math.nan], [], stamp=1.0, received=10.0)
    live.add_joint_state(['c'], [3.0], [], stamp=1.0, received=10.4)
    assert live.fresh_positions(10.45) == {'a': 1.0, 'c': 3.0}
    assert live.fresh_positions(10.6) == {'c': 3.0}
