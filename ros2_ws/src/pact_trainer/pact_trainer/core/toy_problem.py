# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
A Gaussian toy problem whose constraint-tilted policy is known in closed form.

The base policy μ draws the flattened chunk a ∈ R^d (d = H·D, UNnormalised units) from
N(mean, covariance) whatever the observation. With the linear cost C(a) = gᵀa the tilt
π* ∝ μ·exp(−C) is N(mean − covariance·g, covariance); with the quadratic cost
C(a) = ½ (a − b)ᵀ Q (a − b) it is N(m*, Σ*) with Σ* = (Σ⁻¹ + Q)⁻¹, m* = Σ*(Σ⁻¹ m + Q b).

``GaussianDenoiser`` is the exact (Bayes-optimal) ε or velocity predictor of a Gaussian in the
policy's normalised space; plugged into a ``DiffusionPolicy`` it gives teacher targets that can
be compared with the analytic tilted denoiser to machine precision. ``train_policy`` fits a
real (MLP) policy by denoising regression on samples, for the end-to-end distillation tests.
"""

from pact_policy.core.normalizer import Normalizer
from pact_policy.core.policy import DiffusionPolicy
from pact_policy.core.policy_config import PolicyConfig
from pact_trainer.core.costs import CostTerm
import torch
from torch import nn


def make_toy_policy(parameterisation: str, mean, std, horizon: int = 1, obs_dim: int = 1,
                    hidden_dim: int = 64, num_blocks: int = 2, seed: int = 0,
                    **overrides) -> DiffusionPolicy:
    """Return an MLP policy with a Gaussian action normaliser of per-dimension mean/std."""
    mean = torch.as_tensor(mean, dtype=torch.float64)
    config = PolicyConfig(action_dim=mean.numel(), obs_dim=obs_dim, horizon=horizon,
                          n_action_steps=horizon, parameterisation=parameterisation,
                          model_type='mlp', mlp_hidden_dim=hidden_dim,
                          mlp_num_blocks=num_blocks, time_embed_dim=16, **overrides)
    normalizer = Normalizer.from_statistics(
        'gaussian', {'mean': mean.tolist(), 'std': torch.as_tensor(std).tolist()})
    torch.manual_seed(seed)
    return DiffusionPolicy(config, normalizer)


def tilted_gaussian_linear(mean: torch.Tensor, covariance: torch.Tensor,
                           gradient: torch.Tensor):
    """Return (mean, covariance) of N(mean, cov)·exp(−gᵀa), normalised."""
    return mean - covariance @ gradient, covariance.clone()


def tilted_gaussian_quadratic(mean, covariance, hessian, centre):
    """Return (mean, covariance) of N(mean, cov)·exp(−½(a−b)ᵀQ(a−b))."""
    tilted_cov = torch.linalg.inv(torch.linalg.inv(covariance) + hessian)
    return tilted_cov @ (torch.linalg.solve(covariance, mean) + hessian @ centre), tilted_cov


def linear_cost_term(gradient: torch.Tensor, name: str = 'linear') -> CostTerm:
    """Return the term C(a) = gᵀ vec(a) on UNnormalised chunks (B,H,D)."""
    def linear(chunk, context):
        return chunk.flatten(1) @ gradient.to(chunk)
    return CostTerm.from_callable(name, linear)


def quadratic_cost_term(hessian: torch.Tensor, centre: torch.Tensor,
                        name: str = 'quadratic') -> CostTerm:
    """Return the term C(a) = ½ (a − b)ᵀ Q (a − b) on UNnormalised chunks (B,H,D)."""
    def quadratic(chunk, context):
        offset = chunk.flatten(1) - centre.to(chunk)
        return 0.5 * torch.einsum('bi,ij,bj->b', offset, hessian.to(chunk), offset)
    return CostTerm.from_callable(name, quadratic)


class GaussianDenoiser(nn.Module):
    """
    Exact E[ε | a_t] (or E[ε − a_0 | a_t]) for a_0 ~ N(mean, cov) in normalised space.

    ``mean`` (d,), ``covariance`` (d, d) with d = H·D; the forward signature is that of the
    pact_policy denoisers: (noisy (B,H,D), model time (B,), condition (B,C)) → (B,H,D).
    """

    def __init__(self, policy: DiffusionPolicy, mean: torch.Tensor, covariance: torch.Tensor):
        super().__init__()
        self.is_flow = policy.is_flow
        self.num_steps = policy.config.num_train_timesteps
        self.schedule = policy.schedule
        self.register_buffer('mean', mean.float())
        self.register_buffer('covariance', covariance.float())
        self.anchor = nn.Parameter(torch.zeros(()))   # so policy.device works

    def levels(self, model_time: torch.Tensor):
        """Return α_t, σ_t (B,) for the network's model time."""
        if self.is_flow:
            time = model_time / self.num_steps
            return 1.0 - time, time
        step = model_time.round().long()
        return self.schedule.alpha_at(step), self.schedule.sigma_at(step)

    def forward(self, noisy, model_time, condition):
        """Return ε̂ (ε-policy) or v̂ (flow policy), shape (B,H,D)."""
        alpha, sigma = self.levels(model_time)
        flat = noisy.flatten(1)
        eye = torch.eye(flat.shape[1], dtype=flat.dtype, device=flat.device)
        marginal = (alpha[:, None, None] ** 2 * self.covariance
                    + sigma[:, None, None] ** 2 * eye)
        centred = flat - alpha[:, None] * self.mean
        solved = torch.linalg.solve(marginal, centred.unsqueeze(-1)).squeeze(-1)
        epsilon = sigma[:, None] * solved
        if not self.is_flow:
            return epsilon.reshape(noisy.shape)
        clean = self.mean + alpha[:, None] * (solved @ self.covariance)
        return (epsilon - clean).reshape(noisy.shape)


