# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Evaluate a policy in pact_sim on a fixed seed set, judged by the simulator's own safety judge.

EVALUATION ONLY: success and safety events come from ``pact_sim``'s judge (contacts, object
poses), never from the trainer's constraint costs; the trainer never calls this module.

Closed loop: observe (mapped by NAME onto the policy's ``observation_names``), sample one chunk
(H, D) from the observation history, execute its first ``n_action_steps`` rows, repeat until the
task horizon. The history of a policy with ``n_obs_steps`` > 1 gets the observation after EVERY
row, so its entries are ``dt`` apart as in the demonstrations the policy was trained on (padded
with the first observation at the start). The initial noise of every chunk comes from one
generator per episode seeded with ``noise_seed * 1000003 + layout seed``, so the same policy,
seed and noise seed give the same episode whether it runs alone (``render_policy_episode``) or in
a batch.
"""

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Sequence

import numpy as np
from pact_eval.core.observation_history import observation_index, RowHistory
import torch


@dataclass
class EpisodeResult:
    """The judge's verdict on one episode (counts of safety events by type)."""

    seed: int
    success: bool
    safe: bool
    events: int
    events_by_type: Dict[str, int]
    min_clearance: float
    events_by_bodies: Dict[str, int] = field(default_factory=dict)  # 'kind: body, body' -> count


@dataclass
class EvaluationResult:
    """Per-episode verdicts of one policy on one task, and their means."""

    task: str
    episodes: List[EpisodeResult] = field(default_factory=list)

    @property
    def seeds(self) -> List[int]:
        """Return the layout seeds, in evaluation order."""
        return [episode.seed for episode in self.episodes]

    @property
    def success_rate(self) -> float:
        """Return the fraction of successful episodes."""
        return float(np.mean([e.success for e in self.episodes])) if self.episodes else 0.0

    @property
    def safe_rate(self) -> float:
        """Return the fraction of episodes without any safety event."""
        return float(np.mean([e.safe for e in self.episodes])) if self.episodes else 0.0

    @property
    def events_per_episode(self) -> float:
        """Return the mean number of safety events per episode."""
        return float(np.mean([e.events for e in self.episodes])) if self.episodes else 0.0

    def metrics(self) -> Dict[str, float]:
        """Return the three headline numbers (success rate, safe rate, events per episode)."""
        return {'success_rate': self.success_rate, 'safe_rate': self.safe_rate,
                'events_per_episode': self.events_per_episode}

    def to_dict(self) -> dict:
        """Return a JSON-ready dict with the means and every episode."""
        return {'task': self.task, **self.metrics(),
                'episodes': [asdict(episode) for episode in self.episodes]}


def evaluation_seeds(first_seed: int, count: int) -> List[int]:
    """Return the fixed layout seeds ``first_seed .. first_seed + count - 1``."""
    if count < 1:
        raise ValueError(f'need at least one evaluation episode, got {count}')
    return list(range(int(first_seed), int(first_seed) + int(count)))


class EpisodeNoise:
    """Initial sampling noise (N, H, D), one generator per episode (see the module docstring)."""

    def __init__(self, policy, seeds: Sequence[int], noise_seed: int):
        self.shape = (policy.config.horizon, policy.config.action_dim)
        self.device = policy.device
        self.generators = [torch.Generator().manual_seed(int(noise_seed) * 1_000_003 + int(seed))
                           for seed in seeds]

    def draw(self) -> torch.Tensor:
        """Return the next noise chunk of every episode, shape (N, H, D)."""
        return torch.stack([torch.randn(self.shape, generator=generator)
                            for generator in self.generators]).to(self.device)


def evaluate_in_sim(policy, task: str, seeds: Sequence[int], noise_seed: int = 0,
                    num_inference_steps: int = None, progress=None,
                    context_fn=None) -> EvaluationResult:
    """
    Run ``policy`` once per layout seed of ``task`` (all in one vectorised env) and judge it.

    ``progress(done_chunks)`` is called after every chunk when given. ``context_fn(env)``, when
    given, returns the cost context of the worlds as they are (scenes, joint positions) and is
    passed to ``policy.sample(..., context=...)``: for policies that guide their sampling with
    the constraint costs (the test-time guardrail baseline).
    """
    from pact_sim.core.vector_env import VectorEnv
    seeds = [int(seed) for seed in seeds]
    env = VectorEnv(task, len(seeds))
    history = RowHistory(policy.config.n_obs_steps,
                         observation_index(policy, env.observation_names))
    history.push(env.reset(seeds))
    noise = EpisodeNoise(policy, seeds, noise_seed)
    chunks = 0
    while not env.done().all():
        extra = {} if context_fn is None else {'context': context_fn(env)}
        chunk = policy.sample(history.condition(policy.device), num_steps=num_inference_steps,
                              noise=noise.draw(), **extra).detach().cpu().numpy()
        for row in range(policy.config.n_action_steps):  # one row at a time for the history
            observations, done, _ = env.step(chunk[:, row:row + 1], execute_rows=1)
            history.push(observations)
            if done.all():
                break
        chunks += 1
        if progress is not None:
            progress(chunks)
    result = EvaluationResult(task)
    for seed, summary in zip(seeds, env.evaluation_summaries(), strict=True):
        counts = {name: int(count) for name, count in summary.events_by_type.items()}
        result.episodes.append(EpisodeResult(
            seed=seed, success=bool(summary.success), safe=bool(summary.safe),
            events=sum(counts.values()), events_by_type=counts,
            min_clearance=float(summary.min_clearance),
            events_by_bodies=dict(Counter(f'{event.kind}: {", ".join(event.bodies)}'
                                          for event in summary.events))))
    return result


def render_policy_episode(policy, task: str, seed: int, width: int = 480, height: int = 360,
                          stride: int = 2, noise_seed: int = 0, num_inference_steps: int = None,
                          title: str = ''):
    """
    Run ``policy`` on one layout seed and return (annotated frames, the judge's summary).

    Frames come from ``pact_sim.core.render.SceneCamera`` (MuJoCo GL when it works, else the
    software renderer) every ``stride`` rows and at every safety event (bodies in contact
    drawn red). Same closed loop and noise seed as ``evaluate_in_sim``.
    """
    from pact_sim.core.render import record_episode_frames, SceneCamera
    from pact_sim.core.sim_env import SimEnv
    env = SimEnv(task)
    history = RowHistory(policy.config.n_obs_steps,
                         observation_index(policy, list(env.observation_names)))
    history.push(env.reset(int(seed))[None, :])
    noise = EpisodeNoise(policy, [seed], noise_seed)
    camera = SceneCamera(env.model, width, height)
    frames = []
    try:
        while not env.done:
            chunk = policy.sample(history.condition(policy.device),
                                  num_steps=num_inference_steps, noise=noise.draw())[0]
            rows = chunk.detach().cpu().numpy()[:policy.config.n_action_steps]
            rows = rows[:env.horizon - env.rows_done]
            # the last n_obs_steps - 1 rows one by one: their observations enter the history
            split = max(1, len(rows) - (policy.config.n_obs_steps - 1))
            frames += record_episode_frames(env, rows[:split], camera, stride, title)
            history.push(env.observation()[None, :])
            for row in rows[split:]:
                frames += record_episode_frames(env, [row], camera, 1, title)
                history.push(env.observation()[None, :])
    finally:
        camera.close()
    return frames, env.evaluation_summary()
