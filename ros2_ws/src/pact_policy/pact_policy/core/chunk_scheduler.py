# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The policy node's control state machine: when to sample, infer, command, hold and swap models.

``ChunkScheduler`` holds every decision of the control loop; the node calls it from its timers,
callbacks and worker threads and carries out the ``Decision`` it returns (publish a hold or a
command, hand a ``Job`` to the inference worker, publish the status, log a swap):

- ``sample(now, ...)`` every ``action_dt`` s appends the current observation to the history (or
  records why there is none: a stale input, a malformed observation), so the history has the
  spacing the policy was trained with;
- ``tick(now, positions)`` every chunk period (``n_action_steps * action_dt`` s) decides: hold
  (e-stop latched, stale input, no command limits, no observation, a joint missing), skip (the
  previous job is still running: a missed tick, the controller keeps executing the last
  command), or start a ``Job`` on the observation history;
- ``finish_job`` / ``fail_job`` take the worker's result: the chunk is made safe
  (``command_safety``: validated, clamped, rate-limited from the measured position at the tick)
  and commanded, or rejected with a hold; a result that arrives after a deactivation or an
  e-stop is dropped;
- a model swap requested in ``ModelSlots`` happens only at a chunk boundary: right away when no
  job is running (``swap_if_idle``), else when the running job's chunk is out, and before a new
  job starts, so one chunk is always produced by one model;
- ``estop_input`` latches the e-stop (and holds); only ``reset_estop`` clears it;
- ``next_row`` streams the rows of the last command one per ``action_dt`` (forward mode).

Units and frames: ``now`` is seconds on one monotonic clock supplied by the caller; joint
positions are rad (revolute) or m (prismatic) in the robot's joint space, keyed by joint name as
in sensor_msgs/JointState; a row is one position per action joint, in ``action_names`` order.
A hold never carries NaN or inf: with a non-finite or missing measured position the last finite
command or hold is repeated, and nothing is sent when there is none.

No threads, clocks, ROS or inference here: the node serialises every call with its lock.
"""

from collections import deque
from dataclasses import dataclass, replace
import enum
import math
from typing import Callable, Mapping, Optional, Tuple

import numpy as np
from pact_policy.core.command_safety import ChunkRejected, make_safe_command, SafetyLimits
from pact_policy.core.model_swap import ModelSlots
from pact_policy.core.observation import ObservationError, ObservationHistory
from pact_policy.core.supervision import EStopLatch, InputWatchdog

Row = Tuple[float, ...]


class State(enum.Enum):
    """Node state reported in PolicyStatus (same meaning as its STATE_* constants)."""

    UNCONFIGURED = 'unconfigured'
    INACTIVE = 'inactive'    # model loaded, not commanding
    ACTIVE = 'active'        # commanding the controller
    HOLDING = 'holding'      # active but holding position (stale input or invalid chunk)
    ESTOP = 'estop'          # e-stop latched; cleared only by reset_estop


@dataclass(frozen=True)
class Status:
    """The node's state and why it holds ('' when it does not)."""

    state: State
    message: str = ''


@dataclass(frozen=True)
class ChunkSpec:
    """Chunk geometry and timing of the configured model."""

    action_names: Tuple[str, ...]  # D joints a row commands, in row order
    obs_dim: int                   # entries of one observation vector
    n_obs_steps: int               # observations in the history (oldest first)
    horizon: int                   # rows of a sampled chunk (H)
    n_action_steps: int            # rows commanded per chunk (≤ H)
    action_dt: float               # s between rows and between history entries

    @property
    def period_s(self) -> float:
        """Return the control tick period: ``n_action_steps * action_dt`` (s)."""
        return self.n_action_steps * self.action_dt

    @classmethod
    def from_config(cls, config, action_names) -> 'ChunkSpec':
        """Build from a ``PolicyConfig`` and the action joint names."""
        return cls(tuple(action_names), config.obs_dim, config.n_obs_steps, config.horizon,
                   config.n_action_steps, config.action_dt)


@dataclass(frozen=True, eq=False)
class Job:
    """One inference to run: the observation it is conditioned on and the model to run."""

    number: int                # 1 for the first job started, then 2, 3, ...
    observation: np.ndarray    # (n_obs_steps * obs_dim,) float32 history, oldest first
    measured: Row              # (D,) measured positions at the tick (rad or m)
    model: object              # the active model (LoadedCheckpoint) when the job started
    extras: object = None      # what the latest sample carried besides the vector (camera)


