# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Every pact_msgs interface crosses real DDS between two OS processes with all fields intact.

A peer process (interface_peer.py) publishes a filled sample of every message, answers every
service, and serves a model archive in 4 MiB chunks. This process builds
the same samples from the same seed and compares every leaf field.
"""

import os
import pathlib
import sys

import pytest
import rclpy
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import interface_catalogue as catalogue  # noqa: E402
from pact_msgs.msg import ModelAnnouncement  # noqa: E402
from pact_msgs.srv import GetModelChunk  # noqa: E402
from pact_testing.message_fill import (  # noqa: E402
    default_leaf_fields, fill_message, message_differences)
from pact_testing.processes import NodeProcess, wait_until  # noqa: E402

pytestmark = [pytest.mark.dds, pytest.mark.slow]

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
DISCOVERY_TIMEOUT_S = 30.0


@pytest.fixture(scope='module')
def peer():
    """Start the peer process once for the module."""
    script = pathlib.Path(__file__).with_name('interface_peer.py')
    env = {'PYTHONPATH': f'{script.parent}:' + os.environ.get('PYTHONPATH', '')}
    with NodeProcess([str(script)], env=env, name='interface_peer') as process:
        yield process
    assert process.process.returncode in (0, -2), process.output()


@pytest.fixture(scope='module')
def node(peer):
    """Create a node of this process, with rclpy initialised for the module."""
    rclpy.init()
    test_node = rclpy.create_node('pact_interface_test')
    yield test_node
    test_node.destroy_node()
    rclpy.shutdown()


def spin_once(node):
    """One executor turn, short enough to keep the waits responsive."""
    return lambda: rclpy.spin_once(node, timeout_sec=0.05)


def call(node, client, request, peer):
    """Call a service of the peer and return its response (fails with the peer's log)."""
    assert client.wait_for_service(timeout_sec=DISCOVERY_TIMEOUT_S), peer.output()
    future = client.call_async(request)
    assert wait_until(future.done, DISCOVERY_TIMEOUT_S, spin_once(node)), peer.output()
    return future.result()


def test_samples_fill_every_field():
    for interface in (catalogue.MESSAGE_TYPES
                      + [t.Request for t in catalogue.SERVICE_TYPES]
                      + [t.Response for t in catalogue.SERVICE_TYPES]):
        assert default_leaf_fields(fill_message(interface, catalogue.SEED)) == [], interface


@pytest.mark.parametrize('message_type', catalogue.MESSAGE_TYPES,
                         ids=lambda t: t.__name__)
def test_message_round_trip(node, peer, message_type):
    received = []
    subscription = node.create_subscription(message_type, catalogue.topic_for(message_type),
                                            received.append, LATCHED)
    try:
        assert wait_until(lambda: received, DISCOVERY_TIMEOUT_S, spin_once(node)), peer.output()
        expected = fill_message(message_type, catalogue.SEED)
        assert message_differences(expected, received[0]) == []
        assert received[0] == expected
    finally:
        node.destroy_subscription(subscription)


@pytest.mark.parametrize('service_type', catalogue.SERVICE_TYPES,
                         ids=lambda t: t.__name__)
def test_service_round_trip(node, peer, service_type):
    client = node.create_client(service_type, catalogue.service_for(service_type))
    try:
        response = call(node, client, fill_message(service_type.Request, catalogue.SEED), peer)
        expected = fill_message(service_type.Response, catalogue.SEED)
        assert message_differences(expected, response) == [], peer.output()[-2000:]
    finally:
        node.destroy_client(client)


def test_model_chunk_round_trip_4mib(node, peer):
    announcements = []
    subscription = node.create_subscription(
        ModelAnnouncement, catalogue.MODEL_ANNOUNCEMENT_TOPIC, announcements.append, LATCHED)
    client = node.create_client(GetModelChunk, catalogue.MODEL_CHUNK_SERVICE)
    try:
        assert wait_until(lambda: announcements, DISCOVERY_TIMEOUT_S, spin_once(node))
        announcement = announcements[0]
        received = bytearray()
        eof = False
        while not eof:
            response = call(node, client, GetModelChunk.Request(
                version=announcement.version, offset=len(received),
                length=catalogue.CHUNK_LIMIT), peer)
            assert response.error == ''
            assert len(response.data) <= catalogue.CHUNK_LIMIT
            received += bytes(response.data)
            eof = response.eof
        expected = catalogue.model_blob()
        assert len(received) == announcement.size_bytes == len(expected)
        assert catalogue.sha256_hex(bytes(received)) == announcement.sha256
        assert bytes(received) == expected
        oversized = call(node, client, GetModelChunk.Request(
            version=announcement.version, offset=0, length=catalogue.CHUNK_LIMIT + 1), peer)
        assert 'exceeds' in oversized.error and len(oversized.data) == 0
    finally:
        node.destroy_client(client)
        node.destroy_subscription(subscription)
