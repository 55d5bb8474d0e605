# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The path a joint trajectory controller executes for an action chunk, and its costs.

A chunk is H absolute joint-target rows ``dt`` s apart. A position-controlled arm does not jump
from row to row: its controller moves the setpoint linearly from where it was (the last command,
or the measured state when there is none) to row 0 over ``dt``, then to row 1, and so on. A
chunk's waypoints can all be clear of an obstacle while the straight joint-space segment between
two of them cuts through it; a chunk must therefore be scored on that executed path, not on its
rows alone.

``executed_path(chunk, start, substeps)`` returns the path sampled ``substeps`` times per row
(the last sample of every row is the row itself), as a (B, H * substeps, D) tensor that is
differentiable with respect to the chunk and the start. ``ExecutedPathCosts`` evaluates
``TorchConstraintCosts`` on that path: every term is divided by ``substeps``, so a path whose
sub-steps all equal their row costs what the rows cost, and the joint-velocity term (sub-step
differences over ``dt / substeps``) keeps its meaning; ``payload_drop`` counts one release per
chunk and is not divided. ``rows`` limits the path to the first
rows of every chunk (the rows a receding-horizon controller executes before the next chunk).

Sampling: between two samples the setpoint moves ``1 / substeps`` of a row's joint change; the
controller's own 2 ms steps lie on the same straight joint-space segment, so a finer sampling
only adds the poses between two samples.
"""

from typing import Mapping, Optional

from pact_constraints.core.torch_costs import ChunkCosts, TorchConstraintCosts
from pact_constraints.core.torch_obstacles import ObstacleTensors
from pact_constraints.core.torch_payload import ObjectTensors
import torch

# Terms that count events (once per chunk), not a sum over rows: not divided by the sub-steps.
PER_EVENT_TERMS = ('payload_drop',)


def executed_path(chunk: torch.Tensor, start: torch.Tensor, substeps: int,
                  rows: Optional[int] = None) -> torch.Tensor:
    """
    Return the setpoints (B, R * substeps, D) a controller passes through for ``chunk``.

    ``chunk`` (B, H, D) absolute targets ``dt`` s apart; ``start`` (B, D) the setpoint before
    the chunk (last command or measured positions); ``rows`` R ≤ H rows executed (default H).
    Sample ``s`` of row ``j`` is ``p_{j-1} + (p_j - p_{j-1}) * s / substeps``, s = 1..substeps,
    with ``p_{-1} = start``.
    """
    if substeps < 1:
        raise ValueError(f'substeps must be >= 1, got {substeps}')
    if chunk.dim() != 3 or start.shape != (chunk.shape[0], chunk.shape[2]):
        raise ValueError(f'chunk must be (B, H, D) and start (B, D), got '
                         f'{tuple(chunk.shape)} and {tuple(start.shape)}')
    rows = chunk.shape[1] if rows is None else rows
    if not 1 <= rows <= chunk.shape[1]:
        raise ValueError(f'rows must be in [1, {chunk.shape[1]}], got {rows}')
    targets = chunk[:, :rows]
    previous = torch.cat([start[:, None].to(targets), targets[:, :-1]], dim=1)
    fractions = torch.arange(1, substeps + 1, dtype=targets.dtype,
                             device=targets.device) / substeps
    step = (targets - previous)[:, :, None, :] * fractions[None, None, :, None]
    path = previous[:, :, None, :] + step
    return path.reshape(chunk.shape[0], rows * substeps, chunk.shape[2])


class ExecutedPathCosts:
    """``TorchConstraintCosts`` of the executed path of chunks (see the module docstring)."""

    def __init__(self, costs: TorchConstraintCosts, substeps: int = 5,
                 rows: Optional[int] = None):
        """Score with ``costs`` (built for the row spacing ``dt``) at ``substeps`` per row."""
        if substeps < 1:
            raise ValueError(f'substeps must be >= 1, got {substeps}')
        self.costs, self.substeps, self.rows = costs, int(substeps), rows

    def __call__(self, chunks: torch.Tensor, start: torch.Tensor,
                 keypoints: Optional[torch.Tensor] = None,
                 keypoint_mask: Optional[torch.Tensor] = None,
                 margins: Optional[Mapping[str, float]] = None,
                 obstacles: Optional[ObstacleTensors] = None,
                 objects: Optional[ObjectTensors] = None) -> ChunkCosts:
        """Return the per-chunk costs of the executed paths of ``chunks`` (B, H, D)."""
        rows = None if self.rows is None else min(self.rows, chunks.shape[1])
        path = executed_path(chunks.to(self.costs.device, self.costs.dtype),
                             start.to(self.costs.device, self.costs.dtype), self.substeps, rows)
        result = self.costs(path, start, keypoints, keypoint_mask, margins, obstacles,
                            dt=self.costs.dt / self.substeps, objects=objects)
        costs = {name: value if name in PER_EVENT_TERMS else value / self.substeps
                 for name, value in result.costs.items()}
        config = self.costs.config
        total = sum(config.term(name).weight * value for name, value in costs.items())
        if not costs:
            total = result.total
        return ChunkCosts(costs, total, result.min_clearance)
