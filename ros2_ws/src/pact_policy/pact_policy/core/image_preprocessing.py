# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Camera images → the normalised float tensor an image-conditioned policy takes (OpenCV).

Two steps, both ROS-free:

1. ``decode_pixels(height, width, encoding, step, data)`` turns the fields of a
   sensor_msgs/Image (8-bit ``rgb8`` or ``bgr8`` only; rows ``step`` bytes apart, possibly
   padded) into an (H, W, 3) uint8 array without cv_bridge.
2. ``ImagePreprocessor.preprocess(image, encoding)`` on an (H, W, 3) uint8 array:

   - ``center_crop``: keep the largest centred square (so the aspect ratio survives the
     resize; an odd surplus leaves the extra column/row on the right/bottom);
   - resize to ``size`` × ``size`` pixels with ``cv2.INTER_AREA`` (area averaging, the
     right filter for shrinking camera frames), in float32 so nothing is rounded back to
     8 bits (shrinking by an integer factor k gives exactly the mean of each k × k block);
   - BGR → RGB when ``encoding`` is ``bgr8``, so channel order is always R, G, B;
   - to float CHW in [0, 1] (value / 255), then per channel (x - mean[c]) / std[c].

   Output: float32 array (3, size, size). Mean/std default to the ImageNet statistics.

Every bad input raises ``ImageError`` naming what was wrong (dtype, shape, channels,
encoding, size, non-finite values).
"""

from dataclasses import dataclass

import cv2
import numpy as np

ENCODINGS = ('rgb8', 'bgr8')
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
MAX_IMAGE_SIDE = 16384


class ImageError(ValueError):
    """An image could not be used; the message names what was wrong."""


def decode_pixels(height: int, width: int, encoding: str, step: int, data) -> np.ndarray:
    """
    Return the (height, width, 3) uint8 pixels of an 8-bit 3-channel image buffer.

    ``data`` is any bytes-like buffer (bytes, array('B'), numpy uint8) of at least
    ``step * height`` bytes; ``step`` is the row length in bytes (≥ 3 * width, may be padded).
    The channel order is left as ``encoding`` says; ``preprocess`` handles it.
    """
    _check_encoding(encoding)
    if not (0 < height <= MAX_IMAGE_SIDE and 0 < width <= MAX_IMAGE_SIDE):
        raise ImageError(f'image size {width}x{height} px is empty or larger than '
                         f'{MAX_IMAGE_SIDE} px per side')
    if step < 3 * width:
        raise ImageError(f'image step {step} bytes is shorter than a {encoding} row of '
                         f'{width} px ({3 * width} bytes)')
    buffer = np.frombuffer(data, dtype=np.uint8)
    if buffer.size < step * height:
        raise ImageError(f'image data has {buffer.size} bytes, expected step * height = '
                         f'{step} * {height} = {step * height}')
    rows = buffer[:step * height].reshape(height, step)
    return rows[:, :3 * width].reshape(height, width, 3).copy()


@dataclass(frozen=True)
class ImagePreprocessor:
    """Crop, resize and normalise camera images; see the module docstring for the steps."""

    size: int = 96
    center_crop: bool = True
    mean: tuple = IMAGENET_MEAN
    std: tuple = IMAGENET_STD

    def __post_init__(self):
        """Validate the settings; raise ImageError naming the bad one."""
        if not isinstance(self.size, int) or isinstance(self.size, bool) or self.size < 1:
            raise ImageError(f'image size must be a positive integer, got {self.size!r}')
        for name in ('mean', 'std'):
            values = np.asarray(getattr(self, name), dtype=np.float64)
            if values.shape != (3,) or not np.all(np.isfinite(values)):
                raise ImageError(f'image {name} must be 3 finite numbers (R, G, B), got '
                                 f'{getattr(self, name)!r}')
        if min(self.std) <= 0.0:
            raise ImageError(f'image std must be > 0 per channel, got {self.std!r}')

    @classmethod
    def from_config(cls, config) -> 'ImagePreprocessor':
        """Return the preprocessor of a ``PolicyConfig`` that has an image input."""
        return cls(config.image_size, config.image_center_crop, tuple(config.image_mean),
                   tuple(config.image_std))

    def preprocess(self, image: np.ndarray, encoding: str = 'rgb8') -> np.ndarray:
        """Return the normalised float32 (3, size, size) RGB tensor of an (H, W, 3) image."""
        check_image(image)
        _check_encoding(encoding)
        if self.center_crop:
            image = center_square(image)
        resized = cv2.resize(image.astype(np.float32), (self.size, self.size),
                             interpolation=cv2.INTER_AREA).reshape(self.size, self.size, 3)
        if encoding == 'bgr8':
            resized = resized[:, :, ::-1]
        unit = resized.transpose(2, 0, 1) / np.float32(255.0)
        mean = np.asarray(self.mean, dtype=np.float32)[:, None, None]
        std = np.asarray(self.std, dtype=np.float32)[:, None, None]
        return np.ascontiguousarray((unit - mean) / std, dtype=np.float32)

    def blank(self) -> np.ndarray:
        """Return the normalised tensor of a mid-grey image (3, size, size), for warm-ups."""
        grey = np.full((self.size, self.size, 3), 128, dtype=np.uint8)
        return self.preprocess(grey, 'rgb8')


def check_image(image) -> None:
    """Raise ImageError unless ``image`` is a non-empty (H, W, 3) uint8 numpy array."""
    if not isinstance(image, np.ndarray):
        raise ImageError(f'image must be a numpy array, got {type(image).__name__}')
    if image.dtype != np.uint8:
        detail = (' with non-finite values' if np.issubdtype(image.dtype, np.floating)
                  and not np.all(np.isfinite(image)) else '')
        raise ImageError(f'image dtype must be uint8 (0..255), got {image.dtype}{detail}')
    if image.ndim != 3:
        raise ImageError(f'image must have shape (H, W, 3), got {image.shape}')
    if image.shape[2] != 3:
        raise ImageError(f'image must have 3 channels (rgb8/bgr8), got {image.shape[2]} '
                         f'(shape {image.shape})')
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ImageError(f'image is empty: shape {image.shape}')


def center_square(image: np.ndarray) -> np.ndarray:
    """Return the largest centred square of an (H, W, C) image (a view)."""
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return image[top:top + side, left:left + side]


def _check_encoding(encoding: str) -> None:
    if encoding not in ENCODINGS:
        raise ImageError(f'image encoding {encoding!r} is not supported; use one of '
                         f'{ENCODINGS}')
