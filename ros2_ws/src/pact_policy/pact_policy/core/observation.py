# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Build the policy's observation vector by NAME from joint states, scene poses and robot FK.

Supported names (the grammar of ``pact_policy.core.naming``; world frame, SI units):

- ``<joint>.position`` / ``<joint>.velocity``: from the latest joint state (rad, rad/s, m);
- ``<frame>.position.{x,y,z}``: a URDF link of the robot by forward kinematics (``tool`` is an
  alias for the configured tool frame, e.g. ``panda_hand_tcp``), else a scene entry (tracked
  object or obstacle) with that name;
- ``<entry>.z_axis.{x,y,z}``: third column of a scene entry's rotation matrix;
- ``<entry>.orientation.{x,y,z,w}``: a scene entry's unit quaternion.

``ObservationHistory`` keeps the last ``n_obs_steps`` vectors (oldest first), repeating the
first one until the history is full, as Diffusion Policy does at episode start.
"""

from collections import deque

import numpy as np

from pact_policy.core.naming import ObservationNameError, parse_name, TOOL


class ObservationError(ValueError):
    """An observation entry could not be computed; the message names it."""


def quaternion_z_axis(quaternion) -> np.ndarray:
    """Return the z axis (third rotation column) of the unit quaternion (x, y, z, w)."""
    x, y, z, w = quaternion
    return np.array([2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)])


class ObservationBuilder:
    """
    Map named inputs to the observation vector in ``names`` order.

    ``robot`` is a ``URDFModel`` (or None when no name needs FK); ``tool_frame`` is the link
    that ``tool.*`` names refer to.
    """

    def __init__(self, names, robot=None, tool_frame: str = 'panda_hand_tcp'):
        self.names = list(names)
        self.robot = robot
        self.tool_frame = tool_frame
        for name in self.names:
            self._parse(name)

    def _parse(self, name: str) -> tuple:
        try:
            parsed = parse_name(name)
        except ObservationNameError as error:
            raise ObservationError(str(error)) from None
        if parsed.kind == 'joint':
            return ('joint', parsed.subject, parsed.field)
        return (parsed.kind, parsed.subject, parsed.component)

    def build(self, joint_positions: dict, joint_velocities: dict,
              scene_poses: dict) -> np.ndarray:
        """
        Return the float32 observation.

        ``joint_positions``/``joint_velocities`` map joint name → value; ``scene_poses`` maps
        entry name → (position (3,), quaternion (x, y, z, w)).
        """
        values = np.empty(len(self.names), dtype=np.float64)
        link_cache = {}
        for index, name in enumerate(self.names):
            kind, subject, component = self._parse(name)
            if kind == 'joint':
                table = joint_positions if component == 'position' else joint_velocities
                if subject not in table:
                    raise ObservationError(f'observation {name!r}: joint {subject!r} missing '
                                           'from the joint states')
                values[index] = table[subject]
            elif kind == 'position' and self._is_robot_frame(subject):
                link = self.tool_frame if subject == TOOL else subject
                if link not in link_cache:
                    link_cache[link] = self.robot.link_transform(link, joint_positions)[:3, 3]
                values[index] = link_cache[link][component]
            else:
                values[index] = self._scene_value(name, kind, subject, component, scene_poses)
        if not np.all(np.isfinite(values)):
            raise ObservationError('observation has non-finite entries: ' + ', '.join(
                name for name, value in zip(self.names, values, strict=True)
                if not np.isfinite(value)))
        return values.astype(np.float32)

    def _is_robot_frame(self, subject: str) -> bool:
        return self.robot is not None and (subject == TOOL or subject in self.robot.links)

    @staticmethod
    def _scene_value(name, kind, subject, component, scene_poses) -> float:
        if subject not in scene_poses:
            raise ObservationError(f'observation {name!r}: {subject!r} is not in the scene '
                                   f'(has {sorted(scene_poses)})')
        position, quaternion = scene_poses[subject]
        if kind == 'position':
            return float(position[component])
        if kind == 'z_axis':
            return float(quaternion_z_axis(quaternion)[component])
        return float(quaternion[component])


class ObservationHistory:
    """The last ``n_obs_steps`` observation vectors, flattened oldest-first on request."""

    def __init__(self, n_obs_steps: int):
        self.n_obs_steps = n_obs_steps
        self.frames = deque(maxlen=n_obs_steps)

    def push(self, observation: np.ndarray):
        """Append one observation (obs_dim,); pad with it while the history is short."""
        if not self.frames:
            for _ in range(self.n_obs_steps - 1):
                self.frames.append(observation)
        self.frames.append(observation)

    def clear(self):
        """Forget all frames (e.g. after a hold or a model swap)."""
        self.frames.clear()

    def flat(self) -> np.ndarray:
        """Return the (n_obs_steps * obs_dim,) float32 history; raise when empty."""
        if not self.frames:
            raise ObservationError('no observation yet')
        return np.concatenate(list(self.frames)).astype(np.float32)
