# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The implicit safe teacher: the denoiser target of the constraint-tilted policy.

Objective (DESIGN §7): per state s, π*(a|s) ∝ μ(a|s)·exp(−C(s, a)), C = Σ_k λ_k c_k. With forward
noising a_t = α_t a_0 + σ_t ε (normalised actions) the tilted marginal is

    p*_t(a_t) ∝ p_t(a_t) · E[exp(−C(s, a_0)) | a_t],

so its score is ∇log p_t + ∇_{a_t} log E[exp(−C) | a_t]. Replacing the posterior expectation by
its value at the denoised estimate â_0(a_t) = (a_t − σ_t ε_T(a_t))/α_t, and using ε = −σ_t·score:

    ε*(a_t, s, t) = ε_T(a_t, s, t) + σ_t · λ_t · ∇_{a_t} C(s, unnormalise(â_0(a_t)))      (1)

λ_t comes from the ``GuidanceSchedule`` (1 at every t for the plain tilt). C acts on
UNnormalised chunks; autograd applies the chain rule through the policy's un-normalisation.

Jacobian of â_0 (``jacobian``):

- ``'stop_gradient'`` (public reference, default): ε_T is held constant inside â_0, so
  ∇_{a_t} = (1/α_t) ∇_{â_0}. Exact only in the low-noise limit. Flow policies use the same
  1/α_t (ε̂ = a_t + α_t v̂ held constant), so equal distributions get equal score corrections.
- ``'full'``: autograd through ε_T, i.e. the Tweedie Jacobian ∂â_0/∂a_t = (I − σ_t ∂ε_T/∂a_t)/α_t.
  For a Gaussian μ = N(m, Σ) and a LINEAR cost, a_0 | a_t is Gaussian with a covariance that does
  not depend on a_t, so log E[exp(−gᵀa_0) | a_t] = −gᵀâ_0(a_t) + const and (1) is exact at every t
  (∂â_0/∂a_t = α_tΣ(α_t²Σ + σ_t²I)⁻¹).

Velocity (flow) policies, via the score–velocity identity. For a_t = α_t a_0 + σ_t ε the
velocity is v = α̇_t a_0 + σ̇_t ε; its conditional mean at a_t, with â_0 = (a_t − σ_t ε̂)/α_t, is

    v̂ = α̇_t â_0 + σ̇_t ε̂ = (α̇_t/α_t)·a_t + (σ̇_t − α̇_t σ_t/α_t)·ε̂,   ε̂ = −σ_t ∇log p_t(a_t).

At fixed a_t the first term does not change, so a score change Δs gives
Δv = −σ_t (σ̇_t − α̇_t σ_t/α_t) Δs = (σ̇_t − α̇_t σ_t/α_t) Δε. For the linear interpolant
(α_t = 1 − t, σ_t = t) the factor is 1 + t/(1 − t) = 1/α_t, hence

    v*(a_t, s, t) = v_T(a_t, s, t) + (σ_t/α_t) · λ_t · ∇_{a_t} C(s, unnormalise(â_0)),        (2)

