# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
What the RViz markers show, as plain data (the node turns ``MarkerSpec`` into messages).

One namespace per constraint family (``clearance``, ``self_collision``, ``joint_position``,
``workspace``, ``grasp_approach``) plus ``labels`` for text on active violations. Ids are
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

RED = (1.0, 0.0, 0.0, 1.0)
MAGENTA = (1.0, 0.0, 1.0, 1.0)
MAX_PAIRS_SHOWN = 12


@dataclass
class MarkerSpec:
    """One marker: ``kind`` is 'line' (points pairs), 'sphere', 'cube' or 'text'."""

    namespace: str
    marker_id: int
    kind: str
    colour: Tuple[float, float, float, float]
    points: List[np.ndarray] = field(default_factory=list)
    position: Optional[np.ndarray] = None
    scale: Tuple[float, float, float] = (0.005, 0.005, 0.005)
    text: str = ''


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
