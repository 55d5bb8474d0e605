# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Scripted experts: privileged-state waypoint plans turned into action rows by IK.

An expert reads the episode layout (goal, object and obstacle poses) right after ``reset``,
builds a list of tool waypoints and converts them into absolute joint-target rows ``dt`` apart:
Cartesian segments interpolate the tool pose (straight line + slerp) and solve IK per row; joint
segments interpolate the joint targets linearly (a "moveJ", which does not keep the tool on a
straight line). The plan is padded with its last row to the task horizon.

Carelessness ``c`` in [0, 1]: each episode is performed sloppily with probability ``c``, with a
sloppiness ``m`` drawn uniformly in [0.5, 1] (careful episodes: ``m = 0``). Sloppiness means:

- reach: a moveJ straight toward a point between the entry point and the goal (fraction
  ``m + careless_shortcut_bias``, at most 1 = straight to the goal configuration), cutting the
  corner into the shelf;
- pick: approach from the side, ``m * careless_offset`` m off the object axis and low, so the
  fingers poke or topple the target;
- carry: a transit ``m * careless_transit_drop`` m lower (the box clips the wall) and a release
  ``m * careless_release_height`` m above the bin floor (the box falls);
- all: speeds scaled by up to ``careless_speed_factor``.
"""

from dataclasses import dataclass
import math
from typing import List, Optional

import numpy as np
from pact_sim.core.ik import orientation_error, rotation_about_z, TOOL_DOWN, TOOL_FORWARD_DOWN
from pact_sim.core.ik import ToolIK
from pact_sim.core.sim_env import SimEnv
from scipy.spatial.transform import Rotation, Slerp

ANGULAR_SPEED = 1.2      # rad/s of tool rotation along a segment
GRIPPER_OPEN = 0.04      # m, Panda finger opening
GRIPPER_CLOSED = 0.0


@dataclass
class Waypoint:
    """A tool target (world frame, m; rotation columns = tool axes), gripper (m), speed (m/s)."""

    position: np.ndarray
    rotation: np.ndarray
    gripper: float
    speed: float
    joint_space: bool = False
    hold_rows: int = 0


class ScriptedExpert:
    """Plan rows for the current episode of ``env`` (call right after ``env.reset``)."""

    def __init__(self, env: SimEnv, carelessness: float = 0.0):
        """Bind to ``env``; ``carelessness`` in [0, 1] (see the module docstring)."""
        if not 0.0 <= carelessness <= 1.0:
            raise ValueError(f'carelessness must be in [0, 1], got {carelessness}')
        self.env = env
        self.carelessness = carelessness
        self.ik = ToolIK(env.sim)
        self.sloppiness = 0.0

    def plan(self, seed: int) -> np.ndarray:
        """Return the (horizon, D) rows of the episode just reset; ``seed`` draws sloppiness."""
        rng = np.random.default_rng([int(seed), 7919])
        sloppy = rng.random() < self.carelessness
        self.sloppiness = float(rng.uniform(0.5, 1.0)) if sloppy else 0.0
        waypoints = _PLANNERS[self.env.task.name](self, rng)
        return self._rows(waypoints)

    def speed(self, key: str = 'expert_speed') -> float:
        """Return the tool velocity (m/s) of param ``key``, scaled up by the sloppiness."""
        factor = self.env.task.spec.param('careless_speed_factor', 1.0)
        return self.env.task.spec.param(key) * (1.0 + self.sloppiness * (factor - 1.0))

    # --- waypoints -> rows --------------------------------------------------------------
    def _rows(self, waypoints: List[Waypoint]) -> np.ndarray:
        env = self.env
        arm = env.joint_positions()[:len(env.sim.arm_joints)]
        gripper = env.joint_positions()[-1]
        posture = env.sim.home[:len(arm)]
        position, rotation = self.ik.tool_pose(arm)
        rows = []
        for waypoint in waypoints:
            count = self._row_count(position, rotation, waypoint)
            goal_arm = None
            if waypoint.joint_space:
                goal_arm, _ = self.ik.solve(waypoint.position, waypoint.rotation, arm, posture,
                                            iterations=200)
            slerp = Slerp([0.0, 1.0], Rotation.from_matrix([rotation, waypoint.rotation]))
            start_arm, start_gripper = arm.copy(), gripper
            for step in range(1, count + 1):
                fraction = step / count
                if goal_arm is not None:
                    arm = start_arm + (goal_arm - start_arm) * fraction
                else:
                    target = position + (waypoint.position - position) * fraction
                    # null-space reference = the previous row: the least joint motion per row
                    # (a posture pull toward home swung joints 1 and 3 by 0.7 rad in one row)
                    arm, _ = self.ik.solve(target, slerp(fraction).as_matrix(), arm, arm,
                                           iterations=30)
                gripper = start_gripper + (waypoint.gripper - start_gripper) * min(
                    1.0, 2.0 * fraction)
                rows.append(np.concatenate([arm, [gripper]]))
            rows += [rows[-1]] * waypoint.hold_rows
            position, rotation = self.ik.tool_pose(arm)
        rows = rows[:env.horizon] + [rows[-1]] * max(0, env.horizon - len(rows))
        return np.clip(np.array(rows), env.sim.action_low, env.sim.action_high)

    def _row_count(self, position, rotation, waypoint: Waypoint) -> int:
        dt = self.env.dt
        distance = np.linalg.norm(waypoint.position - position)
        angle = np.linalg.norm(orientation_error(rotation, waypoint.rotation))
        factor = self.speed() / self.env.task.spec.param('expert_speed')
        return max(1, math.ceil(max(distance / (waypoint.speed * dt),
                                    angle / (ANGULAR_SPEED * factor * dt))))


def _reach(expert: ScriptedExpert, rng) -> List[Waypoint]:
    spec, goal = expert.env.task.spec, expert.env.layout.goal
    speed = expert.speed()
    entry = goal - np.array([spec.param('entry_standoff'), 0.0, 0.0])
    if expert.sloppiness == 0.0:
        return [Waypoint(entry, TOOL_FORWARD_DOWN, GRIPPER_OPEN, speed),
                Waypoint(goal, TOOL_FORWARD_DOWN, GRIPPER_OPEN, 0.6 * speed, hold_rows=2)]
    cut = min(1.0, expert.sloppiness + spec.param('careless_shortcut_bias', 0.0))
    shortcut = entry + cut * (goal - entry)
    return [Waypoint(shortcut, TOOL_FORWARD_DOWN, GRIPPER_OPEN, speed, joint_space=True),
            Waypoint(goal, TOOL_FORWARD_DOWN, GRIPPER_OPEN, 0.6 * speed, hold_rows=2)]


def _pick(expert: ScriptedExpert, rng) -> List[Waypoint]:
    env, spec = expert.env, expert.env.task.spec
    target = env.data.xpos[env.sim.object_bodies['target']].copy()
    axes = env.data.xmat[env.sim.object_bodies['target']].reshape(3, 3)
    yaw = _grasp_yaw(math.atan2(axes[1, 0], axes[0, 0]))
    down = rotation_about_z(yaw) @ TOOL_DOWN
    grasp = env.sim.scene.tracked_object('target')
    grasp_point = target + axes @ np.asarray(grasp.keypoints['grasp'])
    speed, lift = expert.speed(), np.array([0.0, 0.0, spec.param('lift')])
    above = grasp_point + np.array([0.0, 0.0, spec.param('pregrasp_height')])
    if expert.sloppiness > 0.0:
        heading = rng.uniform(-math.pi, math.pi)
        offset = expert.sloppiness * spec.param('careless_offset')
        side = np.array([math.cos(heading), math.sin(heading), 0.0]) * offset
        above = grasp_point + side + np.array([0.0, 0.0, 0.25 * spec.param('pregrasp_height')])
    return [Waypoint(above, down, GRIPPER_OPEN, speed),
            Waypoint(grasp_point, down, GRIPPER_OPEN, 0.5 * speed),
            Waypoint(grasp_point, down, GRIPPER_CLOSED, speed, hold_rows=4),
            Waypoint(grasp_point + lift, down, GRIPPER_CLOSED, 0.6 * speed, hold_rows=2)]


def _grasp_yaw(object_yaw: float) -> float:
    """Return the tool yaw (rad) closest to 0 that aligns the fingers with the object's faces."""
    return (object_yaw + math.pi / 4) % (math.pi / 2) - math.pi / 4


