# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Published model archives and chunked reads of them (the GetModelChunk service's logic).

Archives are pact_policy checkpoints (bytes); each version is kept until ``max_versions`` newer
ones exist. ``read_chunk`` validates the request: unknown version, offset beyond the archive,
zero length or more than ``MAX_CHUNK_BYTES`` (4 MiB) give an error string and no data.
"""

from collections import OrderedDict
from dataclasses import dataclass

from pact_policy.core.checkpoint import sha256_hex
from pact_policy.core.model_swap import MAX_CHUNK_BYTES  # the client's limit too


@dataclass(frozen=True)
class ChunkReply:
    """Data read, end-of-file flag, archive size (bytes) and error ('' on success)."""

    data: bytes
    eof: bool
    total_size: int
    error: str


class ModelStore:
    """Keep the latest archives by version; serve byte ranges of them."""

    def __init__(self, max_versions: int = 3):
        self.max_versions = max_versions
        self.archives = OrderedDict()

    def add(self, version: str, archive: bytes) -> str:
        """Store ``archive`` under ``version`` and return its SHA-256 (hex)."""
        if not version:
            raise ValueError('model version must not be empty')
        self.archives[version] = bytes(archive)
        self.archives.move_to_end(version)
        while len(self.archives) > self.max_versions:
            self.archives.popitem(last=False)
        return sha256_hex(archive)

    def read_chunk(self, version: str, offset: int, length: int) -> ChunkReply:
        """Return bytes [offset, offset + length) of ``version`` or an error reply."""
        archive = self.archives.get(version)
        if archive is None:
            return ChunkReply(b'', False, 0, f'unknown model version {version!r}; serving '
                              f'{list(self.archives)}')
        size = len(archive)
        if not 0 < length <= MAX_CHUNK_BYTES:
            return ChunkReply(b'', False, size, f'length {length} outside (0, {MAX_CHUNK_BYTES}]')
        if not 0 <= offset < size:
            return ChunkReply(b'', False, size, f'offset {offset} outside [0, {size})')
        data = archive[offset:offset + length]
        return ChunkReply(data, offset + len(data) >= size, size, '')
