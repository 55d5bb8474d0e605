# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
``DiffusionPolicy``: the one policy interface every trainer and the policy node call.

A policy = per-dimension normalisers + a denoiser network + a noise process, with
``config.parameterisation`` either

- ``'epsilon'``: discrete DDPM schedule (``NoiseSchedule``), ``timestep`` = integer step
  t ∈ {0..T-1} (int64, (B,)), model output ε̂, loss ‖ε̂ - ε‖², samplers 'ddpm' | 'ddim';
- ``'velocity'``: linear flow interpolant (``FlowInterpolant``), ``timestep`` = float time
  t ∈ [0, 1] ((B,), 1 = noise), model output v̂, loss ‖v̂ - (ε - a_0)‖², samplers
  'euler' | 'midpoint'.

In both cases a_t = α_t a_0 + σ_t ε on NORMALISED actions. Shapes (B batch, H horizon,
D action_dim, O = n_obs_steps * obs_dim):

====================================  =====================================================
``predict(noisy, timestep, obs,``     noisy (B,H,D) normalised, timestep (B,), obs (B,O)
``image=None)``                       normalised → ε̂ or v̂ (B,H,D). Differentiable.
``encode_condition(obs, image)``      → the denoiser's conditioning (B, C) (obs ⊕ image features)
``predict_conditioned(noisy,``        ``predict`` on a precomputed ``encode_condition`` output
``timestep, conditioning)``           (samplers encode the image once per chunk, not per step)
``noise_levels(timestep)``            → ``NoiseLevels(alpha, sigma, beta)`` each (B,)
                                      (β for flow = SNR-matched VP β on a T-step grid).
