"""Streaming per-feature statistics in lerobot's stats.json form: min, max, mean, std, count and the
quantiles q01, q10, q50, q90, q99 (from a bounded, deterministic sample, so memory stays flat).

Shapes follow lerobot: images per channel as (3, 1, 1) on the [0, 1] scale, vectors per dimension,
scalars (1,). The height map is summarised over all its pixels, shape (1,).
"""

from __future__ import annotations

import numpy as np

QUANTILES = (0.01, 0.10, 0.50, 0.90, 0.99)
SAMPLE_CAP = 20000  # sampled values kept per channel for the quantiles
PIXELS_PER_FRAME = 64  # of an image, sampled per frame for the quantiles


class RunningStats:
    """Accumulates rows of shape (n, channels) in float64."""

    def __init__(self, channels: int, seed: int = 0) -> None:
        self.count = 0  # frames
        self.n = 0  # values per channel
        self.sum = np.zeros(channels)
        self.sumsq = np.zeros(channels)
        self.min = np.full(channels, np.inf)
        self.max = np.full(channels, -np.inf)
        self.sample: list[np.ndarray] = []
        self.kept = 0
        self.rng = np.random.default_rng(seed)

    def update(self, values: np.ndarray, frames: int, sample: np.ndarray | None = None) -> None:
        v = np.asarray(values, dtype=np.float64)
        self.count += frames
        self.n += v.shape[0]
        self.sum += v.sum(axis=0)
        self.sumsq += (v * v).sum(axis=0)
        self.min = np.minimum(self.min, v.min(axis=0))
        self.max = np.maximum(self.max, v.max(axis=0))
        s = v if sample is None else np.asarray(sample, dtype=np.float64)
        if self.kept < SAMPLE_CAP:
            take = s[: SAMPLE_CAP - self.kept]
            self.sample.append(take)
            self.kept += len(take)

    def result(self, shape: tuple[int, ...]) -> dict[str, list]:
        mean = self.sum / max(self.n, 1)
        std = np.sqrt(np.maximum(self.sumsq / max(self.n, 1) - mean * mean, 0.0))
        sample = np.concatenate(self.sample) if self.sample else np.zeros((1, len(mean)))
        out = {
            "min": self.min.reshape(shape).tolist(),
            "max": self.max.reshape(shape).tolist(),
            "mean": mean.reshape(shape).tolist(),
            "std": std.reshape(shape).tolist(),
            "count": [self.count],
        }
        for q in QUANTILES:
            out[f"q{round(q * 100):02d}"] = np.quantile(sample, q, axis=0).reshape(shape).tolist()
        return out


class ImageStats(RunningStats):
    """RGB uint8 images, per channel, on lerobot's [0, 1] scale."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__(3, seed)

    def add(self, image: np.ndarray) -> None:
        pixels = np.asarray(image, dtype=np.float64).reshape(-1, 3) / 255.0
        pick = self.rng.integers(0, len(pixels), PIXELS_PER_FRAME)
        self.update(pixels, 1, pixels[pick])

    def stats(self) -> dict[str, list]:
        return self.result((3, 1, 1))


class ArrayStats(RunningStats):
    """Frames of a numeric feature: per dimension (vectors), or over every value (`pooled`, e.g. maps)."""

    def __init__(self, dims: int, pooled: bool = False, seed: int = 0) -> None:
        super().__init__(1 if pooled else dims, seed)
        self.pooled, self.dims = pooled, dims

    def add(self, frames: np.ndarray) -> None:
        v = np.asarray(frames, dtype=np.float64)
        if self.pooled:
            flat = v.reshape(-1, 1)
            pick = self.rng.integers(0, len(flat), PIXELS_PER_FRAME * len(v))
            self.update(flat, len(v), flat[pick])
        else:
            self.update(v.reshape(len(v), self.dims), len(v))

    def stats(self) -> dict[str, list]:
        return self.result((1,) if self.pooled else (self.dims,))
