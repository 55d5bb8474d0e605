# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""evaluate_in_sim: the judge's events per episode, by kind and by the bodies involved."""

from collections import Counter

from pact_eval.core.sim_evaluation import evaluate_in_sim
from pact_policy.core.normalizer import Normalizer
from pact_policy.core.policy import DiffusionPolicy
from pact_policy.core.policy_config import PolicyConfig
from pact_sim.core.vector_env import VectorEnv
import torch


def random_reach_policy() -> DiffusionPolicy:
    """Return an untrained flow policy whose chunks wander over the whole joint ranges."""
    env = VectorEnv('reach', 1)
    config = PolicyConfig(action_dim=len(env.action_names),
                          obs_dim=len(env.observation_names), horizon=4, n_action_steps=4,
                          parameterisation='velocity', model_type='mlp', mlp_hidden_dim=16,
                          mlp_num_blocks=1, time_embed_dim=8, num_inference_steps=2,
                          action_names=list(env.action_names),
                          observation_names=list(env.observation_names))
    actions = Normalizer.from_statistics('minmax', {'min': env.action_low.tolist(),
                                                    'max': env.action_high.tolist()})
    torch.manual_seed(0)
    return DiffusionPolicy(config, actions)


def test_events_by_bodies_add_up_to_the_events_by_type():
    torch.set_num_threads(1)
    result = evaluate_in_sim(random_reach_policy(), 'reach', [3, 4])
    assert sum(episode.events for episode in result.episodes) > 0   # flailing hits something
    for episode in result.episodes:
        by_kind = Counter()
        for key, count in episode.events_by_bodies.items():
            kind, bodies = key.split(': ')
            assert bodies and count > 0
            by_kind[kind] += count
        assert by_kind == Counter({k: v for k, v in episode.events_by_type.items() if v})
        assert sum(episode.events_by_bodies.values()) == episode.events
