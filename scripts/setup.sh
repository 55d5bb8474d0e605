#!/usr/bin/env bash
# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
#
# One-command set-up of the PACT-ROS workspace (what `make setup` runs). Idempotent: a second
# run checks the pins, the CMake fix, the env script and the source hash, and changes nothing.
#
#   1. creates .venv (with the system site-packages when /opt/ros/jazzy is present);
#   2. installs the exact pins of requirements.lock (the ros-jazzy-* wheels are skipped when a
#      system ROS 2 Jazzy is used), and, when PACT_EXTRA_WHEELS names a folder of ROS 2 launch
#      wheels, those wheels by file path plus the pins of requirements-launch.lock;
#   3. points the wheels' exported CMake files at this interpreter's headers;
#   4. writes pact_env.sh, the script a user sources to get the same shell environment;
#   5. colcon-builds ros2_ws when its sources changed since the last successful build.
#
# Environment knobs: PACT_VENV (venv path), PACT_PYTHON (interpreter for the venv),
# PACT_USE_ROS_WHEELS=1 (use the PyPI wheels even when /opt/ros/jazzy exists),
# PACT_EXTRA_WHEELS=<dir> (install the ROS 2 launch system and `ros2` CLI from that folder's
# wheels; relative paths are taken from the directory `make setup` runs in).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PACT_VENV:-$ROOT/.venv}"
LOCK="$ROOT/requirements.lock"
LAUNCH_LOCK="$ROOT/requirements-launch.lock"
ENV_SCRIPT="$ROOT/pact_env.sh"
WS="$ROOT/ros2_ws"
SYSTEM_ROS=/opt/ros/jazzy

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

if [[ -f "$SYSTEM_ROS/setup.bash" && "${PACT_USE_ROS_WHEELS:-0}" != 1 ]]; then
  MODE=system
else
  MODE=wheels
fi

pick_python() {
  if [[ -n "${PACT_PYTHON:-}" ]]; then echo "$PACT_PYTHON"; return; fi
  if [[ $MODE == system ]]; then echo /usr/bin/python3; return; fi
  if command -v python3.11 >/dev/null 2>&1; then echo python3.11; else echo python3; fi
}

ensure_venv() {
  local python; python="$(pick_python)"
  command -v "$python" >/dev/null 2>&1 || die "no Python interpreter '$python' on PATH (set PACT_PYTHON)"
  if [[ $MODE == wheels ]]; then
    local version; version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    [[ $version == 3.11 ]] || die "the ros-jazzy-* wheels are built for CPython 3.11, but '$python' is $version: install python3.11 or set PACT_PYTHON"
  fi
  if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import sys' 2>/dev/null \
     && [[ "$(cat "$VENV/.pact-mode" 2>/dev/null)" == "$MODE" ]]; then
    return
  fi
  say "creating $VENV ($MODE ROS 2 Jazzy) with $python"
  "$python" -c 'import venv, ensurepip' 2>/dev/null || die "'$python' lacks the venv/ensurepip modules (Debian: apt-get install python3-venv)"
  local flags=()
  [[ $MODE == system ]] && flags+=(--system-site-packages)
  rm -rf "$VENV"
  "$python" -m venv "${flags[@]}" "$VENV"
  echo "$MODE" > "$VENV/.pact-mode"
}

lock_flags() { [[ $MODE == system ]] && echo --skip-ros-wheels || true; }

install_pins() {
  local py="$VENV/bin/python"
  # shellcheck disable=SC2046
  if "$py" "$ROOT/scripts/lockcheck.py" "$LOCK" $(lock_flags) >/dev/null; then
    say "all pins of requirements.lock are installed"
    return
  fi
  local wanted; wanted="$(mktemp)"
  if [[ $MODE == system ]]; then
    sed '/^# ros-wheels begin$/,/^# ros-wheels end$/d' "$LOCK" > "$wanted"
  else
    cp "$LOCK" "$wanted"
  fi
  say "installing the pinned packages of requirements.lock (first run: a few minutes, ~2 GB)"
  if ! "$py" -m pip install --no-input --quiet -r "$wanted" 2>&1 \
       | grep -v -e '^WARNING: Location' -e '^Requirement already satisfied' ; then
    :
  fi
  rm -f "$wanted"
  local missing
  # shellcheck disable=SC2046
  if ! missing="$("$py" "$ROOT/scripts/lockcheck.py" "$LOCK" $(lock_flags))"; then
    local count total
    count="$(printf '%s\n' "$missing" | wc -l)"
    total="$(grep -c '==' "$LOCK")"
    sed -n '1,20p' <<< "$missing" >&2  # no pipe: `head` closing early would SIGPIPE us
    [[ $count -gt 20 ]] && printf '... and %d more\n' "$((count - 20))" >&2
    die "pip could not install $count of the $total pins of requirements.lock (listed above). Is the package index (PyPI, or PIP_INDEX_URL) reachable from this machine? Re-run 'make setup' once it is."
  fi
}

