# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Cost-validity statistics on hand-built episodes whose answers are counted by hand."""

import math

from pact_sim.core import seed_ranges
from pact_trainer.core import cost_validity as validity
import pytest


def episode(costs, events, source='base policy', rows=8):
    """Return an episode of len(costs) chunks of ``rows`` rows; costs: clearance per chunk."""
    return validity.ScoredEpisode(
        source, 0, success=True, safe=not events,
        chunk_first_rows=[rows * index for index in range(len(costs))],
        chunk_costs=[{'clearance': value, 'joint_position': 0.0} for value in costs],
        events=[validity.JudgedEvent(kind, row, ('panda_hand', 'shelf'))
                for kind, row in events])


def test_recall_counts_events_in_or_right_after_a_positive_chunk():
    # chunks: 0 [rows 0-7] cost, 1 [8-15] none, 2 [16-23] none, 3 [24-31] cost
    first = episode([0.1, 0.0, 0.0, 0.2], [('robot_scene_collision', 3),     # in chunk 0: hit
                                           ('robot_scene_collision', 9),     # chunk 1: hit
                                           ('robot_scene_collision', 20),    # chunk 2: miss
                                           ('joint_limit', 30)])             # chunk 3
    assert validity.event_recall([first], ['clearance'],
                                 lambda e: e.kind == 'robot_scene_collision') == (2, 3)
    assert validity.event_recall([first], ['joint_position'],
                                 lambda e: e.kind == 'joint_limit') == (0, 1)
    assert validity.event_recall([first], ['clearance']) == (3, 4)


def test_false_alarms_are_positive_chunks_without_a_claimed_event_two_chunks_around():
    # positives at chunks 0, 5, 10; one claimed event in chunk 7, one unclaimed in chunk 0
    costs = [0.1, 0, 0, 0, 0, 0.3, 0, 0, 0, 0, 0.2]
    item = episode(costs, [('robot_scene_collision', 7 * 8 + 1), ('object_fall', 2)])
    alarms, positives = validity.false_alarms([item], ['clearance'], ['robot_scene_collision'])
    assert (alarms, positives) == (2, 3)   # chunk 5 is within two of chunk 7; 0 and 10 are not
    assert validity.positive_chunk_rate([item], ['clearance']) == pytest.approx(3 / 11)


def test_rank_correlation_and_claims():
    episodes = [episode([c, 0.0], [('robot_scene_collision', 1)] * n)
                for c, n in ((0.0, 0), (0.1, 1), (0.5, 2), (0.9, 4))]
    assert validity.cost_event_correlation(episodes, ['clearance']) == pytest.approx(1.0)
    assert math.isnan(validity.cost_event_correlation(episodes[:2], ['clearance']))
    assert validity.claiming('self_collision', ['clearance', 'self_collision']) == [
        'self_collision']
    assert validity.claiming('joint_limit', ['workspace']) == []
    assert 'object_fall' not in validity.claimed_kinds(['joint_position', 'grasp_approach'])


def test_cost_per_chunk_by_outcome_pools_chunks_of_each_outcome():
    succeeded = episode([0.4, 0.0], [])                      # 2 chunks, cost 0.4
    failed_long = episode([0.1, 0.1, 0.0, 0.0, 0.2, 0.0], [])  # 6 chunks, cost 0.4
    failed_short = episode([0.2, 0.0], [])                   # 2 chunks, cost 0.2
    failed_long.success = failed_short.success = False
    means = validity.cost_per_chunk_by_outcome([succeeded, failed_long, failed_short],
                                               ['clearance'])
    # by hand: success 0.4 / 2 chunks; failure (0.4 + 0.2) / (6 + 2) chunks, not a mean of means
    assert means['success'] == pytest.approx(0.2)
    assert means['failure'] == pytest.approx(0.075)
    assert math.isnan(validity.cost_per_chunk_by_outcome([succeeded], ['clearance'])['failure'])


def test_seed_ranges_are_disjoint_and_checked():
    ranges = list(seed_ranges.RANGES.values())
    for index, first in enumerate(ranges):
        for second in ranges[index + 1:]:
            assert first.stop <= second.start or second.stop <= first.start
    assert seed_ranges.seeds_in('validation', 3, 2) == [500_003, 500_004]
    with pytest.raises(ValueError, match='validation'):
        seed_ranges.seeds_in('validation', 99_999, 2)
    starts = [seed_ranges.training_layout_seed(run) for run in range(10)]
    assert len(set(starts)) == 10
    assert all(seed_ranges.TRAINING.start <= start <= seed_ranges.TRAINING.stop - 10_000
               for start in starts)


def test_the_demo_draws_its_layouts_from_the_right_ranges():
    from pact_eval.core.demo_settings import DemoSettings, load_settings
    from pact_eval.mujoco_demo import overlay_path
    for settings in (DemoSettings(), load_settings(overlay_path())):
        assert settings.eval_first_seed in seed_ranges.EVALUATION
        assert settings.eval_first_seed + settings.eval_episodes - 1 in seed_ranges.EVALUATION
        assert settings.train_first_seed in seed_ranges.TRAINING
