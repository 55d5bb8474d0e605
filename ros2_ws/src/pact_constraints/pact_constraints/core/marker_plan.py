# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
What the RViz markers show, as plain data (the node turns ``MarkerSpec`` into messages).

One namespace per constraint family (``clearance``, ``self_collision``, ``joint_position``,
``workspace``, ``grasp_approach``) plus ``labels`` for text on active violations, ``scene`` and
``scene_objects`` for the obstacles and tracked objects the constraints are measured against,
and ``status`` for one line of text with the overall status (OK / VIOLATED / UNKNOWN). Ids are
stable: derived from the robot body / obstacle / joint indices of the current model, so the
same pair keeps its id from cycle to cycle. Colours run green -> yellow -> red as the slack
falls from ``report_distance`` to the margin; a violated item is solid red (alpha 1), joint
limits are magenta. ``MarkerTracker`` returns the (namespace, id) pairs shown last time and
absent now, which the node deletes explicitly. Positions are in the scene frame (m).
"""

from dataclasses import dataclass, field
from typing import List, Optional, Set, Tuple

import numpy as np
from pact_constraints.core.constraints import ConstraintEvaluator, StateEvaluation
from pact_world.core.scene import Scene, Shape
from pact_world.core.spatial import Pose, quaternion_taking_z_to

RED = (1.0, 0.0, 0.0, 1.0)
MAGENTA = (1.0, 0.0, 1.0, 1.0)
GREEN = (0.1, 0.8, 0.1, 1.0)
GREY = (0.6, 0.6, 0.6, 1.0)
OBSTACLE_COLOUR = (0.55, 0.55, 0.6, 0.5)
OBJECT_COLOUR = (0.2, 0.4, 0.9, 0.8)
HALF_SPACE_EXTENT = 2.0  # m: a half-space is drawn as a thin slab this wide
HALF_SPACE_THICKNESS = 0.01  # m
STATUS_TEXT_POSITION = (0.0, 0.0, 1.2)  # m, above the robot's root
MAX_PAIRS_SHOWN = 12


@dataclass
class MarkerSpec:
    """
    One marker: ``kind`` is 'line' (point pairs), 'sphere', 'cube', 'cylinder', 'mesh' or 'text'.

    ``position`` and ``orientation_xyzw`` place the marker's centre (scene frame, m); ``scale``
    is the full size along its axes (m); ``mesh_uri`` names the mesh of a 'mesh' marker.
    """

    namespace: str
    marker_id: int
    kind: str
    colour: Tuple[float, float, float, float]
    points: List[np.ndarray] = field(default_factory=list)
    position: Optional[np.ndarray] = None
    scale: Tuple[float, float, float] = (0.005, 0.005, 0.005)
    text: str = ''
    orientation_xyzw: Tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)
    mesh_uri: str = ''


def slack_colour(slack: float, margin: float, far: float) -> Tuple[float, float, float, float]:
    """Return RGBA: green at ``far`` or beyond, yellow half-way, red at the margin and below."""
    if slack < margin:
        return RED
    span = max(far - margin, 1e-9)
    fraction = float(np.clip((slack - margin) / span, 0.0, 1.0))
    if fraction >= 0.5:
        return (2.0 * (1.0 - fraction), 1.0, 0.0, 0.6)
    return (1.0, 2.0 * fraction, 0.0, 0.8)


def plan_markers(evaluator: ConstraintEvaluator, evaluation: StateEvaluation) -> List[MarkerSpec]:
    """Return the markers of one evaluation (see module docstring)."""
    config = evaluator.config
    far = config.report_distance
    specs: List[MarkerSpec] = []
    scene_count = max(1, len(evaluator.query.scene_bodies))
    robot_count = max(1, len(evaluator.query.robot_bodies))
    families = (('clearance', evaluation.clearance_pairs, scene_count),
                ('self_collision', evaluation.self_pairs, robot_count))
    for label_base, (family, pairs, stride) in enumerate(families):
        if family not in evaluation.terms:
            continue
        margin = config.term(family).margin
        for pair in pairs[:MAX_PAIRS_SHOWN]:
            marker_id = pair.robot_body * stride + pair.other_body
            colour = slack_colour(pair.distance, margin, max(far, margin))
            specs.append(MarkerSpec(family, marker_id, 'line', colour,
                                    [pair.point_robot, pair.point_other],
                                    scale=(0.004, 0.0, 0.0)))
            if pair.distance < margin:
                specs.append(MarkerSpec(
                    'labels', label_base * 100000 + marker_id, 'text', RED,
                    position=0.5 * (pair.point_robot + pair.point_other), scale=(0, 0, 0.03),
                    text=f'{family}: {pair.robot_link} - {pair.other_name} '
                         f'{pair.distance:+.3f} m'))
    if 'joint_position' in evaluation.terms and evaluation.joint_slack is not None:
        specs += _joint_markers(evaluator, evaluation)
    if evaluation.tool_pose is not None:
        specs += _tool_markers(evaluator, evaluation)
    return specs


def _joint_markers(evaluator: ConstraintEvaluator, evaluation: StateEvaluation):
    robot = evaluator.robot
    margin = evaluator.config.term('joint_position').margin
    specs = []
    for index, name in enumerate(robot.joint_names):
        slack = evaluation.joint_slack[index]
        if not evaluator.limited_joints[index] or slack >= evaluator.joint_margins[index]:
            continue
        joint_id = robot.model.getJointId(name)
        position = np.array(robot.data.oMi[joint_id].translation)
        specs.append(MarkerSpec('joint_position', index, 'sphere', MAGENTA, position=position,
                                scale=(0.06, 0.06, 0.06)))
        specs.append(MarkerSpec('labels', 300000 + index, 'text', MAGENTA,
                                position=position + [0, 0, 0.06], scale=(0, 0, 0.03),
                                text=f'{name}: {slack:.3f} from limit (margin {margin:.3f})'))
    return specs


def _tool_markers(evaluator: ConstraintEvaluator, evaluation: StateEvaluation):
    specs = []
    tool = evaluation.tool_pose
    workspace = evaluator.config.workspace
    term = evaluation.terms.get('workspace')
    if term is not None and workspace.box_min is not None:
        low, high = np.array(workspace.box_min), np.array(workspace.box_max)
        colour = RED if term.violated else slack_colour(term.measured, term.margin,
                                                        evaluator.config.report_distance)
        specs.append(MarkerSpec('workspace', 0, 'cube', colour[:3] + (0.08,),
                                position=0.5 * (low + high), scale=tuple(high - low)))
        if term.violated:
            specs.append(MarkerSpec('labels', 400000, 'text', RED, position=tool[:3, 3],
                                    scale=(0, 0, 0.03),
                                    text=f'workspace: tool {term.measured:+.3f} m from edge'))
    term = evaluation.terms.get('grasp_approach')
    if term is not None and term.measured > 0:
        colour = RED if term.violated else slack_colour(-term.measured, -term.margin, 0.0)
        axis_end = tool[:3, 3] + 0.15 * tool[:3, 2]
        specs.append(MarkerSpec('grasp_approach', 0, 'line', colour, [tool[:3, 3], axis_end],
                                scale=(0.003, 0.0, 0.0)))
        if term.violated:
            specs.append(MarkerSpec('labels', 500000, 'text', RED, position=axis_end,
                                    scale=(0, 0, 0.03),
                                    text=f'grasp approach: {term.measured:.3f} m off axis'))
    return specs


def _shape_marker(namespace: str, marker_id: int, shape: Shape, pose: Pose,
                  colour) -> MarkerSpec:
    """Return the marker drawing ``shape`` at ``pose`` (capsules drawn as their cylinder hull)."""
    place = {'position': pose.position, 'orientation_xyzw': tuple(pose.quaternion_xyzw)}
    if shape.type == 'box':
        return MarkerSpec(namespace, marker_id, 'cube', colour, scale=tuple(shape.size), **place)
    if shape.type == 'sphere':
        return MarkerSpec(namespace, marker_id, 'sphere', colour,
                          scale=(2 * shape.radius,) * 3, **place)
    if shape.type in ('cylinder', 'capsule'):
        length = shape.length + (2 * shape.radius if shape.type == 'capsule' else 0.0)
        return MarkerSpec(namespace, marker_id, 'cylinder', colour,
                          scale=(2 * shape.radius, 2 * shape.radius, length), **place)
    if shape.type == 'half_space':
        normal = np.asarray(shape.normal, dtype=float)
        centre = normal * (shape.offset - 0.5 * HALF_SPACE_THICKNESS)
        return MarkerSpec(namespace, marker_id, 'cube', colour, position=centre,
                          orientation_xyzw=tuple(quaternion_taking_z_to(normal)),
                          scale=(HALF_SPACE_EXTENT, HALF_SPACE_EXTENT, HALF_SPACE_THICKNESS))
    return MarkerSpec(namespace, marker_id, 'mesh', colour, scale=tuple(shape.scale),
                      mesh_uri=shape.uri, **place)


def plan_scene_markers(scene: Scene) -> List[MarkerSpec]:
    """Return the obstacles (``scene``) and tracked objects (``scene_objects``), ids by index."""
    specs = [_shape_marker('scene', index, obstacle.shape, obstacle.pose, OBSTACLE_COLOUR)
             for index, obstacle in enumerate(scene.obstacles)]
    specs += [_shape_marker('scene_objects', index, tracked.shape, tracked.pose, OBJECT_COLOUR)
              for index, tracked in enumerate(scene.objects)]
    return specs


def plan_status_text(status_name: str, message: str = '',
                     violated: Tuple[Tuple[str, float], ...] = ()) -> MarkerSpec:
    """
    Return the one-line status text (namespace ``status``, id 0) above the robot's root.

    ``status_name`` is 'OK', 'VIOLATED' or 'UNKNOWN'; ``violated`` lists (constraint, value).
    """
    colour = {'OK': GREEN, 'VIOLATED': RED}.get(status_name, GREY)
    details = ', '.join(f'{name} {value:.3g}' for name, value in violated)
    text = status_name + (f': {details}' if details else '') + (f' ({message})' if message
                                                                else '')
    return MarkerSpec('status', 0, 'text', colour, position=np.array(STATUS_TEXT_POSITION),
                      scale=(0.0, 0.0, 0.05), text=text)


class MarkerTracker:
    """Remember which (namespace, id) were shown, to delete the ones that disappear."""

    def __init__(self):
        """Start with nothing shown."""
        self.shown: Set[Tuple[str, int]] = set()

    def update(self, specs: List[MarkerSpec]) -> List[Tuple[str, int]]:
        """Record ``specs`` as shown now; return the (namespace, id) pairs to delete."""
        current = {(spec.namespace, spec.marker_id) for spec in specs}
        stale = sorted(self.shown - current)
        self.shown = current
        return stale
