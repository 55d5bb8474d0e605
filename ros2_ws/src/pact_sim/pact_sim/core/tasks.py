# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The three benchmark tasks: seeded layouts, observation vectors, success predicates.

- ``reach``: bring the tool (``tool`` site, Panda ``panda_hand_tcp``) to a goal inside an open
  shelf; success when the tool is within ``success_tolerance`` m of the goal at the end.
- ``pick``: lift a tall box standing between two clutter boxes; success when the target's centre
  is ``lift_height`` m above its start at the end. A lateral or misaligned approach topples it.
- ``carry``: the episode starts with a small box held in the gripper; carry it over a wall into
  a bin; success when it rests inside the bin at the end.

Observation (float32, one name per entry, world frame, m/rad): arm joint positions
(``<joint>.position``), the gripper opening (``<finger joint>.position``), the tool position
(``tool.position.{x,y,z}``), then the task's quantities (goal/object/obstacle positions, object
z axis), named by ``pact_policy.core.naming``. ``Task.observation_names`` lists them;
``observe`` fills them in the same order.
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import mujoco
import numpy as np

from pact_policy.core.naming import joint_position_names, position_names, tool_position_names
from pact_policy.core.naming import z_axis_names
from pact_sim.core.ik import TOOL_DOWN, ToolIK
from pact_sim.core.scene_builder import SimModel
from pact_sim.core.task_spec import load_task_spec, TaskSpec


@dataclass
class Layout:
    """One seeded episode layout: world positions (m) of shifted bodies, goal, start posture."""

    seed: int
    body_positions: Dict[str, np.ndarray] = field(default_factory=dict)
    body_yaws: Dict[str, float] = field(default_factory=dict)
    goal: Optional[np.ndarray] = None
    start: Optional[np.ndarray] = None          # action-space start (arm rad + gripper m)


def _yaw_quat(yaw: float) -> np.ndarray:
    return np.array([np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)])


class Task:
    """Common task logic; subclasses add layout details, observation extras and success."""

    manipulated: Tuple[str, ...] = ()

    def __init__(self, spec: TaskSpec):
        """Keep the parsed task YAML."""
        self.spec = spec
        self.name = spec.name

    # --- layout -------------------------------------------------------------------------
    def sample_layout(self, sim: SimModel, seed: int) -> Layout:
        """Return the layout of episode ``seed`` (same seed, same layout)."""
        rng = np.random.default_rng(seed)
        layout = Layout(seed=int(seed))
        for group in self.spec.randomise:
            shift = rng.uniform(group.shift_low, group.shift_high)
            for name in group.names:
                layout.body_positions[name] = _nominal_position(sim, name) + shift
                if group.yaw > 0:
                    layout.body_yaws[name] = float(rng.uniform(-group.yaw, group.yaw))
        start = sim.home.copy()
        arm = len(sim.arm_joints)
        start[:arm] += rng.uniform(-self.spec.home_jitter, self.spec.home_jitter, arm)
        if sim.gripper_joint:
            start[-1] = sim.action_high[-1]
        layout.start = np.clip(start, sim.action_low, sim.action_high)
        self.complete_layout(sim, layout, rng)
        return layout

    def complete_layout(self, sim: SimModel, layout: Layout, rng: np.random.Generator):
        """Add task-specific parts (goal, start) to ``layout``."""

    def apply_layout(self, sim: SimModel, model: mujoco.MjModel, data: mujoco.MjData,
                     layout: Layout):
        """Move obstacles (``model.body_pos``) and objects (``data.qpos``) to ``layout``."""
        for name, position in layout.body_positions.items():
            if name in sim.object_qpos_adr:
                address = sim.object_qpos_adr[name]
                data.qpos[address:address + 3] = position
                data.qpos[address + 3:address + 7] = _yaw_quat(layout.body_yaws.get(name, 0.0))
            else:
                body = model.body(name).id
                model.body_pos[body] = position
                model.body_quat[body] = _yaw_quat(layout.body_yaws.get(name, 0.0))

    def prepare(self, sim: SimModel, model: mujoco.MjModel, data: mujoco.MjData,
                layout: Layout):
        """Finish the initial state after the arm was placed (e.g. put an object in the hand)."""

    # --- observation and success --------------------------------------------------------
    def observation_names(self, sim: SimModel) -> List[str]:
        """Return one name per observation entry (see the module docstring)."""
        names = joint_position_names(sim.action_names)
        return names + tool_position_names() + self.extra_names()

    def extra_names(self) -> List[str]:
        """Names of the task-specific observation entries."""
        return []

    def observe(self, sim: SimModel, data: mujoco.MjData, layout: Layout) -> np.ndarray:
        """Return the observation vector (float32) of the current state."""
        values = [data.qpos[sim.action_qpos_adr], data.site_xpos[sim.tool_site]]
        values += self.extra_values(sim, data, layout)
        return np.concatenate(values).astype(np.float32)

    def extra_values(self, sim: SimModel, data: mujoco.MjData, layout: Layout) -> list:
        """Values of the task-specific observation entries."""
        return []

    def success(self, sim: SimModel, data: mujoco.MjData, layout: Layout,
                initial_object_positions: Dict[str, np.ndarray]) -> bool:
        """Return True when the task is accomplished in the current state."""
        raise NotImplementedError


