# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Announcement checks, chunk assembly, candidate loading/smoke test and swap bookkeeping."""

import hashlib
import types

from pact_policy.core.checkpoint import checkpoint_bytes, load_checkpoint
from pact_policy.core.model_swap import (
    Announcement, check_announcement, ChunkAssembler, ModelSlots, prepare_candidate,
    read_file_uri, TransferError)
from policy_fixtures import tiny_panda_policy
import pytest
import torch


def announce(data: bytes, version='v1', architecture=None, uri='service://trainer/chunks',
             sha256=None, size=None):
    return Announcement(version, 'base', architecture or tiny_panda_policy().config
                        .architecture_id, len(data) if size is None else size,
                        sha256 or hashlib.sha256(data).hexdigest(), uri)


@pytest.fixture(scope='module')
def archive():
    return checkpoint_bytes(tiny_panda_policy(seed=3), {'version': 'v1'})


def test_announcement_checks(archive):
    architecture = tiny_panda_policy().config.architecture_id
    check_announcement(announce(archive), architecture, 1 << 20)
    with pytest.raises(TransferError, match='architecture'):
        check_announcement(announce(archive), architecture + 'x', 1 << 20)
    with pytest.raises(TransferError, match='outside \\(0, 100\\]'):
        check_announcement(announce(archive), architecture, 100)
    with pytest.raises(TransferError, match='64 lowercase hex'):
        check_announcement(announce(archive, sha256='abc'), architecture, 1 << 20)
    with pytest.raises(TransferError, match='unsupported URI'):
        check_announcement(announce(archive, uri='http://x'), architecture, 1 << 20)


def assemble(data: bytes, announcement: Announcement, chunk: int, cut: int = None) -> bytes:
    assembler = ChunkAssembler(announcement, chunk)
    served = data[:cut] if cut else data
    while not assembler.done:
        offset, length = assembler.next_request()
        piece = served[offset:offset + length]
        assembler.add(piece, offset + len(piece) >= len(served), len(data))
    return assembler.result()


def test_chunk_assembly_round_trip_and_failures(archive):
    assert assemble(archive, announce(archive), 1000) == archive
    with pytest.raises(TransferError, match='transfer ended after 500'):
        assemble(archive, announce(archive), 100, cut=500)
    with pytest.raises(TransferError, match='does not match the announced'):
        assemble(archive, announce(archive, sha256='0' * 64), 4096)
    with pytest.raises(TransferError, match='server reports'):
        assemble(archive, announce(archive, size=len(archive) - 1), 4096)
    assembler = ChunkAssembler(announce(archive), 10)
    with pytest.raises(TransferError, match='exceeds 10'):
        assembler.add(archive[:11], False, len(archive))
    with pytest.raises(TransferError, match='server error: nope'):
        assembler.add(b'', False, len(archive), 'nope')


def test_file_uri(tmp_path, archive):
    path = tmp_path / 'm.pact'
    path.write_bytes(archive)
    assert read_file_uri(announce(archive, uri=f'file://{path}'), [tmp_path]) == archive
    path.write_bytes(archive[:-1] + b'x')
    with pytest.raises(TransferError, match='sha256'):
        read_file_uri(announce(archive, uri=f'file://{path}'), [tmp_path])


def test_file_uri_outside_the_model_dirs_is_refused_without_a_word_about_the_file(tmp_path):
    models, secrets = tmp_path / 'models', tmp_path / 'secrets'
    models.mkdir()
    secrets.mkdir()
    secret = secrets / 'key.txt'
    secret.write_bytes(b'secret contents')
    digest = hashlib.sha256(b'secret contents').hexdigest()
    # exists outside, missing outside, a '..' climb and a symlink out of the model folder
    (models / 'link.pact').symlink_to(secret)
    uris = [f'file://{secret}', f'file://{secrets / "none"}',
            f'file://{models}/../secrets/key.txt', f'file://{models / "link.pact"}']
    messages = []
    for uri in uris:
        with pytest.raises(TransferError, match='outside the configured model dir') as info:
            read_file_uri(announce(b'x' * 5, uri=uri), [models])
        messages.append(str(info.value))
    assert len(set(messages)) == 1  # the same words whether the file exists or not
    assert not any(word in messages[0] for word in (str(len(b'secret contents')), digest,
                                                    'secret', 'exist'))
    with pytest.raises(TransferError, match='outside'):  # no model folder: file:// is off
        read_file_uri(announce(b'x' * 5, uri=f'file://{models / "m.pact"}'), [])


