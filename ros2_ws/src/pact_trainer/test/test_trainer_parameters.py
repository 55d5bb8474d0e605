# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The trainer node's and pact_align's parameters: defaults from PactConfig, validated."""

import dataclasses

from pact_parameters.core.schema import from_dict, ParameterError, spec, specs
from pact_trainer.align_cli import parameters_of, parse_arguments
from pact_trainer.core.alignment_loop import PactConfig
from pact_trainer.core.guidance import (LOW_NOISE_PRESETS, preset, PRESETS, REFERENCE_PRESETS,
                                        REFERENCE_W0_03)
from pact_trainer.core.trainer_parameters import (AlignParameters, AlignSimParameters,
                                                  DistillationParameters,
                                                  TrainerNodeParameters)
import pytest

SHARED = ('learning_rate', 'kl_bound', 'steps_per_epoch', 'max_inner_epochs', 'batch_size',
          'guided_timestep_share', 'jacobian', 'max_correction_rms')


def test_algorithm_defaults_come_from_pact_config():
    library = PactConfig()
    declared = {item.name: item.default for item in dataclasses.fields(PactConfig)}
    for schema in (TrainerNodeParameters, AlignParameters):
        for name in SHARED:
            assert spec(schema, name).default == declared[name], (schema, name)
    assert spec(TrainerNodeParameters, 'steps_per_update').default == (
        library.chunks_per_iteration)
    align = AlignParameters()
    assert (align.iterations, align.chunks_per_iteration, align.method, align.absorb_target,
            align.precision, align.seed) == (
        library.iterations, library.chunks_per_iteration, library.objective,
        library.absorb_target, library.precision, library.seed)


def test_node_and_cli_share_one_declaration_of_the_distillation_knobs():
    shared = [item.name for item in specs(DistillationParameters)]
    for schema in (TrainerNodeParameters, AlignParameters):
        assert [item.name for item in specs(schema)][:len(shared)] == shared
    assert TrainerNodeParameters().guidance_preset == AlignParameters().guidance_preset == (
        REFERENCE_W0_03)


def test_every_preset_name_says_its_scale():
    for name, schedule in REFERENCE_PRESETS.items():
        assert name == f'reference_w{schedule.scale:g}'
    for name, schedule in LOW_NOISE_PRESETS.items():
        assert name == f'low_noise_w{schedule.scale:g}'
    assert spec(TrainerNodeParameters, 'guidance_preset').choices == tuple(PRESETS)


def test_the_node_pact_config_equals_the_one_it_built_before():
    node = from_dict(TrainerNodeParameters, {'guidance_scale': 30.0, 'learning_rate': 3e-5})
    assert node.pact_config(iterations=1 << 30) == PactConfig(
        learning_rate=3e-5, guidance=dataclasses.replace(preset(REFERENCE_W0_03), scale=30.0),
        iterations=1 << 30)
    assert TrainerNodeParameters(guidance_scale=-1.0).guidance() == preset(REFERENCE_W0_03)


def test_the_correction_cap_reaches_the_pact_config():
    node = from_dict(TrainerNodeParameters, {'guidance_preset': 'tilt_exact',
                                             'max_correction_rms': 0.3})
    assert node.pact_config().max_correction_rms == 0.3
    arguments = parse_arguments(['sim', '--base', 'b.pact', '--out', 'o',
                                 '--max-correction-rms', '0.3'])
    assert parameters_of(arguments).align_config().max_correction_rms == 0.3
    with pytest.raises(ParameterError, match='max_correction_rms'):
        from_dict(TrainerNodeParameters, {'max_correction_rms': -1.0})


def test_the_teacher_mode_reaches_the_pact_config():
    assert TrainerNodeParameters().pact_config().teacher.mode == PactConfig().teacher.mode
    arguments = parse_arguments(['sim', '--base', 'b.pact', '--out', 'o',
                                 '--teacher', 'frozen_base'])
    assert parameters_of(arguments).align_config().teacher.mode == 'frozen_base'
    with pytest.raises(ParameterError, match='teacher'):
        from_dict(TrainerNodeParameters, {'teacher': 'oracle'})


@pytest.mark.parametrize('values, message', [
    ({'kl_bound': 0.0}, r'trainer_node: parameter kl_bound = 0\.0 is not allowed: must be > 0'),
    ({'guidance_preset': 'reference'}, r"guidance_preset = 'reference' .*one of 'reference_w"),
    ({'batch_size': 0}, r'batch_size = 0 .*>= 1'),
    ({'guidance_preset': 'tilt_exact', 'jacobian': 'stop_gradient'}, r"use jacobian 'full'"),
    ({'kl_bund': 0.1}, r"unknown parameter\(s\) \['kl_bund'\]"),
])
def test_refused_node_values(values, message):
    with pytest.raises(ParameterError, match=message):
        from_dict(TrainerNodeParameters, values, 'trainer_node')


def test_cli_flags_and_defaults_come_from_the_schema():
    arguments = parse_arguments(['sim', '--base', 'b.pact', '--out', 'o'])
    assert parameters_of(arguments) == AlignSimParameters(jacobian='stop_gradient')
    with pytest.raises(SystemExit):
        parse_arguments(['sim', '--base', 'b.pact', '--out', 'o', '--kl-bound', '-1'])
