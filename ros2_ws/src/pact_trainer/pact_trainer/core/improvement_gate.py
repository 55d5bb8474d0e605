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

``worse_on_same_states`` is the paired form the trainer uses: both policies propose a chunk for
the SAME rollout states (the candidate's fresh observations), so the comparison is free of the
state-to-state variation between two rollout batches (which phase of the episodes they caught,
which layouts), the dominant noise when rollout steps are correlated within episodes. With
per-state differences δ_i (violated_new − violated_old, or C_new − C_old) it rejects when
mean δ > z·sd(δ)/sqrt(n) + slack.
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

    def worse_on_same_states(self, candidate: torch.Tensor, accepted: torch.Tensor,
                             weights: torch.Tensor, summarize=None):
        """
        Return (is_worse, reason) from per-term costs (N, K) of both policies on N states.

        ``summarize(values (N, 1), weights (1,)) -> RolloutStatistics`` reduces a column to its
        mean (``mean_cost``), variance and count (default ``RolloutStatistics.from_costs``;
        the distributed trainer passes one that reduces over every rank's states).
        """
        summarize = summarize or RolloutStatistics.from_costs
        candidate, accepted = candidate.detach().double(), accepted.detach().double()
        weights = weights.to(candidate)
        tests = (('violation rate', (candidate > 0).any(-1).double(),
                  (accepted > 0).any(-1).double(), self.rate_slack),
                 ('mean cost', candidate @ weights, accepted @ weights, self.cost_slack))
        one = torch.ones(1, dtype=candidate.dtype)
        for name, new, old, slack in tests:
            difference = summarize((new - old)[:, None], one)
            error = math.sqrt(difference.cost_variance / difference.count)
            if difference.mean_cost > self.z * error + slack:
                before = summarize(old[:, None], one).mean_cost
                return True, (f'{name} rose {before:.4g} -> {before + difference.mean_cost:.4g} '
                              f'on the same states (> {self.z} s.e.)')
        return False, ''
