# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The observation and action naming rule: the one place that builds and parses entry names.

Every observation (and action) vector entry has a name; producers (pact_sim's tasks) and
consumers (the policy's ObservationBuilder, the trainer's robot costs, logged PolicySteps) agree
on it through this module only. Grammar (world frame, SI units)::

    name        := base [ '@-' lag ]              lag >= 1: the entry ``lag`` steps back
    base        := joint '.' joint_field         <joint>.position (rad or m), <joint>.velocity
                 | subject '.' vector '.' axis   <frame or entry>.position.x, <entry>.z_axis.y
                 | subject '.orientation.' q     <entry>.orientation.w (unit quaternion)
    joint_field := 'position' | 'velocity'
    vector      := 'position' | 'z_axis'
    axis        := 'x' | 'y' | 'z'
    q           := 'x' | 'y' | 'z' | 'w'

``tool`` (``TOOL``) as a subject is the configured tool frame (e.g. ``panda_hand_tcp``). Subjects
and joints are non-empty and contain neither ``.`` nor ``@``. A flattened history of
``n_obs_steps`` frames lists the oldest frame first; its newest frame has no suffix.
Action entries are the commanded joint positions, named like observations: ``<joint>.position``.
"""

from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

POSITION = 'position'
VELOCITY = 'velocity'
Z_AXIS = 'z_axis'
ORIENTATION = 'orientation'
TOOL = 'tool'
SEPARATOR = '.'
HISTORY_SEPARATOR = '@-'
AXES = ('x', 'y', 'z')
QUATERNION_AXES = ('x', 'y', 'z', 'w')
JOINT_FIELDS = (POSITION, VELOCITY)
VECTOR_FIELDS = (POSITION, Z_AXIS)


class ObservationNameError(ValueError):
    """A name does not follow the grammar of this module; the message names it."""


@dataclass(frozen=True)
class ParsedName:
    """
    One parsed base name.

    ``kind`` is ``'joint'`` (``field`` is position/velocity, ``component`` None), ``'position'``,
    ``'z_axis'`` or ``'orientation'`` (``component`` is the index of the axis: x=0, y=1, z=2,
    w=3).
    """

    kind: str
    subject: str
    field: str
    component: Optional[int] = None


def _check_subject(subject: str, what: str) -> str:
    if not isinstance(subject, str) or not subject or SEPARATOR in subject or '@' in subject:
        raise ObservationNameError(f'{what} {subject!r} must be a non-empty string without '
                                   f"'{SEPARATOR}' or '@'")
    return subject


def joint_position_name(joint: str) -> str:
    """Return ``<joint>.position`` (observation and action entry of a joint's position)."""
    return f'{_check_subject(joint, "joint")}{SEPARATOR}{POSITION}'


def joint_velocity_name(joint: str) -> str:
    """Return ``<joint>.velocity``."""
    return f'{_check_subject(joint, "joint")}{SEPARATOR}{VELOCITY}'


def joint_position_names(joints: Iterable[str]) -> List[str]:
    """Return ``<joint>.position`` for every joint, in order."""
    return [joint_position_name(joint) for joint in joints]


def action_names(joints: Iterable[str]) -> List[str]:
    """Return the action entry names: the commanded position of every joint, in order."""
    return joint_position_names(joints)


def position_names(subject: str) -> List[str]:
    """Return ``<subject>.position.{x,y,z}`` (a frame or scene entry position, m)."""
    _check_subject(subject, 'subject')
    return [f'{subject}{SEPARATOR}{POSITION}{SEPARATOR}{axis}' for axis in AXES]


def tool_position_names() -> List[str]:
    """Return ``tool.position.{x,y,z}`` (the tool frame's world position, m)."""
    return position_names(TOOL)


def z_axis_names(subject: str) -> List[str]:
    """Return ``<subject>.z_axis.{x,y,z}`` (third rotation column of a scene entry)."""
    _check_subject(subject, 'subject')
    return [f'{subject}{SEPARATOR}{Z_AXIS}{SEPARATOR}{axis}' for axis in AXES]


def parse_name(name: str) -> ParsedName:
    """Parse one base name (no history suffix); raise ObservationNameError when malformed."""
    parts = name.split(SEPARATOR) if isinstance(name, str) else []
    if parts and all(parts) and not any('@' in part for part in parts):
        if len(parts) == 2 and parts[1] in JOINT_FIELDS:
            return ParsedName('joint', parts[0], parts[1])
        if len(parts) == 3 and parts[1] in VECTOR_FIELDS and parts[2] in AXES:
            return ParsedName(parts[1], parts[0], parts[1], AXES.index(parts[2]))
        if len(parts) == 3 and parts[1] == ORIENTATION and parts[2] in QUATERNION_AXES:
            return ParsedName(ORIENTATION, parts[0], ORIENTATION, QUATERNION_AXES.index(parts[2]))
    raise ObservationNameError(f'observation name {name!r} is not understood (expected '
                               '<joint>.position, <frame>.position.x, <object>.z_axis.x, '
                               '<object>.orientation.w, ...)')


def history_name(name: str, lag: int) -> str:
    """Return ``name`` for ``lag`` 0 and ``name@-lag`` for older steps (``lag`` >= 1)."""
    if not isinstance(lag, int) or lag < 0:
        raise ObservationNameError(f'history lag {lag!r} must be an integer >= 0')
    if not isinstance(name, str) or not name or '@' in name:
        raise ObservationNameError(f'history base name {name!r} must be non-empty without @')
    return name if lag == 0 else f'{name}{HISTORY_SEPARATOR}{lag}'


def parse_history_name(name: str) -> Tuple[str, int]:
    """Split ``name@-k`` into (name, k); an unsuffixed name has lag 0."""
    if not isinstance(name, str) or not name:
        raise ObservationNameError(f'history name {name!r} must be a non-empty string')
    base, separator, lag = name.partition(HISTORY_SEPARATOR)
    if not separator:
        if '@' in name:
            raise ObservationNameError(f'history name {name!r}: expected <name>@-<k>')
        return name, 0
    if not base or '@' in base or not lag.isdigit() or not lag.isascii() or int(lag) < 1 \
            or lag != str(int(lag)):
        raise ObservationNameError(f'history name {name!r}: expected <name>@-<k> with k >= 1')
    return base, int(lag)


def history_names(names: Sequence[str], n_obs_steps: int, obs_dim: int) -> List[str]:
    """
    Return one name per entry of a flattened history (oldest frame first).

    Unnamed observations (empty ``names``) are called ``obs<i>``.
    """
    names = list(names) or [f'obs{i}' for i in range(obs_dim)]
    result = []
    for lag in range(n_obs_steps - 1, -1, -1):
        result += [history_name(name, lag) for name in names]
    return result


def logged_history_names(config) -> List[str]:
    """
    Return the names of a PolicyStep's flattened history for a policy ``config`` (PolicyConfig).

    [] when the policy's observations are unnamed: the logged values cannot be mapped by name.
    """
    if not config.observation_names:
        return []
    return history_names(config.observation_names, config.n_obs_steps, config.obs_dim)
