# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""PolicyStep episode bookkeeping: ids from episode events, indices restarting at 0."""

import threading

from pact_policy.core.episode_steps import EpisodeSteps


def steps(episodes, count):
    return [episodes.next_step() for _ in range(count)]


def test_steps_count_within_each_episode_and_outside_them():
    episodes = EpisodeSteps(idle_episode_id='bench')
    assert steps(episodes, 2) == [('bench', 0), ('bench', 1)]   # before any event
    episodes.start('reach-1-1')
    assert steps(episodes, 3) == [('reach-1-1', 0), ('reach-1-1', 1), ('reach-1-1', 2)]
    episodes.end('reach-0-0')                                     # not the current one
    assert steps(episodes, 1) == [('reach-1-1', 3)]
    episodes.end('reach-1-1')
    assert steps(episodes, 1) == [('bench', 0)]
    episodes.start('reach-2-2')
    episodes.start('reach-3-3')                                   # start without an end
    assert steps(episodes, 2) == [('reach-3-3', 0), ('reach-3-3', 1)]
    assert episodes.episode_id == 'reach-3-3'


def test_concurrent_steps_get_distinct_consecutive_indices():
    episodes = EpisodeSteps()
    episodes.start('e')
    taken = []

    def worker():
        for _ in range(500):
            taken.append(episodes.next_step()[1])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == list(range(2000))
