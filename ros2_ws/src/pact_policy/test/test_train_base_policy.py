# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The base-policy training CLI on a tiny synthetic demo file in pact_sim's format."""

import json

import numpy as np
from pact_policy.core.checkpoint import load_checkpoint
from pact_policy.core.demo_dataset import DemoFormatError, load_demonstrations, training_windows
from pact_policy.train_base_policy import main
import pytest
import torch

ACTION_NAMES = ['j1', 'j2']
OBS_NAMES = ['j1.position', 'j2.position', 'goal.position.x']


def write_demos(folder, episodes=6, horizon=12, version=1):
    """Write <folder>/toy.npz + toy.json: actions move linearly towards a goal in obs."""
    rng = np.random.default_rng(0)
    goal = rng.uniform(-1, 1, size=(episodes, 1))
    time = np.linspace(0, 1, horizon)[None, :, None]
    actions = np.concatenate([goal[:, None] * time, -goal[:, None] * time], axis=2)
    observations = np.concatenate(
        [np.roll(actions, 1, axis=1), np.repeat(goal[:, None], horizon, axis=1)], axis=2)
    lengths = np.full(episodes, horizon, dtype=np.int32)
    lengths[0] = horizon - 4
    np.savez_compressed(
        folder / 'toy.npz', obs=observations.astype(np.float32),
        actions=actions.astype(np.float32), episode_lengths=lengths,
        seeds=np.arange(episodes), sloppiness=np.zeros(episodes, np.float32),
        success=np.ones(episodes, bool), safe=np.ones(episodes, bool),
        obs_names=np.array(OBS_NAMES), action_names=np.array(ACTION_NAMES))
    (folder / 'toy.json').write_text(json.dumps({
        'format_version': version, 'task': 'toy', 'obs_names': OBS_NAMES,
        'action_names': ACTION_NAMES, 'dt': 0.1, 'horizon': horizon, 'episodes': episodes}))
    return folder / 'toy.npz'


def test_windows_pad_history_and_hold_last_row(tmp_path):
    demos = load_demonstrations(write_demos(tmp_path))
    observations, chunks = training_windows(demos, n_obs_steps=2, horizon=4)
    assert observations.shape == (8 + 5 * 12, 6) and chunks.shape == (68, 4, 2)
    np.testing.assert_array_equal(observations[0], np.tile(demos.observations[0, 0], 2))
    np.testing.assert_array_equal(observations[1, 3:], demos.observations[0, 1])
    np.testing.assert_array_equal(observations[1, :3], demos.observations[0, 0])
    last = demos.actions[0, 7]  # episode 0 has 8 valid rows
    np.testing.assert_array_equal(chunks[7], np.tile(last, (4, 1)))
    np.testing.assert_array_equal(chunks[8], demos.actions[1, :4])


def test_bad_demo_files_are_named(tmp_path):
    with pytest.raises(DemoFormatError, match='does not exist'):
        load_demonstrations(tmp_path / 'none.npz')
    with pytest.raises(DemoFormatError, match='format_version 7'):
        load_demonstrations(write_demos(tmp_path, version=7))


@pytest.mark.slow
def test_cli_is_reproducible_and_writes_all_outputs(tmp_path):
    demos = write_demos(tmp_path)
    arguments = ['--demos', str(demos), '--model', 'mlp', '--mlp-hidden', '32',
                 '--horizon', '4', '--n-action-steps', '2', '--n-obs-steps', '2',
                 '--train-timesteps', '20', '--inference-steps', '5', '--steps', '150',
                 '--batch-size', '32', '--seed', '3', '--quiet']
    torch.set_num_threads(1)
    assert main(arguments + ['--out', str(tmp_path / 'a.pact')]) == 0
    assert main(arguments + ['--out', str(tmp_path / 'b.pact')]) == 0
    assert (tmp_path / 'a.pact').read_bytes() == (tmp_path / 'b.pact').read_bytes()
    assert (tmp_path / 'a.loss.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    record = json.loads((tmp_path / 'a.train.json').read_text())
    assert record['seed'] == 3 and record['windows'] == 68
    loaded = load_checkpoint(tmp_path / 'a.pact')
    assert loaded.version == 'base-toy'
    assert loaded.metadata['training']['demos_sha256'] == record['demos_sha256']
    config = loaded.policy.config
    assert config.action_names == ACTION_NAMES and config.observation_names == OBS_NAMES
    assert config.action_dt == 0.1 and config.n_obs_steps == 2
    assert record['final_loss_mean_100'] < 1.0
    assert main(arguments + ['--out', str(tmp_path / 'c.pact'), '--seed', '4']) == 0
    assert (tmp_path / 'c.pact').read_bytes() != (tmp_path / 'a.pact').read_bytes()


def test_cli_reports_bad_input(tmp_path, capsys):
    assert main(['--demos', str(tmp_path / 'missing.npz'), '--out', str(tmp_path / 'x.pact'),
                 '--quiet']) == 2
    assert 'does not exist' in ' '.join(capsys.readouterr().err.split())
