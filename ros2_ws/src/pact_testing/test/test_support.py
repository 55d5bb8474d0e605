# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The test-support pieces do what the other packages' tests rely on."""

import os
import pathlib

from geometry_msgs.msg import PoseStamped
from pact_testing.license_header import copyright_problems, header_problems
from pact_testing.message_fill import default_leaf_fields, fill_message, message_differences
from pact_testing.repository import load_script, repository_path, repository_root
from sensor_msgs.msg import Image, JointState
from shape_msgs.msg import Plane


def test_fill_is_deterministic_and_complete():
    first, second = fill_message(JointState, seed=7), fill_message(JointState, seed=7)
    assert message_differences(first, second) == []
    assert default_leaf_fields(first) == []
    assert len(first.name) >= 1 and len(first.position) >= 1


def test_fill_covers_fixed_arrays_and_bytes():
    plane = fill_message(Plane, seed=3)
    assert plane.coef.shape == (4,) and all(value != 0.0 for value in plane.coef)
    image = fill_message(Image, seed=3)
    assert len(image.data) >= 1 and default_leaf_fields(image) == []


def test_differences_name_the_changed_leaf():
    expected = fill_message(PoseStamped, seed=1)
    actual = fill_message(PoseStamped, seed=1)
    actual.pose.position.y += 0.5
    assert message_differences(expected, actual) == [
        f'PoseStamped.pose.position.y: {actual.pose.position.y!r} != '
        f'{expected.pose.position.y!r}']
    assert message_differences(expected, fill_message(PoseStamped, seed=2)) != []


def test_this_process_is_isolated():
    assert 100 <= int(os.environ['ROS_DOMAIN_ID']) <= 232
    assert os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] == 'LOCALHOST'


def test_license_header_check(tmp_path):
    good = tmp_path / 'good.py'
    good.write_text('# Copyright 2026 Someone\n# SPDX-License-Identifier: Apache-2.0\n"""x."""\n')
    bad = tmp_path / 'bad.py'
    bad.write_text('"""No header."""\n')
    assert header_problems(good) == []
    assert len(header_problems(pathlib.Path(bad))) == 2


def test_copyright_problems_accepts_our_header_and_flags_a_missing_licence(tmp_path):
    # With ament_copyright installed this runs the real linter (our SPDX header registered
    # through its licence entry point); without it, the stand-in above.
    (tmp_path / 'good').mkdir()
    (tmp_path / 'good' / 'ok.py').write_text(
        '# Copyright 2026 Someone\n# SPDX-License-Identifier: Apache-2.0\n"""x."""\n')
    (tmp_path / 'bad').mkdir()
    (tmp_path / 'bad' / 'no_licence.py').write_text('# Copyright 2026 Someone\n"""x."""\n')
    assert copyright_problems([tmp_path / 'good']) == []
    problems = copyright_problems([tmp_path / 'bad'])
    assert problems and 'no_licence.py' in problems[0]


def test_repository_root_is_found_and_a_missing_one_is_named(tmp_path):
    root = repository_root()
    assert (root / 'Makefile').is_file() and (root / 'ros2_ws').is_dir()
    assert repository_path('config', 'constraints') == root / 'config' / 'constraints'
    assert repository_root(start=pathlib.Path(__file__)) == root
    try:
        repository_root(start=tmp_path)
    except FileNotFoundError as error:
        assert 'repository root' in str(error) and str(tmp_path) in str(error)
    else:
        raise AssertionError('a folder outside the repository must not have a root')


def test_load_script_imports_a_fresh_copy_of_a_repository_script():
    first = load_script('bench', 'alignment', 'validity.py', module_name='validity_a')
    second = load_script('bench', 'alignment', 'validity.py')
    assert first.__name__ == 'validity_a' and second.__name__ == 'validity'
    first.DEFAULT_SEED_OFFSET = -1          # a test patching its copy leaves the next one be
    assert second.DEFAULT_SEED_OFFSET == 2000
    assert pathlib.Path(second.__file__) == repository_path('bench', 'alignment', 'validity.py')
