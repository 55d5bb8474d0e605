# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Fetch an announced model archive over GetModelChunk (or file://) from a non-executor thread."""

import threading

from pact_msgs.srv import GetModelChunk
from pact_policy.core.model_transfer import (
    Announcement, ChunkAssembler, read_file_uri, service_name, TransferError)


class ModelFetcher:
    """
    Pull archive bytes for an announcement; blocking, so call it from a worker thread.

    The node must be spun by an executor on another thread (the replies arrive there).
    """

    def __init__(self, node, call_timeout_s: float = 5.0, chunk_bytes: int = 4 * 1024 * 1024):
        self.node = node
        self.call_timeout_s = call_timeout_s
        self.chunk_bytes = chunk_bytes
        self._clients = {}

    def fetch(self, announcement: Announcement) -> bytes:
        """Return the verified archive bytes or raise TransferError."""
        if announcement.uri.startswith('file://'):
            return read_file_uri(announcement)
        name = service_name(announcement.uri)
        client = self._clients.get(name)
        if client is None:
            client = self._clients[name] = self.node.create_client(GetModelChunk, name)
        if not client.wait_for_service(timeout_sec=self.call_timeout_s):
            raise TransferError(f'model {announcement.version!r}: service {name} unavailable')
        assembler = ChunkAssembler(announcement, self.chunk_bytes)
        while not assembler.done:
            offset, length = assembler.next_request()
            reply = self._call(client, GetModelChunk.Request(
                version=announcement.version, offset=offset, length=length), announcement)
            assembler.add(bytes(reply.data), reply.eof, reply.total_size, reply.error)
            if reply.eof and not assembler.done:
                break
        return assembler.result()

    def _call(self, client, request, announcement: Announcement):
        done = threading.Event()
        future = client.call_async(request)
        future.add_done_callback(lambda _: done.set())
        if not done.wait(self.call_timeout_s) or future.result() is None:
            future.cancel()
            raise TransferError(f'model {announcement.version!r}: no reply for bytes at offset '
                                f'{request.offset} within {self.call_timeout_s} s')
        return future.result()
