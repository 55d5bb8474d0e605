# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
One simulated episode world: a task, its MuJoCo model and data, and the safety judge.

Control: an action row is a vector of absolute position targets (arm rad, gripper m, in
``action_names`` order) to be reached ``control_dt`` seconds later. Like a joint trajectory
controller, the actuator setpoints move linearly from the previous target to the row over the
row's physics steps (``control_dt / timestep``, default 0.1 s / 2 ms = 50). Rows are clipped to
the joint ranges; NaN/Inf rows are rejected with ``ValueError``.

Tracking: like ros2_control's joint trajectory controller, the position loop gets the reference
velocity as feed-forward. MuJoCo's position actuator applies ``kp (ctrl - q) - kv qdot``; with
``ctrl = q_ref + (kv / kp) qdot_ref`` that is ``kp (q_ref - q) + kv (qdot_ref - qdot)``, a PD on
the tracking error, so a ramp is followed without the ``(kv / kp) qdot_ref`` lag a plain position
setpoint leaves (``RobotConfig.velocity_feedforward``; measured by
``python -m pact_sim.tracking_error``). The reference velocity is the setpoint's change per
physics step.

The episode ends (``done``) after ``horizon`` rows; termination never depends on success, so
``done`` may be given to a trainer. Outcomes (``evaluation_summary``) are for evaluation only.
"""

import dataclasses
from typing import Dict, Optional

import mujoco
import numpy as np

from pact_sim.core.safety_judge import EpisodeSummary, JudgeConfig, SafetyJudge
from pact_sim.core.scene_builder import build_sim_model, PhysicsConfig, RobotConfig
from pact_sim.core.tasks import make_task, Task
from pact_world.core.scene import load_scene_yaml, Scene
from pact_world.core.spatial import Pose

SETTLE_STEPS = 100


class SimEnv:
    """A single environment (see the module docstring). Not thread-safe."""

    def __init__(self, task='reach', robot: Optional[RobotConfig] = None,
                 physics: Optional[PhysicsConfig] = None,
                 judge: Optional[JudgeConfig] = None):
        """Build the world of ``task`` (a name, a task YAML path or a ``Task``)."""
        self.task: Task = task if isinstance(task, Task) else make_task(task)
        scene = load_scene_yaml(self.task.spec.scene_path)
        physics = physics or PhysicsConfig(control_dt=self.task.spec.control_dt)
        self.sim = build_sim_model(scene, robot or RobotConfig(), physics)
        self.model = self.sim.model
        self.data = mujoco.MjData(self.model)
        self.judge = SafetyJudge(self.sim, self.task.manipulated, judge or JudgeConfig())
        self.substeps = physics.substeps
        self.horizon = self.task.spec.horizon
        self.observation_names = self.task.observation_names(self.sim)
        self.layout = None
        self.rows_done = 0
        self.target = self.sim.home.copy()
        self.initial_object_positions: Dict[str, np.ndarray] = {}
        self.scene_version = 0
        self._substep_count = 0
        self._feedforward_lead = _feedforward_lead(self.model, self.sim.robot)
        self._last_setpoint = self.target.copy()

    # --- properties other packages use --------------------------------------------------
    @property
    def action_names(self):
        """Return the names of the action entries (arm joints, then the gripper joint)."""
        return self.sim.action_names

    @property
    def dt(self) -> float:
        """Return the seconds between action rows."""
        return self.sim.physics.control_dt

    @property
    def done(self) -> bool:
        """Return True once ``horizon`` rows were executed."""
        return self.rows_done >= self.horizon

    # --- episode ------------------------------------------------------------------------
    def reset(self, seed: int) -> np.ndarray:
        """Start episode ``seed`` (deterministic layout and start); return the observation."""
        model, data, sim = self.model, self.data, self.sim
        mujoco.mj_resetData(model, data)
        self.layout = self.task.sample_layout(sim, seed)
        self.task.apply_layout(sim, model, data, self.layout)
        self._set_joint_positions(self.layout.start)
        self.task.prepare(sim, model, data, self.layout)
        self.target = self.layout.start.copy()
        self._last_setpoint = self.target.copy()
        data.ctrl[:] = self.target
        mujoco.mj_forward(model, data)
        for _ in range(SETTLE_STEPS):
            mujoco.mj_step(model, data)
        self.rows_done = 0
        self._substep_count = 0
        self.initial_object_positions = {name: data.xpos[body].copy()
                                         for name, body in sim.object_bodies.items()}
        self.judge.reset(data)
        self.scene_version += 1
        return self.observation()

    def _set_joint_positions(self, values: np.ndarray):
        self.data.qpos[self.sim.action_qpos_adr] = values
        for follower, (leader, multiplier, offset) in self.sim.description.mimic.items():
            leader_value = self.data.qpos[self.model.jnt_qposadr[self.model.joint(leader).id]]
            self.data.qpos[self.model.jnt_qposadr[self.model.joint(follower).id]] = \
                offset + multiplier * leader_value

    def check_row(self, row) -> np.ndarray:
        """Return ``row`` as a float array clipped to the joint ranges (ValueError if bad)."""
        row = np.asarray(row, dtype=float).reshape(-1)
        if row.shape != (self.sim.action_dim,):
            raise ValueError(f'action row has {row.size} entries, expected '
                             f'{self.sim.action_dim} ({list(self.action_names)})')
        if not np.all(np.isfinite(row)):
            raise ValueError(f'action row contains NaN/Inf: {row.tolist()}')
        return np.clip(row, self.sim.action_low, self.sim.action_high)

    def step_row(self, row) -> np.ndarray:
        """Execute one action row (``dt`` seconds of physics); return the observation."""
        row = self.check_row(row)
        start = self.target
        for substep in range(1, self.substeps + 1):
            self._command(start + (row - start) * (substep / self.substeps))
            self.physics_step()
        self.target = row
        self._end_row()
        return self.observation()

    def step_rows(self, rows, execute_rows: Optional[int] = None) -> np.ndarray:
        """Execute the first ``execute_rows`` rows of a chunk (H, D), stopping at the horizon."""
        rows = np.asarray(rows, dtype=float)
        count = len(rows) if execute_rows is None else min(execute_rows, len(rows))
        observation = self.observation()
        for row in rows[:count]:
            if self.done:
                break
            observation = self.step_row(row)
        return observation

    def physics_step(self):
        """Advance one physics step with the current actuator setpoints, judging it."""
        mujoco.mj_step(self.model, self.data)
        self.judge.check(self.data)

    def set_setpoint(self, targets):
        """Set the actuator setpoints directly (used by the ROS node's interpolator)."""
        row = self.check_row(targets)
        self._command(row)
        self.target = row

    def _command(self, setpoint: np.ndarray):
        """Send one physics step's setpoint (action order) with its velocity feed-forward."""
        velocity = (setpoint - self._last_setpoint) / self.model.opt.timestep
        self.data.ctrl[:] = setpoint + self._feedforward_lead * velocity
        self._last_setpoint = setpoint

    def advance_physics(self, setpoint) -> bool:
        """
        Step the physics once with ``setpoint`` (action order), counting rows as time passes.

        For drivers that interpolate setpoints themselves (the ROS node). Returns True when
        this step completed a control row (the judge then measured clearance).
        """
        self.set_setpoint(setpoint)
        self.physics_step()
        self._substep_count = self._substep_count + 1
        if self._substep_count < self.substeps:
            return False
        self._substep_count = 0
        self._end_row()
        return True

    def _end_row(self):
        """Close one control row: the judge measures clearance, the row count advances."""
        self.judge.end_row(self.data)
        self.rows_done += 1

    # --- state accessors ----------------------------------------------------------------
    def observation(self) -> np.ndarray:
        """Return the current task observation: float32, in ``observation_names`` order."""
        return self.task.observe(self.sim, self.data, self.layout)

    def joint_positions(self) -> np.ndarray:
        """Return the joint positions in action order (rad, gripper m)."""
        return self.data.qpos[self.sim.action_qpos_adr].copy()

    def joint_velocities(self) -> np.ndarray:
        """Return the joint velocities in action order (rad/s, gripper m/s)."""
        return self.data.qvel[self.sim.action_dof_adr].copy()

    def current_scene(self) -> Scene:
        """Return the scene with obstacle and object poses as they are now (world frame)."""
        scene = self.sim.scene
        obstacles = tuple(
            obstacle if obstacle.shape.type == 'half_space' else dataclasses.replace(
                obstacle, pose=self._body_pose(obstacle.name)) for obstacle in scene.obstacles)
        objects = tuple(dataclasses.replace(tracked, pose=self._body_pose(tracked.name))
                        for tracked in scene.objects)
        return dataclasses.replace(scene, version=self.scene_version, obstacles=obstacles,
                                   objects=objects)

    def _body_pose(self, name: str) -> Pose:
        body = self.model.body(name).id
        w, x, y, z = self.data.xquat[body]
        return Pose(self.data.xpos[body].copy(), np.array([x, y, z, w]))

    def success(self) -> bool:
        """Return whether the task succeeded in the current state (EVALUATION ONLY)."""
        return self.task.success(self.sim, self.data, self.layout,
                                 self.initial_object_positions)

    def evaluation_summary(self) -> EpisodeSummary:
        """Return the judge's episode summary: events, clearance, success (EVALUATION ONLY)."""
        return self.judge.summary(self.success())


def _feedforward_lead(model: mujoco.MjModel, robot: RobotConfig) -> np.ndarray:
    """
    Return kv / kp (s) per actuator: the setpoint lead that turns ``-kv qdot`` into PD damping.

    Zero for every actuator when ``robot.velocity_feedforward`` is off.
    """
    if not robot.velocity_feedforward:
        return np.zeros(model.nu)
    kp = model.actuator_gainprm[:, 0]
    kv = -model.actuator_biasprm[:, 2]
    return np.where(kp > 0, kv / np.where(kp > 0, kp, 1.0), 0.0)
