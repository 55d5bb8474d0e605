# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Denoiser networks: ``model(noisy (B,H,D), time (B,), condition (B,C)) -> (B,H,D)``.

Every denoiser maps a noisy normalised action chunk, a float "model time" per sample and a
flat conditioning vector (the normalised observation history, then the image features when the
policy has a camera) to a tensor of the chunk's shape (ε or velocity, depending on the policy's
parameterisation). ``ImageEncoder`` maps a preprocessed image (B, 3, S, S) to (B, F) features.
"""

from pact_policy.core.models.image_encoder import ImageEncoder
from pact_policy.core.models.mlp_denoiser import MLPDenoiser
from pact_policy.core.models.temporal_unet import ConditionalUnet1D

__all__ = ['ConditionalUnet1D', 'ImageEncoder', 'MLPDenoiser']
