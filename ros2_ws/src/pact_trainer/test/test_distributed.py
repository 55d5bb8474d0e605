# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Data-parallel PACT with torchrun: 2 CPU processes over gloo keep one consistent run.

The toy run (distributed_toy_worker.py) starts the ranks from different weights and rollout
seeds; the checks use independent references: per-rank gradients averaged here, rollout
statistics recomputed here from both ranks' costs, and the ranks' weights compared bit for bit.
The CLI run starts ``pact_trainer.align_cli`` unchanged under torchrun.
"""

import json
import os
from pathlib import Path
import subprocess
import sys

from pact_policy.core.checkpoint import load_checkpoint
from pact_trainer.core.distributed import DistributedError, DistributedTraining
from pact_trainer.core.improvement_gate import RolloutStatistics
import pytest
import torch
from toy_panda_run import write_toy_panda_run

pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name('distributed_toy_worker.py')


def torchrun(arguments: list, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``torchrun --standalone --nproc_per_node=2 <arguments>`` (1 thread per rank)."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONFAULTHANDLER='1')  # stacks on an abort
    for name in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT'):
        env.pop(name, None)
    return subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone',
                           '--nproc_per_node=2', *arguments], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=240)


@pytest.fixture(scope='module')
def ranks(tmp_path_factory):
    """Run the toy worker on 2 ranks; return (output folder, [rank 0 dump, rank 1 dump])."""
    out = tmp_path_factory.mktemp('distributed')
    finished = torchrun([str(WORKER), str(out)], out)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    return out, [torch.load(out / f'rank{r}.pt', weights_only=False) for r in (0, 1)]


def identical(first: dict, second: dict) -> bool:
    """Return True when two state dicts are equal bit for bit."""
    return first.keys() == second.keys() and all(torch.equal(first[k], second[k])
                                                 for k in first)


def test_ranks_start_from_rank_0s_weights_and_stay_bit_identical(ranks):
    _, (zero, one) = ranks
    assert not identical(zero['before_broadcast'], one['before_broadcast'])
    assert identical(one['after_broadcast'], zero['before_broadcast'])
    assert identical(zero['after_iteration_1'], one['after_iteration_1'])
    assert not identical(zero['after_iteration_1'], zero['after_broadcast'])  # it trained
    assert identical(zero['final'], one['final'])


def test_the_averaged_gradient_is_the_mean_of_the_per_rank_gradients(ranks):
    _, (zero, one) = ranks
    local_zero, local_one = zero['local_gradients'], one['local_gradients']
    assert any(not torch.equal(a, b) for a, b in zip(local_zero, local_one, strict=True))
    for a, b, averaged_zero, averaged_one in zip(local_zero, local_one,
                                                 zero['averaged_gradients'],
                                                 one['averaged_gradients'], strict=True):
        reference = (a.double() + b.double()) / 2
        torch.testing.assert_close(averaged_zero.double(), reference, rtol=1e-6, atol=1e-9)
        assert torch.equal(averaged_zero, averaged_one)


def test_gate_and_curriculum_decide_the_same_on_every_rank_from_all_rollouts(ranks):
    _, (zero, one) = ranks
    decisions = ('rolled_back', 'gate_reason', 'stage', 'advanced_stage', 'step_scale',
                 'kl_proxy', 'inner_epochs', 'kl_stopped', 'candidate')
    for record_zero, record_one in zip(zero['records'], one['records'], strict=True):
        assert {k: record_zero.get(k) for k in decisions} == {k: record_one.get(k)
                                                              for k in decisions}
    assert [r['rolled_back'] for r in zero['records']] == [False, True, False]  # the harm
    weights = torch.tensor(zero['weights'], dtype=torch.float64)
    for iteration, record in enumerate(zero['records']):
        costs_zero, costs_one = zero['costs'][iteration], one['costs'][iteration]
        assert not torch.equal(costs_zero, costs_one)   # rank-dependent rollouts
        union = RolloutStatistics.from_costs(torch.cat([costs_zero, costs_one]), weights)
        candidate = record['candidate']
        assert candidate['count'] == union.count == 128
        assert candidate['violation_rate'] == pytest.approx(union.violation_rate, abs=1e-12)
        assert candidate['mean_cost'] == pytest.approx(union.mean_cost, rel=1e-9)
        assert candidate['cost_variance'] == pytest.approx(union.cost_variance, rel=1e-9)


def test_only_rank_0_writes_a_checkpoint(ranks):
    out, _ = ranks
    assert (out / 'state_rank0' / 'trainer_state.pt').is_file()
    assert not (out / 'state_rank1').exists()


def test_outside_torchrun_there_is_no_process_group(monkeypatch):
    for name in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(name, raising=False)
    assert DistributedTraining.from_environment() is None
    monkeypatch.setenv('WORLD_SIZE', '1')
    assert DistributedTraining.from_environment() is None
    monkeypatch.setenv('WORLD_SIZE', '2')
    with pytest.raises(DistributedError, match='RANK'):
        DistributedTraining.from_environment()


def test_pact_align_runs_unchanged_under_torchrun(tmp_path):
    policy = write_toy_panda_run(tmp_path)
    finished = torchrun(['-m', 'pact_trainer.align_cli', 'mcap', '--base', 'base.pact',
                         '--log-files', 'log.mcap', '--out', 'out', '--iterations', '2',
                         '--chunks-per-iteration', '8', '--steps-per-epoch', '3',
                         '--max-inner-epochs', '1', '--batch-size', '8', '--device', 'cpu',
                         '--guidance-preset', 'tilt_exact'], tmp_path)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    records = [json.loads(line) for line in
               (tmp_path / 'out' / 'iterations.jsonl').read_text().splitlines()]
    assert [record['iteration'] for record in records] == [0, 1]
    assert records[0]['candidate']['count'] == 16   # 8 chunks on each of the 2 ranks
    aligned = load_checkpoint(tmp_path / 'out' / 'latest.pact',
                              expected_architecture_id=policy.config.architecture_id)
    assert aligned.version == 'toy-pact2'
    assert sorted(p.name for p in (tmp_path / 'out' / 'checkpoints').iterdir()) == [
        'toy-pact1.pact', 'toy-pact2.pact']


def test_a_rank_process_ends_with_its_exit_code_and_flushed_output():
    script = ('import sys; from pact_trainer.core.distributed import end_rank_process; '
              "print('rank done', end=''); sys.stderr.write('warned'); end_rank_process(3)")
    finished = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                              timeout=60)
    assert finished.returncode == 3
    assert (finished.stdout, finished.stderr) == ('rank done', 'warned')
