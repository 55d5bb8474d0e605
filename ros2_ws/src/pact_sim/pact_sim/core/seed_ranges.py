# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The layout seed ranges of the bundled tasks, disjoint by construction (one place for all).

A layout seed fixes an episode's obstacle poses, object poses and start configuration. What is
used to fit or tune something must never be what it is judged on:

- ``DEMONSTRATION``: scripted-expert demonstrations the base policies are trained on;
- ``TRAINING``: on-policy rollouts of the trainers (PACT and every baseline);
- ``EVALUATION``: the benchmark's judged episodes (paired across methods);
- ``VALIDATION``: cost-validity measurements, expert checks and any tuning of margins or
  weights; never used for training or for the reported evaluation.
"""

DEMONSTRATION = range(0, 10_000)
TRAINING = range(10_000, 100_000)
EVALUATION = range(100_000, 500_000)
VALIDATION = range(500_000, 600_000)

RANGES = {'demonstration': DEMONSTRATION, 'training': TRAINING, 'evaluation': EVALUATION,
          'validation': VALIDATION}


def seeds_in(name: str, first_offset: int, count: int) -> list:
    """Return ``count`` consecutive seeds of range ``name`` from ``first_offset`` on."""
    span = RANGES[name]
    first = span.start + int(first_offset)
    if first_offset < 0 or count < 1 or first + count > span.stop:
        raise ValueError(f'{count} seeds from offset {first_offset} do not fit in the {name} '
                         f'range [{span.start}, {span.stop})')
    return list(range(first, first + count))


def training_layout_seed(run_seed: int) -> int:
    """
    Return the first rollout layout seed of a training run with seed ``run_seed``.

    Runs start 7919 layouts apart (a prime, so runs 0..9 never share a start) inside the first
    80,000 seeds of ``TRAINING``; the rest of the range is headroom for the layouts a run draws
    after its start (one per finished episode).
    """
    return TRAINING.start + (int(run_seed) * 7919) % (len(TRAINING) - 10_000)
