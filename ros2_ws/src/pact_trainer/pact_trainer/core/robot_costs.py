# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The robot's physical constraints as pact_trainer cost terms (pact_constraints' torch path).

``RobotCosts`` wraps one ``pact_constraints.core.torch_costs.TorchConstraintCosts`` (robot model
from URDF + SRDF, ``ConstraintConfig``, action joint names, row spacing ``dt`` in s, device) and
a TEMPLATE scene that fixes which obstacles exist (their names, types and order). It gives:

- ``cost_set()``: a ``CostSet`` with one ``CostTerm`` per active constraint (clearance,
  self_collision, joint_position, joint_velocity, workspace, grasp_approach), named as in
  pact_constraints, with the configured weights λ_k and margins d_k. The terms share this
  object as their ``group``, so the robot is evaluated once per call with every term's CURRENT
  margin: the curriculum sets margins on the terms (``CostSet.with_margins``) and they reach
  ``TorchConstraintCosts`` as per-call margin overrides. Values equal ``TorchConstraintCosts``'
  ``costs[name]`` and ``total`` exactly.
- chunks are scored on their executed path (``pact_constraints.core.executed_path``) when the
  configuration asks for it (``path_substeps`` > 1 or ``path_rows`` > 0), from the context's
  start (below) through the rows, as the constraint configuration of the node does;
- ``scene_context(scenes)``: per-sample context rows for a list of N scenes (each sample's own
  layout: randomised obstacle poses, current object poses), to store beside the observations
  in a ``RolloutBatch``. Every scene must list the template's obstacles in the same order.

