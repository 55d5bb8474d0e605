# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Weight hot swap of the policy node (``HotSwap``, held by ``PolicyNode``).

ModelAnnouncement → (niced loader thread, ``HotSwap.run``) announcement check → fetch over
GetModelChunk or file:// → size + SHA-256 → load + smoke test on the last observation → stage →
swap at a chunk boundary (``ChunkScheduler.swap_if_idle``: immediately when no chunk is being
produced, otherwise once the current one is out). The previous model is kept for
``~/rollback_model``; ``~/activate_model`` activates a staged one. Any failure is logged and the
running model keeps running.
"""

import os
import queue
import threading
import time
from typing import Callable

from pact_msgs.msg import ModelAnnouncement
from pact_policy.core.model_swap import (
    Announcement, check_announcement, check_swap_compatible, ModelSlots, prepare_candidate,
    TransferError)


class HotSwap:
    """Announcement handling, verification, staging, activation and rollback."""

    def __init__(self, slots: ModelSlots, fetcher, params, logger,
                 swap_if_idle: Callable[[], None], smoke_inputs: Callable[[], tuple]):
        """
        Stage verified models into ``slots``.

        ``fetcher`` (a ``ModelFetcher``) gets the bytes; ``params`` are the node's
        ``PolicyNodeParameters``; ``swap_if_idle()`` asks the node for a swap at the next chunk
        boundary; ``smoke_inputs()`` returns the (observation, image) a candidate is smoke
        tested on (None, None before the first inference).
        """
        self.slots, self.fetcher, self.params, self.logger = slots, fetcher, params, logger
        self.swap_if_idle, self.smoke_inputs = swap_if_idle, smoke_inputs
        self.running_config = None  # the configured model's PolicyConfig
        self.deferred_announcement = None  # announcement received before configure
        self._announcements = queue.Queue(maxsize=1)

    def configure(self, config) -> None:
        """Check candidates against ``config``; fetch an announcement kept while unconfigured."""
        self.running_config = config
        announcement, self.deferred_announcement = self.deferred_announcement, None
        if announcement is None:
            return
        try:
            self._announcements.put_nowait(announcement)
        except queue.Full:
            pass  # a newer announcement is already queued

    def on_announcement(self, message: ModelAnnouncement) -> None:
        """Queue the newest announcement for the loader thread (kept for configure if needed)."""
        announcement = Announcement(message.version, message.parent_version,
                                    message.architecture_id, message.size_bytes,
                                    message.sha256, message.uri)
        try:
            self._announcements.get_nowait()  # keep only the newest announcement
        except queue.Empty:
            pass
        self._announcements.put(announcement)

    def stop(self) -> None:
        """Make ``run`` return after the announcement it is handling (at shutdown)."""
        try:
            self._announcements.get_nowait()  # make room: at most one item is queued
        except queue.Empty:
            pass
        self._announcements.put(None)

    def run(self) -> None:
        """Loader thread: receive announced models until ``stop``."""
        try:  # fetching/loading must never starve inference: run this thread niced (Linux)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (AttributeError, OSError):
            pass
        while (announcement := self._announcements.get()) is not None:
            if self.slots.active is None:
                self.deferred_announcement = announcement
                self.logger.warn(f'model {announcement.version!r} announced before the '
                                 'node was configured: kept, fetched on configure')
                continue
            if announcement.version == self.slots.versions()[0]:
                continue
            self.slots.set_pending(announcement.version)
            try:
                self._receive(announcement)
            except TransferError as error:
                self.logger.error(f'model rejected, keeping the running model: {error}')
            except Exception as error:  # noqa: B902 — a hostile archive must not end the loader
                self.logger.error(f'model rejected, keeping the running model: '
                                  f'{type(error).__name__}: {error}')
            finally:
                self.slots.set_pending('')

    def _receive(self, announcement: Announcement) -> None:
        architecture_id = self.running_config.architecture_id
        check_announcement(announcement, architecture_id, self.params.max_model_bytes)
        start = time.perf_counter()
        data = self.fetcher.fetch(announcement)
        fetched = time.perf_counter()
        observation, image = self.smoke_inputs()
        candidate = prepare_candidate(data, announcement, architecture_id, observation,
                                      self.params.device, self.params.max_model_bytes,
                                      self.params.sampler or None,
                                      self.params.num_inference_steps or None, image)
        check_swap_compatible(candidate.policy.config, self.running_config, announcement.version)
        self.slots.stage(candidate)
        self.logger.info(
            f'model {announcement.version!r} verified and staged ({len(data)} bytes; fetch '
            f'{fetched - start:.3f} s, load + smoke test {time.perf_counter() - fetched:.3f} s)')
        if self.params.auto_activate:
            self.logger.info(self.slots.request_activation(announcement.version)[1])
            self.swap_if_idle()

    def on_activate_model(self, request, response):
        """``~/activate_model``: activate a staged model at the next chunk boundary."""
        response.success, response.message = self.slots.request_activation(request.version)
        if response.success:
            self.swap_if_idle()
        response.active_version = self.slots.versions()[0]
        return response

    def on_rollback(self, request, response):
        """``~/rollback_model``: swap back to the previous model at the next chunk boundary."""
        response.success, response.message = self.slots.request_rollback()
        if response.success:
            self.swap_if_idle()
        response.active_version = self.slots.versions()[0]
        return response
