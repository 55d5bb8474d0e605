# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The PACT on-policy loop: rollouts → buffer → gate → inner distillation epochs → new weights.

One iteration i:

1. collect ``chunks_per_iteration`` steps with the current student from the rollout source;
   evaluate the constraint costs at the current curriculum margins (never task reward/success);
2. monotone-improvement gate: when the candidate (the student trained in iteration i − 1) is
   worse than the last accepted policy on its fresh rollouts (both policies' chunks evaluated
   on the SAME states: the candidate's fresh observations; ``ImprovementGate.
   worse_on_same_states``), restore the accepted weights, halve ``step_scale`` and keep
   these rollouts out of the buffer; otherwise accept it, add the rollouts to the
   buffer, and let the curriculum advance if the violation rate is below the stage target;
3. teacher = accepted policy (``TeacherUpdate``: previous iterate, soft, or frozen base);
4. up to ``max_inner_epochs`` epochs of ``steps_per_epoch`` distillation steps (learning rate ×
   ``step_scale``); after each epoch the KL proxy student vs. the accepted policy on the fresh
   rollouts is measured, and training stops once it exceeds the bound δ (``kl_bound``), or
   once the student has learnt ``absorb_target`` of the teacher's correction on those
   rollouts (``distillation.correction_absorbed``, logged after the last epoch; PACT only;
   1.0, the default, never stops early) — the step the trust region allows, not a fixed
   number of epochs;
   ``guided_timestep_share`` of every distillation batch is drawn at the guided noise levels
   (``distillation.focused_timesteps``; 0, the default, draws every level uniformly);
5. a crash-safe checkpoint of everything (weights, optimiser, buffer, curriculum, counters,
   history) marks the iteration complete; ``PactAligner.resume`` restarts from it.

``PactAligner.cancel`` (a threading.Event, set from another thread, e.g. on SIGINT) stops an
iteration at the next distillation step with ``IterationCancelled``: nothing of it is saved, so
the state on disk stays the last completed iteration's.

``objective='rwr'`` swaps the distillation loss for reward-weighted regression (baseline) and
keeps everything else (budget, gate, trust region) identical.

Per iteration the log also holds each cost term's mean cost and violation rate on the fresh
rollouts (``constraints``).

