# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Test-time guardrail: constraint-guided sampling at inference with the same gradients as PACT.

Instead of training, every reverse step replaces the model output by the safe-teacher target
of ``SafeTeacher`` (ε* or v*, same costs, same schedule, same Jacobian option) computed on the
fly from the unchanged policy. The weights never change; each guided step costs one extra
denoiser call with a backward pass (two with ``jacobian='full'``) plus the cost gradient, so
inference is slower: that latency ratio is what the benchmark reports beside PACT's.

``GuardrailPolicy`` wraps a ``DiffusionPolicy`` and exposes the same ``sample`` signature, so
any rollout source can run it; ``context_fn(observation) -> dict`` supplies the cost context
(default: just the observation); a caller that knows more (e.g. the simulated worlds' scenes)
passes ``context`` to ``sample`` directly.
"""

from pact_trainer.core.cost_context import OBSERVATION
from pact_trainer.core.safe_teacher import SafeTeacher
import torch


class GuardrailPolicy:
    """A policy whose sampler follows the safe-teacher field (see the module docstring)."""

    def __init__(self, policy, teacher: SafeTeacher, context_fn=None):
        self.policy = policy
        self.teacher = teacher
        self.context_fn = context_fn or (lambda observation: {OBSERVATION: observation})
        self.config = policy.config
        self.denoiser_calls = 0

    @property
    def device(self):
        """Return the wrapped policy's device."""
        return self.policy.device

    def sample(self, observation: torch.Tensor, sampler: str = None, num_steps: int = None,
               generator: torch.Generator = None, noise: torch.Tensor = None,
               context: dict = None) -> torch.Tensor:
        """
        Return unnormalised guided chunks (B,H,D) for unnormalised observations (B,O).

        ``context`` (cost context rows, leading B) replaces ``context_fn(observation)``.
        """
        policy = self.policy
        observation = observation.to(policy.device)
        condition = policy.normalize_observation(observation)
        context = dict(self.context_fn(observation) if context is None else context)
        context.setdefault(OBSERVATION, observation)
        shape = (condition.shape[0], policy.config.horizon, policy.config.action_dim)
        if noise is None:
            noise = torch.randn(shape, generator=generator, device=policy.device)

        def model(x, step):
            output = self.teacher.target(x, step, condition, context)
            guided = int((output.lambda_t > 0).sum())
            self.denoiser_calls += x.shape[0] + guided * self.teacher.extra_calls_per_guided_row
            return output.target

        clean = policy.denoise(model, noise, sampler, num_steps, generator)
        return policy.unnormalize_action(clean.detach())
