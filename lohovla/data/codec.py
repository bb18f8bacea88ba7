"""PNG encoding of observations: 8-bit RGB colour, 16-bit grayscale height.

PNG keeps images lossless, self-describing and readable by any tool (and by `datasets.Image`), at a
few milliseconds per image. Height is quantised to 0.3 m / 65535 = 4.6 micrometres.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from lohovla.data.schema import HEIGHT_RANGE, HEIGHT_SCALE

#: zlib level: 1-3 is ~4x faster than the default 6 on rendered images, for a few percent more bytes.
DEFAULT_PNG_LEVEL = 3


def _png(image: Image.Image, level: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=level)
    return buf.getvalue()


def encode_color(color: np.ndarray, level: int = DEFAULT_PNG_LEVEL) -> bytes:
    """uint8 (H, W, 3) -> PNG bytes."""
    arr = np.ascontiguousarray(color)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"color must be uint8 (H, W, 3), got {arr.dtype} {arr.shape}")
    return _png(Image.fromarray(arr, mode="RGB"), level)


def quantize_height(height: np.ndarray) -> np.ndarray:
    """float metres -> uint16 steps of HEIGHT_SCALE (clipped to [0, HEIGHT_RANGE])."""
    h = np.clip(np.nan_to_num(np.asarray(height, dtype=np.float64)), 0.0, HEIGHT_RANGE)
    return np.round(h / HEIGHT_SCALE).astype(np.uint16)


def encode_height(height: np.ndarray, level: int = DEFAULT_PNG_LEVEL) -> bytes:
    """float32 (H, W) metres -> 16-bit grayscale PNG bytes."""
    if np.ndim(height) != 2:
        raise ValueError(f"height must be (H, W), got shape {np.shape(height)}")
    return _png(Image.fromarray(quantize_height(height)), level)


def decode_color(data: bytes) -> np.ndarray:
    """PNG bytes -> uint8 (H, W, 3)."""
    with Image.open(io.BytesIO(data)) as image:
        arr = np.asarray(image.convert("RGB") if image.mode != "RGB" else image)
    return np.array(arr, dtype=np.uint8)


def decode_height(data: bytes) -> np.ndarray:
    """16-bit PNG bytes -> float32 (H, W) metres."""
    with Image.open(io.BytesIO(data)) as image:
        arr = np.asarray(image)
    return (arr.astype(np.float32) * np.float32(HEIGHT_SCALE)).astype(np.float32)