def test_candidate_smoke_test_rejects_nan_model(archive):
    announcement = announce(archive)
    architecture = tiny_panda_policy().config.architecture_id
    candidate = prepare_candidate(archive, announcement, architecture, torch.zeros(8))
    assert candidate.version == 'v1'
    broken = tiny_panda_policy(seed=3, clip_sample_range=0.0)
    with torch.no_grad():
        broken.denoiser.output_layer[1].bias.fill_(1e38)
        broken.denoiser.output_layer[1].weight.fill_(1e38)
    data = checkpoint_bytes(broken, {'version': 'v1'})
    with pytest.raises(TransferError, match='NaN/Inf'):
        prepare_candidate(data, announce(data), architecture, torch.zeros(8))
    with pytest.raises(TransferError, match='observation has 3 entries'):
        prepare_candidate(archive, announcement, architecture, torch.zeros(3))
    with pytest.raises(TransferError, match='architecture mismatch'):
        prepare_candidate(archive, announcement, architecture + 'x', torch.zeros(8))


def test_slots_swap_only_at_the_boundary_and_roll_back(archive):
    base = load_checkpoint(checkpoint_bytes(tiny_panda_policy(), {'version': 'base'}))
    slots = ModelSlots(base)
    assert slots.request_rollback()[0] is False
    assert slots.request_activation('v1')[0] is False
    slots.stage(load_checkpoint(archive))
    assert slots.request_activation('')[0]
    assert slots.versions() == ('base', '', '')  # not yet: waits for the boundary
    assert 'now running' in slots.swap_if_requested()
    assert slots.versions() == ('v1', 'base', '')
    assert slots.swap_if_requested() == ''
    assert slots.request_rollback()[0]
    slots.swap_if_requested()
    assert slots.versions() == ('base', 'v1', '')


def test_an_accepted_activation_runs_even_when_a_newer_model_is_staged_before_the_boundary():
    base = load_checkpoint(checkpoint_bytes(tiny_panda_policy(), {'version': 'base'}))
    slots = ModelSlots(base)
    slots.stage(load_checkpoint(checkpoint_bytes(tiny_panda_policy(seed=1), {'version': 'v1'})))
    assert slots.request_activation('v1')[0]
    slots.stage(load_checkpoint(checkpoint_bytes(tiny_panda_policy(seed=2), {'version': 'v2'})))
    assert 'now running' in slots.swap_if_requested()
    assert slots.versions() == ('v1', 'base', '')
    assert slots.request_activation('v2')[0]  # the newer one is still staged
    slots.swap_if_requested()
    assert slots.versions() == ('v2', 'v1', '')


def test_repeated_rollbacks_toggle_between_the_last_two_models(archive):
    base = load_checkpoint(checkpoint_bytes(tiny_panda_policy(), {'version': 'base'}))
    slots = ModelSlots(base)
    for version in ('v1', 'v2'):
        slots.stage(load_checkpoint(checkpoint_bytes(tiny_panda_policy(), {'version': version})))
        slots.request_activation(version)
        slots.swap_if_requested()
    seen = []
    for _ in range(3):
        assert slots.request_rollback()[0]
        slots.swap_if_requested()
        seen.append(slots.versions()[:2])
    assert seen == [('v1', 'v2'), ('v2', 'v1'), ('v1', 'v2')]  # documented: no deeper stack


def test_reset_starts_over_with_one_model_and_nothing_staged_or_requested():
    base, v1 = types.SimpleNamespace(version='base'), types.SimpleNamespace(version='v1')
    slots = ModelSlots(base)
    slots.stage(v1)
    slots.request_activation('v1')
    slots.set_pending('v2')
    slots.reset(v1)
    assert slots.versions() == ('v1', '', '') and slots.candidates == {}
    assert slots.swap_if_requested() == ''  # the request before the reset is gone
    slots.reset()
    assert slots.active is None and slots.versions() == ('', '', '')