Bookkeeping per iteration (cumulative): env steps, denoiser calls (rollout sampling + teacher +
student + KL evaluations), wall-clock seconds of this run including previous sessions.
"""

from dataclasses import asdict, dataclass, field
import json
import math
from pathlib import Path
import threading
import time

from pact_trainer.core.baselines.rwr import rwr_loss
from pact_trainer.core.costs import CostSet
from pact_trainer.core.curriculum import MarginCurriculum
from pact_trainer.core.distillation import (correction_absorbed, distillation_loss,
                                            DistillationBatch, kl_proxy, PRECISIONS,
                                            TeacherUpdate)
from pact_trainer.core.guidance import default_schedule, GuidanceSchedule, resolve_jacobian
from pact_trainer.core.improvement_gate import ImprovementGate, RolloutStatistics
from pact_trainer.core.iteration_record import iteration_log_text, IterationRecord
from pact_trainer.core.policy_io import (atomic_torch_save, frozen_copy, policy_from_state,
                                         policy_state)
from pact_trainer.core.rollouts import RolloutBatch, RolloutBuffer, RolloutSource
from pact_trainer.core.safe_teacher import SafeTeacher
from pact_trainer.core.sources import sampler_calls
import torch

CHECKPOINT_NAME = 'trainer_state.pt'
LOG_NAME = 'iterations.jsonl'
OBJECTIVES = ('pact', 'rwr')


class IterationCancelled(RuntimeError):
    """An iteration was stopped through ``PactAligner.cancel`` before it completed."""


class NonFiniteWeights(ValueError):
    """An iteration produced NaN or inf weights; they were discarded and never saved."""


@dataclass
class PactConfig:
    """Hyper-parameters of the loop (see the module docstring)."""

    iterations: int = 10
    chunks_per_iteration: int = 256
    buffer_capacity: int = 4096
    batch_size: int = 128
    steps_per_epoch: int = 50
    max_inner_epochs: int = 4
    learning_rate: float = 1e-4
    kl_bound: float = 0.05
    jacobian: str = 'auto'
    max_correction_rms: float = 0.0
    guidance: GuidanceSchedule = field(default_factory=default_schedule)
    teacher: TeacherUpdate = field(default_factory=TeacherUpdate)
    gate: ImprovementGate = field(default_factory=ImprovementGate)
    objective: str = 'pact'
    rwr_temperature: float = 0.1
    absorb_target: float = 1.0
    guided_timestep_share: float = 0.0
    seed: int = 0
    precision: str = 'fp32'

    def __post_init__(self):
        """Validate the objective and the precision; resolve the Jacobian against the guidance."""
        if self.objective not in OBJECTIVES:
            raise ValueError(f'objective must be one of {OBJECTIVES}, got {self.objective!r}')
        if not 0.0 < self.absorb_target <= 1.0:
            raise ValueError(f'absorb_target must be in (0, 1], got {self.absorb_target}')
        if not 0.0 <= self.guided_timestep_share <= 1.0:
            raise ValueError(f'guided_timestep_share must be in [0, 1], got '
                             f'{self.guided_timestep_share}')
        if self.precision not in PRECISIONS:
            raise ValueError(f'precision must be one of {PRECISIONS}, got {self.precision!r}')
        self.jacobian = resolve_jacobian(self.guidance, self.jacobian)

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return asdict(self)


def evaluate(costs: CostSet, batch: RolloutBatch) -> RolloutStatistics:
    """Return safety statistics of rollout chunks under ``costs`` (no gradients)."""
    with torch.no_grad():
        values = costs.values(batch.action.float(), batch.context)
    return RolloutStatistics.from_costs(values, costs.weights)


def per_constraint(names, values: torch.Tensor) -> dict:
    """Return {name: {'mean_cost', 'violation_rate'}} of per-term costs (N, K)."""
    values = values.detach().double()
    return {name: {'mean_cost': float(values[:, column].mean()),
                   'violation_rate': float((values[:, column] > 0).double().mean())}
            for column, name in enumerate(names)}


class PactAligner:
    """Run PACT iterations on ``policy`` against ``source``; state lives in ``state_dir``."""

    def __init__(self, policy, costs: CostSet, source: RolloutSource, config: PactConfig,
                 curriculum: MarginCurriculum = None, state_dir: Path = None,
                 device: str = None, distributed=None):
        self.device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
        # multi-GPU hook: an optional core.distributed.DistributedTraining (torchrun)
        self.distributed = distributed
        self.config = config
        self.base_costs = costs
        self.source = source
        self.curriculum = curriculum or MarginCurriculum(costs.margins, costs.margins)
        self.state_dir = Path(state_dir) if state_dir else None
        self.student = policy.to(self.device)
        if distributed is not None:
            distributed.broadcast_module(self.student)  # every rank starts from rank 0's
        self.accepted = frozen_copy(self.student)
        self.teacher_policy = frozen_copy(self.student)
        self.optimizer = torch.optim.Adam(self.student.parameters(), lr=config.learning_rate)
        self.buffer = RolloutBuffer(config.buffer_capacity)
        self.reference_batch = None
        self.iteration = 0
        self.step_scale = 1.0
        self.candidate_is_new = False   # True once the student has been trained past accepted
        self.counters = {'env_steps': 0, 'denoiser_calls': 0, 'wall_time': 0.0}
        self.history = []
        self.cancel = threading.Event()  # set it to stop the running iteration (unsaved)

    # --- public API -----------------------------------------------------------------------

    @property
    def costs(self) -> CostSet:
        """Return the cost set at the current curriculum margins."""
        return self.base_costs.with_margins(self.curriculum.margins())

    def run(self, iterations: int = None, callback=None) -> list:
        """
        Run until ``iterations`` (default config.iterations) are complete; return history.

        The history is the list of every iteration's ``IterationRecord``; ``callback(record)``
        is called after each iteration.
        """
        target = self.config.iterations if iterations is None else iterations
        while self.iteration < target:
            record = self.step()
            if callback is not None:
                callback(record)
        return self.history

    def step(self) -> IterationRecord:
        """Run one iteration, checkpoint it, and return its log record."""
        started = time.monotonic()
        seed = self.config.seed * 100003 + self.iteration
        if self.distributed is not None:
            seed = self.distributed.rank_seed(seed)  # each rank its own rollouts
        generator = torch.Generator(device=self.device).manual_seed(seed)
        cpu_generator = torch.Generator().manual_seed(seed)
        self.student.eval()
        batch = self.source.collect(self.student, self.config.chunks_per_iteration, generator)
        self.counters['env_steps'] += batch.env_steps
        self.counters['denoiser_calls'] += batch.denoiser_calls
        gate = self._gate_and_buffer(batch, generator)
        self.candidate_is_new = True
        self.config.teacher.apply(self.teacher_policy, self.accepted)
        training = self._train(batch if not gate['rolled_back'] else self.reference_batch,
                               cpu_generator, generator)
        self._refuse_non_finite_weights()
        self.counters['wall_time'] += time.monotonic() - started
        record = IterationRecord(**gate, **training, **self.counters,
                                 iteration=self.iteration, step_scale=self.step_scale)
        self.history.append(record)
        self.iteration += 1
        self.save()
        return record

    # --- gate, curriculum, buffer ---------------------------------------------------------

    def _gate_and_buffer(self, batch: RolloutBatch, generator: torch.Generator) -> dict:
        costs = self.costs
        with torch.no_grad():
            values = costs.values(batch.action.float(), batch.context)
        candidate = self._statistics(values, costs.weights)
        record = {'stage': self.curriculum.stage, 'margins': self.curriculum.margins(),
                  'candidate': candidate.to_dict(),
                  'constraints': per_constraint(costs.names, values),
                  'rolled_back': False, 'gate_reason': ''}
        if self.candidate_is_new:
            worse, reason = self.config.gate.worse_on_same_states(
                values, self._accepted_values(batch, costs, generator), costs.weights,
                self._statistics)
            if worse:
                self.student.load_state_dict(self.accepted.state_dict())
                self.step_scale *= 0.5
                record.update({'rolled_back': True, 'gate_reason': reason})
                return record
        self.accepted.load_state_dict(self.student.state_dict())
        self.reference_batch = batch.select(slice(None))
        self.buffer.add(batch)
        record['advanced_stage'] = self.curriculum.update(candidate.violation_rate)
        return record

    def _accepted_values(self, batch: RolloutBatch, costs: CostSet,
                         generator: torch.Generator) -> torch.Tensor:
        """Return the accepted policy's per-term costs (N, K) on the candidate's states."""
        with torch.no_grad():
            chunks = self.accepted.sample(batch.observation.to(self.device),
                                          generator=generator).cpu()
            self.counters['denoiser_calls'] += len(batch) * sampler_calls(self.accepted)
            return costs.values(chunks.float(), batch.context)

    def _statistics(self, values: torch.Tensor, weights: torch.Tensor) -> RolloutStatistics:
        """Return the gate/curriculum statistics of costs (N, K): over all ranks if distributed."""
        if self.distributed is not None:
            return self.distributed.rollout_statistics(values, weights)
        return RolloutStatistics.from_costs(values, weights)

    def _refuse_non_finite_weights(self) -> None:
        """
        Raise NonFiniteWeights (after restoring the accepted weights) if training made NaN/inf.

        Nothing of the failed iteration is saved: the checkpoint on disk stays the previous
        one, and the optimizer's moments (also poisoned) are cleared.
        """
        bad = [name for name, value in self.student.state_dict().items()
               if value.is_floating_point() and not bool(torch.isfinite(value).all())]
        if not bad:
            return
        self.student.load_state_dict(self.accepted.state_dict())
        self.optimizer.state.clear()
        raise NonFiniteWeights(f'iteration {self.iteration} produced non-finite weights in '
                               f'{bad[:3]}: discarded, the accepted weights stay')

    # --- distillation with the KL trust region --------------------------------------------

    def _train(self, fresh: RolloutBatch, index_generator: torch.Generator,
               generator: torch.Generator) -> dict:
        """Distil; ``index_generator`` (CPU) draws buffer rows, ``generator`` the noise."""
        costs = self.costs  # the curriculum's margins hold for the whole update
        teacher = SafeTeacher(self.teacher_policy, costs, self.config.guidance,
                              self.config.jacobian, self.config.max_correction_rms)
        for group in self.optimizer.param_groups:
            group['lr'] = self.config.learning_rate * self.step_scale
        self.student.train()
        kl, epochs, losses, calls, absorbed = 0.0, 0, [], 0, []
        fresh_batch = DistillationBatch(fresh.action, fresh.observation, fresh.context)
        # The buffer goes to the device once and each epoch's rows are drawn at once (the same
        # index stream as one draw per step), so no step copies host data or waits for the
        # device; losses and call counts are read back after the epochs.
        rows = self.buffer.data.to(self.device)
        while epochs < self.config.max_inner_epochs:
            epochs += 1
            epoch_rows = torch.randint(0, len(rows), (self.config.steps_per_epoch,
                                                      self.config.batch_size),
                                       generator=index_generator).to(self.device)
            for step_rows in epoch_rows:
                if self.cancel.is_set():
                    raise IterationCancelled(f'iteration {self.iteration} cancelled')
                sample = rows.select(step_rows)
                minibatch = DistillationBatch(sample.action, sample.observation, sample.context)
                if self.config.objective == 'rwr':
                    loss, info = rwr_loss(self.student, costs, minibatch,
                                          self.config.rwr_temperature, generator)
                else:
                    loss, info = distillation_loss(self.student, teacher, minibatch, generator,
                                                   self.config.precision,
                                                   self.config.guided_timestep_share)
                self.optimizer.zero_grad()
                loss.backward()
                if self.distributed is not None:
                    self.distributed.average_gradients(self.student)
                self.optimizer.step()
                losses.append(loss.detach())
                calls = calls + info['denoiser_calls']
            kl = kl_proxy(self.student, self.accepted, fresh_batch, generator)
            if self.distributed is not None:
                kl = self.distributed.mean(kl)  # the same early stop on every rank
            self.counters['denoiser_calls'] += 2 * len(fresh)
            if kl > self.config.kl_bound:
                break
            last = epochs == self.config.max_inner_epochs
            if self.config.objective == 'pact' and (last or self.config.absorb_target < 1.0):
                absorbed.append(self._absorbed(teacher, fresh_batch))
                if absorbed[-1] is not None and absorbed[-1] >= self.config.absorb_target:
                    break
        self.counters['denoiser_calls'] += int(calls)
        self.student.eval()
        return {'kl_proxy': kl, 'kl_bound': self.config.kl_bound, 'inner_epochs': epochs,
                'kl_stopped': kl > self.config.kl_bound, 'correction_absorbed': absorbed,
                'distillation_loss': float(torch.stack(losses).mean()) if losses else 0.0}

    def _absorbed(self, teacher: SafeTeacher, fresh: DistillationBatch):
        """Return the share of the teacher's correction learnt on ``fresh``, None if unguided."""
        probe_seed = self.config.seed * 100003 + self.iteration + 7_777_777
        self.student.eval()
        absorbed = correction_absorbed(
            self.student, teacher, fresh,
            torch.Generator(device=self.device).manual_seed(probe_seed))
        self.student.train()
        if self.distributed is not None:
            absorbed = self.distributed.mean(absorbed)
        return absorbed if math.isfinite(absorbed) else None   # None: nothing guided

    # --- checkpoint / resume --------------------------------------------------------------

    def state_dict(self) -> dict:
        """Return everything needed to resume (weights_only-loadable)."""
        return {'iteration': self.iteration, 'step_scale': self.step_scale,
                'candidate_is_new': self.candidate_is_new,
                'counters': dict(self.counters),
                'history_json': json.dumps([record.to_json_dict() for record in self.history]),
                'student': policy_state(self.student), 'accepted': policy_state(self.accepted),
                'teacher': policy_state(self.teacher_policy),
                'optimizer': self.optimizer.state_dict(), 'buffer': self.buffer.state_dict(),
                'reference': (None if self.reference_batch is None else {
                    'observation': self.reference_batch.observation,
                    'action': self.reference_batch.action,
                    'context': self.reference_batch.context}),
                'curriculum': self.curriculum.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        """Restore from ``state_dict`` output."""
        self.iteration = int(state['iteration'])
        self.step_scale = float(state['step_scale'])
        self.candidate_is_new = bool(state.get('candidate_is_new', self.iteration > 0))
        self.counters = dict(state['counters'])
        self.history = [IterationRecord.from_json_dict(record)
                        for record in json.loads(state['history_json'])]
        for name in ('student', 'accepted', 'teacher'):
            restored = policy_from_state(state[name], self.device)
            getattr(self, name if name != 'teacher' else 'teacher_policy').load_state_dict(
                restored.state_dict())
        self.optimizer.load_state_dict(state['optimizer'])
        self.buffer.load_state_dict(state['buffer'])
        reference = state['reference']
        self.reference_batch = None if reference is None else RolloutBatch(
            reference['observation'], reference['action'], reference['context'])
        self.curriculum.load_state_dict(state['curriculum'])

    def save(self) -> None:
        """Write the checkpoint and append the last record to the JSONL log (if state_dir)."""
        if self.state_dir is None or (self.distributed is not None
                                      and not self.distributed.is_main):
            return  # with torchrun only rank 0 writes
        self.state_dir.mkdir(parents=True, exist_ok=True)
        atomic_torch_save(self.state_dict(), self.state_dir / CHECKPOINT_NAME)
        with open(self.state_dir / LOG_NAME, 'w') as log:
            log.write(iteration_log_text(self.history))

    def try_resume(self) -> bool:
        """Load the checkpoint in ``state_dir`` when there is one; return True if loaded."""
        path = None if self.state_dir is None else self.state_dir / CHECKPOINT_NAME
        if path is None or not path.exists():
            return False
        self.load_state_dict(torch.load(path, map_location='cpu', weights_only=True))
        return True
