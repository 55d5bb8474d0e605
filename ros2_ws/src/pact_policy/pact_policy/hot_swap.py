# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Weight hot swap of the policy node (a mixin of ``PolicyNode``).

ModelAnnouncement → (niced loader thread) announcement check → fetch over GetModelChunk or
file:// → size + SHA-256 → load + smoke test on the last observation → stage → swap at a chunk
boundary (immediately when no chunk is being produced, otherwise once the current one is out).
The previous model is kept for ``~/rollback_model``; ``~/activate_model`` activates a staged
one. Any failure is logged and the running model keeps running.
"""

import os
import queue
import threading
import time

from pact_msgs.msg import ModelAnnouncement
from pact_policy.core.model_swap import (
    Announcement, check_announcement, check_swap_compatible, prepare_candidate, TransferError)


class HotSwapMixin:
    """Announcement handling, verification, staging, activation and rollback."""

    def _on_announcement(self, message: ModelAnnouncement):
        """Queue the newest announcement for the loader thread (kept for configure if needed)."""
        announcement = Announcement(message.version, message.parent_version,
                                    message.architecture_id, message.size_bytes,
                                    message.sha256, message.uri)
        try:
            self._fetch_queue.get_nowait()  # keep only the newest announcement
        except queue.Empty:
            pass
        self._fetch_queue.put(announcement)

    def _swap_loop(self):
        try:  # fetching/loading must never starve inference: run this thread niced (Linux)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (AttributeError, OSError):
            pass
        while True:
            announcement = self._fetch_queue.get()
            if announcement is None:  # stop_workers
                return
            if self.slots.active is None:
                self.deferred_announcement = announcement
                self.get_logger().warn(f'model {announcement.version!r} announced before the '
                                       'node was configured: kept, fetched on configure')
                continue
            if announcement.version == self.slots.versions()[0]:
                continue
            self.slots.set_pending(announcement.version)
            try:
                self._receive(announcement)
            except TransferError as error:
                self.get_logger().error(f'model rejected, keeping the running model: {error}')
            except Exception as error:  # noqa: B902 — a hostile archive must not end the loader
                self.get_logger().error(f'model rejected, keeping the running model: '
                                        f'{type(error).__name__}: {error}')
            finally:
                self.slots.set_pending('')

    def _requeue_deferred_announcement(self):
        """After configure: hand an announcement kept while unconfigured to the loader."""
        announcement, self.deferred_announcement = self.deferred_announcement, None
        if announcement is None:
            return
        try:
            self._fetch_queue.put_nowait(announcement)
        except queue.Full:
            pass  # a newer announcement is already queued

    def _receive(self, announcement: Announcement):
        check_announcement(announcement, self.architecture_id, self.params.max_model_bytes)
        start = time.perf_counter()
        data = self.fetcher.fetch(announcement)
        fetched = time.perf_counter()
        candidate = prepare_candidate(data, announcement, self.architecture_id,
                                      self.last_observation, self.params.device,
                                      self.params.max_model_bytes,
                                      self.params.sampler or None,
                                      self.params.num_inference_steps or None,
                                      self.last_image)
        check_swap_compatible(candidate.policy.config, self.config, announcement.version)
        self.slots.stage(candidate)
        self.get_logger().info(
            f'model {announcement.version!r} verified and staged ({len(data)} bytes; fetch '
            f'{fetched - start:.3f} s, load + smoke test {time.perf_counter() - fetched:.3f} s)')
        if self.params.auto_activate:
            self.get_logger().info(self.slots.request_activation(announcement.version)[1])
            self._swap_if_idle()

    def _swap_now(self):
        """Perform a requested swap; callers hold the inference lock (a chunk boundary)."""
        message = self.slots.swap_if_requested()
        if message:
            self.get_logger().info(message)
            self._publish_status()

    def _swap_if_idle(self):
        """Swap right away when no chunk is being produced, else when the current one is out."""
        if self._inference_lock.acquire(blocking=False):
            try:
                self._swap_now()
            finally:
                self._inference_lock.release()

    def _on_activate_model(self, request, response):
        response.success, response.message = self.slots.request_activation(request.version)
        if response.success:
            self._swap_if_idle()
        response.active_version = self.slots.versions()[0]
        return response

    def _on_rollback(self, request, response):
        response.success, response.message = self.slots.request_rollback()
        if response.success:
            self._swap_if_idle()
        response.active_version = self.slots.versions()[0]
        return response
