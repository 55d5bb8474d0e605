# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Configuration of a diffusion / flow policy: shapes, chunking, parameterisation, architecture.

Chunking: the policy predicts ``horizon`` (H) rows of ``action_dim`` (D) absolute targets,
``action_dt`` seconds apart, and the controller executes the first ``n_action_steps`` (n ≤ H)
before the next inference. Observation history: the policy is conditioned on the last
``n_obs_steps`` observation vectors of ``obs_dim`` entries, flattened oldest-first into one
vector of ``condition_dim = n_obs_steps * obs_dim`` entries.

``clip_sample_range`` (> 0) clips the DDPM/DDIM clean-sample estimate â_0 to ±range in
normalised units at every step (Diffusion Policy's ``clip_sample``; 1.0 fits the default min-max
action normaliser, 0 disables it). It keeps few-step DDIM stable where σ_t/α_t is large.

Optional camera image (``camera_name`` non-empty): the policy also takes the latest image of
that camera, preprocessed to ``image_size`` px square (``core.image_preprocessing``: optional
centre crop, INTER_AREA resize, RGB, (x/255 - ``image_mean``) / ``image_std``) and encoded by a
small CNN (``models.ImageEncoder``: conv widths ``image_encoder_channels``, ``image_feature_dim``
features). The denoiser is conditioned on ``denoiser_condition_dim = condition_dim +
image_feature_dim`` entries: the flat observation history, then the image features. With
``camera_name == ''`` (the default) the image fields are ignored and left out of ``to_dict``,
so a policy without a camera has exactly the JSON, id and weights it had before images existed.

