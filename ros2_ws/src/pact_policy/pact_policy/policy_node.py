# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Lifecycle policy node: observation in, safe JointTrajectory out, weights hot-swapped safely.

Lifecycle: configure = load ``model_path`` + one warm-up forward pass; activate = start
commanding; deactivate = hold the measured position. With ``autostart`` (default true) the node
configures itself at start-up and waits INACTIVE for an activate transition.

Every decision (when to sample, hold, infer, command or swap; the e-stop latch; clamping and
rate limiting) is taken by ``core.chunk_scheduler.ChunkScheduler``, which is ROS-free and unit
tested with a fake clock. This node only wires it to ROS: it converts messages, holds
parameters, runs the timers (observation sample every ``action_dt``, control tick every
``n_action_steps * action_dt``, forward row stream every ``action_dt``), hands jobs to the
inference worker thread and carries out the scheduler's ``Decision``s. Its parts are held by
composition: ``CameraInput`` (optional camera, ``camera_input``), ``HotSwap`` (model announcements
on a loader thread, ``hot_swap``), ``RobotDescription`` (the URDF and the command limits,
``robot_description``), ``ModelFetcher`` and ``EpisodeSteps`` (the episode and step index of
each PolicyStep from the EpisodeEvents on ``episode_event_topic``).
"""

import queue
import threading
import time

from pact_msgs.msg import EpisodeEvent, ModelAnnouncement, PolicyStatus, PolicyStep, Scene
from pact_msgs.srv import ActivateModel, ResetEStop, RollbackModel
from pact_node_runtime.node_shutdown import spin_until_shutdown
from pact_node_runtime.process_lifetime import exit_with_parent
from pact_policy.camera_input import camera_timeouts, CameraInput
from pact_policy.core.checkpoint import load_checkpoint
from pact_policy.core.chunk_scheduler import ChunkScheduler, ChunkSpec, Decision, Job, State
from pact_policy.core.episode_steps import EpisodeSteps
from pact_policy.core.model_swap import ModelSlots, smoke_test, TransferError
from pact_policy.core.observation import ObservationBuilder, ObservationError
from pact_policy.core.supervision import EStopLatch, InputWatchdog, LatencyWindow
from pact_policy.core.urdf_model import URDFError
from pact_policy.hot_swap import HotSwap
from pact_policy.model_fetcher import ModelFetcher
from pact_policy.node_guards import peer_input
from pact_policy.policy_messages import joint_trajectory, policy_step
from pact_policy.policy_parameters import declare_policy_parameters
from pact_policy.robot_description import RobotDescription
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.lifecycle import LifecycleNode, TransitionCallbackReturn
from rclpy.qos import (DurabilityPolicy, qos_profile_sensor_data, QoSProfile,
                       ReliabilityPolicy)
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Bool, Float64MultiArray, String
import torch
from trajectory_msgs.msg import JointTrajectory

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
STATE_CODES = {State.UNCONFIGURED: PolicyStatus.STATE_UNCONFIGURED,
               State.INACTIVE: PolicyStatus.STATE_INACTIVE,
               State.ACTIVE: PolicyStatus.STATE_ACTIVE,
               State.HOLDING: PolicyStatus.STATE_HOLDING,
               State.ESTOP: PolicyStatus.STATE_ESTOP}


class PolicyNode(LifecycleNode):
    """The deployment-side policy runner; see the module docstring."""

    def __init__(self):
        super().__init__('policy_node')
        p = self.params = declare_policy_parameters(self)
        self._lock = threading.RLock()  # serialises every scheduler call and the input state
        self.slots = ModelSlots()
        self.watchdog = InputWatchdog({'joint_states': p.input_timeout_s,
                                       **camera_timeouts(p.camera_topic, p.camera_timeout_s)})
        self.scheduler = ChunkScheduler(
            self.slots, self.watchdog, EStopLatch(),
            no_limits_reason=f'no robot description on {p.robot_description_topic} yet')
        self.camera = CameraInput(p.camera_topic, self.watchdog, self._lock, self.get_logger())
        fetcher = ModelFetcher(self, p.transfer_timeout_s, model_dirs=p.model_dirs)
        self.hot_swap = HotSwap(self.slots, fetcher, p, self.get_logger(),
                                swap_if_idle=self._swap_if_idle, smoke_inputs=self._smoke_inputs)
        self.latency = LatencyWindow()
        self.episodes = EpisodeSteps(p.episode_id)
        self.positions, self.velocities, self.scene_poses = {}, {}, {}
        self.scene_version = 0
        self.description = RobotDescription(p, self.get_logger())
        self.builder = self.config = None
        self.action_names = ()
        self.tick_timer = self.sample_timer = self._stream_timer = None
        self._jobs = queue.Queue(maxsize=1)
        self._create_interfaces()
        self._workers = [threading.Thread(target=self._inference_loop, daemon=True,
                                          name='inference'),
                         threading.Thread(target=self.hot_swap.run, daemon=True,
                                          name='model_swap')]
        for worker in self._workers:
            worker.start()
        self._autostart_timer = (self.create_timer(0.0, self._autostart_once)
                                 if p.autostart else None)

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
                                 self.hot_swap.on_announcement, LATCHED)
        if p.camera_topic:
            self.create_subscription(Image, p.camera_topic, self.camera.on_image,
                                     qos_profile_sensor_data)
        if p.episode_event_topic:
            self.create_subscription(EpisodeEvent, p.episode_event_topic,
                                     self._on_episode_event, EPISODE_EVENTS)
        self.create_service(ResetEStop, '~/reset_estop', self._on_reset_estop)
        self.create_service(RollbackModel, '~/rollback_model', self.hot_swap.on_rollback)
        self.create_service(ActivateModel, '~/activate_model', self.hot_swap.on_activate_model)
        if p.output_mode == 'trajectory':
            self.command_pub = self.create_publisher(JointTrajectory, p.trajectory_topic,
                                                     COMMANDS)
        else:
            self.command_pub = self.create_publisher(Float64MultiArray, p.forward_topic,
                                                     COMMANDS)
        self.step_pub = self.create_publisher(PolicyStep, '~/policy_step', COMMANDS)
        self.status_pub = self.create_publisher(PolicyStatus, '~/status', COMMANDS)
        self.create_timer(1.0 / p.status_rate_hz, self._publish_status)

    def _autostart_once(self):
        self.destroy_timer(self._autostart_timer)
        if self.scheduler.status.state == State.UNCONFIGURED:
            self.trigger_configure()
            if self.params.autostart_activate:
                self.trigger_activate()

    # --- lifecycle ------------------------------------------------------------------------------

    def on_configure(self, state):
        """Load the model and run one warm-up forward pass."""
        try:
            loaded = load_checkpoint(self.params.model_path, device=self.params.device)
            config = loaded.policy.config
            camera_error = self.camera.configure(config)
            if camera_error:
                raise ValueError(camera_error)
            smoke_test(loaded.policy, None, self.params.sampler or None,
                       self.params.num_inference_steps or None)
        except (ValueError, OSError, TransferError) as error:
            self.get_logger().error(f'configure failed: {error}')
            return TransitionCallbackReturn.FAILURE
        if not loaded.version:
            loaded.metadata['version'] = 'base'
        names = config.action_names or list(self.params.joint_names)
        if len(names) != config.action_dim:
            self.get_logger().error(f'configure failed: need {config.action_dim} action '
                                    f'joint names, have {names}')
            return TransitionCallbackReturn.FAILURE
        self.config, self.action_names = config, tuple(names)
        self.slots.reset(loaded)
        self.hot_swap.configure(config)  # may fetch an announcement kept while unconfigured
        self.description.apply_received()
        if self.params.output_mode == 'forward' and self._stream_timer is None:
            self._stream_timer = self.create_timer(config.action_dt, self._stream_row)
        self._update_limits()
        with self._lock:
            self._carry_out(self.scheduler.configure(ChunkSpec.from_config(config, names)))
        self.get_logger().info(f'configured with model {loaded.version!r} '
                               f'({config.architecture_id})')
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state):
        """Start the observation samples and the control tick."""
        with self._lock:
            self._carry_out(self.scheduler.activate())
        self._sample_observation()
        self.sample_timer = self.create_timer(self.config.action_dt, self._sample_observation)
        self.tick_timer = self.create_timer(self.scheduler.spec.period_s, self._on_tick)
        return super().on_activate(state)

    def on_deactivate(self, state):
        """Stop commanding and hold the measured position."""
        for timer in (self.tick_timer, self.sample_timer):
            if timer is not None:
                self.destroy_timer(timer)
        self.tick_timer = self.sample_timer = None
        with self._lock:
            self._carry_out(self.scheduler.deactivate(self.positions))
        return super().on_deactivate(state)

    def on_cleanup(self, state):
        """Forget the model."""
        self.slots.reset()
        with self._lock:
            self._carry_out(self.scheduler.cleanup())
        return TransitionCallbackReturn.SUCCESS

    # --- inputs ---------------------------------------------------------------------------------

    @peer_input('joint_states')
    def _on_joint_states(self, message: JointState):
        with self._lock:
            for index, name in enumerate(message.name):
                if (name not in self.positions and len(self.positions) >= MAX_JOINT_NAMES
                        and name not in self.action_names):
                    continue  # any peer may publish joint states: memory stays bounded
                if index < len(message.position):
                    self.positions[name] = message.position[index]
                if index < len(message.velocity):
                    self.velocities[name] = message.velocity[index]
            self.watchdog.feed('joint_states', time.monotonic())

    @peer_input('robot_description')
    def _on_description(self, message: String):
        """Use a new URDF, except while ACTIVE (see ``robot_description``)."""
        if self.description.receive(message.data, self.scheduler.active):
            self._update_limits()

    def _update_limits(self):
        """(Re)build the command limits once both the model and the URDF are known."""
        with self._lock:
            self.scheduler.set_limits(self.description.limits_for(self.action_names))

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
        estop = self.scheduler.estop
        with self._lock:
            was_latched = estop.latched
            self._carry_out(self.scheduler.estop_input(message.data, self.positions))
        if estop.latched and not was_latched:
            self.get_logger().error('E-STOP latched: holding until ~/reset_estop')

    def _on_reset_estop(self, request, response):
        with self._lock:
            response.success, response.message, decision = self.scheduler.reset_estop(
                request.operator_note)
            self._carry_out(decision)
        self.get_logger().warn(f'reset_estop: {response.message}')
        return response

    def _on_episode_event(self, event: EpisodeEvent):
        if event.event == EpisodeEvent.EVENT_START:
            self.episodes.start(event.episode_id)
        elif event.event == EpisodeEvent.EVENT_END:
            self.episodes.end(event.episode_id)

    # --- control ------------------------------------------------------------------------------

    def _sample_observation(self):
        """Every action_dt: append the current observation to the history (or note why not)."""
        with self._lock:
            self.scheduler.sample(time.monotonic(), self._read_observation, self.camera.sample)

    def _read_observation(self):
        """Return the observation vector of the current inputs (caller holds the lock)."""
        try:
            robot = self.description.robot
            if self.builder is None or self.builder.robot is not robot:
                self.builder = ObservationBuilder(self.config.observation_names or [], robot,
                                                  self.params.tool_frame)
            return self.builder.build(self.positions, self.velocities, self.scene_poses)
        except URDFError as error:
            raise ObservationError(str(error)) from error

    def _on_tick(self):
        """Executor-thread tick: hold, skip or start a job; never waits for inference."""
        with self._lock:
            self._carry_out(self.scheduler.tick(time.monotonic(), self.positions))

    def _stream_row(self):
        """Forward mode: publish the next row of the last command (one per action_dt)."""
        with self._lock:
            row = self.scheduler.next_row()
            if row is not None:
                self.command_pub.publish(Float64MultiArray(data=list(row)))

    def _swap_if_idle(self):
        with self._lock:
            self._carry_out(self.scheduler.swap_if_idle())

    def _smoke_inputs(self) -> tuple:
        """Return the (observation, image) of the last tick, for smoke tests of new models."""
        with self._lock:
            frame = self.scheduler.last_extras
            return self.scheduler.last_observation, None if frame is None else frame.image

    def stop_workers(self, timeout_s: float = 2.0) -> None:
        """
        Stop the inference and model-swap threads and wait for them (at shutdown).

        A worker left inside torch while the interpreter exits can abort the process
        ("terminate called without an active exception"); a fetch that waits for a trainer
        that is gone is not waited for longer than ``timeout_s``.
        """
        try:
            self._jobs.get_nowait()  # make room: at most one job is queued
        except queue.Empty:
            pass
        self._jobs.put(None)
        self.hot_swap.stop()
        deadline = time.monotonic() + timeout_s
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))

    def _inference_loop(self):
        """Worker thread: sample each job's chunk and hand it back to the scheduler."""
        while (job := self._jobs.get()) is not None:  # None: stop_workers
            try:
                chunk, latency = self._sample_chunk(job)
                with self._lock:
                    decision = self.scheduler.finish_job(job, chunk, self.positions)
                    self._carry_out(decision)
                if decision.command is not None:
                    self._publish_step(job, chunk, decision.command, latency)
            except Exception as error:  # noqa: B902 — the worker must survive anything
                self.get_logger().error(f'inference failed: {error}')
                with self._lock:
                    self._carry_out(self.scheduler.fail_job(job, self.positions))

    def _sample_chunk(self, job: Job) -> tuple:
        """Return the (horizon, D) chunk of ``job``'s model and the inference latency (s)."""
        image = None if job.extras is None else torch.as_tensor(job.extras.image)[None]
        start = time.perf_counter()
        chunk = job.model.policy.sample(
            torch.as_tensor(job.observation).reshape(1, -1), self.params.sampler or None,
            self.params.num_inference_steps or None, image=image)[0].cpu().numpy()
        latency = time.perf_counter() - start
        self.latency.add(latency)
        return chunk, latency

    # --- outputs ------------------------------------------------------------------------------

    def _carry_out(self, decision: Decision):
        """Do what the scheduler decided (the caller holds the lock)."""
        if decision.hold is not None:
            self._publish_rows([decision.hold], hold=True)
        if decision.command is not None:
            self._publish_rows(decision.command)
        if decision.job is not None:
            self._jobs.put(decision.job)
        if decision.swapped:
            self.get_logger().info(decision.swapped)
        if decision.status is not None or decision.swapped:
            self._publish_status()

    def _publish_rows(self, rows, hold: bool = False):
        """Send one JointTrajectory; forward mode sends a hold now and streams commands."""
        if self.params.output_mode == 'trajectory':
            self.command_pub.publish(joint_trajectory(self.action_names, rows,
                                                      self.config.action_dt,
                                                      self.get_clock().now().to_msg()))
        elif hold:
            self.command_pub.publish(Float64MultiArray(data=list(rows[0])))

    def _publish_step(self, job: Job, chunk, rows, latency: float):
        image = None if job.extras is None else job.extras.message
        step = policy_step(self.config, self.action_names, job.model.version, job.observation,
                           chunk, rows, latency, image)
        step.episode_id, step.step_index = self.episodes.next_step()
        step.scene_version = self.scene_version
        step.header.stamp = self.get_clock().now().to_msg()
        step.header.frame_id = self.params.frame_id
        self.step_pub.publish(step)

    def _publish_status(self):
        status = self.scheduler.status
        active, previous, pending = self.slots.versions()
        message = PolicyStatus(state=STATE_CODES[status.state], message=status.message,
                               active_model_version=active, previous_model_version=previous,
                               pending_model_version=pending,
                               estop_latched=self.scheduler.estop.latched,
                               inference_latency=self.latency.last,
                               inference_latency_p99=self.latency.percentile(99),
                               missed_ticks=self.scheduler.missed_ticks)
        message.header.stamp = self.get_clock().now().to_msg()
        self.status_pub.publish(message)


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
        spin_until_shutdown(executor.spin)
    finally:
        node.stop_workers()
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == '__main__':
    main()
