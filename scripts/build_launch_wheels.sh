#!/usr/bin/env bash
# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
#
# Build wheels of the ROS 2 Jazzy launch system and the `ros2` command line from their public
# sources, for a `make setup` venv (ROS 2 core from the PyPI ros-jazzy-* wheels, CPython 3.11).
# The wheels are what `PACT_EXTRA_WHEELS=<dir> make setup` installs (requirements-launch.lock
# pins their versions). No source file is changed.
#
#   source pact_env.sh && bash scripts/build_launch_wheels.sh OUT_DIR
#
# Sources are cloned from "$GIT_BASE/<owner>/<repo>" (default GIT_BASE=https://github.com); point
# GIT_BASE at a folder holding clones or bare mirrors laid out as <owner>/<repo> to build offline.
#   - pure-Python ament_python packages become ordinary wheels (`pip wheel --no-deps`); their
#     data_files (the ament index marker, package.xml) land under the venv prefix on install,
#     which is on AMENT_PREFIX_PATH;
#   - composition_interfaces (imported by launch_ros.actions, generated C/Python message code) is
#     built with colcon against the venv and repacked as a cp311 wheel laid out like the PyPI
#     ros-* message wheels: Python package in site-packages, libraries and share/ under the prefix.
set -euo pipefail

OUT="${1:?usage: build_launch_wheels.sh OUT_DIR}"
GIT_BASE="${GIT_BASE:-https://github.com}"
PYTHON="${VIRTUAL_ENV:?source pact_env.sh first}/bin/python"

# repository, tag, then the package folders inside it that become wheels
SOURCES=(
  "ros2/launch 3.4.3 launch launch_xml launch_yaml"
  "ros2/launch_ros 0.26.6 launch_ros ros2launch"
  "ros2/ros2cli 0.32.2 ros2cli ros2pkg ros2run ros2topic ros2node ros2service ros2param ros2lifecycle ros2interface"
  "ros2/rosidl_runtime_py 0.13.1 ."
  "ament/ament_lint 0.17.1 ament_copyright"
  "ros2/rcl_interfaces 2.0.2"  # composition_interfaces only: built below
)

say() { printf '[launch-wheels] %s\n' "$*"; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

for entry in "${SOURCES[@]}"; do
  read -r repo tag packages <<< "$entry"
  checkout="$WORK/src/${repo#*/}"
  say "$repo $tag"
  git clone --quiet --depth 1 --branch "$tag" "$GIT_BASE/$repo" "$checkout" 2>/dev/null \
    || git clone --quiet --depth 1 --branch "$tag" "$GIT_BASE/$repo.git" "$checkout"
  say "  commit $(git -C "$checkout" rev-parse HEAD)"
  for package in $packages; do
    "$PYTHON" -m pip wheel --quiet --no-deps --no-build-isolation --no-cache-dir \
      --wheel-dir "$OUT" "$checkout/$package"
  done
done

say "composition_interfaces: colcon build against the venv"
workspace="$WORK/ws"
mkdir -p "$workspace/src"
cp -r "$WORK/src/rcl_interfaces/composition_interfaces" "$workspace/src/"
(cd "$workspace" && colcon build --merge-install --event-handlers console_cohesion- status- \
   --cmake-args -DPython3_EXECUTABLE="$PYTHON" -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release \
   >/dev/null)

version=2.0.2
stage="$WORK/wheel/ros_composition_interfaces-$version"
data="$stage/ros_composition_interfaces-$version.data/data"
info="$stage/ros_composition_interfaces-$version.dist-info"
install="$workspace/install"
mkdir -p "$data/lib" "$data/share/composition_interfaces" "$info"
cp -r "$install/lib/python3.11/site-packages/composition_interfaces" "$stage/"
find "$stage/composition_interfaces" -name __pycache__ -prune -exec rm -rf {} +
cp "$install"/lib/libcomposition_interfaces__*.so "$data/lib/"
for kind in packages rosidl_interfaces package_run_dependencies; do
  mkdir -p "$data/share/ament_index/resource_index/$kind"
  cp "$install/share/ament_index/resource_index/$kind/composition_interfaces" \
     "$data/share/ament_index/resource_index/$kind/"
done
cp -r "$install/share/composition_interfaces/package.xml" "$install/share/composition_interfaces/srv" \
      "$data/share/composition_interfaces/"
cat > "$info/METADATA" <<EOF
Metadata-Version: 2.1
Name: ros-composition-interfaces
Version: $version
Summary: composition_interfaces of ROS 2 Jazzy (ros2/rcl_interfaces $version), colcon-built against the ros-jazzy-* wheels
License: Apache-2.0
Requires-Python: ==3.11.*
EOF
cat > "$info/WHEEL" <<EOF
Wheel-Version: 1.0
Generator: build_launch_wheels.sh
Root-Is-Purelib: false
Tag: cp311-cp311-linux_x86_64
EOF
echo composition_interfaces > "$info/top_level.txt"
"$PYTHON" -m wheel pack --dest-dir "$OUT" "$stage" >/dev/null
(cd "$OUT" && sha256sum ./*.whl > SHA256SUMS)
say "done: $(find "$OUT" -name '*.whl' | wc -l) wheels in $OUT"
say "install them with: PACT_EXTRA_WHEELS=$OUT make setup"
