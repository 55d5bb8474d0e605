#!/usr/bin/env bash
# Source ROS 2, the venv and the workspace overlay, then run the given command.
set -e
set +u
# shellcheck disable=SC1091
source /opt/pact_ros/pact_env.sh
exec "$@"