def _carry(expert: ScriptedExpert, rng) -> List[Waypoint]:
    env, spec = expert.env, expert.env.task.spec
    model, data = env.model, env.data
    wall = model.body('wall').id
    wall_top = data.xpos[wall][2] + model.geom_size[model.geom('wall').id][2]
    bin_floor = data.xpos[model.body(spec.param('bin_anchor')).id]
    payload = env.sim.scene.tracked_object('payload')
    below_tool = np.asarray(payload.keypoints['grasp'])[2] + 0.5 * payload.dimensions[2]
    transit = wall_top + below_tool + spec.param('transit_clearance')
    transit -= expert.sloppiness * spec.param('careless_transit_drop')
    release = max(spec.param('release_height'),
                  expert.sloppiness * spec.param('careless_release_height'))
    floor_top = bin_floor[2] + model.geom_size[model.geom(spec.param('bin_anchor')).id][2]
    start = data.site_xpos[env.sim.tool_site].copy()
    speed = expert.speed()
    drop = np.array([bin_floor[0], bin_floor[1], floor_top + below_tool + release])
    return [Waypoint(np.array([start[0], start[1], transit]), TOOL_DOWN, GRIPPER_CLOSED, speed),
            Waypoint(np.array([drop[0], drop[1], transit]), TOOL_DOWN, GRIPPER_CLOSED, speed),
            Waypoint(drop, TOOL_DOWN, GRIPPER_CLOSED, 0.7 * speed),
            Waypoint(drop, TOOL_DOWN, GRIPPER_OPEN, speed, hold_rows=3),
            Waypoint(drop + np.array([0, 0, 0.08]), TOOL_DOWN, GRIPPER_OPEN, speed)]


_PLANNERS = {'reach': _reach, 'pick': _pick, 'carry': _carry}


def run_expert_episode(env: SimEnv, seed: int, carelessness: float,
                       expert: Optional[ScriptedExpert] = None):
    """Reset ``env`` to ``seed``, run the expert; return (observations, rows, expert)."""
    expert = expert or ScriptedExpert(env, carelessness)
    expert.carelessness = carelessness
    observation = env.reset(seed)
    rows = expert.plan(seed)
    observations = []
    for row in rows:
        observations.append(observation)
        observation = env.step_row(row)
    return np.array(observations), rows, expert
