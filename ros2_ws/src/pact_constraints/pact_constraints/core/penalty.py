# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Penalties turning a violation v = margin - slack into a cost c >= 0 (0 when v <= 0).

``hinge``: c = max(0, v). ``smooth``: the once-differentiable Huber hinge of width w,
c = v**2 / (2 w) for 0 < v < w and v - w / 2 for v >= w. The numpy versions return the cost
and dc/dv; ``torch_penalty`` is the same formula for autograd.
"""

from typing import Tuple

import numpy as np


def penalty(violation, kind: str, width: float) -> Tuple[np.ndarray, np.ndarray]:
    """Return (cost, d cost / d violation) elementwise for ``kind`` 'hinge' or 'smooth'."""
    v = np.asarray(violation, dtype=float)
    if kind == 'hinge':
        return np.maximum(v, 0.0), (v > 0).astype(float)
    if kind == 'smooth':
        quadratic = (v > 0) & (v < width)
        cost = np.where(v >= width, v - 0.5 * width, np.where(quadratic, v * v / (2 * width), 0))
        slope = np.where(v >= width, 1.0, np.where(quadratic, v / width, 0.0))
        return cost, slope
    raise ValueError(f'penalty must be hinge or smooth, got {kind!r}')


def torch_penalty(violation, kind: str, width: float):
    """Return the cost of a torch tensor of violations (same formula as ``penalty``)."""
    import torch
    if kind == 'hinge':
        return torch.clamp(violation, min=0.0)
    if kind == 'smooth':
        positive = torch.clamp(violation, min=0.0)
        return torch.where(positive >= width, positive - 0.5 * width,
                           positive * positive / (2 * width))
    raise ValueError(f'penalty must be hinge or smooth, got {kind!r}')
