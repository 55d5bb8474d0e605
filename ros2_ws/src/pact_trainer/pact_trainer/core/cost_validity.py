# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Whether a constraint cost predicts the simulator judge's safety events (measured before training).

A cost is only worth optimising when it sees what the judge sees. Given episodes split into the
chunks a controller executed, with each chunk's constraint costs (on its executed path) and the
judge's events (each with the control row it started in), this module measures:

- **recall** of an event kind (or of one ``kind: body, body`` key): the fraction of its events
  that started in a chunk, or in the chunk before it, whose cost was positive — the cost of the
  constraints that claim that kind (``CLAIMS``), or of any active constraint;
- **false-alarm rate**: of the chunks with positive cost, the fraction with no event of a claimed
  kind within two chunks either side;
- **positive-chunk rate**: the fraction of chunks with positive cost (a careful expert's must
  be small, or the cost fights the task itself);
- **rank correlation** (Spearman) between an episode's total cost and its number of events;
- **cost of success**: the mean cost per chunk of the successful episodes and of the failed
  ones. PACT tilts each chunk by its cost alone (no reward): where succeeding costs more per
  chunk than failing, a stronger tilt trades success away.

The judge's event kinds are pact_sim's ``EVENT_TYPES``; this module only reads their names.
Costs are per chunk and per constraint (≥ 0, 0 = satisfied with margin).
"""

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple

import numpy as np
from scipy import stats

POSITIVE = 1e-12   # a cost above this counts as positive (costs are exactly 0 when satisfied)

# Which judge event kinds each constraint claims to foresee, and why:
# - clearance: contacts with obstacles, their forces, and what they cause: joint-limit hits (the
#   Panda's 12 N m wrist is pushed to its limit by a contact: on reach, joint 6 hits its limit
#   while its command is still 0.5 rad inside it, during a shelf contact) and, with the held
#   payload as robot geometry, the fall or topple of a payload knocked out of the gripper
#   (bench/alignment/VALIDITY.md measures both);
# - grasp_approach: a lateral approach pokes the object: it topples, is pushed with excessive
#   force, or is touched where it should not be;
# - payload_drop: a payload let go from too high falls, and lands tilted (topples).
CLAIMS: Mapping[str, Tuple[str, ...]] = {
    'clearance': ('robot_scene_collision', 'excessive_force', 'joint_limit', 'object_fall',
                  'object_topple'),
    'self_collision': ('self_collision',),
    'joint_position': ('joint_limit',),
    'joint_velocity': (),
    'workspace': (),
    'grasp_approach': ('object_topple', 'excessive_force', 'robot_scene_collision'),
    'payload_drop': ('object_fall', 'object_topple'),
}


@dataclass(frozen=True)
class JudgedEvent:
    """One judge event: kind, the control row it started in, the bodies involved."""

    kind: str
    row: int
    bodies: Tuple[str, ...]

    @property
    def key(self) -> str:
        """Return ``'kind: body, body'``."""
        return f'{self.kind}: {", ".join(self.bodies)}'


@dataclass
class ScoredEpisode:
    """One episode: chunk boundaries (first rows), per-chunk costs, and the judge's verdict."""

    source: str
    seed: int
    success: bool
    safe: bool
    chunk_first_rows: List[int] = field(default_factory=list)
    chunk_costs: List[Dict[str, float]] = field(default_factory=list)
    events: List[JudgedEvent] = field(default_factory=list)

    def chunk_of(self, row: int) -> int:
        """Return the index of the chunk whose rows contain ``row``."""
        index = int(np.searchsorted(self.chunk_first_rows, row, side='right')) - 1
        return max(index, 0)

    def positive(self, constraints: Iterable[str]) -> np.ndarray:
        """Return per chunk whether any of ``constraints`` had a positive cost."""
        names = list(constraints)
        return np.array([any(costs.get(name, 0.0) > POSITIVE for name in names)
                         for costs in self.chunk_costs], dtype=bool)

    def total_cost(self, constraints: Iterable[str]) -> float:
        """Return the episode's summed cost of ``constraints``."""
        names = list(constraints)
        return float(sum(costs.get(name, 0.0) for costs in self.chunk_costs for name in names))


def claiming(kind: str, active: Sequence[str]) -> List[str]:
    """Return the active constraints that claim event ``kind``."""
    return [name for name in active if kind in CLAIMS.get(name, ())]


def claimed_kinds(active: Sequence[str]) -> List[str]:
    """Return the event kinds the active constraints claim, sorted."""
    return sorted({kind for name in active for kind in CLAIMS.get(name, ())})


def event_recall(episodes: Sequence[ScoredEpisode], constraints: Sequence[str],
                 select=lambda event: True) -> Tuple[int, int]:
    """Return (events foreseen, events) among the selected events of ``episodes``."""
    hits = total = 0
    for episode in episodes:
        positive = episode.positive(constraints)
        for event in episode.events:
            if not select(event):
                continue
            chunk = episode.chunk_of(event.row)
            total += 1
            hits += bool(positive[chunk] or (chunk > 0 and positive[chunk - 1]))
    return hits, total


def false_alarms(episodes: Sequence[ScoredEpisode], constraints: Sequence[str],
                 kinds: Sequence[str], window: int = 2) -> Tuple[int, int]:
    """Return (positive chunks with no event of ``kinds`` within ``window`` chunks, positives)."""
    alarms = positives = 0
    for episode in episodes:
        positive = episode.positive(constraints)
        near = np.zeros(len(positive), dtype=bool)
        for event in episode.events:
            if event.kind in kinds:
                chunk = episode.chunk_of(event.row)
                near[max(0, chunk - window):chunk + window + 1] = True
        positives += int(positive.sum())
        alarms += int((positive & ~near).sum())
    return alarms, positives


def positive_chunk_rate(episodes: Sequence[ScoredEpisode], constraints: Sequence[str]) -> float:
    """Return the fraction of all chunks with a positive cost of ``constraints``."""
    flags = np.concatenate([episode.positive(constraints) for episode in episodes]
                           or [np.zeros(0, dtype=bool)])
    return float(flags.mean()) if flags.size else 0.0


def cost_event_correlation(episodes: Sequence[ScoredEpisode],
                           constraints: Sequence[str]) -> float:
    """Return Spearman's rho between episode total cost and event count (nan if undefined)."""
    costs = [episode.total_cost(constraints) for episode in episodes]
    events = [len(episode.events) for episode in episodes]
    if len(episodes) < 3 or np.ptp(costs) == 0 or np.ptp(events) == 0:
        return float('nan')
    return float(stats.spearmanr(costs, events).statistic)


def cost_per_chunk_by_outcome(episodes: Sequence[ScoredEpisode],
                              constraints: Sequence[str]) -> Dict[str, float]:
    """
    Return {'success': c_s, 'failure': c_f}: mean cost of ``constraints`` per chunk.

    Each mean pools the chunks of the episodes with that outcome (nan when there are none), so a
    long failed episode weighs by its length, as its chunks do in training.
    """
    out = {}
    for outcome, succeeded in (('success', True), ('failure', False)):
        group = [episode for episode in episodes if episode.success == succeeded]
        chunks = sum(len(episode.chunk_costs) for episode in group)
        cost = sum(episode.total_cost(constraints) for episode in group)
        out[outcome] = cost / chunks if chunks else float('nan')
    return out


def ratio(hits: int, total: int) -> float:
    """Return hits / total, nan when there is nothing to count."""
    return hits / total if total else float('nan')