``add_noise(clean, noise, timestep)`` → a_t (B,H,D)
``training_target(clean, noise)``     → ε (epsilon) or ε - a_0 (velocity), (B,H,D)
``sample_timesteps(B, generator)``    → training timesteps (B,) of the right kind
``loss(action, obs, generator,``      unnormalised action (B,H,D) and obs (B,O) → scalar
``image=None)``
``sample(obs, sampler, num_steps,``   unnormalised obs (B,O) → unnormalised chunk (B,H,D)
``generator, noise, image=None)``     (no grad; ``generator`` on the policy's device)
``normalize_action`` / ``unnormalize_action``            (..., D) ↔ (..., D)
``normalize_observation`` / ``unnormalize_observation``  (B, O) or (B, n_obs, obs_dim)
====================================  =====================================================

Units: actions/observations unnormalised are SI (rad, m, rad/s) as named in
``config.action_names`` / ``config.observation_names``. The observation history is flattened
oldest-first; the controller executes ``chunk[:, :config.n_action_steps]``.

Image input (only when ``config.uses_image``): ``image`` is the latest camera frame, already
preprocessed by ``core.image_preprocessing.ImagePreprocessor`` to float (B, 3, S, S); the
policy's ``image_encoder`` (trained end to end with the denoiser, saved in the same safetensors)
turns it into ``config.image_feature_dim`` features appended to the observation history. A
policy with a camera refuses to run without an image and vice versa (ValueError naming it).
"""

from dataclasses import dataclass

from pact_policy.core import samplers
from pact_policy.core.flow_matching import FlowInterpolant
from pact_policy.core.models import ConditionalUnet1D, ImageEncoder, MLPDenoiser
from pact_policy.core.noise_schedule import NoiseSchedule
from pact_policy.core.normalizer import Normalizer
from pact_policy.core.policy_config import PolicyConfig, SAMPLERS
import torch
from torch import nn


@dataclass(frozen=True)
class NoiseLevels:
    """α_t, σ_t, β_t per sample, each a float32 tensor of shape (B,)."""

    alpha: torch.Tensor
    sigma: torch.Tensor
    beta: torch.Tensor


def build_denoiser(config: PolicyConfig) -> nn.Module:
    """Return the denoiser network described by ``config`` (fresh weights)."""
    if config.model_type == 'unet':
        return ConditionalUnet1D(config.horizon, config.action_dim, config.denoiser_condition_dim,
                                 down_dims=tuple(config.unet_down_dims),
                                 kernel_size=config.unet_kernel_size,
                                 time_embed_dim=config.time_embed_dim)
    return MLPDenoiser(config.horizon, config.action_dim, config.denoiser_condition_dim,
                       hidden_dim=config.mlp_hidden_dim, num_blocks=config.mlp_num_blocks,
                       time_embed_dim=config.time_embed_dim)


class DiffusionPolicy(nn.Module):
    """A diffusion (ε) or flow (velocity) action-chunk policy; see the module docstring."""

    def __init__(self, config: PolicyConfig, action_normalizer: Normalizer = None,
                 observation_normalizer: Normalizer = None):
        super().__init__()
        self.config = config
        self.action_normalizer = action_normalizer or Normalizer.identity(config.action_dim)
        self.observation_normalizer = (observation_normalizer
                                       or Normalizer.identity(config.obs_dim))
        for name, normalizer, size in (('action', self.action_normalizer, config.action_dim),
                                       ('observation', self.observation_normalizer,
                                        config.obs_dim)):
            if normalizer.dim != size:
                raise ValueError(
                    f'{name} normaliser has {normalizer.dim} dims, config says {size}')
        self.denoiser = build_denoiser(config)
        self.image_encoder = (ImageEncoder(config.image_feature_dim,
                                           tuple(config.image_encoder_channels))
                              if config.uses_image else None)
        self.schedule = NoiseSchedule(config.num_train_timesteps, config.beta_schedule)
        self.interpolant = FlowInterpolant()

    @property
    def is_flow(self) -> bool:
        """Return True for the velocity (flow-matching) parameterisation."""
        return self.config.parameterisation == 'velocity'

    @property
    def device(self) -> torch.device:
        """Return the device of the weights."""
        return next(self.parameters()).device

    # --- the trainer-facing interface -----------------------------------------------------

    def model_time(self, timestep: torch.Tensor) -> torch.Tensor:
        """Return the float time fed to the network: step index, or flow t scaled by T."""
        timestep = torch.as_tensor(timestep, device=self.device)
        if self.is_flow:
            return timestep.float() * self.config.num_train_timesteps
        return timestep.float()

    def predict(self, noisy_action: torch.Tensor, timestep: torch.Tensor,
                observation: torch.Tensor, image: torch.Tensor = None) -> torch.Tensor:
        """Return ε̂ or v̂ (B,H,D) for normalised noisy chunks, observations (and images)."""
        return self.predict_conditioned(noisy_action, timestep,
                                        self.encode_condition(observation, image))

    def encode_condition(self, observation: torch.Tensor,
                         image: torch.Tensor = None) -> torch.Tensor:
        """
        Return the denoiser's conditioning (B, denoiser_condition_dim).

        ``observation`` is normalised (B, O) or (B, n_obs, obs_dim); ``image`` the preprocessed
        (B, 3, S, S) frame, required exactly when the policy has a camera.
        """
        condition = self._flat_observation(observation)
        if self.image_encoder is None:
            if image is not None:
                raise ValueError('this policy has no camera input (config.camera_name is '
                                 'empty) but an image was given')
            return condition
        if image is not None:
            image = torch.as_tensor(image, device=condition.device)
        self._check_image(image, condition.shape[0])
        return torch.cat([condition, self.image_encoder(image.to(condition.dtype))], dim=-1)

    def predict_conditioned(self, noisy_action: torch.Tensor, timestep: torch.Tensor,
                            conditioning: torch.Tensor) -> torch.Tensor:
        """Return ε̂ or v̂ (B,H,D) given an ``encode_condition`` output (B, C)."""
        self._check_chunk(noisy_action)
        if conditioning.shape[0] != noisy_action.shape[0]:
            raise ValueError(f'batch mismatch: chunk {noisy_action.shape[0]}, '
                             f'observation {conditioning.shape[0]}')
        if conditioning.dim() != 2 or conditioning.shape[1] != self.config.denoiser_condition_dim:
            raise ValueError(f'conditioning shape {tuple(conditioning.shape)} is not (B, '
                             f'{self.config.denoiser_condition_dim})')
        timestep = torch.as_tensor(timestep, device=noisy_action.device)
        if timestep.dim() == 0:
            timestep = timestep.expand(noisy_action.shape[0])
        return self.denoiser(noisy_action, self.model_time(timestep), conditioning)

    def forward(self, noisy_action, timestep, observation, image=None):
        """Alias of ``predict`` so the policy can be called like any nn.Module."""
        return self.predict(noisy_action, timestep, observation, image)

    def noise_levels(self, timestep: torch.Tensor) -> NoiseLevels:
        """Return α_t, σ_t, β_t (B,) for the given timesteps."""
        if self.is_flow:
            time = torch.as_tensor(timestep).float()
            beta = self.interpolant.equivalent_beta(time, self.config.num_train_timesteps)
            return NoiseLevels(self.interpolant.alpha_at(time), self.interpolant.sigma_at(time),
                               beta)
        return NoiseLevels(self.schedule.alpha_at(timestep), self.schedule.sigma_at(timestep),
                           self.schedule.beta_at(timestep))

    def add_noise(self, clean: torch.Tensor, noise: torch.Tensor,
                  timestep: torch.Tensor) -> torch.Tensor:
        """Return a_t = α_t a_0 + σ_t ε (normalised, (B,H,D))."""
        if self.is_flow:
            return self.interpolant.add_noise(clean, noise, timestep)
        return self.schedule.add_noise(clean, noise, timestep)

    def training_target(self, clean: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """Return the regression target: ε, or the velocity ε - a_0."""
        if self.is_flow:
            return self.interpolant.velocity_target(clean, noise)
        return noise

    def sample_timesteps(self, batch: int, generator: torch.Generator = None) -> torch.Tensor:
        """Return uniform training timesteps (B,): int64 steps or float flow times."""
        if self.is_flow:
            return self.interpolant.sample_time(batch, generator, self.device)
        return torch.randint(0, self.config.num_train_timesteps, (batch,),
                             generator=generator, device=self.device)

    def loss(self, action: torch.Tensor, observation: torch.Tensor,
             generator: torch.Generator = None, image: torch.Tensor = None) -> torch.Tensor:
        """Return the mean denoising loss on UNnormalised actions (B,H,D) and obs (B,O)."""
        clean = self.normalize_action(action)
        condition = self.normalize_observation(observation)
        noise = torch.randn(clean.shape, generator=generator, device=clean.device,
                            dtype=clean.dtype)
        timestep = self.sample_timesteps(clean.shape[0], generator)
        prediction = self.predict(self.add_noise(clean, noise, timestep), timestep, condition,
                                  image)
        return torch.mean((prediction - self.training_target(clean, noise)) ** 2)

    # --- inference ------------------------------------------------------------------------

    @torch.no_grad()
    def sample(self, observation: torch.Tensor, sampler: str = None, num_steps: int = None,
               generator: torch.Generator = None, noise: torch.Tensor = None,
               trace: list = None, image: torch.Tensor = None) -> torch.Tensor:
        """Return unnormalised action chunks (B,H,D) for unnormalised observations (B,O)."""
        self._check_sampler(sampler)
        condition = self.normalize_observation(observation.to(self.device))
        conditioning = self.encode_condition(condition, image)
        shape = (condition.shape[0], self.config.horizon, self.config.action_dim)
        if noise is None:
            noise = torch.randn(shape, generator=generator, device=self.device)
        self._check_chunk(noise)

        def model(x, step):
            return self.predict_conditioned(x, step, conditioning)

        return self.unnormalize_action(
            self.denoise(model, noise, sampler, num_steps, generator, trace))

    def denoise(self, model, noise: torch.Tensor, sampler: str = None, num_steps: int = None,
                generator: torch.Generator = None, trace: list = None) -> torch.Tensor:
        """
        Return the normalised clean chunk (B,H,D) that ``sampler`` reaches from ``noise``.

        ``model(x, step)`` gives the ε (or velocity) prediction: the policy's own denoiser in
        ``sample``, or a guided one (e.g. the constraint-guided guardrail).
        """
        sampler = self._check_sampler(sampler)
        num_steps = num_steps or self.config.num_inference_steps
        clip = self.config.clip_sample_range
        if sampler == 'ddpm':
            return samplers.sample_ddpm(model, self.schedule, noise, num_steps, generator, clip,
                                        trace)
        if sampler == 'ddim':
            return samplers.sample_ddim(model, self.schedule, noise, num_steps, 0.0, generator,
                                        clip, trace)
        if sampler == 'euler':
            return samplers.sample_flow_euler(model, noise, num_steps, trace)
        return samplers.sample_flow_midpoint(model, noise, num_steps, trace)

    def _check_sampler(self, sampler: str = None) -> str:
        """Return the sampler to use (default when None); raise if it does not fit the policy."""
        sampler = sampler or self.config.default_sampler
        allowed = SAMPLERS[self.config.parameterisation]
        if sampler not in allowed:
            raise ValueError(f'sampler {sampler!r} does not fit a {self.config.parameterisation} '
                             f'policy; use one of {allowed}')
        return sampler

    # --- normalisation --------------------------------------------------------------------

    def normalize_action(self, action: torch.Tensor) -> torch.Tensor:
        """Map unnormalised actions (..., D) to the network's space."""
        return self.action_normalizer.normalize(action)

    def unnormalize_action(self, action: torch.Tensor) -> torch.Tensor:
        """Map normalised actions (..., D) back to SI units."""
        return self.action_normalizer.unnormalize(action)

    def normalize_observation(self, observation: torch.Tensor) -> torch.Tensor:
        """Map (B, O) or (B, n_obs, obs_dim) unnormalised observations to normalised (B, O)."""
        history = self._history(observation)
        return self.observation_normalizer.normalize(history).reshape(history.shape[0], -1)

    def unnormalize_observation(self, observation: torch.Tensor) -> torch.Tensor:
        """Map normalised (B, O) or (B, n_obs, obs_dim) observations back to (B, O)."""
        history = self._history(observation)
        return self.observation_normalizer.unnormalize(history).reshape(history.shape[0], -1)

    # --- helpers --------------------------------------------------------------------------

    def _history(self, observation: torch.Tensor) -> torch.Tensor:
        """Return the observation as (B, n_obs, obs_dim) or raise naming the bad shape."""
        config = self.config
        if observation.dim() == 2 and observation.shape[1] == config.condition_dim:
            return observation.reshape(observation.shape[0], config.n_obs_steps, config.obs_dim)
        if observation.dim() == 3 and tuple(observation.shape[1:]) == (config.n_obs_steps,
                                                                       config.obs_dim):
            return observation
        raise ValueError(f'observation shape {tuple(observation.shape)} is neither '
                         f'(B, {config.condition_dim}) nor (B, {config.n_obs_steps}, '
                         f'{config.obs_dim})')

    def _flat_observation(self, observation: torch.Tensor) -> torch.Tensor:
        return self._history(observation).reshape(observation.shape[0], -1)

    def _check_image(self, image: torch.Tensor, batch: int):
        """Raise ValueError unless ``image`` is a finite (batch, 3, S, S) float tensor."""
        size = self.config.image_size
        if image is None:
            raise ValueError(f'this policy needs a camera image ({self.config.camera_name!r}, '
                             f'preprocessed to (B, 3, {size}, {size})); none was given')
        if tuple(image.shape) != (batch, 3, size, size):
            raise ValueError(f'image shape {tuple(image.shape)} is not ({batch}, 3, {size}, '
                             f'{size}) (preprocess it with ImagePreprocessor.from_config)')
        if not image.is_floating_point() or not bool(torch.isfinite(image).all()):
            raise ValueError(f'image must be finite floats, got dtype {image.dtype}')

    def _check_chunk(self, chunk: torch.Tensor):
        expected = (self.config.horizon, self.config.action_dim)
        if chunk.dim() != 3 or tuple(chunk.shape[1:]) != expected:
            raise ValueError(f'action chunk shape {tuple(chunk.shape)} is not (B, {expected[0]}, '
                             f'{expected[1]})')
