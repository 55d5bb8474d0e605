# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Explicit curriculum over constraint margins d_k.

Stage j ∈ {0..S-1} holds every constraint k to the margin
d_k(j) = start_k + (target_k − start_k)·(j + 1)/S, i.e. the margins move linearly from the base
policy's measured level ``start`` to the ``target`` margins, reaching the target at the last
stage. A stage advances when the on-policy violation rate measured AT that stage's margins is
below ``target_violation_rate`` (fraction of rollout steps with any c_k > 0). Margins are in each
constraint's own unit (m, rad, rad/s).
"""

from dataclasses import dataclass, field


@dataclass
class MarginCurriculum:
    """Stage bookkeeping; ``stage`` is the only mutable state (saved in checkpoints)."""

    start_margins: dict
    target_margins: dict
    num_stages: int = 1
    target_violation_rate: float = 0.05
    stage: int = 0
    history: list = field(default_factory=list)

    def __post_init__(self):
        """Validate the margins and the stage count."""
        if set(self.start_margins) != set(self.target_margins):
            raise ValueError(f'curriculum start margins {sorted(self.start_margins)} and target '
                             f'margins {sorted(self.target_margins)} name different constraints')
        if self.num_stages < 1:
            raise ValueError(f'curriculum num_stages must be >= 1, got {self.num_stages}')
        if not 0.0 <= self.target_violation_rate <= 1.0:
            raise ValueError('curriculum target_violation_rate must be in [0, 1], got '
                             f'{self.target_violation_rate}')

    @property
    def names(self) -> list:
        """Return the constraint names in sorted order."""
        return sorted(self.target_margins)

    @property
    def final(self) -> bool:
        """Return True at the last stage."""
        return self.stage >= self.num_stages - 1

    def margins(self, stage: int = None) -> dict:
        """Return {name: d_k} at ``stage`` (default: the current stage)."""
        stage = self.stage if stage is None else stage
        fraction = (stage + 1) / self.num_stages
        return {name: self.start_margins[name]
                + (self.target_margins[name] - self.start_margins[name]) * fraction
                for name in self.names}

    def update(self, violation_rate: float) -> bool:
        """Advance when ``violation_rate`` is below the target; return True if it advanced."""
        advance = violation_rate < self.target_violation_rate and not self.final
        self.history.append({'stage': self.stage, 'violation_rate': float(violation_rate),
                             'advanced': bool(advance)})
        if advance:
            self.stage += 1
        return advance

    def state_dict(self) -> dict:
        """Return the mutable state."""
        return {'stage': self.stage}

    def load_state_dict(self, state: dict) -> None:
        """Restore the stage."""
        self.stage = int(state['stage'])
