# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The environment a newcomer gets: the env script in a new shell, and a clear offline failure."""

import os
import re
import subprocess

MINIMAL_ENV = {'HOME': os.environ.get('HOME', '/tmp'), 'PATH': '/usr/local/bin:/usr/bin:/bin',
               'LANG': 'C.UTF-8'}


def test_env_script_gives_rclpy_and_pact_msgs_in_a_new_shell(repo_root):
    script = ('source pact_env.sh && python -c "import rclpy, pact_msgs.msg, pact_msgs.srv; '
              'import sys; print(sys.prefix)" && echo "$AMENT_PREFIX_PATH"')
    result = subprocess.run(['bash', '-c', script], cwd=repo_root, env=MINIMAL_ENV,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    prefix, ament_prefix_path = result.stdout.strip().splitlines()[-2:]
    assert prefix.endswith('.venv')
    assert 'pact_msgs' in ament_prefix_path


def test_env_script_is_idempotent(repo_root):
    script = 'source pact_env.sh && source pact_env.sh && echo "$PATH"'
    result = subprocess.run(['bash', '-c', script], cwd=repo_root, env=MINIMAL_ENV,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    entries = result.stdout.strip().split(':')
    assert len(entries) == len(set(entries))


def test_setup_without_a_package_index_names_what_is_missing(repo_root, tmp_path):
    offline = dict(MINIMAL_ENV, PACT_VENV=str(tmp_path / 'venv'), PIP_CONFIG_FILE=os.devnull,
                   PIP_INDEX_URL='http://127.0.0.1:9/simple', PIP_FIND_LINKS='',
                   PIP_EXTRA_INDEX_URL='', PIP_RETRIES='0', PIP_TIMEOUT='2',
                   PACT_USE_ROS_WHEELS='1')
    result = subprocess.run(['bash', 'scripts/setup.sh'], cwd=repo_root, env=offline,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert re.search(r'could not install \d+ of the \d+ pins', result.stderr), result.stderr
    assert 'missing: absl-py==' in result.stderr
    assert 'package index' in result.stderr and 'reachable' in result.stderr
    assert not (tmp_path / 'venv' / 'lib' / 'python3.11' / 'site-packages' / 'rclpy').exists()


def test_env_script_puts_example_robot_data_on_the_ament_path(repo_root):
    # example-robot-data's ament index marker sits under the venv's cmeel.prefix: launch files
    # find the Panda URDF through FindPackageShare('example-robot-data'), i.e. the ament index.
    script = ('source pact_env.sh && python -c "from ament_index_python.packages import '
              "get_package_share_directory as share; print(share('example-robot-data'))\"")
    result = subprocess.run(['bash', '-c', script], cwd=repo_root, env=MINIMAL_ENV,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    share = result.stdout.strip().splitlines()[-1]
    assert os.path.isfile(os.path.join(share, 'robots', 'panda_description', 'urdf',
                                       'panda.urdf'))
