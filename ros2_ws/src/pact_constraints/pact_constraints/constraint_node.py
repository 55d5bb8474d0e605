# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Constraint node: live constraint monitor publishing ``ConstraintState`` and RViz markers.

Subscribes: ``/robot_description`` (std_msgs/String, latched), ``/joint_states`` (by joint
name, sensor QoS), the scene topic (``pact_msgs/Scene``, latched; param ``scene_topic``) and,
with ``score_chunks``, the policy's PolicySteps (param ``policy_step_topic``, reliable).
Publishes: ``constraint_state`` (pact_msgs/ConstraintState at ``rate``, stamped with the joint
state's stamp), ``~/markers`` (visualization_msgs/MarkerArray at <= 10 Hz) and, with
``score_chunks``, ``~/chunk_state`` (one ConstraintState per PolicyStep: the commanded chunk
scored on its executed path with the trainer's function, ``core.chunk_monitor``; stamped with
the PolicyStep's stamp).
Parameters: ``core.constraint_node_parameters.ConstraintNodeParameters`` (every name, default,
unit and range; the package README's table is rendered from it).
All logic lives in ``core.monitor`` and ``core.chunk_monitor``; this module converts messages
and schedules. Every subscription callback logs and drops a message it cannot use; the last
good state stays. A PolicyStep that cannot be scored still gets an UNKNOWN chunk state.
"""

import functools
import math
import pathlib
import time

from pact_constraints.core.config import (ConstraintConfigError, default_config_path,
                                          load_constraint_config)
from pact_constraints.core.constraint_node_parameters import (ConstraintNodeParameters,
                                                              MAX_MARKER_RATE)
from pact_constraints.core.marker_plan import (MarkerTracker, plan_markers, plan_scene_markers,
                                               plan_status_text)
from pact_constraints.core.monitor import (config_with_overrides, ConstraintMonitor,
                                           JointStateError, MonitorResult, STATUS_UNKNOWN)
from pact_constraints.core.robot_model import RobotModelError
from pact_constraints.markers import marker_array
from pact_msgs.msg import ConstraintState, PolicyStep, Scene as SceneMsg
from pact_node_runtime.node_shutdown import spin_until_shutdown
from pact_node_runtime.process_lifetime import exit_with_parent
from pact_parameters.core.schema import ParameterError
from pact_parameters.node_parameters import declare_parameters
from pact_world.core.robot_assets import (description_text, parse_description, RobotAssetError,
                                          RobotDescriptionError)
from pact_world.core.scene import load_scene_yaml, SceneError
from pact_world.scene_conversion import scene_from_msg
import rclpy
from rclpy.exceptions import InvalidParameterValueException
from rclpy.node import Node
from rclpy.qos import (DurabilityPolicy, qos_profile_sensor_data, QoSProfile,
                       ReliabilityPolicy)
from sensor_msgs.msg import JointState
from std_msgs.msg import String
from visualization_msgs.msg import MarkerArray

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
COMMANDS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)   # as the policy's


def read_srdf_parameter(value: str) -> str:
    """
    Return SRDF XML from a parameter holding XML, a path or a package:// URI ('' = none).

    Raises RobotModelError naming the parameter when the text is not an SRDF (not XML, not a
    ``<robot>`` root, or a URDF with links), so the node refuses to start instead of waiting
    for a robot description it could never combine with it.
    """
    value = value.strip()
    if not value:
        return value
    try:
        text = description_text(value)
    except (RobotAssetError, RobotDescriptionError) as error:
        raise RobotModelError(f'robot_description_semantic: {error}') from error
    where = f'robot_description_semantic {value[:80]!r} is not an SRDF'
    try:
        root = parse_description(text, 'SRDF')
    except RobotDescriptionError as error:
        raise RobotModelError(f'{where} ({error})') from error
    if root.find('link') is not None:
        raise RobotModelError(f'{where}: it has <link> elements (a URDF?)')
    return text


def peer_input(topic: str):
    """Wrap a subscription callback: any error is logged naming the topic, the message dropped."""
    def decorate(callback):
        @functools.wraps(callback)
        def guarded(self, message):
            try:
                return callback(self, message)
            except Exception as error:  # noqa: B902 — peer input must never kill the node
                self.get_logger().error(f'{topic}: message rejected, keeping the last good '
                                        f'state: {type(error).__name__}: {error}',
                                        throttle_duration_sec=1.0)
                return None
        return guarded
    return decorate


class ConstraintNode(Node):
    """Thin rclpy wrapper around ``ConstraintMonitor`` (see module docstring)."""

    def __init__(self):
        """Declare parameters, load config/SRDF/scene, create interfaces and the timer."""
        super().__init__('constraint_node')
        p = self.params = declare_parameters(self, ConstraintNodeParameters)
        config = load_constraint_config(p.config_file or default_config_path())
        config = config_with_overrides(config, list(p.active_constraints or []),
                                       p.geometry_mode, p.margin_overrides())
        srdf = read_srdf_parameter(p.robot_description_semantic)
        scene = load_scene_yaml(p.scene_file) if p.scene_file else None
        self.mesh_dirs = [folder for folder in p.mesh_dirs if folder]
        self.max_obstacles = p.max_obstacles
        scene_dir = pathlib.Path(p.scene_file).parent if p.scene_file else None
        self.monitor = ConstraintMonitor(config, srdf, scene, p.stale_timeout,
                                         scene_dir=scene_dir, max_joint_names=p.max_joint_names)
        self.chunks = None
        if p.score_chunks:
            from pact_constraints.core.chunk_monitor import ChunkMonitor   # imports torch
            self.chunks = ChunkMonitor(config, scene_dir=scene_dir)
            if scene is not None:
                self.chunks.set_scene(scene)
            self.chunk_publisher = self.create_publisher(ConstraintState, '~/chunk_state', 10)
            self.create_subscription(PolicyStep, p.policy_step_topic, self._on_policy_step,
                                     COMMANDS)
        self.markers = MarkerTracker()
        self.marker_period = 1.0 / min(MAX_MARKER_RATE, max(p.marker_rate, 1e-3))
        self._last_marker_time = -1e9
        self.state_publisher = self.create_publisher(ConstraintState, 'constraint_state', 10)
        self.marker_publisher = self.create_publisher(MarkerArray, '~/markers', 1)
        self.create_subscription(String, '/robot_description', self._on_description, LATCHED)
        self.create_subscription(JointState, '/joint_states', self._on_joint_state,
                                 qos_profile_sensor_data)
        self.create_subscription(SceneMsg, p.scene_topic, self._on_scene, LATCHED)
        self.create_timer(1.0 / p.rate, self._on_timer)
        self.get_logger().info(
            f'constraint node: {config.geometry_mode} geometry, active {list(config.active)}, '
            f'{p.rate:.0f} Hz, chunk scoring '
            + (f'on ({p.policy_step_topic})' if self.chunks else 'off'))

    # ----------------------------------------------------------------- callbacks
    @peer_input('robot_description')
    def _on_description(self, msg: String):
        try:
            robot = self.monitor.set_robot_description(msg.data)
        except RobotModelError as error:
            self.get_logger().error(f'rejected robot_description, keeping the last good model: '
                                    f'{error}')
            return
        self.markers_reset()
        self.get_logger().info(f'robot model {robot.robot_id}: joints {robot.joint_names}')
        self._update_chunks('robot', lambda chunks: chunks.set_robot(robot))

    @peer_input('scene')
    def _on_scene(self, msg: SceneMsg):
        try:
            scene = scene_from_msg(msg, self.mesh_dirs, self.max_obstacles)
            self.monitor.set_scene(scene)
        except (SceneError, RobotModelError) as error:
            self.get_logger().error(f'rejected scene, keeping the last good one: {error}')
            return
        self.markers_reset()
        self.get_logger().info(f'scene version {msg.version}: {len(msg.obstacles)} obstacles')
        self._update_chunks('scene', lambda chunks: chunks.set_scene(scene))

    def _update_chunks(self, what: str, update):
        """Give the chunk scoring what the live monitor accepted; on refusal chunks go UNKNOWN."""
        if self.chunks is None:
            return
        try:
            update(self.chunks)
        except (RobotModelError, SceneError) as error:
            reason = f'chunk scoring cannot use the new {what}: {error}'
            self.chunks.refuse(what, reason)
            self.get_logger().error(reason)

    @peer_input('policy_step')
    def _on_policy_step(self, msg: PolicyStep):
        from pact_constraints.core.chunk_monitor import ChunkCommand, ChunkResult
        started = time.perf_counter()
        command = ChunkCommand(msg.episode_id, msg.step_index, list(msg.action_names),
                               msg.action_dim, msg.command_horizon, msg.command, msg.action_dt)
        try:
            result = self.chunks.evaluate(command, self.monitor.fresh_positions(time.monotonic()))
        except Exception as error:  # noqa: B902 — report UNKNOWN, never go silent
            result = ChunkResult(STATUS_UNKNOWN, f'episode {msg.episode_id[:64]!r} step '
                                 f'{msg.step_index}: chunk scoring failed: '
                                 f'{type(error).__name__}: {error}')
            self.get_logger().error(result.message, throttle_duration_sec=1.0)
        state = chunk_state_message(result, self.chunks, msg.header.stamp)
        state.compute_time = time.perf_counter() - started
        self.chunk_publisher.publish(state)
        if result.status == STATUS_UNKNOWN:
            self.get_logger().warn(f'chunk status UNKNOWN: {result.message}',
                                   throttle_duration_sec=2.0)

    @peer_input('joint_states')
    def _on_joint_state(self, msg: JointState):
        stamp = msg.header.stamp.sec + 1e-9 * msg.header.stamp.nanosec
        try:
            self.monitor.add_joint_state(msg.name, msg.position, msg.velocity, stamp,
                                         time.monotonic())
        except JointStateError as error:
            self.get_logger().error(str(error), throttle_duration_sec=2.0)

    def markers_reset(self):
        """Delete every marker shown (the model or scene changed, ids may mean other things)."""
        self._publish_markers([], None)

    def _on_timer(self):
        started = time.perf_counter()
        now = time.monotonic()
        marker_cycle = now - self._last_marker_time >= self.marker_period
        result = self.monitor.evaluate(now, for_markers=marker_cycle)
        state = self._state_message(result)
        state.compute_time = time.perf_counter() - started
        self.state_publisher.publish(state)
        if result.status == STATUS_UNKNOWN:
            self.get_logger().warn(f'constraint status UNKNOWN: {result.message}',
                                   throttle_duration_sec=2.0)
        if marker_cycle:
            self._last_marker_time = now
            self._publish_markers(self._marker_specs(result, state), state.header)

    def _marker_specs(self, result: MonitorResult, state: ConstraintState) -> list:
        specs = [] if result.evaluation is None else plan_markers(self.monitor.evaluator,
                                                                  result.evaluation)
        status_name = {ConstraintState.STATUS_OK: 'OK',
                       ConstraintState.STATUS_VIOLATED: 'VIOLATED'}.get(state.status, 'UNKNOWN')
        violated = tuple((name, value) for name, value, flag in
                         zip(state.names, state.values, state.violated, strict=True) if flag)
        return specs + plan_scene_markers(self.monitor.scene) + [
            plan_status_text(status_name, state.status_message, violated)]

    def _publish_markers(self, specs, header):
        deletions = self.markers.update(specs)
        if not specs and not deletions:
            return
        if header is None:
            header = ConstraintState().header
            header.frame_id = self.monitor.scene.frame
        self.marker_publisher.publish(marker_array(specs, deletions, header))

    def _state_message(self, result: MonitorResult) -> ConstraintState:
        monitor = self.monitor
        state = ConstraintState(status=result.status, status_message=result.message)
        state.header.frame_id = monitor.scene.frame
        state.header.stamp.sec = int(result.stamp)
        state.header.stamp.nanosec = int(round((result.stamp - int(result.stamp)) * 1e9)) % 10**9
        state.scene_version = int(monitor.scene.version)
        state.geometry_mode = monitor.config.geometry_mode
        if monitor.robot is not None:
            state.robot_id = monitor.robot.robot_id
        evaluation = result.evaluation
        if evaluation is None:
            return state
        for name, term in evaluation.terms.items():
            state.names.append(name)
            state.values.append(float(term.value))
            state.margins.append(float(term.margin))
            state.measured.append(float(term.measured))
            state.violated.append(bool(term.violated))
        closest = evaluation.min_clearance
        if closest is not None:
            state.has_clearance = True
            state.min_clearance = float(closest.distance)
            for target, point in ((state.witness_robot, closest.point_robot),
                                  (state.witness_obstacle, closest.point_other)):
                target.x, target.y, target.z = (float(v) for v in point)
            state.normal.x, state.normal.y, state.normal.z = (float(v) for v in closest.normal)
            state.clearance_link, state.clearance_obstacle = (closest.robot_link,
                                                              closest.other_name)
        return state


def chunk_state_message(result, chunks, stamp) -> ConstraintState:
    """
    Return the ConstraintState of one scored chunk (``core.chunk_monitor.ChunkResult``).

    ``measured`` holds the path's minimum clearance for ``clearance`` and NaN for the other
    terms (a chunk's cost sums over the path; it has no single measured quantity); no witness
    points (the torch path does not compute them); geometry ``capsule`` (the trainer's).
    """
    state = ConstraintState(status=result.status, status_message=result.message,
                            geometry_mode='capsule')
    state.header.stamp = stamp
    state.header.frame_id = chunks.scene.frame
    state.scene_version = int(chunks.scene.version)
    if chunks.robot is not None:
        state.robot_id = chunks.robot.robot_id
    clearance = result.min_clearance if math.isfinite(result.min_clearance) else math.nan
    for name, value in result.costs.items():
        state.names.append(name)
        state.values.append(value)
        state.margins.append(result.margins[name])
        state.measured.append(clearance if name == 'clearance' else math.nan)
        state.violated.append(value > 0.0)
    if result.costs and math.isfinite(result.min_clearance):
        state.has_clearance, state.min_clearance = True, result.min_clearance
    return state


def main(args=None):
    """Run the constraint node until interrupted."""
    rclpy.init(args=args)
    exit_with_parent()
    try:
        node = ConstraintNode()
    except (ConstraintConfigError, SceneError, RobotModelError, ParameterError,
            InvalidParameterValueException) as error:
        print(f'[constraint_node] cannot start: {error}', flush=True)
        rclpy.try_shutdown()
        raise SystemExit(2) from error
    try:
        spin_until_shutdown(lambda: rclpy.spin(node))
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == '__main__':
    main()
