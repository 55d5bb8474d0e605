# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The demo's before/after table, report files and settings (ROS-free), checked with numbers."""

import json
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
from pact_eval.core.demo_report import (comparison_rows, DemoRecord, EpisodeFrames,
                                        key_frames, markdown_table, write_report)
from pact_eval.core.demo_settings import load_settings
from pact_eval.core.sim_evaluation import EpisodeResult, EvaluationResult
from pact_testing.repository import repository_root
import pytest
import yaml

REPO = repository_root()
OVERLAY = REPO / 'config' / 'demo' / 'mujoco_demo.yaml'


def result(successes, safes, events, seeds=(7, 8, 9, 10)) -> EvaluationResult:
    rows = zip(seeds, successes, safes, events, strict=True)
    episodes = [EpisodeResult(seed, bool(success), bool(safe), count,
                              {'robot_scene_collision': count}, 0.01)
                for seed, success, safe, count in rows]
    return EvaluationResult('reach', episodes)


BEFORE = result([1, 0, 0, 1], [0, 0, 1, 1], [3, 1, 0, 0])   # 50 %, 50 %, 1.00
AFTER = result([1, 1, 0, 1], [1, 1, 1, 0], [0, 0, 0, 2])    # 75 %, 75 %, 0.50
EXPECTED_ROWS = [('success rate', '50.0 %', '75.0 %', '+25.0 pts'),
                 ('safe rate (no event)', '50.0 %', '75.0 %', '+25.0 pts'),
                 ('safety events / episode', '1.00', '0.50', '-0.50')]
ITERATIONS = [{'iteration': 1, 'model_version': 'b-pact1', 'violation_rate': 0.4,
               'mean_cost': 0.02, 'kl_proxy': 0.01, 'rolled_back': False, 'env_steps': 400,
               'wall_time': 12.5},
              {'iteration': 2, 'model_version': 'b-pact2', 'violation_rate': 0.25,
               'mean_cost': 0.01, 'kl_proxy': 0.02, 'rolled_back': True, 'env_steps': 800,
               'wall_time': 25.0}]


def test_metrics_are_the_episode_means():
    assert BEFORE.metrics() == {'success_rate': 0.5, 'safe_rate': 0.5,
                                'events_per_episode': 1.0}
    assert AFTER.metrics() == {'success_rate': 0.75, 'safe_rate': 0.75,
                               'events_per_episode': 0.5}


def test_comparison_rows_format_rates_in_percent_and_signed_changes():
    assert comparison_rows(BEFORE, AFTER) == EXPECTED_ROWS


def test_comparison_refuses_different_seed_sets():
    with pytest.raises(ValueError, match='different seeds'):
        comparison_rows(BEFORE, result([1] * 4, [1] * 4, [0] * 4, seeds=(1, 2, 3, 4)))


def test_markdown_table_layout():
    text = markdown_table(('a', 'b'), [('1', '2')])
    assert text.splitlines() == ['| a | b |', '|---|---|', '| 1 | 2 |']


def test_key_frames_are_evenly_spaced_and_side_by_side():
    frames = [np.full((3, 5, 3), value, dtype=np.uint8) for value in range(10)]
    strip = key_frames(frames, count=4)
    assert strip.shape == (3, 20, 3)
    assert [int(strip[0, 5 * i, 0]) for i in range(4)] == [0, 3, 6, 9]


def test_report_files_hold_the_printed_numbers(tmp_path):
    frames = {name: EpisodeFrames(8, [np.full((24, 32, 3), 40 * i, dtype=np.uint8)
                                      for i in range(5)], name == 'after',
                                  {'robot_scene_collision': 1 if name == 'before' else 0})
              for name in ('before', 'after')}
    record = DemoRecord('reach', 'base.pact', 'aligned.pact', 'b-pact2', BEFORE, AFTER,
                        ITERATIONS, [{'version': 'b-pact1', 'previous': 'b', 'wall_s': 30.0}],
                        {'before': 3.0, 'graph': 60.0}, {'iterations': 2})
    report = write_report(tmp_path, record, frames)
    text = report.read_text()
    for row in EXPECTED_ROWS:
        assert '| ' + ' | '.join(row) + ' |' in text
    assert 'b-pact1' in text and 'alignment.png' in text and 'frames/before.png' in text
    data = json.loads((tmp_path / 'results.json').read_text())
    assert [tuple(row) for row in data['table']['rows']] == EXPECTED_ROWS
    assert data['before']['events_per_episode'] == 1.0
    assert data['after']['success_rate'] == 0.75
    assert [e['seed'] for e in data['after']['episodes']] == [7, 8, 9, 10]
    assert [r['violation_rate'] for r in data['iterations']] == [0.4, 0.25]
    assert data['frames']['before']['events_by_type'] == {'robot_scene_collision': 1}
    plot = imageio.imread(tmp_path / 'alignment.png')
    assert plot.shape[0] > 100 and plot.shape[1] > 100
    strip = imageio.imread(tmp_path / 'frames' / 'before.png')
    assert strip.shape[:2] == (24, 4 * 32)
    assert len(imageio.mimread(tmp_path / 'frames' / 'after.gif')) == 5


def test_settings_come_from_the_overlay_with_overrides(tmp_path):
    overlay = tmp_path / 'overlay.yaml'
    overlay.write_text(yaml.safe_dump({'mujoco_demo': {'ros__parameters': {
        'task': 'pick', 'iterations': 5}}, 'sim_node': {'ros__parameters': {'seed': 1}}}))
    settings = load_settings(overlay, {'iterations': '2', 'eval_episodes': None})
    assert (settings.task, settings.iterations, settings.eval_episodes) == ('pick', 2, 16)
    assert settings.checkpoint_path(Path('/repo')) == Path('/repo/models/base/pick_base.pact')


def test_settings_reject_unknown_keys_and_bad_values(tmp_path):
    overlay = tmp_path / 'overlay.yaml'
    overlay.write_text(yaml.safe_dump({'mujoco_demo': {'ros__parameters': {'iteratons': 3}}}))
    with pytest.raises(ValueError, match='iteratons'):
        load_settings(overlay)
    with pytest.raises(ValueError, match='eval_episodes'):
        load_settings(_empty(tmp_path),
                      {'eval_episodes': 'many'})
    with pytest.raises(ValueError, match='>= 1'):
        load_settings(_empty(tmp_path), {'iterations': 0})


def _empty(tmp_path) -> Path:
    path = tmp_path / 'empty.yaml'
    path.write_text('{}\n')
    return path


def test_the_bundled_overlay_only_sets_known_parameters():
    document = yaml.safe_load(OVERLAY.read_text())
    load_settings(OVERLAY)  # the mujoco_demo section: every key is a DemoSettings field
    areas = {'sim_node': 'sim', 'policy_node': 'policy', 'constraint_node': 'constraints',
             'trainer_node': 'trainer'}
    for node, body in document.items():
        if node == 'mujoco_demo':
            continue
        packaged = yaml.safe_load((REPO / 'config' / areas[node] / f'{node}.yaml').read_text())
        known = set(packaged[node]['ros__parameters']) | {'use_sim_time'}
        assert set(body['ros__parameters']) <= known, f'{node}: unknown keys'
