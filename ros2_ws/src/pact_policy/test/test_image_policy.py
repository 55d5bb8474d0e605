# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Image-conditioned policies: learning from the image, exact checkpoints, mismatch rejection.

Also pins down that policies without a camera are untouched: the committed base checkpoints
load and re-serialise byte for byte, with no image fields and no image weights.
"""

import io
import json
import zipfile

import numpy as np
from pact_policy.core.checkpoint import (
    checkpoint_bytes, CheckpointError, load_checkpoint, read_checkpoint_metadata, save_checkpoint)
from pact_policy.core.image_preprocessing import ImagePreprocessor
from pact_policy.core.model_swap import (
    Announcement, check_announcement, check_swap_compatible, smoke_test, TransferError)
from pact_policy.core.normalizer import Normalizer
from pact_policy.core.policy import DiffusionPolicy
from pact_policy.core.policy_config import IMAGE_FIELDS, PolicyConfig
from pact_policy.core.training import fit_policy, TrainingSettings
from pact_testing.repository import repository_root
import pytest
import torch

torch.set_num_threads(1)
REPOSITORY = repository_root()
BASE_CHECKPOINTS = sorted((REPOSITORY / 'models' / 'base').glob('*.pact'))
RED, BLUE = (220, 30, 30), (30, 30, 220)


def image_config(**overrides) -> PolicyConfig:
    settings = {'action_dim': 1, 'obs_dim': 1, 'horizon': 2, 'n_action_steps': 1,
                'model_type': 'mlp', 'num_train_timesteps': 20, 'num_inference_steps': 10,
                'mlp_hidden_dim': 32, 'mlp_num_blocks': 1, 'time_embed_dim': 8,
                'camera_name': 'front', 'image_size': 16, 'image_encoder_channels': [8, 8],
                'image_feature_dim': 8}
    return PolicyConfig(**{**settings, **overrides})


def camera_frames(colour, count: int, seed: int) -> np.ndarray:
    """Return ``count`` noisy 24 × 32 rgb8 frames of one colour, (count, 24, 32, 3) uint8."""
    noise = np.random.default_rng(seed).normal(0.0, 20.0, size=(count, 24, 32, 3))
    return np.clip(np.array(colour, dtype=np.float64) + noise, 0, 255).astype(np.uint8)


def preprocessed(config: PolicyConfig, frames: np.ndarray) -> torch.Tensor:
    preprocessor = ImagePreprocessor.from_config(config)
    return torch.as_tensor(np.stack([preprocessor.preprocess(frame) for frame in frames]))


def random_image_policy(seed: int = 0, **overrides) -> DiffusionPolicy:
    config = image_config(**overrides)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    return DiffusionPolicy(config, Normalizer.fit(rng.uniform(-2, 2, (30, config.action_dim))),
                           Normalizer.fit(rng.normal(size=(30, config.obs_dim)), 'gaussian'))


@pytest.mark.slow
def test_policy_learns_to_depend_on_the_image():
    """Action mean +1 with a red frame, -1 with a blue one; the observation carries nothing."""
    config = image_config()
    count = 128
    images = torch.cat([preprocessed(config, camera_frames(RED, count, 1)),
                        preprocessed(config, camera_frames(BLUE, count, 2))])
    means = np.concatenate([np.ones(count), -np.ones(count)])
    rng = np.random.default_rng(0)
    actions = torch.as_tensor(means[:, None, None] + 0.1 * rng.normal(size=(2 * count, 2, 1)),
                              dtype=torch.float32)
    observations = torch.zeros(2 * count, 1)
    torch.manual_seed(0)
    policy = DiffusionPolicy(config, Normalizer.fit(actions.reshape(-1, 1).numpy()),
                             Normalizer.identity(1))
    untrained = torch.zeros(2 * 64, 1)
    settings = TrainingSettings(num_steps=400, batch_size=64, learning_rate=3e-3, seed=0)
    _, losses = fit_policy(policy, actions, observations, settings, images=images)
    assert np.mean(losses[-20:]) < 0.3 * losses[0]
    fresh = torch.cat([preprocessed(config, camera_frames(RED, 64, 10)),
                       preprocessed(config, camera_frames(BLUE, 64, 11))])  # unseen frames
    chunk = policy.sample(untrained, image=fresh, generator=torch.Generator().manual_seed(1))
    red, blue = chunk[:64], chunk[64:]
    assert abs(float(red.mean()) - 1.0) < 0.25, float(red.mean())
    assert abs(float(blue.mean()) + 1.0) < 0.25, float(blue.mean())
    assert float((red > 0).float().mean()) > 0.9 and float((blue < 0).float().mean()) > 0.9
    swapped = policy.sample(untrained, image=fresh.flip(0),
                            generator=torch.Generator().manual_seed(1))
    assert float(swapped[:64].mean()) < -0.75 and float(swapped[64:].mean()) > 0.75


def test_image_is_required_exactly_when_the_policy_has_a_camera():
    policy = random_image_policy()
    observation, noisy = torch.zeros(2, 1), torch.zeros(2, 2, 1)
    with pytest.raises(ValueError, match="needs a camera image \\('front'"):
        policy.sample(observation)
    with pytest.raises(ValueError, match=r'image shape \(2, 3, 8, 8\) is not \(2, 3, 16, 16\)'):
        policy.predict(noisy, torch.zeros(2, dtype=torch.long), observation,
                       torch.zeros(2, 3, 8, 8))
    with pytest.raises(ValueError, match='finite'):
        policy.sample(observation, image=torch.full((2, 3, 16, 16), float('nan')))
    plain = random_image_policy(camera_name='')
    assert plain.image_encoder is None
    with pytest.raises(ValueError, match='no camera input'):
        plain.sample(observation, image=torch.zeros(2, 3, 16, 16))


def test_conditioning_is_history_then_image_features():
    policy = random_image_policy(n_obs_steps=2, obs_dim=3)
    observation = torch.randn(4, 6)
    image = torch.randn(4, 3, 16, 16)
    conditioning = policy.encode_condition(observation, image)
    assert conditioning.shape == (4, 6 + 8) == (4, policy.config.denoiser_condition_dim)
    torch.testing.assert_close(conditioning[:, :6], observation, rtol=0, atol=0)
    torch.testing.assert_close(conditioning[:, 6:], policy.image_encoder(image), rtol=0, atol=0)
    noisy, step = torch.randn(4, 2, 1), torch.tensor([0, 5, 10, 19])
    torch.testing.assert_close(policy.predict(noisy, step, observation, image),
                               policy.predict_conditioned(noisy, step, conditioning))


@pytest.mark.parametrize('model_type', ['mlp', 'unet'])
def test_checkpoint_round_trip_is_exact_with_an_image_encoder(tmp_path, model_type):
    policy = random_image_policy(model_type=model_type, unet_down_dims=[8, 16],
                                 unet_kernel_size=3, image_center_crop=False,
                                 image_mean=[0.5, 0.4, 0.3], image_std=[0.2, 0.3, 0.4]).eval()
    path = tmp_path / 'image.pact'
    digest = save_checkpoint(policy, path, {'version': 'cam1'})
    loaded = load_checkpoint(path, expected_architecture_id=policy.config.architecture_id,
                             expected_sha256=digest)
    assert loaded.policy.config == policy.config
    assert loaded.policy.config.to_dict()['image_mean'] == [0.5, 0.4, 0.3]
    original, restored = policy.state_dict(), loaded.policy.state_dict()
    assert any(name.startswith('image_encoder.') for name in restored)
    assert list(original) == list(restored)
    for name, tensor in original.items():
        assert torch.equal(tensor, restored[name]), name
    image, noise = torch.randn(3, 3, 16, 16), torch.randn(3, 2, 1)
    torch.testing.assert_close(loaded.policy.sample(torch.ones(3, 1), image=image, noise=noise),
                               policy.sample(torch.ones(3, 1), image=image, noise=noise),
                               rtol=0, atol=0)
    assert checkpoint_bytes(loaded.policy, loaded.metadata) == path.read_bytes()


def test_mismatched_image_configuration_is_rejected_by_name():
    data = checkpoint_bytes(random_image_policy(), {'version': 'cam'})
    bigger = random_image_policy(image_size=32).config.architecture_id
    with pytest.raises(CheckpointError, match="image encoder: 'image16c-cnn8-8-f8' vs "
                                              "'image32c-cnn8-8-f8'"):
        load_checkpoint(data, expected_architecture_id=bigger)
    blind = random_image_policy(camera_name='').config.architecture_id
    with pytest.raises(CheckpointError, match="image encoder: 'image16c-cnn8-8-f8' vs none"):
        load_checkpoint(data, expected_architecture_id=blind)
    announcement = Announcement('v2', 'v1', bigger, 10, '0' * 64, 'file:///tmp/x.pact')
    with pytest.raises(TransferError, match="image encoder: 'image32c-cnn8-8-f8' vs "
                                            "'image16c-cnn8-8-f8'"):
        check_announcement(announcement, random_image_policy().config.architecture_id, 100)


def test_hot_swap_refuses_another_camera_or_colour_normalisation():
    running = image_config()
    check_swap_compatible(image_config(), running, 'v2')
    with pytest.raises(TransferError, match="camera_name differs .*'side' vs 'front'"):
        check_swap_compatible(image_config(camera_name='side'), running, 'v2')
    with pytest.raises(TransferError, match='image_std differs'):
        check_swap_compatible(image_config(image_std=[0.5, 0.5, 0.5]), running, 'v2')
    with pytest.raises(TransferError, match='action_dt differs'):
        check_swap_compatible(image_config(action_dt=0.2), running, 'v2')


def _edit_config(data: bytes, edit) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    description = json.loads(members['policy.json'])
    edit(description)
    members['policy.json'] = json.dumps(description).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_tampered_image_configuration_is_rejected_by_name():
    policy = random_image_policy()
    data = checkpoint_bytes(policy, {'version': 'cam'})

    def drop_camera(description):
        description['config']['camera_name'] = ''
    with pytest.raises(CheckpointError, match="image encoder: 'image16c-cnn8-8-f8' vs none"):
        load_checkpoint(_edit_config(data, drop_camera))

    def widen_encoder(description):  # config and id edited consistently, weights are not
        description['config']['image_encoder_channels'] = [8, 12]
        description['architecture_id'] = random_image_policy(
            image_encoder_channels=[8, 12]).config.architecture_id
    with pytest.raises(CheckpointError, match=r'weight image_encoder\.backbone\.3\.weight: '
                                              r'shape \(8, 8, 3, 3\)'):
        load_checkpoint(_edit_config(data, widen_encoder))

    def shrink_image(description):
        description['config']['image_size'] = 1
    with pytest.raises(CheckpointError, match='image_size 1 px is too small'):
        load_checkpoint(_edit_config(data, shrink_image))


def test_smoke_test_feeds_a_blank_or_the_last_image():
    policy = random_image_policy().eval()
    smoke_test(policy, None)  # mid-grey frame when no image was seen yet
    smoke_test(policy, np.zeros(1, np.float32), image=np.zeros((3, 16, 16), np.float32))
    with pytest.raises(TransferError, match='image shape'):
        smoke_test(policy, None, image=np.zeros((3, 8, 8), np.float32))


def test_config_without_camera_keeps_its_old_json():
    plain = image_config(camera_name='', image_size=64)
    values = plain.to_dict()
    assert not set(IMAGE_FIELDS) & set(values)
    assert plain.architecture_id == PolicyConfig.from_dict(values).architecture_id
    assert 'image' not in plain.architecture_id
    assert plain.denoiser_condition_dim == plain.condition_dim
    with pytest.raises(ValueError, match='image_std must be 3 finite'):
        image_config(image_std=[0.2, 0.2])
    with pytest.raises(ValueError, match='image_size 4 px is too small'):
        image_config(image_size=4, image_encoder_channels=[8, 8, 8, 8])


@pytest.mark.parametrize('path', BASE_CHECKPOINTS, ids=lambda path: path.name)
def test_committed_base_checkpoints_load_exactly_as_before(path):
    description = read_checkpoint_metadata(path)
    assert not set(IMAGE_FIELDS) & set(description['config'])
    loaded = load_checkpoint(path, expected_architecture_id=description['architecture_id'])
    assert loaded.policy.image_encoder is None
    assert not loaded.policy.config.uses_image
    assert not any(name.startswith('image_encoder') for name in loaded.policy.state_dict())
    assert checkpoint_bytes(loaded.policy, loaded.metadata) == path.read_bytes()
    config = loaded.policy.config
    chunk = loaded.policy.sample(torch.zeros(1, config.condition_dim), num_steps=2,
                                 generator=torch.Generator().manual_seed(0))
    assert chunk.shape == (1, config.horizon, config.action_dim)


def test_there_are_base_checkpoints_to_check():
    assert len(BASE_CHECKPOINTS) == 3, BASE_CHECKPOINTS