``architecture_id`` is a readable string of every field that changes the weight tensors or
their meaning; two checkpoints with the same id are interchangeable in a running policy node.
``architecture_difference`` names the parts in which two ids differ.
"""

from dataclasses import asdict, dataclass, field, fields
import math

PARAMETERISATIONS = ('epsilon', 'velocity')
MODEL_TYPES = ('mlp', 'unet')
SAMPLERS = {'epsilon': ('ddpm', 'ddim'), 'velocity': ('euler', 'midpoint')}
ARCHITECTURE_FORMAT = 'pact-policy/1'
IMAGE_FIELDS = ('camera_name', 'image_size', 'image_center_crop', 'image_feature_dim',
                'image_encoder_channels', 'image_mean', 'image_std')
ARCHITECTURE_PARTS = ('format', 'denoiser', 'parameterisation', 'noise schedule',
                      'action chunk', 'observation history', 'image encoder')


@dataclass
class PolicyConfig:
    """All hyper-parameters needed to rebuild a policy; JSON-serialisable via ``to_dict``."""

    action_dim: int
    obs_dim: int
    horizon: int = 16
    n_action_steps: int = 8
    n_obs_steps: int = 1
    action_dt: float = 0.1
    parameterisation: str = 'epsilon'
    model_type: str = 'unet'
    num_train_timesteps: int = 100
    beta_schedule: str = 'cosine'
    default_sampler: str = ''
    num_inference_steps: int = 10
    clip_sample_range: float = 1.0
    time_embed_dim: int = 64
    mlp_hidden_dim: int = 256
    mlp_num_blocks: int = 3
    unet_down_dims: list = field(default_factory=lambda: [64, 128])
    unet_kernel_size: int = 5
    action_names: list = field(default_factory=list)
    observation_names: list = field(default_factory=list)
    camera_name: str = ''
    image_size: int = 96
    image_center_crop: bool = True
    image_feature_dim: int = 64
    image_encoder_channels: list = field(default_factory=lambda: [16, 32, 64, 64])
    image_mean: list = field(default_factory=lambda: [0.485, 0.456, 0.406])
    image_std: list = field(default_factory=lambda: [0.229, 0.224, 0.225])

    def __post_init__(self):
        """Fill defaults that depend on other fields and validate everything."""
        self.unet_down_dims = [int(width) for width in self.unet_down_dims]
        self.image_encoder_channels = [int(width) for width in self.image_encoder_channels]
        self.image_mean = [float(value) for value in self.image_mean]
        self.image_std = [float(value) for value in self.image_std]
        self.action_names = [str(name) for name in self.action_names]
        self.observation_names = [str(name) for name in self.observation_names]
        if not self.default_sampler:
            self.default_sampler = SAMPLERS.get(self.parameterisation, ('',))[-1]
        self.validate()

    @property
    def condition_dim(self) -> int:
        """Return the length of the flattened observation history, n_obs_steps * obs_dim."""
        return self.n_obs_steps * self.obs_dim

    @property
    def uses_image(self) -> bool:
        """Return True when the policy takes a camera image (``camera_name`` is set)."""
        return bool(self.camera_name)

    @property
    def denoiser_condition_dim(self) -> int:
        """Return the denoiser's conditioning length: history (+ image features)."""
        return self.condition_dim + (self.image_feature_dim if self.uses_image else 0)

    @property
    def architecture_id(self) -> str:
        """Return the id of the weight layout and meaning (see the module docstring)."""
        if self.model_type == 'unet':
            body = 'unet1d-' + '-'.join(str(w) for w in self.unet_down_dims)
            body += f'-k{self.unet_kernel_size}'
        else:
            body = f'mlp-{self.mlp_hidden_dim}x{self.mlp_num_blocks}'
        identity = (f'{ARCHITECTURE_FORMAT}:{body}-te{self.time_embed_dim}'
                    f':{self.parameterisation}:T{self.num_train_timesteps}-{self.beta_schedule}'
                    f':H{self.horizon}xD{self.action_dim}:obs{self.n_obs_steps}x{self.obs_dim}')
        if self.uses_image:
            crop = 'c' if self.image_center_crop else ''
            widths = '-'.join(str(width) for width in self.image_encoder_channels)
            identity += f':image{self.image_size}{crop}-cnn{widths}-f{self.image_feature_dim}'
        return identity

    def validate(self):
        """Raise ValueError naming the first invalid field."""
        positive = ('action_dim', 'obs_dim', 'horizon', 'n_action_steps', 'n_obs_steps',
                    'num_train_timesteps', 'num_inference_steps', 'time_embed_dim',
                    'mlp_hidden_dim', 'mlp_num_blocks', 'unet_kernel_size')
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(
                    f'policy config: {name} must be a positive integer, got {value!r}')
        if self.n_action_steps > self.horizon:
            raise ValueError(f'policy config: n_action_steps {self.n_action_steps} exceeds '
                             f'horizon {self.horizon}')
        if not self.action_dt > 0.0:
            raise ValueError(f'policy config: action_dt must be > 0 s, got {self.action_dt}')
        _check_choice('parameterisation', self.parameterisation, PARAMETERISATIONS)
        _check_choice('model_type', self.model_type, MODEL_TYPES)
        _check_choice('beta_schedule', self.beta_schedule, ('linear', 'cosine'))
        _check_choice('default_sampler', self.default_sampler, SAMPLERS[self.parameterisation])
        if self.time_embed_dim % 2:
            raise ValueError('policy config: time_embed_dim must be even')
        if self.model_type == 'unet':
            if not self.unet_down_dims or min(self.unet_down_dims) < 1:
                raise ValueError('policy config: unet_down_dims must be positive widths')
            stride = 2 ** (len(self.unet_down_dims) - 1)
            if self.horizon % stride:
                raise ValueError(f'policy config: horizon {self.horizon} must be divisible by '
                                 f'{stride} for unet_down_dims {self.unet_down_dims}')
        for names, size, what in ((self.action_names, self.action_dim, 'action_names'),
                                  (self.observation_names, self.obs_dim, 'observation_names')):
            if names and len(names) != size:
                raise ValueError(f'policy config: {what} has {len(names)} entries, '
                                 f'expected {size}')
        if self.uses_image:
            self._validate_image()

    def _validate_image(self):
        """Raise ValueError naming the first invalid image field."""
        if not isinstance(self.camera_name, str):
            raise ValueError(f'policy config: camera_name must be a string, got '
                             f'{self.camera_name!r}')
        for name in ('image_size', 'image_feature_dim'):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(
                    f'policy config: {name} must be a positive integer, got {value!r}')
        if not isinstance(self.image_center_crop, bool):
            raise ValueError(f'policy config: image_center_crop must be true or false, got '
                             f'{self.image_center_crop!r}')
        channels = self.image_encoder_channels
        if not channels or min(channels) < 1:
            raise ValueError('policy config: image_encoder_channels must be positive widths')
        if self.image_size < 2 ** (len(channels) - 1):
            raise ValueError(f'policy config: image_size {self.image_size} px is too small for '
                             f'{len(channels) - 1} stride-2 layers (need >= '
                             f'{2 ** (len(channels) - 1)})')
        for name in ('image_mean', 'image_std'):
            values = getattr(self, name)
            if len(values) != 3 or not all(math.isfinite(value) for value in values):
                raise ValueError(f'policy config: {name} must be 3 finite numbers (R, G, B), '
                                 f'got {values}')
        if min(self.image_std) <= 0.0:
            raise ValueError(f'policy config: image_std must be > 0, got {self.image_std}')

    def to_dict(self) -> dict:
        """Return a JSON-ready dict of every field (image fields only with a camera)."""
        values = asdict(self)
        if not self.uses_image:
            for name in IMAGE_FIELDS:
                values.pop(name)
        return values

    @classmethod
    def from_dict(cls, values: dict) -> 'PolicyConfig':
        """Build from ``to_dict`` output; unknown or missing fields raise ValueError by name."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f'policy config: unknown fields {unknown}')
        try:
            return cls(**values)
        except TypeError as error:
            raise ValueError(f'policy config: {error}') from error


def architecture_difference(first: str, second: str) -> str:
    """
    Return which parts of two architecture ids differ, e.g. for error messages.

    Example: ``"image encoder: 'image96c-cnn16-32-64-64-f64' vs none"``; '' when equal.
    """
    first_parts, second_parts = first.split(':'), second.split(':')
    differences = []
    for index in range(max(len(first_parts), len(second_parts))):
        a = first_parts[index] if index < len(first_parts) else None
        b = second_parts[index] if index < len(second_parts) else None
        if a != b:
            label = (ARCHITECTURE_PARTS[index] if index < len(ARCHITECTURE_PARTS)
                     else f'part {index + 1}')
            differences.append(f'{label}: {_quoted(a)} vs {_quoted(b)}')
    return '; '.join(differences)


def _quoted(part) -> str:
    return 'none' if part is None else repr(part)


def _check_choice(name: str, value, choices):
    if value not in choices:
        raise ValueError(f'policy config: {name} must be one of {tuple(choices)}, got {value!r}')
