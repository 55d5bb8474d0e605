# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
What the interface round-trip test exchanges: every pact_msgs type, names and seeds.

Shared by the test and its peer process so both build identical expected contents.
"""

import hashlib

import numpy as np
from pact_msgs import msg, srv

SEED = 20260521
NAMESPACE = '/pact_interface_test'
MESSAGE_TYPES = [getattr(msg, name) for name in (
    'NamedValue', 'Obstacle', 'TrackedObject', 'Scene', 'ConstraintState', 'PolicyStep',
    'EpisodeEvent', 'EpisodeOutcome', 'ModelAnnouncement', 'AlignmentStatus', 'PolicyStatus')]
SERVICE_TYPES = [getattr(srv, name) for name in (
    'GetModelChunk', 'ActivateModel', 'RollbackModel', 'ResetEStop', 'ResetEpisode',
    'GetEpisodeOutcome')]

# The model archive served in 4 MiB chunks.
CHUNK_LIMIT = 4 * 1024 * 1024
BLOB_VERSION = 'test-model-v1'
BLOB_SIZE = CHUNK_LIMIT + 1234  # one full chunk plus a short tail


def topic_for(message_type) -> str:
    """Topic carrying the filled sample of a message type."""
    return f'{NAMESPACE}/msg/{message_type.__name__}'


def service_for(service_type) -> str:
    """Service answering the filled sample of a service type."""
    return f'{NAMESPACE}/srv/{service_type.__name__}'


MODEL_CHUNK_SERVICE = f'{NAMESPACE}/model_chunks'
MODEL_ANNOUNCEMENT_TOPIC = f'{NAMESPACE}/model_announcement'


def model_blob() -> bytes:
    """Return the archive bytes both sides know (seeded: recomputed independently)."""
    return np.random.default_rng(SEED).integers(0, 256, BLOB_SIZE, dtype=np.uint8).tobytes()


def sha256_hex(data: bytes) -> str:
    """SHA-256 digest as 64 lowercase hex characters."""
    return hashlib.sha256(data).hexdigest()
