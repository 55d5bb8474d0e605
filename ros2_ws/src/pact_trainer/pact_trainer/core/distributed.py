# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Data-parallel PACT over several GPUs (or CPU processes) with torch.distributed, set up by torchrun.

    torchrun --nproc_per_node=4 -m pact_trainer.align_cli sim --base base.pact --out aligned/

Every rank (process) holds a full copy of the student, collects its OWN rollouts with a
rank-dependent seed (``rank_seed``) and trains on its own rollout buffer; what keeps the ranks
one run:

- the initial weights are broadcast from rank 0 (``broadcast_module``);
- after every ``loss.backward()`` the gradients are averaged over the ranks
  (``average_gradients``), so every optimiser step is the same on every rank and the weights
  stay bit-identical (the effective batch is ``world_size × batch_size``);
- every decision is taken on statistics of ALL ranks' rollouts, so every rank takes the same
  one: gate and curriculum see ``rollout_statistics`` (violation rate, mean and variance of the
  total cost of the union of the ranks' rollouts), the trust region the rank-mean KL proxy
  (``mean``);
- only rank 0 writes checkpoints and logs (``is_main``); on resume every rank reads rank 0's
  checkpoint (state_dir on a disk all ranks see, e.g. one machine).

Rollout sizes (``chunks_per_iteration``) and the counters in the iteration log (env steps,
denoiser calls) are per rank: the whole job does ``world_size`` times as much.

Backend: NCCL when the ranks train on CUDA (rank r uses ``cuda:LOCAL_RANK``), gloo otherwise.
``from_environment`` reads the torchrun variables RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and
MASTER_PORT and returns None for a single process, so the same code runs with and without
torchrun.
"""

from dataclasses import dataclass
import os
import sys
from typing import NoReturn, Optional

from pact_trainer.core.improvement_gate import RolloutStatistics
import torch
import torch.distributed as dist

RANK_SEED_STRIDE = 1_000_003  # seeds of different ranks never meet within a run
TORCHRUN_VARIABLES = ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT')


class DistributedError(RuntimeError):
    """The torchrun environment is incomplete or the ranks disagree."""


@dataclass
class DistributedTraining:
    """One rank of an initialised process group (see the module docstring)."""

    rank: int
    world_size: int
    local_rank: int
    device: str
    backend: str

    @classmethod
    def from_environment(cls, device: str = 'auto') -> Optional['DistributedTraining']:
        """
        Initialise the process group from torchrun's variables; return None outside torchrun.

        ``device``: 'auto' (CUDA when present), 'cuda' / 'cuda:N' (the rank's local GPU
        ``cuda:LOCAL_RANK`` either way) or 'cpu' (gloo).
        """
        if int(os.environ.get('WORLD_SIZE', '1')) <= 1:
            return None
        missing = [name for name in TORCHRUN_VARIABLES if name not in os.environ]
        if missing:
            raise DistributedError(f'WORLD_SIZE > 1 but {missing} are not set: start with '
                                   'torchrun --nproc_per_node=N -m pact_trainer.align_cli ...')
        rank, world_size = int(os.environ['RANK']), int(os.environ['WORLD_SIZE'])
        local_rank = int(os.environ['LOCAL_RANK'])
        use_cuda = device.startswith('cuda') or (device == 'auto' and torch.cuda.is_available())
        if use_cuda:
            if local_rank >= torch.cuda.device_count():
                raise DistributedError(f'LOCAL_RANK {local_rank} but only '
                                       f'{torch.cuda.device_count()} CUDA devices are visible')
            torch.cuda.set_device(local_rank)
        backend = 'nccl' if use_cuda else 'gloo'
        if not dist.is_initialized():
            dist.init_process_group(backend, init_method='env://', rank=rank,
                                    world_size=world_size)
        return cls(rank, world_size, local_rank, f'cuda:{local_rank}' if use_cuda else 'cpu',
                   backend)

    @property
    def is_main(self) -> bool:
        """Return True on rank 0 (the rank that writes checkpoints and logs)."""
        return self.rank == 0

    def rank_seed(self, seed: int) -> int:
        """Return this rank's seed for rollouts and sampling derived from the run's ``seed``."""
        return int(seed) + RANK_SEED_STRIDE * self.rank

    # --- weights and gradients --------------------------------------------------------------

    def broadcast_module(self, module: torch.nn.Module) -> None:
        """Overwrite ``module``'s parameters and buffers with rank 0's, in place."""
        with torch.no_grad():
            for tensor in module.state_dict().values():
                if tensor.is_floating_point() or tensor.dtype in (torch.int64, torch.int32):
                    dist.broadcast(tensor, src=0)

    def average_gradients(self, module: torch.nn.Module) -> None:
        """Replace every parameter gradient by its mean over the ranks (one flat all-reduce)."""
        parameters = [p for p in module.parameters() if p.requires_grad]
        for parameter in parameters:
            if parameter.grad is None:   # keep the collective the same shape on every rank
                parameter.grad = torch.zeros_like(parameter)
        grads = [parameter.grad for parameter in parameters]
        if not grads:
            return
        flat = torch.cat([grad.reshape(-1) for grad in grads])
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
        flat /= self.world_size
        offset = 0
        for grad in grads:
            grad.copy_(flat[offset:offset + grad.numel()].view_as(grad))
            offset += grad.numel()

    # --- statistics every rank decides on ---------------------------------------------------

    def _sum(self, values) -> torch.Tensor:
        """Return the element-wise sum over the ranks of ``values`` (float64, on CPU)."""
        tensor = torch.as_tensor(values, dtype=torch.float64).to(self.device)
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor.cpu()

    def mean(self, value: float) -> float:
        """Return the mean of a scalar over the ranks (the same number on every rank)."""
        return float(self._sum([float(value)])[0]) / self.world_size

    def rollout_statistics(self, values: torch.Tensor,
                           weights: torch.Tensor) -> RolloutStatistics:
        """
        Return ``RolloutStatistics`` of the union of every rank's rollouts.

        ``values``: this rank's per-term costs (N_r, K); ``weights``: λ_k (K,). Two passes (count,
        violations and cost sum; then squared deviations from the global mean) give the same
        numbers as ``RolloutStatistics.from_costs`` on the concatenated costs.
        """
        values = values.detach().double().cpu()
        total = values @ weights.detach().double().cpu()
        violated = (values > 0).any(dim=-1).double()
        count, violations, cost_sum = self._sum([len(total), float(violated.sum()),
                                                 float(total.sum())]).tolist()
        mean_cost = cost_sum / count
        squares = float(self._sum([float(((total - mean_cost) ** 2).sum())])[0])
        variance = squares / (count - 1) if count > 1 else 0.0
        return RolloutStatistics(violations / count, mean_cost, variance, int(round(count)))

    def check_same(self, value: int, what: str) -> None:
        """Raise DistributedError unless every rank holds the same integer ``value``."""
        low = torch.tensor([-int(value), int(value)], dtype=torch.int64).to(self.device)
        dist.all_reduce(low, op=dist.ReduceOp.MAX)
        if -int(low[0]) != int(low[1]):
            raise DistributedError(f'the ranks disagree on {what}: between {-int(low[0])} and '
                                   f'{int(low[1])} (is state_dir on a disk every rank sees?)')

    def shutdown(self, wait_for_all_ranks: bool = True) -> None:
        """
        Leave the process group.

        ``wait_for_all_ranks``: meet every rank at a barrier first (the normal end). Without it a
        rank that finishes early (rank 1 skips rank 0's file writing) tears gloo's connections
        down under a peer that is still using them, and gloo aborts the process ("terminate
        called without an active exception"). Pass False when leaving on an error, where the
        other ranks may never arrive.
        """
        if not dist.is_initialized():
            return
        if wait_for_all_ranks:
            dist.barrier()
        dist.destroy_process_group()


def end_rank_process(exit_code: int) -> NoReturn:
    """
    End a torchrun rank's process with ``exit_code`` after ``shutdown``, skipping finalization.

    Call it last, once every file is written and closed. With torch 2.13 and gloo, a worker
    thread of the process group can still hold a finished work item (and its tensors) when the
    interpreter finalizes; releasing it then needs the GIL of an interpreter being torn down,
    and the process aborts ("terminate called without an active exception") although the run
    succeeded, which torchrun reports as a failed job. Flushing the standard streams and leaving
    with ``os._exit`` keeps the exit code the run earned.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # closed or broken pipe: nothing left to flush
            pass
    os._exit(int(exit_code))