def _nominal_position(sim: SimModel, name: str) -> np.ndarray:
    for entry in sim.scene.obstacles + sim.scene.objects:
        if entry.name == name:
            return entry.pose.position.copy()
    raise KeyError(f'randomise names {name!r}, which is not in scene {sim.scene.frame!r} '
                   f'(has {[e.name for e in sim.scene.obstacles + sim.scene.objects]})')


def _position_names(body: str) -> List[str]:
    return position_names(body)


class ReachTask(Task):
    """Tool to a goal inside the shelf (goal relative to the shelf's ``goal_anchor`` obstacle)."""

    def complete_layout(self, sim, layout, rng):
        """Draw the goal inside the shelf."""
        anchor = self.spec.param('goal_anchor')
        base = layout.body_positions.get(anchor, _nominal_position(sim, anchor))
        jitter = np.asarray(self.spec.param('goal_jitter'))
        layout.goal = base + np.asarray(self.spec.param('goal_offset')) + rng.uniform(
            -jitter, jitter)

    def extra_names(self):
        """Goal position, then the shelf anchor position."""
        return _position_names('goal') + _position_names(self.spec.param('goal_anchor'))

    def extra_values(self, sim, data, layout):
        """Goal position, then the shelf anchor position."""
        return [layout.goal, data.xpos[sim.model.body(self.spec.param('goal_anchor')).id]]

    def success(self, sim, data, layout, initial_object_positions):
        """Tool within ``success_tolerance`` m of the goal."""
        distance = np.linalg.norm(data.site_xpos[sim.tool_site] - layout.goal)
        return bool(distance < self.spec.param('success_tolerance'))


class PickTask(Task):
    """Lift ``target`` out of light clutter."""

    manipulated = ('target',)

    def extra_names(self):
        """Target position and z axis, then each clutter object's position."""
        names = _position_names('target') + z_axis_names('target')
        for clutter in self.spec.param('clutter'):
            names += _position_names(clutter)
        return names

    def extra_values(self, sim, data, layout):
        """Target position and z axis, then each clutter object's position."""
        target = sim.object_bodies['target']
        values = [data.xpos[target], data.xmat[target].reshape(3, 3)[:, 2]]
        return values + [data.xpos[sim.object_bodies[name]] for name in self.spec.param('clutter')]

    def success(self, sim, data, layout, initial_object_positions):
        """Target centre at least ``lift_height`` m above where it started."""
        lifted = data.xpos[sim.object_bodies['target']][2] - initial_object_positions['target'][2]
        return bool(lifted > self.spec.param('lift_height'))


class CarryTask(Task):
    """Start holding ``payload``; put it into the bin past the wall."""

    manipulated = ('payload',)

    def complete_layout(self, sim, layout, rng):
        """Draw the start tool position and solve the start posture (tool pointing down)."""
        jitter = np.asarray(self.spec.param('start_jitter'))
        tool_start = np.asarray(self.spec.param('start_tool')) + rng.uniform(-jitter, jitter)
        arm, _ = ToolIK(sim).solve(tool_start, TOOL_DOWN, sim.home[:-1],
                                   sim.home[:-1], iterations=200)
        layout.goal = tool_start
        layout.start = np.concatenate([arm, [self.spec.param('start_gripper')]])

    def prepare(self, sim, model, data, layout):
        """Put the payload between the fingers and close them on it."""
        mujoco.mj_kinematics(model, data)
        tool = data.site_xpos[sim.tool_site].copy()
        grasp = np.asarray(sim.scene.tracked_object('payload').keypoints['grasp'])
        address = sim.object_qpos_adr['payload']
        data.qpos[address:address + 3] = tool - grasp
        rotation = data.site_xmat[sim.tool_site].reshape(3, 3)
        yaw = np.arctan2(rotation[1, 0], rotation[0, 0])
        data.qpos[address + 3:address + 7] = _yaw_quat(yaw)
        width = sim.scene.tracked_object('payload').dimensions[1]
        for joint in (sim.gripper_joint,) + tuple(sim.description.mimic):
            data.qpos[model.jnt_qposadr[model.joint(joint).id]] = 0.5 * width

    def extra_names(self):
        """Payload position, bin position, wall position."""
        return _position_names('payload') + _position_names(
            self.spec.param('bin_anchor')) + _position_names('wall')

    def extra_values(self, sim, data, layout):
        """Payload position, bin position, wall position."""
        model = sim.model
        return [data.xpos[sim.object_bodies['payload']],
                data.xpos[model.body(self.spec.param('bin_anchor')).id],
                data.xpos[model.body('wall').id]]

    def success(self, sim, data, layout, initial_object_positions):
        """Payload centre inside the bin's inner footprint and below its rim."""
        payload = data.xpos[sim.object_bodies['payload']]
        bin_floor = data.xpos[sim.model.body(self.spec.param('bin_anchor')).id]
        inside = np.all(np.abs(payload[:2] - bin_floor[:2]) < self.spec.param('bin_half_inner'))
        return bool(inside and payload[2] < bin_floor[2] + self.spec.param('bin_rim_height'))


_TASK_CLASSES = {'reach': ReachTask, 'pick': PickTask, 'carry': CarryTask}


def make_task(name_or_path) -> Task:
    """Return the task of ``config/tasks/<name>.yaml`` (or of a task YAML path)."""
    spec = load_task_spec(name_or_path)
    return _TASK_CLASSES[spec.name](spec)
