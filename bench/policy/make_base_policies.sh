#!/usr/bin/env bash
# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
#
# Reproduce the base policies of the three bundled tasks and their evaluation, from scratch:
#   bash bench/policy/make_base_policies.sh [out_folder]      (default runs/base_policies)
# 1. pact_sim's scripted experts record 100 demonstrations per task (seeds 0..99);
# 2. train_base_policy trains one policy per task (seed 0; MLP denoiser so that it finishes on
#    a CPU in minutes — pass MODEL_ARGS="--model unet" on a GPU machine);
# 3. evaluate_base_policies.py rolls them out on validation seeds 503000..503029 and writes
#    BASE_POLICIES.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-$ROOT/runs/base_policies}"
MODEL_ARGS="${MODEL_ARGS:---model mlp --mlp-hidden 512}"
STEPS="${STEPS:-6000}"
mkdir -p "$OUT"
python -m pact_sim.record_demos --task all --episodes 100 --out "$OUT/demos"
for task in reach pick carry; do
  # shellcheck disable=SC2086
  python -m pact_policy.train_base_policy --demos "$OUT/demos/$task.npz" \
    --out "$OUT/${task}_base.pact" --seed 0 --steps "$STEPS" $MODEL_ARGS
done
python "$ROOT/bench/policy/evaluate_base_policies.py" --models "$OUT"
