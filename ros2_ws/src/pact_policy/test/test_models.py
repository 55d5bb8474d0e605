# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Denoiser networks: shapes, conditioning, gradients, configuration errors."""

from pact_policy.core.models import ConditionalUnet1D, MLPDenoiser
import pytest
import torch


def _inputs(batch=3, horizon=16, action_dim=8, condition_dim=10, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, horizon, action_dim, generator=generator),
            torch.randint(0, 100, (batch,), generator=generator).float(),
            torch.randn(batch, condition_dim, generator=generator))


@pytest.mark.parametrize('make', [
    lambda: MLPDenoiser(16, 8, 10, hidden_dim=32, num_blocks=2, time_embed_dim=16),
    lambda: ConditionalUnet1D(16, 8, 10, down_dims=(16, 32, 64), kernel_size=3,
                              time_embed_dim=16),
    lambda: ConditionalUnet1D(16, 8, 10, down_dims=(16,), kernel_size=5, time_embed_dim=16),
], ids=['mlp', 'unet3', 'unet1'])
def test_shapes_conditioning_and_gradients(make):
    torch.manual_seed(0)
    model = make()
    noisy, time, condition = _inputs()
    output = model(noisy, time, condition)
    assert output.shape == (3, 16, 8)
    # The output depends on the condition, the time and the noisy chunk.
    assert not torch.allclose(output, model(noisy, time, condition + 1.0))
    assert not torch.allclose(output, model(noisy, time + 10.0, condition))
    assert not torch.allclose(output, model(noisy + 1.0, time, condition))
    output.square().sum().backward()
    silent = [name for name, p in model.named_parameters()
              if p.grad is None or not torch.any(p.grad != 0)]
    assert silent == []


def test_unet_samples_are_independent_in_the_batch():
    torch.manual_seed(0)
    model = ConditionalUnet1D(8, 2, 3, down_dims=(8, 16), kernel_size=3, time_embed_dim=8)
    model.eval()
    noisy, time, condition = _inputs(batch=4, horizon=8, action_dim=2, condition_dim=3)
    full = model(noisy, time, condition)
    single = model(noisy[1:2], time[1:2], condition[1:2])
    torch.testing.assert_close(full[1:2], single, rtol=1e-4, atol=1e-5)


def test_unet_rejects_indivisible_horizon():
    with pytest.raises(ValueError, match='horizon 10 must be divisible by 2\\*\\*2'):
        ConditionalUnet1D(10, 2, 3, down_dims=(8, 16, 32))
