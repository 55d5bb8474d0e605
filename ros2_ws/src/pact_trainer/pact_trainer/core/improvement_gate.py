# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Rollout safety statistics and the monotone-improvement gate.

``RolloutStatistics`` summarises N rollout steps evaluated with the constraint costs at the
current margins: per-step "violated" (any c_k > 0) and total cost C = Σ_k λ_k c_k.

The gate compares a candidate policy's fresh rollouts with the last accepted policy's
(evaluated at the same margins) and rejects the candidate when it is worse beyond statistical
noise in either measure (one-sided tests at ``z`` standard errors, plus an absolute slack):

- violation rate: p_new − p_old > z·sqrt(p̄(1 − p̄)(1/n_new + 1/n_old)) + ``rate_slack``;
- mean cost: c̄_new − c̄_old > z·sqrt(s²_new/n_new + s²_old/n_old) + ``cost_slack``.

On rejection the trainer restores the previous weights and halves its step scale.
"""

from dataclasses import dataclass
import math

import torch


@dataclass(frozen=True)
class RolloutStatistics:
    """Violation rate, mean/variance of the summed cost, and the number of steps N."""

    violation_rate: float
    mean_cost: float
    cost_variance: float
    count: int

    @classmethod
    def from_costs(cls, values: torch.Tensor, weights: torch.Tensor) -> 'RolloutStatistics':
        """Build from per-term costs (N, K) and multipliers λ_k (K,)."""
        values = values.detach().double()
        total = values @ weights.to(values)
        violated = (values > 0).any(dim=-1).double()
        return cls(float(violated.mean()), float(total.mean()),
                   float(total.var(unbiased=True)) if len(total) > 1 else 0.0, len(total))

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return {'violation_rate': self.violation_rate, 'mean_cost': self.mean_cost,
                'cost_variance': self.cost_variance, 'count': self.count}


@dataclass(frozen=True)
class ImprovementGate:
    """One-sided tests of "candidate is worse than the accepted policy" (see module)."""

    z: float = 2.0
    rate_slack: float = 0.0
    cost_slack: float = 0.0

    def worse(self, candidate: RolloutStatistics, accepted: RolloutStatistics):
        """Return (is_worse, reason) for the candidate's statistics versus the accepted ones."""
        pooled = ((candidate.violation_rate * candidate.count
                   + accepted.violation_rate * accepted.count)
                  / (candidate.count + accepted.count))
        rate_error = math.sqrt(max(pooled * (1 - pooled), 0.0)
                               * (1 / candidate.count + 1 / accepted.count))
        rate_gap = candidate.violation_rate - accepted.violation_rate
        if rate_gap > self.z * rate_error + self.rate_slack:
            return True, (f'violation rate rose {accepted.violation_rate:.3f} -> '
                          f'{candidate.violation_rate:.3f} (> {self.z} s.e.)')
        cost_error = math.sqrt(candidate.cost_variance / candidate.count
                               + accepted.cost_variance / accepted.count)
        cost_gap = candidate.mean_cost - accepted.mean_cost
        if cost_gap > self.z * cost_error + self.cost_slack:
            return True, (f'mean cost rose {accepted.mean_cost:.4g} -> '
                          f'{candidate.mean_cost:.4g} (> {self.z} s.e.)')
        return False, ''
