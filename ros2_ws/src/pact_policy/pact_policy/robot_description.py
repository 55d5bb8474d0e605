# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The robot description of the policy node and the command limits it gives (``RobotDescription``).

Any peer can publish ``/robot_description``; letting a new one widen the limits of a commanding
node would let that peer move the arm further. So a changed description is refused while the
node is ACTIVE; the refused text is kept and applied by the next configure transition (cleanup,
configure). A description that does not parse is rejected with a log naming the defect and the
last good one stays in use.
"""

from typing import Optional

from pact_policy.core.command_safety import SafetyLimits
from pact_policy.core.urdf_model import URDFError, URDFModel


class RobotDescription:
    """The URDF in use (``robot``), the latest one received, and limits for the action joints."""

    def __init__(self, params, logger):
        """Use the margins and velocity scale of ``params`` (``PolicyNodeParameters``); log."""
        self.params, self.logger = params, logger
        self.robot: Optional[URDFModel] = None
        self.applied = None   # URDF text the robot (and the limits) come from
        self.received = None  # latest URDF text received (maybe refused)

    def receive(self, text: str, active: bool) -> bool:
        """Keep ``text`` and apply it unless it is refused; return whether ``robot`` changed."""
        self.received = text
        if text == self.applied:
            return False
        if active and self.applied is not None:
            self.logger.error(
                'robot description changed while ACTIVE: refused, the command limits stay '
                'those of the description in use; deactivate, cleanup and configure to '
                'apply it')
            return False
        return self._apply(text)

    def apply_received(self) -> bool:
        """Configure: apply the latest text received (also one refused while ACTIVE)."""
        if self.received is None or self.received == self.applied:
            return False
        return self._apply(self.received)

    def limits_for(self, names) -> Optional[SafetyLimits]:
        """Return the command limits of joints ``names`` (None, logged, when there are none)."""
        if self.robot is None or not names:
            return None
        try:
            limits = SafetyLimits.from_joint_limits(
                self.robot.limits_for(names), self.params.limit_margin,
                self.params.velocity_scale, self.params.prismatic_limit_margin)
        except (URDFError, ValueError) as error:
            self.logger.error(f'no command limits, the node will hold: {error}')
            return None
        self.logger.info(f'command limits from the robot description for {list(names)}')
        return limits

    def _apply(self, text: str) -> bool:
        try:
            self.robot = URDFModel(text)
        except URDFError as error:
            self.logger.error(f'robot description rejected, keeping the last good one: '
                              f'{error}')
            return False
        self.applied = text
        return True