def train_policy(policy: DiffusionPolicy, sample_actions, steps: int, batch: int = 256,
                 learning_rate: float = 2e-3, seed: int = 0) -> DiffusionPolicy:
    """Fit ``policy`` by denoising regression on ``sample_actions(n, generator)`` (n,H,D)."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(policy.parameters(), lr=learning_rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    observation = torch.zeros(batch, policy.config.condition_dim)
    for _ in range(steps):
        loss = policy.loss(sample_actions(batch, generator), observation, generator)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    return policy


# The Gaussian toy of the tests and of the README's preset table: action normaliser (unnormalised
# mean, std), μ = N(TOY_MEAN, TOY_COVARIANCE) in normalised space, C(a) = TOY_COST_GRADIENT·a on
# unnormalised actions (so g_n = std·g in normalised space).
TOY_ACTION_MEAN, TOY_ACTION_STD = (0.5, -0.3), (2.0, 0.5)
TOY_MEAN, TOY_COVARIANCE = (0.3, -0.2), ((0.5, 0.3), (0.3, 0.8))
TOY_COST_GRADIENT = (0.4, -1.0)


def exact_toy_policy(parameterisation: str, mean=TOY_MEAN,
                     covariance=TOY_COVARIANCE) -> DiffusionPolicy:
    """Return a toy policy whose denoiser is the exact ``GaussianDenoiser`` (no â_0 clipping)."""
    policy = make_toy_policy(parameterisation, torch.tensor(TOY_ACTION_MEAN),
                             torch.tensor(TOY_ACTION_STD), clip_sample_range=0.0)
    policy.denoiser = GaussianDenoiser(policy, torch.as_tensor(mean, dtype=torch.float32),
                                       torch.as_tensor(covariance, dtype=torch.float32))
    return policy


def guided_mean_shift(parameterisation: str, schedule, jacobian: str = 'auto',
                      num_steps: int = 10, samples: int = 4000, seed: int = 0):
    """
    Return the toy mean's shift under one teacher round and the closed-form tilt's, both (2,).

    Normalised units. The teacher ε* (or v*) of ``SafeTeacher`` on the exact Gaussian denoiser
    is what distillation regresses on, so a perfectly distilled student samples what the
    guided sampler (``GuardrailPolicy``) draws here: measured = guided minus unguided sample
    mean, same noise, the policy's default sampler (DDIM for ε, Euler for flow) with
    ``num_steps``; closed form = −Σ g_n (the tilt N(m − Σ g_n, Σ)).
    """
    from pact_trainer.core.baselines.guardrail import GuardrailPolicy
    from pact_trainer.core.costs import CostSet
    from pact_trainer.core.safe_teacher import SafeTeacher
    policy = exact_toy_policy(parameterisation)
    gradient = torch.tensor(TOY_COST_GRADIENT)
    teacher = SafeTeacher(policy, CostSet([linear_cost_term(gradient)]), schedule, jacobian)
    noise = torch.randn(samples, 1, 2, generator=torch.Generator().manual_seed(seed))
    observation = torch.zeros(samples, 1)
    means = []
    for sampler in (policy, GuardrailPolicy(policy, teacher)):
        chunks = sampler.sample(observation, num_steps=num_steps, noise=noise)
        means.append(policy.normalize_action(chunks.detach()).reshape(samples, 2).mean(0))
    tilted_mean, _ = tilted_gaussian_linear(torch.tensor(TOY_MEAN),
                                            torch.tensor(TOY_COVARIANCE),
                                            gradient * torch.tensor(TOY_ACTION_STD))
    return means[1] - means[0], tilted_mean - torch.tensor(TOY_MEAN)


def shift_ratio(measured: torch.Tensor, closed_form: torch.Tensor) -> float:
    """Return the measured shift's projection on the closed-form shift, as a fraction of it."""
    return float(measured @ closed_form / (closed_form @ closed_form))


