# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
PACT trainer node: rollout intake from any number of robots, MCAP logging, weight publication.

Subscribes (per namespace ns in ``robot_namespaces``; '' = root):
  /ns/<policy_step_topic>    pact_msgs/PolicyStep   (reliable, depth 100)
  /ns/<episode_event_topic>  pact_msgs/EpisodeEvent (reliable, depth 100)
Publishes:
  <announcement_topic>       pact_msgs/ModelAnnouncement (latched: reliable + transient_local)
  ~/alignment_status         pact_msgs/AlignmentStatus, once per iteration (reliable)
Serves:
  ~/get_model_chunk          pact_msgs/GetModelChunk (≤ 4 MiB per chunk)

Every received message goes to an MCAP file in ``log_dir``. When ``steps_per_update`` new valid
steps have arrived, one PACT iteration (core.alignment_loop) runs on a worker thread on CUDA
when present; the new weights are packed as a pact_policy checkpoint, stored, and announced
with a ``service://`` URI (and written to ``model_dir`` when set). The node never reads task
success or reward (PolicyStep/EpisodeEvent carry none).
"""

import threading

from pact_msgs.msg import AlignmentStatus, EpisodeEvent, ModelAnnouncement, NamedValue
from pact_msgs.msg import PolicyStep
from pact_msgs.srv import GetModelChunk
from pact_policy.core.checkpoint import checkpoint_bytes, load_checkpoint
from pact_trainer.core.alignment_loop import PactAligner, PactConfig
from pact_trainer.core.chunk_costs import joint_position_cost, joint_velocity_cost
from pact_trainer.core.costs import CostSet
from pact_trainer.core.guidance import preset
from pact_trainer.core.model_store import ModelStore
from pact_trainer.core.rollout_intake import RolloutIntake, StepRecord
from pact_trainer.mcap_log import McapLog
from rcl_interfaces.msg import ParameterDescriptor
import rclpy
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rclpy.serialization import serialize_message
import torch

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
INTAKE = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
PARAMETERS = {
    'base_checkpoint': ('', 'pact_policy checkpoint archive (.pact) of the base policy'),
    'robot_namespaces': ([''], 'namespaces of the robots/sims to learn from'),
    'policy_step_topic': ('policy_node/policy_step', 'PolicyStep topic under each namespace'),
    'episode_event_topic': ('sim_node/episode_events', 'EpisodeEvent topic under each ns'),
    'announcement_topic': ('/model_announcement', 'latched ModelAnnouncement output'),
    'log_dir': ('pact_logs', 'folder of the MCAP rollout logs'),
    'state_dir': ('pact_trainer_state', 'checkpoint/resume folder of the trainer'),
    'model_dir': ('', 'also write archives here and announce file:// URIs ("" = off)'),
    'steps_per_update': (256, 'new valid PolicySteps that trigger one PACT iteration'),
    'learning_rate': (1e-4, 'distillation learning rate'),
    'kl_bound': (0.05, 'trust-region bound on the KL proxy (dimensionless)'),
    'steps_per_epoch': (50, 'distillation steps per inner epoch'),
    'max_inner_epochs': (4, 'inner epochs per iteration at most'),
    'batch_size': (128, 'distillation minibatch size'),
    'guidance_preset': ('reference_w0.03', 'guidance schedule preset (see core.guidance)'),
    'joint_lower': ([0.0], 'per-action lower limits (rad/m); [0.0] = demonstrated range'),
    'joint_upper': ([0.0], 'per-action upper limits (rad/m); [0.0] = demonstrated range'),
    'max_velocity': ([0.0], 'per-action velocity limits (rad/s); [0.0] = no velocity term'),
    'device': ('auto', '"auto" (CUDA when present), "cpu" or "cuda"'),
}


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
        for name, (default, description) in PARAMETERS.items():
            self.declare_parameter(name, default, ParameterDescriptor(description=description))
        self.p = {name: self.get_parameter(name).value for name in PARAMETERS}
        if not self.p['base_checkpoint']:
            raise ValueError('parameter base_checkpoint is required (a pact_policy archive)')
        device = self.p['device'] if self.p['device'] != 'auto' else (
            'cuda' if torch.cuda.is_available() else 'cpu')
        loaded = load_checkpoint(self.p['base_checkpoint'])
        policy = loaded.policy.float()
        for parameter in policy.parameters():
            parameter.requires_grad_(True)
        config = policy.config
        self.intake = RolloutIntake(config.observation_names, config.action_names,
                                    config.horizon, config.n_action_steps,
                                    config.condition_dim, config.action_dim)
        self.source = QueuedRollouts()
        self.aligner = PactAligner(
            policy, self._costs(policy), self.source,
            PactConfig(learning_rate=self.p['learning_rate'], kl_bound=self.p['kl_bound'],
                       steps_per_epoch=self.p['steps_per_epoch'],
                       max_inner_epochs=self.p['max_inner_epochs'],
                       batch_size=self.p['batch_size'],
                       guidance=preset(self.p['guidance_preset']), iterations=1 << 30),
            state_dir=self.p['state_dir'], device=device)
        resumed = self.aligner.try_resume()
        self.base_version = loaded.version or 'base'
        self.version = self._version_name() if resumed else self.base_version
        self.store = ModelStore()
        self.log = McapLog(f"{self.p['log_dir']}/rollouts_{self.get_clock().now().nanoseconds}"
                           '.mcap')
        self.lock = threading.Lock()
        self.worker = None
        self.announce_pub = self.create_publisher(ModelAnnouncement,
                                                  self.p['announcement_topic'], LATCHED)
        self.status_pub = self.create_publisher(AlignmentStatus, '~/alignment_status', INTAKE)
        self.create_service(GetModelChunk, '~/get_model_chunk', self._on_get_chunk)
        for namespace in self.p['robot_namespaces']:
            self._subscribe(namespace)
        self._publish_model(self.version, '')
        self.create_timer(0.2, self._maybe_update)
        self.get_logger().info(f'trainer ready on {device}; model {self.version!r}'
                               f'{" (resumed)" if resumed else ""}')

    # --- intake -----------------------------------------------------------------------------

    def _subscribe(self, namespace: str):
        prefix = '/' + namespace.strip('/') if namespace.strip('/') else ''
        step_topic = f"{prefix}/{self.p['policy_step_topic'].strip('/')}"
        event_topic = f"{prefix}/{self.p['episode_event_topic'].strip('/')}"
        robot = namespace.strip('/') or 'root'
        self.create_subscription(PolicyStep, step_topic,
                                 lambda m, t=step_topic: self._on_step(m, t, robot), INTAKE)
        self.create_subscription(EpisodeEvent, event_topic,
                                 lambda m, t=event_topic: self._log(m, t, 'EpisodeEvent'),
                                 INTAKE)

    def _log(self, message, topic: str, type_name: str):
        with self.lock:
            self.log.write(topic, f'pact_msgs/msg/{type_name}', serialize_message(message))

    def _on_step(self, message: PolicyStep, topic: str, robot: str):
        self._log(message, topic, 'PolicyStep')
        record = StepRecord(robot, message.episode_id, message.model_version,
                            list(message.observation_names), list(message.observation),
                            list(message.action_names), message.action_horizon,
                            message.action_dim, list(message.action_chunk))
        with self.lock:
            reason = self.intake.add(record)
        if reason:
            self.get_logger().warn(f'rejected PolicyStep from {robot}: {reason}',
                                   throttle_duration_sec=5.0)

    # --- updates ----------------------------------------------------------------------------

    def _maybe_update(self):
        if self.worker is not None and self.worker.is_alive():
            return
        with self.lock:
            if len(self.intake) < self.p['steps_per_update']:
                return
            self.source.pending = self.intake.drain()
        self.worker = threading.Thread(target=self._update, daemon=True)
        self.worker.start()

    def _update(self):
        try:
            record = self.aligner.step()
        except Exception as error:  # keep serving the last good model
            self.get_logger().error(f'PACT iteration failed: {error}')
            return
        parent, self.version = self.version, self._version_name()
        self._publish_model(self.version, parent, record)
        self._publish_status(record)

    def _version_name(self) -> str:
        return f'{self.base_version}-pact{self.aligner.iteration}'

    def _publish_model(self, version: str, parent: str, record: dict = None):
        metrics = {} if record is None else {
            'violation_rate': record['candidate']['violation_rate'],
            'mean_cost': record['candidate']['mean_cost'], 'kl_proxy': record['kl_proxy']}
        archive = checkpoint_bytes(self.aligner.student, {'version': version,
                                                          'parent_version': parent})
        sha256 = self.store.add(version, archive)
        uri = f'service://{self.get_fully_qualified_name()}/get_model_chunk'
        if self.p['model_dir']:
            from pathlib import Path
            path = Path(self.p['model_dir']).resolve() / f'{version}.pact'
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive)
            uri = path.as_uri()
        message = ModelAnnouncement(version=version, parent_version=parent,
                                    architecture_id=self.aligner.student.config.architecture_id,
                                    size_bytes=len(archive), sha256=sha256, uri=uri,
                                    curriculum_stage=self.aligner.curriculum.stage)
        message.header.stamp = self.get_clock().now().to_msg()
        message.metrics = [NamedValue(name=k, value=float(v)) for k, v in metrics.items()]
        self.announce_pub.publish(message)

    def _publish_status(self, record: dict):
        curriculum = self.aligner.curriculum
        margins = curriculum.margins()
        status = AlignmentStatus(
            phase=AlignmentStatus.PHASE_COLLECTING, iteration=record['iteration'],
            model_version=self.version, stage=curriculum.stage,
            num_stages=curriculum.num_stages, constraint_names=list(margins),
            margins=[float(v) for v in margins.values()], kl_proxy=record['kl_proxy'],
            kl_bound=record['kl_bound'],
            violation_rate=record['candidate']['violation_rate'],
            target_violation_rate=curriculum.target_violation_rate,
            mean_cost=record['candidate']['mean_cost'], rolled_back=record['rolled_back'],
            step_scale=record['step_scale'], env_steps=record['env_steps'],
            denoiser_calls=record['denoiser_calls'], wall_time=record['wall_time'])
        status.header.stamp = self.get_clock().now().to_msg()
        self.status_pub.publish(status)

    def _on_get_chunk(self, request, response):
        reply = self.store.read_chunk(request.version, request.offset, request.length)
        response.data = reply.data
        response.eof = reply.eof
        response.total_size = reply.total_size
        response.error = reply.error
        return response

    # --- costs ------------------------------------------------------------------------------

    def _costs(self, policy) -> CostSet:
        lower, upper = self.p['joint_lower'], self.p['joint_upper']
        dim = policy.config.action_dim
        if len(lower) != dim or len(upper) != dim:
            normalizer = policy.action_normalizer
            centre, half = torch.as_tensor(normalizer.offset), torch.as_tensor(normalizer.scale)
            spread = 1.0 if normalizer.mode == 'minmax' else 3.0
            lower, upper = (centre - spread * half).tolist(), (centre + spread * half).tolist()
            self.get_logger().warn('joint_lower/joint_upper not set for every action: using the '
                                   'demonstrated action range as limits')
        terms = [joint_position_cost(lower, upper)]
        if len(self.p['max_velocity']) == dim and min(self.p['max_velocity']) > 0:
            terms.append(joint_velocity_cost(self.p['max_velocity'], policy.config.action_dt))
        return CostSet(terms)

    def close(self):
        """Finish the MCAP file."""
        with self.lock:
            self.log.close()


def main(args=None):
    """Run the trainer node until interrupted."""
    rclpy.init(args=args)
    node = TrainerNode()
    try:
        rclpy.spin(node)
    except (KeyboardInterrupt, rclpy.executors.ExternalShutdownException):
        pass
    finally:
        node.close()
        node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()


if __name__ == '__main__':
    main()
