#!/usr/bin/env bash
# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
#
# Fast feedback (`make test-fast`): the unit tests of every Python package (the ament_python
# packages of ros2_ws/src), without the tests marked dds (nodes or processes over DDS), sim
# (MuJoCo stepping) or slow, and without the linters. One pytest run over all of them with
# pytest-xdist (-n auto): one interpreter start-up and one worker pool instead of one per
# package. `make test` still runs everything; this is the inner-loop check, not a replacement.
#
# --import-mode=importlib lets test files of the same name live in several packages (each has a
# test_copyright.py); the packages' test folders go on PYTHONPATH for their helper modules
# (policy_fixtures, mujoco_reference, ...), as pytest's default mode put them there.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SELECTION='not dds and not sim and not slow and not linter'

set +u
# shellcheck disable=SC1091
source "$ROOT/pact_env.sh"
set -u
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
# One intra-op thread per worker process (see scripts/run_tests.sh).
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

test_dirs=()
for manifest in "$ROOT"/ros2_ws/src/*/package.xml; do
  package_dir="$(dirname "$manifest")"
  if grep -q '<build_type>ament_python</build_type>' "$manifest" && [[ -d "$package_dir/test" ]]; then
    test_dirs+=("$package_dir/test")
  fi
done
helper_path="$(IFS=:; echo "${test_dirs[*]}")"

echo "[test-fast] ${#test_dirs[@]} packages: $(for dir in "${test_dirs[@]}"; do basename "$(dirname "$dir")"; done | tr '\n' ' ')"
cd "$ROOT/ros2_ws/src"
PYTHONPATH="$helper_path:${PYTHONPATH:-}" python -m pytest -q -p no:cacheprovider -n auto \
  --import-mode=importlib -m "$SELECTION" "${test_dirs[@]}"
rc=$?
if (( rc != 0 )); then
  echo "[test-fast] FAILED (pytest exit code $rc)"
  exit 1
fi
echo "[test-fast] passed (dds, sim and slow tests are left to make test)"