def joint_limit_term(limit: float, index: int = 0, name: str = 'joint_limit') -> CostTerm:
    """Return c(a) = Σ_rows max(0, a[row, index] + margin − limit) (a position upper limit)."""
    def over_limit(chunk, context, margin):
        return torch.relu(chunk[:, :, index] + margin - limit).sum(dim=1)
    return CostTerm(name, over_limit)


def toy_aligner(parameterisation: str = 'velocity', state_dir=None, base_steps: int = 300,
                seed: int = 0, device: str = 'cpu', **config_overrides):
    """
    Return a small ``PactAligner`` on the Gaussian toy with a joint-limit constraint.

    The base policy is trained on the CPU (same weights whatever ``device``); the aligner then
    runs on ``device``.

    The base policy (trained for ``base_steps`` on μ = N([0.5, −0.3], diag(4, 0.25))) puts
    ≈ 27 % of its chunks beyond the limit 1.75 on dimension 0; the rollout source replays the
    single (zero) observation.
    """
    from pact_trainer.core.alignment_loop import PactAligner, PactConfig
    from pact_trainer.core.costs import CostSet
    from pact_trainer.core.sources import ObservationReplaySource
    mean, std = torch.tensor([0.5, -0.3]), torch.tensor([2.0, 0.5])
    # ε: linear β + â_0 clipping keep the first DDIM step well conditioned (see the tests).
    overrides = ({'beta_schedule': 'linear', 'clip_sample_range': 3.0}
                 if parameterisation == 'epsilon' else {})
    policy = make_toy_policy(parameterisation, mean, std, hidden_dim=32, num_blocks=1,
                             seed=seed, num_inference_steps=10, **overrides)

    def sample_actions(count, generator):
        return (torch.randn(count, 2, generator=generator) * std + mean).reshape(count, 1, 2)

    train_policy(policy, sample_actions, base_steps, seed=seed)
    costs = CostSet([joint_limit_term(1.75)])
    values = {'iterations': 4, 'chunks_per_iteration': 128, 'buffer_capacity': 512,
              'batch_size': 64, 'steps_per_epoch': 30, 'max_inner_epochs': 2,
              'learning_rate': 1e-3, 'kl_bound': 1.0, 'seed': seed}
    values.update(config_overrides)
    source = ObservationReplaySource(torch.zeros(1, 1))
    return PactAligner(policy, costs, source, PactConfig(**values), state_dir=state_dir,
                       device=device)
