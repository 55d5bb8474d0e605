# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Parameters of the trainer node and of ``pact_align``: one schema each, one default per parameter.

The algorithm's knobs (learning rate, KL bound, epochs, batch size, guided timestep share,
Jacobian, correction cap, teacher) take their defaults from ``PactConfig``
(``core.alignment_loop``), the single source; both the node and the CLI share them through
``DistillationParameters``. The guidance preset of
the node and the CLI is ``reference_w0.03`` (the public reference's middle setting);
``PactConfig``'s own library default is ``guidance.DEFAULT_PRESET``. The node's parameter file
(``config/trainer/trainer_node.yaml``) and the README tables are rendered from these schemas
(``scripts/render_parameters.py``).
"""

import dataclasses
from dataclasses import dataclass
from typing import Optional

from pact_parameters.core.schema import default_of, parameter, ParameterFile, Parameters
from pact_trainer.core.alignment_loop import OBJECTIVES, PactConfig
from pact_trainer.core.distillation import PRECISIONS, TEACHER_MODES, TeacherUpdate
from pact_trainer.core.guidance import (GuidanceSchedule, JACOBIANS, preset, PRESETS,
                                        REFERENCE_W0_03, resolve_jacobian)
from pact_trainer.core.rollout_intake import DEFAULT_MAX_NORMALIZED
from pact_world.core.robot_assets import PANDA_SRDF, PANDA_URDF
from pact_world.core.scene import DEFAULT_MAX_OBSTACLES


def _pact(name: str):
    """Return ``PactConfig``'s default of ``name`` (the one place the value is written)."""
    return default_of(PactConfig, name)


@dataclass(frozen=True)
class DistillationParameters(Parameters):
    """What the trainer node and ``pact_align`` both set: distillation and guidance."""

    learning_rate: float = parameter(_pact('learning_rate'), 'distillation learning rate (Adam)',
                                     low=0.0, low_open=True)
    kl_bound: float = parameter(_pact('kl_bound'), 'trust-region bound on the KL proxy '
                                'student vs. accepted policy, per iteration (dimensionless)',
                                low=0.0, low_open=True)
    steps_per_epoch: int = parameter(_pact('steps_per_epoch'),
                                     'distillation steps per inner epoch', low=1)
    max_inner_epochs: int = parameter(_pact('max_inner_epochs'),
                                      'inner epochs per iteration at most', low=1)
    batch_size: int = parameter(_pact('batch_size'), 'distillation minibatch size', low=1)
    guidance_preset: str = parameter(REFERENCE_W0_03, 'guidance schedule preset (see '
                                     'pact_trainer core/guidance.py)', choices=tuple(PRESETS))
    guided_timestep_share: float = parameter(
        _pact('guided_timestep_share'), 'share of each distillation batch drawn at the guided '
        'noise levels (0 = every level uniformly)', low=0.0, high=1.0)
    jacobian: str = parameter(_pact('jacobian'), "teacher Jacobian: 'auto' ('full' for presets "
                              "that guide noisy levels, e.g. tilt_exact; else 'stop_gradient'; "
                              "tilt_exact with 'stop_gradient' is refused)",
                              choices=('auto',) + JACOBIANS)
    max_correction_rms: float = parameter(
        _pact('max_correction_rms'), "cap on the RMS (over a chunk's entries, normalised "
        "action units) of the teacher's correction per sample; 0 = no cap. tilt_exact needs "
        'one for training: at its noisiest levels the correction reaches RMS 150', low=0.0)
    teacher: str = parameter(
        TeacherUpdate.mode, "which policy the safe teacher tilts: 'previous' (the last "
        "accepted iterate: the tilts compound over iterations) or 'frozen_base' (always the "
        'base: every iteration distils the same tilt of the base)', choices=TEACHER_MODES)
    device: str = parameter('auto', "torch device: 'auto' (CUDA when present), 'cpu', 'cuda' "
                            "or 'cuda:N'")

    def guidance_scale_override(self) -> Optional[float]:
        """Return the scale w replacing the preset's, or None (override in the schemas)."""
        return None

    def guidance(self) -> GuidanceSchedule:
        """Return the named preset, with its scale w replaced where the schema says so."""
        schedule = preset(self.guidance_preset)
        scale = self.guidance_scale_override()
        return schedule if scale is None else dataclasses.replace(schedule, scale=scale)

    def resolved_jacobian(self) -> str:
        """Return the Jacobian for the guidance (``resolve_jacobian``; refused pairs raise)."""
        return resolve_jacobian(self.guidance(), self.jacobian)

    def check(self) -> None:
        """Refuse a preset/Jacobian pair ``resolve_jacobian`` refuses (before loading anything)."""
        self.resolved_jacobian()

    def pact_config(self, **more) -> PactConfig:
        """Return the ``PactConfig`` of these values (``more``: its other fields)."""
        return PactConfig(learning_rate=self.learning_rate, kl_bound=self.kl_bound,
                          steps_per_epoch=self.steps_per_epoch,
                          max_inner_epochs=self.max_inner_epochs, batch_size=self.batch_size,
                          guided_timestep_share=self.guided_timestep_share,
                          guidance=self.guidance(), jacobian=self.resolved_jacobian(),
                          max_correction_rms=self.max_correction_rms,
                          teacher=TeacherUpdate(mode=self.teacher), **more)


@dataclass(frozen=True)
class TrainerNodeParameters(DistillationParameters):
    """Every parameter of ``trainer_node`` (see its module docstring)."""

    base_checkpoint: str = parameter('', 'pact_policy checkpoint archive (.pact) of the base '
                                     'policy; required')
    robot_namespaces: list[str] = parameter([''], 'namespaces of the robots/sims to learn from, '
                                            'e.g. [robot1, robot2]')
    policy_step_topic: str = parameter('policy_node/policy_step',
                                       'PolicyStep topic under each namespace')
    episode_event_topic: str = parameter('sim_node/episode_events',
                                         'EpisodeEvent topic under each namespace')
    announcement_topic: str = parameter('/model_announcement',
                                        'latched ModelAnnouncement output')
    log_dir: str = parameter('pact_logs', 'folder of the MCAP rollout logs')
    state_dir: str = parameter('pact_trainer_state', 'checkpoint/resume folder of the trainer')
    model_dir: str = parameter('', 'also write archives here and announce file:// URIs '
                               "('' = off)")
    steps_per_update: int = parameter(_pact('chunks_per_iteration'), 'new valid PolicySteps '
                                      '(chunks) that trigger one PACT iteration', low=1)
    guidance_scale: float = parameter(-1.0, "replace the preset's scale w (>= 0); < 0 = the "
                                      "preset's own")
    robot_description_topic: str = parameter('/robot_description',
                                             'latched URDF (std_msgs/String)')
    robot_description_semantic: str = parameter('', "SRDF XML, or its path/URI ('' = the Panda "
                                                'SRDF of example-robot-data)')
    scene_topic: str = parameter('/scene', 'latched pact_msgs/Scene (relative: under each '
                                 'namespace)')
    constraints_file: str = parameter('', "constraint YAML ('' = pact_constraints "
                                      'config/constraints/default.yaml)')
    torch_threads: int = parameter(0, 'intra-op CPU threads for torch (0 = torch default)',
                                   low=0)
    mesh_dirs: list[str] = parameter([''], 'folders a scene message may name mesh files in '
                                     "(besides package:// URIs); [''] = none")
    max_obstacles: int = parameter(DEFAULT_MAX_OBSTACLES, 'most obstacles + objects accepted in '
                                   'one scene message', low=0)
    max_normalized: float = parameter(DEFAULT_MAX_NORMALIZED, 'steps with values beyond this '
                                      'many normalizer ranges from the centre are refused',
                                      low=0.0, low_open=True)

    def guidance_scale_override(self) -> Optional[float]:
        """Return ``guidance_scale`` when >= 0, else None (the preset's own w)."""
        return self.guidance_scale if self.guidance_scale >= 0.0 else None


@dataclass(frozen=True)
class AlignParameters(DistillationParameters):
    """The options of ``pact_align`` with a default (both modes): ``--<name-with-dashes>``."""

    iterations: int = parameter(_pact('iterations'), 'PACT iterations in all (a rerun resumes '
                                'and continues up to this count)', low=0)
    chunks_per_iteration: int = parameter(_pact('chunks_per_iteration'),
                                          'on-policy chunks collected per iteration', low=1)
    method: str = parameter(_pact('objective'), "distillation objective: 'pact' or the "
                            "reward-weighted-regression baseline 'rwr'", choices=OBJECTIVES)
    guidance_scale: Optional[float] = parameter(
        None, "replace the preset's guidance scale w (0 = no guidance: the student distils "
        'itself and must not change)', low=0.0, metavar='W')
    absorb_target: float = parameter(_pact('absorb_target'), 'stop an iteration once the '
                                     "student has learnt this share of the teacher's "
                                     'correction on the fresh rollouts (1 = never early)',
                                     low=0.0, high=1.0, low_open=True)
    urdf: str = parameter(PANDA_URDF, 'robot URDF (URI or path)')
    srdf: str = parameter(PANDA_SRDF, 'robot SRDF (URI or path)')
    constraints: str = parameter('', "constraint YAML ('' = pact_constraints "
                                 'config/constraints/default.yaml)')
    precision: str = parameter(_pact('precision'), 'distillation networks in fp32 or under '
                               'bf16 autocast (the constraint costs and the teacher correction '
                               'stay fp32)', choices=PRECISIONS)
    seed: int = parameter(_pact('seed'), 'seed of the rollouts and of the sampling noise')

    def guidance_scale_override(self) -> Optional[float]:
        """Return ``guidance_scale`` (None: the preset's own w)."""
        return self.guidance_scale

    def align_config(self) -> PactConfig:
        """Return the ``PactConfig`` of a ``pact_align`` run with these options."""
        return self.pact_config(iterations=self.iterations,
                                chunks_per_iteration=self.chunks_per_iteration,
                                absorb_target=self.absorb_target, objective=self.method,
                                seed=self.seed, precision=self.precision)


@dataclass(frozen=True)
class AlignSimParameters(AlignParameters):
    """``pact_align sim``: on-policy rollouts in pact_sim's vectorised env."""

    task: str = parameter('reach', 'bundled task (reach, pick, carry) or a task YAML path')
    num_envs: int = parameter(8, 'worlds simulated side by side', low=1)


@dataclass(frozen=True)
class AlignMcapParameters(AlignParameters):
    """``pact_align mcap``: the logged observations of MCAP files, re-queried."""

    scene: str = parameter('', "scene YAML of every logged step ('' = no obstacles)")


PARAMETER_FILE = ParameterFile(
    node='trainer_node', schema=TrainerNodeParameters, path='config/trainer/trainer_node.yaml',
    header="""Parameters of pact_trainer's trainer_node (pact_trainer/trainer_node.py).
    base_checkpoint is required. Topics: relative names are resolved under each namespace of
    robot_namespaces.""")
