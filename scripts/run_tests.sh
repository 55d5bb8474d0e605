#!/usr/bin/env bash
# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
#
# The whole test suite (what `make test` runs after `make setup`): colcon test over ros2_ws
# (lint, unit and cross-process DDS tests of every package), then the top-level tests/, then one
# closing summary line. Exits non-zero on any failure, on an unexpected skip, or when no test ran.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS="$ROOT/ros2_ws/build"
TOP_RESULTS="$ROOT/ros2_ws/build/top_level_tests/pytest.xml"

set +u
# shellcheck disable=SC1091
source "$ROOT/pact_env.sh"
set -u
# Keep DDS traffic of the tests on this host; every test process also takes its own domain id.
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
export PYTHONUNBUFFERED=1
# One intra-op thread per process: the suite runs many processes side by side, and oversubscribed
# OpenMP/torch threads on a small machine slow small tensor ops down by orders of magnitude.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

# With the ROS 2 launch system installed (PACT_EXTRA_WHEELS, or a system ROS 2), the launch
# tests must run: their "requires ROS 2 launch" skip is then no longer an allowed reason.
if [[ -z "${PACT_ALLOWED_SKIP:-}" ]] && python -c 'import launch_ros, ros2cli' 2>/dev/null; then
  export PACT_ALLOWED_SKIP='(?i)\bcuda\b'
fi

cd "$ROOT/ros2_ws" || exit 1
colcon test-result --delete-yes >/dev/null 2>&1 || true
rm -f "$TOP_RESULTS"

echo "[test] colcon test (ros2_ws)"
colcon test --event-handlers console_cohesion+ summary+ status- \
  --pytest-args -p no:cacheprovider -o console_output_style=classic
colcon_rc=$?
colcon test-result --verbose >/dev/null 2>&1 || true

echo "[test] top-level tests (tests/)"
cd "$ROOT" || exit 1
python -m pytest -q -p no:cacheprovider tests --junit-xml="$TOP_RESULTS"
top_rc=$?
# pytest exits 5 when it collected nothing; the summary below decides whether that is fatal.
[[ $top_rc == 5 ]] && top_rc=0

python "$ROOT/scripts/test_summary.py" "$RESULTS"
summary_rc=$?
if [[ $colcon_rc != 0 || $top_rc != 0 || $summary_rc != 0 ]]; then
  exit 1
fi