with â_0 = a_t − t·v_T. The 1/α_t factors of (1) (stop-gradient) and (2) grow without bound as
α_t → 0, which is why schedules exclude the noisiest levels (``min_alpha``; α_t = 0, the flow
time t = 1, is never guided), why 'stop_gradient' is refused for schedules that guide noisy
levels (``guidance.resolve_jacobian``) and why ``max_correction_rms`` can cap the per-sample
correction (RMS over the chunk's entries).
"""

from dataclasses import dataclass

from pact_trainer.core.costs import Context, CostSet, slice_context
from pact_trainer.core.guidance import GuidanceSchedule, resolve_jacobian, step_position
import torch


@dataclass
class TeacherOutput:
    """Teacher prediction (B,H,D), its safe target (B,H,D), λ_t (B,) and C(â_0) (B,)."""

    prediction: torch.Tensor
    target: torch.Tensor
    lambda_t: torch.Tensor
    cost: torch.Tensor


def _expand(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return values.to(like).reshape((-1,) + (1,) * (like.dim() - 1))


def clean_estimate(policy, noisy: torch.Tensor, prediction: torch.Tensor,
                   timestep: torch.Tensor) -> torch.Tensor:
    """Return â_0 (normalised) from a_t and the model output (ε̂ or v̂)."""
    if policy.is_flow:
        return policy.interpolant.clean_from_velocity(noisy, prediction, timestep)
    levels = policy.noise_levels(timestep)
    alpha, sigma = _expand(levels.alpha, noisy), _expand(levels.sigma, noisy)
    return (noisy - sigma * prediction) / alpha


class SafeTeacher:
    """
    Compute ε* (or v*) targets from a teacher policy, constraint costs and a guidance schedule.

    ``policy`` is a ``pact_policy`` ``DiffusionPolicy`` (the teacher: previous iterate or frozen
    base); it is only evaluated, never trained here. Inputs are normalised (the policy's space).
    ``jacobian``: 'stop_gradient', 'full' or 'auto' (``guidance.resolve_jacobian``: a schedule
    that guides noisy levels, e.g. ``tilt_exact``, gets 'full' and refuses 'stop_gradient').
    """

    def __init__(self, policy, costs: CostSet, schedule: GuidanceSchedule,
                 jacobian: str = 'stop_gradient', max_correction_rms: float = 0.0,
                 sync_free: bool = None):
        jacobian = resolve_jacobian(schedule, jacobian)
        if max_correction_rms < 0.0:
            raise ValueError(f'max_correction_rms must be >= 0, got {max_correction_rms}')
        self.policy = policy
        self.costs = costs
        self.schedule = schedule
        self.jacobian = jacobian
        self.max_correction_rms = max_correction_rms
        self.sync_free = sync_free   # None: on accelerators only (see ``target``)

    def lambda_t(self, timestep: torch.Tensor) -> torch.Tensor:
        """Return λ_t (B,) for the given timesteps (0 where unguided)."""
        levels = self.policy.noise_levels(timestep)
        return self.schedule.lambda_t(step_position(self.policy, timestep).to(levels.alpha),
                                      levels.alpha, levels.beta)

    def target(self, noisy: torch.Tensor, timestep: torch.Tensor, observation: torch.Tensor,
               context: Context) -> TeacherOutput:
        """
        Return the safe target for normalised a_t (B,H,D), timesteps (B,), obs (B,O).

        ``sync_free`` (default: when the inputs are not on the CPU) corrects every row and
        keeps the unguided ones by masking, so nothing is read back from the device; otherwise
        only the guided rows are gathered and evaluated (cheaper on a CPU).
        """
        noisy = noisy.detach()
        lam = self.lambda_t(timestep).to(noisy)
        guided = lam > 0
        with torch.no_grad():  # fp32 target even when the network runs under autocast
            prediction = self.policy.predict(noisy, timestep, observation).float()
        target = prediction.clone()
        cost = torch.zeros(noisy.shape[0], dtype=noisy.dtype, device=noisy.device)
        if self.sync_free or (self.sync_free is None and noisy.device.type != 'cpu'):
            return self._dense_target(noisy, timestep, observation, context, prediction, lam)
        if bool(guided.any()):
            index = guided.nonzero().squeeze(-1)
            sub_context = slice_context(context, index)
            gradient, sub_cost = self.cost_gradient(noisy[index], timestep[index],
                                                    observation[index], sub_context,
                                                    prediction[index])
            levels = self.policy.noise_levels(timestep[index])
            factor = levels.sigma.to(noisy) * lam[index]
            if self.policy.is_flow:
                factor = factor / levels.alpha.to(noisy)
            correction = self._cap(_expand(factor, gradient) * gradient)
            target[index] = target[index] + correction
            cost[index] = sub_cost
        return TeacherOutput(prediction, target.detach(), lam, cost)

    def _dense_target(self, noisy, timestep, observation, context, prediction, lam):
        """
        ``target`` without host synchronisation: every row is corrected.

        Unguided rows (λ_t = 0) get the teacher's own prediction back through ``torch.where``,
        so a non-finite gradient at a level the schedule excludes cannot leak into them.
        """
        guided = lam > 0
        gradient, cost = self.cost_gradient(noisy, timestep, observation, context, prediction)
        levels = self.policy.noise_levels(timestep)
        factor = levels.sigma.to(noisy) * lam
        if self.policy.is_flow:
            factor = factor / levels.alpha.to(noisy)
        correction = self._cap(_expand(factor, gradient) * gradient)
        row_guided = guided.reshape((-1,) + (1,) * (prediction.dim() - 1))
        target = torch.where(row_guided, prediction + correction, prediction)
        cost = torch.where(guided, cost.to(noisy.dtype), torch.zeros_like(cost, dtype=noisy.dtype))
        return TeacherOutput(prediction, target.detach(), lam, cost)

    @property
    def extra_calls_per_guided_row(self) -> int:
        """
        Denoiser evaluations a guided row costs on top of the teacher's one prediction.

        'stop_gradient' reuses that prediction (0); 'full' predicts again with a graph and
        back-propagates through the network (counted as 2).
        """
        return 2 if self.jacobian == 'full' else 0

    def cost_gradient(self, noisy: torch.Tensor, timestep: torch.Tensor,
                      observation: torch.Tensor, context: Context,
                      prediction: torch.Tensor = None):
        """
        Return ∇_{a_t} C(unnormalise(â_0)) (B,H,D) and C (B,) for normalised a_t.

        ``prediction``: the teacher's ε̂ (or v̂) at these inputs when already computed; the
        'stop_gradient' Jacobian then needs no further network evaluation ('full' ignores it).
        """
        with torch.enable_grad():
            noisy = noisy.detach().requires_grad_(True)
            if self.jacobian == 'full':
                prediction = self.policy.predict(noisy, timestep, observation)
                clean = clean_estimate(self.policy, noisy, prediction, timestep)
            else:
                with torch.no_grad():
                    if prediction is None:
                        prediction = self.policy.predict(noisy, timestep, observation)
                    clean_detached = clean_estimate(self.policy, noisy, prediction, timestep)
                # ε̂ held constant: â_0 = (a_t − σ_t ε̂)/α_t has Jacobian I/α_t (both
                # parameterisations, so equal policies get equal score corrections).
                alpha = _expand(self.policy.noise_levels(timestep).alpha, noisy)
                clean = clean_detached + (noisy - noisy.detach()) / alpha
            with torch.autocast(noisy.device.type, enabled=False):  # costs stay in fp32
                total = self.costs.total(self.policy.unnormalize_action(clean.float()), context)
            gradient, = torch.autograd.grad(total.sum(), noisy)
        return gradient.detach(), total.detach()

    def _cap(self, correction: torch.Tensor) -> torch.Tensor:
        if self.max_correction_rms <= 0.0:
            return correction
        rms = correction.flatten(1).pow(2).mean(dim=1).sqrt()
        scale = (self.max_correction_rms / rms.clamp(min=1e-12)).clamp(max=1.0)
        return correction * _expand(scale, correction)
