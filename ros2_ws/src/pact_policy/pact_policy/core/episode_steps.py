# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Which episode a PolicyStep belongs to, and its 0-based index within that episode.

PolicyStep.msg: ``episode_id`` is the episode the step belongs to (see EpisodeEvent) and
``step_index`` its index within it. The policy node learns the boundaries from the episode
events of the simulator (pact_sim's ``sim_node/episode_events``) or of whatever runs a real
robot's episodes:

- a start event of episode E: the following steps carry E, the first with index 0;
- the end event of the current episode: the following steps carry ``idle_episode_id`` (the
  ``episode_id`` parameter, '' by default: "no episode"), again counting from 0, until the
  next start; an end event of another episode (late, or replayed history) changes nothing.

Without any event every step carries ``idle_episode_id`` and counts from the node's start.
A step gets the episode that is current when it is published, i.e. the one in which its
command is executed. Thread-safe: events and steps come from different threads.
"""

import threading


class EpisodeSteps:
    """Episode id and step index of successive PolicySteps (see the module docstring)."""

    def __init__(self, idle_episode_id: str = ''):
        self.idle_episode_id = idle_episode_id
        self._episode_id = idle_episode_id
        self._next_index = 0
        self._lock = threading.Lock()

    @property
    def episode_id(self) -> str:
        """Return the episode the next step will belong to."""
        with self._lock:
            return self._episode_id

    def start(self, episode_id: str) -> None:
        """Begin ``episode_id``: the next step is its step 0."""
        with self._lock:
            self._episode_id, self._next_index = episode_id, 0

    def end(self, episode_id: str) -> None:
        """End ``episode_id`` if it is the current one (else ignore the event)."""
        with self._lock:
            if episode_id == self._episode_id:
                self._episode_id, self._next_index = self.idle_episode_id, 0

    def next_step(self) -> tuple:
        """Return (episode_id, step_index) for the step being published and count it."""
        with self._lock:
            step = (self._episode_id, self._next_index)
            self._next_index += 1
            return step
