# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Peer process of the interface round-trip test.

Publishes a filled sample of every pact_msgs message (latched), answers every service with a
filled response when the request matches the expected filled request (a default response
otherwise), and serves a model archive through GetModelChunk with
its ModelAnnouncement. Runs until interrupted.
"""

import rclpy
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy

import interface_catalogue as catalogue
from pact_msgs.msg import ModelAnnouncement
from pact_msgs.srv import GetModelChunk
from pact_testing.message_fill import fill_message, message_differences

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)


class InterfacePeer(Node):
    """Serves every interface with deterministic contents."""

    def __init__(self):
        super().__init__('pact_interface_peer')
        self._keep = []
        for message_type in catalogue.MESSAGE_TYPES:
            publisher = self.create_publisher(message_type, catalogue.topic_for(message_type),
                                              LATCHED)
            publisher.publish(fill_message(message_type, catalogue.SEED))
            self._keep.append(publisher)
        for service_type in catalogue.SERVICE_TYPES:
            self._keep.append(self.create_service(
                service_type, catalogue.service_for(service_type), self._echo(service_type)))
        self._blob = catalogue.model_blob()
        self._keep.append(self.create_service(GetModelChunk, catalogue.MODEL_CHUNK_SERVICE,
                                              self._serve_chunk))
        announcer = self.create_publisher(ModelAnnouncement, catalogue.MODEL_ANNOUNCEMENT_TOPIC,
                                          LATCHED)
        announcer.publish(ModelAnnouncement(
            version=catalogue.BLOB_VERSION, size_bytes=len(self._blob),
            sha256=catalogue.sha256_hex(self._blob),
            uri=f'service://{catalogue.MODEL_CHUNK_SERVICE}'))
        self._keep.append(announcer)
        self.get_logger().info('interface peer ready')

    def _echo(self, service_type):
        expected = fill_message(service_type.Request, catalogue.SEED)

        def answer(request, response):
            differences = message_differences(expected, request)
            if differences:
                self.get_logger().error('request differs: ' + '; '.join(differences))
                return response
            return fill_message(service_type.Response, catalogue.SEED)
        return answer

    def _serve_chunk(self, request, response):
        response.total_size = len(self._blob)
        if request.version != catalogue.BLOB_VERSION:
            response.error = f'unknown version {request.version!r}'
        elif request.length > catalogue.CHUNK_LIMIT:
            response.error = f'length {request.length} exceeds {catalogue.CHUNK_LIMIT}'
        elif request.offset > len(self._blob):
            response.error = f'offset {request.offset} beyond size {len(self._blob)}'
        else:
            end = min(request.offset + request.length, len(self._blob))
            response.data = self._blob[request.offset:end]
            response.eof = end == len(self._blob)
        return response


def main():
    """Run the peer until SIGINT."""
    rclpy.init()
    node = InterfacePeer()
    executor = MultiThreadedExecutor()
    executor.add_node(node)
    try:
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == '__main__':
    main()