Context keys read by the costs: ``pact_trainer.core.cost_context`` (the one place they are
spelt; its docstring gives shapes and units). Without ``PREVIOUS_COMMAND`` or ``JOINT_POSITION``
the ``<joint>.position`` entries of ``OBSERVATION`` are used when ``observation_names`` has them,
else the chunk's own first row (detached; the first row then contributes no velocity).
"""

from typing import Dict, Mapping, Optional, Sequence, Tuple

import numpy as np
from pact_constraints.core.config import (ConstraintConfig, default_config_path,
                                          load_constraint_config)
from pact_constraints.core.executed_path import ExecutedPathCosts
from pact_constraints.core.robot_model import load_robot_model, RobotModel
from pact_constraints.core.torch_costs import object_tensors, TorchConstraintCosts
from pact_constraints.core.torch_obstacles import ObstacleTensors
from pact_constraints.core.torch_payload import ObjectTensors
from pact_policy.core.naming import joint_position_names, logged_history_names
from pact_trainer.core import cost_context
from pact_trainer.core.costs import CostSet, CostTerm
from pact_world.core.robot_assets import PANDA_SRDF, PANDA_URDF
from pact_world.core.scene import Scene, SceneError
import torch


class RobotCosts:
    """Robot constraint costs of unnormalised chunks (see the module docstring)."""

    def __init__(self, robot: RobotModel, scene: Scene, config: ConstraintConfig,
                 action_joints: Sequence[str], dt: float, device='cpu',
                 dtype=torch.float32, observation_names: Optional[Sequence[str]] = None,
                 package_dirs=None):
        """Build the torch costs for ``robot`` among the template ``scene``'s obstacles."""
        self.robot, self.template, self.config = robot, scene, config
        self.action_joints = list(action_joints)
        self.package_dirs = package_dirs
        # Training needs costs and gradients only: pairs provably beyond the clearance margin
        # are not solved exactly (identical costs and gradients, 1.3-4.5x faster on the sim
        # tasks; see TorchConstraintCosts).
        self.costs = TorchConstraintCosts(robot, scene, config, self.action_joints, dt,
                                          device, dtype, package_dirs=package_dirs,
                                          exact_far_clearance=False)
        self.path_costs = None
        if config.path_substeps > 1 or config.path_rows > 0:
            self.path_costs = ExecutedPathCosts(self.costs, config.path_substeps,
                                                config.path_rows or None)
        self.obstacle_names = list(self.costs.obstacles.names)
        self.obstacle_shapes = _shapes(self.costs.obstacles)
        keypoint = config.grasp_approach.keypoint
        self.keypoint_objects = [item.name for item in scene.objects
                                 if keypoint in item.keypoints]
        self.observation_names = list(observation_names or [])
        self.position_columns = _position_columns(self.observation_names, self.action_joints)
        self._column_index = {}

    @property
    def names(self) -> list:
        """Return the active constraints (the cost term names) in canonical order."""
        return list(self.config.active)

    def cost_set(self) -> CostSet:
        """Return one ``CostTerm`` per active constraint, evaluated together (this group)."""
        return CostSet([CostTerm(name, self._term_function(name),
                                 weight=self.config.term(name).weight,
                                 margin=self.config.term(name).margin, group=self)
                        for name in self.names])

    def _term_function(self, name: str):
        def robot_term(chunk, context, margin):
            return self.evaluate(chunk, context, {name: margin})[name]
        robot_term.__name__ = name
        return robot_term

    # --- evaluation -----------------------------------------------------------------------

    def evaluate(self, chunk: torch.Tensor, context: Mapping[str, torch.Tensor],
                 margins: Optional[Mapping[str, float]] = None) -> Dict[str, torch.Tensor]:
        """Return {name: c_k (B,)} of unnormalised chunks (B, H, D) at ``margins``."""
        return {name: value.to(chunk.dtype) for name, value in
                self.chunk_costs(chunk, context, margins).costs.items()}

    def chunk_costs(self, chunk: torch.Tensor, context: Mapping[str, torch.Tensor],
                    margins: Optional[Mapping[str, float]] = None):
        """Return pact_constraints' ``ChunkCosts`` (costs, total, min_clearance) of ``chunk``."""
        keypoints = context.get(cost_context.KEYPOINTS)
        mask = context.get(cost_context.KEYPOINT_MASK)
        score = self.costs if self.path_costs is None else self.path_costs
        return score(chunk, self._start(chunk, context), keypoints, mask,
                     margins=margins, obstacles=self._obstacles(context),
                     objects=self._held_candidates(context))

    def _start(self, chunk, context) -> torch.Tensor:
        if cost_context.PREVIOUS_COMMAND in context:
            return context[cost_context.PREVIOUS_COMMAND]
        if cost_context.JOINT_POSITION in context:
            return context[cost_context.JOINT_POSITION]
        if self.position_columns is not None and cost_context.OBSERVATION in context:
            observation = context[cost_context.OBSERVATION]
            if observation.device not in self._column_index:   # one copy per device
                self._column_index[observation.device] = torch.as_tensor(
                    self.position_columns, device=observation.device)
            return observation[:, self._column_index[observation.device]]
        return chunk[:, 0].detach()

    def _held_candidates(self, context) -> Optional[ObjectTensors]:
        """Return the context's tracked objects that may be held, or None (the template's)."""
        if cost_context.held_candidate_key('position') not in context:
            return None
        return ObjectTensors(*(context[cost_context.held_candidate_key(name)]
                               for name in cost_context.HELD_CANDIDATE_FIELDS),
                             context[cost_context.KEYPOINTS], context[cost_context.KEYPOINT_MASK])

    def _obstacles(self, context) -> Optional[ObstacleTensors]:
        keys = [key for key in context if cost_context.is_obstacle_key(key)]
        if not keys:
            return None
        tensors = {}
        for key in keys:
            kind, name = cost_context.parse_obstacle_key(key)
            tensors.setdefault(kind, {})[name] = context[key].to(self.costs.device,
                                                                 self.costs.dtype)
        return ObstacleTensors(self.obstacle_names, tensors)

    # --- per-sample context ---------------------------------------------------------------

    def scene_context(self, scenes: Sequence[Scene]) -> Dict[str, torch.Tensor]:
        """Return context rows (N, ...) on CPU for N scenes (obstacles, keypoints)."""
        scenes = list(scenes)
        obstacles = ObstacleTensors.from_scenes(
            scenes, self.config.include_objects_in_clearance, self.package_dirs,
            device='cpu', dtype=torch.float32)
        if obstacles.names != self.obstacle_names or _shapes(obstacles) != self.obstacle_shapes:
            raise SceneError(f'scene obstacles {obstacles.names} do not match the template '
                             f'scene the robot costs were built for ({self.obstacle_names})')
        context = {cost_context.obstacle_key(kind, name): value
                   for kind, fields in obstacles.tensors.items()
                   for name, value in fields.items()}
        if self.keypoint_objects:
            held = object_tensors(scenes, self.config.grasp_approach.keypoint,
                                  names=self.keypoint_objects)
            context[cost_context.KEYPOINTS] = held.keypoint
            context[cost_context.KEYPOINT_MASK] = held.mask
            context.update({cost_context.held_candidate_key(name): getattr(held, name)
                            for name in cost_context.HELD_CANDIDATE_FIELDS})
        return context

    def scene_context_by_key(self, keys: Sequence, scenes: Mapping
                             ) -> Tuple[Dict[str, torch.Tensor], np.ndarray]:
        """
        Return (context rows (N, ...), valid (N,) bool) for samples identified by scene keys.

        ``scenes`` maps a key (e.g. (robot, scene version)) to its ``Scene``; a sample whose key
        is missing, or whose scene does not match the template, is invalid (its rows are the
        template's, so the batch stays rectangular).
        """
        unique = list(dict.fromkeys(keys))
        rows, fallback = {}, self.scene_context([self.template])
        for key in unique:
            try:
                rows[key] = self.scene_context([scenes[key]])
            except (KeyError, SceneError):
                rows[key] = None
        valid = np.array([rows[key] is not None for key in keys], dtype=bool)
        context = {name: torch.cat([(rows[key] or fallback)[name] for key in keys])
                   for name in fallback}
        return context, valid


def robot_costs_for_policy(policy, template: Scene, urdf: str = PANDA_URDF,
                           srdf: str = PANDA_SRDF, constraints: str = '', device='cpu',
                           action_names: Sequence[str] = ()) -> RobotCosts:
    """
    Return the robot costs for ``policy``'s action joints (by name) and row spacing ``dt``.

    ``template``: the scene that fixes which obstacles exist; ``constraints``: a constraint
    YAML ('' = the package default); ``action_names``: used when the policy names no actions.
    """
    config = load_constraint_config(constraints or default_config_path())
    joints = list(policy.config.action_names or action_names)
    if not joints:
        raise ValueError('the policy has no action_names: the robot costs map actions to URDF '
                         'joints by name')
    robot = load_robot_model(urdf, srdf, capsules_per_link=config.capsules_per_link)
    return RobotCosts(robot, template, config, joints, policy.config.action_dt, device,
                      observation_names=logged_history_names(policy.config))


def _shapes(obstacles: ObstacleTensors) -> dict:
    return {kind: {name: tuple(value.shape[1:]) for name, value in fields.items()}
            for kind, fields in obstacles.tensors.items()}


def _position_columns(observation_names: Sequence[str], joints: Sequence[str]):
    index = {name: column for column, name in enumerate(observation_names)}
    wanted = joint_position_names(joints)
    if not all(name in index for name in wanted):
        return None
    return [index[name] for name in wanted]
