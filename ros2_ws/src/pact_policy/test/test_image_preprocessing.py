# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""OpenCV image preprocessing against an independent numpy reference; bad images by name."""

import array

import numpy as np
from pact_policy.core.image_preprocessing import (
    decode_pixels, ImageError, IMAGENET_MEAN, IMAGENET_STD, ImagePreprocessor)
import pytest


def block_mean(image: np.ndarray, factor: int) -> np.ndarray:
    """Return the mean of every factor × factor block of an (H, W, C) image, in float64."""
    height, width, channels = image.shape
    blocks = image.astype(np.float64).reshape(height // factor, factor, width // factor, factor,
                                              channels)
    return blocks.mean(axis=(1, 3))


def reference(image: np.ndarray, size: int, mean, std) -> np.ndarray:
    """Centre crop + area resize (integer factor) + normalise, written independently of cv2."""
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = image[top:top + side, left:left + side]
    resized = block_mean(square, side // size)
    unit = resized.transpose(2, 0, 1) / 255.0
    return (unit - np.asarray(mean)[:, None, None]) / np.asarray(std)[:, None, None]


def test_crop_resize_normalise_match_the_numpy_reference():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(48, 64, 3), dtype=np.uint8)
    image[:, :8] = 255  # the cropped-away margins would change the result if they were kept
    image[:, -8:] = 0
    preprocessor = ImagePreprocessor(size=12)
    result = preprocessor.preprocess(image, 'rgb8')
    assert result.shape == (3, 12, 12) and result.dtype == np.float32
    np.testing.assert_allclose(result, reference(image, 12, IMAGENET_MEAN, IMAGENET_STD),
                               rtol=0, atol=2e-6)


def test_without_crop_the_whole_frame_is_averaged():
    rng = np.random.default_rng(4)
    image = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
    preprocessor = ImagePreprocessor(size=8, center_crop=False, mean=(0.5, 0.5, 0.5),
                                     std=(0.25, 0.5, 1.0))
    expected = (block_mean(image, 4).transpose(2, 0, 1) / 255.0 - 0.5) / np.array(
        [0.25, 0.5, 1.0])[:, None, None]
    np.testing.assert_allclose(preprocessor.preprocess(image), expected, rtol=0, atol=2e-6)


def test_normalisation_numbers_are_exact_and_bgr_is_reordered():
    red_rgb = np.zeros((20, 30, 3), dtype=np.uint8)
    red_rgb[..., 0] = 255
    red_rgb[..., 1] = 51  # 0.2 exactly
    preprocessor = ImagePreprocessor(size=5)
    result = preprocessor.preprocess(red_rgb, 'rgb8')
    expected = [(1.0 - 0.485) / 0.229, (0.2 - 0.456) / 0.224, (0.0 - 0.406) / 0.225]
    for channel, value in enumerate(expected):
        np.testing.assert_allclose(result[channel], value, rtol=1e-6)
    same_as_bgr = preprocessor.preprocess(np.ascontiguousarray(red_rgb[..., ::-1]), 'bgr8')
    np.testing.assert_array_equal(same_as_bgr, result)


def test_blank_image_is_mid_grey():
    blank = ImagePreprocessor(size=4, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0)).blank()
    np.testing.assert_allclose(blank, 128.0 / 255.0, rtol=1e-6)


@pytest.mark.parametrize('image, message', [
    (np.zeros((8, 8, 3), dtype=np.float32), 'dtype must be uint8'),
    (np.full((8, 8, 3), np.nan), 'non-finite'),
    (np.zeros((8, 8), dtype=np.uint8), 'shape (H, W, 3)'),
    (np.zeros((8, 8, 4), dtype=np.uint8), 'got 4'),
    (np.zeros((0, 8, 3), dtype=np.uint8), 'empty'),
    ([[[0, 0, 0]]], 'numpy array'),
])
def test_bad_images_are_rejected_by_name(image, message):
    with pytest.raises(ImageError, match=message.replace('(', r'\(').replace(')', r'\)')):
        ImagePreprocessor(size=4).preprocess(image)


def test_bad_settings_and_encodings_are_rejected():
    with pytest.raises(ImageError, match="encoding 'mono8'"):
        ImagePreprocessor(size=4).preprocess(np.zeros((4, 4, 3), np.uint8), 'mono8')
    with pytest.raises(ImageError, match='std must be > 0'):
        ImagePreprocessor(std=(0.2, 0.0, 0.2))
    with pytest.raises(ImageError, match='image size'):
        ImagePreprocessor(size=0)


def test_decode_pixels_handles_row_padding():
    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 256, size=(3, 5, 3), dtype=np.uint8)
    step = 5 * 3 + 4
    padded = np.zeros((3, step), dtype=np.uint8)
    padded[:, :15] = pixels.reshape(3, 15)
    padded[:, 15:] = 77  # padding bytes must not leak into the pixels
    decoded = decode_pixels(3, 5, 'bgr8', step, array.array('B', padded.tobytes()))
    np.testing.assert_array_equal(decoded, pixels)


@pytest.mark.parametrize('height, width, encoding, step, size, message', [
    (3, 5, 'mono8', 5, 15, "encoding 'mono8'"),
    (3, 5, 'rgb16', 30, 90, "encoding 'rgb16'"),
    (3, 5, 'rgb8', 10, 30, 'step 10 bytes is shorter'),
    (3, 5, 'rgb8', 15, 44, 'has 44 bytes, expected'),
    (0, 5, 'rgb8', 15, 0, 'empty'),
])
def test_decode_pixels_rejects_bad_buffers(height, width, encoding, step, size, message):
    with pytest.raises(ImageError, match=message):
        decode_pixels(height, width, encoding, step, bytes(size))
