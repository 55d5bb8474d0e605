# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
DPPO-style PPO on the denoising MDP (Ren et al. 2024), reward = −Σ_k λ_k c_k of the chunk.

Each sampled chunk is a K-step Markov chain x_K → … → x_0 in normalised action space. For an
ε-policy the transition at DDPM step k (previous step k') is Gaussian,

    x_{k'} ~ N(μ_θ(x_k, s, k), σ_k² I),
    μ_θ = sqrt(ᾱ_{k'})·â_0 + sqrt(1 − ᾱ_{k'} − s_k²)·ε̂_θ,
    â_0 = (x_k − sqrt(1 − ᾱ_k) ε̂_θ)/sqrt(ᾱ_k),

with s_k² the DDPM posterior variance and σ_k = max(s_k, ``min_std``) (DPPO's exploration
floor, also on the last, otherwise deterministic, step). The chunk's reward is −C(s, a_0);
every denoising step of a chunk shares its advantage A = (R − mean R)/std R (one-step episodes
at the environment level: the constraint cost is a function of the chunk). PPO maximises
E[min(r A, clip(r, 1 ± ε) A)] with r = π_θ(x_{k'}|x_k)/π_old(x_{k'}|x_k) over a few epochs.
Flow policies are not supported here (the deterministic Euler chain has no likelihood).
"""

from dataclasses import dataclass
import math
import time

from pact_policy.core.samplers import ddim_transition, ddpm_step_indices
from pact_trainer.core.costs import CostSet
from pact_trainer.core.improvement_gate import RolloutStatistics
from pact_trainer.core.iteration_record import IterationRecord
import torch


class ChainRecordingPolicy:
    """Wrap an ε-policy: ``sample`` runs the stochastic chain and records its transitions."""

    def __init__(self, policy, min_std: float = 0.1):
        if policy.is_flow:
            raise ValueError('DPPO baseline needs an epsilon (DDPM) policy, got a flow policy')
        self.policy = policy
        self.config = policy.config
        self.min_std = min_std
        self.chains = []

    @property
    def device(self):
        """Return the wrapped policy's device."""
        return self.policy.device

    def transition(self, x, step: int, previous: int, condition):
        """Return (mean, std) of x_{k'} given x_k, both normalised; std is a float."""
        policy = self.policy
        steps = torch.full((x.shape[0],), step, dtype=torch.long, device=x.device)
        mean, std = ddim_transition(policy.schedule, x, policy.predict(x, steps, condition),
                                    step, previous, 1.0, policy.config.clip_sample_range)
        return mean, max(float(std), self.min_std)

    @torch.no_grad()
    def sample(self, observation, sampler=None, num_steps=None, generator=None, noise=None):
        """Return unnormalised chunks (B,H,D); append the chain to ``self.chains``."""
        policy = self.policy
        num_steps = num_steps or policy.config.num_inference_steps
        condition = policy.normalize_observation(observation.to(policy.device))
        shape = (condition.shape[0], policy.config.horizon, policy.config.action_dim)
        x = torch.randn(shape, generator=generator, device=policy.device)
        grid = ddpm_step_indices(policy.config.num_train_timesteps, num_steps)
        states, nexts, log_probs = [], [], []
        for step, previous in zip(grid, [*grid[1:], -1], strict=True):
            mean, std = self.transition(x, step, previous, condition)
            following = mean + std * torch.randn(shape, generator=generator,
                                                 device=policy.device)
            states.append(x)
            nexts.append(following)
            log_probs.append(gaussian_log_prob(following, mean, std))
            x = following
        self.chains.append({'condition': condition, 'states': torch.stack(states, 1),
                            'nexts': torch.stack(nexts, 1), 'log_probs': torch.stack(log_probs, 1),
                            'steps': grid})
        return policy.unnormalize_action(x)


def gaussian_log_prob(value, mean, std: float) -> torch.Tensor:
    """Return log N(value; mean, std² I) summed over the chunk, shape (B,)."""
    squared = ((value - mean) ** 2).flatten(1).sum(1)
    size = value[0].numel()
    return -0.5 * squared / std ** 2 - size * (math.log(std) + 0.5 * math.log(2 * math.pi))


@dataclass
class DppoConfig:
    """PPO hyper-parameters (the budget knobs match ``PactConfig``)."""

    iterations: int = 10
    chunks_per_iteration: int = 256
    ppo_epochs: int = 4
    minibatch_size: int = 256
    learning_rate: float = 1e-4
    clip_ratio: float = 0.2
    min_std: float = 0.1
    seed: int = 0


class DppoAligner:
    """PPO fine-tuning of an ε-policy against a rollout source, with budget bookkeeping."""

    def __init__(self, policy, costs: CostSet, source, config: DppoConfig):
        self.policy = policy
        self.costs = costs
        self.source = source
        self.config = config
        self.recorder = ChainRecordingPolicy(policy, config.min_std)
        self.optimizer = torch.optim.Adam(policy.parameters(), lr=config.learning_rate)
        self.iteration = 0
        self.counters = {'env_steps': 0, 'denoiser_calls': 0, 'wall_time': 0.0}
        self.history = []

    def run(self, callback=None) -> list:
        """Run ``config.iterations`` iterations; return the per-iteration records."""
        while self.iteration < self.config.iterations:
            record = self.step()
            if callback is not None:
                callback(record)
        return self.history

    def step(self) -> IterationRecord:
        """Collect, score with −cost, run PPO epochs; return this iteration's record."""
        started = time.monotonic()
        generator = torch.Generator(device=self.policy.device).manual_seed(
            self.config.seed * 100003 + self.iteration)
        self.recorder.chains.clear()
        self.policy.eval()
        batch = self.source.collect(self.recorder, self.config.chunks_per_iteration, generator)
        self.counters['env_steps'] += batch.env_steps
        self.counters['denoiser_calls'] += batch.denoiser_calls
        with torch.no_grad():
            values = self.costs.values(batch.action.float(), batch.context)
        statistics = RolloutStatistics.from_costs(values, self.costs.weights)
        reward = -(values @ self.costs.weights.to(values))
        advantage = (reward - reward.mean()) / (reward.std() + 1e-8)
        loss = self._ppo(advantage.to(self.policy.device), generator)
        self.counters['wall_time'] += time.monotonic() - started
        record = IterationRecord(iteration=self.iteration, candidate=statistics.to_dict(),
                                 **self.counters, extra={'ppo_loss': loss})
        self.history.append(record)
        self.iteration += 1
        return record

    def _ppo(self, advantage, generator) -> float:
        chains = self.recorder.chains
        condition = torch.cat([c['condition'] for c in chains])
        states = torch.cat([c['states'] for c in chains])
        nexts = torch.cat([c['nexts'] for c in chains])
        old = torch.cat([c['log_probs'] for c in chains])
        grid = chains[0]['steps']
        pairs = [(i, k) for i in range(states.shape[0]) for k in range(len(grid))]
        self.policy.train()
        losses = []
        for _ in range(self.config.ppo_epochs):
            seed = int(torch.randint(0, 2 ** 31, (1,), generator=generator,
                                     device=generator.device))
            order = torch.randperm(len(pairs), generator=torch.Generator().manual_seed(seed))
            for start in range(0, len(pairs), self.config.minibatch_size):
                chosen = [pairs[j] for j in order[start:start + self.config.minibatch_size]]
                loss = self._minibatch_loss(chosen, grid, condition, states, nexts, old, advantage)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                losses.append(float(loss.detach()))
                self.counters['denoiser_calls'] += len(chosen)
        self.policy.eval()
        return sum(losses) / max(len(losses), 1)

    def _minibatch_loss(self, chosen, grid, condition, states, nexts, old, advantage):
        terms = []
        for k in sorted({k for _, k in chosen}):
            rows = torch.tensor([i for i, kk in chosen if kk == k], device=states.device)
            previous = grid[k + 1] if k + 1 < len(grid) else -1
            mean, std = self.recorder.transition(states[rows, k], grid[k], previous,
                                                 condition[rows])
            ratio = torch.exp(gaussian_log_prob(nexts[rows, k], mean, std) - old[rows, k])
            clipped = ratio.clamp(1 - self.config.clip_ratio, 1 + self.config.clip_ratio)
            terms.append(-torch.minimum(ratio * advantage[rows], clipped * advantage[rows]))
        return torch.cat(terms).mean()
