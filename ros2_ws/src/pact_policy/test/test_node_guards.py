# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""peer_input: a callback that raises on a peer's message logs it and returns, never raises."""

from pact_policy.node_guards import peer_input


class RecordingLogger:
    def __init__(self):
        self.lines = []

    def error(self, text, **options):
        self.lines.append((text, options))


class FakeNode:
    def __init__(self):
        self.logger = RecordingLogger()
        self.state = 'good'

    def get_logger(self):
        return self.logger

    @peer_input('scene')
    def on_scene(self, message):
        if message == 'bad':
            raise ValueError('scene.obstacles[0].size: must be > 0')
        self.state = message
        return 'applied'

    @peer_input('steps', throttle_s=1.0)
    def on_step(self, message):
        raise KeyError(message)


def test_a_failing_callback_is_logged_with_the_topic_and_the_state_kept():
    node = FakeNode()
    assert node.on_scene('new') == 'applied' and node.state == 'new'
    assert node.on_scene('bad') is None
    assert node.state == 'new'
    assert node.logger.lines == [('scene: message rejected: ValueError: '
                                  'scene.obstacles[0].size: must be > 0', {})]
    node.on_step('x')
    assert node.logger.lines[-1][1] == {'throttle_duration_sec': 1.0}
