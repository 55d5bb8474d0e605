# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
How far each guidance preset moves a Gaussian's mean, against the closed-form tilt.

    python bench/guidance/preset_shift.py     # prints the markdown table of pact_trainer's README

The Gaussian toy of ``pact_trainer.core.toy_problem`` (μ = N(m, Σ), linear cost gᵀa, exact
Gaussian denoiser): one teacher round of each preset (its Jacobian resolved as 'auto') is
sampled with the policy's default sampler, DDIM for ε and Euler for flow, at 10 and 100 steps,
4000 samples with the same noise as the unguided policy. A ratio is the measured mean shift
projected on the closed-form tilt's shift −Σ g_n, as a fraction of it: 1 is the tilt. The
previous library default (every level with α_t ≥ 0.1, λ_t = 1, stop-gradient) is listed for
comparison. Deterministic (fixed seeds); about a minute on one core.
"""

from pact_trainer.core.guidance import DEFAULT_PRESET, GuidanceSchedule, preset, PRESETS
from pact_trainer.core.guidance import resolve_jacobian
from pact_trainer.core.toy_problem import guided_mean_shift, shift_ratio
import torch

COLUMNS = (('epsilon', 10, 'ε, DDIM 10'), ('epsilon', 100, 'ε, DDIM 100'),
           ('velocity', 10, 'flow, Euler 10'), ('velocity', 100, 'flow, Euler 100'))
PREVIOUS_DEFAULT = GuidanceSchedule(mode='min_alpha', min_alpha=0.1, weighting='constant',
                                    scale=1.0)


def rows():
    """Yield (label, Jacobian, ratios per column) for every preset and the previous default."""
    schedules = [(name, preset(name)) for name in sorted(PRESETS)]
    schedules.append(('previous default (α_t ≥ 0.1, λ_t = 1)', PREVIOUS_DEFAULT))
    for name, schedule in schedules:
        jacobian = resolve_jacobian(schedule)
        ratios = [shift_ratio(*guided_mean_shift(parameterisation, schedule, jacobian, steps))
                  for parameterisation, steps, _ in COLUMNS]
        label = f'`{name}` (default)' if name == DEFAULT_PRESET else (
            f'`{name}`' if name in PRESETS else name)
        yield label, jacobian, ratios


def main():
    """Print the table."""
    torch.set_num_threads(1)
    print('| preset | Jacobian | ' + ' | '.join(title for *_, title in COLUMNS) + ' |')
    print('|---|---|' + '---:|' * len(COLUMNS))
    for label, jacobian, ratios in rows():
        print(f'| {label} | {jacobian} | ' + ' | '.join(f'{r:.3g}' for r in ratios) + ' |')


if __name__ == '__main__':
    main()
