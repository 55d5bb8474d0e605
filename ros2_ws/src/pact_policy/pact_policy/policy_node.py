# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Lifecycle policy node: observation in, safe JointTrajectory out, weights hot-swapped safely.

Lifecycle: configure = load ``model_path`` + one warm-up forward pass; activate = start
commanding; deactivate = hold the measured position. With ``autostart`` (default true) the node
configures itself at start-up and waits INACTIVE for an activate transition.

Every ``action_dt`` s the node appends the current observation to the history, so the history
has the spacing the policy was trained with. Every control tick (``n_action_steps * action_dt``
s) the executor thread snapshots the history and hands it to the inference worker; the worker
samples a chunk, makes it safe (``core.command_safety``) and publishes it with a PolicyStep.
Stale joint states (or camera images, for a model with a camera: ``camera_input``), a missing
robot description or a latched e-stop make the node publish a one-point hold at the measured
position instead. Each PolicyStep carries the episode announced by the latest EpisodeEvent on
``episode_event_topic`` and its step index within that episode (``core.episode_steps``).
All decisions live in ROS-free ``core`` modules; this file only converts messages, holds
parameters and schedules work.
"""

import collections
import math
import queue
import threading
import time
from typing import NamedTuple

import numpy as np
from pact_msgs.msg import EpisodeEvent, ModelAnnouncement, PolicyStatus, PolicyStep, Scene
from pact_msgs.srv import ActivateModel, ResetEStop, RollbackModel
from pact_policy.camera_input import CameraInputMixin
from pact_policy.core.checkpoint import load_checkpoint
from pact_policy.core.command_safety import ChunkRejected, make_safe_command, SafetyLimits
from pact_policy.core.episode_steps import EpisodeSteps
from pact_policy.core.model_swap import (
    ModelSlots, smoke_test, TransferError)
from pact_policy.core.observation import ObservationBuilder, ObservationError, ObservationHistory
from pact_policy.core.supervision import EStopLatch, InputWatchdog, LatencyWindow
from pact_policy.core.urdf_model import URDFError, URDFModel
from pact_policy.hot_swap import HotSwapMixin
from pact_policy.model_fetcher import ModelFetcher
from pact_policy.node_guards import peer_input
from pact_policy.policy_messages import history_names, seconds_to_duration
from pact_policy.policy_parameters import declare_policy_parameters
from pact_policy.process_lifetime import exit_with_parent
import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.lifecycle import LifecycleNode, TransitionCallbackReturn
from rclpy.qos import (DurabilityPolicy, qos_profile_sensor_data, QoSProfile,
                       ReliabilityPolicy)
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Bool, Float64MultiArray, String
import torch
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
# Matches every publisher QoS (best effort + volatile is compatible with any offer), so an
# e-stop from `ros2 topic pub` (reliable, volatile) or a sensor-QoS publisher is never dropped.
ANY_PUBLISHER = QoSProfile(depth=10, reliability=ReliabilityPolicy.BEST_EFFORT,
                           durability=DurabilityPolicy.VOLATILE)
COMMANDS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
# pact_sim keeps its last episode events for late joiners: a node started mid-episode learns it
EPISODE_EVENTS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE,
                            durability=DurabilityPolicy.TRANSIENT_LOCAL)
MAX_JOINT_NAMES = 1000  # distinct joint names remembered from /joint_states


class TickInput(NamedTuple):
    """What one inference needs: history (O,), measured positions, camera frame if any."""

    observation: np.ndarray
    measured: list
    image: np.ndarray = None  # preprocessed (3, S, S) float32
    image_message: Image = None


class PolicyNode(HotSwapMixin, CameraInputMixin, LifecycleNode):
    """The deployment-side policy runner; see the module docstring."""

    def __init__(self):
        super().__init__('policy_node')
        self.params = declare_policy_parameters(self)
        self._lock = threading.RLock()
        self.slots = ModelSlots()
        self.estop = EStopLatch()
        self.watchdog = InputWatchdog(self._watchdog_timeouts())
        self.latency = LatencyWindow()
        self.positions, self.velocities, self.scene_poses = {}, {}, {}
        self.scene_version = 0
        self.robot = None
        self.applied_description = None   # URDF text the limits come from
        self.received_description = None  # latest URDF text received (maybe refused)
        self.deferred_announcement = None  # announcement received before configure
        self.last_hold_row = None          # last finite row commanded or held
        self.limits = None
        self.builder = None
        self.history = None
        self.last_observation = None
        self.constraint_state = None
        self.active = False
        self.state_code = PolicyStatus.STATE_UNCONFIGURED
        self.state_message = ''
        self.missed_ticks = 0
        self.episodes = self._follow_episodes()
        self._jobs = queue.Queue(maxsize=1)
        self._busy = threading.Event()
        self._inference_lock = threading.Lock()  # held while a chunk is being produced
        self._fetch_queue = queue.Queue(maxsize=1)
        self.fetcher = ModelFetcher(self, self.params.transfer_timeout_s,
                                    model_dirs=self.params.model_dirs)
        self._create_interfaces()
        self._workers = [threading.Thread(target=self._inference_loop, daemon=True,
                                          name='inference'),
                         threading.Thread(target=self._swap_loop, daemon=True, name='model_swap')]
        for worker in self._workers:
            worker.start()
        self._autostart_timer = (self.create_timer(0.0, self._autostart_once)
                                 if self.params.autostart else None)

    # --- wiring -------------------------------------------------------------------------------

    def _create_interfaces(self):
        p = self.params
        self.create_subscription(JointState, p.joint_states_topic, self._on_joint_states,
                                 qos_profile_sensor_data)
        self.create_subscription(String, p.robot_description_topic, self._on_description,
                                 LATCHED)
        self.create_subscription(Scene, p.scene_topic, self._on_scene, LATCHED)
        self.create_subscription(Bool, '~/estop', self._on_estop, LATCHED)
        self.create_subscription(Bool, '~/estop', self._on_estop, ANY_PUBLISHER)
        self.create_subscription(ModelAnnouncement, p.model_announcement_topic,
                                 self._on_announcement, LATCHED)
        self._create_camera_subscription()
        self.create_service(ResetEStop, '~/reset_estop', self._on_reset_estop)
        self.create_service(RollbackModel, '~/rollback_model', self._on_rollback)
        self.create_service(ActivateModel, '~/activate_model', self._on_activate_model)
        if p.output_mode == 'trajectory':
            self.command_pub = self.create_publisher(JointTrajectory, p.trajectory_topic,
                                                     COMMANDS)
        else:
            self.command_pub = self.create_publisher(Float64MultiArray, p.forward_topic,
                                                     COMMANDS)
        self.step_pub = self.create_publisher(PolicyStep, '~/policy_step', COMMANDS)
        self.status_pub = self.create_publisher(PolicyStatus, '~/status', COMMANDS)
        self.create_timer(1.0 / p.status_rate_hz, self._publish_status)
        self.tick_timer = self.sample_timer = None
        self.observation_error = 'no observation yet'
        self._stream_timer = None
        self._forward_rows = collections.deque()

    def _autostart_once(self):
        self.destroy_timer(self._autostart_timer)
        if self.state_code == PolicyStatus.STATE_UNCONFIGURED:
            self.trigger_configure()
            if self.params.autostart_activate:
                self.trigger_activate()

    # --- lifecycle ------------------------------------------------------------------------------

    def on_configure(self, state):
        """Load the model and run one warm-up forward pass."""
        try:
            loaded = load_checkpoint(self.params.model_path, device=self.params.device)
            self.config = loaded.policy.config
            camera_error = self._configure_camera(self.config)
            if camera_error:
                raise ValueError(camera_error)
            smoke_test(loaded.policy, None, self.params.sampler or None,
                       self.params.num_inference_steps or None)
        except (ValueError, OSError, TransferError) as error:
            self.get_logger().error(f'configure failed: {error}')
            return TransitionCallbackReturn.FAILURE
        if not loaded.version:
            loaded.metadata['version'] = 'base'
        self.action_names = self.config.action_names or list(self.params.joint_names)
        if len(self.action_names) != self.config.action_dim:
            self.get_logger().error(f'configure failed: need {self.config.action_dim} action '
                                    f'joint names, have {self.action_names}')
            return TransitionCallbackReturn.FAILURE
        self.slots = ModelSlots(loaded)
        self._apply_received_description()
        if self.params.output_mode == 'forward' and self._stream_timer is None:
            self._stream_timer = self.create_timer(self.config.action_dt, self._stream_row)
        self.history = ObservationHistory(self.config.n_obs_steps)
        self._update_limits()
        self.architecture_id = self.config.architecture_id
        self._set_state(PolicyStatus.STATE_INACTIVE, '')
        self.get_logger().info(f'configured with model {loaded.version!r} '
                               f'({self.architecture_id})')
        self._requeue_deferred_announcement()
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state):
        """Start the control tick."""
        with self._lock:
            self.active = True
            self.history.clear()
        self.observation_error = 'no observation yet'
        self._sample_observation()
        self.sample_timer = self.create_timer(self.config.action_dt, self._sample_observation)
        period = self.config.n_action_steps * self.config.action_dt
        self.tick_timer = self.create_timer(period, self._on_tick)
        self._set_state(PolicyStatus.STATE_ACTIVE, '')
        return super().on_activate(state)

    def on_deactivate(self, state):
        """Stop commanding and hold the measured position."""
        with self._lock:
            self.active = False
        for timer in (self.tick_timer, self.sample_timer):
            if timer is not None:
                self.destroy_timer(timer)
        self.tick_timer = self.sample_timer = None
        self._publish_hold()
        self._set_state(PolicyStatus.STATE_INACTIVE, 'deactivated: holding')
        return super().on_deactivate(state)

    def on_cleanup(self, state):
        """Forget the model."""
        self.slots = ModelSlots()
        self._set_state(PolicyStatus.STATE_UNCONFIGURED, '')
        return TransitionCallbackReturn.SUCCESS

    # --- inputs ---------------------------------------------------------------------------------

    @peer_input('joint_states')
    def _on_joint_states(self, message: JointState):
        with self._lock:
            for index, name in enumerate(message.name):
                if (name not in self.positions and len(self.positions) >= MAX_JOINT_NAMES
                        and name not in getattr(self, 'action_names', ())):
                    continue  # any peer may publish joint states: memory stays bounded
                if index < len(message.position):
                    self.positions[name] = message.position[index]
                if index < len(message.velocity):
                    self.velocities[name] = message.velocity[index]
            self.watchdog.feed('joint_states', time.monotonic())

    @peer_input('robot_description')
    def _on_description(self, message: String):
        """
        Use a new URDF, except while ACTIVE: then a changed one is refused until reconfigured.

        Any peer can publish ``/robot_description``; letting a new one widen the limits of a
        commanding node would let that peer move the arm further. The refused text is kept and
        applied by the next configure transition (cleanup, configure).
        """
        text = message.data
        self.received_description = text
        if text == self.applied_description:
            return
        if self.active and self.applied_description is not None:
            self.get_logger().error(
                'robot description changed while ACTIVE: refused, the command limits stay '
                'those of the description in use; deactivate, cleanup and configure to '
                'apply it')
            return
        self._apply_description(text)

    def _apply_received_description(self):
        """Configure: apply the latest description received (also one refused while ACTIVE)."""
        if self.received_description is not None and (
                self.received_description != self.applied_description):
            self._apply_description(self.received_description)

    def _apply_description(self, text: str):
        try:
            robot = URDFModel(text)
        except URDFError as error:
            self.get_logger().error(f'robot description rejected, keeping the last good one: '
                                    f'{error}')
            return
        with self._lock:
            self.robot, self.builder, self.applied_description = robot, None, text
        self._update_limits()

    def _update_limits(self):
        """(Re)build the command limits once both the model and the URDF are known."""
        with self._lock:
            names = getattr(self, 'action_names', None)
            if self.robot is None or not names:
                return
            try:
                self.limits = SafetyLimits.from_joint_limits(
                    self.robot.limits_for(names), self.params.limit_margin,
                    self.params.velocity_scale, self.params.prismatic_limit_margin)
            except (URDFError, ValueError) as error:
                self.limits = None
                self.get_logger().error(f'no command limits, the node will hold: {error}')
                return
        self.get_logger().info(f'command limits from the robot description for {names}')

    @peer_input('scene')
    def _on_scene(self, message: Scene):
        poses = {}
        for entry in list(message.obstacles) + list(message.objects):
            position, orientation = entry.pose.position, entry.pose.orientation
            poses[entry.name] = ((position.x, position.y, position.z),
                                 (orientation.x, orientation.y, orientation.z, orientation.w))
        with self._lock:
            self.scene_poses, self.scene_version = poses, message.version

    @peer_input('estop')
    def _on_estop(self, message: Bool):
        """Latch the e-stop on ``true``; subscribed twice (latched and any-QoS), idempotent."""
        if message.data and self.estop.latched:
            return
        with self._lock:
            self.estop.update_input(message.data, 'e-stop topic asserted')
        if message.data:
            self._publish_hold()
            self._set_state(PolicyStatus.STATE_ESTOP, self.estop.reason)
            self.get_logger().error('E-STOP latched: holding until ~/reset_estop')

    def _on_reset_estop(self, request, response):
        with self._lock:
            response.success, response.message = self.estop.reset(request.operator_note)
        self.get_logger().warn(f'reset_estop: {response.message}')
        if response.success:
            self._set_state(PolicyStatus.STATE_HOLDING if self.active
                            else PolicyStatus.STATE_INACTIVE, 'e-stop reset')
        return response

    # --- control ------------------------------------------------------------------------------

    def _on_tick(self):
        """Executor-thread tick: decide hold vs infer; never waits for inference."""
        with self._lock:
            if not self.active:
                return
            reason = self._hold_reason()
            observation = None if reason else self._observe()
            if observation is None and not reason:
                reason = self.state_message
        if reason:
            self._publish_hold()
            code = (PolicyStatus.STATE_ESTOP if self.estop.latched
                    else PolicyStatus.STATE_HOLDING)
            self._set_state(code, reason)
            return
        if self._busy.is_set():
            self.missed_ticks += 1
            return
        self._busy.set()
        self._jobs.put(observation)

    def _hold_reason(self) -> str:
        if self.estop.latched:
            return f'e-stop latched: {self.estop.reason}'
        stale = self.watchdog.describe(time.monotonic())
        if stale:
            return f'stale input: {stale}'
        if self.limits is None:
            return f'no robot description on {self.params.robot_description_topic} yet'
        return ''

    def _sample_observation(self):
        """Every action_dt: append the current observation to the history (or note why not)."""
        with self._lock:
            if not self.active:
                return
            try:
                stale = self.watchdog.stale_inputs(time.monotonic())
                if stale:
                    raise ObservationError(f'stale input: {", ".join(stale)}')
                if self.builder is None:
                    self.builder = ObservationBuilder(self.config.observation_names or [],
                                                      self.robot, self.params.tool_frame)
                vector = self.builder.build(self.positions, self.velocities, self.scene_poses)
                if vector.shape[0] != self.config.obs_dim:
                    raise ObservationError(f'observation has {vector.shape[0]} entries, model '
                                           f'expects {self.config.obs_dim} (set '
                                           'observation_names)')
                self._sample_image()
            except (ObservationError, URDFError) as error:
                self.observation_error = f'observation unavailable: {error}'
                self.history.clear()  # never mix entries from before a gap into the history
                return
            self.observation_error = ''
            self.history.push(vector)

    def _observe(self):
        """Return the ``TickInput`` of this tick, or None with state_message set."""
        if self.observation_error or not self.history.frames:
            self.state_message = self.observation_error or 'no observation yet'
            return None
        try:
            measured = [self.positions[name] for name in self.action_names]
        except KeyError as error:
            self.state_message = f'joint {error} missing from the joint states'
            return None
        self.last_observation = self.history.flat()
        if self.image_preprocessor is None:
            return TickInput(self.last_observation, measured)
        self.last_image = self.current_image
        return TickInput(self.last_observation, measured, self.current_image,
                         self.current_image_message)

    def stop_workers(self, timeout_s: float = 2.0) -> None:
        """
        Stop the inference and model-swap threads and wait for them (at shutdown).

        A worker left inside torch while the interpreter exits can abort the process
        ("terminate called without an active exception"); a fetch that waits for a trainer
        that is gone is not waited for longer than ``timeout_s``.
        """
        for jobs in (self._jobs, self._fetch_queue):
            try:
                jobs.get_nowait()  # make room: at most one item is queued
            except queue.Empty:
                pass
            jobs.put(None)
        deadline = time.monotonic() + timeout_s
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))

    def _inference_loop(self):
        while True:
            tick = self._jobs.get()
            if tick is None:  # stop_workers
                return
            try:
                with self._inference_lock:
                    self._infer_and_publish(tick)
                    # the chunk is out, a boundary: a staged model waits at most for the
                    # chunk that was being computed when it arrived
                    self._swap_now()
            except Exception as error:  # noqa: B902 — the worker must survive anything
                self.get_logger().error(f'inference failed: {error}')
                self._publish_hold()
            finally:
                self._busy.clear()

    def _infer_and_publish(self, tick: TickInput):
        self._swap_now()  # a chunk boundary: the previous chunk is out, the next not started
        loaded = self.slots.active
        image = None if tick.image is None else torch.as_tensor(tick.image)[None]
        start = time.perf_counter()
        chunk = loaded.policy.sample(
            torch.as_tensor(tick.observation).reshape(1, -1), self.params.sampler or None,
            self.params.num_inference_steps or None, image=image)[0].cpu().numpy()
        latency = time.perf_counter() - start
        self.latency.add(latency)
        try:
            command = make_safe_command(chunk, tick.measured, self.limits, self.config.action_dt,
                                        self.config.horizon, self.config.n_action_steps)
        except ChunkRejected as error:
            self._publish_hold()
            self._set_state(PolicyStatus.STATE_HOLDING, f'chunk rejected: {error}')
            return
        with self._lock:
            if not self.active or self.estop.latched:
                return  # the world changed while we were thinking: never send stale intent
            self._publish_rows(command.rows)
            self.last_hold_row = [float(v) for v in command.rows[-1]]
            self._set_state(PolicyStatus.STATE_ACTIVE, '')
        self._publish_step(loaded.version, tick, chunk, command.rows, latency)

    # --- outputs ------------------------------------------------------------------------------

    def _publish_rows(self, rows, hold: bool = False):
        """Send rows: one JointTrajectory, or forward commands streamed one row per dt."""
        dt = self.config.action_dt
        if self.params.output_mode == 'trajectory':
            trajectory = JointTrajectory(joint_names=list(self.action_names))
            trajectory.header.stamp = self.get_clock().now().to_msg()
            for index, row in enumerate(rows):
                trajectory.points.append(JointTrajectoryPoint(
                    positions=[float(v) for v in row],
                    time_from_start=seconds_to_duration((index + 1) * dt)))
            self.command_pub.publish(trajectory)
        else:
            with self._lock:
                self._forward_rows.clear()
                if hold:
                    self.command_pub.publish(Float64MultiArray(data=[float(v) for v in rows[0]]))
                else:
                    self._forward_rows.extend([float(v) for v in row] for row in rows)

    def _stream_row(self):
        """Forward mode: publish the next queued row (one per action_dt)."""
        with self._lock:
            if self._forward_rows and self.active and not self.estop.latched:
                self.command_pub.publish(Float64MultiArray(data=self._forward_rows.popleft()))

    def _publish_hold(self):
        """
        Hold the measured position, or the last finite row when a measurement is not finite.

        A hold never carries NaN or inf: with a non-finite (or missing) joint position the node
        repeats the last finite command or hold it sent, and sends nothing when it has none.
        """
        with self._lock:
            names = getattr(self, 'action_names', [])
            if not names:
                return
            measured = [self.positions.get(name, math.nan) for name in names]
            if all(math.isfinite(value) for value in measured):
                self.last_hold_row = [float(value) for value in measured]
            if self.last_hold_row is None:
                return
            self._publish_rows([self.last_hold_row], hold=True)

    def _follow_episodes(self) -> EpisodeSteps:
        """Return the PolicyStep episode bookkeeping, fed by the episode events (if any)."""
        episodes = EpisodeSteps(self.params.episode_id)
        if self.params.episode_event_topic:
            self.create_subscription(EpisodeEvent, self.params.episode_event_topic,
                                     lambda event: self._on_episode_event(episodes, event),
                                     EPISODE_EVENTS)
        return episodes

    @staticmethod
    def _on_episode_event(episodes: EpisodeSteps, event: EpisodeEvent):
        if event.event == EpisodeEvent.EVENT_START:
            episodes.start(event.episode_id)
        elif event.event == EpisodeEvent.EVENT_END:
            episodes.end(event.episode_id)

    def _publish_step(self, version, tick: TickInput, chunk, rows, latency):
        episode_id, step_index = self.episodes.next_step()
        step = PolicyStep(episode_id=episode_id, step_index=step_index,
                          model_version=version, action_horizon=chunk.shape[0],
                          action_dim=chunk.shape[1], action_names=list(self.action_names),
                          action_dt=self.config.action_dt, command_horizon=len(rows),
                          inference_latency=latency, scene_version=self.scene_version)
        step.header.stamp = self.get_clock().now().to_msg()
        step.header.frame_id = self.params.frame_id
        step.observation_names = history_names(self.config.observation_names,
                                               self.config.n_obs_steps, self.config.obs_dim)
        step.observation = [float(v) for v in tick.observation]
        if tick.image_message is not None:
            step.has_image, step.image = True, tick.image_message
        step.action_chunk = [float(v) for v in chunk.reshape(-1)]
        step.command = [float(v) for v in rows.reshape(-1)]
        if self.constraint_state is not None:
            step.constraint_state = self.constraint_state
        self.step_pub.publish(step)

    def _set_state(self, code: int, message: str):
        changed = (code, message) != (self.state_code, self.state_message)
        self.state_code, self.state_message = code, message
        if changed:
            self._publish_status()

    def _publish_status(self):
        active, previous, pending = self.slots.versions()
        status = PolicyStatus(state=self.state_code, message=self.state_message,
                              active_model_version=active, previous_model_version=previous,
                              pending_model_version=pending, estop_latched=self.estop.latched,
                              inference_latency=self.latency.last,
                              inference_latency_p99=self.latency.percentile(99),
                              missed_ticks=self.missed_ticks)
        status.header.stamp = self.get_clock().now().to_msg()
        self.status_pub.publish(status)


def main(args=None, executor_factory=SingleThreadedExecutor):
    """
    Run the policy node with a single-threaded executor until interrupted.

    Every callback is short (inference and model loading have their own threads) and all share
    the node's one mutually exclusive callback group, so more executor threads add no
    concurrency. Under rclpy's MultiThreadedExecutor the node's main thread stayed busy in the
    executor's wait loop (perf: most samples in the Python interpreter) and starved the
    inference and model-loading threads: 50 MB hot swap median announce -> active 4.7 s with up
    to 10 missed control ticks, against 0.68 s and none with this executor, timed side by side
    by ``python bench/policy/bench_policy.py`` through ``executor_factory``.
    """
    rclpy.init(args=args)
    exit_with_parent()
    node = PolicyNode()
    executor = executor_factory()
    executor.add_node(node)
    try:
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.stop_workers()
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == '__main__':
    main()