install_launch_wheels() {
  local wheels="${PACT_EXTRA_WHEELS:-}" py="$VENV/bin/python"
  [[ -n $wheels ]] || return 0
  if [[ $MODE == system ]]; then
    say "PACT_EXTRA_WHEELS ignored: the system ROS 2 Jazzy provides launch and the ros2 CLI"
    return 0
  fi
  [[ -d $wheels ]] || die "PACT_EXTRA_WHEELS=$wheels is not a folder"
  wheels="$(cd "$wheels" && pwd)"
  if "$py" "$ROOT/scripts/lockcheck.py" "$LAUNCH_LOCK" >/dev/null; then
    say "all pins of requirements-launch.lock are installed"
    return
  fi
  local files=("$wheels"/*.whl)
  [[ -e ${files[0]} ]] || die "PACT_EXTRA_WHEELS=$wheels holds no .whl file"
  say "installing ${#files[@]} ROS 2 launch wheels from $wheels and the pins of requirements-launch.lock"
  # By file path and --no-deps: PyPI's unrelated 'launch' must never be picked, and launch_ros's
  # declared 'ament_index_python' is PyPI's ros-ament-index-python (already pinned).
  "$py" -m pip install --no-input --quiet --no-deps --no-index "${files[@]}" \
    || die "pip could not install the wheels of $wheels"
  local wanted; wanted="$(mktemp)"
  sed '/^# launch-wheels begin$/,/^# launch-wheels end$/d' "$LAUNCH_LOCK" > "$wanted"
  # pip then reports launch_ros's 'ament_index_python' as missing: the name mismatch above
  "$py" -m pip install --no-input --quiet -r "$wanted" 2>&1 | grep -v -e '^WARNING: Location' \
    -e "^ERROR: pip's dependency resolver" -e 'requires ament_index_python, which is not' || true
  rm -f "$wanted"
  local missing
  if ! missing="$("$py" "$ROOT/scripts/lockcheck.py" "$LAUNCH_LOCK")"; then
    printf '%s\n' "$missing" >&2
    die "requirements-launch.lock is not satisfied after installing $wheels (listed above): are these the wheels it pins, and is the package index reachable?"
  fi
}

fix_cmake_paths() {
  [[ $MODE == wheels ]] || return 0
  "$VENV/bin/python" "$ROOT/scripts/fix_ros_wheel_cmake.py" "$VENV"
}

cmeel_prefix() {  # the venv's cmeel.prefix folder when it holds an ament index, else ''
  local prefix
  prefix="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/cmeel.prefix"
  [[ -d $prefix/share/ament_index/resource_index/packages ]] && echo "$prefix" || true
}

write_env_script() {
  local tmp; tmp="$(mktemp)"
  {
    echo '# PACT-ROS shell environment, written by scripts/setup.sh: `source pact_env.sh`.'
    echo "# Mode: $MODE ROS 2 Jazzy. Safe to source more than once."
    echo "_pact_root='$ROOT'"
    echo "_pact_venv='$VENV'"
    echo "_pact_cmeel='$(cmeel_prefix)'"
    if [[ $MODE == system ]]; then
      echo "source '$SYSTEM_ROS/setup.bash'"
    fi
    cat <<'BODY'
_pact_prepend() {  # _pact_prepend VAR DIR: put DIR first in the colon list VAR, once.
  local current="${!1:-}"
  case ":$current:" in *":$2:"*) ;; *) export "$1=$2${current:+:$current}" ;; esac
}
export VIRTUAL_ENV="$_pact_venv"
_pact_prepend PATH "$_pact_venv/bin"
_pact_prepend AMENT_PREFIX_PATH "$_pact_venv"
_pact_prepend CMAKE_PREFIX_PATH "$_pact_venv"
_pact_prepend LD_LIBRARY_PATH "$_pact_venv/lib"
if [ -n "${ZSH_VERSION:-}" ]; then _pact_overlay=local_setup.zsh; else _pact_overlay=local_setup.bash; fi
if [ -f "$_pact_root/ros2_ws/install/$_pact_overlay" ]; then
  # shellcheck disable=SC1090
  . "$_pact_root/ros2_ws/install/$_pact_overlay"
fi
# example-robot-data installs its ament index marker under cmeel.prefix: appended so that
# FindPackageShare('example-robot-data') (launch) and get_package_share_directory find it.
if [ -n "$_pact_cmeel" ]; then
  case ":${AMENT_PREFIX_PATH:-}:" in
    *":$_pact_cmeel:"*) ;;
    *) export AMENT_PREFIX_PATH="${AMENT_PREFIX_PATH:+$AMENT_PREFIX_PATH:}$_pact_cmeel" ;;
  esac
fi
unset -f _pact_prepend
unset _pact_overlay _pact_cmeel
BODY
  } > "$tmp"
  if ! cmp -s "$tmp" "$ENV_SCRIPT"; then
    mv "$tmp" "$ENV_SCRIPT"
    say "wrote $ENV_SCRIPT"
  else
    rm -f "$tmp"
  fi
}

source_hash() {
  {
    echo "$MODE"
    sha256sum "$LOCK"
    # the packages install config/, launch/ and rviz/ files too: a change there must rebuild
    (cd "$WS" && find src ../config ../launch ../rviz -type f ! -path '*/__pycache__/*' \
       ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -d' ' -f1
}

build_workspace() {
  local stamp="$WS/install/.pact-source-hash" hash
  hash="$(source_hash)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
    say "ros2_ws is built and up to date"
    return
  fi
  say "colcon build (ros2_ws)"
  (
    set +u
    # shellcheck disable=SC1090
    source "$ENV_SCRIPT"
    cd "$WS"
    colcon build --event-handlers console_cohesion- summary+ status- \
      --cmake-args -DPython3_EXECUTABLE="$VENV/bin/python" -DBUILD_TESTING=ON
  ) || die "colcon build failed (see the output above and ros2_ws/log/latest_build)"
  echo "$hash" > "$stamp"
}

ensure_venv
install_pins
install_launch_wheels
fix_cmake_paths
write_env_script
build_workspace
say "done: 'source pact_env.sh' for a shell with ROS 2, the venv and the workspace overlay"
