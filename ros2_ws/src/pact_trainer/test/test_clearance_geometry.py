# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""bench/alignment/clearance_geometry.py: geometries parse; its capsules agree with the trainer."""

import argparse

from pact_testing.repository import load_script
import pytest


def load_bench():
    """Import bench/alignment/clearance_geometry.py as a module."""
    return load_script('bench', 'alignment', 'clearance_geometry.py')


def test_geometries_parse_and_bad_ones_are_named():
    bench = load_bench()
    assert bench.parse_geometry('capsule:3') == ('capsule', 3)
    assert bench.parse_geometry('convex') == ('convex', None)
    for text in ('capsule', 'capsule:0', 'convex:2', 'mesh'):
        with pytest.raises(argparse.ArgumentTypeError, match=text):
            bench.parse_geometry(text)


@pytest.mark.sim
@pytest.mark.slow
def test_exact_evaluator_capsules_flag_the_chunks_the_trainer_flags():
    """
    The script's capsules (coal, float64) flag the chunks the trainer's (torch, float32) flag.

    Different code and different sums (min distance on the path against a Huber sum over pairs
    and samples), so only which chunks cost something must agree. Chunks within about 0.1 mm
    of contact are left out: float32 and float64 may put them on either side (a 0.1 mm
    penetration costs the trainer 5e-7 / 5 sub-steps with its 0.01 m Huber width).
    """
    bench = load_bench()
    validity = bench.validity
    from pact_constraints.core.config import load_constraint_config
    from pact_sim.core.seed_ranges import seeds_in
    from pact_sim.core.sim_env import SimEnv
    config = load_constraint_config(str(validity.CONSTRAINTS))
    seeds = seeds_in('validation', validity.DEFAULT_SEED_OFFSET, 2)
    rollouts = [rollout for carelessness in (0.0, 1.0)   # clear chunks, then shelf contacts
                for rollout in validity.expert_rollouts('reach', seeds, carelessness, 8,
                                                        lambda *_: None)]
    env = SimEnv('reach')
    trainer = validity.score(rollouts, validity.robot_costs(env, config))
    scorer = bench.PathClearance(config, ('capsule', config.capsules_per_link), env.action_names,
                                 config.path_substeps)
    compared = flagged = 0
    for rollout, episode in zip(rollouts, trainer, strict=True):
        for ours, theirs in zip(scorer.chunk_costs(rollout), episode.chunk_costs, strict=True):
            if 0.0 < ours['clearance'] < 1e-4 or 0.0 < theirs['clearance'] < 1e-6:
                continue
            compared += 1
            flagged += ours['clearance'] > 0.0
            assert (ours['clearance'] > 0.0) == (theirs['clearance'] > 0.0)
    assert flagged >= 5 and compared - flagged >= 5   # both kinds of chunk were compared
