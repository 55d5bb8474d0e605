# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Reward-weighted regression (RWR) on the policy's own rollouts, reward = −Σ_k λ_k c_k.

Each rollout chunk a_i gets the weight w_i = softmax_i(−C(s_i, a_i)/τ) · B (mean 1 over the
minibatch of B), and the student minimises the weighted denoising loss
Σ_i w_i ‖f_θ(a_{i,t}, s_i, t) − f_i‖² / B (f = ε or the flow velocity target). It uses only
the cost values, not their gradients (the same constraint information at the value level).
"""

from pact_trainer.core.costs import CostSet
from pact_trainer.core.distillation import DistillationBatch, noisy_inputs
import torch


def rwr_weights(cost: torch.Tensor, temperature: float) -> torch.Tensor:
    """Return w = B·softmax(−cost/τ) (B,), mean 1."""
    if temperature <= 0.0:
        raise ValueError(f'RWR temperature must be > 0, got {temperature}')
    return torch.softmax(-cost / temperature, dim=0) * cost.shape[0]


def rwr_loss(student, costs: CostSet, batch: DistillationBatch, temperature: float,
             generator: torch.Generator = None):
    """Return (loss, info) of one RWR step on a minibatch of rollout chunks."""
    with torch.no_grad():
        cost = costs.total(batch.action.float(), batch.context)
    weights = rwr_weights(cost, temperature).to(student.device)
    noisy, timestep, observation, clean, noise = noisy_inputs(student, batch, generator)
    prediction = student.predict(noisy, timestep, observation)
    error = ((prediction - student.training_target(clean, noise)) ** 2).flatten(1).mean(1)
    info = {'denoiser_calls': noisy.shape[0],   # the ESS stays on the device (no read-back)
            'effective_sample_size': weights.sum() ** 2 / (weights ** 2).sum()}
    return torch.mean(weights * error), info
