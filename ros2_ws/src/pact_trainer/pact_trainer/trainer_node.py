# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
PACT trainer node: rollout intake from any number of robots, MCAP logging, weight publication.

Subscribes (per namespace ns in ``robot_namespaces``; '' = root):
  /ns/<policy_step_topic>    pact_msgs/PolicyStep   (reliable, depth 100)
  /ns/<episode_event_topic>  pact_msgs/EpisodeEvent (reliable, depth 100)
  <scene_topic>              pact_msgs/Scene (latched; under /ns/ when the name is relative)
  <robot_description_topic>  std_msgs/String URDF (latched, shared by every robot)
Publishes:
  <announcement_topic>       pact_msgs/ModelAnnouncement (latched: reliable + transient_local)
  ~/alignment_status         pact_msgs/AlignmentStatus, once per iteration (reliable)
Serves:
  ~/get_model_chunk          pact_msgs/GetModelChunk (≤ 4 MiB per chunk)

Constraint costs: pact_constraints' batched torch costs (``core.robot_costs``) of the robot in
the received URDF with the SRDF ``robot_description_semantic`` (string or path/URI; '' = the
Panda's) and the constraint YAML ``constraints_file`` ('' = pact_constraints' default.yaml).
They are built once the description and a first scene (the template: it fixes which obstacles
exist) have arrived; a new description rebuilds them. The scenes seen are kept by (robot,
version): each PolicyStep is evaluated against the scene its ``scene_version`` names (the
robot's latest one when that version is unknown); a step whose scene lists other obstacles than
the template is dropped with a warning. Joint positions at the chunk start are read from the
observation entries ``<joint>.position``.

Every received message goes to an MCAP file in ``log_dir``. After each iteration the log time of
the newest step it trained on is kept in ``state_dir/intake.json``; on start-up the PolicySteps
logged after it (those of an iteration a crash interrupted) are read back from ``log_dir`` and
count towards the next iteration. When ``steps_per_update`` new valid
steps have arrived (and the costs exist), one PACT iteration (core.alignment_loop) runs on a
worker thread on CUDA when present; the new weights are packed as a pact_policy checkpoint,
stored, and announced with a ``service://`` URI (and written to ``model_dir`` when set). The
node never reads task success or reward (PolicyStep/EpisodeEvent carry none).

On SIGINT/SIGTERM (or when its parent process dies) the node cancels a running iteration at
its next distillation step, waits for the worker thread, closes the MCAP file and exits 0: the
trainer state on disk stays the last completed iteration's (a worker thread left running at
interpreter exit used to abort the process inside torch, exit code -6).
"""

import json
from pathlib import Path
import threading
import time

from pact_constraints.core.config import default_config_path, load_constraint_config
from pact_constraints.core.robot_model import RobotModel
from pact_msgs.msg import AlignmentStatus, EpisodeEvent, ModelAnnouncement, NamedValue
from pact_msgs.msg import PolicyStep
from pact_msgs.msg import Scene as SceneMsg
from pact_msgs.srv import GetModelChunk
from pact_node_runtime.node_shutdown import spin_until_shutdown
from pact_node_runtime.process_lifetime import exit_with_parent
from pact_parameters.node_parameters import declare_parameters
from pact_policy.core.checkpoint import checkpoint_bytes, load_checkpoint
from pact_policy.core.naming import logged_history_names
from pact_policy.node_guards import peer_input
from pact_trainer.core.alignment_loop import IterationCancelled, PactAligner
from pact_trainer.core.iteration_record import IterationRecord
from pact_trainer.core.model_store import ModelStore
from pact_trainer.core.policy_io import atomic_write_bytes
from pact_trainer.core.robot_costs import RobotCosts
from pact_trainer.core.rollout_intake import RolloutIntake, StepRecord
from pact_trainer.core.trainer_parameters import TrainerNodeParameters
from pact_trainer.mcap_log import McapLog, read_messages, recover_folder
from pact_world.core.robot_assets import description_text, PANDA_SRDF
from pact_world.core.scene import SceneError
from pact_world.scene_conversion import scene_from_msg
import rclpy
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rclpy.serialization import deserialize_message, serialize_message
from std_msgs.msg import String
import torch

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
INTAKE = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)


class QueuedRollouts:
    """Rollout source fed by the intake: returns the drained robot steps, ignores the policy."""

    def __init__(self):
        self.pending = None

    def collect(self, policy, num_chunks, generator=None):
        """Return the pending batch (the robots ran the announced policy)."""
        batch, self.pending = self.pending, None
        return batch


class TrainerNode(Node):
    """Thin ROS wrapper around ``PactAligner`` (see the module docstring)."""

    def __init__(self):
        super().__init__('trainer_node')
        # refused values (and preset/Jacobian pairs) stop the node here, before anything loads
        self.params = declare_parameters(self, TrainerNodeParameters)
        if not self.params.base_checkpoint:
            raise ValueError('parameter base_checkpoint is required (a pact_policy archive)')
        if self.params.torch_threads > 0:
            torch.set_num_threads(self.params.torch_threads)
        self.device = self.params.device if self.params.device != 'auto' else (
            'cuda' if torch.cuda.is_available() else 'cpu')
        loaded = load_checkpoint(self.params.base_checkpoint)
        self.policy = loaded.policy.float()  # loaded parameters require gradients
        config = self.policy.config
        if not config.action_names:
            raise ValueError('the base policy has no action_names: the constraint costs map '
                             'actions to URDF joints by name')
        self.constraint_config = load_constraint_config(
            self.params.constraints_file or default_config_path())
        self.srdf = self._read_srdf(self.params.robot_description_semantic)
        # PolicyStep carries the flattened history ('<name>@-k' for older steps, oldest first):
        # map all of it by name; the unsuffixed '<joint>.position' entries are the newest.
        self.history_names = logged_history_names(config)
        self.intake = RolloutIntake(self.history_names, config.action_names,
                                    config.horizon, config.n_action_steps,
                                    config.condition_dim, config.action_dim,
                                    self.policy.observation_normalizer,
                                    self.policy.action_normalizer, self.params.max_normalized)
        self.mesh_dirs = [folder for folder in self.params.mesh_dirs if folder]
        self.source = QueuedRollouts()
        self.aligner, self.robot_model, self.robot_costs = None, None, None
        self.scenes, self.latest_scene = {}, {}
        self.base_version = loaded.version or 'base'
        self.version = self.base_version
        self.store = ModelStore()
        for name, count in recover_folder(self.params.log_dir).items():
            self.get_logger().warn(f'MCAP log {name} was cut off (crash?): finished it with '
                                   f'{count} messages')
        self.step_topics = {}  # PolicyStep topic -> robot name
        self.last_step_ns, self.drained_ns = 0, 0
        self.log = McapLog(f'{self.params.log_dir}/rollouts_{self.get_clock().now().nanoseconds}'
                           '.mcap')
        self.lock = threading.Lock()
        self._replay_logged_steps()
        self.worker = None
        self.announce_pub = self.create_publisher(ModelAnnouncement,
                                                  self.params.announcement_topic, LATCHED)
        self.status_pub = self.create_publisher(AlignmentStatus, '~/alignment_status', INTAKE)
        self.create_service(GetModelChunk, '~/get_model_chunk', self._on_get_chunk)
        self.create_subscription(String, self.params.robot_description_topic,
                                 self._on_description, LATCHED)
        for namespace in self.params.robot_namespaces:
            self._subscribe(namespace)
        self.create_timer(0.2, self._maybe_update)
        self.get_logger().info(f'trainer waiting for {self.params.robot_description_topic} and '
                               f'a scene; will train on {self.device}')

    # --- robot description, scenes, costs ---------------------------------------------------

    @staticmethod
    def _read_srdf(value: str) -> str:
        return description_text(value or PANDA_SRDF)

    def _on_description(self, message: String):
        try:
            self.robot_model = RobotModel(
                message.data, self.srdf,
                capsules_per_link=self.constraint_config.capsules_per_link)
        except Exception as error:  # malformed URDF/SRDF: keep the last good model
            self.get_logger().error(f'rejected robot_description: {error}')
            return
        self.robot_costs = None
        self._build_costs()

    @peer_input('scene', throttle_s=1.0)
    def _on_scene(self, message: SceneMsg, robot: str):
        try:
            scene = scene_from_msg(message, self.mesh_dirs, self.params.max_obstacles)
        except SceneError as error:
            self.get_logger().error(f'rejected scene from {robot}: {error}')
            return
        with self.lock:
            self.scenes[(robot, int(message.version))] = scene
            self.latest_scene[robot] = (robot, int(message.version))
        if self.robot_costs is None:
            self._build_costs()

    def _build_costs(self):
        """Build the robot costs (and the aligner, once) when description and scene exist."""
        if self.robot_model is None or not self.scenes:
            return
        with self.lock:
            template = self.scenes[next(iter(self.latest_scene.values()))]
        config = self.policy.config
        try:
            self.robot_costs = RobotCosts(self.robot_model, template, self.constraint_config,
                                          config.action_names, config.action_dt, self.device,
                                          observation_names=self.history_names)
        except (KeyError, ValueError, OSError) as error:
            self.get_logger().error(f'cannot build the constraint costs: {error}')
            return
        if self.aligner is not None:
            self.aligner.base_costs = self.robot_costs.cost_set()
            self.get_logger().info('constraint costs rebuilt from the new robot description')
            return
        self.aligner = PactAligner(
            self.policy, self.robot_costs.cost_set(), self.source,
            self.params.pact_config(iterations=1 << 30),
            state_dir=self.params.state_dir, device=self.device)
        resumed = self.aligner.try_resume()
        if resumed:
            self.version = self._version_name()
        self._publish_model(self.version, '')
        self.get_logger().info(f'constraint costs {self.robot_costs.names} ready; model '
                               f'{self.version!r}{" (resumed)" if resumed else ""}')

    def _scene_context(self, keys):
        """Return per-step scene context rows: the step's scene, else its robot's latest."""
        with self.lock:
            scenes = {key: self.scenes.get(key, self.scenes.get(self.latest_scene.get(key[0])))
                      for key in set(keys)}
            keep = set(self.latest_scene.values())
            self.scenes = {key: scene for key, scene in self.scenes.items() if key in keep}
        scenes = {key: scene for key, scene in scenes.items() if scene is not None}
        context, valid = self.robot_costs.scene_context_by_key(keys, scenes)
        if not valid.all():
            self.get_logger().warn(f'dropped {int((~valid).sum())} steps whose scene is unknown '
                                   'or lists other obstacles than the template scene',
                                   throttle_duration_sec=5.0)
        return context, valid

    # --- intake -----------------------------------------------------------------------------

    def _intake_file(self) -> Path:
        return Path(self.params.state_dir) / 'intake.json'

    def _replay_logged_steps(self):
        """Feed the intake with the steps logged after the last saved iteration's newest."""
        for namespace in self.params.robot_namespaces:
            prefix = '/' + namespace.strip('/') if namespace.strip('/') else ''
            topic = f"{prefix}/{self.params.policy_step_topic.strip('/')}"
            self.step_topics[topic] = namespace.strip('/') or 'root'
        if not self._intake_file().is_file():  # a fresh run: older logs are not ours
            self.drained_ns = time.time_ns()
            self._save_intake_mark()
            return
        self.drained_ns = int(json.loads(self._intake_file().read_text())['drained_until_ns'])
        replayed = 0
        logged = read_messages(self.params.log_dir, self.step_topics, self.drained_ns)
        for topic, log_ns, data in logged:
            self._ingest(deserialize_message(data, PolicyStep), self.step_topics[topic])
            self.last_step_ns = max(self.last_step_ns, log_ns)
            replayed += 1
        if replayed:
            self.get_logger().warn(f'{replayed} PolicySteps logged after the last saved '
                                   f'iteration read back from {self.params.log_dir}')

    def _save_intake_mark(self):
        self._intake_file().parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(json.dumps({'drained_until_ns': self.drained_ns}).encode(),
                           self._intake_file())

    def _subscribe(self, namespace: str):
        prefix = '/' + namespace.strip('/') if namespace.strip('/') else ''
        step_topic = f"{prefix}/{self.params.policy_step_topic.strip('/')}"
        event_topic = f"{prefix}/{self.params.episode_event_topic.strip('/')}"
        robot = namespace.strip('/') or 'root'
        self.create_subscription(PolicyStep, step_topic,
                                 lambda m, t=step_topic: self._on_step(m, t, robot), INTAKE)
        self.create_subscription(EpisodeEvent, event_topic,
                                 lambda m, t=event_topic: self._log(m, t, 'EpisodeEvent'),
                                 INTAKE)
        scene_topic = self.params.scene_topic
        if not scene_topic.startswith('/'):
            scene_topic = f'{prefix}/{scene_topic}'
        self.create_subscription(SceneMsg, scene_topic,
                                 lambda m, r=robot: self._on_scene(m, r), LATCHED)

    @peer_input('episode_event', throttle_s=1.0)
    def _log(self, message, topic: str, type_name: str) -> int:
        """Write ``message`` to the MCAP log; return its log time (ns)."""
        stamp_ns = time.time_ns()
        with self.lock:
            self.log.write(topic, f'pact_msgs/msg/{type_name}', serialize_message(message),
                           stamp_ns)
        return stamp_ns

    @peer_input('policy_step', throttle_s=1.0)
    def _on_step(self, message: PolicyStep, topic: str, robot: str):
        stamp_ns = self._log(message, topic, 'PolicyStep')
        with self.lock:
            self.last_step_ns = max(self.last_step_ns, stamp_ns or 0)
        self._ingest(message, robot)

    def _ingest(self, message: PolicyStep, robot: str):
        record = StepRecord(robot, message.episode_id, message.model_version,
                            list(message.observation_names), list(message.observation),
                            list(message.action_names), message.action_horizon,
                            message.action_dim, list(message.action_chunk),
                            message.scene_version)
        with self.lock:
            reason = self.intake.add(record)
        if reason:
            self.get_logger().warn(f'rejected PolicyStep from {robot}: {reason}',
                                   throttle_duration_sec=5.0)

    # --- updates ----------------------------------------------------------------------------

    def _maybe_update(self):
        with self.lock:
            self.log.flush_if_due()  # what is logged survives a kill -9 within ~1 s
        if self.aligner is None or (self.worker is not None and self.worker.is_alive()):
            return
        with self.lock:
            if len(self.intake) < self.params.steps_per_update:
                return
            drained_ns = self.last_step_ns
        batch = self.intake.drain(self._scene_context)
        if len(batch) == 0:
            return
        self.source.pending = batch
        self.get_logger().info(f'PACT iteration {self.aligner.iteration} started on '
                               f'{len(batch)} steps')
        self.worker = threading.Thread(target=self._update, args=(drained_ns,), daemon=True)
        self.worker.start()

    def _update(self, drained_ns: int = 0):
        try:
            record = self.aligner.step()
        except IterationCancelled:
            self.get_logger().info('PACT iteration cancelled; the saved state is the last '
                                   'completed iteration')
            return
        except Exception as error:  # keep serving the last good model
            self.get_logger().error(f'PACT iteration failed: {error}')
            return
        self.drained_ns = max(self.drained_ns, drained_ns)
        self._save_intake_mark()  # after the aligner saved its state
        parent, self.version = self.version, self._version_name()
        try:
            self._publish_model(self.version, parent, record)
            self._publish_status(record)
        except Exception as error:  # e.g. the context was shut down meanwhile
            self.get_logger().error(f'could not publish {self.version!r}: {error}')

    def stop_training(self, timeout_s: float = 60.0) -> None:
        """Cancel a running iteration and wait for the worker thread (see the module doc)."""
        if self.aligner is not None:
            self.aligner.cancel.set()
        if self.worker is not None:
            self.worker.join(timeout_s)

    def _version_name(self) -> str:
        return f'{self.base_version}-pact{self.aligner.iteration}'

    def _publish_model(self, version: str, parent: str, record: IterationRecord = None):
        metrics = {} if record is None else {
            'violation_rate': record.violation_rate,
            'mean_cost': record.mean_cost, 'kl_proxy': record.kl_proxy}
        archive = checkpoint_bytes(self.aligner.student, {'version': version,
                                                          'parent_version': parent})
        sha256 = self.store.add(version, archive)
        uri = f'service://{self.get_fully_qualified_name()}/get_model_chunk'
        if self.params.model_dir:
            path = Path(self.params.model_dir).resolve() / f'{version}.pact'
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(archive, path)  # never a truncated archive, even on kill -9
            uri = path.as_uri()
        message = ModelAnnouncement(version=version, parent_version=parent,
                                    architecture_id=self.aligner.student.config.architecture_id,
                                    size_bytes=len(archive), sha256=sha256, uri=uri,
                                    curriculum_stage=self.aligner.curriculum.stage)
        message.header.stamp = self.get_clock().now().to_msg()
        message.metrics = [NamedValue(name=k, value=float(v)) for k, v in metrics.items()]
        self.announce_pub.publish(message)

    def _publish_status(self, record: IterationRecord):
        curriculum = self.aligner.curriculum
        margins = curriculum.margins()
        status = AlignmentStatus(
            phase=AlignmentStatus.PHASE_COLLECTING, iteration=record.iteration,
            model_version=self.version, stage=curriculum.stage,
            num_stages=curriculum.num_stages, constraint_names=list(margins),
            margins=[float(v) for v in margins.values()], kl_proxy=record.kl_proxy,
            kl_bound=record.kl_bound,
            violation_rate=record.violation_rate,
            target_violation_rate=curriculum.target_violation_rate,
            mean_cost=record.mean_cost, rolled_back=record.rolled_back,
            step_scale=record.step_scale, env_steps=record.env_steps,
            denoiser_calls=record.denoiser_calls, wall_time=record.wall_time)
        status.header.stamp = self.get_clock().now().to_msg()
        self.status_pub.publish(status)

    def _on_get_chunk(self, request, response):
        reply = self.store.read_chunk(request.version, request.offset, request.length)
        response.data = reply.data
        response.eof = reply.eof
        response.total_size = reply.total_size
        response.error = reply.error
        return response

    def close(self):
        """Finish the MCAP file."""
        with self.lock:
            self.log.close()


def main(args=None):
    """Run the trainer node until interrupted."""
    rclpy.init(args=args)
    exit_with_parent()
    node = TrainerNode()
    try:
        spin_until_shutdown(lambda: rclpy.spin(node))
    finally:
        node.stop_training()
        node.close()
        node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()


if __name__ == '__main__':
    main()
