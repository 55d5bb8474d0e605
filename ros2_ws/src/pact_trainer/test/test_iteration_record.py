# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""IterationRecord: the committed iterations.jsonl logs load and serialise to the same text."""

import json

from pact_testing.repository import repository_root
from pact_trainer.core.iteration_record import iteration_log_text, IterationRecord
from pact_trainer.core.iteration_record import read_iteration_log
import pytest

REPOSITORY = repository_root()
LOGS = sorted(REPOSITORY.glob('bench/alignment/sim/*/*/seed*/state/iterations.jsonl'))


def test_committed_logs_exist():
    assert LOGS, 'no bench/alignment/sim/*/*/seed*/state/iterations.jsonl in the repository'


@pytest.mark.parametrize('path', LOGS, ids=[str(p.relative_to(REPOSITORY)) for p in LOGS])
def test_committed_log_loads_and_writes_back_byte_for_byte(path):
    records = read_iteration_log(path)
    assert [record.iteration for record in records] == list(range(len(records)))
    assert all(0.0 <= record.violation_rate <= 1.0 for record in records)
    # PACT's records have no fields outside IterationRecord; DPPO's carry its PPO loss.
    allowed_extra = {'ppo_loss'} if 'dppo' in path.parts else set()
    assert all(set(record.extra) == allowed_extra for record in records)
    assert iteration_log_text(records) == path.read_text()


def test_rolled_back_record_omits_advanced_stage():
    record = IterationRecord(iteration=3, candidate={'violation_rate': 0.5, 'mean_cost': 1.0},
                             rolled_back=True, gate_reason='worse', env_steps=10)
    data = record.to_json_dict()
    assert 'advanced_stage' not in data and data['rolled_back'] is True
    assert IterationRecord.from_json_dict(json.loads(json.dumps(data))) == record


def test_unknown_keys_are_kept_in_extra_and_written_last():
    data = {'iteration': 0, 'candidate': {'violation_rate': 0.0, 'mean_cost': 0.0},
            'ppo_loss': 0.25, 'env_steps': 4, 'denoiser_calls': 8, 'wall_time': 1.5}
    record = IterationRecord.from_json_dict(data)
    assert record.extra == {'ppo_loss': 0.25} and record.kl_proxy is None
    assert list(record.to_json_dict()) == ['candidate', 'env_steps', 'denoiser_calls',
                                           'wall_time', 'iteration', 'ppo_loss']


def test_a_record_without_iteration_or_candidate_is_refused():
    with pytest.raises(ValueError, match='iteration record lacks'):
        IterationRecord.from_json_dict({'iteration': 1})
