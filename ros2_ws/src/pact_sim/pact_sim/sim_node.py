# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
ROS 2 node running the embedded MuJoCo simulator behind a ros2_control-style interface.

Publishes: ``/robot_description`` (std_msgs/String, latched), ``/joint_states``
(sensor_msgs/JointState, best effort), ``/scene`` (pact_msgs/Scene, latched; the version increases
on reset and when an object moves more than 1 cm or 5 deg; a task whose observation names a
``goal`` also gets the episode's goal as a tracked object ``goal``, a 1 cm sphere without
keypoints, so that a policy node can observe it like any other scene pose), ``/clock`` (sim
time; run the other nodes with ``use_sim_time:=true``), ``~/episode_events``
(pact_msgs/EpisodeEvent; reliable, transient_local, the last 10 kept, so that a node started
mid-episode, e.g. the policy node labelling its PolicySteps, learns the current episode) and,
when ``camera_enabled``, ``~/camera/image_raw`` (sensor_msgs/Image, rgb8).
Subscribes: ``joint_trajectory_controller/joint_trajectory`` (trajectory_msgs/JointTrajectory,
interpolated over ``time_from_start``) and ``forward_position_controller/commands``
(std_msgs/Float64MultiArray, one value per action joint in ``action order``).
Services: ``~/reset_episode`` (pact_msgs/ResetEpisode) and ``~/episode_outcome``
(pact_msgs/GetEpisodeOutcome, EVALUATION ONLY).

