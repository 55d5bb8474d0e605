# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Per-dimension affine normalisers for actions and observations.

Two modes, chosen per normaliser:

- ``'minmax'``: x_n = 2 (x - min) / (max - min) - 1, so the data range maps to [-1, 1]
  (Diffusion Policy's default for actions);
- ``'gaussian'``: x_n = (x - mean) / std.

Both are stored as ``x_n = (x - offset) / scale`` with ``offset``/``scale`` of shape (D,).
A dimension whose range (or std) is below ``min_scale`` (e.g. a joint that never moved in
the demonstrations) gets scale = 1 around its centre, so it stays finite. Statistics are in the
units of the data (rad, m, ...) and travel in checkpoint JSON via ``to_dict``/``from_dict``.
"""

from dataclasses import dataclass, field

import numpy as np
import torch

NORMALIZER_MODES = ('minmax', 'gaussian')


@dataclass(frozen=True)
class Normalizer:
    """
    An affine per-dimension map; ``offset`` and ``scale`` are float64 arrays of shape (D,).

    ``normalize``/``unnormalize`` act on the last axis of a torch tensor or numpy array (..., D)
    and return the same type. For torch inputs ``offset``/``scale`` are converted once per
    (device, dtype) and kept: a copy to an accelerator makes the host wait for it.
    """

    mode: str
    offset: np.ndarray
    scale: np.ndarray
    statistics: dict
    _tensors: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def dim(self) -> int:
        """Return the number of dimensions D."""
        return int(self.offset.shape[0])

    @classmethod
    def fit(cls, data, mode: str = 'minmax', min_scale: float = 1e-4) -> 'Normalizer':
        """Fit to ``data`` of shape (N, D) (any leading axes are flattened)."""
        if mode not in NORMALIZER_MODES:
            raise ValueError(f'normaliser mode must be one of {NORMALIZER_MODES}, got {mode!r}')
        values = np.asarray(data, dtype=np.float64)
        values = values.reshape(-1, values.shape[-1])
        if values.shape[0] == 0 or not np.all(np.isfinite(values)):
            raise ValueError('cannot fit a normaliser to empty or non-finite data')
        if mode == 'minmax':
            statistics = {'min': values.min(axis=0).tolist(), 'max': values.max(axis=0).tolist()}
        else:
            statistics = {'mean': values.mean(axis=0).tolist(), 'std': values.std(axis=0).tolist()}
        return cls.from_statistics(mode, statistics, min_scale)

    @classmethod
    def identity(cls, dim: int) -> 'Normalizer':
        """Return the normaliser that leaves data unchanged (mean 0, std 1)."""
        return cls.from_statistics('gaussian', {'mean': [0.0] * dim, 'std': [1.0] * dim})

    @classmethod
    def from_statistics(cls, mode: str, statistics: dict,
                        min_scale: float = 1e-4) -> 'Normalizer':
        """Build from {'min','max'} (minmax) or {'mean','std'} (gaussian) lists of length D."""
        if mode == 'minmax':
            low, high = _vectors(statistics, 'min', 'max')
            offset, scale = (high + low) / 2.0, (high - low) / 2.0
            scale = np.where(scale < min_scale / 2.0, 1.0, scale)
        elif mode == 'gaussian':
            offset, scale = _vectors(statistics, 'mean', 'std')
            scale = np.where(scale < min_scale, 1.0, scale)
        else:
            raise ValueError(f'normaliser mode must be one of {NORMALIZER_MODES}, got {mode!r}')
        stats = {key: [float(v) for v in statistics[key]] for key in sorted(statistics)}
        return cls(mode, offset, scale, {'min_scale': float(min_scale), **stats})

    def to_dict(self) -> dict:
        """Return a JSON-ready description (mode + statistics) that ``from_dict`` restores."""
        return {'mode': self.mode, **self.statistics}

    @classmethod
    def from_dict(cls, description: dict) -> 'Normalizer':
        """Restore from ``to_dict`` output; raise ValueError naming a missing/invalid field."""
        if not isinstance(description, dict) or 'mode' not in description:
            raise ValueError('normaliser description needs a "mode" field')
        fields = {k: v for k, v in description.items() if k not in ('mode', 'min_scale')}
        return cls.from_statistics(description['mode'], fields,
                                   float(description.get('min_scale', 1e-4)))

    def normalize(self, values):
        """Return (values - offset) / scale along the last axis."""
        offset, scale = self._like(values)
        return (values - offset) / scale

    def unnormalize(self, values):
        """Return values * scale + offset along the last axis."""
        offset, scale = self._like(values)
        return values * scale + offset

    def _like(self, values):
        if values.shape[-1] != self.dim:
            raise ValueError(
                f'expected last dimension {self.dim}, got shape {tuple(values.shape)}')
        if isinstance(values, torch.Tensor):
            key = (values.device, values.dtype)
            if key not in self._tensors:
                self._tensors[key] = (
                    torch.as_tensor(self.offset, dtype=values.dtype, device=values.device),
                    torch.as_tensor(self.scale, dtype=values.dtype, device=values.device))
            return self._tensors[key]
        return self.offset.astype(values.dtype), self.scale.astype(values.dtype)


def _vectors(statistics: dict, first: str, second: str):
    """Return two equal-length finite float64 vectors from ``statistics`` or raise ValueError."""
    missing = [key for key in (first, second) if key not in statistics]
    if missing:
        raise ValueError(f'normaliser statistics lack {missing}')
    a = np.asarray(statistics[first], dtype=np.float64).reshape(-1)
    b = np.asarray(statistics[second], dtype=np.float64).reshape(-1)
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f'normaliser statistics {first}/{second} have shapes {a.shape}/{b.shape}')
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError(f'normaliser statistics {first}/{second} are not finite')
    return a, b
