# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Distil the safe teacher into the student denoiser, measure the policy shift, update the teacher.

Loss (DESIGN §7), on on-policy rollout data (s, a) and fresh noise/timesteps:

    L(θ) = E_{t, ε, (s,a)} ‖ f_θ(a_t, s, t) − sg(f*(a_t, s, t))‖²,   a_t = α_t a + σ_t ε,

with f = ε̂ (ε-policies) or v̂ (flow policies) and f* the teacher target of ``SafeTeacher``.
Every sample gets a target (dense supervision): unguided timesteps regress onto the teacher's
own prediction, which anchors the student to the teacher there.

KL proxy (bounded policy shift): the mean squared difference between the student's and the
teacher's noise predictions in ε-space (for flow policies ε̂ = a_t + α_t v̂, so
Δε = α_t Δv), on fresh rollout data, averaged over uniform timesteps and chunk entries
(dimensionless). For two diffusion models with the same forward process, the KL between
their reverse path measures is a weighted integral of exactly this quantity.

Teacher update (``TeacherUpdate``): ``'previous'`` (default) makes the teacher the last
accepted student (optionally softly: θ_T ← (1 − τ) θ_T + τ θ); ``'frozen_base'`` keeps the base.
"""

from dataclasses import dataclass

from pact_trainer.core.costs import Context, context_to
from pact_trainer.core.safe_teacher import SafeTeacher
import torch

TEACHER_MODES = ('previous', 'frozen_base')
PRECISIONS = ('fp32', 'bf16')


@dataclass
class DistillationBatch:
    """Clean chunks (B,H,D), observations (B,O) (both UNnormalised) and the cost context."""

    action: torch.Tensor
    observation: torch.Tensor
    context: Context


def noisy_inputs(policy, batch: DistillationBatch, generator: torch.Generator = None,
                 timestep: torch.Tensor = None):
    """
    Return normalised a_t (B,H,D), timesteps (B,), normalised obs (B,O), clean, noise.

    ``timestep`` (B,) replaces the uniform draw when given.
    """
    clean = policy.normalize_action(batch.action.to(policy.device))
    observation = policy.normalize_observation(batch.observation.to(policy.device))
    noise = torch.randn(clean.shape, generator=generator, device=clean.device, dtype=clean.dtype)
    if timestep is None:
        timestep = policy.sample_timesteps(clean.shape[0], generator)
    return policy.add_noise(clean, noise, timestep), timestep, observation, clean, noise


def focused_timesteps(student, teacher: SafeTeacher, size: int, guided_share: float,
                      generator: torch.Generator = None) -> torch.Tensor:
    """
    Return (size,) training timesteps: ``guided_share`` of them at guided levels (λ_t > 0).

    The rest are uniform, as in plain denoising training. Only guided levels carry the
    teacher's correction; with a low-noise schedule they are a quarter of the levels, so a
    uniform draw spends most of each batch re-fitting the teacher's own prediction. The
    minimiser of the loss at every level is unchanged (the teacher's target there); only the
    share of the batch each level gets changes. Guided levels are found by rejection from
    uniform candidates (16 per wanted sample; fewer are used when fewer are guided).
    """
    timestep = student.sample_timesteps(size, generator)
    wanted = int(round(guided_share * size))
    if wanted <= 0:
        return timestep
    candidates = student.sample_timesteps(16 * wanted, generator)
    guided = candidates[teacher.lambda_t(candidates) > 0][:wanted]
    timestep[:guided.shape[0]] = guided
    return timestep


def distillation_loss(student, teacher: SafeTeacher, batch: DistillationBatch,
                      generator: torch.Generator = None, precision: str = 'fp32',
                      guided_share: float = 0.0):
    """
    Return (loss, info) of one distillation step; info holds mean λ_t, cost, guided share.

    Nothing here waits for the device: ``info``'s ``guided_fraction``, ``mean_teacher_cost``
    (0 when no row is guided) and ``denoiser_calls`` are 0-dim tensors on the student's device,
    to be read (``float``/``int``) once the caller needs them, e.g. after an epoch.
    ``precision`` 'bf16' runs the student's and the teacher's networks under bfloat16 autocast;
    the teacher's target, the constraint costs, their gradient and the loss stay float32.
    ``guided_share``: the share of the batch drawn at guided levels (``focused_timesteps``).
    """
    timestep = None
    if guided_share > 0.0:
        timestep = focused_timesteps(student, teacher, batch.action.shape[0], guided_share,
                                     generator)
    noisy, timestep, observation, _, _ = noisy_inputs(student, batch, generator, timestep)
    context = context_to(batch.context, student.device)
    with network_precision(student.device, precision):
        output = teacher.target(noisy, timestep, observation, context)
        prediction = student.predict(noisy, timestep, observation)
    loss = torch.mean((prediction.float() - output.target.float()) ** 2)
    guided = (output.lambda_t > 0).to(output.cost.dtype)
    guided_count = guided.sum()
    info = {'guided_fraction': guided.mean(),
            'mean_teacher_cost': (output.cost * guided).sum() / guided_count.clamp(min=1.0),
            'denoiser_calls': (2 * noisy.shape[0]
                               + teacher.extra_calls_per_guided_row * guided_count.long())}
    return loss, info


def network_precision(device, precision: str):
    """Return the autocast context of ``precision`` ('fp32': none, 'bf16': bfloat16)."""
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got {precision!r}')
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16,
                          enabled=precision == 'bf16')


@torch.no_grad()
def kl_proxy(student, teacher_policy, batch: DistillationBatch,
             generator: torch.Generator = None) -> float:
    """Return the ε-space mean squared prediction difference student vs teacher (≥ 0)."""
    noisy, timestep, observation, _, _ = noisy_inputs(student, batch, generator)
    difference = (student.predict(noisy, timestep, observation)
                  - teacher_policy.predict(noisy, timestep, observation))
    if student.is_flow:
        alpha = student.noise_levels(timestep).alpha.to(difference)
        difference = difference * alpha.reshape(-1, 1, 1)
    return float(torch.mean(difference ** 2))


@torch.no_grad()
def correction_absorbed(student, teacher: SafeTeacher, batch: DistillationBatch,
                        generator: torch.Generator = None) -> float:
    """
    Return the fraction of the teacher's correction the student has learnt (1 = all, 0 = none).

    On the guided rows (λ_t > 0) of fresh noise/timesteps, with the teacher's prediction p, its
    target p + c and the student's prediction f: 1 − Σ‖f − (p + c)‖² / Σ‖c‖². A student equal to
    the teacher scores 0, one that matches the target scores 1, one that moved elsewhere scores
    below 0. This measures the part of the distillation loss that carries the tilt: the full
    loss is dominated by the denoising error the teacher itself has, which no step removes.
    Returns nan when no row is guided or the correction is zero.
    """
    noisy, timestep, observation, _, _ = noisy_inputs(student, batch, generator)
    output = teacher.target(noisy, timestep, observation, context_to(batch.context,
                                                                     student.device))
    guided = output.lambda_t > 0
    if not bool(guided.any()):
        return float('nan')
    correction = (output.target - output.prediction)[guided]
    residual = student.predict(noisy, timestep, observation)[guided] - output.target[guided]
    size = float(correction.pow(2).sum())
    return float('nan') if size == 0.0 else 1.0 - float(residual.pow(2).sum()) / size


@dataclass(frozen=True)
class TeacherUpdate:
    """How the teacher follows the student: ``mode`` and soft-update rate τ ∈ (0, 1]."""

    mode: str = 'previous'
    tau: float = 1.0

    def __post_init__(self):
        """Validate the mode and τ."""
        if self.mode not in TEACHER_MODES:
            raise ValueError(f'teacher mode must be one of {TEACHER_MODES}, got {self.mode!r}')
        if not 0.0 < self.tau <= 1.0:
            raise ValueError(f'teacher soft-update tau must be in (0, 1], got {self.tau}')

    @torch.no_grad()
    def apply(self, teacher_policy, student) -> None:
        """Move the teacher's weights towards the student's in place (no-op when frozen)."""
        if self.mode == 'frozen_base':
            return
        for target, source in zip(teacher_policy.state_dict().values(),
                                  student.state_dict().values(), strict=True):
            if target.is_floating_point():
                target.lerp_(source.to(target), self.tau)
            else:
                target.copy_(source)