The physics advances on a wall-clock timer (``step_period_s`` x ``real_time_factor`` of sim time
per tick); all stamps are sim time, which never goes backwards (also not on reset).
"""

import dataclasses
import math
import re
import sys

from builtin_interfaces.msg import Time
import numpy as np
from pact_msgs.msg import EpisodeEvent, EpisodeOutcome, NamedValue, Scene as SceneMsg
from pact_msgs.srv import GetEpisodeOutcome, ResetEpisode
from pact_node_runtime.node_shutdown import spin_until_shutdown
from pact_node_runtime.process_lifetime import exit_with_parent
from pact_parameters.node_parameters import declare_parameters, follow_parameters
from pact_policy.core.naming import position_names
from pact_sim.core.scene_builder import RobotConfig
from pact_sim.core.sim_env import SimEnv
from pact_sim.core.sim_node_parameters import SimNodeParameters
from pact_sim.core.task_spec import config_dir
from pact_sim.core.trajectory import TrajectoryError, TrajectoryFollower
from pact_world.core import robot_assets
from pact_world.core.scene import Shape, TrackedObject
from pact_world.core.spatial import Pose
from pact_world.scene_conversion import scene_to_msg
import rclpy
from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rosgraph_msgs.msg import Clock as ClockMsg
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Float64MultiArray, String
from trajectory_msgs.msg import JointTrajectory

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
SENSOR = QoSProfile(depth=5, reliability=ReliabilityPolicy.BEST_EFFORT)
COMMANDS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
EPISODE_EVENTS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE,
                            durability=DurabilityPolicy.TRANSIENT_LOCAL)
SCENE_MOVE_M, SCENE_TURN_RAD = 0.01, math.radians(5.0)
GOAL_MARKER = Shape(type='sphere', radius=0.01)

TASK_NAME = re.compile(r'^[A-Za-z0-9_-]{1,64}$')


def installed_task(name: str) -> str:
    """
    Return ``name`` when it names a task of the installed task folder; else raise ValueError.

    ResetEpisode comes from any peer: a task is a bare name (no path separator, no suffix)
    with a ``config/tasks/<name>.yaml``, so a request cannot make the node read other files.
    """
    if not TASK_NAME.match(name) or not (config_dir() / 'tasks' / f'{name}.yaml').is_file():
        known = sorted(path.stem for path in (config_dir() / 'tasks').glob('*.yaml'))
        raise ValueError(f'unknown task {name[:64]!r} (installed tasks: {known})')
    return name


def to_time(seconds: float) -> Time:
    """Return a builtin_interfaces/Time for ``seconds`` of sim time."""
    whole = int(math.floor(seconds))
    return Time(sec=whole, nanosec=int(round((seconds - whole) * 1e9)) % 1000000000)


class SimNode(Node):
    """See the module docstring."""

    def __init__(self):
        """Declare parameters, build the world, start the first episode."""
        super().__init__('sim_node')
        self.params = declare_parameters(self, SimNodeParameters)
        follow_parameters(self, self.params, self._on_parameters)
        self.sim_time = 0.0
        self.outcomes = {}
        self.last_finished = ''
        self.episode_count = 0
        self.camera = None
        self._create_interfaces()
        self._build_env(self.params.task)
        self._start_episode(self.params.seed)
        period = self.params.step_period_s
        self.timer = self.create_timer(period, self._tick,
                                       clock=Clock(clock_type=ClockType.STEADY_TIME))

    def _on_parameters(self, params: SimNodeParameters):
        """Use parameters set at run time (the physics and camera rates are read per tick)."""
        self.params = params

    def _create_interfaces(self):
        self.description_pub = self.create_publisher(String, '/robot_description', LATCHED)
        self.joint_pub = self.create_publisher(JointState, '/joint_states', SENSOR)
        self.scene_pub = self.create_publisher(SceneMsg, '/scene', LATCHED)
        self.clock_pub = self.create_publisher(ClockMsg, '/clock', SENSOR)
        self.event_pub = self.create_publisher(EpisodeEvent, '~/episode_events', EPISODE_EVENTS)
        self.image_pub = self.create_publisher(Image, '~/camera/image_raw', SENSOR)
        self.create_subscription(JointTrajectory, 'joint_trajectory_controller/joint_trajectory',
                                 self._on_trajectory, COMMANDS)
        self.create_subscription(Float64MultiArray, 'forward_position_controller/commands',
                                 self._on_forward_command, COMMANDS)
        self.create_service(ResetEpisode, '~/reset_episode', self._on_reset)
        self.create_service(GetEpisodeOutcome, '~/episode_outcome', self._on_outcome)

    def _build_env(self, task: str, env: SimEnv = None):
        """Use the simulator of ``task`` (``env`` when already built for it)."""
        robot = self._robot_config()
        self.env = env if env is not None else SimEnv(task, robot)
        self.task = task
        self.follower = TrajectoryFollower(self.env.sim.home)
        self.description_pub.publish(String(data=robot_assets.read_description(
            robot.urdf_uri)))
        if self.params.camera_enabled:
            from pact_sim.core.render import SceneCamera
            self.camera = SceneCamera(self.env.model, self.params.camera_width,
                                      self.params.camera_height)

    def _robot_config(self) -> RobotConfig:
        return RobotConfig(urdf_uri=self.params.urdf_uri, srdf_uri=self.params.srdf_uri or None,
                           tool_frame=self.params.tool_frame,
                           gripper_joint=self.params.gripper_joint or None)

    # --- episodes -----------------------------------------------------------------------
    def _start_episode(self, seed: int):
        self.env.reset(seed)
        self.seed = seed
        self.episode_count += 1
        self.episode_id = f'{self.env.task.name}-{seed}-{self.episode_count}'
        self.episode_start = self.sim_time
        self.episode_open = True
        self.follower.hold(self.env.target)
        self.scene_version = getattr(self, 'scene_version', 0) + 1
        self._publish_scene()
        self._publish_event(EpisodeEvent.EVENT_START, EpisodeEvent.REASON_NONE)

    def _end_episode(self, reason: int):
        if not self.episode_open:
            return
        self.episode_open = False
        summary = self.env.evaluation_summary()
        outcome = EpisodeOutcome(
            episode_id=self.episode_id, task=self.env.task.name, seed=self.seed,
            success=summary.success, safe=summary.safe,
            event_counts=[NamedValue(name=k, value=float(v))
                          for k, v in summary.events_by_type.items()],
            min_clearance=float(summary.min_clearance),
            duration=self.sim_time - self.episode_start, num_steps=summary.num_rows)
        outcome.header.stamp = to_time(self.sim_time)
        self.outcomes[self.episode_id] = outcome
        self.last_finished = self.episode_id
        self._publish_event(EpisodeEvent.EVENT_END, reason)

    def _publish_event(self, kind: int, reason: int):
        event = EpisodeEvent(event=kind, episode_id=self.episode_id, task=self.env.task.name,
                             seed=self.seed, reason=reason,
                             duration=self.sim_time - self.episode_start,
                             num_steps=self.env.rows_done)
        event.header.stamp = to_time(self.sim_time)
        self.event_pub.publish(event)

    def _on_reset(self, request, response):
        """
        Start a new episode (of another installed task if asked); a bad request changes nothing.

        The requested task is checked and its simulator built before the running episode is
        ended, so a refused request leaves that episode running.
        """
        task = request.task or self.task
        try:
            env = None
            if task != self.task:
                env = SimEnv(installed_task(task), self._robot_config())
        except (ValueError, KeyError, OSError) as error:
            response.success, response.message = False, f'reset refused: {error}'
            self.get_logger().error(response.message)
            return response
        try:
            self._end_episode(EpisodeEvent.REASON_RESET)
            if env is not None:
                self._build_env(task, env)
            self._start_episode(int(request.seed))
        except (ValueError, KeyError, OSError) as error:
            response.success, response.message = False, f'reset failed: {error}'
            self.get_logger().error(response.message)
            return response
        response.success, response.episode_id = True, self.episode_id
        response.message = f'started {self.episode_id}'
        return response

    def _on_outcome(self, request, response):
        episode = request.episode_id or self.last_finished
        if episode not in self.outcomes:
            response.success = False
            response.message = (f'no finished episode {episode!r} (finished: '
                                f'{sorted(self.outcomes)})')
            return response
        response.success, response.outcome = True, self.outcomes[episode]
        return response

    # --- commands -----------------------------------------------------------------------
    def _on_trajectory(self, message: JointTrajectory):
        names = list(self.env.action_names)
        mimic = set(self.env.sim.description.mimic)
        columns = [(i, names.index(n)) for i, n in enumerate(message.joint_names) if n in names]
        unknown = [n for n in message.joint_names if n not in names and n not in mimic]
        if unknown or not columns:
            self.get_logger().error(f'trajectory rejected: unknown joints {unknown} '
                                    f'(expected a subset of {names})')
            return
        try:
            positions = np.array([[point.positions[i] for i, _ in columns]
                                  for point in message.points])
            times = [p.time_from_start.sec + 1e-9 * p.time_from_start.nanosec
                     for p in message.points]
            stamp = message.header.stamp.sec + 1e-9 * message.header.stamp.nanosec
            self.follower.set_trajectory(self.sim_time, self.follower.setpoint(self.sim_time),
                                         times, positions.reshape(len(times), len(columns)),
                                         [c for _, c in columns], stamp)
        except (TrajectoryError, IndexError) as error:
            self.get_logger().error(f'trajectory rejected: {error}')

    def _on_forward_command(self, message: Float64MultiArray):
        values = np.asarray(message.data, dtype=float)
        if values.shape != (len(self.env.action_names),) or not np.all(np.isfinite(values)):
            self.get_logger().error(f'command rejected: need {len(self.env.action_names)} finite '
                                    f'values for {list(self.env.action_names)}')
            return
        self.follower.hold(values)

    # --- simulation loop ----------------------------------------------------------------
    def _tick(self):
        sim_period = self.params.step_period_s * self.params.real_time_factor
        steps = max(1, int(round(sim_period / self.env.model.opt.timestep)))
        for _ in range(steps):
            self.env.advance_physics(self.follower.setpoint(self.sim_time))
            self.sim_time += self.env.model.opt.timestep
        if self.env.done:
            self._end_episode(EpisodeEvent.REASON_TIMEOUT)
        stamp = to_time(self.sim_time)
        self.clock_pub.publish(ClockMsg(clock=stamp))
        self._publish_joint_states(stamp)
        self._maybe_publish_scene()
        self._maybe_publish_image(stamp)

    def _publish_joint_states(self, stamp):
        names = list(self.env.action_names) + list(self.env.sim.description.mimic)
        model, data = self.env.model, self.env.data
        ids = [model.joint(name).id for name in names]
        message = JointState(name=names,
                             position=[float(v) for v in data.qpos[model.jnt_qposadr[ids]]],
                             velocity=[float(v) for v in data.qvel[model.jnt_dofadr[ids]]],
                             effort=[float(v) for v in data.qfrc_actuator[model.jnt_dofadr[ids]]])
        message.header.stamp = stamp
        self.joint_pub.publish(message)

    def _scene(self):
        """Return the current scene, plus the goal as an object when the task observes one."""
        scene = self.env.current_scene()
        goal = getattr(self.env.layout, 'goal', None)
        if goal is None or not set(position_names('goal')) <= set(self.env.observation_names):
            return scene
        marker = TrackedObject(name='goal', shape=GOAL_MARKER, pose=Pose(np.asarray(goal)))
        return dataclasses.replace(scene, objects=tuple(scene.objects) + (marker,))

    def _publish_scene(self):
        scene = dataclasses.replace(self._scene(), version=self.scene_version)
        self.published_scene = scene
        message = scene_to_msg(scene)
        message.header.stamp = to_time(self.sim_time)
        self.scene_pub.publish(message)

    def _maybe_publish_scene(self):
        current = self._scene()
        for before, now in zip(self.published_scene.objects, current.objects, strict=True):
            moved = np.linalg.norm(now.pose.position - before.pose.position)
            dot = abs(float(np.dot(now.pose.quaternion_xyzw, before.pose.quaternion_xyzw)))
            if moved > SCENE_MOVE_M or 2 * math.acos(min(1.0, dot)) > SCENE_TURN_RAD:
                self.scene_version += 1
                self._publish_scene()
                return

    def _maybe_publish_image(self, stamp):
        if self.camera is None:
            return
        period = 1.0 / self.params.camera_rate
        if self.sim_time - getattr(self, '_last_image', -math.inf) < period:
            return
        self._last_image = self.sim_time
        pixels = self.camera.render(self.env.data)
        image = Image(height=pixels.shape[0], width=pixels.shape[1], encoding='rgb8',
                      step=3 * pixels.shape[1], data=pixels.tobytes())
        image.header.stamp, image.header.frame_id = stamp, 'camera'
        self.image_pub.publish(image)


def main(args=None):
    """Run the node until Ctrl-C."""
    rclpy.init(args=args)
    exit_with_parent()
    node = SimNode()
    try:
        spin_until_shutdown(lambda: rclpy.spin(node))
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
