# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The policy node's control state machine, without ROS: ticks, jobs, swaps, holds and e-stop.

A fake clock drives ``ChunkScheduler`` the way the node's timers do (a sample every
``action_dt``, a tick every chunk period); the tests play the inference worker. Numbers are
exact in binary floating point, so decisions are compared exactly.
"""

import math
import types

import numpy as np
from pact_policy.core.chunk_scheduler import (
    ChunkScheduler, ChunkSpec, Decision, State, Status)
from pact_policy.core.command_safety import SafetyLimits
from pact_policy.core.model_swap import ModelSlots
from pact_policy.core.observation import ObservationError
from pact_policy.core.policy_config import PolicyConfig
from pact_policy.core.supervision import EStopLatch, InputWatchdog
import pytest

SPEC = ChunkSpec(action_names=('a', 'b'), obs_dim=2, n_obs_steps=2, horizon=3,
                 n_action_steps=2, action_dt=0.125)
# position bounds ±1 (rad), 4 rad/s: at most 0.5 rad per 0.125 s row
LIMITS = SafetyLimits(np.array([-1.0, -1.0]), np.array([1.0, 1.0]), np.array([4.0, 4.0]))
HOME = {'a': 0.0, 'b': 0.5}
HOME_ROW = (0.0, 0.5)
# proposes a = 2 (clamped to 1, reached in two rate-limited rows), b = 0.25 (one row); every
# value and step is a power-of-two fraction, so the clamp and rate limit are exact in binary
# floating point on any CPU, and the commands below are compared with ==
CHUNK = np.array([[2.0, 0.25], [2.0, 0.25], [0.0, 0.0]])
COMMAND = ((0.5, 0.25), (1.0, 0.25))
BASE, V1 = types.SimpleNamespace(version='base'), types.SimpleNamespace(version='v1')


class FakeClock:
    """Monotonic seconds that advance only when told."""

    def __init__(self, now: float = 100.0):
        self.now = now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def observation(values=HOME_ROW):
    return lambda: np.array(values, dtype=np.float32)


def never():
    raise AssertionError('read while it must not be')


def scheduler_and_clock(slots=None, active=True):
    """Return a scheduler (configured, with limits, fresh joint states; active) and its clock."""
    clock = FakeClock()
    scheduler = ChunkScheduler(slots or ModelSlots(BASE), InputWatchdog({'joint_states': 0.5}),
                               EStopLatch(), no_limits_reason='no robot description yet')
    scheduler.configure(SPEC)
    scheduler.set_limits(LIMITS)
    scheduler.watchdog.feed('joint_states', clock.now)
    if active:
        scheduler.activate()
    return scheduler, clock


def start_job(scheduler, clock, positions=HOME):
    """Sample once and tick; return the job that tick started."""
    scheduler.sample(clock.now, observation())
    decision = scheduler.tick(clock.now, positions)
    assert decision.job is not None, decision
    return decision.job


def test_inactive_at_start_until_configured_and_activated():
    clock = FakeClock()
    scheduler = ChunkScheduler(ModelSlots(BASE), InputWatchdog({'joint_states': 0.5}),
                               EStopLatch())
    assert scheduler.status == Status(State.UNCONFIGURED) and not scheduler.active
    assert scheduler.tick(clock.now, HOME) == Decision()
    assert scheduler.configure(SPEC) == Decision(status=Status(State.INACTIVE))
    scheduler.set_limits(LIMITS)
    scheduler.watchdog.feed('joint_states', clock.now)
    scheduler.sample(clock.now, never, never)  # inactive: no observation is read
    assert scheduler.tick(clock.now, HOME) == Decision()
    assert scheduler.job is None and scheduler.next_row() is None
    assert scheduler.activate() == Decision(status=Status(State.ACTIVE))
    assert scheduler.tick(clock.now, HOME) == Decision(
        hold=HOME_ROW, status=Status(State.HOLDING, 'no observation yet'))


def test_a_job_starts_at_the_first_tick_after_an_observation_sample():
    scheduler, clock = scheduler_and_clock()
    scheduler.sample(clock.now, observation(), lambda: 'frame-1')
    clock.advance(SPEC.action_dt)
    scheduler.watchdog.feed('joint_states', clock.now)
    scheduler.sample(clock.now, observation((0.25, 0.5)), lambda: 'frame-2')
    decision = scheduler.tick(clock.now, HOME)
    job = decision.job
    assert decision == Decision(job=job)
    assert (job.number, job.measured, job.model, job.extras) == (1, HOME_ROW, BASE, 'frame-2')
    np.testing.assert_array_equal(job.observation, [0.0, 0.5, 0.25, 0.5])  # oldest first
    assert scheduler.job is job
    np.testing.assert_array_equal(scheduler.last_observation, job.observation)


def test_a_result_is_commanded_clamped_and_rate_limited_from_the_measured_position():
    scheduler, clock = scheduler_and_clock()
    job = start_job(scheduler, clock)
    moved = {'a': 0.75, 'b': 0.5}  # the arm moved since the tick: the job's measurement counts
    assert scheduler.finish_job(job, CHUNK, moved) == Decision(command=COMMAND)
    assert scheduler.job is None and scheduler.last_hold_row == COMMAND[-1]
    clock.advance(SPEC.period_s)
    scheduler.watchdog.feed('joint_states', clock.now)
    assert start_job(scheduler, clock).number == 2


def test_next_row_streams_the_last_command_one_row_per_call():
    scheduler, clock = scheduler_and_clock()
    scheduler.finish_job(start_job(scheduler, clock), CHUNK, HOME)
    assert [scheduler.next_row(), scheduler.next_row(), scheduler.next_row()] == [
        COMMAND[0], COMMAND[1], None]
    scheduler.finish_job(start_job(scheduler, clock), CHUNK, HOME)
    assert scheduler.next_row() == COMMAND[0]
    scheduler.finish_job(start_job(scheduler, clock), CHUNK, HOME)  # replaces the rest
    assert scheduler.next_row() == COMMAND[0]
    scheduler.estop_input(True, HOME)  # a hold drops the rows not yet sent
    scheduler.estop_input(False, HOME)
    scheduler.reset_estop()
    assert scheduler.next_row() is None


def test_a_result_arriving_after_the_next_tick_is_a_missed_tick_without_a_new_command():
    scheduler, clock = scheduler_and_clock()
    job = start_job(scheduler, clock)
    for missed in (1, 2):
        clock.advance(SPEC.period_s)
        scheduler.watchdog.feed('joint_states', clock.now)
        scheduler.sample(clock.now, observation())
        # the controller keeps executing (then holding the end of) the last command
        assert scheduler.tick(clock.now, HOME) == Decision()
        assert scheduler.missed_ticks == missed and scheduler.job is job
    assert scheduler.finish_job(job, CHUNK, HOME) == Decision(command=COMMAND)  # late, still sent
    assert scheduler.tick(clock.now, HOME).job.number == 2


def test_a_swap_requested_while_a_chunk_is_computed_waits_for_its_end():
    slots = ModelSlots(BASE)
    scheduler, clock = scheduler_and_clock(slots)
    job = start_job(scheduler, clock)
    slots.stage(V1)
    assert slots.request_activation('v1')[0]
    assert scheduler.swap_if_idle() == Decision()  # a chunk is being computed by base
    assert slots.active is BASE
    assert scheduler.finish_job(job, CHUNK, HOME) == Decision(
        command=COMMAND, swapped="activate: now running 'v1' (previous 'base')")
    assert slots.versions() == ('v1', 'base', '')
    assert start_job(scheduler, clock).model is V1


def test_an_idle_swap_is_immediate_and_a_job_never_starts_on_a_swap_still_requested():
    slots = ModelSlots(BASE)
    scheduler, clock = scheduler_and_clock(slots)
    slots.stage(V1)
    slots.request_activation('v1')
    assert scheduler.swap_if_idle() == Decision(
        swapped="activate: now running 'v1' (previous 'base')")
    assert slots.request_rollback()[0]  # requested, the node not told: the tick swaps first
    scheduler.sample(clock.now, observation())
    decision = scheduler.tick(clock.now, HOME)
    assert decision == Decision(job=decision.job,
                                swapped="rollback: now running 'base' (previous 'v1')")
    assert decision.job.model is BASE
    slots.request_rollback()
    assert scheduler.fail_job(decision.job, HOME) == Decision(  # a failed job ends a chunk too
        hold=HOME_ROW, swapped="rollback: now running 'v1' (previous 'base')")


def test_a_rejected_chunk_holds_the_measured_position_until_a_good_one_arrives():
    scheduler, clock = scheduler_and_clock()
    bad = CHUNK.copy()
    bad[0, 1] = math.nan
    assert scheduler.finish_job(start_job(scheduler, clock), bad, HOME) == Decision(
        hold=HOME_ROW, status=Status(State.HOLDING, 'chunk rejected: chunk has 1 non-finite '
                                     'entries (first at row 0, column 1)'))
    assert scheduler.finish_job(start_job(scheduler, clock), CHUNK[:2], HOME) == Decision(
        hold=HOME_ROW, status=Status(State.HOLDING,
                                     'chunk rejected: chunk shape (2, 2), expected (3, 2)'))
    assert scheduler.finish_job(start_job(scheduler, clock), CHUNK, HOME) == Decision(
        command=COMMAND, status=Status(State.ACTIVE))


def test_a_failed_inference_holds_and_frees_the_next_tick():
    scheduler, clock = scheduler_and_clock()
    job = start_job(scheduler, clock)
    assert scheduler.fail_job(job, HOME) == Decision(hold=HOME_ROW)
    assert scheduler.job is None and scheduler.status == Status(State.ACTIVE)
    assert start_job(scheduler, clock).number == 2


def test_stale_joint_states_hold_the_measured_position_until_fresh_and_sampled_again():
    scheduler, clock = scheduler_and_clock()
    scheduler.finish_job(start_job(scheduler, clock), CHUNK, HOME)
    clock.advance(0.75)  # joint states last seen 0.75 s ago, the limit is 0.5 s
    scheduler.sample(clock.now, never)  # a stale input: nothing is read, the history is gone
    assert scheduler.tick(clock.now, HOME) == Decision(
        hold=HOME_ROW,
        status=Status(State.HOLDING, 'stale input: joint_states is 0.75 s old (limit 0.50 s)'))
    scheduler.watchdog.feed('joint_states', clock.now)
    assert scheduler.tick(clock.now, HOME) == Decision(  # fresh, but not sampled since
        hold=HOME_ROW, status=Status(State.HOLDING,
                                     'observation unavailable: stale input: joint_states'))
    scheduler.sample(clock.now, observation())
    decision = scheduler.tick(clock.now, HOME)
    assert decision == Decision(job=decision.job)
    assert scheduler.finish_job(decision.job, CHUNK, HOME) == Decision(
        command=COMMAND, status=Status(State.ACTIVE))


def test_never_received_joint_states_or_no_limits_hold():
    clock = FakeClock()
    scheduler = ChunkScheduler(ModelSlots(BASE), InputWatchdog({'joint_states': 0.5}),
                               EStopLatch(), no_limits_reason='no robot description yet')
    scheduler.configure(SPEC)
    scheduler.activate()
    assert scheduler.tick(clock.now, {}) == Decision(
        status=Status(State.HOLDING, 'stale input: no joint_states received yet'))
    scheduler.watchdog.feed('joint_states', clock.now)
    scheduler.sample(clock.now, observation())
    assert scheduler.tick(clock.now, HOME) == Decision(
        hold=HOME_ROW, status=Status(State.HOLDING, 'no robot description yet'))


def test_nan_or_missing_joint_states_hold_the_last_finite_row():
    scheduler, clock = scheduler_and_clock()
    assert scheduler.estop_input(True, {'a': math.nan, 'b': 0.5}).hold is None  # none yet
    scheduler.estop_input(False, HOME)
    scheduler.reset_estop()
    scheduler.finish_job(start_job(scheduler, clock), CHUNK, HOME)
    nan = {'a': math.nan, 'b': 0.5}

    def non_finite():
        raise ObservationError('observation has non-finite entries: a.position')
    scheduler.sample(clock.now, non_finite)
    assert scheduler.tick(clock.now, nan) == Decision(hold=COMMAND[-1], status=Status(
        State.HOLDING, 'observation unavailable: observation has non-finite entries: '
        'a.position'))
    scheduler.sample(clock.now, observation())
    assert scheduler.tick(clock.now, {'b': 0.5}) == Decision(
        hold=COMMAND[-1], status=Status(State.HOLDING, "joint 'a' missing from the joint states"))
    job = scheduler.tick(clock.now, nan).job  # a NaN the observation did not contain
    assert scheduler.finish_job(job, CHUNK, nan) == Decision(hold=COMMAND[-1], status=Status(
        State.HOLDING, 'chunk rejected: measured position of shape (2,) is invalid or '
        'non-finite'))


def test_an_observation_of_the_wrong_size_holds_naming_the_sizes():
    scheduler, clock = scheduler_and_clock()
    scheduler.sample(clock.now, observation((0.0, 0.5, 1.0)), never)
    assert scheduler.tick(clock.now, HOME) == Decision(hold=HOME_ROW, status=Status(
        State.HOLDING, 'observation unavailable: observation has 3 entries, model expects 2 '
        '(set observation_names)'))


def test_estop_latches_drops_results_and_holds_until_reset():
    scheduler, clock = scheduler_and_clock()
    job = start_job(scheduler, clock)
    assert scheduler.estop_input(True, HOME) == Decision(
        hold=HOME_ROW, status=Status(State.ESTOP, 'e-stop topic asserted'))
    assert scheduler.estop_input(True, HOME) == Decision()  # latched already
    assert scheduler.finish_job(job, CHUNK, HOME) == Decision()  # computed before: dropped
    scheduler.sample(clock.now, observation())
    assert scheduler.tick(clock.now, HOME) == Decision(
        hold=HOME_ROW, status=Status(State.ESTOP, 'e-stop latched: e-stop topic asserted'))
    assert scheduler.reset_estop('op') == (
        False, 'e-stop input is still asserted; release it before resetting', Decision())
    assert scheduler.estop_input(False, HOME) == Decision()  # released, still latched
    assert scheduler.tick(clock.now, HOME) == Decision(hold=HOME_ROW)
    assert scheduler.next_row() is None
    assert scheduler.reset_estop('op') == (
        True, 'e-stop cleared (was: e-stop topic asserted); note: op',
        Decision(status=Status(State.HOLDING, 'e-stop reset')))
    job = scheduler.tick(clock.now, HOME).job
    assert scheduler.finish_job(job, CHUNK, HOME) == Decision(
        command=COMMAND, status=Status(State.ACTIVE))


def test_deactivation_holds_and_drops_the_chunk_computed_meanwhile():
    scheduler, clock = scheduler_and_clock()
    job = start_job(scheduler, clock)
    assert scheduler.deactivate(HOME) == Decision(
        hold=HOME_ROW, status=Status(State.INACTIVE, 'deactivated: holding'))
    assert scheduler.finish_job(job, CHUNK, HOME) == Decision()
    assert scheduler.tick(clock.now, HOME) == Decision()
    assert scheduler.estop_input(True, HOME) == Decision(
        hold=HOME_ROW, status=Status(State.ESTOP, 'e-stop topic asserted'))
    scheduler.estop_input(False, HOME)
    assert scheduler.reset_estop()[2] == Decision(
        status=Status(State.INACTIVE, 'e-stop reset'))
    assert scheduler.cleanup() == Decision(status=Status(State.UNCONFIGURED))


def test_activation_starts_from_an_empty_history():
    scheduler, clock = scheduler_and_clock()
    scheduler.sample(clock.now, observation())
    scheduler.deactivate(HOME)
    scheduler.activate()
    assert scheduler.tick(clock.now, HOME) == Decision(
        hold=HOME_ROW, status=Status(State.HOLDING, 'no observation yet'))


def test_spec_from_a_policy_config():
    config = PolicyConfig(action_dim=2, obs_dim=3, n_obs_steps=2, horizon=8, n_action_steps=4,
                          action_dt=0.05)
    spec = ChunkSpec.from_config(config, ['a', 'b'])
    assert spec == ChunkSpec(('a', 'b'), 3, 2, 8, 4, 0.05)
    assert spec.period_s == pytest.approx(0.2)
