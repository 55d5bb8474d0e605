# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The library entry point of sim training builds what ``pact_align sim`` builds."""

import dataclasses

from pact_eval.core.sim_training import sim_aligner
from pact_policy.core.checkpoint import load_checkpoint
from pact_testing.repository import repository_path
from pact_trainer.align_cli import build_aligner, parse_arguments
from pact_trainer.core.trainer_parameters import AlignSimParameters
import pytest

BASE = repository_path('models', 'base', 'pick_base.pact')
CONSTRAINTS = repository_path('config', 'constraints', 'sim_tasks.yaml')


@pytest.mark.sim
def test_sim_aligner_equals_the_cli_aligner(tmp_path):
    arguments = parse_arguments([
        'sim', '--task', 'pick', '--base', str(BASE), '--out', str(tmp_path / 'cli'),
        '--iterations', '3', '--chunks-per-iteration', '32', '--learning-rate', '3e-5',
        '--guidance-preset', 'low_noise_w3', '--guidance-scale', '30', '--constraints',
        str(CONSTRAINTS), '--device', 'cpu', '--seed', '2'])
    cli, _ = build_aligner(arguments)
    config = AlignSimParameters(task='pick', guidance_preset='low_noise_w3', guidance_scale=30.0,
                                iterations=3, chunks_per_iteration=32, learning_rate=3e-5,
                                seed=2).align_config()
    policy = load_checkpoint(BASE).policy.float().train()
    library = sim_aligner(policy, 'pick', config, str(CONSTRAINTS), tmp_path / 'lib' / 'state')
    assert dataclasses.asdict(library.config) == dataclasses.asdict(cli.config)
    assert library.source.next_seed == cli.source.next_seed     # same training layouts
    assert library.costs.names == cli.costs.names
    assert library.config.jacobian == 'stop_gradient'           # what the preset needs
