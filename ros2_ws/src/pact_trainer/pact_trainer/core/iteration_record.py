# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
One alignment iteration's log record (``iterations.jsonl``, resume checkpoints, status).

``IterationRecord`` is built by ``PactAligner.step`` (and, with the PACT-only fields absent, by
the DPPO baseline) and read by attribute everywhere else. ``to_json_dict``/``from_json_dict`` are
the one place that maps it to and from JSON: the keys and their order are those of the
``iterations.jsonl`` files written before this type existed, so old files still load and new
files are written identically. A field that is None is ABSENT from the JSON (e.g.
``advanced_stage`` of a rolled-back iteration); keys this type does not know (a baseline's own
numbers, e.g. DPPO's ``ppo_loss``) are kept in ``extra`` and written after the known ones.
"""

from dataclasses import dataclass, field, fields
import json
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

CandidateStatistics = Dict[str, float]   # violation_rate, mean_cost, cost_variance, count


@dataclass(frozen=True)
class IterationRecord:
    """
    What one iteration measured and decided (JSON key order: ``JSONJSON_KEY_ORDER``).

    Costs are the weighted constraint costs of pact_constraints (dimensionless penalties of
    distances in m and angles in rad); rates are shares in [0, 1].
    """

    #: Completed iterations before this one (0-based).
    iteration: int
    #: RolloutStatistics of the candidate's fresh rollouts: ``violation_rate`` (share of chunks
    #: with any positive cost), ``mean_cost``, ``cost_variance``, ``count`` (chunks, all ranks).
    candidate: CandidateStatistics
    #: Curriculum stage (0-based) the rollouts were scored at.
    stage: Optional[int] = None
    #: Constraint name -> margin d_k at that stage (m for distances, rad for joint limits).
    margins: Optional[Dict[str, float]] = None
    #: Constraint name -> {'mean_cost', 'violation_rate'} of the candidate's rollouts.
    constraints: Optional[Dict[str, Dict[str, float]]] = None
    #: True when the monotone gate restored the accepted weights.
    rolled_back: Optional[bool] = None
    #: Why the gate rolled back ('' when it did not).
    gate_reason: Optional[str] = None
    #: Whether the curriculum advanced a stage; absent (None) when the gate rolled back.
    advanced_stage: Optional[bool] = None
    #: KL proxy between student and accepted policy after distillation (nats per action entry).
    kl_proxy: Optional[float] = None
    #: The trust region's bound on ``kl_proxy``.
    kl_bound: Optional[float] = None
    #: Distillation epochs run.
    inner_epochs: Optional[int] = None
    #: True when the trust region stopped distillation.
    kl_stopped: Optional[bool] = None
    #: Share of the teacher's correction the student learnt, per probe (None: nothing guided).
    correction_absorbed: Optional[List[Optional[float]]] = None
    #: Mean distillation loss over the iteration's optimiser steps.
    distillation_loss: Optional[float] = None
    #: Environment steps since the start (all iterations).
    env_steps: int = 0
    #: Denoiser evaluations since the start.
    denoiser_calls: int = 0
    #: Wall time of all iterations so far (s).
    wall_time: float = 0.0
    #: Learning-rate scale after the gate (halved per rollback).
    step_scale: Optional[float] = None
    #: Keys this type does not know, in their order (e.g. a baseline's own numbers).
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def violation_rate(self) -> float:
        """Return the candidate's violation rate (share of chunks)."""
        return self.candidate['violation_rate']

    @property
    def mean_cost(self) -> float:
        """Return the candidate's mean weighted cost."""
        return self.candidate['mean_cost']

    def to_json_dict(self) -> Dict[str, Any]:
        """Return the JSON-ready dict (keys in the ``iterations.jsonl`` order, None omitted)."""
        values = {name: getattr(self, name) for name in JSON_KEY_ORDER}
        result = {name: value for name, value in values.items() if value is not None}
        result.update(self.extra)
        return result

    @classmethod
    def from_json_dict(cls, data: Mapping[str, Any]) -> 'IterationRecord':
        """Return the record of a ``to_json_dict`` dict (or a line of an older log)."""
        missing = [name for name in ('iteration', 'candidate') if name not in data]
        if missing:
            raise ValueError(f'iteration record lacks {missing} (has {sorted(data)})')
        known = {name: data[name] for name in JSON_KEY_ORDER if name in data}
        extra = {name: value for name, value in data.items() if name not in _FIELDS}
        return cls(**known, extra=extra)


_FIELDS = frozenset(item.name for item in fields(IterationRecord)) - {'extra'}
# The key order of iterations.jsonl as the loop has always written it.
JSON_KEY_ORDER = (
    'stage', 'margins', 'candidate', 'constraints', 'rolled_back', 'gate_reason',
    'advanced_stage', 'kl_proxy', 'kl_bound', 'inner_epochs', 'kl_stopped',
    'correction_absorbed', 'distillation_loss', 'env_steps', 'denoiser_calls', 'wall_time',
    'iteration', 'step_scale')


def iteration_log_text(records: Iterable[IterationRecord]) -> str:
    """Return the ``iterations.jsonl`` text of ``records`` (one JSON object per line)."""
    return ''.join(json.dumps(record.to_json_dict()) + '\n' for record in records)


def read_iteration_log(path) -> List[IterationRecord]:
    """Return the records of an ``iterations.jsonl`` file (blank lines skipped)."""
    return [IterationRecord.from_json_dict(json.loads(line))
            for line in Path(path).read_text().splitlines() if line]


if set(JSON_KEY_ORDER) != _FIELDS:   # a new field must get its place in the JSON
    raise ImportError(f'JSON_KEY_ORDER misses {sorted(_FIELDS - set(JSON_KEY_ORDER))}')
