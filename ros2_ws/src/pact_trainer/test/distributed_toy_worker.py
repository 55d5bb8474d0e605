# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
One rank of the 2-process toy PACT run of test_distributed.py (started by torchrun, gloo on CPU).

``argv[1]``: output folder. Each rank starts from DIFFERENT weights (seed = rank), runs three
iterations (before the second one the same harmful bias shift is applied on every rank, so the
gate must roll back) and saves to ``<out>/rank<r>.pt`` what the test compares: weights before
and after the broadcast and after iteration 1, its local and averaged gradients of the first
optimiser step, its rollouts' per-term costs, and the iteration records. The aligner's own
checkpoint folder is ``<out>/state_rank<r>`` (only rank 0 may write it).
"""

from pathlib import Path
import sys

from pact_trainer.core.alignment_loop import PactAligner
from pact_trainer.core.distributed import DistributedTraining, end_rank_process
from pact_trainer.core.guidance import GuidanceSchedule
from pact_trainer.core.toy_problem import toy_aligner
import torch


def weights(module) -> dict:
    """Return a detached copy of ``module``'s state."""
    return {key: value.detach().clone() for key, value in module.state_dict().items()}


def main():
    torch.set_num_threads(1)
    out = Path(sys.argv[1])
    distributed = DistributedTraining.from_environment('cpu')
    rank = distributed.rank
    toy = toy_aligner('velocity', base_steps=20, seed=rank, iterations=3,
                      chunks_per_iteration=64, steps_per_epoch=5, max_inner_epochs=2,
                      guidance=GuidanceSchedule(mode='min_alpha', min_alpha=0.3))
    saved = {'before_broadcast': weights(toy.student), 'costs': []}

    average = distributed.average_gradients

    def recording_average(module):
        first = 'local_gradients' not in saved
        if first:
            saved['local_gradients'] = [p.grad.detach().clone() for p in module.parameters()]
        average(module)
        if first:
            saved['averaged_gradients'] = [p.grad.detach().clone() for p in module.parameters()]

    distributed.average_gradients = recording_average
    collect = toy.source.collect

    def recording_collect(policy, num_chunks, generator=None):
        batch = collect(policy, num_chunks, generator)
        with torch.no_grad():
            saved['costs'].append(aligner.costs.values(batch.action.float(), batch.context))
        return batch

    toy.source.collect = recording_collect
    aligner = PactAligner(toy.student, toy.base_costs, toy.source, toy.config,
                          state_dir=out / f'state_rank{rank}', device='cpu',
                          distributed=distributed)
    saved['after_broadcast'] = weights(aligner.student)
    aligner.step()
    saved['after_iteration_1'] = weights(aligner.student)
    with torch.no_grad():   # the same harm on every rank: v̂ −= 1.5 on dim 0
        aligner.student.denoiser.output_layer[1].bias[0] -= 1.5
    aligner.step()
    aligner.step()
    saved['records'] = [record.to_json_dict() for record in aligner.history]
    saved['weights'] = [float(w) for w in aligner.costs.weights]
    saved['final'] = weights(aligner.student)
    torch.save(saved, out / f'rank{rank}.pt')
    distributed.shutdown()
    end_rank_process(0)


if __name__ == '__main__':
    main()
