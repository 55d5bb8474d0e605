# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Fetch an announced model archive over GetModelChunk (or file://) from a non-executor thread."""

import threading

from pact_msgs.srv import GetModelChunk
from pact_policy.core.model_swap import (
    Announcement, ChunkAssembler, read_file_uri, service_name, TransferError)


class ModelFetcher:
    """
    Pull archive bytes for an announcement; blocking, so call it from a worker thread.

    Requests go out ``requests_in_flight`` at a time (so transfer and serving overlap) and the
    replies are assembled strictly in order. The node must be spun by an executor on another
    thread (the replies arrive there).
    """

    def __init__(self, node, call_timeout_s: float = 5.0, chunk_bytes: int = 4 * 1024 * 1024,
                 requests_in_flight: int = 2, model_dirs=()):
        self.node = node
        self.model_dirs = list(model_dirs)  # the only folders file:// URIs may point into
        self.requests_in_flight = requests_in_flight
        self.call_timeout_s = call_timeout_s
        self.chunk_bytes = chunk_bytes
        self._clients = {}

    def fetch(self, announcement: Announcement) -> bytes:
        """Return the verified archive bytes or raise TransferError."""
        if announcement.uri.startswith('file://'):
            return read_file_uri(announcement, self.model_dirs)
        name = service_name(announcement.uri)
        client = self._clients.get(name)
        if client is None:
            client = self._clients[name] = self.node.create_client(GetModelChunk, name)
        if not client.wait_for_service(timeout_sec=self.call_timeout_s):
            raise TransferError(f'model {announcement.version!r}: service {name} unavailable')
        assembler = ChunkAssembler(announcement, self.chunk_bytes)
        size = announcement.size_bytes
        offsets = list(range(0, size, self.chunk_bytes))
        in_flight = []
        while not assembler.done:
            while offsets and len(in_flight) < self.requests_in_flight:
                offset = offsets.pop(0)
                request = GetModelChunk.Request(version=announcement.version, offset=offset,
                                                length=min(self.chunk_bytes, size - offset))
                in_flight.append(self._send(client, request))
            if not in_flight:
                break
            reply = self._receive(*in_flight.pop(0), announcement)
            assembler.add(bytes(reply.data), reply.eof, reply.total_size, reply.error)
        for future, _, _ in in_flight:
            future.cancel()
        return assembler.result()

    @staticmethod
    def _send(client, request):
        done = threading.Event()
        future = client.call_async(request)
        future.add_done_callback(lambda _: done.set())
        return future, done, request

    def _receive(self, future, done, request, announcement: Announcement):
        """Wait for one reply (in request order) or raise TransferError."""
        if not done.wait(self.call_timeout_s) or future.result() is None:
            future.cancel()
            raise TransferError(f'model {announcement.version!r}: no reply for bytes at offset '
                                f'{request.offset} within {self.call_timeout_s} s')
        return future.result()
