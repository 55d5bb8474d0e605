# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Constraint costs as plain, differentiable torch callables on action chunks.

A cost term k is a callable ``function(chunk, context, margin) -> (B,)`` returning
c_k(s, a) ≥ 0 (0 when the constraint holds with margin d_k), where

- ``chunk`` is a float tensor (B, H, D) of UNnormalised absolute targets (rad, m), rows
  ``dt`` seconds apart, exactly what a controller would receive;
- ``context`` is a mapping of per-sample tensors with leading dimension B (at least
  ``'observation'``: the unnormalised observation (B, O)); robot costs may read more keys
  (scene geometry, object keypoints) that the rollout source stores beside the observation;
- ``margin`` is d_k in the constraint's own unit (m, rad, rad/s), set by the curriculum.

Gradients must flow from the returned values to ``chunk``: the safe teacher differentiates them
through the policy's un-normalisation (chain rule handled by autograd). A term whose callable
takes no margin is wrapped with ``CostTerm.from_callable``. ``CostSet`` combines terms with
multipliers λ_k into C(s, a) = Σ_k λ_k c_k(s, a).

Terms computed together (e.g. every robot constraint shares one forward-kinematics pass) name
a common ``group``: an object with ``evaluate(chunk, context, margins) -> {name: (B,)}``.
``CostSet`` then calls the group once per evaluation with ``{name: d_k}`` of its terms at their
current margins; each term's own ``function`` still works alone (evaluates the group for it).
"""

from dataclasses import dataclass, field, replace
import inspect
from typing import Callable, Mapping, Sequence

import torch

Context = Mapping[str, torch.Tensor]


@dataclass(frozen=True)
class CostTerm:
    """One constraint term: name, callable, multiplier λ_k (≥ 0), margin d_k, optional group."""

    name: str
    function: Callable
    weight: float = 1.0
    margin: float = 0.0
    group: object = field(default=None, compare=False)

    def __post_init__(self):
        """Validate the multiplier and margin."""
        if not self.name:
            raise ValueError('cost term needs a name')
        if not self.weight >= 0.0:
            raise ValueError(f'cost term {self.name!r}: weight must be >= 0, got {self.weight}')
        if not callable(self.function):
            raise ValueError(f'cost term {self.name!r}: function is not callable')

    @classmethod
    def from_callable(cls, name: str, function: Callable, weight: float = 1.0,
                      margin: float = 0.0) -> 'CostTerm':
        """Wrap ``function(chunk, context)`` (no margin argument) as a term."""
        if len(inspect.signature(function).parameters) >= 3:
            return cls(name, function, weight, margin)

        def with_margin(chunk, context, margin):
            return function(chunk, context)

        return cls(name, with_margin, weight, margin)

    def evaluate(self, chunk: torch.Tensor, context: Context) -> torch.Tensor:
        """Return c_k (B,) and check its shape and finiteness."""
        return self.checked(self.function(chunk, context, self.margin), chunk)

    def checked(self, values: torch.Tensor, chunk: torch.Tensor) -> torch.Tensor:
        """Return ``values`` after checking they are one cost per chunk, shape (B,)."""
        if values.shape != (chunk.shape[0],):
            raise ValueError(f'cost term {self.name!r} returned shape {tuple(values.shape)}, '
                             f'expected ({chunk.shape[0]},)')
        return values


class CostSet:
    """
    The weighted constraint cost C(s, a) = Σ_k λ_k c_k(s, a) over a list of ``CostTerm``.

    ``values`` gives the per-term matrix (B, K), ``total`` the weighted sum (B,),
    ``violations`` a boolean (B, K) of c_k > ``tolerance``.
    """

    def __init__(self, terms: Sequence[CostTerm]):
        names = [term.name for term in terms]
        if not names:
            raise ValueError('a cost set needs at least one term')
        if len(set(names)) != len(names):
            raise ValueError(f'duplicate cost term names: {names}')
        self.terms = tuple(terms)
        self._device_weights = {}

    @property
    def names(self) -> list:
        """Return the term names in order."""
        return [term.name for term in self.terms]

    @property
    def margins(self) -> dict:
        """Return {name: d_k}."""
        return {term.name: term.margin for term in self.terms}

    @property
    def weights(self) -> torch.Tensor:
        """Return λ_k as a float32 tensor (K,)."""
        return torch.tensor([term.weight for term in self.terms], dtype=torch.float32)

    def with_margins(self, margins: Mapping[str, float]) -> 'CostSet':
        """Return a copy whose margins are replaced where ``margins`` names a term."""
        unknown = sorted(set(margins) - set(self.names))
        if unknown:
            raise ValueError(f'margins for unknown cost terms {unknown}; known {self.names}')
        return CostSet([replace(term, margin=float(margins.get(term.name, term.margin)))
                        for term in self.terms])

    def values(self, chunk: torch.Tensor, context: Context) -> torch.Tensor:
        """Return c_k for every term, shape (B, K) (each group evaluated once)."""
        columns = {}
        for term in self.terms:
            if term.name in columns:
                continue
            if term.group is None:
                columns[term.name] = term.evaluate(chunk, context)
                continue
            members = [other for other in self.terms if other.group is term.group]
            results = term.group.evaluate(chunk, context,
                                          {member.name: member.margin for member in members})
            for member in members:
                columns[member.name] = member.checked(results[member.name], chunk)
        return torch.stack([columns[name] for name in self.names], dim=-1)

    def total(self, chunk: torch.Tensor, context: Context) -> torch.Tensor:
        """Return Σ_k λ_k c_k, shape (B,) (λ_k copied to the device once, not per call)."""
        values = self.values(chunk, context)
        key = (values.device, values.dtype)
        if key not in self._device_weights:
            self._device_weights[key] = self.weights.to(values)
        return values @ self._device_weights[key]


def slice_context(context: Context, index) -> dict:
    """Return the context restricted to ``index`` (any torch index) along the batch axis."""
    return {key: value[index] for key, value in context.items()}


def context_to(context: Context, device) -> dict:
    """Return the context with every tensor moved to ``device``."""
    return {key: value.to(device) for key, value in context.items()}
