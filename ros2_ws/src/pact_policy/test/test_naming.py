# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The observation naming rule: build -> parse round trips, malformed names are rejected."""

from hypothesis import given, strategies as st
from pact_policy.core import naming
from pact_policy.core.naming import ObservationNameError
import pytest

SUBJECTS = st.text(alphabet=st.characters(codec='ascii', exclude_characters='.@'),
                   min_size=1, max_size=20)


@given(SUBJECTS)
def test_joint_names_round_trip(joint):
    for field, name in ((naming.POSITION, naming.joint_position_name(joint)),
                        (naming.VELOCITY, naming.joint_velocity_name(joint))):
        parsed = naming.parse_name(name)
        assert (parsed.kind, parsed.subject, parsed.field) == ('joint', joint, field)
    assert naming.action_names([joint]) == [naming.joint_position_name(joint)]


@given(SUBJECTS)
def test_vector_names_round_trip(subject):
    for kind, names in ((naming.POSITION, naming.position_names(subject)),
                        (naming.Z_AXIS, naming.z_axis_names(subject))):
        parsed = [naming.parse_name(name) for name in names]
        assert [(p.kind, p.subject, p.component) for p in parsed] == [
            (kind, subject, index) for index in range(3)]


def test_tool_position_names_are_the_documented_ones():
    assert naming.tool_position_names() == ['tool.position.x', 'tool.position.y',
                                            'tool.position.z']


@given(SUBJECTS, st.integers(min_value=0, max_value=10_000))
def test_history_names_round_trip(base, lag):
    assert naming.parse_history_name(naming.history_name(base, lag)) == (base, lag)


@given(st.lists(SUBJECTS, min_size=1, max_size=5, unique=True), st.integers(1, 4))
def test_flattened_history_is_oldest_first(names, steps):
    flat = naming.history_names(names, steps, len(names))
    assert len(flat) == steps * len(names)
    lags = [naming.parse_history_name(name)[1] for name in flat]
    assert lags == sorted(lags, reverse=True) and lags[-1] == 0
    assert flat[-len(names):] == names


@pytest.mark.parametrize('name', ['', 'panda_joint1', 'panda_joint1.effort', '.position',
                                  'tool.position.q', 'tool..x',
                                  'box.orientation.v', 'a.b.c.d', 'x@-1.position',
                                  'tool.position.x@-1'])
def test_malformed_base_names_raise(name):
    with pytest.raises(ObservationNameError, match='not understood'):
        naming.parse_name(name)


@pytest.mark.parametrize('name', ['', 'a@-0', 'a@-', 'a@-x', 'a@-01', 'a@1', '@-2', 'a@-1@-2',
                                  'a@--1'])
def test_malformed_history_names_raise(name):
    with pytest.raises(ObservationNameError, match='history name'):
        naming.parse_history_name(name)


@given(st.text(max_size=30))
def test_arbitrary_text_parses_or_raises_the_naming_error(text):
    try:
        parsed = naming.parse_name(text)
    except ObservationNameError:
        return
    assert text.split('.')[0] == parsed.subject


@pytest.mark.parametrize('bad', ['', 'a.b', 'a@b'])
def test_builders_reject_bad_subjects(bad):
    with pytest.raises(ObservationNameError):
        naming.joint_position_name(bad)
    with pytest.raises(ObservationNameError):
        naming.position_names(bad)


def test_negative_lag_raises():
    with pytest.raises(ObservationNameError):
        naming.history_name('a', -1)
