#!/usr/bin/env bash
# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
#
# Fast feedback (`make test-fast`): the unit tests of every package's ROS-free core, without
# the tests marked dds (nodes or processes over DDS), sim (MuJoCo stepping) or slow, and without
# the linters. Runs each package's tests with pytest-xdist (-n auto). `make test` still runs
# everything; this is the inner-loop check, not a replacement.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACKAGES=(pact_testing pact_node_runtime pact_parameters pact_world pact_constraints pact_policy pact_sim pact_trainer pact_eval)
SELECTION='not dds and not sim and not slow and not linter'

set +u
# shellcheck disable=SC1091
source "$ROOT/pact_env.sh"
set -u
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
# One intra-op thread per worker process (see scripts/run_tests.sh).
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

failed=()
for package in "${PACKAGES[@]}"; do
  echo "[test-fast] $package"
  (cd "$ROOT/ros2_ws/src/$package" && python -m pytest -q -p no:cacheprovider -n auto \
    -m "$SELECTION" test)
  rc=$?
  # 5: nothing selected in this package, which is fine for a subset.
  [[ $rc != 0 && $rc != 5 ]] && failed+=("$package")
done
if (( ${#failed[@]} )); then
  echo "[test-fast] FAILED: ${failed[*]}"
  exit 1
fi
echo "[test-fast] passed (dds, sim and slow tests are left to make test)"