@dataclass(frozen=True)
class Decision:
    """What the node must do after one scheduler call (all None/'' = nothing)."""

    hold: Optional[Row] = None                  # publish a one-point hold at this row
    command: Optional[Tuple[Row, ...]] = None   # publish these (n_action_steps, D) rows
    job: Optional[Job] = None                   # hand this job to the inference worker
    status: Optional[Status] = None             # the status changed to this: publish it
    swapped: str = ''                           # a model swap happened: log this, publish


class ChunkScheduler:
    """The control state machine of the policy node; see the module docstring."""

    def __init__(self, slots: ModelSlots, watchdog: InputWatchdog, estop: EStopLatch,
                 no_limits_reason: str = 'no robot description yet'):
        """
        Start UNCONFIGURED and inactive.

        ``slots`` holds the models (swaps happen at chunk boundaries), ``watchdog`` the input
        arrival times (fed by the caller), ``estop`` the latch; ``no_limits_reason`` is the
        hold message while ``set_limits`` has not given command limits.
        """
        self.slots, self.watchdog, self.estop = slots, watchdog, estop
        self.no_limits_reason = no_limits_reason
        self.spec: Optional[ChunkSpec] = None
        self.limits: Optional[SafetyLimits] = None
        self.active = False
        self.status = Status(State.UNCONFIGURED)
        self.missed_ticks = 0
        self.history: Optional[ObservationHistory] = None
        self.observation_gap = 'no observation yet'  # why the history cannot be used ('' = ok)
        self.last_observation = None  # history of the last tick that had one (smoke tests)
        self.last_extras = None       # its extras
        self.last_hold_row: Optional[Row] = None  # last finite row commanded or held
        self.job: Optional[Job] = None  # the job being computed, None when idle
        self._extras = None
        self._jobs_started = 0
        self._rows = deque()  # rows of the last command not yet streamed (forward mode)

    # --- lifecycle -------------------------------------------------------------------------------

    def configure(self, spec: ChunkSpec) -> Decision:
        """Take the configured model's chunk ``spec``; the node is INACTIVE."""
        self.spec = spec
        self.history = ObservationHistory(spec.n_obs_steps)
        return Decision(status=self._change_status(State.INACTIVE))

    def activate(self) -> Decision:
        """Start commanding from an empty history."""
        self.active = True
        self.history.clear()
        self.observation_gap = 'no observation yet'
        return Decision(status=self._change_status(State.ACTIVE))

    def deactivate(self, positions: Mapping[str, float]) -> Decision:
        """Stop commanding and hold the measured ``positions``."""
        self.active = False
        return self._hold(positions, State.INACTIVE, 'deactivated: holding')

    def cleanup(self) -> Decision:
        """Forget the model: UNCONFIGURED."""
        return Decision(status=self._change_status(State.UNCONFIGURED))

    def set_limits(self, limits: Optional[SafetyLimits]) -> None:
        """Use ``limits`` for every command from now on (None: hold until there are some)."""
        self.limits = limits

    # --- the control loop ------------------------------------------------------------------------

    def sample(self, now: float, read_vector: Callable[[], np.ndarray],
               read_extras: Callable[[], object] = lambda: None) -> None:
        """
        Every ``action_dt`` s: append the current observation to the history, or note why not.

        ``read_vector`` returns the (obs_dim,) observation, ``read_extras`` whatever goes with
        it (the camera frame); either raises ObservationError when it cannot. Neither is called
        while inactive or while an input is stale. A gap clears the history: entries from
        before it are never mixed with entries after it.
        """
        if not self.active:
            return
        try:
            stale = self.watchdog.stale_inputs(now)
            if stale:
                raise ObservationError(f'stale input: {", ".join(stale)}')
            vector = read_vector()
            if vector.shape[0] != self.spec.obs_dim:
                raise ObservationError(f'observation has {vector.shape[0]} entries, model '
                                       f'expects {self.spec.obs_dim} (set observation_names)')
            extras = read_extras()
        except ObservationError as error:
            self.observation_gap = f'observation unavailable: {error}'
            self.history.clear()
            return
        self.observation_gap = ''
        self.history.push(vector)
        self._extras = extras

    def tick(self, now: float, positions: Mapping[str, float]) -> Decision:
        """
        Every chunk period: hold, skip (missed tick) or start a job; never waits for inference.

        ``positions`` maps joint name → latest measured position (rad or m).
        """
        if not self.active:
            return Decision()
        reason = self._hold_reason(now)
        observed = reason or self._observe(positions)
        if isinstance(observed, str):
            state = State.ESTOP if self.estop.latched else State.HOLDING
            return self._hold(positions, state, observed)
        if self.job is not None:
            self.missed_ticks += 1
            return Decision()
        swapped = self.slots.swap_if_requested()  # a boundary: the last chunk is out
        self._jobs_started += 1
        self.job = Job(self._jobs_started, observed[0], observed[1], self.slots.active,
                       self.last_extras)
        return Decision(job=self.job, swapped=swapped)

    def finish_job(self, job: Job, chunk, positions: Mapping[str, float]) -> Decision:
        """
        Take the (horizon, D) ``chunk`` sampled for ``job``: command it made safe, or hold.

        The chunk is clamped and rate-limited from ``job.measured``; a rejected one (wrong
        shape, NaN/inf, non-finite measurement) makes the node hold the current ``positions``.
        The job's end is a chunk boundary: a requested model swap happens now.
        """
        self._end(job)
        try:
            if self.limits is None:
                raise ChunkRejected('no command limits')
            spec = self.spec
            safe = make_safe_command(chunk, job.measured, self.limits, spec.action_dt,
                                     spec.horizon, spec.n_action_steps)
        except ChunkRejected as error:
            decision = self._hold(positions, State.HOLDING, f'chunk rejected: {error}')
        else:
            decision = self._command(safe.rows)
        return replace(decision, swapped=self.slots.swap_if_requested())

    def fail_job(self, job: Job, positions: Mapping[str, float]) -> Decision:
        """Hold ``positions``: the worker could not produce ``job``'s chunk (a boundary too)."""
        self._end(job)
        return Decision(hold=self._hold_row(positions),
                        swapped=self.slots.swap_if_requested())

    def swap_if_idle(self) -> Decision:
        """Swap a requested model now when no job is running, else when its chunk is out."""
        if self.job is not None:
            return Decision()
        return Decision(swapped=self.slots.swap_if_requested())

    def next_row(self) -> Optional[Row]:
        """Return the next row of the last command to stream (forward mode), or None."""
        if self._rows and self.active and not self.estop.latched:
            return self._rows.popleft()
        return None

    # --- e-stop --------------------------------------------------------------------------------

    def estop_input(self, asserted: bool, positions: Mapping[str, float]) -> Decision:
        """Record the e-stop input; asserting it latches the e-stop and holds ``positions``."""
        if asserted and self.estop.latched:
            return Decision()
        self.estop.update_input(asserted, 'e-stop topic asserted')
        if not asserted:
            return Decision()
        return self._hold(positions, State.ESTOP, self.estop.reason)

    def reset_estop(self, note: str = '') -> Tuple[bool, str, Decision]:
        """Try to clear the e-stop; return (success, message, decision)."""
        success, message = self.estop.reset(note)
        if not success:
            return success, message, Decision()
        state = State.HOLDING if self.active else State.INACTIVE
        return success, message, Decision(status=self._change_status(state, 'e-stop reset'))

    # --- helpers -------------------------------------------------------------------------------

    def _hold_reason(self, now: float) -> str:
        if self.estop.latched:
            return f'e-stop latched: {self.estop.reason}'
        stale = self.watchdog.describe(now)
        if stale:
            return f'stale input: {stale}'
        if self.limits is None:
            return self.no_limits_reason
        return ''

    def _observe(self, positions: Mapping[str, float]):
        """Return (observation history, measured row), or why there is none (a str)."""
        if self.observation_gap or not self.history.frames:
            return self.observation_gap or 'no observation yet'
        try:
            measured = tuple(positions[name] for name in self.spec.action_names)
        except KeyError as error:
            return f'joint {error} missing from the joint states'
        self.last_observation, self.last_extras = self.history.flat(), self._extras
        return self.last_observation, measured

    def _command(self, rows: np.ndarray) -> Decision:
        if not self.active or self.estop.latched:
            return Decision()  # the world changed while the model was thinking: no stale intent
        command = tuple(tuple(float(value) for value in row) for row in rows)
        self._rows = deque(command)
        self.last_hold_row = command[-1]
        return Decision(command=command, status=self._change_status(State.ACTIVE))

    def _hold(self, positions: Mapping[str, float], state: State, message: str) -> Decision:
        return Decision(hold=self._hold_row(positions),
                        status=self._change_status(state, message))

    def _hold_row(self, positions: Mapping[str, float]) -> Optional[Row]:
        """Return the row to hold: the measured one when finite, else the last finite one."""
        if self.spec is None:
            return None
        measured = tuple(float(positions.get(name, math.nan)) for name in self.spec.action_names)
        if all(math.isfinite(value) for value in measured):
            self.last_hold_row = measured
        self._rows.clear()
        return self.last_hold_row

    def _end(self, job: Job) -> None:
        if self.job is job:
            self.job = None

    def _change_status(self, state: State, message: str = '') -> Optional[Status]:
        """Set the status; return it when it changed (None when it did not)."""
        status = Status(state, message)
        if status == self.status:
            return None
        self.status = status
        return status
